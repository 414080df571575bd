// Proves the invariant predicates look at exactly the right thing: only a rejection counts as one, only the rollback deadline excuses a drain, and instance sets are compared as sets.
import { beforeEach, describe, expect, it } from 'vitest';
import { initialState, step, type StepResult } from '../engine/step.js';
import {
  crossTypeSwapRejected,
  noManualRollbackAfterSuccess,
  rejectedEditChangesNothing,
  rolloutWithinBudget,
} from '../engine/invariants.js';
import {
  BUILTIN_CATALOG,
  type EditOutcome,
  type EngineEffect,
  type EngineEvent,
  type EngineState,
  type ErrorCode,
  type TimerKey,
} from '../engine/index.js';
import { baseSpec, engineOptions } from './support/engine-world.js';

const at = 1_000;
const edit70b = { model: 'llama-3.1-70b', accelerator: { type: 'H100', count: 4 } };
// Built in beforeEach, not at import: StrykerJS switches a mutant on only after import.
const opts = engineOptions();
let s0: EngineState;
let rolling: StepResult;
beforeEach(() => {
  s0 = initialState(baseSpec, opts);
  rolling = step(opts, s0, { type: 'edit/requested', atMs: at, edit: edit70b });
});

function ended(outcome: EditOutcome, kind: 'edit' | 'rollback', codes: readonly ErrorCode[]): EngineEffect {
  return {
    type: 'action/ended',
    actionIndex: 0,
    kind,
    outcome,
    reason: null,
    errors: codes.map((code) => ({ code, field: '', message: 'x' })),
    inPlace: false,
    fromRevision: 1,
    toRevision: 1,
    rolloutDoneAtMs: null,
  };
}

describe('crossTypeSwapRejected', () => {
  it('an edit that names no model is never judged as a swap, whatever the catalog holds', () => {
    // A catalog entry keyed "undefined" (an stt model) must not be mistaken for the edit's model.
    const whisper = BUILTIN_CATALOG.models['whisper-large-v3']!;
    const catalog = {
      ...BUILTIN_CATALOG,
      models: { ...BUILTIN_CATALOG.models, undefined: { ...whisper, id: 'undefined' } },
    };
    const event: EngineEvent = { type: 'edit/requested', atMs: at, edit: { tags: { a: 'b' } } };
    expect(crossTypeSwapRejected({ ...opts, catalog }, s0, event, s0, [])).toBeNull();
  });

  it('only a rejection counts: a completed or rolled-back action naming MODEL_TYPE_MISMATCH is a breach', () => {
    const event: EngineEvent = { type: 'edit/requested', atMs: at, edit: { model: 'whisper-large-v3' } };
    for (const outcome of ['completed', 'rolledBack'] as const) {
      expect(
        crossTypeSwapRejected(opts, s0, event, s0, [ended(outcome, 'edit', ['MODEL_TYPE_MISMATCH'])]),
      ).toBe('cross-type swap llm → stt was not rejected with MODEL_TYPE_MISMATCH');
    }
    expect(
      crossTypeSwapRejected(opts, s0, event, s0, [ended('rejected', 'edit', ['MODEL_TYPE_MISMATCH'])]),
    ).toBeNull();
  });
});

describe('noManualRollbackAfterSuccess', () => {
  const rollback: EngineEvent = { type: 'rollback/requested', atMs: at };
  const breach = 'a rollback after the edit ended was not rejected with MANUAL_ROLLBACK_UNSUPPORTED';

  it('only a rejection counts: a completed action naming MANUAL_ROLLBACK_UNSUPPORTED is a breach', () => {
    const completed = ended('completed', 'rollback', ['MANUAL_ROLLBACK_UNSUPPORTED']);
    expect(noManualRollbackAfterSuccess(opts, s0, rollback, s0, [completed])).toBe(breach);
  });

  it('the rejection must name MANUAL_ROLLBACK_UNSUPPORTED among its errors, not be empty', () => {
    expect(noManualRollbackAfterSuccess(opts, s0, rollback, s0, [ended('rejected', 'rollback', [])])).toBe(
      breach,
    );
    const alongside = ended('rejected', 'rollback', ['EDIT_IN_PROGRESS', 'MANUAL_ROLLBACK_UNSUPPORTED']);
    expect(noManualRollbackAfterSuccess(opts, s0, rollback, s0, [alongside])).toBeNull();
  });
});

describe('rolloutWithinBudget', () => {
  it('only the rollback-deadline timer excuses a drain below the floor; other timers do not', () => {
    const next = rolling.state;
    const draining: EngineState = {
      ...next,
      instances: new Map([
        ...next.instances,
        ['r1-0', { ...next.instances.get('r1-0')!, terminating: true }],
      ]),
    };
    const drain: EngineEffect[] = [{ type: 'instance/drain', instanceId: 'r1-0' }];
    const breach = 'drained down to 1 available, below 2 (desired 2 − maxUnavailable)';
    for (const key of [
      { kind: 'progress' },
      { kind: 'monitor' },
      { kind: 'minReady', instanceId: 'r1-0' },
    ] satisfies TimerKey[]) {
      const timer: EngineEvent = { type: 'timer/fired', atMs: at, key };
      expect(rolloutWithinBudget(opts, s0, timer, draining, drain)).toBe(breach);
    }
    const deadline: EngineEvent = { type: 'timer/fired', atMs: at, key: { kind: 'rollbackDeadline' } };
    expect(rolloutWithinBudget(opts, s0, deadline, draining, drain)).toBeNull();
  });
});

describe('rejectedEditChangesNothing', () => {
  const event: EngineEvent = { type: 'edit/requested', atMs: at, edit: { name: 'x' } };
  const rejected = () => [ended('rejected', 'edit', ['LOCKED_FIELD'])];

  it('the same instances listed in another order are unchanged', () => {
    const reordered: EngineState = {
      ...s0,
      instances: new Map([...s0.instances].reverse()),
    };
    expect([...reordered.instances.keys()]).not.toEqual([...s0.instances.keys()]);
    expect(rejectedEditChangesNothing(opts, s0, event, reordered, rejected())).toBeNull();
  });

  it('instances are compared one by one: two instances are not the same as one whose id runs them together', () => {
    const ids = [...s0.instances.keys()].sort();
    expect(ids).toEqual(['r1-0', 'r1-1']);
    const mergedId = 'r1-0@1r1-1';
    const merged: EngineState = {
      ...s0,
      instances: new Map([[mergedId, { ...s0.instances.get('r1-0')!, id: mergedId, revision: 1 }]]),
    };
    expect(rejectedEditChangesNothing(opts, s0, event, merged, rejected())).toBe(
      'a rejected request changed the instances',
    );
  });
});
