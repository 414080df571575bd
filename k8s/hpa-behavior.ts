// HPA normalisation with behavior (stabilisation windows, Pods/Percent policies, rate limits, scale-event
// bookkeeping), after horizontal.go. Only the conformance runner reaches this: the simulator's autoscaler
// uses the legacy path in hpa.ts. Times are absolute milliseconds (see hpa.ts).
import {
  type HpaRecommendation,
  INT32_MAX,
  isInsideWindow,
  type NormalizeResult,
  storeRecommendation,
} from './hpa.js';

export type SelectPolicy = 'Max' | 'Min' | 'Disabled';
export interface HpaScalingPolicy {
  readonly type: 'Pods' | 'Percent';
  readonly value: number;
  readonly periodSeconds: number;
}
/** HPAScalingRules after defaulting; a null window on scale-down means "the controller flag". */
export interface HpaScalingRules {
  readonly stabilizationWindowSeconds: number | null;
  readonly selectPolicy: SelectPolicy;
  readonly policies: readonly HpaScalingPolicy[];
  /** Per-direction tolerance (alpha HPAConfigurableTolerance); null = the controller's tolerance. */
  readonly tolerance: number | null;
}
/** HPAScalingRules as written in a spec: any field may be unset (null). */
export interface HpaScalingRulesSpec {
  readonly stabilizationWindowSeconds?: number | null;
  readonly selectPolicy?: SelectPolicy | null;
  readonly policies?: readonly HpaScalingPolicy[] | null;
  readonly tolerance?: number | null;
}
export interface HpaBehavior {
  readonly scaleUp: HpaScalingRules;
  readonly scaleDown: HpaScalingRules;
}

/** copyHPAScalingRules: every field set in `spec` overrides the default. */
function withDefaults(spec: HpaScalingRulesSpec | null, defaults: HpaScalingRules): HpaScalingRules {
  if (spec === null) return defaults;
  return {
    stabilizationWindowSeconds: spec.stabilizationWindowSeconds ?? defaults.stabilizationWindowSeconds,
    selectPolicy: spec.selectPolicy ?? defaults.selectPolicy,
    policies: spec.policies ?? defaults.policies,
    tolerance: spec.tolerance ?? defaults.tolerance,
  };
}

/** GenerateHPAScaleUpRules: window 0, Max of +4 pods and +100% per 15 s. */
export function generateScaleUpRules(spec: HpaScalingRulesSpec | null): HpaScalingRules {
  return withDefaults(spec, {
    stabilizationWindowSeconds: 0,
    selectPolicy: 'Max',
    policies: [
      { type: 'Pods', value: 4, periodSeconds: 15 },
      { type: 'Percent', value: 100, periodSeconds: 15 },
    ],
    tolerance: null,
  });
}

/** GenerateHPAScaleDownRules: window unset (the controller flag, 300 s), Max of −100% per 15 s. */
export function generateScaleDownRules(spec: HpaScalingRulesSpec | null): HpaScalingRules {
  return withDefaults(spec, {
    stabilizationWindowSeconds: null,
    selectPolicy: 'Max',
    policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
    tolerance: null,
  });
}

/** A stored scale event: how many replicas one rescale added (or removed), and when. */
export interface ScaleEvent {
  readonly replicaChange: number;
  readonly atMs: number;
  readonly outdated: boolean;
}

/** getReplicasChangePerPeriod: the replicas changed by events younger than the period (outdated or not). */
export function getReplicasChangePerPeriod(
  periodSeconds: number,
  events: readonly ScaleEvent[],
  nowMs: number,
): number {
  return events.reduce(
    (sum, e) => (isInsideWindow(e.atMs, nowMs, periodSeconds * 1000) ? sum + e.replicaChange : sum),
    0,
  );
}

interface RateLimitInput {
  readonly currentReplicas: number;
  readonly scaleUpEvents: readonly ScaleEvent[];
  readonly scaleDownEvents: readonly ScaleEvent[];
  readonly rules: HpaScalingRules;
  readonly nowMs: number;
}

/** Replicas at the start of a policy period: current − added + removed within it. */
function periodStartReplicas(input: RateLimitInput, periodSeconds: number): number {
  const added = getReplicasChangePerPeriod(periodSeconds, input.scaleUpEvents, input.nowMs);
  const removed = getReplicasChangePerPeriod(periodSeconds, input.scaleDownEvents, input.nowMs);
  return input.currentReplicas - added + removed;
}

