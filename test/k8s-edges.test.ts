// Proves the Kubernetes rollout arithmetic at the edges the public vector file does not reach (found by
// mutation testing): malformed int-or-percent values, Recreate, exact budget boundaries, Go's rounding,
// the progress-deadline guards, and how a resize picks the revision that takes it.
import { describe, expect, it } from 'vitest';
import {
  NO_PROGRESS_DEADLINE_SECONDS,
  cleanupUnhealthyReplicas,
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  findActiveOrLatest,
  getReplicaSetFraction,
  goRound,
  isSaturated,
  maxSurge,
  maxUnavailable,
  minAvailable,
  newRSNewReplicas,
  parseIntOrPercent,
  progressDeadlineExceeded,
  proportionalScale,
  reconcileNewReplicaSet,
  reconcileOldReplicaSets,
  scaleDeployment,
  scaleDownOldReplicaSetsForRollingUpdate,
  scaledValue,
  type RollingStrategy,
  type ScaleRS,
} from '../k8s/deployment.js';
import type { IntOrPercent } from '../engine/types.js';

const rolling = (
  maxSurge: RollingStrategy['maxSurge'],
  maxUnavailable: RollingStrategy['maxUnavailable'],
) => ({
  maxSurge,
  maxUnavailable,
});
/** A new revision at 5 replicas, all available, annotated for desired 5 (surge 1). */
const saturatedAt5: ScaleRS = {
  replicas: 5,
  available: 5,
  desiredReplicasAnnotation: 5,
  maxReplicasAnnotation: 6,
  order: 2,
};
const recreate: RollingStrategy = { maxSurge: '25%', maxUnavailable: '25%', type: 'Recreate' };

describe('int-or-percent values', () => {
  it('parses integers, signed percentages and null; anything else is invalid', () => {
    expect(parseIntOrPercent(null)).toEqual({ kind: 'int', n: 0 });
    expect(parseIntOrPercent(3)).toEqual({ kind: 'int', n: 3 });
    expect(parseIntOrPercent('25%')).toEqual({ kind: 'percent', n: 25 });
    expect(parseIntOrPercent('+5%')).toEqual({ kind: 'percent', n: 5 });
    expect(parseIntOrPercent('-5%')).toEqual({ kind: 'percent', n: -5 });
    // Values from outside the type system (a vector file, a hand-written scenario) must not slip through.
    for (const bad of [2.5, '25', 'x25%', '25%x', '25%%', '%', '2.5%', ' 25%'])
      expect(parseIntOrPercent(bad as IntOrPercent)).toBeNull();
  });

  it('scaledValue rounds percentages up or down and names an invalid value', () => {
    expect(scaledValue('25%', 10, true)).toBe(3);
    expect(scaledValue('25%', 10, false)).toBe(2);
    expect(scaledValue(4, 10, true)).toBe(4);
    expect(scaledValue(null, 10, true)).toBe(0);
    expect(() => scaledValue('25' as IntOrPercent, 10, true)).toThrow('invalid int-or-percent value: 25');
    expect(() => scaledValue(1.5, 10, true)).toThrow('invalid int-or-percent value: 1.5');
  });
});

describe('Recreate and empty deployments', () => {
  it('Recreate has no surge, no unavailability budget and no floor, and grows straight to desired', () => {
    expect(maxSurge(recreate, 10)).toBe(0);
    expect(maxUnavailable(recreate, 10)).toBe(0);
    expect(minAvailable(recreate, 10)).toBe(0);
    expect(newRSNewReplicas(recreate, 10, 0, 10)).toBe(10);
    expect(maxSurge(rolling('25%', '25%'), 10)).toBe(3);
    expect(minAvailable(rolling('25%', '25%'), 10)).toBe(8);
  });

  it('maxUnavailable is 0 at desired 0, and never more than desired', () => {
    expect(maxUnavailable(rolling(1, 5), 0)).toBe(0);
    expect(maxUnavailable(rolling(1, 5), 3)).toBe(3);
    expect(minAvailable(rolling(1, 5), 3)).toBe(0);
  });
});

