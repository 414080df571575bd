// Proves the engine agrees with a deliberately simple model of specs, revisions and instance counts
// (fc.commands): edits valid and invalid, in place and rolling, bad versions, aborts, scaling, crashes
// and failing probes; after every command the spec, revision, desired count and outcomes must match.
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { sameSpec } from '../engine/invariants.js';
import {
  BUILTIN_CATALOG,
  LOCKED_FIELDS,
  type DeploymentSpec,
  type EngineEffect,
  type ErrorCode,
  type RollbackReason,
  type RolloutOptions,
  type SpecEdit,
} from '../engine/index.js';
import {
  deployableSpecArb,
  fcParams,
  fittingAccelerators,
  MODEL_IDS,
  modelTypeOf,
  type EditIntent,
} from './support/arbitraries.js';
import {
  ChaosWorld,
  PropertyViolation,
  type WorldCrashCause,
  type FaultMode,
  type StepCheck,
} from './support/chaos-world.js';
import { allStepChecks, NUDGE_TO_REST, optionsFor } from './support/engine-properties.js';

// ---------------------------------------------------------------------------------------------
// The model: what a user can know without reading the engine.

interface Model {
  spec: DeploymentSpec;
  revision: number;
  maxRevision: number;
  desired: number;
  /** The autoscaler's last recommendation. */
  recommended: number;
  readonly editable: boolean;
  readonly rollout: RolloutOptions;
}

interface Outcome {
  readonly kind: 'edit' | 'rollback';
  readonly outcome: 'completed' | 'rolledBack' | 'rejected';
  readonly reason: RollbackReason | null;
  readonly codes: readonly ErrorCode[];
}

const done = (
  kind: Outcome['kind'],
  outcome: Outcome['outcome'],
  reason: RollbackReason | null = null,
): Outcome => ({
  kind,
  outcome,
  reason,
  codes: [],
});
const rejected = (kind: Outcome['kind'], codes: readonly ErrorCode[]): Outcome => ({
  kind,
  outcome: 'rejected',
  reason: null,
  codes: [...new Set(codes)].sort(),
});

function clamp(n: number, spec: DeploymentSpec): number {
  return Math.min(spec.scaling.maxInstances, Math.max(spec.scaling.minInstances, n));
}

/** The model's own merge: model/accelerator/scaling override, tags merge, a null tag removes. */
function merge(spec: DeploymentSpec, edit: SpecEdit): DeploymentSpec {
  const tags: Record<string, string> = { ...spec.tags };
  for (const [k, v] of Object.entries(edit.tags ?? {})) {
    if (v === null) delete tags[k];
    else tags[k] = v;
  }
  return {
    ...spec,
    model: edit.model ?? spec.model,
    accelerator: { ...spec.accelerator, ...edit.accelerator },
    scaling: { ...spec.scaling, ...edit.scaling },
    tags,
  };
}

/** The model's own rules: which error codes an edit earns (empty: accepted). */
function codesFor(m: Model, edit: SpecEdit): ErrorCode[] {
  const codes: ErrorCode[] = m.editable ? [] : ['NOT_EDITABLE'];
  const next = merge(m.spec, edit);
  if (LOCKED_FIELDS.some((f) => edit[f] !== undefined && edit[f] !== m.spec[f])) codes.push('LOCKED_FIELD');
  const model = BUILTIN_CATALOG.models[next.model];
  const gpu = BUILTIN_CATALOG.gpus[next.accelerator.type];
  if (model === undefined) codes.push('UNKNOWN_MODEL');
  else if (model.type !== modelTypeOf(m.spec.model)) codes.push('MODEL_TYPE_MISMATCH');
  if (
    model !== undefined &&
    gpu !== undefined &&
    model.memoryGB > 0.9 * gpu.memoryGB * next.accelerator.count + 1e-9
  )
    codes.push('MODEL_ACCELERATOR_INCOMPATIBLE');
  const { minInstances: min, maxInstances: max } = next.scaling;
  if (min < 1 || max < 1 || min > max) codes.push('INVALID_SCALING_RANGE');
  return codes;
}

