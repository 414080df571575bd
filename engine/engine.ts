// The rolling-update state machine: step(state, event) -> { state, effects }. Pure: no clock,
// no randomness, no I/O. Each step applies the event, reconciles instance counts the way the
// Kubernetes Deployment controller does (k8s/deployment.ts), then checks for completion or failure.
import {
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  maxSurge,
  scaleDeployment,
  surgeBudgetReplicaCount,
  reconcileNewReplicaSet,
  reconcileOldReplicaSets,
  type RollingStrategy,
} from '../k8s/deployment.js';
import type { DeploymentSpec } from '../catalog/spec.js';
import type { EngineState, InstanceState, RevisionState, RolloutPhase, StatusCounts } from './state.js';
import type {
  EditIssue,
  EngineEffect,
  EngineEvent,
  EngineOptions,
  FaultInjectionRule,
  RollbackReason,
} from './types.js';
import { validateEdit } from './validate.js';

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
  const instances: Record<string, InstanceState> = {};
  for (let i = 0; i < count; i++) {
    const id = `r1-${i}`;
    instances[id] = {
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
    };
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
    options,
    spec,
    revision: 1,
    revisions: { 1: revision },
    instances,
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

export function step(state: EngineState, event: EngineEvent): StepResult {
  if (isNoopProbe(state, event)) return { state, effects: [] };
  const d = new Draft(state, event.atMs);
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
    reconcile(d);
    checkPhase(d);
    if (d.effects.length === before) return;
  }
  throw new Error(`engine: no fixpoint after ${SETTLE_ROUNDS_MAX} reconcile rounds at ${d.nowMs} ms`);
}

/** A passing probe on an instance that is already available changes nothing: the common case, kept cheap. */
function isNoopProbe(state: EngineState, event: EngineEvent): boolean {
  if (event.type !== 'health/probePassed') return false;
  const inst = state.instances[event.instanceId];
  return inst !== undefined && inst.available && inst.consecutiveFailures === 0 && !inst.terminating;
}

// ---------------------------------------------------------------------------------------------
// The mutable working copy of one step.

type ActionPhase = Exclude<RolloutPhase, { phase: 'steady' }>;

interface Census {
  /** Non-terminating instances per revision. */
  readonly live: Map<number, number>;
  readonly availableByRevision: Map<number, number>;
  readonly terminatingByRevision: Map<number, number>;
  available: number;
  terminating: number;
}

class Draft {
  spec: DeploymentSpec;
  revision: number;
  readonly revisions: Map<number, RevisionState>;
  readonly instances: Map<string, InstanceState>;
  desired: number;
  recommended: number;
  rollout: RolloutPhase;
  lastEditOutcome: EngineState['lastEditOutcome'];
  nextActionIndex: number;
  nextInstanceSeq: number;
  degraded: boolean;
  lastRejection: readonly EditIssue[];
  readonly effects: EngineEffect[] = [];
  private instancesChanged = false;
  private counts: Census | null = null;

  constructor(
    readonly prev: EngineState,
    readonly nowMs: number,
  ) {
    this.spec = prev.spec;
    this.revision = prev.revision;
    this.revisions = new Map(Object.values(prev.revisions).map((r) => [r.revision, r]));
    this.instances = new Map(Object.entries(prev.instances));
    this.desired = prev.desired;
    this.recommended = prev.recommended;
    this.rollout = prev.rollout;
    this.lastEditOutcome = prev.lastEditOutcome;
    this.nextActionIndex = prev.nextActionIndex;
    this.nextInstanceSeq = prev.nextInstanceSeq;
    this.degraded = prev.degraded;
    this.lastRejection = prev.lastRejection;
  }

  get options(): EngineOptions {
    return this.prev.options;
  }

  get strategy(): RollingStrategy {
    return strategyOf(this.options);
  }

  rev(revision: number): RevisionState {
    const r = this.revisions.get(revision);
    if (r === undefined) throw new Error(`engine: unknown revision ${revision}`);
    return r;
  }

  setReplicas(revision: number, replicas: number): void {
    const r = this.rev(revision);
    const annotation = this.desired + maxSurge(this.strategy, this.desired);
    if (
      r.replicas !== replicas ||
      r.maxReplicasAnnotation !== annotation ||
      r.desiredReplicasAnnotation !== this.desired
    ) {
      this.revisions.set(revision, {
        ...r,
        replicas,
        maxReplicasAnnotation: annotation,
        desiredReplicasAnnotation: this.desired,
      });
    }
  }

