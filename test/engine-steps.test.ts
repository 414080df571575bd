// Proves each engine event handler step by step, with exact effects and state: the instance lifecycle
// (scheduling, loading, probes, minReady, crashes, timers), action bookkeeping, rollback requests in each
// phase, surge accounting of draining instances, removal order, completion, and degraded/healthy reports.
import { describe, expect, it } from 'vitest';
import { initialState } from '../engine/step.js';
import type { EngineEvent } from '../engine/types.js';
import {
  DEADLINE_MS,
  Drive,
  LOAD_TIMEOUT_MS,
  MONITOR_MS,
  monitoring,
  SCHED_TIMEOUT_MS,
} from './support/engine-drive.js';
import { baseSpec, engineOptions } from './support/engine-world.js';

describe('the initial state', () => {
  it('has minInstances ready instances of revision 1 at the given time, with Kubernetes annotations', () => {
    const s = initialState(baseSpec, engineOptions(), { nowMs: 5_000 });
    expect(s.nowMs).toBe(5_000);
    expect(
      [...s.instances.values()].map((i) => [i.id, i.phase, i.available, i.createdAtMs, i.passedAtMs]),
    ).toEqual([
      ['r1-0', 'ready', true, 5_000, 5_000],
      ['r1-1', 'ready', true, 5_000, 5_000],
    ]);
    expect(s.revisions[1]).toMatchObject({
      replicas: 2,
      maxReplicasAnnotation: 3,
      desiredReplicasAnnotation: 2,
    });
    expect(s).toMatchObject({
      desired: 2,
      recommended: 2,
      lastEditOutcome: 'none',
      degraded: false,
      lastRejection: [],
      nextInstanceSeq: 2,
      nextActionIndex: 0,
    });
    expect(initialState(baseSpec, engineOptions()).nowMs).toBe(0);
    expect([...initialState({ ...baseSpec, status: 'failed' }, engineOptions()).instances.keys()]).toEqual(
      [],
    );
  });
});

describe('steps that change nothing', () => {
  it('a passing probe on a healthy available instance returns the very same state and no effects', () => {
    const d = new Drive();
    const before = d.state;
    expect(d.pass(1_000, 'r1-0')).toEqual([]);
    expect(d.state).toBe(before);
  });

  it('a passing probe after a failed one clears the failure count', () => {
    const d = new Drive();
    d.fail(1_000, 'r1-0');
    expect(d.inst('r1-0')).toMatchObject({ consecutiveFailures: 1, consecutivePasses: 0, available: true });
    const before = d.state;
    d.pass(2_000, 'r1-0');
    expect(d.state).not.toBe(before);
    expect(d.inst('r1-0')).toMatchObject({ consecutiveFailures: 0, consecutivePasses: 1, available: true });
  });

  it('events about unknown instances, timers with nothing to do and an unschedulable report change no instance', () => {
    const d = new Drive();
    const instances = d.state.instances;
    for (const event of [
      { type: 'instance/scheduled', atMs: 1_000, instanceId: 'nope' },
      { type: 'instance/ready', atMs: 1_000, instanceId: 'nope' },
      { type: 'instance/crashed', atMs: 1_000, instanceId: 'nope', cause: 'crashOnLoad' },
      { type: 'instance/terminated', atMs: 1_000, instanceId: 'nope' },
      { type: 'health/probeFailed', atMs: 1_000, instanceId: 'nope' },
      { type: 'health/probePassed', atMs: 1_000, instanceId: 'nope' },
      { type: 'instance/unschedulable', atMs: 1_000, instanceId: 'r1-0' },
      { type: 'timer/fired', atMs: 1_000, key: { kind: 'scheduling', instanceId: 'nope' } },
      { type: 'timer/fired', atMs: 1_000, key: { kind: 'load', instanceId: 'nope' } },
      { type: 'timer/fired', atMs: 1_000, key: { kind: 'minReady', instanceId: 'nope' } },
      { type: 'timer/fired', atMs: 1_000, key: { kind: 'monitor' } },
      { type: 'timer/fired', atMs: 1_000, key: { kind: 'progress' } },
      { type: 'timer/fired', atMs: 1_000, key: { kind: 'rollbackDeadline' } },
    ] satisfies EngineEvent[]) {
      expect(d.send(event)).toEqual([]);
      expect(d.state.instances).toBe(instances);
    }
  });

  it('a rejected edit keeps the instances object and records the rejection', () => {
    const d = new Drive();
    const instances = d.state.instances;
    d.edit(1_000, { name: 'renamed' });
    expect(d.state.instances).toBe(instances);
    expect(d.ended()).toMatchObject({
      actionIndex: 0,
      kind: 'edit',
      outcome: 'rejected',
      inPlace: false,
      fromRevision: 1,
      toRevision: 1,
      rolloutDoneAtMs: null,
    });
    expect(d.state.lastRejection.map((i) => i.code)).toEqual(['LOCKED_FIELD']);
  });
});