function kindOf(before: DeploymentSpec, after: DeploymentSpec): 'noop' | 'inPlace' | 'rolling' {
  if (
    before.model !== after.model ||
    before.accelerator.type !== after.accelerator.type ||
    before.accelerator.count !== after.accelerator.count
  )
    return 'rolling';
  return sameSpec(before, after) ? 'noop' : 'inPlace';
}

/** The reason a bad version earns, or null when the edit still completes. */
function reasonFor(fault: FaultMode | 'none', kind: 'inPlace' | 'rolling', m: Model): RollbackReason | null {
  switch (fault) {
    case 'none':
      return null;
    case 'failHealth':
    case 'crashOnLoad':
      return 'HEALTH_CHECK_FAILED';
    case 'unschedulable':
      return 'RESOURCE_UNAVAILABLE';
    case 'slowLoad':
      // In place there is no progress deadline: the load timeout counts as a crash, and crashes loop.
      return kind === 'rolling' ? 'PROGRESS_DEADLINE_EXCEEDED' : 'HEALTH_CHECK_FAILED';
    case 'unstable':
      // Only rolling edits have a monitoring window, and a zero window ends before anything can crash.
      return kind === 'rolling' && m.rollout.monitorWindowMs > 0 ? 'UNSTABLE_AFTER_EDIT' : null;
  }
}

// ---------------------------------------------------------------------------------------------
// The real system: the engine in a world that heals between commands.

interface Real {
  readonly world: ChaosWorld;
  readonly ended: Extract<EngineEffect, { type: 'action/ended' }>[];
}

function observed(real: Real): Outcome[] {
  return real.ended.splice(0).map((e) =>
    e.outcome === 'rejected'
      ? rejected(
          e.kind,
          e.errors.map((i) => i.code),
        )
      : done(e.kind, e.outcome, e.reason),
  );
}

function fail(real: Real, message: string): never {
  throw new PropertyViolation(message, real.world.log);
}

/** After every command: the world is at rest and agrees with the model. */
function agree(m: Model, real: Real, expected: readonly Outcome[]): void {
  const got = observed(real);
  if (JSON.stringify(got) !== JSON.stringify(expected))
    fail(real, `outcomes: expected ${JSON.stringify(expected)}, got ${JSON.stringify(got)}`);
  const s = real.world.state;
  if (s.rollout.phase !== 'steady') fail(real, `phase ${s.rollout.phase} after the world healed`);
  if (!sameSpec(s.spec, m.spec))
    fail(real, `spec: model ${JSON.stringify(m.spec)}, engine ${JSON.stringify(s.spec)}`);
  if (s.revision !== m.revision) fail(real, `revision: model ${m.revision}, engine ${s.revision}`);
  if (s.desired !== m.desired) fail(real, `desired: model ${m.desired}, engine ${s.desired}`);
  const live = [...s.instances.values()].filter((i) => !i.terminating);
  const good = live.filter((i) => i.available && i.revision === m.revision);
  if (live.length !== m.desired || good.length !== m.desired)
    fail(
      real,
      `instances: ${live.length} live, ${good.length} available at revision ${m.revision}; model wants ${m.desired}`,
    );
}

// ---------------------------------------------------------------------------------------------
// Commands.

const MODEL_INTENTS = [
  'tags',
  'scaling',
  'badScaling',
  'sameTypeModel',
  'accelerator',
  'crossType',
  'locked',
  'lockedPlusValid',
  'unknownModel',
  'misfit',
] as const;
type ModelIntent = (typeof MODEL_INTENTS)[number] & EditIntent;

