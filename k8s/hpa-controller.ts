// One whole reconcileAutoscaler pass over metric specs, after horizontal.go: metrics through the replica
// calculator, then legacy (hpa.ts) or behavior (hpa-behavior.ts) normalisation. Only the conformance
// runner reaches this; the simulator's autoscaler calls hpaRecommend in hpa.ts.
import {
  computeReplicasForMetrics,
  type HpaRecommendation,
  normalizeDesiredReplicas,
  type NormalizeResult,
  recordInitialRecommendation,
  snapToBounds,
  type Tolerances,
} from './hpa.js';
import {
  type HpaBehavior,
  normalizeDesiredReplicasWithBehaviors,
  type ScaleEvent,
  storeScaleEvent,
} from './hpa-behavior.js';
import {
  calcPlainMetricReplicas,
  type CalcResult,
  getPerPodMetricReplicas,
  getResourceReplicas,
  getValueMetricReplicas,
  type HpaPod,
  type PodMetricsInfo,
  type ReadinessTimings,
  sumCappedInt64,
} from './hpa-replica-calculator.js';

export type MetricTarget =
  | { readonly type: 'Utilization'; readonly averageUtilization: number }
  | { readonly type: 'AverageValue'; readonly averageValueMilli: bigint }
  | { readonly type: 'Value'; readonly valueMilli: bigint }
  | { readonly type: 'None' };

export interface HpaMetricSpec {
  /** Resource, ContainerResource, Pods, Object, External; anything else is an invalid source type. */
  readonly type: string;
  /** Resource name for Resource/ContainerResource (e.g. cpu). */
  readonly resource: string;
  readonly container: string;
  readonly target: MetricTarget;
}

/** What the metrics APIs returned for one metric spec. */
export type MetricReading =
  | { readonly ok: true; readonly podMetrics: PodMetricsInfo }
  | { readonly ok: true; readonly valuesMilli: readonly bigint[] }
  | { readonly ok: false; readonly error: string };

export interface MetricContext {
  readonly specReplicas: number;
  readonly statusReplicas: number;
  readonly tolerances: Tolerances;
  readonly pods: readonly HpaPod[];
  readonly timings: ReadinessTimings;
  readonly nowMs: number;
}

export type MetricEvaluation =
  | { readonly ok: true; readonly replicas: number }
  | { readonly ok: false; readonly reason: string; readonly error: string };

const FAILED_REASON: Readonly<Record<string, string>> = {
  Resource: 'FailedGetResourceMetric',
  ContainerResource: 'FailedGetContainerResourceMetric',
  Pods: 'FailedGetPodsMetric',
  Object: 'FailedGetObjectMetric',
  External: 'FailedGetExternalMetric',
};

function podReadingMetrics(reading: MetricReading): PodMetricsInfo {
  return reading.ok && 'podMetrics' in reading ? reading.podMetrics : new Map();
}
function valueReadings(reading: MetricReading): readonly bigint[] {
  return reading.ok && 'valuesMilli' in reading ? reading.valuesMilli : [];
}

/** One metric's proposal given its reading: the Get*Replicas dispatch of computeReplicasForMetric. */
function proposeForMetric(
  spec: HpaMetricSpec,
  reading: MetricReading,
  ctx: MetricContext,
): CalcResult<{ replicas: number }> {
  const { target } = spec;
  const common = { tolerances: ctx.tolerances, pods: ctx.pods, timings: ctx.timings, nowMs: ctx.nowMs };
  const isResource = spec.type === 'Resource' || spec.type === 'ContainerResource';
  if (isResource && target.type === 'Utilization') {
    return getResourceReplicas({
      ...common,
      currentReplicas: ctx.specReplicas,
      targetUtilization: target.averageUtilization,
      resource: spec.resource,
      container: spec.container,
      metrics: podReadingMetrics(reading),
    });
  }
  if ((isResource || spec.type === 'Pods') && target.type === 'AverageValue') {
    return calcPlainMetricReplicas({
      ...common,
      currentReplicas: ctx.specReplicas,
      targetUsageMilli: target.averageValueMilli,
      resource: isResource ? spec.resource : '',
      metrics: podReadingMetrics(reading),
    });
  }
  if (spec.type === 'Object' || spec.type === 'External') {
    const usage =
      spec.type === 'External' ? sumCappedInt64(valueReadings(reading)) : (valueReadings(reading)[0] ?? 0n);
    if (target.type === 'Value')
      return getValueMetricReplicas(ctx.specReplicas, usage, target.valueMilli, ctx.tolerances, ctx.pods);
    if (target.type === 'AverageValue') {
      return getPerPodMetricReplicas(ctx.statusReplicas, usage, target.averageValueMilli, ctx.tolerances);
    }
  }
  return { ok: false, error: `invalid ${spec.type} metric source: no usable target` };
}

