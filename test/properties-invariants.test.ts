// Proves each invariant predicate has teeth on its own: fed a hand-made breach of its rule (a step the
// engine would never produce), it names the breach; fed the honest step, it holds. Also proves every
// rejection message says what to do, for every error code the validator can produce.
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { initialState, step, type StepResult } from '../engine/step.js';
import {
  checkInvariants,
  crossTypeSwapRejected,
  failedRolloutRestoresPrior,
  lockedFieldsUnchanged,
  noManualRollbackAfterSuccess,
  rejectedEditChangesNothing,
  rolloutTerminates,
  rolloutWithinBudget,
  sameSpec,
  stepIsDeterministic,
} from '../engine/invariants.js';
import {
  BUILTIN_CATALOG,
  DEFAULT_PLATFORM_LIMITS,
  type EngineEffect,
  type EngineEvent,
  type EngineState,
  type ErrorCode,
} from '../engine/index.js';
import { validateEdit } from '../engine/validate.js';
import { editArb, fcParams, specArb } from './support/arbitraries.js';
import { baseSpec, engineOptions } from './support/engine-world.js';

const opts = engineOptions();
const at = 1_000;
const edit70b = { model: 'llama-3.1-70b', accelerator: { type: 'H100', count: 4 } };
// Built in beforeEach, not at import: StrykerJS switches a mutant on just before the tests run, so engine
// calls made at import would always see the unmutated engine.
let s0: EngineState;
let rolling: StepResult;
beforeEach(() => {
  s0 = initialState(baseSpec, opts);
  rolling = step(opts, s0, { type: 'edit/requested', atMs: at, edit: edit70b });
});

function rejection(code: ErrorCode, kind: 'edit' | 'rollback' = 'edit'): EngineEffect {
  return {
    type: 'action/ended',
    actionIndex: 0,
    kind,
    outcome: 'rejected',
    reason: null,
    errors: [{ code, field: '', message: 'x' }],
    inPlace: false,
    fromRevision: 1,
    toRevision: 1,
    rolloutDoneAtMs: null,
  };
}
const rolledBack: EngineEffect = {
  type: 'action/ended',
  actionIndex: 0,
  kind: 'edit',
  outcome: 'rolledBack',
  reason: 'HEALTH_CHECK_FAILED',
  errors: [],
  inPlace: false,
  fromRevision: 1,
  toRevision: 2,
  rolloutDoneAtMs: null,
};

/** The rolling state after its rollback ended (revision 1, prior spec, no revision-2 instance). */
function restored(state: EngineState): EngineState {
  const instances = new Map([...state.instances].filter(([, i]) => i.revision === 1));
  return { ...state, spec: baseSpec, revision: 1, instances, rollout: { phase: 'steady' } };
}