/** Builds the concrete edit for an intent from the model's spec; `pick` chooses among the candidates. */
function editFor(intent: ModelIntent, spec: DeploymentSpec, pick: number): SpecEdit {
  const choose = <T>(xs: readonly T[]): T => xs[pick % xs.length] as T;
  const sameType = MODEL_IDS.filter((id) => modelTypeOf(id) === modelTypeOf(spec.model));
  const otherType = MODEL_IDS.filter((id) => modelTypeOf(id) !== modelTypeOf(spec.model));
  const swap = (models: readonly string[]) => {
    const model = choose(models);
    return { model, accelerator: choose(fittingAccelerators(model)) };
  };
  switch (intent) {
    case 'tags':
      return { tags: { [choose(['env', 'team', 'cost'])]: choose(['a', 'b', null, 'prod']) } };
    case 'scaling': {
      const min = 1 + (pick % 3);
      return { scaling: { minInstances: min, maxInstances: min + ((pick >> 2) % 3) } };
    }
    case 'badScaling':
      return choose([
        { scaling: { minInstances: 4, maxInstances: 2 } },
        { scaling: { maxInstances: 0 } },
        { scaling: { minInstances: -1 } },
      ]);
    case 'sameTypeModel':
      return swap(sameType);
    case 'accelerator':
      return { accelerator: choose(fittingAccelerators(spec.model)) };
    case 'crossType':
      return swap(otherType);
    case 'locked': {
      const field = choose(LOCKED_FIELDS);
      return {
        [field]:
          field === 'processingType'
            ? spec.processingType === 'sync'
              ? 'async'
              : 'sync'
            : `${spec[field]}-2`,
      };
    }
    case 'lockedPlusValid':
      return { ...swap(sameType), cluster: `${spec.cluster}-2` };
    case 'unknownModel':
      return { model: 'gpt-17' };
    case 'misfit':
      return { model: choose(MODEL_IDS), accelerator: { type: 'T4', count: 1 } };
  }
}

interface EditPlan {
  readonly intent: ModelIntent;
  readonly pick: number;
  readonly fault: FaultMode | 'none';
  readonly abort: boolean;
  readonly followUp: { readonly intent: ModelIntent; readonly pick: number } | null;
}

class EditCommand implements fc.Command<Model, Real> {
  private shown = '';
  constructor(readonly plan: EditPlan) {}
  check(): boolean {
    return true;
  }
  run(m: Model, real: Real): void {
    const { plan } = this;
    const edit = editFor(plan.intent, m.spec, plan.pick);
    this.shown = JSON.stringify(edit);
    const expected: Outcome[] = [];
    const codes = codesFor(m, edit);
    const next = merge(m.spec, edit);
    const kind = codes.length > 0 ? 'rejected' : kindOf(m.spec, next);
    real.world.play({ kind: 'edit', edit, delayMs: 1_000 });
    if (kind === 'rejected' || kind === 'noop') {
      expected.push(kind === 'rejected' ? rejected('edit', codes) : done('edit', 'completed'));
      if (plan.abort) this.abortAfterSuccess(real, expected);
      real.world.settle();
      return agree(m, real, expected);
    }
    const revision = m.maxRevision + 1;
    const newDesired = clamp(m.recommended, next);
    const busy = kind === 'rolling' || newDesired > m.desired;
    if (!busy) {
      expected.push(done('edit', 'completed'));
      Object.assign(m, { spec: next, revision, maxRevision: revision, desired: newDesired });
      if (plan.abort) this.abortAfterSuccess(real, expected);
      real.world.settle();
      return agree(m, real, expected);
    }
    if (plan.followUp !== null) {
      const follow = editFor(plan.followUp.intent, next, plan.followUp.pick);
      this.shown += ` then ${JSON.stringify(follow)}`;
      const followModel = { ...m, spec: next, editable: true };
      expected.push(rejected('edit', ['EDIT_IN_PROGRESS', ...codesFor(followModel, follow)]));
      real.world.play({ kind: 'edit', edit: follow, delayMs: 0 });
    }
    const reason = plan.abort ? 'MANUAL_ABORT' : reasonFor(plan.fault, kind, m);
    if (plan.abort) {
      expected.push(done('rollback', 'completed'));
      real.world.play({ kind: 'rollback', delayMs: 1_000 });
    }
    real.world.settle(plan.fault === 'none' ? undefined : { revision, mode: plan.fault });
    m.maxRevision = revision;
    if (reason === null) {
      expected.push(done('edit', 'completed'));
      Object.assign(m, { spec: next, revision, desired: newDesired });
    } else {
      expected.push(done('edit', 'rolledBack', reason));
      m.desired = clamp(Math.max(m.desired, m.recommended), m.spec);
    }
    agree(m, real, expected);
  }
  /** A rollback asked for after the edit ended is refused. */
  private abortAfterSuccess(real: Real, expected: Outcome[]): void {
    real.world.play({ kind: 'rollback', delayMs: 1_000 });
    expected.push(rejected('rollback', ['MANUAL_ROLLBACK_UNSUPPORTED']));
  }
  toString(): string {
    const p = this.plan;
    const extras = [
      p.fault !== 'none' ? `fault=${p.fault}` : '',
      p.abort ? 'abort' : '',
      p.followUp !== null ? `followUp=${p.followUp.intent}` : '',
    ]
      .filter(Boolean)
      .join(' ');
    return `edit(${p.intent}#${p.pick}${extras !== '' ? ` ${extras}` : ''})${this.shown !== '' ? ` ${this.shown}` : ''}`;
  }
}

