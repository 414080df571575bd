// Proves the engine where two revisions share the deployment, step by step with exact sizes and effects
// (found by mutation testing): a resize in the middle of a rollout spread in proportion as Kubernetes'
// scale() does, the surge budget with draining instances, the new revision sized once no old instance
// is live, scale-down ties, completion only with the new instances available, a rollback that
// outlasts the monitoring window it started in, and one that waits for the failed revision to be sized
// 0 after its last instance is gone.
import { describe, expect, it } from 'vitest';
import { baseSpec } from './support/engine-world.js';
import { Drive, MONITOR_MS, monitoring } from './support/engine-drive.js';

/** Replica count per revision, in revision order. */
function sizes(d: Drive): [number, number][] {
  return Object.values(d.state.revisions).map((r) => [r.revision, r.replicas]);
}

describe('a resize in the middle of a rollout', () => {
  it('creates what the resize allows in its own step, not at the next unrelated event', () => {
    // Found by the plain-Map twin property (seed 814207718): maxSurge 0, maxUnavailable 1, three
    // instances. The edit drains r1-2; the resize to 4 first sizes rev 1 to 4 (scale() gives it all,
    // rev 2 has none), then the rolling round shrinks it back to its 2 live instances. That round made
    // no effect, so the step ended there, and the next event (here a rejected edit) created r2-3.
    const d = new Drive(
      { maxSurge: 0, maxUnavailable: 1, podReplacementPolicy: 'TerminationComplete', monitorWindowMs: 0 },
      { ...baseSpec, scaling: { ...baseSpec.scaling, minInstances: 3 } },
    );
    d.edit(1_000);
    expect(d.removed()).toEqual(['drain r1-2']);
    d.desired(2_000, 4);
    expect(d.created()).toEqual(['r2-3']);
    expect(sizes(d)).toEqual([
      [1, 2],
      [2, 1],
    ]);
    // A rejected request changes nothing (the Drive checks every invariant, rejectedEditChangesNothing
    // among them).
    const effects = d.edit(32_000, { accelerator: { count: 8 } });
    expect(effects.map((e) => e.type)).toEqual(['action/ended']);
  });

  it("spreads desired + surge over both revisions by their share of the last size (Kubernetes' scale())", () => {
    // maxSurge 1, maxUnavailable 1: the edit creates r2-2 and drains r1-1 at once.
    const d = new Drive({ maxSurge: 1, maxUnavailable: 1 });
    d.edit(1_000);
    expect(d.created()).toEqual(['r2-2']);
    expect(d.removed()).toEqual(['drain r1-1']);
    expect(sizes(d)).toEqual([
      [1, 1],
      [2, 1],
    ]);
    // 2 → 5: 6 replicas allowed (5 + surge 1), 4 to add. Each revision's share is its size over the
    // max-replicas annotation (3 = the last desired 2 + surge 1), not over the 2 instances still live:
    // +1 each, and the leftover 2 go to the newer revision of the two equally large ones.
    d.desired(1_500, 5);
    expect(sizes(d)).toEqual([
      [1, 2],
      [2, 4],
    ]);
    expect(d.state.revisions[2]).toMatchObject({ maxReplicasAnnotation: 6, desiredReplicasAnnotation: 5 });
    // r1-1 still holds its GPUs while it drains (TerminationComplete), so 3 of the 4 missing fit now.
    expect(d.created()).toEqual(['r2-3', 'r2-4', 'r2-5']);
    expect(d.removed()).toEqual([]);
  });

  it('keeps the proportional sizes when the surge room would give the same total, creating nothing it removes', () => {
    // maxSurge 25 %, maxUnavailable 37 %: 2 → 5 allows 7, so 4 more, shared 2 : 2 over the revisions.
    const d = new Drive({ maxSurge: '25%', maxUnavailable: '37%' });
    d.edit(1_000);
    expect(sizes(d)).toEqual([
      [1, 2],
      [2, 1],
    ]);
    d.desired(1_500, 5);
    expect(sizes(d)).toEqual([
      [1, 4],
      [2, 3],
    ]);
    expect(d.created()).toEqual(['r2-3', 'r1-4', 'r1-5', 'r2-6']);
    expect(d.removed()).toEqual([]);
  });

  it('counts a draining instance once against the surge budget, under its own revision', () => {
    // maxSurge 0, maxUnavailable 1: the edit drains r1-1 first. Resized to 4 (no surge), the draining
    // instance still holds GPUs: 3 more fit, one of them for the new revision.
    const d = new Drive({ maxSurge: 0, maxUnavailable: 1 });
    d.edit(1_000);
    expect(d.removed()).toEqual(['drain r1-1']);
    d.desired(1_500, 4);
    expect(sizes(d)).toEqual([
      [1, 2],
      [2, 1],
    ]);
    expect(d.created()).toEqual(['r1-2', 'r2-3']);
  });
});

describe('the new revision once no old instance is live', () => {
  it('is sized to desired at once; its instances come as the drained ones let go of their GPUs', () => {
    const d = new Drive({ maxSurge: 0, maxUnavailable: '100%' });
    d.edit(1_000);
    expect(d.removed()).toEqual(['drain r1-1', 'drain r1-0']);
    expect(sizes(d)).toEqual([
      [1, 0],
      [2, 2],
    ]);
    expect(d.created()).toEqual([]);
    d.terminated(6_000, 'r1-1');
    expect(d.created()).toEqual(['r2-2']);
    d.terminated(6_500, 'r1-0');
    expect(d.created()).toEqual(['r2-3']);
    // There, but not yet available: the rollout is not complete.
    expect(d.state.rollout.phase).toBe('rolling');
    d.up(10_000, 'r2-2');
    expect(d.state.rollout.phase).toBe('rolling');
    d.up(11_000, 'r2-3');
    expect(d.state.rollout).toMatchObject({ phase: 'monitoring', rolloutDoneAtMs: 11_002 });
  });
});

