// The engine-level properties as reusable pieces: the generated world (spec, rollout settings, moves),
// the per-step checks, and the end-of-run checks after the world heals. Used by the default property
// suite and by the planted-bug tests, which must see the same properties fail.
import fc from 'fast-check';
import { checkInvariants, sameSpec } from '../../engine/invariants.js';
import {
  BUILTIN_CATALOG,
  DEFAULT_PLATFORM_LIMITS,
  LOCKED_FIELDS,
  type DeploymentSpec,
  type EngineOptions,
  type RolloutOptions,
  type SpecEdit,
} from '../../engine/index.js';
import { deployableSpecArb, engineEditArb, rolloutOptionsArb } from './arbitraries.js';
import { step } from '../../engine/step.js';
import type { EngineState } from '../../engine/state.js';
import { ChaosWorld, moveArb, nudge, PropertyViolation, type Move, type StepCheck } from './chaos-world.js';

/**
 * Known engine bugs, reported to the lead (docs/dev/mutation-section.md lists them too):
 * - F1: a step can end before the rollout's reconciliation settles, so the next unrelated event — even a
 *   rejected edit — creates or removes instances (breaks invariant 8). Until it is fixed the chaos world
 *   nudges the engine to rest after each step and recorded traces tolerate exactly that breach.
 * - F3: a rollback's deadline timer is keyed `rollbackDeadline` for every rollback, so a stale timer of
 *   an earlier rollback forces a later one out before its own deadline.
 * `ENGINE_STRICT=1` drops the nudges and the tolerance and adds the F3 check: every property then
 * reproduces both bugs. Once they are fixed, make strict the default and delete this switch.
 */
export const ENGINE_STRICT = process.env['ENGINE_STRICT'] === '1';
export const NUDGE_TO_REST = !ENGINE_STRICT;

export interface WorldCase {
  readonly spec: DeploymentSpec;
  readonly rollout: RolloutOptions;
  readonly moves: readonly Move[];
}

export interface WorldCaseConstraints {
  readonly maxMoves?: number;
  /** Edits to generate instead of the usual mix (the planted-bug tests narrow it to the rule's edits). */
  readonly edits?: (spec: DeploymentSpec) => fc.Arbitrary<SpecEdit>;
  readonly rollout?: fc.Arbitrary<RolloutOptions>;
}

/** A deployable spec, rollout settings, and a chaotic world's moves starting with an edit. */
export function worldCaseArb(c: WorldCaseConstraints = {}): fc.Arbitrary<WorldCase> {
  const edits = c.edits ?? ((spec: DeploymentSpec) => engineEditArb(spec));
  return fc
    .record({ spec: deployableSpecArb(), rollout: c.rollout ?? rolloutOptionsArb })
    .chain(({ spec, rollout }) => {
      const move = moveArb(edits(spec), spec.scaling.maxInstances + 2);
      const firstEdit = fc.record({
        kind: fc.constant('edit' as const),
        edit: edits(spec),
        delayMs: fc.constant(1_000),
      });
      return fc.record({
        spec: fc.constant(spec),
        rollout: fc.constant(rollout),
        moves: fc
          .tuple(firstEdit, fc.array(move, { maxLength: c.maxMoves ?? 60, size: 'medium' }))
          .map(([first, rest]) => [first, ...rest]),
      });
    });
}

export function optionsFor(rollout: RolloutOptions): EngineOptions {
  return { rollout, catalog: BUILTIN_CATALOG, limits: DEFAULT_PLATFORM_LIMITS };
}

// ---------------------------------------------------------------------------------------------
// Checks after every step.

/** The eight invariants of engine/invariants.ts. */
export const everyInvariant: StepCheck = ({ options, prev, event, next, effects }) => {
  const broken = checkInvariants(options, prev, event, next, effects);
  return broken.length === 0 ? null : broken.join('; ');
};

/** Whether the engine had work left over from its previous step (known bug F1): a no-op event acts. */
export function notAtRest(options: EngineOptions, state: EngineState): boolean {
  return step(options, state, nudge(state.nowMs)).effects.length > 0;
}

/**
 * The eight invariants, except a rejected request that only finishes the work the previous step left
 * (known bug F1) — for worlds that cannot be nudged, such as a recorded simulator trace. Counts them.
 */