describe('growing the new revision', () => {
  it('stops exactly at desired + surge, and grows by no more than the room left', () => {
    const s = rolling(2, 0);
    expect(newRSNewReplicas(s, 10, 3, 12)).toBe(3);
    expect(newRSNewReplicas(s, 10, 3, 11)).toBe(4);
    expect(newRSNewReplicas(s, 10, 9, 10)).toBe(10);
    expect(newRSNewReplicas(s, 10, 0, 0)).toBe(10);
    // At the budget exactly, a new revision already above desired is left alone (Go reduces it elsewhere).
    expect(newRSNewReplicas(s, 10, 12, 12)).toBe(12);
  });

  it('reconcileNewReplicaSet: at or above desired means desired', () => {
    const s = rolling(2, 0);
    expect(reconcileNewReplicaSet(s, 10, 10, 20)).toBe(10);
    expect(reconcileNewReplicaSet(s, 10, 14, 20)).toBe(10);
    expect(reconcileNewReplicaSet(s, 10, 3, 11)).toBe(4);
  });
});

describe('shrinking old revisions', () => {
  it('cleanup sheds unavailable instances oldest first, up to the limit, skipping healthy or empty ones', () => {
    const rss = [
      { replicas: 0, available: 0 },
      { replicas: 3, available: 3 },
      { replicas: 4, available: 1 },
      { replicas: 2, available: 0 },
    ];
    expect(cleanupUnhealthyReplicas(rss, 10)).toEqual({ replicas: [0, 3, 1, 0], cleaned: 5 });
    expect(cleanupUnhealthyReplicas(rss, 4)).toEqual({ replicas: [0, 3, 1, 1], cleaned: 4 });
    expect(cleanupUnhealthyReplicas(rss, 3)).toEqual({ replicas: [0, 3, 1, 2], cleaned: 3 });
    expect(cleanupUnhealthyReplicas(rss, 0)).toEqual({ replicas: [0, 3, 4, 2], cleaned: 0 });
  });

  it('cleanup never grows a revision whose status still shows more available than its spec', () => {
    // Status lags spec during a scale-down: availableReplicas can exceed spec.replicas for a while.
    expect(
      cleanupUnhealthyReplicas(
        [
          { replicas: 0, available: 2 },
          { replicas: 3, available: 1 },
        ],
        5,
      ),
    ).toEqual({ replicas: [0, 1], cleaned: 2 });
    expect(
      cleanupUnhealthyReplicas(
        [
          { replicas: 2, available: 0 },
          { replicas: 1, available: 3 },
        ],
        2,
      ),
    ).toEqual({ replicas: [0, 1], cleaned: 2 });
  });

  it('scale-down keeps availability at the floor exactly, oldest first, skipping empty revisions', () => {
    expect(scaleDownOldReplicaSetsForRollingUpdate([2, 3], 8, 8)).toEqual({
      replicas: [2, 3],
      scaledDown: 0,
    });
    expect(scaleDownOldReplicaSetsForRollingUpdate([2, 3], 7, 8)).toEqual({
      replicas: [2, 3],
      scaledDown: 0,
    });
    expect(scaleDownOldReplicaSetsForRollingUpdate([0, 2, 3], 11, 8)).toEqual({
      replicas: [0, 0, 2],
      scaledDown: 3,
    });
    expect(scaleDownOldReplicaSetsForRollingUpdate([2, 3], 20, 8)).toEqual({
      replicas: [0, 0],
      scaledDown: 5,
    });
  });

  it('reconcileOldReplicaSets: nothing to do without old instances or without room', () => {
    const strategy = rolling(1, 1);
    const base = { strategy, desired: 4, newRS: { replicas: 1, available: 0 } };
    expect(
      reconcileOldReplicaSets({ ...base, allReplicas: 1, oldRSs: [{ replicas: 0, available: 0 }] }),
    ).toEqual({
      replicas: [0],
      scaledDown: 0,
    });
    // 5 instances, floor 3, one new instance unavailable: 5 − 3 − 1 = 1 may go.
    const old = [{ replicas: 4, available: 4 }];
    expect(reconcileOldReplicaSets({ ...base, allReplicas: 5, oldRSs: old })).toEqual({
      replicas: [3],
      scaledDown: 1,
    });
    // 4 instances, floor 3, one new unavailable: 4 − 3 − 1 = 0, so none.
    expect(
      reconcileOldReplicaSets({ ...base, allReplicas: 4, oldRSs: [{ replicas: 3, available: 3 }] }),
    ).toEqual({
      replicas: [3],
      scaledDown: 0,
    });
    // Only the cleanup is capped by desired − maxUnavailable − unavailable new instances: 5 − 3 − 1 = 1
    // of the 2 unhealthy old instances goes, and availability (2) is below the floor, so nothing else.
    expect(
      reconcileOldReplicaSets({ ...base, allReplicas: 5, oldRSs: [{ replicas: 4, available: 2 }] }),
    ).toEqual({ replicas: [3], scaledDown: 1 });
    // Unhealthy old instances go first (1), then healthy ones while availability 5 stays above the floor 3 (2).
    const mixed = [
      { replicas: 2, available: 1 },
      { replicas: 3, available: 3 },
    ];
    const newReady = { replicas: 1, available: 1 };
    expect(
      reconcileOldReplicaSets({ strategy, desired: 4, newRS: newReady, allReplicas: 6, oldRSs: mixed }),
    ).toEqual({ replicas: [0, 2], scaledDown: 3 });
  });
});