describe('actions', () => {
  it('numbers actions in order; a no-op edit starts and completes at once without a new revision', () => {
    const d = new Drive();
    d.edit(1_000, { name: 'renamed' });
    expect(d.edit(2_000, { tags: { env: 'production' } })).toEqual([
      { type: 'action/started', actionIndex: 1, kind: 'edit', inPlace: true, fromRevision: 1, toRevision: 1 },
      {
        type: 'action/ended',
        actionIndex: 1,
        kind: 'edit',
        outcome: 'completed',
        reason: null,
        errors: [],
        inPlace: true,
        fromRevision: 1,
        toRevision: 1,
        rolloutDoneAtMs: 2_000,
      },
    ]);
    expect(d.state).toMatchObject({ nextActionIndex: 2, revision: 1, lastEditOutcome: 'completed' });
    d.send({ type: 'rollback/requested', atMs: 3_000 });
    expect(d.ended()?.actionIndex).toBe(2);
    expect(d.state.nextActionIndex).toBe(3);
  });

  it('a rolling edit applies the spec, starts the action, arms the progress deadline and creates within surge', () => {
    const d = new Drive();
    const effects = d.edit(1_000);
    expect(effects.slice(0, 2)).toEqual([
      { type: 'spec/apply', revision: 2, spec: d.state.spec },
      {
        type: 'action/started',
        actionIndex: 0,
        kind: 'edit',
        inPlace: false,
        fromRevision: 1,
        toRevision: 2,
      },
    ]);
    expect(d.timers()).toEqual([
      { kind: 'progress', atMs: 1_000 + DEADLINE_MS + 1 },
      { kind: 'scheduling', instanceId: 'r2-2', atMs: 1_000 + SCHED_TIMEOUT_MS },
    ]);
    expect(effects).toContainEqual({
      type: 'instance/create',
      instanceId: 'r2-2',
      revision: 2,
      template: { model: 'llama-3.1-70b', accelerator: { type: 'H100', count: 4 } },
    });
    expect(d.created()).toEqual(['r2-2']);
    expect(d.state.revisions[2]).toMatchObject({
      replicas: 1,
      maxReplicasAnnotation: 3,
      desiredReplicasAnnotation: 2,
    });
    expect(d.state.revisions[1]).toMatchObject({
      replicas: 2,
      maxReplicasAnnotation: 3,
      desiredReplicasAnnotation: 2,
    });
    expect(d.state.rollout).toMatchObject({
      phase: 'rolling',
      actionIndex: 0,
      startedAtMs: 1_000,
      fromRevision: 1,
      toRevision: 2,
      priorReplicas: 2,
      lastProgressAtMs: 1_000,
    });
    expect(d.state.nextInstanceSeq).toBe(3);
  });
});

describe('rollback requests in each phase', () => {
  const rejectionOf = (d: Drive) => d.ended()?.errors[0];

  it('with nothing ever edited, and after a completed edit, say different things', () => {
    const d = new Drive();
    d.send({ type: 'rollback/requested', atMs: 1_000 });
    expect(rejectionOf(d)).toEqual({
      code: 'MANUAL_ROLLBACK_UNSUPPORTED',
      field: '',
      message: 'there is no rollout to roll back; submit a new edit with the configuration you want.',
    });
    expect(d.state.lastRejection).toEqual([rejectionOf(d)]);
    expect(d.ended()).toMatchObject({ kind: 'rollback', outcome: 'rejected', inPlace: false, toRevision: 1 });
    d.edit(2_000, { tags: { a: 'b' } });
    d.send({ type: 'rollback/requested', atMs: 3_000 });
    expect(rejectionOf(d)?.message).toBe(
      'the last edit succeeded and cannot be rolled back manually; submit a new edit with the configuration you want.',
    );
  });

  it('during a rollout it aborts: a completed rollback action, then the edit rolls back', () => {
    const d = new Drive();
    d.edit(1_000);
    const effects = d.send({ type: 'rollback/requested', atMs: 2_000 });
    expect(effects.slice(0, 2)).toEqual([
      {
        type: 'action/started',
        actionIndex: 1,
        kind: 'rollback',
        inPlace: false,
        fromRevision: 2,
        toRevision: 1,
      },
      {
        type: 'action/ended',
        actionIndex: 1,
        kind: 'rollback',
        outcome: 'completed',
        reason: null,
        errors: [],
        inPlace: false,
        fromRevision: 2,
        toRevision: 1,
        rolloutDoneAtMs: null,
      },
    ]);
    expect(d.state.rollout).toMatchObject({ phase: 'rollingBack', reason: 'MANUAL_ABORT', forced: false });
    expect(d.timers()).toContainEqual({ kind: 'rollbackDeadline', atMs: 2_000 + DEADLINE_MS });
    // The pending new instance never got GPUs: terminated, not drained; the rollback ends when it is gone.
    expect(d.removed()).toEqual(['terminate r2-2']);
    d.send({ type: 'rollback/requested', atMs: 2_500 });
    expect(d.ended()).toMatchObject({ kind: 'rollback', outcome: 'rejected', toRevision: 1 });
    expect(rejectionOf(d)).toEqual({
      code: 'EDIT_IN_PROGRESS',
      field: '',
      message: 'a rollback is already under way; wait until it ends.',
    });
    d.terminated(3_000, 'r2-2');
    expect(d.ended()).toEqual({
      type: 'action/ended',
      actionIndex: 0,
      kind: 'edit',
      outcome: 'rolledBack',
      reason: 'MANUAL_ABORT',
      errors: [],
      inPlace: false,
      fromRevision: 1,
      toRevision: 2,
      rolloutDoneAtMs: null,
    });
    expect(d.state).toMatchObject({
      lastEditOutcome: 'rolledBack',
      revision: 1,
      rollout: { phase: 'steady' },
    });
  });

  it('during an in-place edit waiting for GPUs it relabels the instances back and ends in place', () => {
    const d = new Drive();
    d.edit(1_000, { scaling: { minInstances: 3 } });
    expect(d.state.rollout.phase).toBe('scaling');
    expect([...d.state.instances.values()].map((i) => `${i.id}@${i.revision}`)).toEqual([
      'r1-0@2',
      'r1-1@2',
      'r2-2@2',
    ]);
    d.send({ type: 'rollback/requested', atMs: 2_000 });
    expect(d.effects[0]).toMatchObject({
      type: 'action/started',
      kind: 'rollback',
      fromRevision: 2,
      toRevision: 1,
    });
    // Every instance goes back to revision 1, the extra one included, so the rollback ends at once; the
    // extra instance (pending, so first in the removal order) is terminated.
    expect([...d.state.instances.values()].map((i) => `${i.id}@${i.revision}`)).toEqual([
      'r1-0@1',
      'r1-1@1',
      'r2-2@1',
    ]);
    expect(d.removed()).toEqual(['terminate r2-2']);
    expect(d.ended()).toMatchObject({
      kind: 'edit',
      outcome: 'rolledBack',
      reason: 'MANUAL_ABORT',
      inPlace: true,
    });
    expect(d.state.rollout.phase).toBe('steady');
    expect(d.state.spec).toEqual(baseSpec);
    expect(d.state.revisions[1]?.replicas).toBe(2);
    expect(d.state.revisions[2]?.replicas).toBe(0);
  });
});