/** computeReplicasForMetric: a failed fetch or an unusable spec is an invalid metric with a reason. */
export function computeReplicasForMetric(
  spec: HpaMetricSpec,
  reading: MetricReading,
  ctx: MetricContext,
): MetricEvaluation {
  const failed = FAILED_REASON[spec.type];
  if (failed === undefined)
    return {
      ok: false,
      reason: 'InvalidMetricSourceType',
      error: `unknown metric source type "${spec.type}"`,
    };
  if (!reading.ok) return { ok: false, reason: failed, error: reading.error };
  const proposal = proposeForMetric(spec, reading, ctx);
  return proposal.ok
    ? { ok: true, replicas: proposal.replicas }
    : { ok: false, reason: failed, error: proposal.error };
}

/** The controller's per-HPA memory: recommendation history and scale events. */
export interface HpaControllerState {
  /** null = first sight (seeded with the current size). */
  readonly recommendations: readonly HpaRecommendation[] | null;
  readonly scaleUpEvents: readonly ScaleEvent[];
  readonly scaleDownEvents: readonly ScaleEvent[];
}

export interface HpaControllerConfig {
  readonly tolerance: number;
  /** --horizontal-pod-autoscaler-downscale-stabilization (the scenario's autoscaler.scaleDownStabilization). */
  readonly scaleDownStabilizationMs: number;
  /** 2 in production; the Kubernetes controller tests use 8. */
  readonly scaleUpLimitFactor: number;
  readonly timings: ReadinessTimings;
}

export interface ReconcileInput {
  readonly specReplicas: number;
  readonly statusReplicas: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly metrics: readonly HpaMetricSpec[];
  /** Readings in the order of `metrics`; only read when metrics are evaluated. */
  readonly readings: readonly MetricReading[];
  readonly pods: readonly HpaPod[];
  /** null = legacy path (no behavior). Rules must already be defaulted. */
  readonly behavior: HpaBehavior | null;
  readonly state: HpaControllerState;
  readonly config: HpaControllerConfig;
  readonly nowMs: number;
}

export interface ReconcileResult {
  readonly desiredReplicas: number;
  readonly rescale: boolean;
  readonly state: HpaControllerState;
  /** Condition reasons by type (AbleToScale, ScalingActive, ScalingLimited) as this pass set them. */
  readonly conditions: Readonly<Record<string, string>>;
}

/** Each direction's tolerance: the behavior's own when set, else the controller's. */
function tolerancesFor(behavior: HpaBehavior | null, tolerance: number): Tolerances {
  return {
    scaleDown: behavior?.scaleDown.tolerance ?? tolerance,
    scaleUp: behavior?.scaleUp.tolerance ?? tolerance,
  };
}