  updateInstance(id: string, patch: Partial<InstanceState>): void {
    const inst = this.instances.get(id);
    if (inst !== undefined) this.putInstance({ ...inst, ...patch });
  }

  putInstance(inst: InstanceState): void {
    this.instances.set(inst.id, inst);
    this.instancesChanged = true;
    this.counts = null;
  }

  deleteInstance(id: string): void {
    if (this.instances.delete(id)) {
      this.instancesChanged = true;
      this.counts = null;
    }
  }

  /** Instances of a revision that are not on their way out. */
  live(revision: number): InstanceState[] {
    return [...this.instances.values()].filter((i) => i.revision === revision && !i.terminating);
  }

  liveCount(revision: number): number {
    return this.census().live.get(revision) ?? 0;
  }

  terminatingCount(revision?: number): number {
    const c = this.census();
    return revision === undefined ? c.terminating : (c.terminatingByRevision.get(revision) ?? 0);
  }

  availableCount(revision?: number): number {
    const c = this.census();
    return revision === undefined ? c.available : (c.availableByRevision.get(revision) ?? 0);
  }

  /** Counts over all instances, computed once and kept until an instance changes. */
  private census(): Census {
    if (this.counts !== null) return this.counts;
    const c: Census = {
      live: new Map(),
      availableByRevision: new Map(),
      terminatingByRevision: new Map(),
      available: 0,
      terminating: 0,
    };
    for (const i of this.instances.values()) {
      if (i.terminating) {
        c.terminating++;
        c.terminatingByRevision.set(i.revision, (c.terminatingByRevision.get(i.revision) ?? 0) + 1);
        continue;
      }
      c.live.set(i.revision, (c.live.get(i.revision) ?? 0) + 1);
      if (i.available) {
        c.available++;
        c.availableByRevision.set(i.revision, (c.availableByRevision.get(i.revision) ?? 0) + 1);
      }
    }
    this.counts = c;
    return c;
  }

  schedule(key: string, atMs: number): void {
    this.effects.push({ type: 'timer/schedule', key, atMs });
  }

  finish(): EngineState {
    const revisions: Record<number, RevisionState> = {};
    for (const [k, v] of [...this.revisions.entries()].sort((a, b) => a[0] - b[0])) revisions[k] = v;
    return {
      options: this.prev.options,
      spec: this.spec,
      revision: this.revision,
      revisions,
      instances: this.instancesChanged ? Object.fromEntries(this.instances) : this.prev.instances,
      desired: this.desired,
      recommended: this.recommended,
      rollout: this.rollout,
      lastEditOutcome: this.lastEditOutcome,
      nextActionIndex: this.nextActionIndex,
      nextInstanceSeq: this.nextInstanceSeq,
      nowMs: this.nowMs,
      degraded: this.degraded,
      lastRejection: this.lastRejection,
    };
  }
}

/** Test-only: whether a planted bug switches this rule off (EngineOptions.faultInjection). */
function isDisabled(d: Draft, rule: FaultInjectionRule): boolean {
  return d.options.faultInjection?.disableRule === rule;
}

function strategyOf(options: EngineOptions): RollingStrategy {
  return { maxSurge: options.rollout.maxSurge, maxUnavailable: options.rollout.maxUnavailable };
}

function clampToRange(n: number, spec: DeploymentSpec): number {
  return Math.min(spec.scaling.maxInstances, Math.max(spec.scaling.minInstances, n));
}

// ---------------------------------------------------------------------------------------------
// Events.

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