describe('the instance lifecycle', () => {
  it('scheduled: a pending instance starts loading and arms its load timeout, once', () => {
    const d = new Drive();
    d.edit(1_000);
    d.scheduled(2_000, 'r2-2');
    expect(d.inst('r2-2')).toMatchObject({ phase: 'loading', scheduledAtMs: 2_000 });
    expect(d.timers()).toEqual([{ kind: 'load', instanceId: 'r2-2', atMs: 2_000 + LOAD_TIMEOUT_MS }]);
    const before = d.state.instances;
    expect(d.scheduled(3_000, 'r2-2')).toEqual([]);
    expect(d.state.instances).toBe(before);
  });

  it('ready: from loading or straight from pending; a second ready report is ignored', () => {
    const d = new Drive();
    d.edit(1_000);
    d.ready(2_000, 'r2-2');
    expect(d.inst('r2-2')).toMatchObject({ phase: 'ready', readyAtMs: 2_000, available: false });
    d.pass(3_000, 'r2-2');
    expect(d.inst('r2-2')).toMatchObject({ available: true, passedAtMs: 3_000, consecutivePasses: 1 });
    d.ready(4_000, 'r2-2');
    expect(d.inst('r2-2')).toMatchObject({ readyAtMs: 2_000, consecutivePasses: 1, available: true });
  });

  it('probes count only on ready instances that are not on their way out', () => {
    const d = new Drive();
    d.edit(1_000);
    d.scheduled(2_000, 'r2-2');
    d.pass(3_000, 'r2-2');
    d.fail(3_500, 'r2-2');
    expect(d.inst('r2-2')).toMatchObject({ phase: 'loading', consecutivePasses: 0, consecutiveFailures: 0 });
    d.desired(4_000, 2);
    d.send({ type: 'rollback/requested', atMs: 5_000 });
    expect(d.inst('r2-2').terminating).toBe(true);
    d.ready(6_000, 'r2-2');
    const before = d.state.instances;
    d.pass(7_000, 'r2-2');
    d.fail(8_000, 'r2-2');
    expect(d.state.instances).toBe(before);
  });

  it('successThreshold 2: the first pass is not enough; progress counts the instance turning ready', () => {
    const hc = { ...engineOptions().rollout.healthCheck, successThreshold: 2 };
    const d = new Drive({ healthCheck: hc });
    d.edit(1_000);
    d.scheduled(2_000, 'r2-2');
    d.ready(60_000, 'r2-2');
    expect(d.state.rollout).toMatchObject({ phase: 'rolling', lastProgressAtMs: 60_000 });
    d.pass(70_000, 'r2-2');
    expect(d.inst('r2-2')).toMatchObject({ available: false, consecutivePasses: 1, passedAtMs: null });
    d.pass(80_000, 'r2-2');
    expect(d.inst('r2-2')).toMatchObject({ available: true, consecutivePasses: 2, passedAtMs: 80_000 });
    expect(d.state.rollout).toMatchObject({ lastProgressAtMs: 80_000 });
  });

  it('minReady: available only once it has stayed healthy that long, by timer or by a later probe', () => {
    const d = new Drive({ minReadyMs: 30_000 });
    d.edit(1_000);
    d.scheduled(2_000, 'r2-2');
    d.ready(3_000, 'r2-2');
    d.pass(10_000, 'r2-2');
    expect(d.inst('r2-2')).toMatchObject({ available: false, passedAtMs: 10_000 });
    expect(d.timers()).toEqual([{ kind: 'minReady', instanceId: 'r2-2', atMs: 40000 }]);
    d.pass(39_999, 'r2-2');
    expect(d.inst('r2-2').available).toBe(false);
    d.pass(40_000, 'r2-2');
    expect(d.inst('r2-2').available).toBe(true);
    // The timer arriving afterwards changes nothing more.
    d.timer(40_000, { kind: 'minReady', instanceId: 'r2-2' });
    expect(d.inst('r2-2').available).toBe(true);
  });

  it('minReady: the timer makes it available, unless a probe has failed since', () => {
    const d = new Drive({ minReadyMs: 30_000 });
    d.edit(1_000);
    d.scheduled(2_000, 'r2-2');
    d.ready(3_000, 'r2-2');
    d.pass(10_000, 'r2-2');
    d.timer(40_000, { kind: 'minReady', instanceId: 'r2-2' });
    expect(d.inst('r2-2').available).toBe(true);

    const e = new Drive({ minReadyMs: 30_000 });
    e.edit(1_000);
    e.scheduled(2_000, 'r2-2');
    e.ready(3_000, 'r2-2');
    e.pass(10_000, 'r2-2');
    e.fail(20_000, 'r2-2');
    e.timer(40_000, { kind: 'minReady', instanceId: 'r2-2' });
    expect(e.inst('r2-2')).toMatchObject({ available: false, consecutiveFailures: 1 });
    // A minReady timer for an instance that never passed, or is not ready, does nothing.
    e.timer(41_000, { kind: 'minReady', instanceId: 'r1-0' });
    expect(e.inst('r1-0').available).toBe(true);
  });

  it('a load timeout is a crash of a loading instance, and nothing once it is ready', () => {
    const d = new Drive({ loadTimeoutMs: 60_000 });
    d.edit(1_000);
    d.scheduled(2_000, 'r2-2');
    expect(d.timers()).toEqual([{ kind: 'load', instanceId: 'r2-2', atMs: 62000 }]);
    d.timer(62_000, { kind: 'load', instanceId: 'r2-2' });
    expect(d.removed()).toEqual(['terminate r2-2']);
    expect(d.state.revisions[2]?.startupCrashes).toBe(1);
    // Under TerminationComplete the replacement waits until the GPUs are released.
    expect(d.created()).toEqual([]);
    d.terminated(63_000, 'r2-2');
    expect(d.created()).toEqual(['r2-3']);
    d.scheduled(64_000, 'r2-3');
    d.ready(65_000, 'r2-3');
    const before = d.state.instances;
    expect(d.timer(124_000, { kind: 'load', instanceId: 'r2-3' })).toEqual([]);
    expect(d.state.instances).toBe(before);
  });
});