class ScaleCommand implements fc.Command<Model, Real> {
  constructor(readonly desired: number) {}
  check(): boolean {
    return true;
  }
  run(m: Model, real: Real): void {
    real.world.play({ kind: 'autoscale', desired: this.desired, delayMs: 15_000 });
    real.world.settle();
    m.recommended = this.desired;
    m.desired = clamp(this.desired, m.spec);
    agree(m, real, []);
  }
  toString(): string {
    return `autoscale(${this.desired})`;
  }
}

class CrashCommand implements fc.Command<Model, Real> {
  constructor(
    readonly pick: number,
    readonly cause: WorldCrashCause,
  ) {}
  check(): boolean {
    return true;
  }
  run(m: Model, real: Real): void {
    real.world.play({ kind: 'crash', pick: this.pick, cause: this.cause, delayMs: 30_000 });
    real.world.settle();
    agree(m, real, []);
  }
  toString(): string {
    return `crash(#${this.pick}, ${this.cause})`;
  }
}

class ProbeFailuresCommand implements fc.Command<Model, Real> {
  constructor(
    readonly pick: number,
    readonly failures: number,
  ) {}
  check(): boolean {
    return true;
  }
  run(m: Model, real: Real): void {
    for (let i = 0; i < this.failures; i++)
      real.world.play({ kind: 'probe', pick: this.pick, pass: false, delayMs: 10_000 });
    real.world.settle();
    agree(m, real, []);
  }
  toString(): string {
    return `probeFailures(#${this.pick} x${this.failures})`;
  }
}

class RollbackCommand implements fc.Command<Model, Real> {
  check(): boolean {
    return true;
  }
  run(m: Model, real: Real): void {
    real.world.play({ kind: 'rollback', delayMs: 60_000 });
    real.world.settle();
    agree(m, real, [rejected('rollback', ['MANUAL_ROLLBACK_UNSUPPORTED'])]);
  }
  toString(): string {
    return 'rollback()';
  }
}

const intentArb = fc.constantFrom<ModelIntent>(...MODEL_INTENTS);
const pickArb = fc.nat({ max: 15 });