describe('proportional resize', () => {
  it('goRound rounds halves away from zero, on both sides', () => {
    expect([goRound(2.5), goRound(-2.5), goRound(1.5), goRound(-1.5), goRound(-1.4), goRound(0)]).toEqual([
      3, -3, 2, -2, -1, 0,
    ]);
  });

  it('getReplicaSetFraction falls back to the status count when the annotation is missing or 0', () => {
    expect(getReplicaSetFraction(4, 0, 1, 10, 10)).toBe(-4);
    expect(getReplicaSetFraction(4, 20, 2, 11, 99)).toBe(4);
    expect(getReplicaSetFraction(4, 20, 2, null, 11)).toBe(4);
    expect(getReplicaSetFraction(4, 20, 2, 0, 11)).toBe(4);
    expect(getReplicaSetFraction(4, 20, 2, 0, 0)).toBe(0);
  });

  it('scaling up favours the larger, then the newer revision; down, the larger, then the older', () => {
    const rs = (replicas: number, order: number) => ({ replicas, maxReplicasAnnotation: 6, order });
    const s = rolling(0, 1);
    // 3 + 3 = 6 → 7: one more, to the newer of two equal revisions.
    expect(proportionalScale([rs(3, 1), rs(3, 2)], s, 7, 6)).toEqual([3, 4]);
    expect(proportionalScale([rs(3, 2), rs(3, 1)], s, 7, 6)).toEqual([4, 3]);
    // 6 → 5: one fewer, from the older.
    expect(proportionalScale([rs(3, 1), rs(3, 2)], s, 5, 6)).toEqual([2, 3]);
    // Unequal: the larger one takes the rounding leftover either way.
    expect(proportionalScale([rs(2, 1), rs(4, 2)], s, 7, 6)).toEqual([2, 5]);
    expect(proportionalScale([rs(4, 1), rs(2, 2)], s, 7, 6)).toEqual([5, 2]);
    // Nothing to spread, no active revision, or desired 0.
    expect(proportionalScale([rs(3, 1), rs(3, 2)], s, 6, 6)).toEqual([3, 3]);
    expect(proportionalScale([rs(0, 1), rs(0, 2)], s, 6, 6)).toEqual([0, 0]);
    expect(proportionalScale([rs(3, 1), rs(3, 2)], s, 0, 6)).toEqual([0, 0]);
    // Desired 0 allows nothing, not even the surge.
    expect(proportionalScale([rs(3, 1), rs(3, 2)], rolling(1, 0), 0, 6)).toEqual([0, 0]);
  });

  it('mixed annotations: Go scale() fractions, capped by what is left to add, leftover to the largest', () => {
    const rs = (replicas: number, maxReplicasAnnotation: number | null, order: number) => ({
      replicas,
      maxReplicasAnnotation,
      order,
    });
    // +2 to spread: the larger takes round(4·8/5) − 4 = 2 and nothing is left for the smaller.
    expect(proportionalScale([rs(2, 3, 1), rs(4, 5, 2)], rolling(0, 0), 8, 0)).toEqual([2, 6]);
    // +3: the larger's fraction is 0, the smaller's 1, and the 2 left over go to the larger.
    expect(proportionalScale([rs(4, 9, 1), rs(2, 7, 2)], rolling(1, 1), 8, 8)).toEqual([6, 3]);
    // −1: the larger (no annotation: status 8) loses round(4·5/8) − 4 = −1, then nothing is left.
    expect(proportionalScale([rs(4, null, 1), rs(2, 3, 2)], rolling(1, 2), 4, 8)).toEqual([3, 2]);
    // +3: the larger takes 1, the smaller's fraction 4 is capped at the 2 still to add.
    expect(proportionalScale([rs(2, 3, 1), rs(4, null, 2)], rolling(1, 0), 8, 8)).toEqual([4, 5]);
    // −1 overall, yet the larger's fraction is +3 (a stale small annotation): Go keeps the sign rules and
    // hands the −3 leftover back to the largest.
    expect(proportionalScale([rs(2, null, 1), rs(4, 3, 2)], rolling(1, 0), 4, 8)).toEqual([1, 4]);
  });

  it('findActiveOrLatest: the single active revision, else the new one, else the newest old one', () => {
    const rs = (replicas: number, order: number): ScaleRS => ({
      replicas,
      available: replicas,
      desiredReplicasAnnotation: null,
      maxReplicasAnnotation: null,
      order,
    });
    expect(findActiveOrLatest(rs(0, 9), [rs(2, 1), rs(0, 2)])).toBe(1);
    expect(findActiveOrLatest(rs(1, 9), [rs(2, 1)])).toBeNull();
    expect(findActiveOrLatest(rs(0, 9), [rs(0, 1)])).toBe(0);
    expect(findActiveOrLatest(null, [])).toBeNull();
    expect(findActiveOrLatest(null, [rs(0, 3), rs(0, 7), rs(0, 5)])).toBe(2);
    expect(findActiveOrLatest(null, [rs(0, 7), rs(0, 3)])).toBe(1);
    expect(findActiveOrLatest(null, [rs(0, 3)])).toBe(1);
  });

  it('isSaturated needs the annotation, the size and full availability, all at desired', () => {
    const newRS = saturatedAt5;
    expect(isSaturated(5, newRS)).toBe(true);
    expect(isSaturated(5, null)).toBe(false);
    expect(isSaturated(5, { ...newRS, desiredReplicasAnnotation: null })).toBe(false);
    expect(isSaturated(5, { ...newRS, desiredReplicasAnnotation: 4 })).toBe(false);
    expect(isSaturated(5, { ...newRS, replicas: 4 })).toBe(false);
    expect(isSaturated(5, { ...newRS, available: 4 })).toBe(false);
    expect(isSaturated(6, newRS)).toBe(false);
  });

  it('scaleDeployment: a saturated new revision takes all; Recreate with two active leaves sizes alone', () => {
    const newRS = saturatedAt5;
    const old: ScaleRS = { ...newRS, replicas: 1, available: 1, order: 1 };
    const input = { strategy: rolling(1, 0), desired: 5, statusReplicas: 6, newRS, oldRSs: [old, old] };
    expect(scaleDeployment(input)).toEqual({ newRS: 5, oldRSs: [0, 0] });
    expect(scaleDeployment({ ...input, strategy: recreate, desired: 8 })).toEqual({
      newRS: 5,
      oldRSs: [1, 1],
    });
    expect(scaleDeployment({ ...input, newRS: null, oldRSs: [{ ...old, replicas: 0 }, old] })).toEqual({
      newRS: null,
      oldRSs: [0, 5],
    });
    // Two old revisions active, no new one: a proportional split of desired + surge.
    const a: ScaleRS = { ...old, replicas: 2, maxReplicasAnnotation: 4 };
    const b: ScaleRS = { ...old, replicas: 2, maxReplicasAnnotation: 4, order: 3 };
    expect(scaleDeployment({ ...input, newRS: null, oldRSs: [a, b], desired: 7, statusReplicas: 4 })).toEqual(
      {
        newRS: null,
        oldRSs: [4, 4],
      },
    );
  });
});