describe('each invariant predicate detects a hand-made breach', () => {
  it('1. lockedFieldsUnchanged names the field', () => {
    const next = { ...s0, spec: { ...s0.spec, cluster: 'elsewhere' } };
    const event: EngineEvent = { type: 'edit/requested', atMs: at, edit: {} };
    expect(lockedFieldsUnchanged(opts, s0, event, next, [])).toMatch(
      /locked field cluster changed: us-east-1-gpu → elsewhere/,
    );
    expect(lockedFieldsUnchanged(opts, s0, event, s0, [])).toBeNull();
  });

  it('2. crossTypeSwapRejected: not rejected, rejected for another reason, or rejected but changed', () => {
    const event: EngineEvent = { type: 'edit/requested', atMs: at, edit: { model: 'whisper-large-v3' } };
    expect(crossTypeSwapRejected(opts, s0, event, s0, [])).toMatch(
      /llm → stt was not rejected with MODEL_TYPE_MISMATCH/,
    );
    expect(crossTypeSwapRejected(opts, s0, event, s0, [rejection('LOCKED_FIELD')])).toMatch(/not rejected/);
    const changed = { ...s0, spec: { ...s0.spec, model: 'whisper-large-v3' } };
    expect(crossTypeSwapRejected(opts, s0, event, changed, [rejection('MODEL_TYPE_MISMATCH')])).toMatch(
      /changed the spec/,
    );
    expect(crossTypeSwapRejected(opts, s0, event, s0, [rejection('MODEL_TYPE_MISMATCH')])).toBeNull();
    // Same type, unknown model, or another event: nothing to say.
    const same: EngineEvent = { type: 'edit/requested', atMs: at, edit: { model: 'llama-3.1-70b' } };
    const unknown: EngineEvent = { type: 'edit/requested', atMs: at, edit: { model: 'gpt-17' } };
    expect(crossTypeSwapRejected(opts, s0, same, changed, [])).toBeNull();
    expect(crossTypeSwapRejected(opts, s0, unknown, changed, [])).toBeNull();
    expect(crossTypeSwapRejected(opts, s0, { type: 'rollback/requested', atMs: at }, changed, [])).toBeNull();
    // A deployment on a model the catalog does not know: no type to compare.
    const custom = { ...s0, spec: { ...s0.spec, model: 'my-own-model' } };
    expect(crossTypeSwapRejected(opts, custom, event, changed, [])).toBeNull();
  });

  it('3. failedRolloutRestoresPrior: no edit in progress, spec, revision, or instances left', () => {
    const prev = rolling.state;
    const event: EngineEvent = { type: 'timer/fired', atMs: at, key: { kind: 'progress' } };
    const good = restored(prev);
    expect(failedRolloutRestoresPrior(opts, prev, event, good, [rolledBack])).toBeNull();
    expect(failedRolloutRestoresPrior(opts, s0, event, good, [rolledBack])).toMatch(
      /without an edit in progress/,
    );
    expect(failedRolloutRestoresPrior(opts, prev, event, { ...good, spec: prev.spec }, [rolledBack])).toMatch(
      /not the prior spec/,
    );
    expect(failedRolloutRestoresPrior(opts, prev, event, { ...good, revision: 2 }, [rolledBack])).toMatch(
      /revision 2, not 1/,
    );
    const left = { ...good, instances: prev.instances };
    expect(failedRolloutRestoresPrior(opts, prev, event, left, [rolledBack])).toMatch(
      /1 instance\(s\) of failed revision 2 left/,
    );
    expect(failedRolloutRestoresPrior(opts, prev, event, left, [])).toBeNull();
  });

  it('4. noManualRollbackAfterSuccess: not rejected, or rejected but changed', () => {
    const event: EngineEvent = { type: 'rollback/requested', atMs: at };
    expect(noManualRollbackAfterSuccess(opts, s0, event, s0, [])).toMatch(
      /not rejected with MANUAL_ROLLBACK_UNSUPPORTED/,
    );
    expect(
      noManualRollbackAfterSuccess(opts, s0, event, s0, [rejection('EDIT_IN_PROGRESS', 'rollback')]),
    ).toMatch(/not rejected/);
    const ok = [rejection('MANUAL_ROLLBACK_UNSUPPORTED', 'rollback')];
    expect(noManualRollbackAfterSuccess(opts, s0, event, s0, ok)).toBeNull();
    expect(noManualRollbackAfterSuccess(opts, s0, event, { ...s0, revision: 2 }, ok)).toMatch(
      /changed the spec/,
    );
    expect(noManualRollbackAfterSuccess(opts, s0, event, { ...s0, spec: rolling.state.spec }, ok)).toMatch(
      /changed the spec/,
    );
    // During a rollout a rollback is an abort, not this rule's business.
    expect(noManualRollbackAfterSuccess(opts, rolling.state, event, rolling.state, [])).toBeNull();
    expect(
      noManualRollbackAfterSuccess(
        opts,
        s0,
        { type: 'timer/fired', atMs: at, key: { kind: 'progress' } },
        s0,
        [],
      ),
    ).toBeNull();
  });

  it('5. rolloutWithinBudget: a create past desired + surge, a drain below the floor', () => {
    const next = rolling.state;
    const event: EngineEvent = { type: 'edit/requested', atMs: at, edit: edit70b };
    expect(rolloutWithinBudget(opts, s0, event, next, rolling.effects)).toBeNull();
    const extra = { ...next.instances.get('r2-2')!, id: 'r2-9' };
    const over = { ...next, instances: new Map([...next.instances, ['r2-9', extra]]) };
    const create = rolling.effects.filter((e) => e.type === 'instance/create');
    expect(rolloutWithinBudget(opts, s0, event, over, create)).toMatch(
      /created instances up to 4, above desired 2 \+ surge = 3/,
    );
    // Counting draining instances or not follows the replacement policy.
    const draining = {
      ...next,
      instances: new Map([
        ...next.instances,
        ['r1-0', { ...next.instances.get('r1-0')!, terminating: true }],
      ]),
    };
    const terminationStarted = engineOptions({ podReplacementPolicy: 'TerminationStarted' });
    expect(
      rolloutWithinBudget(
        terminationStarted,
        s0,
        event,
        { ...over, instances: new Map([...over.instances, ['r1-0', draining.instances.get('r1-0')!]]) },
        create,
      ),
    ).toBeNull();
    const drain: EngineEffect[] = [{ type: 'instance/drain', instanceId: 'r1-0' }];
    expect(rolloutWithinBudget(opts, s0, event, draining, drain)).toMatch(
      /drained down to 1 available, below 2/,
    );
    // A forced rollback at its deadline, or a smaller desired count, may drain.
    const forced: EngineEvent = { type: 'timer/fired', atMs: at, key: { kind: 'rollbackDeadline' } };
    expect(rolloutWithinBudget(opts, s0, forced, draining, drain)).toBeNull();
    expect(rolloutWithinBudget(opts, s0, event, { ...draining, desired: 1 }, drain)).toBeNull();
    // A drain among other effects still counts; a smaller desired count may drain, even to nothing.
    expect(rolloutWithinBudget(opts, s0, event, draining, [...create, ...drain])).toMatch(
      /drained down to 1/,
    );
    const bothGone = {
      ...draining,
      desired: 1,
      instances: new Map([
        ...draining.instances,
        ['r1-1', { ...next.instances.get('r1-1')!, terminating: true }],
      ]),
    };
    expect(rolloutWithinBudget(opts, s0, event, bothGone, drain)).toBeNull();
  });

  it('5. rolloutWithinBudget counts draining instances under TerminationComplete only', () => {
    const event: EngineEvent = { type: 'edit/requested', atMs: at, edit: edit70b };
    const create = rolling.effects.filter((e) => e.type === 'instance/create');
    const next = rolling.state;
    const gone = (id: string) => ({ ...next.instances.get(id)!, terminating: true });
    // 3 instances + 1 draining: over D + surge = 3 only when draining instances hold their GPUs.
    const withDraining = {
      ...next,
      instances: new Map([...next.instances, ['r1-8', { ...gone('r1-0'), id: 'r1-8' }]]),
    };
    expect(rolloutWithinBudget(opts, s0, event, withDraining, create)).toMatch(/created instances up to 4/);
    const started = engineOptions({ podReplacementPolicy: 'TerminationStarted' });
    expect(rolloutWithinBudget(started, s0, event, withDraining, create)).toBeNull();
    const live = { ...next.instances.get('r2-2')!, id: 'r2-9' };
    const overLive = { ...withDraining, instances: new Map([...withDraining.instances, ['r2-9', live]]) };
    expect(rolloutWithinBudget(started, s0, event, overLive, create)).toMatch(/created instances up to 4/);
  });

  it('6. rolloutTerminates: rolling, monitoring or rolling back past its deadline', () => {
    const r = rolling.state.rollout;
    if (r.phase !== 'rolling') throw new Error('expected a rolling edit');
    const deadline = r.lastProgressAtMs + opts.rollout.progressDeadlineMs + 1;
    const event: EngineEvent = { type: 'timer/fired', atMs: deadline, key: { kind: 'progress' } };
    const still = (nowMs: number, rollout: EngineState['rollout']) => ({ ...rolling.state, nowMs, rollout });
    expect(rolloutTerminates(opts, s0, event, still(deadline, r), [])).toBeNull();
    expect(rolloutTerminates(opts, s0, event, still(deadline + 1, r), [])).toMatch(/still rolling at/);
    const monitoring = { ...r, phase: 'monitoring' as const, untilMs: 5_000, rolloutDoneAtMs: 4_000 };
    expect(rolloutTerminates(opts, s0, event, still(5_000, monitoring), [])).toBeNull();
    expect(rolloutTerminates(opts, s0, event, still(5_001, monitoring), [])).toMatch(
      /still monitoring at 5001 ms, past 5000/,
    );
    const back = {
      ...r,
      phase: 'rollingBack' as const,
      reason: 'MANUAL_ABORT' as const,
      failedRevision: 2,
      inPlace: false,
      rollbackStartedAtMs: 0,
      forced: false,
    };
    const due = opts.rollout.progressDeadlineMs;
    expect(rolloutTerminates(opts, s0, event, still(due, back), [])).toBeNull();
    expect(rolloutTerminates(opts, s0, event, still(due + 1, back), [])).toMatch(/still rolling back/);
    expect(rolloutTerminates(opts, s0, event, still(due + 1, { ...back, forced: true }), [])).toBeNull();
  });

  it('7. stepIsDeterministic: other effects or another state than stepping again gives', () => {
    const event: EngineEvent = { type: 'edit/requested', atMs: at, edit: edit70b };
    expect(stepIsDeterministic(opts, s0, event, rolling.state, rolling.effects)).toBeNull();
    expect(stepIsDeterministic(opts, s0, event, rolling.state, rolling.effects.slice(1))).toMatch(
      /different effects/,
    );
    expect(stepIsDeterministic(opts, s0, event, { ...rolling.state, desired: 7 }, rolling.effects)).toMatch(
      /different state/,
    );
  });

  it('8. rejectedEditChangesNothing: spec, revision, instance effects or instances changed', () => {
    const event: EngineEvent = { type: 'edit/requested', atMs: at, edit: { name: 'x' } };
    const rejected = [rejection('LOCKED_FIELD')];
    expect(rejectedEditChangesNothing(opts, s0, event, s0, rejected)).toBeNull();
    expect(rejectedEditChangesNothing(opts, s0, event, { ...s0, revision: 2 }, rejected)).toMatch(
      /changed the spec/,
    );
    expect(
      rejectedEditChangesNothing(opts, s0, event, { ...s0, spec: rolling.state.spec }, rejected),
    ).toMatch(/changed the spec/);
    for (const type of ['instance/drain', 'instance/terminate'] as const) {
      expect(
        rejectedEditChangesNothing(opts, s0, event, s0, [...rejected, { type, instanceId: 'r1-0' }]),
      ).toMatch(new RegExp(`caused ${type}`));
    }
    const apply: EngineEffect = { type: 'spec/apply', revision: 1, spec: baseSpec };
    expect(rejectedEditChangesNothing(opts, s0, event, s0, [...rejected, apply])).toMatch(
      /caused spec\/apply/,
    );
    const create = rolling.effects.filter((e) => e.type === 'instance/create');
    expect(rejectedEditChangesNothing(opts, s0, event, s0, [...rejected, ...create])).toMatch(
      /caused instance\/create/,
    );
    const relabelled = {
      ...s0,
      instances: new Map([...s0.instances, ['r1-0', { ...s0.instances.get('r1-0')!, revision: 3 }]]),
    };
    expect(rejectedEditChangesNothing(opts, s0, event, relabelled, rejected)).toMatch(
      /changed the instances/,
    );
    expect(rejectedEditChangesNothing(opts, s0, event, relabelled, [])).toBeNull();
  });

  it('checkInvariants names each broken predicate, and sameSpec ignores key order only', () => {
    const event: EngineEvent = { type: 'edit/requested', atMs: at, edit: { model: 'whisper-large-v3' } };
    const next = { ...s0, spec: { ...s0.spec, name: 'other', model: 'whisper-large-v3' } };
    const broken = checkInvariants(opts, s0, event, next, []);
    expect(broken.map((b) => b.split(':')[0])).toEqual([
      'lockedFieldsUnchanged',
      'crossTypeSwapRejected',
      'stepIsDeterministic',
    ]);
    expect(
      checkInvariants(opts, s0, event, ...((r) => [r.state, r.effects] as const)(step(opts, s0, event))),
    ).toEqual([]);
    const reordered = { ...baseSpec, tags: { team: 'ml-platform', env: 'production' } };
    expect(sameSpec(baseSpec, reordered)).toBe(true);
    expect(sameSpec(baseSpec, { ...baseSpec, tags: { env: 'production' } })).toBe(false);
    expect(sameSpec(baseSpec, { ...baseSpec, scaling: { ...baseSpec.scaling, metrics: [] } })).toBe(false);
  });
});