describe('failures', () => {
  it('an old instance failing its probes stays available until failureThreshold, then is restarted', () => {
    const d = new Drive();
    d.fail(1_000, 'r1-0');
    d.fail(2_000, 'r1-0');
    expect(d.inst('r1-0')).toMatchObject({ available: true, consecutiveFailures: 2 });
    d.fail(3_000, 'r1-0');
    expect(d.removed()).toEqual(['terminate r1-0']);
    expect(d.created()).toEqual(['r1-2']);
    expect(d.inst('r1-0')).toMatchObject({ available: false, terminating: true, consecutiveFailures: 3 });
    expect(d.effects.some((e) => e.type === 'action/ended')).toBe(false);
  });

  it('during a rollout, an old instance failing is restarted; a new one failing rolls the edit back', () => {
    const d = new Drive({ maxSurge: 2 });
    d.edit(1_000);
    expect(d.created()).toEqual(['r2-2', 'r2-3']);
    for (const t of [2_000, 3_000, 4_000]) d.fail(t, 'r1-0');
    expect(d.state.rollout.phase).toBe('rolling');
    expect(d.removed()).toEqual(['terminate r1-0']);
    d.up(5_000, 'r2-2');
    for (const t of [6_000, 7_000]) d.fail(t, 'r2-2');
    expect(d.state.rollout.phase).toBe('rolling');
    d.fail(8_000, 'r2-2');
    expect(d.state.rollout).toMatchObject({ phase: 'rollingBack', reason: 'HEALTH_CHECK_FAILED' });
    // Pending before unready: the removal order.
    expect(d.removed()).toEqual(['terminate r2-3', 'terminate r2-2']);
    // Another failure while rolling back starts nothing new.
    d.up(9_000, 'r1-4');
    for (const t of [10_000, 11_000, 12_000]) d.fail(t, 'r1-4');
    expect(d.effects.some((e) => e.type === 'spec/apply')).toBe(false);
    expect(d.state.rollout).toMatchObject({ phase: 'rollingBack', reason: 'HEALTH_CHECK_FAILED' });
  });

  it('a crash loop: the new version must crash failureThreshold times before the rollback', () => {
    const d = new Drive();
    d.edit(1_000);
    d.crash(2_000, 'r2-2');
    expect(d.state.revisions[2]?.startupCrashes).toBe(1);
    d.terminated(2_001, 'r2-2');
    expect(d.created()).toEqual(['r2-3']);
    d.crash(3_000, 'r2-3');
    d.terminated(3_001, 'r2-3');
    expect(d.state.rollout.phase).toBe('rolling');
    d.crash(4_000, 'r2-4');
    expect(d.state.rollout).toMatchObject({ phase: 'rollingBack', reason: 'HEALTH_CHECK_FAILED' });
  });

  it('node and GPU failures never count as crashes of the version', () => {
    const d = new Drive();
    d.edit(1_000);
    d.crash(2_000, 'r2-2', 'nodeFailure');
    d.terminated(2_001, 'r2-2');
    d.crash(3_000, 'r2-3', 'gpuFailure');
    d.terminated(3_001, 'r2-3');
    d.crash(4_000, 'r2-4', 'nodeFailure');
    expect(d.state.revisions[2]?.startupCrashes).toBe(0);
    expect(d.state.rollout.phase).toBe('rolling');
    expect(d.removed()).toEqual(['terminate r2-4']);
  });

  it('a crash of an instance already on its way out neither restarts it nor counts', () => {
    const d = new Drive();
    d.fail(1_000, 'r1-0');
    d.fail(2_000, 'r1-0');
    d.fail(3_000, 'r1-0');
    d.edit(4_000);
    d.crash(5_000, 'r1-0');
    expect(d.removed()).toEqual([]);
    expect(d.state.revisions[2]?.startupCrashes).toBe(0);
  });
});

