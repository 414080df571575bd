// The eight invariants of DESIGN.md as named predicates over one step: (options, prev, event, next,
// effects) -> null when it holds, else a reason. The engine's tests, the simulator (in test builds) and
// the property tests all use these same functions.
import { step } from './step.js';
import { maxSurge, minAvailable } from '../k8s/deployment.js';
import { LOCKED_FIELDS, type DeploymentSpec } from '../catalog/spec.js';
import type { EngineState } from './state.js';
import type { EngineEffect, EngineEvent, EngineOptions } from './types.js';

export type InvariantPredicate = (
  options: EngineOptions,
  prev: EngineState,
  event: EngineEvent,
  next: EngineState,
  effects: readonly EngineEffect[],
) => string | null;

/** 1. Locked fields never change. */
export const lockedFieldsUnchanged: InvariantPredicate = (_options, prev, _event, next) => {
  for (const field of LOCKED_FIELDS) {
    if (prev.spec[field] !== next.spec[field])
      return `locked field ${field} changed: ${prev.spec[field]} → ${next.spec[field]}`;
  }
  return null;
};

/** 2. A cross-type model swap is always rejected and changes nothing. */
export const crossTypeSwapRejected: InvariantPredicate = (options, prev, event, next, effects) => {
  if (event.type !== 'edit/requested' || event.edit.model === undefined) return null;
  const from = options.catalog.models[prev.spec.model];
  const to = options.catalog.models[event.edit.model];
  if (from === undefined || to === undefined || from.type === to.type) return null;
  const rejected = effects.some(
    (e) =>
      e.type === 'action/ended' &&
      e.outcome === 'rejected' &&
      e.errors.some((i) => i.code === 'MODEL_TYPE_MISMATCH'),
  );
  if (!rejected) return `cross-type swap ${from.type} → ${to.type} was not rejected with MODEL_TYPE_MISMATCH`;
  return sameSpec(prev.spec, next.spec) ? null : 'cross-type swap changed the spec';
};

/** 3. A failed rollout ends with the prior spec restored and no instance of the failed revision left. */
export const failedRolloutRestoresPrior: InvariantPredicate = (_options, prev, _event, next, effects) => {
  const ended = effects.some((e) => e.type === 'action/ended' && e.outcome === 'rolledBack');
  if (!ended) return null;
  const r = prev.rollout.phase === 'steady' ? null : prev.rollout;
  if (r === null) return 'a rollback ended without an edit in progress';
  if (!sameSpec(next.spec, r.priorSpec)) return 'rolled back, but the spec is not the prior spec';
  if (next.revision !== r.fromRevision)
    return `rolled back to revision ${next.revision}, not ${r.fromRevision}`;
  const left = [...next.instances.values()].filter((i) => i.revision === r.toRevision);
  return left.length === 0
    ? null
    : `rolled back with ${left.length} instance(s) of failed revision ${r.toRevision} left`;
};

/** 4. A succeeded edit cannot be rolled back manually. */
export const noManualRollbackAfterSuccess: InvariantPredicate = (_options, prev, event, next, effects) => {
  if (event.type !== 'rollback/requested' || prev.rollout.phase !== 'steady') return null;
  const rejected = effects.some(
    (e) =>
      e.type === 'action/ended' &&
      e.outcome === 'rejected' &&
      e.errors.some((i) => i.code === 'MANUAL_ROLLBACK_UNSUPPORTED'),
  );
  if (!rejected) return 'a rollback after the edit ended was not rejected with MANUAL_ROLLBACK_UNSUPPORTED';
  return sameSpec(prev.spec, next.spec) && prev.revision === next.revision
    ? null
    : 'a rejected rollback changed the spec';
};

/** 5. The engine never creates past desired + surge, nor drains below desired − maxUnavailable. */
export const rolloutWithinBudget: InvariantPredicate = (options, prev, event, next, effects) => {
  const strategy = {
    maxSurge: options.rollout.maxSurge,
    maxUnavailable: options.rollout.maxUnavailable,
  };
  const D = next.desired;
  if (effects.some((e) => e.type === 'instance/create')) {
    const total = countInstances(options, next);
    const budget = D + maxSurge(strategy, D);
    if (total > budget) return `created instances up to ${total}, above desired ${D} + surge = ${budget}`;
  }
  const forced = event.type === 'timer/fired' && event.key.kind === 'rollbackDeadline';
  if (!forced && prev.desired === D && effects.some((e) => e.type === 'instance/drain')) {
    const floor = Math.min(availableInstances(prev), minAvailable(strategy, D));
    const after = availableInstances(next);
    if (after < floor)
      return `drained down to ${after} available, below ${floor} (desired ${D} − maxUnavailable)`;
  }
  return null;
};

