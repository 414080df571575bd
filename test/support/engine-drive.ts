// Drives the engine one event at a time with every invariant checked after each step, for the
// step-by-step engine tests (engine-steps.test.ts, engine-resize.test.ts): the default rolling edit,
// the default timings, and a rolling edit driven to its monitoring window.
import { initialState, step } from '../../engine/step.js';
import { checkInvariants } from '../../engine/invariants.js';
import type { DeploymentSpec, SpecEdit } from '../../catalog/spec.js';
import type { EngineState, InstanceState } from '../../engine/state.js';
import type {
  CrashCause,
  EngineEffect,
  EngineEvent,
  EngineOptions,
  RolloutOptions,
  TimerKey,
} from '../../engine/types.js';
import { baseSpec, engineOptions } from './engine-world.js';

export const edit70b: SpecEdit = { model: 'llama-3.1-70b', accelerator: { type: 'H100', count: 4 } };
export const DEADLINE_MS = 30 * 60_000;
export const SCHED_TIMEOUT_MS = 10 * 60_000;
export const LOAD_TIMEOUT_MS = 45 * 60_000;
export const MONITOR_MS = 10 * 60_000;

/** Steps the engine one event at a time, checking every invariant after each step. */
export class Drive {
  readonly options: EngineOptions;
  state: EngineState;
  effects: readonly EngineEffect[] = [];

  constructor(rollout: Partial<RolloutOptions> = {}, spec: DeploymentSpec = baseSpec) {
    this.options = engineOptions(rollout);
    this.state = initialState(spec, this.options);
  }

  send(event: EngineEvent): readonly EngineEffect[] {
    const prev = this.state;
    const r = step(this.options, prev, event);
    const broken = checkInvariants(this.options, prev, event, r.state, r.effects);
    if (broken.length > 0) throw new Error(`${event.type}@${event.atMs}: ${broken.join('; ')}`);
    this.state = r.state;
    this.effects = r.effects;
    return r.effects;
  }

  edit(atMs: number, edit: SpecEdit = edit70b) {
    return this.send({ type: 'edit/requested', atMs, edit });
  }
  scheduled(atMs: number, instanceId: string) {
    return this.send({ type: 'instance/scheduled', atMs, instanceId });
  }
  ready(atMs: number, instanceId: string) {
    return this.send({ type: 'instance/ready', atMs, instanceId });
  }
  pass(atMs: number, instanceId: string) {
    return this.send({ type: 'health/probePassed', atMs, instanceId });
  }
  fail(atMs: number, instanceId: string) {
    return this.send({ type: 'health/probeFailed', atMs, instanceId });
  }
  crash(atMs: number, instanceId: string, cause: CrashCause = 'crashOnLoad') {
    return this.send({ type: 'instance/crashed', atMs, instanceId, cause });
  }
  terminated(atMs: number, instanceId: string) {
    return this.send({ type: 'instance/terminated', atMs, instanceId });
  }
  timer(atMs: number, key: TimerKey) {
    return this.send({ type: 'timer/fired', atMs, key });
  }
  desired(atMs: number, desired: number) {
    return this.send({ type: 'autoscaler/desiredChanged', atMs, desired });
  }
  /** Scheduled, loaded and passing its probe: available (with the default successThreshold 1). */
  up(atMs: number, instanceId: string) {
    this.scheduled(atMs, instanceId);
    this.ready(atMs + 1, instanceId);
    return this.pass(atMs + 2, instanceId);
  }

  inst(id: string): InstanceState {
    const i = this.state.instances.get(id);
    if (i === undefined) throw new Error(`no instance ${id}`);
    return i;
  }
  created(): string[] {
    return this.effects.flatMap((e) => (e.type === 'instance/create' ? [e.instanceId] : []));
  }
  removed(): string[] {
    return this.effects.flatMap((e) =>
      e.type === 'instance/drain' || e.type === 'instance/terminate'
        ? [`${e.type.slice(9)} ${e.instanceId}`]
        : [],
    );
  }
  ended() {
    return this.effects.findLast((e) => e.type === 'action/ended');
  }
  timers(): (TimerKey & { atMs: number })[] {
    return this.effects.flatMap((e) => (e.type === 'timer/schedule' ? [{ ...e.key, atMs: e.atMs }] : []));
  }
}

/** A two-instance rolling edit driven to its monitoring window (last old instance gone at 5 s). */
export function monitoring(rollout: Partial<RolloutOptions> = {}): Drive {
  const d = new Drive(rollout);
  d.edit(1_000);
  d.up(2_000, 'r2-2');
  d.terminated(3_000, 'r1-1');
  d.up(4_000, 'r2-3');
  d.terminated(5_000, 'r1-0');
  return d;
}