/** computeReplicasForMetrics over the specs: the largest valid proposal, or the first failure. */
function evaluateMetrics(input: ReconcileInput): { replicas: number } | { failedReason: string } {
  const ctx: MetricContext = {
    specReplicas: input.specReplicas,
    statusReplicas: input.statusReplicas,
    tolerances: tolerancesFor(input.behavior, input.config.tolerance),
    pods: input.pods,
    timings: input.config.timings,
    nowMs: input.nowMs,
  };
  const evaluations = input.metrics.map((spec, i) =>
    computeReplicasForMetric(spec, input.readings[i] ?? { ok: false, error: 'no reading' }, ctx),
  );
  const replicas = computeReplicasForMetrics(input.specReplicas, evaluations);
  if (replicas !== null) return { replicas };
  const firstFailure = evaluations.find((e) => !e.ok);
  return { failedReason: firstFailure && !firstFailure.ok ? firstFailure.reason : 'FailedGetMetrics' };
}

/**
 * reconcileAutoscaler: spec.replicas 0 with min > 0 disables scaling; outside [min, max] snaps to the bound
 * without reading metrics; otherwise metrics, then legacy or behavior normalisation. A rescale records a
 * scale event (behavior only).
 */
export function reconcileAutoscaler(input: ReconcileInput): ReconcileResult {
  const current = input.specReplicas;
  const recommendations = recordInitialRecommendation(input.state.recommendations, current, input.nowMs);
  const state = { ...input.state, recommendations };
  const unchanged = (conditions: Record<string, string>): ReconcileResult => ({
    desiredReplicas: current,
    rescale: false,
    state,
    conditions,
  });
  // Reading the scale subresource succeeded (the pure function starts from there).
  const gotScale = { AbleToScale: 'SucceededGetScale' };
  if (current === 0 && input.minReplicas !== 0)
    return unchanged({ ...gotScale, ScalingActive: 'ScalingDisabled' });
  const snapped = snapToBounds(current, input.minReplicas, input.maxReplicas);
  if (snapped !== null) return finishRescale(input, state, snapped, gotScale);

  const evaluated = evaluateMetrics(input);
  if ('failedReason' in evaluated) return unchanged({ ...gotScale, ScalingActive: evaluated.failedReason });
  const normalized = normalizeFor(input, recommendations, evaluated.replicas);
  const conditions = {
    ScalingActive: 'ValidMetricFound',
    AbleToScale: normalized.ableToScale,
    ScalingLimited: normalized.scalingLimited,
  };
  return finishRescale(
    input,
    { ...state, recommendations: normalized.history },
    normalized.replicas,
    conditions,
  );
}

function normalizeFor(
  input: ReconcileInput,
  history: readonly HpaRecommendation[],
  proposed: number,
): NormalizeResult {
  const common = {
    currentReplicas: input.specReplicas,
    prenormalizedDesiredReplicas: proposed,
    minReplicas: input.minReplicas,
    maxReplicas: input.maxReplicas,
    history,
    nowMs: input.nowMs,
    scaleDownStabilizationMs: input.config.scaleDownStabilizationMs,
  };
  if (input.behavior === null)
    return normalizeDesiredReplicas({ ...common, scaleUpLimitFactor: input.config.scaleUpLimitFactor });
  return normalizeDesiredReplicasWithBehaviors({
    ...common,
    behavior: input.behavior,
    scaleUpEvents: input.state.scaleUpEvents,
    scaleDownEvents: input.state.scaleDownEvents,
  });
}

function finishRescale(
  input: ReconcileInput,
  state: HpaControllerState,
  desired: number,
  conditions: Record<string, string>,
): ReconcileResult {
  const rescale = desired !== input.specReplicas;
  if (!rescale) return { desiredReplicas: desired, rescale, state, conditions };
  const events = storeScaleEvent(
    input.behavior,
    { scaleUp: state.scaleUpEvents, scaleDown: state.scaleDownEvents },
    input.specReplicas,
    desired,
    input.nowMs,
  );
  return {
    desiredReplicas: desired,
    rescale,
    state: { ...state, scaleUpEvents: events.scaleUp, scaleDownEvents: events.scaleDown },
    conditions: { ...conditions, AbleToScale: 'SucceededRescale' },
  };
}