/** 6. Every rollout ends: rolling within its progress deadline, monitoring within its window, rollback within its deadline. */
export const rolloutTerminates: InvariantPredicate = (options, _prev, _event, next) => {
  const r = next.rollout;
  const o = options.rollout;
  if (r.phase === 'rolling' && next.nowMs > r.lastProgressAtMs + o.progressDeadlineMs + 1)
    return `still rolling at ${next.nowMs} ms, past the progress deadline (${r.lastProgressAtMs} + ${o.progressDeadlineMs})`;
  if (r.phase === 'monitoring' && next.nowMs > r.untilMs)
    return `still monitoring at ${next.nowMs} ms, past ${r.untilMs}`;
  if (r.phase === 'rollingBack' && !r.forced && next.nowMs > r.rollbackStartedAtMs + o.progressDeadlineMs)
    return `still rolling back at ${next.nowMs} ms, past its deadline`;
  return null;
};

/** 7. Same state + same event ⇒ the same next state and effects. */
export const stepIsDeterministic: InvariantPredicate = (options, prev, event, next, effects) => {
  const again = step(options, prev, event);
  if (JSON.stringify(again.effects) !== JSON.stringify(effects))
    return 'the same step produced different effects';
  return serialise(again.state) === serialise(next) ? null : 'the same step produced a different state';
};

/** 8. A rejected request changes nothing: spec, revision and instances are untouched. */
export const rejectedEditChangesNothing: InvariantPredicate = (_options, prev, _event, next, effects) => {
  if (!effects.some((e) => e.type === 'action/ended' && e.outcome === 'rejected')) return null;
  if (!sameSpec(prev.spec, next.spec) || prev.revision !== next.revision)
    return 'a rejected request changed the spec';
  const acting = effects.find(
    (e) =>
      e.type === 'instance/create' ||
      e.type === 'instance/drain' ||
      e.type === 'instance/terminate' ||
      e.type === 'spec/apply',
  );
  if (acting !== undefined) return `a rejected request caused ${acting.type}`;
  const ids = (s: EngineState) =>
    [...s.instances.values()]
      .map((i) => `${i.id}@${i.revision}`)
      .sort()
      .join(',');
  return ids(prev) === ids(next) ? null : 'a rejected request changed the instances';
};

export const INVARIANTS: Readonly<Record<string, InvariantPredicate>> = {
  lockedFieldsUnchanged,
  crossTypeSwapRejected,
  failedRolloutRestoresPrior,
  noManualRollbackAfterSuccess,
  rolloutWithinBudget,
  rolloutTerminates,
  stepIsDeterministic,
  rejectedEditChangesNothing,
};

/** Every invariant over one step; an empty list when all hold. */
export function checkInvariants(
  options: EngineOptions,
  prev: EngineState,
  event: EngineEvent,
  next: EngineState,
  effects: readonly EngineEffect[],
): string[] {
  const broken: string[] = [];
  for (const [name, predicate] of Object.entries(INVARIANTS)) {
    const reason = predicate(options, prev, event, next, effects);
    if (reason !== null) broken.push(`${name}: ${reason}`);
  }
  return broken;
}

/** A state as JSON, maps (the instances) as objects in their iteration order. */
function serialise(state: EngineState): string {
  return JSON.stringify(state, (_k, v: unknown): unknown =>
    v instanceof Map ? Object.fromEntries(v as Map<string, unknown>) : v,
  );
}

export function sameSpec(a: DeploymentSpec, b: DeploymentSpec): boolean {
  return a === b || canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : 1)))
      : v,
  );
}

function countInstances(options: EngineOptions, s: EngineState): number {
  const all = [...s.instances.values()];
  return options.rollout.podReplacementPolicy === 'TerminationComplete'
    ? all.length
    : all.filter((i) => !i.terminating).length;
}

function availableInstances(s: EngineState): number {
  return [...s.instances.values()].filter((i) => i.available && !i.terminating).length;
}
