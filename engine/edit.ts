// An edit request: validated (validate.ts), then rejected, a no-op, an in-place change of the running
// revision, or a rolling replacement by a new revision.
import type { SpecEdit } from '../catalog/spec.js';
import { clampToRange, type Draft } from './draft.js';
import { statusCounts } from './progress.js';
import { relabel, rescale } from './rolling.js';
import { validateEdit } from './validate.js';

export function onEditRequested(d: Draft, edit: SpecEdit): void {
  const actionIndex = d.nextActionIndex++;
  const editInProgress = d.rollout.phase !== 'steady';
  const result = validateEdit(d.spec, edit, {
    catalog: d.options.catalog,
    limits: d.options.limits,
    editInProgress,
  });
  const from = d.revision;
  if (!result.ok) {
    d.lastRejection = result.issues;
    d.endAction({
      actionIndex,
      kind: 'edit',
      outcome: 'rejected',
      errors: result.issues,
      inPlace: false,
      fromRevision: from,
      toRevision: from,
    });
    return;
  }
  if (result.kind === 'noop') {
    const action = {
      actionIndex,
      kind: 'edit',
      inPlace: true,
      fromRevision: from,
      toRevision: from,
    } as const;
    d.startAction(action);
    d.endAction({ ...action, outcome: 'completed', rolloutDoneAtMs: d.nowMs });
    d.lastEditOutcome = 'completed';
    return;
  }
  const to = Math.max(...d.revisions.keys()) + 1;
  const base = {
    actionIndex,
    startedAtMs: d.nowMs,
    fromRevision: from,
    toRevision: to,
    priorSpec: d.spec,
    priorReplicas: d.rev(from).replicas,
  };
  d.spec = result.spec;
  d.revision = to;
  d.revisions.set(to, {
    revision: to,
    spec: result.spec,
    replicas: 0,
    maxReplicasAnnotation: 0,
    desiredReplicasAnnotation: null,
    startupCrashes: 0,
  });
  d.effects.push({ type: 'spec/apply', revision: to, spec: result.spec });
  const inPlace = result.kind === 'inPlace';
  d.startAction({ actionIndex, kind: 'edit', inPlace, fromRevision: from, toRevision: to });
  if (inPlace) {
    // No restart: the running instances simply belong to the new revision. The edit answers only for
    // the instances it adds (`own`, filled as they are created). An edit that does not raise the count
    // (tags, metrics, a lower range) asks for no instance: it is done at once.
    const desired = clampToRange(d.recommended, d.spec);
    const raised = desired > d.desired;
    relabel(d, from, to);
    d.setReplicas(to, d.rev(from).replicas);
    d.setReplicas(from, 0);
    d.rollout = { ...base, phase: 'scaling', own: [], raised };
    rescale(d, desired);
    return;
  }
  d.rollout = { ...base, phase: 'rolling', lastProgressAtMs: d.nowMs, lastCounts: statusCounts(d, to) };
  d.schedule({ kind: 'progress' }, d.nowMs + d.options.rollout.progressDeadlineMs + 1);
  rescale(d, clampToRange(d.recommended, d.spec));
}
