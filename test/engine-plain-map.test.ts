// Proves the engine steps a state whose instances are a plain Map (a state built by hand, or read back
// from elsewhere) exactly as it steps the same state held in its instance table: the same effects and
// the same next state, step after step, through generated rollouts, rollbacks, resizes and failures;
// that a state held in the table stays in the table; and that an id the table cannot keep in a Map's
// order carries on in a plain Map.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DeploymentSpec } from '../catalog/spec.js';
import { InstanceTable } from '../engine/instance-table.js';
import type { EngineState } from '../engine/state.js';
import { initialState, step } from '../engine/step.js';
import type { CrashCause, EngineEvent, RolloutOptions } from '../engine/types.js';
import { fcParams } from './support/arbitraries.js';
import { Drive } from './support/engine-drive.js';
import { baseSpec, engineOptions } from './support/engine-world.js';

/** The state with its instances as a list of entries, so a table and a Map compare equal. */
function plain(s: EngineState) {
  return { ...s, instances: [...s.instances.entries()] };
}

/** Steps every event twice, from the table and from the same instances in a plain Map, and compares. */
class TwinDrive extends Drive {
  override send(event: EngineEvent) {
    const prev = this.state;
    const viaMap = step(this.options, { ...prev, instances: new Map(prev.instances) }, event);
    const effects = super.send(event);
    expect(viaMap.effects).toEqual(effects);
    expect(plain(viaMap.state)).toEqual(plain(this.state));
    // A state held in the table stays in the table.
    expect(this.state.instances).toBeInstanceOf(InstanceTable);
    return effects;
  }
}

type Op =
  | { readonly kind: 'scheduled' | 'ready' | 'pass' | 'fail' | 'terminated'; readonly pick: number }
  | { readonly kind: 'crash'; readonly pick: number; readonly cause: CrashCause }
  | { readonly kind: 'rollback' | 'edit' | 'progress' | 'rollbackDeadline' | 'monitor' }
  | { readonly kind: 'desired'; readonly n: number };

const pick = fc.nat({ max: 9 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('scheduled' as const), pick }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('ready' as const), pick }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('pass' as const), pick }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('fail' as const), pick }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('terminated' as const), pick }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('crash' as const),
      pick,
      cause: fc.constantFrom<CrashCause>('crashOnLoad', 'crashUnderLoad', 'nodeFailure'),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('desired' as const), n: fc.nat({ max: 8 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constantFrom('rollback' as const, 'edit' as const, 'progress' as const),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constantFrom('rollbackDeadline' as const, 'monitor' as const) }),
  },
);

const rolloutArb: fc.Arbitrary<Partial<RolloutOptions>> = fc
  .record({
    maxSurge: fc.constantFrom<RolloutOptions['maxSurge']>(0, 1, 2, '25%'),
    maxUnavailable: fc.constantFrom<RolloutOptions['maxUnavailable']>(0, 1, '50%'),
    podReplacementPolicy: fc.constantFrom('TerminationComplete' as const, 'TerminationStarted' as const),
    monitorWindowMs: fc.constantFrom(0, 60_000),
  })
  .map((r) => (r.maxSurge === 0 && r.maxUnavailable === 0 ? { ...r, maxUnavailable: 1 } : r));

/**
 * Fires, in time order, the deadline timers that fall before `atMs`, as the simulator would: the ops
 * name timers only at random, and a rollout left monitoring past its window (or rolling past its
 * deadline) breaks the rolloutTerminates invariant through the driver, not the engine.
 */
function fireDue(d: TwinDrive, atMs: number): void {
  const deadlineMs = d.options.rollout.progressDeadlineMs;
  for (let guard = 0; guard < 8; guard++) {
    const r = d.state.rollout;
    const due =
      r.phase === 'monitoring'
        ? { kind: 'monitor' as const, at: r.untilMs }
        : r.phase === 'rolling'
          ? { kind: 'progress' as const, at: r.lastProgressAtMs + deadlineMs + 1 }
          : r.phase === 'rollingBack' && !r.forced
            ? { kind: 'rollbackDeadline' as const, at: r.rollbackStartedAtMs + deadlineMs }
            : null;
    if (due === null || due.at >= atMs) return;
    d.timer(Math.max(due.at, d.state.nowMs), { kind: due.kind });
  }
}

