// Horizontal Pod Autoscaler arithmetic as small pure functions, named after the Go functions in
// kubernetes/kubernetes pkg/controller/podautoscaler (horizontal.go, replica_calculator.go,
// metrics/utilization.go) so they can be read side by side. The simulator (hpaRecommend) and the
// conformance runner (conformance/k8s.ts) call the SAME functions; see K8S-SEMANTICS.md §2.
// Times are absolute milliseconds; a window or period contains an item iff nowMs - atMs < windowMs.

// =========================================================================================================
// Simulator-facing entry point
// =========================================================================================================

/** value = current per-ready-instance average of the metric (for latencyP95 the deployment p95 in ms). */
export interface HpaMetricInput {
  readonly value: number;
  readonly target: number;
}
export interface HpaRecommendation {
  readonly atMs: number;
  readonly replicas: number;
}
export interface HpaInput {
  readonly currentReplicas: number;
  readonly readyReplicas: number;
  readonly metrics: readonly HpaMetricInput[];
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly tolerance: number;
  readonly nowMs: number;
  readonly scaleDownStabilizationMs: number;
  readonly history: readonly HpaRecommendation[];
  /**
   * Legacy scale-up rate limit: at most max(factor × current, 4) per reconcile (Kubernetes: 2). Absent
   * means no rate limit, only the [min, max] clamp.
   */
  readonly scaleUpLimitFactor?: number;
}

/**
 * One legacy (behavior == nil) HPA reconcile: snap to [min, max] when outside it, otherwise the largest
 * per-metric proposal, stabilised over the scale-down window, clamped to [min, max]. The history is seeded
 * with {current, now} on first sight (recordInitialRecommendation), so a fresh autoscaler cannot scale
 * down before the window has passed.
 */
export function hpaRecommend(input: HpaInput): { desired: number; history: HpaRecommendation[] } {
  const current = input.currentReplicas;
  // The simulator keeps no HPA object, so an empty history means "first sight".
  const seeded = recordInitialRecommendation(
    input.history.length === 0 ? null : input.history,
    current,
    input.nowMs,
  );
  // spec.replicas == 0 with min > 0 means autoscaling is disabled (ScalingDisabled), not "snap to min".
  if (current === 0 && input.minReplicas !== 0) return { desired: 0, history: seeded };
  const snapped = snapToBounds(current, input.minReplicas, input.maxReplicas);
  if (snapped !== null) return { desired: snapped, history: seeded };

  const tolerances = { scaleDown: input.tolerance, scaleUp: input.tolerance };
  const proposals = input.metrics.map((m): MetricProposal => {
    // No ready instance (or no usable value) means no sample: Kubernetes treats the metric as failed.
    if (input.readyReplicas <= 0 || !Number.isFinite(m.value) || !(m.target > 0)) return { ok: false };
    const ratio = m.value / m.target;
    return { ok: true, replicas: usageRatioReplicaCount(current, ratio, input.readyReplicas, tolerances) };
  });
  const proposed = computeReplicasForMetrics(current, proposals);
  if (proposed === null) return { desired: current, history: seeded };

  const normalized = normalizeDesiredReplicas({
    currentReplicas: current,
    prenormalizedDesiredReplicas: proposed,
    minReplicas: input.minReplicas,
    maxReplicas: input.maxReplicas,
    history: seeded,
    nowMs: input.nowMs,
    downscaleStabilizationMs: input.scaleDownStabilizationMs,
    scaleUpLimitFactor: input.scaleUpLimitFactor ?? Infinity,
  });
  return { desired: normalized.replicas, history: normalized.history };
}

// =========================================================================================================
// Shared building blocks
// =========================================================================================================

export const INT32_MAX = 2_147_483_647;
export const INT64_MAX = 9_223_372_036_854_775_807n;

export interface Tolerances {
  readonly scaleDown: number;
  readonly scaleUp: number;
}
export const DEFAULT_TOLERANCES: Tolerances = { scaleDown: 0.1, scaleUp: 0.1 };

/** Tolerances.isWithin: the band is inclusive on both ends. */
export function withinTolerance(ratio: number, tolerances: Tolerances): boolean {
  return 1 - tolerances.scaleDown <= ratio && ratio <= 1 + tolerances.scaleUp;
}

