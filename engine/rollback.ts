// Rollback: which facts fail an edit in which phase (one table, ROLLBACK_REASONS), going back to the
// prior revision, a manual rollback request, and the rollback's own deadline (Kubernetes' rollback.go
// restores a ReplicaSet's template; here the prior spec comes back and the failed revision scales to 0).
import { clampToRange, type ActionPhase, type Draft } from './draft.js';
import { relabel, removeInstance, rescale } from './rolling.js';
import { specAfterRollback } from './safety-rules.js';
import type { InstanceState } from './state.js';
import type { EditIssue, RollbackReason } from './types.js';

/** Facts that can fail the edit in progress. */
export type FailureFact =
  /** An instance of the new revision failed `failureThreshold` probes in a row. */
  | 'probeFailure'
  /** Instances of the new revision crashed `failureThreshold` times before becoming available. */
  | 'crashLoop'
  /** An instance of the new revision crashed (not an infrastructure failure). */
  | 'crash'
  /** An instance of the new revision found no GPUs within `schedulingTimeoutMs`. */
  | 'schedulingTimeout'
  /** No new instance became available within `progressDeadlineMs`. */
  | 'progressDeadline'
  /** The operator asked for a rollback. */
  | 'manualRollback';

/**
 * The one place that decides whether a fact fails the edit and with which reason, per phase. A phase
 * missing from a row means the fact does not fail the edit then (a single crash while rolling only
 * counts towards a crash loop; nothing fails an edit that is already rolling back).
 */
export const ROLLBACK_REASONS: Readonly<
  Record<FailureFact, Partial<Record<ActionPhase['phase'], RollbackReason>>>
> = {
  probeFailure: {
    rolling: 'HEALTH_CHECK_FAILED',
    scaling: 'HEALTH_CHECK_FAILED',
    monitoring: 'UNSTABLE_AFTER_EDIT',
  },
  crashLoop: { rolling: 'HEALTH_CHECK_FAILED', scaling: 'HEALTH_CHECK_FAILED' },
  crash: { monitoring: 'UNSTABLE_AFTER_EDIT' },
  schedulingTimeout: { rolling: 'RESOURCE_UNAVAILABLE', scaling: 'RESOURCE_UNAVAILABLE' },
  progressDeadline: { rolling: 'PROGRESS_DEADLINE_EXCEEDED' },
  manualRollback: { rolling: 'MANUAL_ABORT', scaling: 'MANUAL_ABORT', monitoring: 'MANUAL_ABORT' },
};

/** The rollback reason for a fact in the current phase, or null when it does not fail the edit. */
export function rollbackReason(d: Draft, fact: FailureFact): RollbackReason | null {
  const r = d.rollout;
  return r.phase === 'steady' ? null : (ROLLBACK_REASONS[fact][r.phase] ?? null);
}

/** Whether the instance belongs to the revision an edit in progress is rolling out. */
export function isNewRevision(d: Draft, inst: InstanceState): boolean {
  const r = d.rollout;
  if (r.phase === 'steady' || inst.revision !== r.toRevision) return false;
  // An in-place edit answers only for the instances created since it, not those already there.
  return r.phase !== 'scaling' || r.own.includes(inst.id);
}

/** Starts the rollback when the fact fails the edit in this phase; whether it did. */
export function failRollout(d: Draft, fact: FailureFact): boolean {
  const reason = rollbackReason(d, fact);
  if (reason === null) return false;
  startRollback(d, reason);
  return true;
}

function startRollback(d: Draft, reason: RollbackReason): void {
  const r = d.rollout;
  if (r.phase === 'steady' || r.phase === 'rollingBack') return;
  const prior = r.fromRevision;
  const failed = r.toRevision;
  const inPlace = r.phase === 'scaling';
  const restored = specAfterRollback({ beforeEdit: r.priorSpec, failed: d.spec });
  d.spec = restored;
  d.revision = prior;
  d.effects.push({ type: 'spec/apply', revision: prior, spec: restored });
  d.rollout = {
    ...r,
    phase: 'rollingBack',
    reason,
    failedRevision: failed,
    inPlace,
    forced: false,
    rollbackStartedAtMs: d.nowMs,
  };
  if (inPlace) {
    relabel(d, failed, prior);
    d.setReplicas(prior, d.rev(failed).replicas);
    d.setReplicas(failed, 0);
  }
  // Back to the prior count, or more if the autoscaler asks for more, within the prior range.
  const target = clampToRange(Math.max(r.priorReplicas, d.recommended), r.priorSpec);
  rescale(d, target);
  d.schedule({ kind: 'rollbackDeadline' }, d.nowMs + d.options.rollout.progressDeadlineMs);
}

export function onRollbackRequested(d: Draft): void {
  const actionIndex = d.nextActionIndex++;
  const r = d.rollout;
  if (r.phase !== 'steady' && rollbackReason(d, 'manualRollback') !== null) {
    const action = {
      actionIndex,
      kind: 'rollback',
      inPlace: false,
      fromRevision: d.revision,
      toRevision: r.fromRevision,
    } as const;
    d.startAction(action);
    d.endAction({ ...action, outcome: 'completed' });
    failRollout(d, 'manualRollback');
    return;
  }
  const issue: EditIssue =
    r.phase === 'rollingBack'
      ? {
          code: 'EDIT_IN_PROGRESS',
          field: '',
          message: 'a rollback is already under way; wait until it ends.',
        }
      : {
          code: 'MANUAL_ROLLBACK_UNSUPPORTED',
          field: '',
          message:
            d.lastEditOutcome === 'completed'
              ? 'the last edit succeeded and cannot be rolled back manually; submit a new edit with the configuration you want.'
              : 'there is no rollout to roll back; submit a new edit with the configuration you want.',
        };
  d.lastRejection = [issue];
  d.endAction({
    actionIndex,
    kind: 'rollback',
    outcome: 'rejected',
    errors: [issue],
    inPlace: false,
    fromRevision: d.revision,
    toRevision: d.revision,
  });
}

export function onRollbackDeadline(d: Draft): void {
  const r = d.rollout;
  if (r.phase !== 'rollingBack' || r.forced) return;
  // The prior revision could not come back in time: force the failed revision out so the
  // rollback ends (availability may dip; the deployment reports degraded until it recovers).
  d.rollout = { ...r, forced: true };
  d.setReplicas(r.failedRevision, 0);
  for (const inst of d.live(r.failedRevision))
    removeInstance(d, inst.id, inst.available ? 'drain' : 'terminate');
}