/** calculateScaleUpLimitWithScalingRules: Max picks the most permissive policy, Min the least. */
export function calculateScaleUpLimitWithScalingRules(input: RateLimitInput): number {
  const { rules } = input;
  if (rules.selectPolicy === 'Disabled') return input.currentReplicas;
  const pick = rules.selectPolicy === 'Min' ? Math.min : Math.max;
  let result = rules.selectPolicy === 'Min' ? INT32_MAX : -INT32_MAX - 1;
  for (const policy of rules.policies) {
    const start = periodStartReplicas(input, policy.periodSeconds);
    // Percent rounds up, or a small deployment could never grow.
    const proposed =
      policy.type === 'Pods' ? start + policy.value : Math.ceil(start * (1 + policy.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

/** calculateScaleDownLimitWithBehaviors: Max picks the lowest floor, Min the highest; Percent truncates. */
export function calculateScaleDownLimitWithBehaviors(input: RateLimitInput): number {
  const { rules } = input;
  if (rules.selectPolicy === 'Disabled') return input.currentReplicas;
  const pick = rules.selectPolicy === 'Min' ? Math.max : Math.min;
  let result = rules.selectPolicy === 'Min' ? -INT32_MAX - 1 : INT32_MAX;
  for (const policy of rules.policies) {
    const start = periodStartReplicas(input, policy.periodSeconds);
    const proposed =
      policy.type === 'Pods' ? start - policy.value : Math.trunc(start * (1 - policy.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

export interface BehaviorRateInput {
  readonly currentReplicas: number;
  readonly desiredReplicas: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly scaleUpRules: HpaScalingRules;
  readonly scaleDownRules: HpaScalingRules;
  readonly scaleUpEvents: readonly ScaleEvent[];
  readonly scaleDownEvents: readonly ScaleEvent[];
  readonly nowMs: number;
}

/** convertDesiredReplicasWithBehaviorRate: policy rate limits (never crossing current), then [min, max]. */
export function convertDesiredReplicasWithBehaviorRate(input: BehaviorRateInput): {
  replicas: number;
  condition: string;
} {
  const { currentReplicas: current, desiredReplicas: desired } = input;
  const events = {
    currentReplicas: current,
    scaleUpEvents: input.scaleUpEvents,
    scaleDownEvents: input.scaleDownEvents,
  };
  if (desired > current) {
    const limit = Math.max(
      current,
      calculateScaleUpLimitWithScalingRules({ ...events, rules: input.scaleUpRules, nowMs: input.nowMs }),
    );
    const limited = input.maxReplicas > limit;
    const maximumAllowed = limited ? limit : input.maxReplicas;
    if (desired > maximumAllowed)
      return { replicas: maximumAllowed, condition: limited ? 'ScaleUpLimit' : 'TooManyReplicas' };
  } else if (desired < current) {
    const limit = Math.min(
      current,
      calculateScaleDownLimitWithBehaviors({ ...events, rules: input.scaleDownRules, nowMs: input.nowMs }),
    );
    const limited = input.minReplicas < limit;
    const minimumAllowed = limited ? limit : input.minReplicas;
    if (desired < minimumAllowed)
      return { replicas: minimumAllowed, condition: limited ? 'ScaleDownLimit' : 'TooFewReplicas' };
  }
  return { replicas: desired, condition: 'DesiredWithinRange' };
}

export interface BehaviorStabilizeInput {
  readonly currentReplicas: number;
  readonly desiredReplicas: number;
  readonly scaleUpWindowSeconds: number;
  readonly scaleDownWindowSeconds: number;
  readonly history: readonly HpaRecommendation[];
  readonly nowMs: number;
}

/**
 * stabilizeRecommendationWithBehaviors: current clamped between the min over the scale-up window and the
 * max over the scale-down window. The raw proposal replaces the LAST entry outside both windows.
 */
export function stabilizeRecommendationWithBehaviors(input: BehaviorStabilizeInput): {
  replicas: number;
  history: HpaRecommendation[];
  reason: string;
} {
  const { desiredReplicas: desired, nowMs } = input;
  let up = desired;
  let down = desired;
  let oldIndex = -1;
  input.history.forEach((rec, i) => {
    const inUp = isInsideWindow(rec.atMs, nowMs, input.scaleUpWindowSeconds * 1000);
    const inDown = isInsideWindow(rec.atMs, nowMs, input.scaleDownWindowSeconds * 1000);
    if (inUp) up = Math.min(up, rec.replicas);
    if (inDown) down = Math.max(down, rec.replicas);
    if (!inUp && !inDown) oldIndex = i;
  });
  let replicas = input.currentReplicas;
  if (replicas < up) replicas = up;
  if (replicas > down) replicas = down;
  const history = storeRecommendation(input.history, oldIndex, { atMs: nowMs, replicas: desired });
  // Go names the direction by the proposal against current, and says nothing when nothing was held back.
  const direction = desired >= input.currentReplicas ? 'ScaleUpStabilized' : 'ScaleDownStabilized';
  const reason = replicas === desired ? 'ReadyForNewScale' : direction;
  return { replicas, history, reason };
}

export interface BehaviorNormalizeInput {
  readonly currentReplicas: number;
  readonly prenormalizedDesiredReplicas: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly behavior: HpaBehavior;
  readonly history: readonly HpaRecommendation[];
  readonly scaleUpEvents: readonly ScaleEvent[];
  readonly scaleDownEvents: readonly ScaleEvent[];
  readonly nowMs: number;
  /** The controller's --horizontal-pod-autoscaler-downscale-stabilization, for an unset scale-down window. */
  readonly scaleDownStabilizationMs: number;
}

/** normalizeDesiredReplicasWithBehaviors: stabilise with both windows, then apply the policy rate limits. */
export function normalizeDesiredReplicasWithBehaviors(input: BehaviorNormalizeInput): NormalizeResult {
  const { behavior } = input;
  // maybeInitScaleDownStabilizationWindow: an unset scale-down window takes the controller flag.
  const downWindowSeconds =
    behavior.scaleDown.stabilizationWindowSeconds ?? Math.trunc(input.scaleDownStabilizationMs / 1000);
  const stabilized = stabilizeRecommendationWithBehaviors({
    currentReplicas: input.currentReplicas,
    desiredReplicas: input.prenormalizedDesiredReplicas,
    scaleUpWindowSeconds: behavior.scaleUp.stabilizationWindowSeconds ?? 0,
    scaleDownWindowSeconds: downWindowSeconds,
    history: input.history,
    nowMs: input.nowMs,
  });
  const converted = convertDesiredReplicasWithBehaviorRate({
    currentReplicas: input.currentReplicas,
    desiredReplicas: stabilized.replicas,
    minReplicas: input.minReplicas,
    maxReplicas: input.maxReplicas,
    scaleUpRules: behavior.scaleUp,
    scaleDownRules: behavior.scaleDown,
    scaleUpEvents: input.scaleUpEvents,
    scaleDownEvents: input.scaleDownEvents,
    nowMs: input.nowMs,
  });
  return {
    replicas: converted.replicas,
    history: stabilized.history,
    ableToScale: stabilized.reason,
    scalingLimited: converted.condition,
  };
}

/** getLongestPolicyPeriod */
function longestPolicyPeriodSeconds(rules: HpaScalingRules): number {
  return rules.policies.reduce((longest, p) => Math.max(longest, p.periodSeconds), 0);
}

/** markScaleEventsOutdated + reuse of the last outdated slot, or append. */
function storeDirectionalEvent(
  events: readonly ScaleEvent[],
  rules: HpaScalingRules,
  replicaChange: number,
  nowMs: number,
): ScaleEvent[] {
  const periodMs = longestPolicyPeriodSeconds(rules) * 1000;
  const marked = events.map((e) => (isInsideWindow(e.atMs, nowMs, periodMs) ? e : { ...e, outdated: true }));
  const reuse = marked.reduce((last, e, i) => (e.outdated ? i : last), -1);
  const entry = { replicaChange, atMs: nowMs, outdated: false };
  if (reuse >= 0) marked[reuse] = entry;
  else marked.push(entry);
  return marked;
}

/**
 * storeScaleEvent: after a rescale, record |change| in the list of its direction. An HPA without
 * behavior stores nothing (its legacy path never reads events).
 */
export function storeScaleEvent(
  behavior: HpaBehavior | null,
  events: { readonly scaleUp: readonly ScaleEvent[]; readonly scaleDown: readonly ScaleEvent[] },
  prevReplicas: number,
  newReplicas: number,
  nowMs: number,
): { scaleUp: ScaleEvent[]; scaleDown: ScaleEvent[] } {
  const scaleUp = [...events.scaleUp];
  const scaleDown = [...events.scaleDown];
  if (behavior === null) return { scaleUp, scaleDown };
  if (newReplicas > prevReplicas) {
    return {
      scaleUp: storeDirectionalEvent(scaleUp, behavior.scaleUp, newReplicas - prevReplicas, nowMs),
      scaleDown,
    };
  }
  return {
    scaleUp,
    scaleDown: storeDirectionalEvent(scaleDown, behavior.scaleDown, prevReplicas - newReplicas, nowMs),
  };
}