function onEditRequested(d: Draft, edit: Parameters<typeof validateEdit>[1]): void {
  const actionIndex = d.nextActionIndex++;
  const editInProgress = d.rollout.phase !== 'steady';
  const disabledRule = d.options.faultInjection?.disableRule;
  const result = validateEdit(d.spec, edit, {
    catalog: d.options.catalog,
    limits: d.options.limits,
    editInProgress,
    ...(disabledRule === undefined ? {} : { disabledRule }),
  });
  const from = d.revision;
  if (!result.ok) {
    d.lastRejection = result.issues;
    endAction(d, actionIndex, 'edit', 'rejected', null, result.issues, false, from, from);
    return;
  }
  if (result.kind === 'noop') {
    startAction(d, actionIndex, 'edit', true, from, from);
    endAction(d, actionIndex, 'edit', 'completed', null, [], true, from, from, d.nowMs);
    d.lastEditOutcome = 'completed';
    return;
  }
  const to = Math.max(...d.revisions.keys()) + 1;
  const base = {
    actionIndex,
    startedAtMs: d.nowMs,
    fromRevision: from,
    toRevision: to,
    priorSpec: d.spec,
    priorReplicas: d.rev(from).replicas,
  };
  d.spec = result.spec;
  d.revision = to;
  d.revisions.set(to, {
    revision: to,
    spec: result.spec,
    replicas: 0,
    maxReplicasAnnotation: 0,
    desiredReplicasAnnotation: null,
    startupCrashes: 0,
  });
  d.effects.push({ type: 'spec/apply', revision: to, spec: result.spec });
  const inPlace = result.kind === 'inPlace';
  startAction(d, actionIndex, 'edit', inPlace, from, to);
  if (inPlace) {
    // No restart: the running instances simply belong to the new revision.
    relabel(d, from, to);
    d.setReplicas(to, d.rev(from).replicas);
    d.setReplicas(from, 0);
    d.rollout = { ...base, phase: 'scaling' };
    rescale(d, clampToRange(d.recommended, d.spec));
    return;
  }
  d.rollout = { ...base, phase: 'rolling', lastProgressAtMs: d.nowMs, lastCounts: statusCounts(d, to) };
  d.schedule('progress', d.nowMs + d.options.rollout.progressDeadlineMs + 1);
  rescale(d, clampToRange(d.recommended, d.spec));
}

function onRollbackRequested(d: Draft): void {
  const actionIndex = d.nextActionIndex++;
  const phase = d.rollout.phase;
  if (phase === 'rolling' || phase === 'scaling' || phase === 'monitoring') {
    startAction(d, actionIndex, 'rollback', false, d.revision, d.rollout.fromRevision);
    endAction(d, actionIndex, 'rollback', 'completed', null, [], false, d.revision, d.rollout.fromRevision);
    startRollback(d, 'MANUAL_ABORT');
    return;
  }
  const issue: EditIssue =
    phase === 'rollingBack'
      ? {
          code: 'EDIT_IN_PROGRESS',
          field: '',
          message: 'a rollback is already under way; wait until it ends.',
        }
      : {
          code: 'MANUAL_ROLLBACK_UNSUPPORTED',
          field: '',
          message:
            d.lastEditOutcome === 'completed'
              ? 'the last edit succeeded and cannot be rolled back manually; submit a new edit with the configuration you want.'
              : 'there is no rollout to roll back; submit a new edit with the configuration you want.',
        };
  d.lastRejection = [issue];
  endAction(d, actionIndex, 'rollback', 'rejected', null, [issue], false, d.revision, d.revision);
}

function onScheduled(d: Draft, id: string): void {
  const inst = d.instances.get(id);
  if (inst === undefined || inst.phase !== 'pending') return;
  d.updateInstance(id, { phase: 'loading', scheduledAtMs: d.nowMs });
  if (!inst.terminating) d.schedule(`load:${id}`, d.nowMs + d.options.rollout.loadTimeoutMs);
}

function onReady(d: Draft, id: string): void {
  const inst = d.instances.get(id);
  if (inst === undefined || (inst.phase !== 'loading' && inst.phase !== 'pending')) return;
  d.updateInstance(id, { phase: 'ready', readyAtMs: d.nowMs, consecutivePasses: 0, consecutiveFailures: 0 });
}