describe('completion', () => {
  it('waits for the last old instance to be gone, then for the monitoring window', () => {
    const d = new Drive();
    d.edit(1_000);
    d.up(2_000, 'r2-2');
    // Both old instances are alike; the newest-named goes first.
    expect(d.removed()).toEqual(['drain r1-1']);
    expect(d.inst('r1-1')).toMatchObject({ phase: 'draining', terminating: true, available: false });
    // TerminationComplete: the draining instance still holds its GPUs, so no new instance yet.
    expect(d.created()).toEqual([]);
    d.terminated(3_000, 'r1-1');
    expect(d.created()).toEqual(['r2-3']);
    d.up(4_000, 'r2-3');
    expect(d.removed()).toEqual(['drain r1-0']);
    expect(d.state.rollout.phase).toBe('rolling');
    d.terminated(5_000, 'r1-0');
    expect(d.state.rollout).toMatchObject({
      phase: 'monitoring',
      rolloutDoneAtMs: 5_000,
      untilMs: 5_000 + MONITOR_MS,
    });
    expect(d.timers()).toEqual([{ kind: 'monitor', atMs: 5_000 + MONITOR_MS }]);
    d.timer(5_000 + MONITOR_MS - 1, { kind: 'monitor' });
    expect(d.state.rollout.phase).toBe('monitoring');
    d.timer(5_000 + MONITOR_MS, { kind: 'monitor' });
    expect(d.ended()).toEqual({
      type: 'action/ended',
      actionIndex: 0,
      kind: 'edit',
      outcome: 'completed',
      reason: null,
      errors: [],
      inPlace: false,
      fromRevision: 1,
      toRevision: 2,
      rolloutDoneAtMs: 5_000,
    });
    expect(d.state).toMatchObject({
      lastEditOutcome: 'completed',
      rollout: { phase: 'steady' },
      degraded: false,
    });
  });

  it('TerminationStarted replaces at once, without waiting for the draining instance', () => {
    const d = new Drive({ podReplacementPolicy: 'TerminationStarted' });
    d.edit(1_000);
    d.up(2_000, 'r2-2');
    expect(d.removed()).toEqual(['drain r1-1']);
    expect(d.created()).toEqual(['r2-3']);
  });

  it('an in-place edit completes once enough instances of the new revision are available', () => {
    const d = new Drive();
    d.edit(1_000, { scaling: { minInstances: 3 } });
    expect(d.created()).toEqual(['r2-2']);
    expect(d.state.rollout.phase).toBe('scaling');
    d.scheduled(2_000, 'r2-2');
    d.ready(3_000, 'r2-2');
    expect(d.state.rollout.phase).toBe('scaling');
    d.pass(4_000, 'r2-2');
    expect(d.ended()).toMatchObject({ outcome: 'completed', inPlace: true, rolloutDoneAtMs: 4_000 });
  });
});

describe('the monitoring window', () => {
  it('a new instance failing its probes there is UNSTABLE_AFTER_EDIT', () => {
    const d = monitoring();
    for (const t of [10_000, 11_000, 12_000]) d.fail(t, 'r2-2');
    expect(d.state.rollout).toMatchObject({ phase: 'rollingBack', reason: 'UNSTABLE_AFTER_EDIT' });
    expect(d.state.spec).toEqual(baseSpec);
  });

  it('a new instance crashing there is UNSTABLE_AFTER_EDIT; a node failure is not', () => {
    const d = monitoring();
    d.crash(10_000, 'r2-2', 'nodeFailure');
    expect(d.state.rollout.phase).toBe('monitoring');
    expect(d.removed()).toEqual(['terminate r2-2']);
    d.crash(11_000, 'r2-3', 'crashUnderLoad');
    expect(d.state.rollout).toMatchObject({ phase: 'rollingBack', reason: 'UNSTABLE_AFTER_EDIT' });
  });
});

describe('timers during a rollout', () => {
  it('the progress timer re-arms from the last progress and rolls back only past the deadline', () => {
    const d = new Drive();
    d.edit(1_000);
    d.scheduled(2_000, 'r2-2');
    d.ready(100_000, 'r2-2');
    d.timer(1_000 + DEADLINE_MS + 1, { kind: 'progress' });
    expect(d.state.rollout.phase).toBe('rolling');
    expect(d.timers()).toEqual([{ kind: 'progress', atMs: 100_000 + DEADLINE_MS + 1 }]);
    d.timer(100_000 + DEADLINE_MS + 1, { kind: 'progress' });
    expect(d.state.rollout).toMatchObject({ phase: 'rollingBack', reason: 'PROGRESS_DEADLINE_EXCEEDED' });
  });

  it('a scheduling timeout fails the rollout only for a still-pending instance of the new revision', () => {
    const d = new Drive();
    d.edit(1_000);
    // A scale-up mid-rollout spreads over both revisions: one more of each.
    d.desired(1_500, 4);
    expect(d.created()).toEqual(['r2-3', 'r1-4']);
    expect(d.state.recommended).toBe(4);
    d.timer(1_500 + SCHED_TIMEOUT_MS, { kind: 'scheduling', instanceId: 'r1-4' });
    expect(d.state.rollout.phase).toBe('rolling');
    d.scheduled(2_000, 'r2-3');
    d.timer(1_500 + SCHED_TIMEOUT_MS, { kind: 'scheduling', instanceId: 'r2-3' });
    expect(d.state.rollout.phase).toBe('rolling');
    d.timer(1_000 + SCHED_TIMEOUT_MS, { kind: 'scheduling', instanceId: 'r2-2' });
    expect(d.state.rollout).toMatchObject({ phase: 'rollingBack', reason: 'RESOURCE_UNAVAILABLE' });
  });

  it('in steady state a pending instance past its scheduling timeout just keeps waiting', () => {
    const d = new Drive();
    d.desired(1_000, 3);
    expect(d.created()).toEqual(['r1-2']);
    d.timer(1_000 + SCHED_TIMEOUT_MS, { kind: 'scheduling', instanceId: 'r1-2' });
    expect(d.effects).toEqual([]);
    expect(d.inst('r1-2').phase).toBe('pending');
  });
});

