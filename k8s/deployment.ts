// Kubernetes Deployment rolling-update arithmetic as small pure functions (K8S-SEMANTICS.md §1).
// The engine's rollout uses exactly these; the conformance runner checks them against Kubernetes' tests.
/** A count, or a percentage of the desired count such as `"25%"` (Kubernetes' intstr.IntOrString). */
export type IntOrPercent = number | `${number}%`;

export interface RollingStrategy {
  readonly maxSurge: IntOrPercent | null;
  readonly maxUnavailable: IntOrPercent | null;
  /** Deployment strategy type; absent means RollingUpdate. Recreate has no surge and no availability floor. */
  readonly type?: 'RollingUpdate' | 'Recreate';
}

function isRecreate(strategy: RollingStrategy): boolean {
  return strategy.type === 'Recreate';
}

/** Parses `"25%"`-style strings; returns null when the value is neither an integer nor `<int>%`. */
export function parseIntOrPercent(value: IntOrPercent | null): { kind: 'int' | 'percent'; n: number } | null {
  if (value === null) return { kind: 'int', n: 0 };
  if (typeof value === 'number') return Number.isInteger(value) ? { kind: 'int', n: value } : null;
  // strconv.Atoi accepts an optional sign.
  const match = /^([+-]?\d+)%$/.exec(value);
  return match ? { kind: 'percent', n: Number(match[1]) } : null;
}