function onProbePassed(d: Draft, id: string): void {
  const inst = d.instances.get(id);
  if (inst === undefined || inst.phase !== 'ready' || inst.terminating) return;
  const passes = inst.consecutivePasses + 1;
  const passed = passes >= d.options.rollout.healthCheck.successThreshold;
  if (inst.passedAtMs !== null) {
    // It passed before and had failed since: it recovers once it passes again.
    const available = inst.available || (passed && minReadyElapsed(d, inst.passedAtMs));
    d.updateInstance(id, { consecutivePasses: passes, consecutiveFailures: 0, available });
    return;
  }
  if (!passed) {
    d.updateInstance(id, { consecutivePasses: passes, consecutiveFailures: 0 });
    return;
  }
  const minReadyMs = d.options.rollout.minReadyMs;
  d.updateInstance(id, {
    consecutivePasses: passes,
    consecutiveFailures: 0,
    passedAtMs: d.nowMs,
    available: minReadyMs === 0,
  });
  if (minReadyMs > 0) d.schedule(`minReady:${id}`, d.nowMs + minReadyMs);
}

function minReadyElapsed(d: Draft, passedAtMs: number): boolean {
  return d.nowMs >= passedAtMs + d.options.rollout.minReadyMs;
}

function onProbeFailed(d: Draft, id: string): void {
  const inst = d.instances.get(id);
  if (inst === undefined || inst.phase !== 'ready' || inst.terminating) return;
  const failures = inst.consecutiveFailures + 1;
  if (failures < d.options.rollout.healthCheck.failureThreshold) {
    d.updateInstance(id, { consecutiveFailures: failures, consecutivePasses: 0 });
    return;
  }
  d.updateInstance(id, { consecutiveFailures: failures, consecutivePasses: 0, available: false });
  if (failsTheRollout(d, inst)) return;
  // Liveness: a persistently failing instance is restarted (replaced).
  removeInstance(d, id, 'terminate');
}

/** Whether a failure of this instance fails the edit in progress (and starts the rollback). */
function failsTheRollout(d: Draft, inst: InstanceState): boolean {
  const r = d.rollout;
  if ((r.phase === 'rolling' || r.phase === 'scaling') && inst.revision === r.toRevision) {
    startRollback(d, 'HEALTH_CHECK_FAILED');
    return true;
  }
  if (r.phase === 'monitoring' && inst.revision === r.toRevision) {
    startRollback(d, 'UNSTABLE_AFTER_EDIT');
    return true;
  }
  return false;
}

const INFRASTRUCTURE_CAUSES = new Set(['nodeFailure', 'gpuFailure']);

function onCrashed(d: Draft, id: string, cause: string): void {
  const inst = d.instances.get(id);
  if (inst === undefined) return;
  const wasTerminating = inst.terminating;
  d.updateInstance(id, { available: false });
  if (!wasTerminating) removeInstance(d, id, 'terminate');
  if (wasTerminating || INFRASTRUCTURE_CAUSES.has(cause)) return;
  const r = d.rollout;
  if (r.phase === 'monitoring' && inst.revision === r.toRevision) {
    startRollback(d, 'UNSTABLE_AFTER_EDIT');
    return;
  }
  if ((r.phase === 'rolling' || r.phase === 'scaling') && inst.revision === r.toRevision) {
    // A crash loop: the new version crashed failureThreshold times.
    const rev = d.rev(inst.revision);
    const crashes = rev.startupCrashes + 1;
    d.revisions.set(rev.revision, { ...rev, startupCrashes: crashes });
    if (crashes >= d.options.rollout.healthCheck.failureThreshold) startRollback(d, 'HEALTH_CHECK_FAILED');
  }
}

function onTimer(d: Draft, key: string): void {
  const [kind, id] = splitKey(key);
  switch (kind) {
    case 'sched':
      return onSchedulingTimeout(d, id);
    case 'load': {
      const inst = d.instances.get(id);
      if (inst !== undefined && inst.phase === 'loading' && !inst.terminating)
        onCrashed(d, id, 'loadTimeout');
      return;
    }
    case 'minReady': {
      const inst = d.instances.get(id);
      if (
        inst?.passedAtMs != null &&
        inst.phase === 'ready' &&
        !inst.terminating &&
        inst.consecutiveFailures === 0
      ) {
        d.updateInstance(id, { available: true });
      }
      return;
    }
    case 'progress':
      return onProgressTimer(d);
    case 'monitor':
      if (d.rollout.phase === 'monitoring' && d.nowMs >= d.rollout.untilMs) completeEdit(d, d.rollout);
      return;
    case 'rollbackDeadline':
      return onRollbackDeadline(d);
    default:
      return;
  }
}

function splitKey(key: string): [string, string] {
  const i = key.indexOf(':');
  return i < 0 ? [key, ''] : [key.slice(0, i), key.slice(i + 1)];
}