describe('rolling back', () => {
  it('goes back to the prior count, or more if the autoscaler asks, within the prior range', () => {
    const d = new Drive();
    d.edit(1_000);
    d.desired(1_500, 5);
    d.send({ type: 'rollback/requested', atMs: 2_000 });
    expect(d.state.desired).toBe(5);
    const e = new Drive();
    e.edit(1_000);
    e.desired(1_500, 20);
    e.send({ type: 'rollback/requested', atMs: 2_000 });
    expect(e.state.desired).toBe(8);
    const f = new Drive();
    f.edit(1_000);
    f.send({ type: 'rollback/requested', atMs: 2_000 });
    expect(f.state.desired).toBe(2);
  });

  it('past its deadline it forces the failed revision out, draining the instances that serve', () => {
    const d = new Drive();
    d.edit(1_000);
    d.up(2_000, 'r2-2');
    d.terminated(3_000, 'r1-1');
    d.send({ type: 'rollback/requested', atMs: 4_000 });
    // r2-3 (pending) goes at once; r2-2 serves until the prior revision is back, which never happens here.
    expect(d.removed()).toEqual(['terminate r2-3']);
    d.terminated(4_001, 'r2-3');
    expect(d.created()).toEqual(['r1-4']);
    d.timer(4_000 + DEADLINE_MS, { kind: 'rollbackDeadline' });
    expect(d.state.rollout).toMatchObject({ phase: 'rollingBack', forced: true });
    expect(d.removed()).toEqual(['drain r2-2']);
    expect(d.state.revisions[2]?.replicas).toBe(0);
    // A second deadline timer does nothing more.
    expect(d.timer(4_000 + DEADLINE_MS, { kind: 'rollbackDeadline' })).toEqual([]);
    d.terminated(4_000 + DEADLINE_MS + 5_000, 'r2-2');
    expect(d.ended()).toMatchObject({ outcome: 'rolledBack', reason: 'MANUAL_ABORT' });
  });
});

describe('scaling down and health reports', () => {
  it('removes pending, then loading, then unready, then available instances; newest first', () => {
    const d = new Drive();
    d.desired(1_000, 7);
    expect(d.created()).toEqual(['r1-2', 'r1-3', 'r1-4', 'r1-5', 'r1-6']);
    expect(d.effects).toContainEqual({ type: 'deployment/degraded', ready: 2, desired: 7 });
    expect(d.state.degraded).toBe(true);
    d.scheduled(2_000, 'r1-2');
    d.scheduled(2_000, 'r1-3');
    d.ready(3_000, 'r1-3');
    d.up(2_000, 'r1-4');
    expect(d.effects.filter((e) => e.type.startsWith('deployment/'))).toEqual([]);
    d.desired(5_000, 2);
    expect(d.removed()).toEqual([
      'terminate r1-6',
      'terminate r1-5',
      'terminate r1-2',
      'terminate r1-3',
      'drain r1-4',
    ]);
    expect(d.effects).toContainEqual({ type: 'deployment/healthy', ready: 2 });
    expect(d.state.degraded).toBe(false);
  });

  it('reports degraded only in steady state, and healthy again once enough serve', () => {
    const d = new Drive();
    d.edit(1_000);
    d.crash(1_500, 'r1-0', 'nodeFailure');
    expect(d.effects.filter((e) => e.type.startsWith('deployment/'))).toEqual([]);
    expect(d.state.degraded).toBe(false);
    const s = new Drive();
    s.crash(1_000, 'r1-0', 'nodeFailure');
    expect(s.effects).toContainEqual({ type: 'deployment/degraded', ready: 1, desired: 2 });
    // The surge budget (2 + 1) has room for the replacement even while the crashed one releases its GPUs.
    expect(s.created()).toEqual(['r1-2']);
    s.terminated(1_001, 'r1-0');
    expect(s.effects).toEqual([]);
    s.up(2_000, 'r1-2');
    expect(s.effects).toEqual([{ type: 'deployment/healthy', ready: 2 }]);
  });
});