describe('rollout status', () => {
  const st = (updated: number, total: number, available: number, ready: number) => ({
    updated,
    total,
    available,
    ready,
  });

  it('deploymentComplete needs every count at desired and the latest spec observed', () => {
    expect(deploymentComplete(3, st(3, 3, 3, 3))).toBe(true);
    expect(deploymentComplete(3, st(3, 3, 3, 3), { observed: 2, desired: 2 })).toBe(true);
    expect(deploymentComplete(3, st(3, 3, 3, 3), { observed: 3, desired: 2 })).toBe(true);
    expect(deploymentComplete(3, st(3, 3, 3, 3), { observed: 1, desired: 2 })).toBe(false);
    expect(deploymentComplete(3, st(2, 3, 3, 3))).toBe(false);
    expect(deploymentComplete(3, st(3, 4, 3, 3))).toBe(false);
    expect(deploymentComplete(3, st(3, 3, 2, 3))).toBe(false);
  });

  it('deploymentProgressing: each of updated up, old down, ready up, available up counts on its own', () => {
    const before = st(1, 4, 2, 2);
    expect(deploymentProgressing(before, before)).toBe(false);
    expect(deploymentProgressing(before, st(2, 5, 2, 2))).toBe(true);
    expect(deploymentProgressing(before, st(1, 3, 2, 2))).toBe(true);
    expect(deploymentProgressing(before, st(1, 4, 2, 3))).toBe(true);
    expect(deploymentProgressing(before, st(1, 4, 3, 2))).toBe(true);
    expect(deploymentProgressing(before, st(0, 5, 1, 1))).toBe(false);
  });

  it('deploymentTimedOut is strictly after the deadline', () => {
    expect(deploymentTimedOut(1_000, 5_000, 6_000)).toBe(false);
    expect(deploymentTimedOut(1_000, 5_000, 6_001)).toBe(true);
    expect(deploymentTimedOut(1_000, 5_000, 4_001)).toBe(false);
  });

  it('progressDeadlineExceeded: no deadline, no condition or a completed rollout never time out; timed out stays so', () => {
    const updating = { reason: 'ReplicaSetUpdated', lastUpdateAtMs: 1_000 };
    expect(progressDeadlineExceeded(null, updating, 1e12)).toBe(false);
    expect(progressDeadlineExceeded(NO_PROGRESS_DEADLINE_SECONDS, updating, 1e13)).toBe(false);
    expect(progressDeadlineExceeded(600, null, 1e12)).toBe(false);
    expect(progressDeadlineExceeded(600, { ...updating, reason: 'NewReplicaSetAvailable' }, 1e12)).toBe(
      false,
    );
    expect(progressDeadlineExceeded(600, { ...updating, reason: 'ProgressDeadlineExceeded' }, 1_000)).toBe(
      true,
    );
    expect(progressDeadlineExceeded(600, updating, 601_000)).toBe(false);
    expect(progressDeadlineExceeded(600, updating, 601_001)).toBe(true);
  });
});