/** Plays one op against the twin, naming an instance of the right kind by `pick`. */
function play(d: TwinDrive, op: Op, atMs: number): void {
  fireDue(d, atMs);
  const all = [...d.state.instances.values()];
  const choose = (ids: readonly string[], k: number) => ids[k % Math.max(1, ids.length)];
  const of = (pred: (i: (typeof all)[number]) => boolean, k: number) =>
    choose(
      all.filter(pred).map((i) => i.id),
      k,
    );
  switch (op.kind) {
    case 'scheduled': {
      const id = of((i) => i.phase === 'pending', op.pick);
      if (id !== undefined) d.scheduled(atMs, id);
      return;
    }
    case 'ready': {
      const id = of((i) => i.phase === 'loading', op.pick);
      if (id !== undefined) d.ready(atMs, id);
      return;
    }
    case 'pass':
    case 'fail': {
      const id = of((i) => i.phase === 'ready' && !i.terminating, op.pick);
      if (id !== undefined && op.kind === 'pass') d.pass(atMs, id);
      else if (id !== undefined) d.fail(atMs, id);
      return;
    }
    case 'terminated': {
      const id = of((i) => i.terminating, op.pick);
      if (id !== undefined) d.terminated(atMs, id);
      return;
    }
    case 'crash': {
      const id = of(() => true, op.pick);
      if (id !== undefined) d.crash(atMs, id, op.cause);
      return;
    }
    case 'desired':
      d.desired(atMs, op.n);
      return;
    case 'rollback':
      d.send({ type: 'rollback/requested', atMs });
      return;
    case 'edit':
      d.edit(atMs, { accelerator: { count: d.state.spec.accelerator.count === 4 ? 8 : 4 } });
      return;
    case 'progress':
    case 'rollbackDeadline':
    case 'monitor':
      d.timer(atMs, { kind: op.kind });
      return;
  }
}

describe('a state whose instances are a plain Map', () => {
  it('steps exactly as the same state held in the instance table', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        rolloutArb,
        fc.array(opArb, { maxLength: 40 }),
        (min, rollout, ops) => {
          const spec: DeploymentSpec = { ...baseSpec, scaling: { ...baseSpec.scaling, minInstances: min } };
          const d = new TwinDrive(rollout, spec);
          d.edit(1_000);
          ops.forEach((op, k) => play(d, op, 2_000 + k * 30_000));
        },
      ),
      fcParams(200),
    );
  });

  it('an id the table cannot keep in order (below the highest) carries on in a plain Map, in Map order', () => {
    const opts = engineOptions();
    const s0 = initialState(baseSpec, opts);
    const gone = step(opts, s0, {
      type: 'instance/crashed',
      atMs: 1_000,
      instanceId: 'r1-0',
      cause: 'nodeFailure',
    });
    const replaced = step(opts, gone.state, { type: 'instance/terminated', atMs: 1_001, instanceId: 'r1-0' });
    expect([...replaced.state.instances.keys()]).toEqual(['r1-1', 'r1-2']);
    expect(replaced.state.instances).toBeInstanceOf(InstanceTable);
    // A state built by hand whose next id is lower than one it holds: the new r1-0 goes last.
    const handMade: EngineState = { ...replaced.state, nextInstanceSeq: 0 };
    const grown = step(opts, handMade, { type: 'autoscaler/desiredChanged', atMs: 2_000, desired: 3 });
    expect(grown.effects).toContainEqual(
      expect.objectContaining({ type: 'instance/create', instanceId: 'r1-0' }),
    );
    expect(grown.state.instances).not.toBeInstanceOf(InstanceTable);
    expect([...grown.state.instances.keys()]).toEqual(['r1-1', 'r1-2', 'r1-0']);
    // And the engine carries on from there with the right counts: the new instance comes up.
    let s = grown.state;
    for (const event of [
      { type: 'instance/scheduled', atMs: 3_000, instanceId: 'r1-0' },
      { type: 'instance/ready', atMs: 4_000, instanceId: 'r1-0' },
      { type: 'health/probePassed', atMs: 5_000, instanceId: 'r1-0' },
    ] satisfies EngineEvent[])
      s = step(opts, s, event).state;
    expect(s.instances.get('r1-0')).toMatchObject({ available: true });
    expect(s.instances).not.toBeInstanceOf(InstanceTable);
    // Scaled back to 2, the one still pending (r1-2) goes, and the two available ones serve: the
    // deployment, degraded since the resize to 3, is healthy again.
    const down = step(opts, s, { type: 'autoscaler/desiredChanged', atMs: 6_000, desired: 2 });
    expect(down.effects).toEqual([
      { type: 'instance/terminate', instanceId: 'r1-2' },
      { type: 'deployment/healthy', ready: 2 },
    ]);
    expect(down.state.degraded).toBe(false);
  });
});