/** `intstr.GetScaledValueFromIntOrPercent`: percentages scale by `total`, rounding up or down. */
export function scaledValue(value: IntOrPercent | null, total: number, roundUp: boolean): number {
  const parsed = parseIntOrPercent(value);
  if (parsed === null) throw new Error(`invalid int-or-percent value: ${String(value)}`);
  if (parsed.kind === 'int') return parsed.n;
  const exact = (parsed.n * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/**
 * `ResolveFenceposts`: surge percentages round up, unavailable percentages round down, and when both
 * come out 0 unavailable becomes 1 so a rollout can always progress.
 */
export function resolveFenceposts(
  strategy: RollingStrategy,
  desired: number,
): { surge: number; unavailable: number } {
  const surge = scaledValue(strategy.maxSurge, desired, true);
  let unavailable = scaledValue(strategy.maxUnavailable, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

/** `MaxSurge`: the resolved surge (not clamped); 0 for Recreate. */
export function maxSurge(strategy: RollingStrategy, desired: number): number {
  if (isRecreate(strategy)) return 0;
  return resolveFenceposts(strategy, desired).surge;
}

/** `MaxUnavailable`: 0 for Recreate or when desired is 0, otherwise min(resolved unavailable, desired). */
export function maxUnavailable(strategy: RollingStrategy, desired: number): number {
  if (isRecreate(strategy) || desired === 0) return 0;
  return Math.min(resolveFenceposts(strategy, desired).unavailable, desired);
}

/** `MinAvailable`: desired − maxUnavailable; 0 for Recreate. */
export function minAvailable(strategy: RollingStrategy, desired: number): number {
  if (isRecreate(strategy)) return 0;
  return desired - maxUnavailable(strategy, desired);
}

/**
 * `NewRSNewReplicas`: grow the new revision within desired + surge, counting every revision's size in
 * `currentTotal` (spec replicas, plus instances still holding GPUs under TerminationComplete). Recreate
 * goes straight to desired. Exactly as Go: a new revision already above desired is NOT reduced here
 * (reconcileNewReplicaSet does that first).
 */
export function newRSNewReplicas(
  strategy: RollingStrategy,
  desired: number,
  newReplicas: number,
  currentTotal: number,
): number {
  if (isRecreate(strategy)) return desired;
  // The raw surge (GetScaledValueFromIntOrPercent, rounded up), as Go reads it here.
  const maxTotal = desired + scaledValue(strategy.maxSurge, desired, true);
  if (currentTotal >= maxTotal) return newReplicas;
  return newReplicas + Math.min(maxTotal - currentTotal, desired - newReplicas);
}

/**
 * `reconcileNewReplicaSet`'s target size for the new revision: unchanged at desired, straight down to
 * desired when above it, otherwise `NewRSNewReplicas`.
 */
export function reconcileNewReplicaSet(
  strategy: RollingStrategy,
  desired: number,
  newReplicas: number,
  currentTotal: number,
): number {
  if (newReplicas >= desired) return desired;
  return newRSNewReplicas(strategy, desired, newReplicas, currentTotal);
}

export interface ReplicaSetCounts {
  /** spec.replicas */
  readonly replicas: number;
  /** status.availableReplicas */
  readonly available: number;
}

/**
 * `cleanupUnhealthyReplicas`: old revisions, oldest first, shed their not-yet-available instances,
 * at most `maxCleanup` in total. Returns the new sizes and how many were removed.
 */
export function cleanupUnhealthyReplicas(
  oldRSs: readonly ReplicaSetCounts[],
  maxCleanup: number,
): { replicas: number[]; cleaned: number } {
  let cleaned = 0;
  const replicas = oldRSs.map((rs) => {
    if (cleaned >= maxCleanup || rs.replicas === 0 || rs.replicas === rs.available) return rs.replicas;
    const shed = Math.min(maxCleanup - cleaned, rs.replicas - rs.available);
    cleaned += shed;
    return rs.replicas - shed;
  });
  return { replicas, cleaned };
}

/**
 * `scaleDownOldReplicaSetsForRollingUpdate`: with `totalAvailable` across all revisions above
 * `minAvail`, old revisions (oldest first) lose replicas until the budget is used.
 */
export function scaleDownOldReplicaSetsForRollingUpdate(
  oldReplicas: readonly number[],
  totalAvailable: number,
  minAvail: number,
): { replicas: number[]; scaledDown: number } {
  if (totalAvailable <= minAvail) return { replicas: [...oldReplicas], scaledDown: 0 };
  const budget = totalAvailable - minAvail;
  let scaledDown = 0;
  const replicas = oldReplicas.map((n) => {
    if (scaledDown >= budget || n === 0) return n;
    const cut = Math.min(n, budget - scaledDown);
    scaledDown += cut;
    return n - cut;
  });
  return { replicas, scaledDown };
}

export interface ReconcileOldInput {
  readonly strategy: RollingStrategy;
  readonly desired: number;
  /** Σ spec replicas over all revisions, new included (plus GPU-holding terminating instances). */
  readonly allReplicas: number;
  readonly newRS: ReplicaSetCounts;
  /** Old revisions, oldest first. */
  readonly oldRSs: readonly ReplicaSetCounts[];
}

/**
 * `reconcileOldReplicaSets`: first clean up unhealthy old instances, then scale old revisions down
 * while availability stays at or above desired − maxUnavailable. A new revision with unavailable
 * instances blocks the scale-down (a crash-looping new version must not drain healthy old ones).
 */
export function reconcileOldReplicaSets(input: ReconcileOldInput): {
  replicas: number[];
  scaledDown: number;
} {
  const { strategy, desired, allReplicas, newRS, oldRSs } = input;
  const oldTotal = oldRSs.reduce((s, rs) => s + rs.replicas, 0);
  if (oldTotal === 0) return { replicas: oldRSs.map((rs) => rs.replicas), scaledDown: 0 };
  const minAvail = minAvailable(strategy, desired);
  const newUnavailable = newRS.replicas - newRS.available;
  const maxScaledDown = allReplicas - minAvail - newUnavailable;
  if (maxScaledDown <= 0) return { replicas: oldRSs.map((rs) => rs.replicas), scaledDown: 0 };
  const cleanup = cleanupUnhealthyReplicas(oldRSs, maxScaledDown);
  // Step B reads availability, which cleanup did not change (it only removed unavailable instances).
  const totalAvailable = newRS.available + oldRSs.reduce((s, rs) => s + rs.available, 0);
  const afterCleanup = oldRSs.map((rs, i) => ({
    replicas: cleanup.replicas[i] ?? 0,
    available: rs.available,
  }));
  const scale = scaleDownOldReplicaSetsForRollingUpdate(
    afterCleanup.map((rs) => rs.replicas),
    totalAvailable,
    minAvail,
  );
  return { replicas: scale.replicas, scaledDown: cleanup.cleaned + scale.scaledDown };
}

/** Go's math.Round: halves away from zero. */
export function goRound(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/**
 * `getReplicaSetFraction`: how many replicas this revision gains (or loses) when the deployment is
 * resized, proportional to its share of the previous D + surge (`maxReplicasAnnotation`).
 */
export function getReplicaSetFraction(
  rsReplicas: number,
  desired: number,
  surge: number,
  maxReplicasAnnotation: number | null,
  deploymentStatusReplicas: number,
): number {
  if (desired === 0) return -rsReplicas;
  const allowed = desired + surge;
  const annotated =
    maxReplicasAnnotation !== null && maxReplicasAnnotation > 0
      ? maxReplicasAnnotation
      : deploymentStatusReplicas;
  if (annotated === 0) return 0;
  return goRound((rsReplicas * allowed) / annotated) - rsReplicas;
}

export interface ProportionalRS {
  readonly replicas: number;
  readonly maxReplicasAnnotation: number | null;
  /** Creation order: smaller is older. */
  readonly order: number;
}

/**
 * `scale()` for RollingUpdate when several revisions are active: spread desired + surge across them
 * proportionally. Returns new sizes in the input order.
 */
export function proportionalScale(
  rss: readonly ProportionalRS[],
  strategy: RollingStrategy,
  desired: number,
  deploymentStatusReplicas: number,
): number[] {
  const sizes = rss.map((rs) => rs.replicas);
  const active = rss.map((rs, i) => ({ ...rs, i })).filter((rs) => rs.replicas > 0);
  if (active.length === 0) return sizes;
  const surge = maxSurge(strategy, desired);
  const allowed = desired > 0 ? desired + surge : 0;
  const toAdd = allowed - active.reduce((s, rs) => s + rs.replicas, 0);
  // Scaling up favours the largest, then newer revisions; scaling down the largest, then older ones.
  const order = [...active].sort((a, b) =>
    b.replicas !== a.replicas ? b.replicas - a.replicas : toAdd > 0 ? b.order - a.order : a.order - b.order,
  );
  let added = 0;
  for (const rs of order) {
    if (toAdd === 0) break;
    const f = getReplicaSetFraction(
      rs.replicas,
      desired,
      surge,
      rs.maxReplicasAnnotation,
      deploymentStatusReplicas,
    );
    const proportion =
      toAdd === added ? 0 : toAdd > 0 ? Math.min(f, toAdd - added) : Math.max(f, toAdd - added);
    sizes[rs.i] = rs.replicas + proportion;
    added += proportion;
  }
  const first = order[0];
  if (first !== undefined) sizes[first.i] = Math.max(0, (sizes[first.i] ?? 0) + (toAdd - added));
  return sizes;
}

export interface DeploymentStatusCounts {
  /** Instances of the newest revision (status.updatedReplicas). */
  readonly updated: number;
  /** All instances (status.replicas). */
  readonly total: number;
  readonly available: number;
  readonly ready: number;
}

/**
 * `DeploymentComplete`: every instance is of the new revision and available (and, when generations
 * are given, the controller has observed the latest spec).
 */
export function deploymentComplete(
  desired: number,
  status: DeploymentStatusCounts,
  generations?: { readonly observed: number; readonly desired: number },
): boolean {
  const observed = generations === undefined || generations.observed >= generations.desired;
  return status.updated === desired && status.total === desired && status.available === desired && observed;
}

/** `DeploymentProgressing`: any of updated ↑, old ↓, ready ↑, available ↑. */
export function deploymentProgressing(
  previous: DeploymentStatusCounts,
  next: DeploymentStatusCounts,
): boolean {
  const oldBefore = previous.total - previous.updated;
  const oldAfter = next.total - next.updated;
  return (
    next.updated > previous.updated ||
    oldAfter < oldBefore ||
    next.ready > previous.ready ||
    next.available > previous.available
  );
}

/** `DeploymentTimedOut`: strictly more than the deadline since the last progress. */
export function deploymentTimedOut(
  lastProgressAtMs: number,
  progressDeadlineMs: number,
  nowMs: number,
): boolean {
  return lastProgressAtMs + progressDeadlineMs < nowMs;
}

/** The Progressing condition as `DeploymentTimedOut` reads it. */
export interface ProgressingCondition {
  /** e.g. `ReplicaSetUpdated`, `NewReplicaSetAvailable`, `ProgressDeadlineExceeded`. */
  readonly reason: string;
  readonly lastUpdateAtMs: number;
}

/** progressDeadlineSeconds = MaxInt32 means "no deadline" (`HasProgressDeadline`). */
export const NO_PROGRESS_DEADLINE_SECONDS = 2_147_483_647;

/**
 * `DeploymentTimedOut` with its guards: no deadline or no condition never times out, a completed
 * rollout (NewReplicaSetAvailable) never times out, one already timed out stays timed out.
 */
export function progressDeadlineExceeded(
  progressDeadlineSeconds: number | null,
  condition: ProgressingCondition | null,
  nowMs: number,
): boolean {
  if (progressDeadlineSeconds === null || progressDeadlineSeconds === NO_PROGRESS_DEADLINE_SECONDS)
    return false;
  if (condition === null || condition.reason === 'NewReplicaSetAvailable') return false;
  if (condition.reason === 'ProgressDeadlineExceeded') return true;
  return deploymentTimedOut(condition.lastUpdateAtMs, progressDeadlineSeconds * 1000, nowMs);
}

/** One revision as `scale()` sees it. */
export interface ScaleRS {
  readonly replicas: number;
  readonly available: number;
  /** `deployment.kubernetes.io/desired-replicas`; null when missing or unparsable. */
  readonly desiredReplicasAnnotation: number | null;
  readonly maxReplicasAnnotation: number | null;
  /** Creation order: smaller is older (creationTimestamp, then name). */
  readonly order: number;
}

export interface ScaleInput {
  readonly strategy: RollingStrategy;
  readonly desired: number;
  /** deployment.status.replicas: the fallback for a missing max-replicas annotation. */
  readonly statusReplicas: number;
  readonly newRS: ScaleRS | null;
  readonly oldRSs: readonly ScaleRS[];
}

/**
 * `FindActiveOrLatest`: the single active revision, or the newest one (new revision first) when none
 * is active; null when several are active. Returns an index into [newRS, ...oldRSs] (0 = newRS).
 */
export function findActiveOrLatest(newRS: ScaleRS | null, oldRSs: readonly ScaleRS[]): number | null {
  const all = [newRS, ...oldRSs];
  const active = all.flatMap((rs, i) => (rs !== null && rs.replicas > 0 ? [i] : []));
  if (active.length === 1) return active[0] ?? null;
  if (active.length > 1) return null;
  if (newRS !== null) return 0;
  if (oldRSs.length === 0) return null;
  let newest = 1;
  oldRSs.forEach((rs, i) => {
    if (rs.order > (oldRSs[newest - 1]?.order ?? -Infinity)) newest = i + 1;
  });
  return newest;
}

/** `IsSaturated`: the new revision has desired replicas, says so in its annotation, and all are available. */
export function isSaturated(desired: number, newRS: ScaleRS | null): boolean {
  if (newRS === null || newRS.desiredReplicasAnnotation === null) return false;
  return (
    newRS.replicas === desired && newRS.desiredReplicasAnnotation === desired && newRS.available === desired
  );
}

/**
 * `scale()`: a resize of the deployment while one or more revisions are active. One active (or none):
 * it takes all of desired. A saturated new revision: old ones go to 0. Otherwise (RollingUpdate) the
 * proportional split of desired + surge. Returns sizes for the new revision (null if none) and the old ones.
 */
export function scaleDeployment(input: ScaleInput): { newRS: number | null; oldRSs: number[] } {
  const { newRS, oldRSs, desired } = input;
  const sizes = [newRS?.replicas ?? null, ...oldRSs.map((rs) => rs.replicas)];
  const result = (): { newRS: number | null; oldRSs: number[] } => ({
    newRS: sizes[0] ?? null,
    oldRSs: sizes.slice(1).map((n) => n ?? 0),
  });
  const single = findActiveOrLatest(newRS, oldRSs);
  if (single !== null) {
    sizes[single] = desired;
    return result();
  }
  if (isSaturated(desired, newRS)) {
    for (let i = 1; i < sizes.length; i++) sizes[i] = 0;
    return result();
  }
  if (isRecreate(input.strategy)) return result();
  const all = [newRS, ...oldRSs].flatMap((rs, i) => (rs === null ? [] : [{ rs, i }]));
  const scaled = proportionalScale(
    all.map(({ rs }) => rs),
    input.strategy,
    desired,
    input.statusReplicas,
  );
  all.forEach(({ i }, k) => (sizes[i] = scaled[k] ?? sizes[i] ?? 0));
  return result();
}

/** A ReplicaSet's replica bookkeeping, as the terminating-replica helpers read it. */
export interface ReplicaSetReplicaStatus {
  /** spec.replicas */
  readonly replicas: number;
  /** status.replicas: pods that exist and are not terminating. */
  readonly statusReplicas: number;
  /** status.terminatingReplicas; null when the ReplicaSet controller has not reported it. */
  readonly terminating: number | null;
  /** status.observedGeneration; 0 means the ReplicaSet was never synced. */
  readonly observedGeneration: number;
}

/** `GetReplicaCountForReplicaSets`: Σ spec.replicas. */
export function replicaCountForReplicaSets(rss: readonly ReplicaSetReplicaStatus[]): number {
  return rss.reduce((s, rs) => s + rs.replicas, 0);
}

/** `GetActualReplicaCountForReplicaSets`: Σ status.replicas. */
export function actualReplicaCountForReplicaSets(rss: readonly ReplicaSetReplicaStatus[]): number {
  return rss.reduce((s, rs) => s + rs.statusReplicas, 0);
}

/**
 * `GetTerminatingReplicaCountForReplicaSets`: Σ terminating; an unsynced ReplicaSet without a count adds
 * 0, a synced one without a count makes the total unknown (null).
 */
export function terminatingReplicaCountForReplicaSets(
  rss: readonly ReplicaSetReplicaStatus[],
): number | null {
  let total = 0;
  for (const rs of rss) {
    if (rs.terminating !== null) total += rs.terminating;
    else if (rs.observedGeneration !== 0) return null;
  }
  return total;
}

/**
 * The instance count the surge budget is measured against (`NewRSNewReplicas`'s current pod count).
 * TerminationStarted (Kubernetes' default): Σ spec.replicas. TerminationComplete (alpha
 * podReplacementPolicy, rollsim's default): Σ max(spec, status) + Σ terminating, so instances still
 * releasing their GPUs use up surge; null when a terminating count is unknown (Go returns an error).
 * The TerminationComplete formula is inferred from the Kubernetes tests (K8S-SEMANTICS §1.9).
 */
export function surgeBudgetReplicaCount(
  rss: readonly ReplicaSetReplicaStatus[],
  policy: 'TerminationStarted' | 'TerminationComplete',
): number | null {
  if (policy === 'TerminationStarted') return replicaCountForReplicaSets(rss);
  const terminating = terminatingReplicaCountForReplicaSets(rss);
  if (terminating === null) return null;
  return rss.reduce((s, rs) => s + Math.max(rs.replicas, rs.statusReplicas), 0) + terminating;
}