/** What each rejection must tell the user to do (or where the problem is). */
const ADVICE: Record<ErrorCode, RegExp> = {
  LOCKED_FIELD: /cannot be changed after creation .*create a new deployment/,
  MODEL_TYPE_MISMATCH:
    /cannot swap (an LLM|an? [\w-]+ (\(\w+\) )?model) \(.*\) for (an LLM|an? [\w-]+ (\(\w+\) )?model) \(.*same type.*Create a new deployment/,
  UNKNOWN_MODEL: /unknown model ".*"; known models: .*llama-3\.1-8b/,
  UNKNOWN_ACCELERATOR: /unknown GPU type ".*"; known GPUs: .*H100/,
  MODEL_ACCELERATOR_INCOMPATIBLE:
    /(GPUs per instance must be one of 1, 2, 4, 8 .*; got -?\d+\.)|(needs [\d.]+ GB .* offers [\d.]+ GB usable; accelerators that fit: .+\.)/,
  INVALID_SCALING_RANGE:
    /(must be a whole number)|(scale to zero\) is only allowed for async)|(must not exceed maxInstances)/,
  INVALID_METRIC:
    /(unknown metric ".*"; allowed: concurrency)|(is listed twice; keep one)|(queueDepth scales async deployments only)/,
  INVALID_THRESHOLD: /threshold must be (from 1 to 100 \(percent\)|a number greater than 0); got /,
  NOT_EDITABLE: /(only a deployed model can be edited)|(warm-pool deployments cannot be edited)/,
  EDIT_IN_PROGRESS: /already rolling out; wait until it completes or rolls back/,
  MANUAL_ROLLBACK_UNSUPPORTED: /submit a new edit/,
};