/** Strict window membership: an item exactly windowMs old is outside (meta.conventions.ageSeconds). */
export function isInsideWindow(atMs: number, nowMs: number, windowMs: number): boolean {
  return nowMs - atMs < windowMs;
}

/** reconcileAutoscaler's bound check, done before metrics are read: null when current is inside [min, max]. */
export function snapToBounds(current: number, minReplicas: number, maxReplicas: number): number | null {
  if (current > maxReplicas) return maxReplicas;
  if (current < minReplicas) return minReplicas;
  return null;
}

/** recordInitialRecommendation: a nil history (first sight of this HPA) is seeded with the current size. */
export function recordInitialRecommendation(
  history: readonly HpaRecommendation[] | null,
  currentReplicas: number,
  nowMs: number,
): HpaRecommendation[] {
  return history === null ? [{ atMs: nowMs, replicas: currentReplicas }] : [...history];
}

/** int32(math.Ceil(x)), capped at MaxInt32 (Go would wrap; the newest code caps where it can overflow). */
export function ceilToInt32(x: number): number {
  return x > INT32_MAX ? INT32_MAX : Math.ceil(x);
}

export type MetricProposal = { readonly ok: true; readonly replicas: number } | { readonly ok: false };

/**
 * computeReplicasForMetrics: the largest proposal wins. Null (no change; an error in Go) when every
 * metric failed (including "no metrics"), or when some failed and the valid maximum would scale down.
 */
export function computeReplicasForMetrics(
  specReplicas: number,
  proposals: readonly MetricProposal[],
): number | null {
  let best = 0;
  let invalid = 0;
  for (const p of proposals) {
    if (!p.ok) invalid += 1;
    else if (p.replicas > best) best = p.replicas;
  }
  if (invalid >= proposals.length || (invalid > 0 && best < specReplicas)) return null;
  return best;
}

/**
 * getUsageRatioReplicaCount given the ready-pod count: inside the tolerance band the count stays;
 * otherwise ceil(ratio × readyPods). Ready pods, not current, so surge or starting instances cannot
 * ratchet it up. From zero (current == 0) it is ceil(ratio) with no tolerance.
 */
export function usageRatioReplicaCount(
  currentReplicas: number,
  ratio: number,
  readyPods: number,
  tolerances: Tolerances,
): number {
  if (currentReplicas === 0) return ceilToInt32(ratio);
  if (withinTolerance(ratio, tolerances)) return currentReplicas;
  return ceilToInt32(ratio * readyPods);
}

// =========================================================================================================
// Legacy normalisation (behavior == nil)
// =========================================================================================================

/**
 * stabilizeRecommendation: the max of the proposal and every recommendation inside the window. The raw
 * proposal is stored in the LAST expired slot, or appended when none has expired.
 */
export function stabilizeRecommendation(
  history: readonly HpaRecommendation[],
  nowMs: number,
  windowMs: number,
  proposal: number,
): { replicas: number; history: HpaRecommendation[] } {
  let max = proposal;
  let expiredIndex = -1;
  history.forEach((rec, i) => {
    if (!isInsideWindow(rec.atMs, nowMs, windowMs)) expiredIndex = i;
    else if (rec.replicas > max) max = rec.replicas;
  });
  return {
    replicas: max,
    history: storeRecommendation(history, expiredIndex, { atMs: nowMs, replicas: proposal }),
  };
}

function storeRecommendation(
  history: readonly HpaRecommendation[],
  reuseIndex: number,
  entry: HpaRecommendation,
): HpaRecommendation[] {
  const next = [...history];
  if (reuseIndex >= 0) next[reuseIndex] = entry;
  else next.push(entry);
  return next;
}

/** calculateScaleUpLimit: max(factor × current, minimum), truncated. */
export function calculateScaleUpLimit(currentReplicas: number, factor: number, minimum: number): number {
  if (factor === Infinity) return Infinity;
  return Math.trunc(Math.max(factor * currentReplicas, minimum));
}

export const SCALE_UP_LIMIT_MINIMUM = 4;

