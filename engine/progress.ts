// Progress: after every event, whether the rollout moved on (Kubernetes' progress.go and the
// DeploymentProgressing condition), completed, entered its monitoring window, or finished rolling back.
import { deploymentComplete, deploymentProgressing, deploymentTimedOut } from '../k8s/deployment.js';
import type { ActionPhase, Draft } from './draft.js';
import { failRollout } from './rollback.js';
import type { StatusCounts } from './state.js';

/** Kubernetes' deployment status counts (terminating instances apart), `updated` counting those of `target`. */
export function statusCounts(d: Draft, target: number): StatusCounts {
  const c = d.census();
  return { updated: d.liveCount(target), total: c.liveTotal, available: c.available, ready: c.ready };
}

export function checkPhase(d: Draft): void {
  const r = d.rollout;
  switch (r.phase) {
    case 'steady':
      return;
    case 'rolling': {
      const counts = statusCounts(d, r.toRevision);
      if (deploymentComplete(d.desired, counts) && d.terminatingCount() === 0) {
        const untilMs = d.nowMs + d.options.rollout.monitorWindowMs;
        d.rollout = { ...r, phase: 'monitoring', untilMs, rolloutDoneAtMs: d.nowMs };
        d.schedule({ kind: 'monitor' }, untilMs);
      } else if (deploymentProgressing(r.lastCounts, counts)) {
        d.rollout = { ...r, lastProgressAtMs: d.nowMs, lastCounts: counts };
      } else {
        d.rollout = { ...r, lastCounts: counts };
      }
      return;
    }
    case 'scaling': {
      // Nothing asked for (the count not raised): done. Else enough live instances of the new revision,
      // and every one the edit added available (those that were there before it keep doing what they
      // did, as they would have without it).
      if (r.raised) {
        if (d.liveCount(r.toRevision) < d.desired) return;
        for (const id of r.own) {
          const i = d.instances.get(id);
          if (i !== undefined && !i.terminating && !i.available) return;
        }
      }
      completeEdit(d, r);
      return;
    }
    case 'monitoring':
      return;
    case 'rollingBack': {
      const failedLeft = d.liveCount(r.failedRevision) + d.terminatingCount(r.failedRevision) > 0;
      if (failedLeft || d.rev(r.failedRevision).replicas > 0) return;
      d.endAction({
        actionIndex: r.actionIndex,
        kind: 'edit',
        outcome: 'rolledBack',
        reason: r.reason,
        inPlace: r.inPlace,
        fromRevision: r.fromRevision,
        toRevision: r.toRevision,
      });
      d.lastEditOutcome = 'rolledBack';
      d.rollout = { phase: 'steady' };
      return;
    }
  }
}

function completeEdit(d: Draft, r: ActionPhase): void {
  d.endAction({
    actionIndex: r.actionIndex,
    kind: 'edit',
    outcome: 'completed',
    inPlace: r.phase === 'scaling',
    fromRevision: r.fromRevision,
    toRevision: r.toRevision,
    rolloutDoneAtMs: r.phase === 'monitoring' ? r.rolloutDoneAtMs : d.nowMs,
  });
  d.lastEditOutcome = 'completed';
  d.rollout = { phase: 'steady' };
}

export function onProgressTimer(d: Draft): void {
  const r = d.rollout;
  if (r.phase !== 'rolling') return;
  if (deploymentTimedOut(r.lastProgressAtMs, d.options.rollout.progressDeadlineMs, d.nowMs)) {
    failRollout(d, 'progressDeadline');
    return;
  }
  d.schedule({ kind: 'progress' }, r.lastProgressAtMs + d.options.rollout.progressDeadlineMs + 1);
}

/** The monitoring window is over without a failure: the edit completed. */
export function onMonitorTimer(d: Draft): void {
  if (d.rollout.phase === 'monitoring' && d.nowMs >= d.rollout.untilMs) completeEdit(d, d.rollout);
}