describe('scale-down ties', () => {
  it('same phase and age: the instance id decides, compared as text, descending (r1-9 before r1-10)', () => {
    const d = new Drive({}, { ...baseSpec, scaling: { ...baseSpec.scaling, maxInstances: 12 } });
    d.desired(1_000, 12);
    expect(d.created()).toEqual([
      'r1-2',
      'r1-3',
      'r1-4',
      'r1-5',
      'r1-6',
      'r1-7',
      'r1-8',
      'r1-9',
      'r1-10',
      'r1-11',
    ]);
    // Ten pending instances created in the same step: a fixed order that does not depend on how the
    // instances are stored.
    d.desired(2_000, 2);
    expect(d.removed()).toEqual([
      'terminate r1-9',
      'terminate r1-8',
      'terminate r1-7',
      'terminate r1-6',
      'terminate r1-5',
      'terminate r1-4',
      'terminate r1-3',
      'terminate r1-2',
      'terminate r1-11',
      'terminate r1-10',
    ]);
  });
});

describe('a rollback that starts in the monitoring window', () => {
  it('may outlast the window: the window timer then does nothing, and every invariant holds past it', () => {
    // The last old instance went at 5 s, so the window ends at 5 s + 10 min.
    const d = monitoring();
    const windowEndMs = 5_000 + MONITOR_MS;
    d.crash(10_000, 'r2-2', 'crashUnderLoad');
    expect(d.state.rollout).toMatchObject({ phase: 'rollingBack', reason: 'UNSTABLE_AFTER_EDIT' });
    // The rollback brings the prior revision back within the surge budget at once: 2 + 1 allowed, the
    // crashed instance still counted until it is gone, so one now and the other once it has let go.
    expect(d.created()).toEqual(['r1-4']);
    d.terminated(10_001, 'r2-2');
    expect(d.created()).toEqual(['r1-5']);
    // The prior revision's instances are still loading when the window ends.
    expect(d.timer(windowEndMs, { kind: 'monitor' })).toEqual([]);
    expect(d.state.rollout.phase).toBe('rollingBack');
    d.up(windowEndMs + 1_000, 'r1-4');
    expect(d.state.rollout.phase).toBe('rollingBack');
    d.up(windowEndMs + 2_000, 'r1-5');
    expect(d.removed()).toEqual(['drain r2-3']);
    d.terminated(windowEndMs + 7_000, 'r2-3');
    expect(d.ended()).toMatchObject({ outcome: 'rolledBack', reason: 'UNSTABLE_AFTER_EDIT' });
  });
});

describe('a rollback whose failed revision loses its last instance', () => {
  it('ends only once the failed revision is sized 0, not merely when none of its instances is left', () => {
    // Four instances; the edit is aborted with one new instance serving (r2-4) and r2-5 pending.
    const d = new Drive({}, { ...baseSpec, scaling: { ...baseSpec.scaling, minInstances: 4 } });
    d.edit(1_000);
    d.up(2_000, 'r2-4');
    d.terminated(3_000, 'r1-3');
    d.send({ type: 'rollback/requested', atMs: 4_000 });
    expect(d.removed()).toEqual(['terminate r2-5']);
    // The prior revision's instances fail one after another while its replacements wait for GPUs.
    d.crash(5_000, 'r1-0', 'nodeFailure');
    d.terminated(5_001, 'r2-5');
    d.terminated(5_002, 'r1-0');
    d.crash(6_000, 'r1-1', 'nodeFailure');
    d.crash(6_000, 'r1-2', 'nodeFailure');
    expect(sizes(d)).toEqual([
      [1, 4],
      [2, 1],
    ]);
    // The failed revision's last instance crashes and goes. With nothing of the prior revision
    // available, Kubernetes may not scale the failed revision down yet, so it keeps its 1 replica, and
    // the surge budget goes to the prior revision first.
    d.crash(7_000, 'r2-4', 'crashUnderLoad');
    d.terminated(7_001, 'r2-4');
    expect(d.created()).toEqual(['r1-8']);
    expect(sizes(d)).toEqual([
      [1, 4],
      [2, 1],
    ]);
    expect(d.state.rollout.phase).toBe('rollingBack');
    expect(d.ended()).toBeUndefined();
    // As GPUs free up, the failed revision gets its instance back, and loses it once the prior
    // revision serves in full.
    d.terminated(8_000, 'r1-1');
    d.terminated(8_001, 'r1-2');
    expect(d.created()).toEqual(['r2-10']);
    for (const id of ['r1-6', 'r1-7', 'r1-8']) d.up(9_000, id);
    expect(d.removed()).toEqual([]);
    d.up(9_500, 'r1-9');
    expect(d.removed()).toEqual(['terminate r2-10']);
    expect(d.state.rollout.phase).toBe('rollingBack');
    d.terminated(10_000, 'r2-10');
    expect(sizes(d)).toEqual([
      [1, 4],
      [2, 0],
    ]);
    expect(d.ended()).toMatchObject({ outcome: 'rolledBack', reason: 'MANUAL_ABORT' });
  });
});