function onSchedulingTimeout(d: Draft, id: string): void {
  const inst = d.instances.get(id);
  if (inst === undefined || inst.phase !== 'pending' || inst.terminating) return;
  const r = d.rollout;
  if ((r.phase === 'rolling' || r.phase === 'scaling') && inst.revision === r.toRevision) {
    startRollback(d, 'RESOURCE_UNAVAILABLE');
  }
  // Otherwise it keeps waiting: the deployment reports degraded while ready < desired.
}

function onProgressTimer(d: Draft): void {
  const r = d.rollout;
  if (r.phase !== 'rolling') return;
  if (deploymentTimedOut(r.lastProgressAtMs, d.options.rollout.progressDeadlineMs, d.nowMs)) {
    startRollback(d, 'PROGRESS_DEADLINE_EXCEEDED');
    return;
  }
  d.schedule('progress', r.lastProgressAtMs + d.options.rollout.progressDeadlineMs + 1);
}

function onRollbackDeadline(d: Draft): void {
  const r = d.rollout;
  if (r.phase !== 'rollingBack' || r.forced) return;
  // The prior revision could not come back in time: force the failed revision out so the
  // rollback ends (availability may dip; the deployment reports degraded until it recovers).
  d.rollout = { ...r, forced: true };
  d.setReplicas(r.failedRevision, 0);
  for (const inst of d.live(r.failedRevision))
    removeInstance(d, inst.id, inst.available ? 'drain' : 'terminate');
}

// ---------------------------------------------------------------------------------------------
// Actions: start, complete, roll back.

function startAction(
  d: Draft,
  actionIndex: number,
  kind: 'edit' | 'rollback',
  inPlace: boolean,
  from: number,
  to: number,
) {
  d.effects.push({ type: 'action/started', actionIndex, kind, inPlace, fromRevision: from, toRevision: to });
}

function endAction(
  d: Draft,
  actionIndex: number,
  kind: 'edit' | 'rollback',
  outcome: 'completed' | 'rolledBack' | 'rejected',
  reason: RollbackReason | null,
  errors: readonly EditIssue[],
  inPlace: boolean,
  from: number,
  to: number,
  rolloutDoneAtMs: number | null = null,
): void {
  d.effects.push({
    type: 'action/ended',
    actionIndex,
    kind,
    outcome,
    reason,
    errors,
    inPlace,
    fromRevision: from,
    toRevision: to,
    rolloutDoneAtMs,
  });
}

function completeEdit(d: Draft, r: ActionPhase): void {
  endAction(
    d,
    r.actionIndex,
    'edit',
    'completed',
    null,
    [],
    r.phase === 'scaling',
    r.fromRevision,
    r.toRevision,
    r.phase === 'monitoring' ? r.rolloutDoneAtMs : d.nowMs,
  );
  d.lastEditOutcome = 'completed';
  d.rollout = { phase: 'steady' };
}

function startRollback(d: Draft, reason: RollbackReason): void {
  const r = d.rollout;
  if (r.phase === 'steady' || r.phase === 'rollingBack') return;
  const prior = r.fromRevision;
  const failed = r.toRevision;
  const inPlace = r.phase === 'scaling';
  // Test-only planted bug: keep the failed spec in force while going back to the prior revision.
  const restored = isDisabled(d, 'specRestoreOnRollback') ? d.spec : r.priorSpec;
  d.spec = restored;
  d.revision = prior;
  d.effects.push({ type: 'spec/apply', revision: prior, spec: restored });
  d.rollout = {
    ...r,
    phase: 'rollingBack',
    reason,
    failedRevision: failed,
    inPlace,
    forced: false,
    rollbackStartedAtMs: d.nowMs,
  };
  if (inPlace) {
    relabel(d, failed, prior);
    d.setReplicas(prior, d.rev(failed).replicas);
    d.setReplicas(failed, 0);
  }
  // Back to the prior count, or more if the autoscaler asks for more, within the prior range.
  const target = clampToRange(Math.max(r.priorReplicas, d.recommended), r.priorSpec);
  rescale(d, target);
  d.schedule('rollbackDeadline', d.nowMs + d.options.rollout.progressDeadlineMs);
}