const ctx = { catalog: BUILTIN_CATALOG, limits: DEFAULT_PLATFORM_LIMITS, editInProgress: false };

describe('every rejection says what is wrong and what to do', () => {
  it('for generated specs and edits, each issue has its code, a field path and actionable advice', () => {
    fc.assert(
      fc.property(specArb, editArb, fc.boolean(), (spec, edit, editInProgress) => {
        const r = validateEdit(spec, edit, { ...ctx, editInProgress });
        if (r.ok) return;
        for (const issue of r.issues) {
          expect(issue.message).toMatch(ADVICE[issue.code]);
          if (issue.code === 'INVALID_SCALING_RANGE')
            expect(issue.field).toMatch(/^scaling\.(min|max)Instances$/);
          if (issue.code === 'INVALID_METRIC')
            expect(issue.field).toMatch(/^scaling\.metrics\[\d+\]\.metric$/);
          if (issue.code === 'INVALID_THRESHOLD')
            expect(issue.field).toMatch(/^scaling\.metrics\[\d+\]\.threshold$/);
          if (issue.code === 'UNKNOWN_ACCELERATOR') expect(issue.field).toBe('accelerator.type');
        }
      }),
      fcParams(500),
    );
  });

  it('a rollback with nothing to roll back, or after a success, says to submit a new edit', () => {
    const none = step(opts, s0, { type: 'rollback/requested', atMs: at }).effects.find(
      (e) => e.type === 'action/ended',
    );
    expect(none?.type === 'action/ended' && none.errors[0]?.message).toMatch(
      /there is no rollout to roll back; submit a new edit/,
    );
    const noop = step(opts, s0, { type: 'edit/requested', atMs: at, edit: {} }).state;
    const after = step(opts, noop, { type: 'rollback/requested', atMs: at }).effects.find(
      (e) => e.type === 'action/ended',
    );
    expect(after?.type === 'action/ended' && after.errors[0]?.message).toMatch(
      /the last edit succeeded and cannot be rolled back manually/,
    );
  });
});
