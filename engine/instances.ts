// One instance's life as the world reports it: scheduled, ready, probes passed or failed, crashed,
// and the instance timers (scheduling, load and minReady). A failure of the revision being rolled
// out goes to rollback.ts, which decides whether it fails the edit.
import type { Draft } from './draft.js';
import { failRollout, isNewRevision } from './rollback.js';
import { removeInstance } from './rolling.js';
import { INFRASTRUCTURE_CAUSES, type CrashCause, type InstanceId } from './types.js';

export function onScheduled(d: Draft, id: InstanceId): void {
  const inst = d.instances.get(id);
  if (inst === undefined || inst.phase !== 'pending') return;
  d.updateInstance(id, { phase: 'loading', scheduledAtMs: d.nowMs });
  if (!inst.terminating)
    d.schedule({ kind: 'load', instanceId: id }, d.nowMs + d.options.rollout.loadTimeoutMs);
}

export function onReady(d: Draft, id: InstanceId): void {
  const inst = d.instances.get(id);
  if (inst === undefined || (inst.phase !== 'loading' && inst.phase !== 'pending')) return;
  d.updateInstance(id, { phase: 'ready', readyAtMs: d.nowMs, consecutivePasses: 0, consecutiveFailures: 0 });
}

export function onProbePassed(d: Draft, id: InstanceId): void {
  const inst = d.instances.get(id);
  if (inst === undefined || inst.phase !== 'ready' || inst.terminating) return;
  const passes = inst.consecutivePasses + 1;
  const passed = passes >= d.options.rollout.healthCheck.successThreshold;
  if (inst.passedAtMs !== null) {
    // It passed before and had failed since: it recovers once it passes again.
    const available = inst.available || (passed && minReadyElapsed(d, inst.passedAtMs));
    d.updateInstance(id, { consecutivePasses: passes, consecutiveFailures: 0, available });
    return;
  }
  if (!passed) {
    d.updateInstance(id, { consecutivePasses: passes, consecutiveFailures: 0 });
    return;
  }
  const minReadyMs = d.options.rollout.minReadyMs;
  d.updateInstance(id, {
    consecutivePasses: passes,
    consecutiveFailures: 0,
    passedAtMs: d.nowMs,
    available: minReadyMs === 0,
  });
  if (minReadyMs > 0) d.schedule({ kind: 'minReady', instanceId: id }, d.nowMs + minReadyMs);
}

function minReadyElapsed(d: Draft, passedAtMs: number): boolean {
  return d.nowMs >= passedAtMs + d.options.rollout.minReadyMs;
}

export function onProbeFailed(d: Draft, id: InstanceId): void {
  const inst = d.instances.get(id);
  if (inst === undefined || inst.phase !== 'ready' || inst.terminating) return;
  const failures = inst.consecutiveFailures + 1;
  if (failures < d.options.rollout.healthCheck.failureThreshold) {
    d.updateInstance(id, { consecutiveFailures: failures, consecutivePasses: 0 });
    return;
  }
  d.updateInstance(id, { consecutiveFailures: failures, consecutivePasses: 0, available: false });
  if (isNewRevision(d, inst) && failRollout(d, 'probeFailure')) return;
  // Liveness: a persistently failing instance is restarted (replaced).
  removeInstance(d, id, 'terminate');
}

export function onCrashed(d: Draft, id: InstanceId, cause: CrashCause): void {
  const inst = d.instances.get(id);
  if (inst === undefined) return;
  const wasTerminating = inst.terminating;
  d.updateInstance(id, { available: false });
  if (!wasTerminating) removeInstance(d, id, 'terminate');
  if (wasTerminating || INFRASTRUCTURE_CAUSES.has(cause) || !isNewRevision(d, inst)) return;
  if (failRollout(d, 'crash')) return;
  const r = d.rollout;
  if (r.phase === 'rolling' || r.phase === 'scaling') {
    // A crash loop: the new version crashed failureThreshold times.
    const rev = d.rev(inst.revision);
    const crashes = rev.startupCrashes + 1;
    d.revisions.set(rev.revision, { ...rev, startupCrashes: crashes });
    if (crashes >= d.options.rollout.healthCheck.failureThreshold) failRollout(d, 'crashLoop');
  }
}

/** Still without GPUs: fails the edit if it belongs to the new revision, else keeps waiting. */
export function onSchedulingTimeout(d: Draft, id: InstanceId): void {
  const inst = d.instances.get(id);
  if (inst === undefined || inst.phase !== 'pending' || inst.terminating) return;
  if (isNewRevision(d, inst)) failRollout(d, 'schedulingTimeout');
  // Otherwise it keeps waiting: the deployment reports degraded while ready < desired.
}

/** Still loading: treated as a crash of the version. */
export function onLoadTimeout(d: Draft, id: InstanceId): void {
  const inst = d.instances.get(id);
  if (inst !== undefined && inst.phase === 'loading' && !inst.terminating) onCrashed(d, id, 'loadTimeout');
}

/** Stayed healthy for minReady since it passed its probes: available now, unless it failed since. */
export function onMinReady(d: Draft, id: InstanceId): void {
  const inst = d.instances.get(id);
  if (
    inst?.passedAtMs != null &&
    inst.phase === 'ready' &&
    !inst.terminating &&
    inst.consecutiveFailures === 0
  ) {
    d.updateInstance(id, { available: true });
  }
}