function relabel(d: Draft, from: number, to: number): void {
  for (const inst of [...d.instances.values()])
    if (inst.revision === from) d.updateInstance(inst.id, { revision: to });
}

// ---------------------------------------------------------------------------------------------
// Scaling and reconciliation.

/** A new desired count, spread over the revisions by Kubernetes' `scale()` (k8s/deployment.ts). */
function rescale(d: Draft, desired: number): void {
  d.desired = desired;
  const target = d.rev(targetRevision(d));
  const olds = [...d.revisions.values()]
    .filter((r) => r.revision !== target.revision)
    .sort((a, b) => a.revision - b.revision);
  const view = (r: RevisionState) => ({
    replicas: r.replicas,
    available: d.availableCount(r.revision),
    desiredReplicasAnnotation: r.desiredReplicasAnnotation,
    maxReplicasAnnotation: r.maxReplicasAnnotation > 0 ? r.maxReplicasAnnotation : null,
    order: r.revision,
  });
  const sizes = scaleDeployment({
    strategy: d.strategy,
    desired,
    statusReplicas: d.instances.size - d.terminatingCount(),
    newRS: view(target),
    oldRSs: olds.map(view),
  });
  d.setReplicas(target.revision, sizes.newRS ?? target.replicas);
  olds.forEach((r, i) => d.setReplicas(r.revision, sizes.oldRSs[i] ?? r.replicas));
}

/** The revision the deployment is converging to. */
function targetRevision(d: Draft): number {
  return d.revision;
}

/** Grow the target revision within the surge budget, else shrink older ones within availability. */
function reconcile(d: Draft): void {
  const target = targetRevision(d);
  const others = [...d.revisions.values()]
    .filter((r) => r.revision !== target && (r.replicas > 0 || d.liveCount(r.revision) > 0))
    .sort((a, b) => a.revision - b.revision);
  if (others.length === 0) {
    d.setReplicas(target, d.desired);
  } else {
    const grown = isDisabled(d, 'surgeLimit')
      ? d.desired
      : reconcileNewReplicaSet(d.strategy, d.desired, d.rev(target).replicas, currentTotal(d));
    if (grown !== d.rev(target).replicas) d.setReplicas(target, grown);
    else shrinkOld(d, target, others);
  }
  syncInstances(d);
}

/** Instances counted against the surge budget (Kubernetes' current pod count for NewRSNewReplicas). */
function currentTotal(d: Draft): number {
  const rss = [...d.revisions.values()].map((r) => ({
    replicas: r.replicas,
    statusReplicas: d.liveCount(r.revision),
    terminating: d.terminatingCount(r.revision),
    observedGeneration: 1,
  }));
  return surgeBudgetReplicaCount(rss, d.options.rollout.podReplacementPolicy) ?? 0;
}

function countedTerminating(d: Draft): number {
  return d.options.rollout.podReplacementPolicy === 'TerminationComplete' ? d.terminatingCount() : 0;
}

function shrinkOld(d: Draft, target: number, others: readonly RevisionState[]): void {
  const allReplicas = [...d.revisions.values()].reduce((s, r) => s + r.replicas, 0) + countedTerminating(d);
  const result = reconcileOldReplicaSets({
    strategy: d.strategy,
    desired: d.desired,
    allReplicas,
    newRS: { replicas: d.rev(target).replicas, available: d.availableCount(target) },
    oldRSs: others.map((r) => ({
      replicas: r.replicas,
      available: Math.min(r.replicas, d.availableCount(r.revision)),
    })),
  });
  others.forEach((r, i) => d.setReplicas(r.revision, result.replicas[i] ?? r.replicas));
}

/** Create or remove instances so each revision has its replica count, within the surge budget. */
function syncInstances(d: Draft): void {
  for (const r of [...d.revisions.values()]) {
    const live = d.live(r.revision);
    if (live.length > r.replicas) {
      for (const inst of removalOrder(live).slice(0, live.length - r.replicas)) {
        removeInstance(d, inst.id, inst.available ? 'drain' : 'terminate');
      }
    }
  }
  const budget = isDisabled(d, 'surgeLimit') ? Infinity : d.desired + maxSurge(d.strategy, d.desired);
  // The revision being converged to gets the budget first.
  const target = targetRevision(d);
  const order = [...d.revisions.values()].sort((a, b) =>
    a.revision === target ? -1 : b.revision === target ? 1 : b.revision - a.revision,
  );
  for (const r of order) {
    let missing = r.replicas - d.liveCount(r.revision);
    while (missing > 0 && totalInstances(d) < budget) {
      createInstance(d, r);
      missing--;
    }
  }
}