export function everyInvariantExceptF1(tolerated: { count: number }): StepCheck {
  return (record, world) => {
    const broken = checkInvariants(record.options, record.prev, record.event, record.next, record.effects);
    if (broken.length === 0) return null;
    if (
      broken.every((b) => b.startsWith('rejectedEditChangesNothing')) &&
      notAtRest(record.options, record.prev)
    ) {
      tolerated.count++;
      return null;
    }
    return everyInvariant(record, world);
  };
}

/** Locked fields equal the initial spec's at every step (not only from one step to the next). */
export const lockedFieldsAsCreated: StepCheck = ({ next }, world) => {
  for (const field of LOCKED_FIELDS) {
    if (next.spec[field] !== world.initialSpec[field])
      return `lockedFieldsAsCreated: ${field} is ${next.spec[field]}, created as ${world.initialSpec[field]}`;
  }
  return null;
};

/**
 * Bookkeeping independent of the engine's own rollout record: the spec and revision in force when each
 * edit started; when it ends rolled back, both are back, no instance of the failed revision is left
 * (in the engine or in the world), and none is ever created again. The spec the world was last told
 * (spec/apply) is the engine's spec.
 */
export function rollbackAudit(): StepCheck {
  const started = new Map<number, { spec: DeploymentSpec; revision: number; toRevision: number }>();
  const failedRevisions = new Set<number>();
  let applied: DeploymentSpec | null = null;
  return ({ prev, next, effects }, world) => {
    for (const e of effects) {
      if (e.type === 'spec/apply') applied = e.spec;
      if (e.type === 'action/started' && e.kind === 'edit')
        started.set(e.actionIndex, { spec: prev.spec, revision: prev.revision, toRevision: e.toRevision });
      if (e.type === 'instance/create' && failedRevisions.has(e.revision))
        return `failedRolloutRestoresPrior: created ${e.instanceId} of failed revision ${e.revision}`;
    }
    for (const e of effects) {
      if (e.type !== 'action/ended' || e.outcome !== 'rolledBack') continue;
      const before = started.get(e.actionIndex);
      if (before === undefined)
        return `failedRolloutRestoresPrior: edit #${e.actionIndex} rolled back but never started`;
      failedRevisions.add(before.toRevision);
      if (!sameSpec(next.spec, before.spec))
        return `failedRolloutRestoresPrior: edit #${e.actionIndex} rolled back to ${JSON.stringify(next.spec)}, not the spec before it ${JSON.stringify(before.spec)}`;
      if (next.revision !== before.revision)
        return `failedRolloutRestoresPrior: edit #${e.actionIndex} rolled back to revision ${next.revision}, not ${before.revision}`;
      const left = [...next.instances.values()].filter((i) => i.revision === before.toRevision);
      // In-place edits relabel instances without telling the world (same template), so the world's labels
      // only count for rolling edits.
      const inWorld = !e.inPlace && world.worldRevisions().includes(before.toRevision);
      if (left.length > 0 || inWorld)
        return `failedRolloutRestoresPrior: edit #${e.actionIndex} rolled back with instances of failed revision ${before.toRevision} left`;
    }
    if (applied !== null && !sameSpec(applied, next.spec))
      return `specApplied: the world was last told ${JSON.stringify(applied)} but the engine's spec is ${JSON.stringify(next.spec)}`;
    return null;
  };
}

/** A deployment that is not editable (warm pool, not deployed) rejects every edit. */
export const notEditableRejects: StepCheck = ({ event, effects }, world) => {
  const s = world.initialSpec;
  if (event.type !== 'edit/requested' || (s.status === 'deployed' && !s.warmpool)) return null;
  const ended = effects.find((e) => e.type === 'action/ended');
  return ended?.type === 'action/ended' && ended.outcome === 'rejected'
    ? null
    : `notEditable: an edit of a ${s.warmpool ? 'warm-pool' : s.status} deployment was not rejected`;
};

