// The one effect driver: steps the engine with a fact (checking the invariants when asked) and hands
// each effect the engine asks for to the world's handler for it. The simulator (sim/world.ts,
// sim/run.ts) and the engine's test worlds (test/support/) drive the engine through it.
import { checkInvariants } from '../engine/invariants.js';
import type { EngineState } from '../engine/state.js';
import { step } from '../engine/step.js';
import type { EngineEffect, EngineEvent, EngineOptions, InstanceId, TimerKey } from '../engine/types.js';

export type CreateEffect = Extract<EngineEffect, { type: 'instance/create' }>;
/** Effects that request nothing of the world: the new spec, and the action and health reports. */
export type ReportEffect = Extract<
  EngineEffect,
  { type: 'spec/apply' | 'action/started' | 'action/ended' | 'deployment/degraded' | 'deployment/healthy' }
>;

/** What a world does for each effect. */
export interface EffectHandlers {
  readonly create: (effect: CreateEffect) => void;
  /** Stop routing new requests to it, let in-flight ones finish, then terminate. */
  readonly drain: (instanceId: InstanceId) => void;
  /** Kill now. */
  readonly terminate: (instanceId: InstanceId) => void;
  /** Fire `timer/fired` with this key at this time. */
  readonly timer: (key: TimerKey, atMs: number) => void;
  /** For worlds that record reports; others leave it out. */
  readonly report?: (effect: ReportEffect) => void;
}

export function applyEffect(effect: EngineEffect, handlers: EffectHandlers): void {
  switch (effect.type) {
    case 'instance/create':
      return handlers.create(effect);
    case 'instance/drain':
      return handlers.drain(effect.instanceId);
    case 'instance/terminate':
      return handlers.terminate(effect.instanceId);
    case 'timer/schedule':
      return handlers.timer(effect.key, effect.atMs);
    case 'spec/apply':
    case 'action/started':
    case 'action/ended':
    case 'deployment/degraded':
    case 'deployment/healthy':
      return handlers.report?.(effect);
  }
}

export interface DrivenStep {
  readonly state: EngineState;
  readonly effects: readonly EngineEffect[];
  /** Broken invariants (`name: reason`), empty when they hold or were not checked. */
  readonly broken: readonly string[];
}

/** One engine step, with every invariant checked over it when `check` is set. */
export function stepEngine(
  options: EngineOptions,
  prev: EngineState,
  event: EngineEvent,
  check: boolean,
): DrivenStep {
  const { state, effects } = step(options, prev, event);
  const broken = check ? checkInvariants(options, prev, event, state, effects) : [];
  return { state, effects, broken };
}