/** Instances holding or waiting for GPUs (terminating ones too, under TerminationComplete). */
function totalInstances(d: Draft): number {
  return d.instances.size - d.terminatingCount() + countedTerminating(d);
}

/** Not-yet-available instances go first (pending, then loading, then unready), newest first. */
function removalOrder(live: readonly InstanceState[]): InstanceState[] {
  const rank = (i: InstanceState) =>
    i.available ? 3 : i.phase === 'pending' ? 0 : i.phase === 'loading' ? 1 : 2;
  return [...live].sort(
    (a, b) => rank(a) - rank(b) || b.createdAtMs - a.createdAtMs || (a.id < b.id ? 1 : -1),
  );
}

function createInstance(d: Draft, r: RevisionState): void {
  const id = `r${r.revision}-${d.nextInstanceSeq++}`;
  d.putInstance({
    id,
    revision: r.revision,
    phase: 'pending',
    createdAtMs: d.nowMs,
    scheduledAtMs: null,
    readyAtMs: null,
    passedAtMs: null,
    consecutivePasses: 0,
    consecutiveFailures: 0,
    available: false,
    terminating: false,
  });
  const { model, accelerator } = r.spec;
  d.effects.push({
    type: 'instance/create',
    instanceId: id,
    revision: r.revision,
    template: { model, accelerator },
  });
  d.schedule(`sched:${id}`, d.nowMs + d.options.rollout.schedulingTimeoutMs);
}

function removeInstance(d: Draft, id: string, how: 'drain' | 'terminate'): void {
  const inst = d.instances.get(id);
  if (inst === undefined || inst.terminating) return;
  const drain = how === 'drain' && inst.phase === 'ready';
  d.updateInstance(id, { terminating: true, available: false, phase: drain ? 'draining' : inst.phase });
  d.effects.push(
    drain ? { type: 'instance/drain', instanceId: id } : { type: 'instance/terminate', instanceId: id },
  );
}

// ---------------------------------------------------------------------------------------------
// Phase checks after each event: progress, completion, end of rollback.

function statusCounts(d: Draft, target: number): StatusCounts {
  let updated = 0;
  let total = 0;
  let available = 0;
  let ready = 0;
  for (const i of d.instances.values()) {
    if (i.terminating) continue;
    total++;
    if (i.revision === target) updated++;
    if (i.available) available++;
    if (i.phase === 'ready') ready++;
  }
  return { updated, total, available, ready };
}

function checkPhase(d: Draft): void {
  const r = d.rollout;
  switch (r.phase) {
    case 'steady':
      return;
    case 'rolling': {
      const counts = statusCounts(d, r.toRevision);
      if (deploymentComplete(d.desired, counts) && d.terminatingCount() === 0) {
        const untilMs = d.nowMs + d.options.rollout.monitorWindowMs;
        d.rollout = { ...r, phase: 'monitoring', untilMs, rolloutDoneAtMs: d.nowMs };
        d.schedule('monitor', untilMs);
      } else if (deploymentProgressing(r.lastCounts, counts)) {
        d.rollout = { ...r, lastProgressAtMs: d.nowMs, lastCounts: counts };
      } else {
        d.rollout = { ...r, lastCounts: counts };
      }
      return;
    }
    case 'scaling': {
      const live = d.live(r.toRevision);
      if (live.length >= d.desired && live.every((i) => i.available)) completeEdit(d, r);
      return;
    }
    case 'monitoring':
      return;
    case 'rollingBack': {
      const failedLeft = [...d.instances.values()].some((i) => i.revision === r.failedRevision);
      if (failedLeft || d.rev(r.failedRevision).replicas > 0) return;
      endAction(
        d,
        r.actionIndex,
        'edit',
        'rolledBack',
        r.reason,
        [],
        r.inPlace,
        r.fromRevision,
        r.toRevision,
      );
      d.lastEditOutcome = 'rolledBack';
      d.rollout = { phase: 'steady' };
      return;
    }
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