/** F3: a rollback is forced out only once its own deadline (start + progress deadline) has passed. */
export const rollbackForcedOnlyAfterDeadline: StepCheck = ({ options, prev, event, next }) => {
  const r = next.rollout;
  if (r.phase !== 'rollingBack' || !r.forced || (prev.rollout.phase === 'rollingBack' && prev.rollout.forced))
    return null;
  const dueMs = r.rollbackStartedAtMs + options.rollout.progressDeadlineMs;
  return event.atMs >= dueMs
    ? null
    : `rollbackForcedOnlyAfterDeadline: the rollback started at ${r.rollbackStartedAtMs} ms was forced at ${event.atMs} ms, before its deadline ${dueMs} ms`;
};

/**
 * An in-place edit that does not raise the desired count (tags, metrics, a lower range) asks for no
 * instance, so it ends completed in the step that applied it, whatever the instances are doing (an
 * autoscaler scale-up waiting for GPUs, a crashed instance's replacement still to come).
 */
export const inPlaceWithoutMoreInstancesIsImmediate: StepCheck = ({ prev, next, effects }) => {
  const started = effects.find((e) => e.type === 'action/started' && e.kind === 'edit');
  if (started?.type !== 'action/started' || !started.inPlace || next.desired > prev.desired) return null;
  const ended = effects.find((e) => e.type === 'action/ended' && e.actionIndex === started.actionIndex);
  return ended?.type === 'action/ended' && ended.outcome === 'completed'
    ? null
    : `inPlaceWithoutMoreInstances: in-place edit #${started.actionIndex} (desired ${prev.desired} → ${next.desired}) did not complete at once`;
};

export function allStepChecks(invariants: StepCheck = everyInvariant): StepCheck[] {
  const checks = [
    invariants,
    lockedFieldsAsCreated,
    rollbackAudit(),
    notEditableRejects,
    inPlaceWithoutMoreInstancesIsImmediate,
  ];
  return ENGINE_STRICT ? [...checks, rollbackForcedOnlyAfterDeadline] : checks;
}

// ---------------------------------------------------------------------------------------------
// After the chaos: heal, then every rollout has ended within its deadlines plus a bounded cleanup.

/** Healing-world cleanup allowance: a few seconds per instance plus minReady, and slack. */
export function cleanupBoundMs(rollout: RolloutOptions, maxInstances: number): number {
  return (maxInstances + 3) * (rollout.minReadyMs + 10_000) + 5 * 60_000;
}

/**
 * Rolling until its progress deadline, then rolling back until the rollback deadline, or monitoring:
 * the longest an edit in flight when the chaos stops may take in a healthy world.
 */
export function terminationBoundMs(rollout: RolloutOptions, maxInstances: number): number {
  return rollout.progressDeadlineMs * 2 + rollout.monitorWindowMs + cleanupBoundMs(rollout, maxInstances);
}

export function settleAndCheck(world: ChaosWorld, chaosEndMs: number): void {
  world.settle();
  const s = world.state;
  const fail = (reason: string) => {
    throw new PropertyViolation(reason, world.log);
  };
  if (s.rollout.phase !== 'steady')
    fail(`rolloutTerminates: still ${s.rollout.phase} after the world healed`);
  const bound = terminationBoundMs(world.options.rollout, world.initialSpec.scaling.maxInstances);
  if (world.steadySinceMs > chaosEndMs + bound)
    fail(
      `rolloutTerminates: steady only at ${world.steadySinceMs} ms, ${world.steadySinceMs - chaosEndMs} ms after the chaos ended (bound ${bound} ms)`,
    );
  const live = [...s.instances.values()].filter((i) => !i.terminating);
  if (live.length !== s.desired || live.some((i) => !i.available || i.revision !== s.revision))
    fail(
      `converges: ${live.length} live instance(s) (${live.map((i) => `${i.id}${i.available ? '' : ' unavailable'}`).join(', ')}) for desired ${s.desired} at revision ${s.revision}`,
    );
  if (s.degraded) fail('converges: still degraded after the world healed');
}

/** Plays a generated world with every check; throws a PropertyViolation carrying the event log on failure. */
export function runWorldCase(c: WorldCase, checks = allStepChecks()): ChaosWorld {
  const world = new ChaosWorld(c.spec, optionsFor(c.rollout), checks);
  world.nudgeToRest = NUDGE_TO_REST;
  for (const move of c.moves) world.play(move);
  settleAndCheck(world, world.nowMs);
  return world;
}
