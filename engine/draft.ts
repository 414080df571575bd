// The mutable working copy of one engine step: the state being changed, the effects asked for so
// far, and cached counts over the instances. Every concern (rolling.ts, progress.ts, rollback.ts,
// instances.ts, timers.ts) works on a Draft; step.ts makes one per event and freezes it at the end.
import { maxSurge, type RollingStrategy } from '../k8s/deployment.js';
import type { DeploymentSpec } from '../catalog/spec.js';
import { InstanceTable, InstanceTableBuilder, type InstanceCensus } from './instance-table.js';
import type { EngineState, InstanceState, RevisionState, RolloutPhase } from './state.js';
import type { ActionEnded, EditIssue, EngineEffect, EngineOptions, InstanceId, TimerKey } from './types.js';

export type ActionPhase = Exclude<RolloutPhase, { phase: 'steady' }>;

/** Counts over instances held in a plain Map (a state built by hand); a table keeps its own. */
function censusOf(instances: ReadonlyMap<InstanceId, InstanceState>): InstanceCensus {
  const live = new Map<number, number>();
  const availableByRevision = new Map<number, number>();
  const terminatingByRevision = new Map<number, number>();
  let liveTotal = 0;
  let available = 0;
  let terminating = 0;
  let ready = 0;
  for (const i of instances.values()) {
    if (i.terminating) {
      terminating++;
      terminatingByRevision.set(i.revision, (terminatingByRevision.get(i.revision) ?? 0) + 1);
      continue;
    }
    liveTotal++;
    live.set(i.revision, (live.get(i.revision) ?? 0) + 1);
    if (i.available) {
      available++;
      availableByRevision.set(i.revision, (availableByRevision.get(i.revision) ?? 0) + 1);
    }
    if (i.phase === 'ready') ready++;
  }
  return { live, availableByRevision, terminatingByRevision, liveTotal, available, terminating, ready };
}

export class Draft {
  spec: DeploymentSpec;
  revision: number;
  readonly revisions: Map<number, RevisionState>;
  desired: number;
  recommended: number;
  rollout: RolloutPhase;
  lastEditOutcome: EngineState['lastEditOutcome'];
  nextActionIndex: number;
  nextInstanceSeq: number;
  degraded: boolean;
  lastRejection: readonly EditIssue[];
  readonly effects: EngineEffect[] = [];
  /** How many times this step changed a revision's replica count (settle's fixpoint test reads it). */
  replicaChanges = 0;
  /**
   * This step's working copy of the instances, made at the first change; null until then. A table
   * builder (engine/instance-table.ts) shares all it does not change with the previous state; a
   * plain Map (states built by hand with other ids) is copied whole.
   */
  private written: InstanceTableBuilder | Map<InstanceId, InstanceState> | null = null;
  /** The census of a plain-Map working copy, kept until an instance changes. */
  private counts: InstanceCensus | null = null;

  constructor(
    readonly options: EngineOptions,
    readonly prev: EngineState,
    readonly nowMs: number,
  ) {
    this.spec = prev.spec;
    this.revision = prev.revision;
    this.revisions = new Map(Object.values(prev.revisions).map((r) => [r.revision, r]));
    this.desired = prev.desired;
    this.recommended = prev.recommended;
    this.rollout = prev.rollout;
    this.lastEditOutcome = prev.lastEditOutcome;
    this.nextActionIndex = prev.nextActionIndex;
    this.nextInstanceSeq = prev.nextInstanceSeq;
    this.degraded = prev.degraded;
    this.lastRejection = prev.lastRejection;
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
    if (r.replicas !== replicas) this.replicaChanges++;
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

  /** The instances as they are now in this step (the previous state's until the first change). */
  get instances(): ReadonlyMap<InstanceId, InstanceState> {
    return this.written ?? this.prev.instances;
  }

  private writable(): InstanceTableBuilder | Map<InstanceId, InstanceState> {
    const prev = this.prev.instances;
    this.written ??= prev instanceof InstanceTable ? prev.edit() : new Map(prev);
    return this.written;
  }

  updateInstance(id: string, patch: Partial<InstanceState>): void {
    const inst = this.instances.get(id);
    if (inst !== undefined) this.putInstance({ ...inst, ...patch });
  }

  putInstance(inst: InstanceState): void {
    const w = this.writable();
    if (w instanceof InstanceTableBuilder) {
      if (w.set(inst)) return;
      // An id the table cannot keep in a Map's order: carry on with a plain Map.
      this.written = new Map(w);
    }
    (this.written as Map<InstanceId, InstanceState>).set(inst.id, inst);
    this.counts = null;
  }

  deleteInstance(id: string): void {
    if (this.instances.has(id)) {
      this.writable().delete(id);
      this.counts = null;
    }
  }

  /** Instances of a revision that are not on their way out (a scan: only when they are all wanted). */
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

  /** Counts over all instances: kept by the table as it changes; for a plain Map, counted once per change. */
  census(): InstanceCensus {
    const i = this.instances;
    if (i instanceof InstanceTable || i instanceof InstanceTableBuilder) return i.census;
    this.counts ??= censusOf(i);
    return this.counts;
  }

  schedule(key: TimerKey, atMs: number): void {
    this.effects.push({ type: 'timer/schedule', key, atMs });
  }

  startAction(started: {
    readonly actionIndex: number;
    readonly kind: 'edit' | 'rollback';
    readonly inPlace: boolean;
    readonly fromRevision: number;
    readonly toRevision: number;
  }): void {
    const { actionIndex, kind, inPlace, fromRevision, toRevision } = started;
    this.effects.push({ type: 'action/started', actionIndex, kind, inPlace, fromRevision, toRevision });
  }

  /** Reports the end of an action; `reason`, `errors` and `rolloutDoneAtMs` default to none. */
  endAction(
    ended: Omit<ActionEnded, 'type' | 'reason' | 'errors' | 'rolloutDoneAtMs'> &
      Partial<Pick<ActionEnded, 'reason' | 'errors' | 'rolloutDoneAtMs'>>,
  ): void {
    this.effects.push({
      type: 'action/ended',
      actionIndex: ended.actionIndex,
      kind: ended.kind,
      outcome: ended.outcome,
      reason: ended.reason ?? null,
      errors: ended.errors ?? [],
      inPlace: ended.inPlace,
      fromRevision: ended.fromRevision,
      toRevision: ended.toRevision,
      rolloutDoneAtMs: ended.rolloutDoneAtMs ?? null,
    });
  }

  finish(): EngineState {
    const revisions: Record<number, RevisionState> = {};
    for (const [k, v] of [...this.revisions.entries()].sort((a, b) => a[0] - b[0])) revisions[k] = v;
    return {
      spec: this.spec,
      revision: this.revision,
      revisions,
      instances:
        this.written === null
          ? this.prev.instances
          : this.written instanceof InstanceTableBuilder
            ? this.written.freeze()
            : this.written,
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

export function strategyOf(options: EngineOptions): RollingStrategy {
  return { maxSurge: options.rollout.maxSurge, maxUnavailable: options.rollout.maxUnavailable };
}

export function clampToRange(n: number, spec: DeploymentSpec): number {
  return Math.min(spec.scaling.maxInstances, Math.max(spec.scaling.minInstances, n));
}
