// Horizontal Pod Autoscaler arithmetic as small pure functions, named after the Go functions in
// kubernetes/kubernetes pkg/controller/podautoscaler (horizontal.go) so they can be read side by side.
// This file holds what the simulator reaches: hpaRecommend and the legacy (behavior == nil) path it
// uses. The conformance runner (conformance/hpa*.ts) checks these SAME functions, plus the parts the
// simulator does not drive, split the way the Go code is: hpa-replica-calculator.ts
// (replica_calculator.go), hpa-behavior.ts (behavior policies) and hpa-controller.ts (reconcileAutoscaler).
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
    scaleDownStabilizationMs: input.scaleDownStabilizationMs,
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

/** Store a recommendation in slot reuseIndex (an expired one), or append it when reuseIndex is -1. */
export function storeRecommendation(
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
  readonly scaleDownStabilizationMs: number;
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
    input.scaleDownStabilizationMs,
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
