// Rolling: spreading the desired count over the revisions and creating or removing instances to
// match, within the surge and availability budgets (Kubernetes' rolling.go and sync.go, through
// k8s/deployment.ts).
import { reconcileOldReplicaSets, scaleDeployment, surgeBudgetReplicaCount } from '../k8s/deployment.js';
import type { Draft } from './draft.js';
import { instanceBudget, surgeLimitedSize } from './safety-rules.js';
import type { InstanceState, RevisionState } from './state.js';
import type { InstanceId } from './types.js';

/** A new desired count, spread over the revisions by Kubernetes' `scale()` (k8s/deployment.ts). */
export function rescale(d: Draft, desired: number): void {
  d.desired = desired;
  const target = d.rev(targetRevision(d));
  const olds = [...d.revisions.values()]
    .filter((r) => r.revision !== target.revision)
    .sort((a, b) => a.revision - b.revision);
  const view = (r: RevisionState) => ({
    replicas: r.replicas,
    available: d.availableCount(r.revision),
    desiredReplicasAnnotation: r.desiredReplicasAnnotation,
    maxReplicasAnnotation: r.maxReplicasAnnotation > 0 ? r.maxReplicasAnnotation : null,
    order: r.revision,
  });
  const sizes = scaleDeployment({
    strategy: d.strategy,
    desired,
    statusReplicas: d.instances.size - d.terminatingCount(),
    newRS: view(target),
    oldRSs: olds.map(view),
  });
  d.setReplicas(target.revision, sizes.newRS ?? target.replicas);
  olds.forEach((r, i) => d.setReplicas(r.revision, sizes.oldRSs[i] ?? r.replicas));
}

/** The revision the deployment is converging to. */
export function targetRevision(d: Draft): number {
  return d.revision;
}

/** Grow the target revision within the surge budget, else shrink older ones within availability. */
export function reconcile(d: Draft): void {
  const target = targetRevision(d);
  const others = [...d.revisions.values()]
    .filter((r) => r.revision !== target && (r.replicas > 0 || d.liveCount(r.revision) > 0))
    .sort((a, b) => a.revision - b.revision);
  if (others.length === 0) {
    d.setReplicas(target, d.desired);
  } else {
    const grown = surgeLimitedSize(d.strategy, d.desired, d.rev(target).replicas, currentTotal(d));
    if (grown !== d.rev(target).replicas) d.setReplicas(target, grown);
    else shrinkOld(d, target, others);
  }
  syncInstances(d);
}

/** Instances counted against the surge budget (Kubernetes' current pod count for NewRSNewReplicas). */
function currentTotal(d: Draft): number {
  const rss = [...d.revisions.values()].map((r) => ({
    replicas: r.replicas,
    statusReplicas: d.liveCount(r.revision),
    terminating: d.terminatingCount(r.revision),
    observedGeneration: 1,
  }));
  return surgeBudgetReplicaCount(rss, d.options.rollout.podReplacementPolicy) ?? 0;
}

function countedTerminating(d: Draft): number {
  return d.options.rollout.podReplacementPolicy === 'TerminationComplete' ? d.terminatingCount() : 0;
}

function shrinkOld(d: Draft, target: number, others: readonly RevisionState[]): void {
  const allReplicas = [...d.revisions.values()].reduce((s, r) => s + r.replicas, 0) + countedTerminating(d);
  const result = reconcileOldReplicaSets({
    strategy: d.strategy,
    desired: d.desired,
    allReplicas,
    newRS: { replicas: d.rev(target).replicas, available: d.availableCount(target) },
    oldRSs: others.map((r) => ({
      replicas: r.replicas,
      available: Math.min(r.replicas, d.availableCount(r.revision)),
    })),
  });
  others.forEach((r, i) => d.setReplicas(r.revision, result.replicas[i] ?? r.replicas));
}