/** convertDesiredReplicasWithRules: clamp to [min, min(max, scaleUpLimit)], naming the binding limit. */
export function convertDesiredReplicasWithRules(
  currentReplicas: number,
  desiredReplicas: number,
  minReplicas: number,
  maxReplicas: number,
  scaleUpLimitFactor: number,
  scaleUpLimitMinimum: number = SCALE_UP_LIMIT_MINIMUM,
): { replicas: number; condition: string } {
  const scaleUpLimit = calculateScaleUpLimit(currentReplicas, scaleUpLimitFactor, scaleUpLimitMinimum);
  const upLimited = maxReplicas > scaleUpLimit;
  const maximumAllowed = upLimited ? scaleUpLimit : maxReplicas;
  if (desiredReplicas < minReplicas) return { replicas: minReplicas, condition: 'TooFewReplicas' };
  if (desiredReplicas > maximumAllowed) {
    return { replicas: maximumAllowed, condition: upLimited ? 'ScaleUpLimit' : 'TooManyReplicas' };
  }
  return { replicas: desiredReplicas, condition: 'DesiredWithinRange' };
}

export interface NormalizeInput {
  readonly currentReplicas: number;
  readonly prenormalizedDesiredReplicas: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly history: readonly HpaRecommendation[];
  readonly nowMs: number;
  readonly downscaleStabilizationMs: number;
  readonly scaleUpLimitFactor: number;
}

export interface NormalizeResult {
  readonly replicas: number;
  readonly history: HpaRecommendation[];
  /** AbleToScale reason: ScaleDownStabilized / ScaleUpStabilized / ReadyForNewScale. */
  readonly ableToScale: string;
  /** ScalingLimited reason: DesiredWithinRange / TooFewReplicas / TooManyReplicas / ScaleUpLimit / ScaleDownLimit. */
  readonly scalingLimited: string;
}

/** normalizeDesiredReplicas: stabilise over the scale-down window, then apply the legacy limits. */
export function normalizeDesiredReplicas(input: NormalizeInput): NormalizeResult {
  const stabilized = stabilizeRecommendation(
    input.history,
    input.nowMs,
    input.downscaleStabilizationMs,
    input.prenormalizedDesiredReplicas,
  );
  const ableToScale =
    stabilized.replicas !== input.prenormalizedDesiredReplicas ? 'ScaleDownStabilized' : 'ReadyForNewScale';
  const converted = convertDesiredReplicasWithRules(
    input.currentReplicas,
    stabilized.replicas,
    input.minReplicas,
    input.maxReplicas,
    input.scaleUpLimitFactor,
  );
  return {
    replicas: converted.replicas,
    history: stabilized.history,
    ableToScale,
    scalingLimited: converted.condition,
  };
}

// =========================================================================================================
// Normalisation with behavior (stabilisation windows, scaling policies, rate limits)
// =========================================================================================================

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
  readonly downscaleStabilizationMs: number;
}