describe('more edges of the lifecycle', () => {
  it('a resize mid-rollout re-annotates a revision whose size stays the same', () => {
    const d = new Drive();
    d.edit(1_000);
    d.desired(1_500, 3);
    expect(d.state.revisions[2]).toMatchObject({
      replicas: 1,
      desiredReplicasAnnotation: 3,
      maxReplicasAnnotation: 4,
    });
    expect(d.state.revisions[1]).toMatchObject({
      replicas: 3,
      desiredReplicasAnnotation: 3,
      maxReplicasAnnotation: 4,
    });
  });

  it('an instance scheduled after it was told to go gets no load timer; unknown minReady timers are ignored', () => {
    const d = new Drive();
    d.edit(1_000);
    d.send({ type: 'rollback/requested', atMs: 2_000 });
    expect(d.inst('r2-2')).toMatchObject({ phase: 'pending', terminating: true });
    d.scheduled(3_000, 'r2-2');
    expect(d.inst('r2-2').phase).toBe('loading');
    expect(d.timers()).toEqual([]);
    expect(d.timer(4_000, { kind: 'minReady', instanceId: 'nope' })).toEqual([]);
  });

  it('during an in-place edit, a failing or crash-looping instance of the new revision rolls it back', () => {
    const grow = { scaling: { minInstances: 4 } };
    const d = new Drive();
    d.edit(1_000, grow);
    d.up(2_000, 'r2-2');
    expect(d.state.rollout.phase).toBe('scaling');
    for (const t of [3_000, 4_000, 5_000]) d.fail(t, 'r2-2');
    // In place, every instance simply goes back to the prior revision, so the rollback ends at once.
    expect(d.ended()).toMatchObject({ outcome: 'rolledBack', reason: 'HEALTH_CHECK_FAILED', inPlace: true });
    const c = new Drive();
    c.edit(1_000, grow);
    for (const [t, id] of [
      [2_000, 'r2-2'],
      [3_000, 'r2-3'],
      [4_000, 'r2-4'],
    ] as const) {
      c.crash(t, id, 'crashUnderLoad');
      if (c.state.rollout.phase !== 'scaling') break;
      c.terminated(t + 1, id);
    }
    expect(c.state.revisions[2]?.startupCrashes).toBe(3);
    expect(c.ended()).toMatchObject({ outcome: 'rolledBack', reason: 'HEALTH_CHECK_FAILED', inPlace: true });
  });

  it('crashes of old instances, or of the failed version while rolling back, are not counted against it', () => {
    const d = new Drive();
    d.edit(1_000);
    d.crash(2_000, 'r1-0', 'crashUnderLoad');
    expect(d.state.revisions[1]?.startupCrashes).toBe(0);
    expect(d.state.revisions[2]?.startupCrashes).toBe(0);
    const r = new Drive();
    r.edit(1_000);
    r.up(2_000, 'r2-2');
    r.send({ type: 'rollback/requested', atMs: 3_000 });
    r.crash(4_000, 'r2-2', 'crashUnderLoad');
    expect(r.state.revisions[2]?.startupCrashes).toBe(0);
    expect(r.state.rollout).toMatchObject({ phase: 'rollingBack', reason: 'MANUAL_ABORT' });
  });

  it('in the monitoring window a failing new instance is left to the rollback, not restarted', () => {
    const d = monitoring();
    for (const t of [10_000, 11_000, 12_000]) d.fail(t, 'r2-2');
    expect(d.removed()).toEqual([]);
    expect(d.inst('r2-2')).toMatchObject({ available: false, terminating: false });
  });

  it('a replacement that cannot be scheduled during monitoring does not fail the finished rollout', () => {
    const d = monitoring({ schedulingTimeoutMs: 60_000 });
    d.crash(10_000, 'r2-2', 'nodeFailure');
    expect(d.created()).toEqual(['r2-4']);
    d.timer(70_000, { kind: 'scheduling', instanceId: 'r2-4' });
    expect(d.state.rollout.phase).toBe('monitoring');
  });

  it('progress is measured against the last counts, so recovering from a setback counts as progress', () => {
    const d = new Drive();
    d.edit(1_000);
    d.scheduled(2_000, 'r2-2');
    d.ready(60_000, 'r2-2');
    d.crash(70_000, 'r2-2', 'nodeFailure');
    expect(d.state.rollout).toMatchObject({ lastProgressAtMs: 60_000 });
    d.terminated(70_001, 'r2-2');
    expect(d.created()).toEqual(['r2-3']);
    d.scheduled(80_000, 'r2-3');
    d.ready(200_000, 'r2-3');
    expect(d.state.rollout).toMatchObject({ lastProgressAtMs: 200_000 });
  });

  it('an in-place scale-up completes only with desired instances available, not merely all available', () => {
    const d = new Drive({ maxSurge: 0, maxUnavailable: 1 });
    d.edit(1_000, { scaling: { minInstances: 3 } });
    expect(d.created()).toEqual(['r2-2']);
    d.crash(2_000, 'r1-0', 'nodeFailure');
    // The crashed instance still holds its GPUs, so no replacement within the budget of 3.
    expect(d.created()).toEqual([]);
    d.up(3_000, 'r2-2');
    expect(d.state.rollout.phase).toBe('scaling');
    d.terminated(4_000, 'r1-0');
    const next = d.created();
    expect(next).toHaveLength(1);
    d.up(5_000, next[0]!);
    expect(d.ended()).toMatchObject({ outcome: 'completed', inPlace: true });
  });

  it('an in-place edit neither waits for nor fails on instances that were already starting when it came', () => {
    // The autoscaler's third instance waits for a GPU; a tags-only edit then must not hang on it, nor be
    // rolled back (RESOURCE_UNAVAILABLE) when that instance's scheduling timeout fires: the edit asked for
    // no instance. (A tags edit on a busy cluster was rolled back that way.)
    const d = new Drive();
    d.desired(1_000, 3);
    expect(d.created()).toEqual(['r1-2']);
    d.edit(2_000, { tags: { build: 'b7' } });
    expect(d.ended()).toMatchObject({ outcome: 'completed', inPlace: true, toRevision: 2 });
    expect(d.state.rollout.phase).toBe('steady');
    d.timer(1_000 + SCHED_TIMEOUT_MS, { kind: 'scheduling', instanceId: 'r1-2' });
    expect(d.state).toMatchObject({ lastEditOutcome: 'completed', revision: 2 });
    expect(d.inst('r1-2')).toMatchObject({ phase: 'pending', revision: 2, terminating: false });

    // Nor on a replacement it did not ask for: an instance crashed before the edit still holds its GPUs
    // (no room for a replacement yet), so the replacement comes after the tags edit, which is done.
    const c = new Drive({ maxSurge: 0, maxUnavailable: 1 });
    c.crash(1_000, 'r1-0', 'nodeFailure');
    expect(c.created()).toEqual([]);
    c.edit(2_000, { tags: { build: 'b8' } });
    expect(c.ended()).toMatchObject({ outcome: 'completed', inPlace: true });
    c.terminated(3_000, 'r1-0');
    expect(c.created()).toEqual(['r2-2']);
    c.timer(3_000 + SCHED_TIMEOUT_MS, { kind: 'scheduling', instanceId: 'r2-2' });
    expect(c.state).toMatchObject({ lastEditOutcome: 'completed', rollout: { phase: 'steady' } });

    // Raising the minimum waits for the instance it asked for, not for the one already waiting, and a
    // crash or failed probes of that earlier one do not fail it either.
    const g = new Drive();
    g.desired(1_000, 3);
    g.scheduled(1_500, 'r1-2');
    g.edit(2_000, { scaling: { minInstances: 4 } });
    expect(g.created()).toEqual(['r2-3']);
    expect(g.state.rollout.phase).toBe('scaling');
    g.crash(2_500, 'r1-2', 'crashOnLoad');
    expect(g.state.rollout.phase).toBe('scaling');
    expect(g.state.revisions[2]?.startupCrashes).toBe(0);
    const replacement = g.created();
    expect(replacement).toEqual(['r2-4']);
    g.terminated(2_600, 'r1-2');
    g.up(3_000, 'r2-3');
    // r2-3 is the edit's; the replacement of the crashed earlier instance is the edit's too (created after
    // it), so the edit completes once both are available.
    expect(g.state.rollout.phase).toBe('scaling');
    g.up(4_000, replacement[0]!);
    expect(g.ended()).toMatchObject({ outcome: 'completed', inPlace: true });

    // The edit's own instance up while the earlier one still waits for its GPU: done, in place.
    const w = new Drive();
    w.desired(1_000, 3);
    w.edit(2_000, { scaling: { minInstances: 4 } });
    expect(w.state.rollout).toMatchObject({ phase: 'scaling', own: ['r2-3'], raised: true });
    expect(w.created()).toEqual(['r2-3']);
    w.up(3_000, 'r2-3');
    expect(w.ended()).toMatchObject({ outcome: 'completed', inPlace: true });
    expect(w.inst('r1-2')).toMatchObject({ phase: 'pending', revision: 2 });

    // An instance that was serving before the edit and now fails its probes is the deployment's trouble,
    // not the edit's: the scale-up is not rolled back for it (it was, HEALTH_CHECK_FAILED).
    const o = new Drive();
    o.edit(1_000, { scaling: { minInstances: 3 } });
    for (const t of [2_000, 3_000, 4_000]) o.fail(t, 'r1-0');
    expect(o.state.rollout.phase).toBe('scaling');
    // It is replaced, as in a steady deployment; the replacement comes after the edit, so it is awaited.
    expect(o.removed()).toEqual(['terminate r1-0']);
    expect(o.created()).toEqual(['r2-3']);
    o.up(5_000, 'r2-2');
    expect(o.state.rollout.phase).toBe('scaling');
    o.up(6_000, 'r2-3');
    expect(o.ended()).toMatchObject({ outcome: 'completed', inPlace: true });

    // And the instance the raised minimum asked for still fails the edit when it finds no GPU.
    const f = new Drive();
    f.desired(1_000, 3);
    f.edit(2_000, { scaling: { minInstances: 4 } });
    expect(f.created()).toEqual(['r2-3']);
    f.timer(1_000 + SCHED_TIMEOUT_MS, { kind: 'scheduling', instanceId: 'r1-2' });
    expect(f.state.rollout.phase).toBe('scaling');
    f.timer(2_000 + SCHED_TIMEOUT_MS, { kind: 'scheduling', instanceId: 'r2-3' });
    expect(f.ended()).toMatchObject({ outcome: 'rolledBack', reason: 'RESOURCE_UNAVAILABLE', inPlace: true });
  });

  it('scale-down ties (same phase, same age) go newest-named first', () => {
    const d = new Drive();
    d.desired(1_000, 8);
    expect(d.created()).toEqual(['r1-2', 'r1-3', 'r1-4', 'r1-5', 'r1-6', 'r1-7']);
    d.desired(2_000, 4);
    expect(d.removed()).toEqual(['terminate r1-7', 'terminate r1-6', 'terminate r1-5', 'terminate r1-4']);
  });
});