/** Create or remove instances so each revision has its replica count, within the surge budget. */
function syncInstances(d: Draft): void {
  for (const r of [...d.revisions.values()]) {
    if (d.liveCount(r.revision) <= r.replicas) continue;
    for (const inst of removalVictims(d.instances, r.revision, d.liveCount(r.revision) - r.replicas)) {
      removeInstance(d, inst.id, inst.available ? 'drain' : 'terminate');
    }
  }
  const budget = instanceBudget(d.strategy, d.desired);
  // The revision being converged to gets the budget first, then the others, newest first (the map
  // holds revisions in ascending order).
  const target = targetRevision(d);
  const others = [...d.revisions.values()].filter((r) => r.revision !== target).reverse();
  for (const r of [d.rev(target), ...others]) {
    let missing = r.replicas - d.liveCount(r.revision);
    while (missing > 0 && totalInstances(d) < budget) {
      createInstance(d, r);
      missing--;
    }
  }
}

/** Instances holding or waiting for GPUs (terminating ones too, under TerminationComplete). */
function totalInstances(d: Draft): number {
  return d.instances.size - d.terminatingCount() + countedTerminating(d);
}

/** Not-yet-available instances go first (pending, then loading, then unready), newest first. */
function removalRank(i: InstanceState): number {
  return i.available ? 3 : i.phase === 'pending' ? 0 : i.phase === 'loading' ? 1 : 2;
}

/** The removal order: negative when `a` goes before `b` (a total order: ids are unique). */
function removalCompare(a: InstanceState, b: InstanceState): number {
  return removalRank(a) - removalRank(b) || b.createdAtMs - a.createdAtMs || (a.id < b.id ? 1 : -1);
}

/**
 * The first `count` live instances of a revision in removal order, in that order. A rollout takes one or
 * a few at a time from a revision of hundreds, once for every instance that becomes available, so they
 * are picked in one pass that keeps the best `count` so far, not by sorting the revision (the order is
 * total, so the result is the sorted list's first `count`).
 */
export function removalVictims(
  instances: ReadonlyMap<InstanceId, InstanceState>,
  revision: number,
  count: number,
): InstanceState[] {
  const best: InstanceState[] = [];
  if (count <= 0) return best;
  instances.forEach((i) => {
    if (i.revision !== revision || i.terminating) return;
    let k = best.length;
    if (k === count) {
      if (removalCompare(i, best[k - 1]!) > 0) return;
      k--;
    }
    while (k > 0 && removalCompare(i, best[k - 1]!) < 0) {
      best[k] = best[k - 1]!;
      k--;
    }
    best[k] = i;
  });
  return best;
}

function createInstance(d: Draft, r: RevisionState): void {
  const id = `r${r.revision}-${d.nextInstanceSeq++}`;
  d.putInstance({
    id,
    revision: r.revision,
    phase: 'pending',
    createdAtMs: d.nowMs,
    scheduledAtMs: null,
    readyAtMs: null,
    passedAtMs: null,
    consecutivePasses: 0,
    consecutiveFailures: 0,
    available: false,
    terminating: false,
  });
  const { model, accelerator } = r.spec;
  d.effects.push({
    type: 'instance/create',
    instanceId: id,
    revision: r.revision,
    template: { model, accelerator },
  });
  d.schedule({ kind: 'scheduling', instanceId: id }, d.nowMs + d.options.rollout.schedulingTimeoutMs);
  // An in-place edit answers for the instances created while it is under way (engine/state.ts).
  if (d.rollout.phase === 'scaling') d.rollout = { ...d.rollout, own: [...d.rollout.own, id] };
}

export function removeInstance(d: Draft, id: string, how: 'drain' | 'terminate'): void {
  const inst = d.instances.get(id);
  if (inst === undefined || inst.terminating) return;
  const drain = how === 'drain' && inst.phase === 'ready';
  d.updateInstance(id, { terminating: true, available: false, phase: drain ? 'draining' : inst.phase });
  d.effects.push(
    drain ? { type: 'instance/drain', instanceId: id } : { type: 'instance/terminate', instanceId: id },
  );
}

/** Moves every instance of revision `from` to revision `to` (an in-place edit, or its rollback). */
export function relabel(d: Draft, from: number, to: number): void {
  for (const inst of [...d.instances.values()])
    if (inst.revision === from) d.updateInstance(inst.id, { revision: to });
}