const commandArbs = [
  fc
    .record({
      intent: fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom<ModelIntent>('sameTypeModel', 'accelerator', 'scaling') },
        { weight: 2, arbitrary: intentArb },
      ),
      pick: pickArb,
      fault: fc.oneof(
        { weight: 3, arbitrary: fc.constant('none' as const) },
        {
          weight: 3,
          arbitrary: fc.constantFrom<FaultMode>(
            'failHealth',
            'crashOnLoad',
            'unschedulable',
            'slowLoad',
            'unstable',
          ),
        },
      ),
      abort: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
      followUp: fc.option(fc.record({ intent: intentArb, pick: pickArb }), { nil: null }),
    })
    .map((plan) => new EditCommand(plan)),
  fc.integer({ min: 0, max: 6 }).map((n) => new ScaleCommand(n)),
  fc
    .record({
      pick: pickArb,
      cause: fc.constantFrom<WorldCrashCause>('crashUnderLoad', 'nodeFailure', 'gpuFailure'),
    })
    .map(({ pick, cause }) => new CrashCommand(pick, cause)),
  fc
    .record({ pick: pickArb, failures: fc.integer({ min: 1, max: 4 }) })
    .map(({ pick, failures }) => new ProbeFailuresCommand(pick, failures)),
  fc.constant(new RollbackCommand()),
];

/** Rollout settings where each bad version has one predictable reason (scheduling < progress < load timeouts). */
const modelRolloutArb: fc.Arbitrary<RolloutOptions> = fc.record({
  maxSurge: fc.constantFrom(0, 1, 2, '25%' as const, '50%' as const),
  maxUnavailable: fc.constantFrom(0, 0, 1, '25%' as const),
  schedulingTimeoutMs: fc.constant(2 * 60_000),
  loadTimeoutMs: fc.constant(45 * 60_000),
  healthCheck: fc.record({
    initialDelayMs: fc.constant(0),
    periodMs: fc.constant(10_000),
    timeoutMs: fc.constant(2_000),
    successThreshold: fc.integer({ min: 1, max: 2 }),
    failureThreshold: fc.integer({ min: 1, max: 3 }),
  }),
  minReadyMs: fc.constantFrom(0, 15_000),
  progressDeadlineMs: fc.constant(10 * 60_000),
  monitorWindowMs: fc.constantFrom(0, 5 * 60_000),
  podReplacementPolicy: fc.constantFrom('TerminationComplete' as const, 'TerminationStarted' as const),
});

const syncSpecArb = deployableSpecArb({ maxInstances: 4, notEditablePercent: 10 }).map(
  (s): DeploymentSpec => ({
    ...s,
    processingType: 'sync',
    scaling: {
      ...s.scaling,
      minInstances: Math.max(1, s.scaling.minInstances),
      metrics: s.scaling.metrics.filter((x) => x.metric !== 'queueDepth'),
    },
  }),
);

describe('model-based: the engine against a simple model of revisions and counts', () => {
  it('agrees with the model after every command', () => {
    fc.assert(
      fc.property(
        syncSpecArb,
        modelRolloutArb,
        fc.commands(commandArbs, { maxCommands: 12 }),
        (spec, rollout, cmds) => {
          const ended: Real['ended'] = [];
          const collect: StepCheck = ({ effects }) => {
            for (const e of effects) if (e.type === 'action/ended') ended.push(e);
            return null;
          };
          const world = new ChaosWorld(spec, optionsFor(rollout), [...allStepChecks(), collect]);
          world.nudgeToRest = NUDGE_TO_REST;
          // Only a deployed model has instances at t=0 (initialState).
          const min = spec.status === 'deployed' ? spec.scaling.minInstances : 0;
          const model: Model = {
            spec,
            revision: 1,
            maxRevision: 1,
            desired: min,
            recommended: min,
            editable: spec.status === 'deployed' && !spec.warmpool,
            rollout,
          };
          fc.modelRun(() => ({ model, real: { world, ended } }), cmds);
        },
      ),
      fcParams(300),
    );
  });
});