/** normalizeDesiredReplicasWithBehaviors: stabilise with both windows, then apply the policy rate limits. */
export function normalizeDesiredReplicasWithBehaviors(input: BehaviorNormalizeInput): NormalizeResult {
  const { behavior } = input;
  // maybeInitScaleDownStabilizationWindow: an unset scale-down window takes the controller flag.
  const downWindowSeconds =
    behavior.scaleDown.stabilizationWindowSeconds ?? Math.trunc(input.downscaleStabilizationMs / 1000);
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

// =========================================================================================================
// Replica calculator: pods, readiness, missing metrics (replica_calculator.go, metrics/utilization.go)
// =========================================================================================================

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';
export interface HpaPodContainer {
  readonly name: string;
  /** Requests by resource name, in milli-units; a missing key is a missing request. */
  readonly requestsMilli: Readonly<Record<string, bigint>>;
}
export interface HpaPod {
  readonly name: string;
  readonly phase: PodPhase;
  /** deletionTimestamp is set. */
  readonly deleted: boolean;
  /** status.startTime; null when unset. */
  readonly startAtMs: number | null;
  /** The Ready condition; null when the pod has none. */
  readonly readyCondition: {
    readonly status: 'True' | 'False' | 'Unknown';
    readonly lastTransitionAtMs: number;
  } | null;
  readonly containers: readonly HpaPodContainer[];
}
export interface PodMetricSample {
  readonly valueMilli: bigint;
  readonly timestampMs: number;
  readonly windowMs: number;
}
export type PodMetricsInfo = ReadonlyMap<string, PodMetricSample>;

export interface ReadinessTimings {
  readonly cpuInitializationPeriodMs: number;
  readonly delayOfInitialReadinessStatusMs: number;
}
export const PRODUCTION_READINESS_TIMINGS: ReadinessTimings = {
  cpuInitializationPeriodMs: 300_000,
  delayOfInitialReadinessStatusMs: 30_000,
};
export const RESOURCE_CPU = 'cpu';

export interface PodGroups {
  readonly readyPodCount: number;
  readonly unreadyPods: ReadonlySet<string>;
  readonly missingPods: ReadonlySet<string>;
  readonly ignoredPods: ReadonlySet<string>;
}

/** CPU readiness (groupPods): time-based, so a pod that was ready once still counts after a blip. */
function cpuSampleUnready(
  pod: HpaPod,
  sample: PodMetricSample,
  timings: ReadinessTimings,
  nowMs: number,
): boolean {
  const condition = pod.readyCondition;
  if (condition === null || pod.startAtMs === null) return true;
  if (pod.startAtMs + timings.cpuInitializationPeriodMs > nowMs) {
    // Still initialising: unready, or no full metric window since the last readiness transition.
    return (
      condition.status === 'False' || sample.timestampMs < condition.lastTransitionAtMs + sample.windowMs
    );
  }
  // After initialisation: only a pod that never became ready is unready.
  return (
    condition.status === 'False' &&
    pod.startAtMs + timings.delayOfInitialReadinessStatusMs > condition.lastTransitionAtMs
  );
}

/**
 * groupPods: ignored (being deleted or Failed), unready (Pending; for CPU also by readiness timing),
 * missing (no sample), ready (the rest). Readiness matters for CPU only.
 */
export function groupPods(
  pods: readonly HpaPod[],
  metrics: PodMetricsInfo,
  resource: string,
  timings: ReadinessTimings,
  nowMs: number,
): PodGroups {
  const unreadyPods = new Set<string>();
  const missingPods = new Set<string>();
  const ignoredPods = new Set<string>();
  let readyPodCount = 0;
  for (const pod of pods) {
    const sample = metrics.get(pod.name);
    if (pod.deleted || pod.phase === 'Failed') ignoredPods.add(pod.name);
    else if (pod.phase === 'Pending') unreadyPods.add(pod.name);
    else if (sample === undefined) missingPods.add(pod.name);
    else if (resource === RESOURCE_CPU && cpuSampleUnready(pod, sample, timings, nowMs))
      unreadyPods.add(pod.name);
    else readyPodCount += 1;
  }
  return { readyPodCount, unreadyPods, missingPods, ignoredPods };
}

export type CalcResult<T> = ({ readonly ok: true } & T) | { readonly ok: false; readonly error: string };

/** calculatePodRequestsFromContainers: the named container's request, or the sum over all containers. */
function podRequestMilli(
  pod: HpaPod,
  container: string,
  resource: string,
): CalcResult<{ requestMilli: bigint }> {
  let request = 0n;
  for (const c of pod.containers) {
    if (container === '' || container === c.name) {
      const r = c.requestsMilli[resource];
      if (r === undefined) {
        return {
          ok: false,
          error: `missing request for ${resource} in container ${c.name} of Pod ${pod.name}`,
        };
      }
      request += r;
    }
    if (container === c.name) return { ok: true, requestMilli: request };
  }
  if (container !== '') return { ok: false, error: `container ${container} not found in Pod ${pod.name}` };
  return { ok: true, requestMilli: request };
}

/** calculateRequests: every pod's request for the resource; any missing request is an error. */
export function calculateRequests(
  pods: readonly HpaPod[],
  container: string,
  resource: string,
): CalcResult<{ requests: Map<string, bigint> }> {
  const requests = new Map<string, bigint>();
  for (const pod of pods) {
    const r = podRequestMilli(pod, container, resource);
    if (!r.ok) return r;
    requests.set(pod.name, r.requestMilli);
  }
  return { ok: true, requests };
}

/**
 * GetResourceUtilizationRatio: utilisation is an INTEGER percentage, floor(Σusage × 100 / Σrequest) over
 * pods with both a sample and a request, and the ratio uses that truncated value. Exact integer maths.
 */
export function getResourceUtilizationRatio(
  metrics: ReadonlyMap<string, bigint>,
  requests: ReadonlyMap<string, bigint>,
  targetUtilization: number,
): CalcResult<{ ratio: number; utilization: number; rawAverageValueMilli: bigint }> {
  let metricsTotal = 0n;
  let requestsTotal = 0n;
  let entries = 0n;
  for (const [name, value] of metrics) {
    const request = requests.get(name);
    if (request === undefined) continue; // samples of unknown pods carry no request
    metricsTotal += value;
    requestsTotal += request;
    entries += 1n;
  }
  if (requestsTotal === 0n) return { ok: false, error: 'no metrics returned matched known pods' };
  const percentage = (metricsTotal * 100n) / requestsTotal;
  if (percentage > BigInt(INT32_MAX) || percentage < -BigInt(INT32_MAX) - 1n) {
    return { ok: false, error: `resource utilization ${percentage} is outside the int32 range` };
  }
  const utilization = Number(percentage);
  return {
    ok: true,
    ratio: utilization / targetUtilization,
    utilization,
    rawAverageValueMilli: metricsTotal / entries,
  };
}

/** GetMetricUsageRatio: the integer average per sample over the target. */
export function getMetricUsageRatio(
  metrics: ReadonlyMap<string, bigint>,
  targetUsageMilli: bigint,
): { ratio: number; usageMilli: bigint } {
  let total = 0n;
  for (const v of metrics.values()) total += v;
  const usageMilli = total / BigInt(metrics.size);
  return { ratio: Number(usageMilli) / Number(targetUsageMilli), usageMilli };
}

function valuesOf(metrics: PodMetricsInfo): Map<string, bigint> {
  return new Map([...metrics].map(([name, m]) => [name, m.valueMilli]));
}

/** groupPods, then drop the samples of ignored and unready pods (removeMetricsForPods). */
function groupAndFilter(
  pods: readonly HpaPod[],
  metrics: PodMetricsInfo,
  resource: string,
  timings: ReadinessTimings,
  nowMs: number,
): { groups: PodGroups; values: Map<string, bigint> } {
  const groups = groupPods(pods, metrics, resource, timings, nowMs);
  const values = valuesOf(metrics);
  for (const name of [...groups.ignoredPods, ...groups.unreadyPods]) values.delete(name);
  return { groups, values };
}

interface RefillPlan {
  readonly usageRatio: number;
  readonly groups: PodGroups;
  readonly values: Map<string, bigint>;
  /** Value a missing pod is assumed to use on a scale-down. */
  readonly missingOnScaleDown: (podName: string) => bigint;
  readonly ratioOf: (values: Map<string, bigint>) => CalcResult<{ ratio: number }>;
  readonly currentReplicas: number;
  readonly tolerances: Tolerances;
}

/**
 * The conservative re-evaluation shared by resource and plain metrics: missing pods count as the
 * scale-down fallback on a scale-down and as 0 on a scale-up; unready pods count as 0 on a scale-up.
 * Then no change if within tolerance, if the direction flipped, or if the count moved the wrong way.
 */
function refillAndRecompute(plan: RefillPlan): CalcResult<{ replicas: number }> {
  const { usageRatio, groups, currentReplicas } = plan;
  const values = new Map(plan.values);
  const scaleUpWithUnready = groups.unreadyPods.size > 0 && usageRatio > 1;
  if (!scaleUpWithUnready && groups.missingPods.size === 0) {
    if (withinTolerance(usageRatio, plan.tolerances)) return { ok: true, replicas: currentReplicas };
    return { ok: true, replicas: ceilToInt32(usageRatio * groups.readyPodCount) };
  }
  for (const name of groups.missingPods) {
    if (usageRatio < 1) values.set(name, plan.missingOnScaleDown(name));
    else if (usageRatio > 1) values.set(name, 0n);
  }
  if (scaleUpWithUnready) for (const name of groups.unreadyPods) values.set(name, 0n);
  const recomputed = plan.ratioOf(values);
  if (!recomputed.ok) return recomputed;
  const newRatio = recomputed.ratio;
  const flipped = (usageRatio < 1 && newRatio > 1) || (usageRatio > 1 && newRatio < 1);
  if (withinTolerance(newRatio, plan.tolerances) || flipped) return { ok: true, replicas: currentReplicas };
  // len(metrics): every sample now in the map, filled-in ones and samples of unknown pods included.
  const newReplicas = ceilToInt32(newRatio * values.size);
  if ((newRatio < 1 && newReplicas > currentReplicas) || (newRatio > 1 && newReplicas < currentReplicas)) {
    return { ok: true, replicas: currentReplicas };
  }
  return { ok: true, replicas: newReplicas };
}

export interface ResourceReplicasInput {
  readonly currentReplicas: number;
  /** Target utilisation in percent of the request. */
  readonly targetUtilization: number;
  readonly resource: string;
  /** '' = the whole pod; otherwise that container only. */
  readonly container: string;
  readonly tolerances: Tolerances;
  readonly pods: readonly HpaPod[];
  readonly metrics: PodMetricsInfo;
  readonly timings: ReadinessTimings;
  readonly nowMs: number;
}

/** GetResourceReplicas: a Resource metric with an averageUtilization target. */
export function getResourceReplicas(
  input: ResourceReplicasInput,
): CalcResult<{ replicas: number; utilization: number; rawAverageValueMilli: bigint }> {
  if (input.pods.length === 0)
    return { ok: false, error: 'no pods returned by selector while calculating replica count' };
  const { groups, values } = groupAndFilter(
    input.pods,
    input.metrics,
    input.resource,
    input.timings,
    input.nowMs,
  );
  if (values.size === 0)
    return { ok: false, error: 'did not receive metrics for targeted pods (pods might be unready)' };
  const req = calculateRequests(input.pods, input.container, input.resource);
  if (!req.ok) return req;
  const first = getResourceUtilizationRatio(values, req.requests, input.targetUtilization);
  if (!first.ok) return first;
  // A missing pod on a scale-down counts as its full request, or the target when that is above 100%.
  const fallbackPercent = BigInt(Math.max(100, input.targetUtilization));
  const result = refillAndRecompute({
    usageRatio: first.ratio,
    groups,
    values,
    missingOnScaleDown: (name) => ((req.requests.get(name) ?? 0n) * fallbackPercent) / 100n,
    ratioOf: (v) => getResourceUtilizationRatio(v, req.requests, input.targetUtilization),
    currentReplicas: input.currentReplicas,
    tolerances: input.tolerances,
  });
  if (!result.ok) return result;
  return {
    ok: true,
    replicas: result.replicas,
    utilization: first.utilization,
    rawAverageValueMilli: first.rawAverageValueMilli,
  };
}

export interface PlainReplicasInput {
  readonly currentReplicas: number;
  readonly targetUsageMilli: bigint;
  /** The resource for GetRawResourceReplicas ('cpu' applies CPU readiness); '' for Pods metrics. */
  readonly resource: string;
  readonly tolerances: Tolerances;
  readonly pods: readonly HpaPod[];
  readonly metrics: PodMetricsInfo;
  readonly timings: ReadinessTimings;
  readonly nowMs: number;
}

/** calcPlainMetricReplicas (GetMetricReplicas, GetRawResourceReplicas): per-pod averages against a value. */
export function calcPlainMetricReplicas(
  input: PlainReplicasInput,
): CalcResult<{ replicas: number; usageMilli: bigint }> {
  if (input.pods.length === 0)
    return { ok: false, error: 'no pods returned by selector while calculating replica count' };
  const { groups, values } = groupAndFilter(
    input.pods,
    input.metrics,
    input.resource,
    input.timings,
    input.nowMs,
  );
  if (values.size === 0)
    return { ok: false, error: 'did not receive metrics for targeted pods (pods might be unready)' };
  const first = getMetricUsageRatio(values, input.targetUsageMilli);
  const result = refillAndRecompute({
    usageRatio: first.ratio,
    groups,
    values,
    missingOnScaleDown: () => input.targetUsageMilli, // exactly the target
    ratioOf: (v) => ({ ok: true, ratio: getMetricUsageRatio(v, input.targetUsageMilli).ratio }),
    currentReplicas: input.currentReplicas,
    tolerances: input.tolerances,
  });
  if (!result.ok) return result;
  return { ok: true, replicas: result.replicas, usageMilli: first.usageMilli };
}

/** getReadyPodsCount: phase Running AND Ready=True (not the metric grouping). */
export function getReadyPodsCount(pods: readonly HpaPod[]): CalcResult<{ count: number }> {
  if (pods.length === 0)
    return { ok: false, error: 'no pods returned by selector while calculating replica count' };
  const count = pods.filter((p) => p.phase === 'Running' && p.readyCondition?.status === 'True').length;
  return { ok: true, count };
}

/** getUsageRatioReplicaCount: ready pods are counted only when the ratio is outside tolerance. */
export function getUsageRatioReplicaCount(
  currentReplicas: number,
  usageRatio: number,
  tolerances: Tolerances,
  pods: readonly HpaPod[],
): CalcResult<{ replicas: number }> {
  if (currentReplicas !== 0 && !withinTolerance(usageRatio, tolerances)) {
    const ready = getReadyPodsCount(pods);
    if (!ready.ok) return { ok: false, error: `unable to calculate ready pods: ${ready.error}` };
    return {
      ok: true,
      replicas: usageRatioReplicaCount(currentReplicas, usageRatio, ready.count, tolerances),
    };
  }
  return { ok: true, replicas: usageRatioReplicaCount(currentReplicas, usageRatio, 0, tolerances) };
}

/** Σ values, capped at MaxInt64 (the overflow-safe sums of the newest code). */
export function sumCappedInt64(valuesMilli: readonly bigint[]): bigint {
  let total = 0n;
  for (const v of valuesMilli) {
    total += v;
    if (total > INT64_MAX) return INT64_MAX;
  }
  return total;
}

/** int64(math.Ceil(float64(usage) / float64(replicas))), capped at MaxInt64. */
function ceilAveragePerReplica(usageMilli: bigint, replicas: number): bigint {
  const average = Math.ceil(Number(usageMilli) / replicas);
  if (!Number.isFinite(average) || average >= Number(INT64_MAX)) return INT64_MAX;
  return BigInt(average);
}

/** GetObjectMetricReplicas / GetExternalMetricReplicas: a Value target, against ready pods. */
export function getValueMetricReplicas(
  currentReplicas: number,
  usageMilli: bigint,
  targetMilli: bigint,
  tolerances: Tolerances,
  pods: readonly HpaPod[],
): CalcResult<{ replicas: number; usageMilli: bigint }> {
  const ratio = Number(usageMilli) / Number(targetMilli);
  const r = getUsageRatioReplicaCount(currentReplicas, ratio, tolerances, pods);
  return r.ok ? { ok: true, replicas: r.replicas, usageMilli } : r;
}

/**
 * GetObjectPerPodMetricReplicas / GetExternalPerPodMetricReplicas: an AverageValue target against
 * status.replicas; readiness is not considered. Usage is reported per replica, rounded up.
 */
export function getPerPodMetricReplicas(
  statusReplicas: number,
  usageMilli: bigint,
  targetAverageMilli: bigint,
  tolerances: Tolerances,
): { ok: true; replicas: number; usageMilli: bigint } {
  const ratio = Number(usageMilli) / (Number(targetAverageMilli) * statusReplicas);
  const replicas = withinTolerance(ratio, tolerances)
    ? statusReplicas
    : ceilToInt32(Number(usageMilli) / Number(targetAverageMilli));
  return { ok: true, replicas, usageMilli: ceilAveragePerReplica(usageMilli, statusReplicas) };
}

// =========================================================================================================
// Controller: one reconcileAutoscaler pass over metric specs (horizontal.go)
// =========================================================================================================

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
  readonly downscaleStabilizationMs: number;
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
    downscaleStabilizationMs: input.config.downscaleStabilizationMs,
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
