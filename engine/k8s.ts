// Kubernetes Deployment rolling-update arithmetic as small pure functions (K8S-SEMANTICS.md §1).
// The engine's rollout uses exactly these; the conformance runner checks them against Kubernetes' tests.
import type { IntOrPercent } from './types.js';

export interface RollingStrategy {
  readonly maxSurge: IntOrPercent | null;
  readonly maxUnavailable: IntOrPercent | null;
}

/** Parses `"25%"`-style strings; returns null when the value is neither an integer nor `<int>%`. */
export function parseIntOrPercent(value: IntOrPercent | null): { kind: 'int' | 'percent'; n: number } | null {
  if (value === null) return { kind: 'int', n: 0 };
  if (typeof value === 'number') return Number.isInteger(value) ? { kind: 'int', n: value } : null;
  const match = /^(-?\d+)%$/.exec(value);
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

/** `MaxSurge`: the resolved surge (not clamped). */
export function maxSurge(strategy: RollingStrategy, desired: number): number {
  return resolveFenceposts(strategy, desired).surge;
}

/** `MaxUnavailable`: 0 when desired is 0, otherwise min(resolved unavailable, desired). */
export function maxUnavailable(strategy: RollingStrategy, desired: number): number {
  if (desired === 0) return 0;
  return Math.min(resolveFenceposts(strategy, desired).unavailable, desired);
}

/** `MinAvailable`: desired − maxUnavailable. */
export function minAvailable(strategy: RollingStrategy, desired: number): number {
  return desired - maxUnavailable(strategy, desired);
}

/**
 * `NewRSNewReplicas` for RollingUpdate: grow the new revision within desired + surge, counting every
 * revision's size in `currentTotal` (spec replicas, plus instances still holding GPUs under
 * TerminationComplete). A new revision above desired is scaled down to desired at once.
 */
export function newRSNewReplicas(
  strategy: RollingStrategy,
  desired: number,
  newReplicas: number,
  currentTotal: number,
): number {
  if (newReplicas >= desired) return desired;
  const maxTotal = desired + maxSurge(strategy, desired);
  if (currentTotal >= maxTotal) return newReplicas;
  return newReplicas + Math.min(maxTotal - currentTotal, desired - newReplicas);
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

/** `DeploymentComplete`: every instance is of the new revision and available. */
export function deploymentComplete(desired: number, status: DeploymentStatusCounts): boolean {
  return status.updated === desired && status.total === desired && status.available === desired;
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
