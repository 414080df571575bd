// The rolling-update state machine: step(options, state, event) -> { state, effects } (the shape of
// XState's transition(logic, snapshot, event): the options stay outside the state). Pure: no clock,
// no randomness, no I/O. Each step applies the event, then settles: reconciles instance counts the way
// the Kubernetes Deployment controller does (rolling.ts over k8s/deployment.ts) and checks the rollout's
// phase (progress.ts) until nothing more happens. Failures go through rollback.ts, timers through timers.ts.
import { maxSurge } from '../k8s/deployment.js';
import type { DeploymentSpec } from '../catalog/spec.js';
import { clampToRange, Draft, strategyOf } from './draft.js';
import { onEditRequested } from './edit.js';
import { onCrashed, onProbeFailed, onProbePassed, onReady, onScheduled } from './instances.js';
import { checkPhase } from './progress.js';
import { onRollbackRequested } from './rollback.js';
import { reconcile, rescale } from './rolling.js';
import { InstanceTable } from './instance-table.js';
import type { EngineState, RevisionState } from './state.js';
import { onTimer } from './timers.js';
import type { EngineEffect, EngineEvent, EngineOptions } from './types.js';

export interface StepResult {
  readonly state: EngineState;
  readonly effects: readonly EngineEffect[];
}

/** The deployment as it is at t=0: `minInstances` ready instances of revision 1 when deployed. */
export function initialState(
  spec: DeploymentSpec,
  options: EngineOptions,
  opts: { nowMs?: number } = {},
): EngineState {
  const nowMs = opts.nowMs ?? 0;
  const count = spec.status === 'deployed' ? spec.scaling.minInstances : 0;
  const instances = InstanceTable.empty.edit();
  for (let i = 0; i < count; i++) {
    const id = `r1-${i}`;
    instances.set({
      id,
      revision: 1,
      phase: 'ready',
      createdAtMs: nowMs,
      scheduledAtMs: nowMs,
      readyAtMs: nowMs,
      passedAtMs: nowMs,
      consecutivePasses: options.rollout.healthCheck.successThreshold,
      consecutiveFailures: 0,
      available: true,
      terminating: false,
    });
  }
  const revision: RevisionState = {
    revision: 1,
    spec,
    replicas: count,
    maxReplicasAnnotation: count + maxSurge(strategyOf(options), count),
    desiredReplicasAnnotation: count,
    startupCrashes: 0,
  };
  return {
    spec,
    revision: 1,
    revisions: { 1: revision },
    instances: instances.freeze(),
    desired: count,
    recommended: count,
    rollout: { phase: 'steady' },
    lastEditOutcome: 'none',
    nextActionIndex: 0,
    nextInstanceSeq: count,
    nowMs,
    degraded: false,
    lastRejection: [],
  };
}

export function step(options: EngineOptions, state: EngineState, event: EngineEvent): StepResult {
  if (isNoopProbe(state, event)) return { state, effects: [] };
  const d = new Draft(options, state, event.atMs);
  applyEvent(d, event);
  settle(d);
  reportHealth(d);
  return { state: d.finish(), effects: d.effects };
}

/** Enough rounds for any chain (shrink, then grow, then finish, then clean up); more is a bug. */
const SETTLE_ROUNDS_MAX = 32;

/**
 * Reconciles and checks the phase until nothing more happens, so that everything an event causes
 * happens in its own step (a later, unrelated event, such as a rejected edit, must not carry it out).
 */
function settle(d: Draft): void {
  for (let round = 0; round < SETTLE_ROUNDS_MAX; round++) {
    const before = d.effects.length;
    const resized = d.replicaChanges;
    reconcile(d);
    checkPhase(d);
    // A round can change a revision's size without an effect (a scaling event's proportional sizes,
    // shrunk back by the rolling step): that is not a fixpoint, the next round may create from it.
    if (d.effects.length === before && d.replicaChanges === resized) return;
  }
  throw new Error(`engine: no fixpoint after ${SETTLE_ROUNDS_MAX} reconcile rounds at ${d.nowMs} ms`);
}

/** A passing probe on an instance that is already available changes nothing: the common case, kept cheap. */
function isNoopProbe(state: EngineState, event: EngineEvent): boolean {
  if (event.type !== 'health/probePassed') return false;
  const inst = state.instances.get(event.instanceId);
  return inst !== undefined && inst.available && inst.consecutiveFailures === 0 && !inst.terminating;
}

function applyEvent(d: Draft, event: EngineEvent): void {
  switch (event.type) {
    case 'edit/requested':
      return onEditRequested(d, event.edit);
    case 'rollback/requested':
      return onRollbackRequested(d);
    case 'instance/scheduled':
      return onScheduled(d, event.instanceId);
    case 'instance/unschedulable':
      return;
    case 'instance/ready':
      return onReady(d, event.instanceId);
    case 'instance/crashed':
      return onCrashed(d, event.instanceId, event.cause);
    case 'instance/terminated':
      d.deleteInstance(event.instanceId);
      return;
    case 'health/probePassed':
      return onProbePassed(d, event.instanceId);
    case 'health/probeFailed':
      return onProbeFailed(d, event.instanceId);
    case 'autoscaler/desiredChanged':
      d.recommended = event.desired;
      return rescale(d, clampToRange(event.desired, d.spec));
    case 'timer/fired':
      return onTimer(d, event.key);
  }
}

/** Degraded: in steady state with fewer available instances than desired (e.g. after a node failure). */
function reportHealth(d: Draft): void {
  const ready = d.availableCount();
  const degraded = d.rollout.phase === 'steady' && ready < d.desired;
  if (degraded && !d.degraded) d.effects.push({ type: 'deployment/degraded', ready, desired: d.desired });
  if (!degraded && d.degraded) d.effects.push({ type: 'deployment/healthy', ready });
  d.degraded = degraded;
}