describe('while rolling back', () => {
  /** Rolling edit aborted with one new instance serving: r1-0 and r2-2 up, r1-4 (prior) pending. */
  function abortedHalfway(): Drive {
    const d = new Drive();
    d.edit(1_000);
    d.up(2_000, 'r2-2');
    d.terminated(3_000, 'r1-1');
    d.send({ type: 'rollback/requested', atMs: 4_000 });
    d.terminated(4_001, 'r2-3');
    expect(d.created()).toEqual(['r1-4']);
    return d;
  }

  it('an instance of the failed version failing its probes is restarted like any other', () => {
    const d = abortedHalfway();
    for (const t of [5_000, 6_000, 7_000]) d.fail(t, 'r2-2');
    expect(d.removed()).toEqual(['terminate r2-2']);
    expect(d.state.rollout).toMatchObject({ phase: 'rollingBack', reason: 'MANUAL_ABORT' });
  });

  it('a resize gives the prior revision the surge budget first', () => {
    const d = abortedHalfway();
    d.desired(5_000, 4);
    expect(d.created()[0]).toMatch(/^r1-/);
  });
});

describe('old instances lost mid-rollout', () => {
  it('an old revision whose instances all crashed is cleaned up, not the new one grown past the budget', () => {
    const d = new Drive();
    d.edit(1_000);
    d.crash(2_000, 'r1-0', 'nodeFailure');
    d.crash(2_000, 'r1-1', 'nodeFailure');
    // Kubernetes' cleanupUnhealthyReplicas: the old revision's unavailable replicas go (2 → 0). With no
    // old instance live, the new revision is sized to desired in the same step, but its instances come
    // only as the surge budget frees up (both crashed instances still hold their GPUs).
    expect(d.state.revisions[1]?.replicas).toBe(0);
    expect(d.state.revisions[2]?.replicas).toBe(2);
    expect(d.created()).toEqual([]);
    d.terminated(3_000, 'r1-0');
    expect(d.state.revisions[2]?.replicas).toBe(2);
    expect(d.created()).toEqual(['r2-3']);
  });
});
