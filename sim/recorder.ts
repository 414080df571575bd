// What a run records: the edits (from the engine's action effects), the timeline samples, the markers,
// and the downtime and degraded clocks. The definitions of the figures are in result/metrics.ts.
import type { EngineEffect, EngineEvent } from '../engine/types.js';
import { describeSpecEdit } from '../result/describe.js';
import { isDegraded, isDown, ratePerSecond, round3 } from '../result/metrics.js';
import type { EditResult, InstanceCounts, RunResult, TimelineSample } from '../result/result.js';
import type { LoadPhases, World } from './world.js';

interface Tracker {
  readonly requestedAtMs: number;
  readonly startedAtMs: number;
  peakInstances: number;
  minReadyInstances: number;
  /** Sums of the cold starts begun during the edit. */
  loads: number;
  imagePullMs: number;
  weightsMs: number;
  engineStartMs: number;
  totalMs: number;
}

/** Mean cold start per phase of the instances that began loading during an edit; null when none did. */
function meanLoadTimes(t: Tracker): EditResult['loadMs'] {
  if (t.loads === 0) return null;
  return {
    instances: t.loads,
    imagePullMs: round3(t.imagePullMs / t.loads),
    weightsMs: round3(t.weightsMs / t.loads),
    engineStartMs: round3(t.engineStartMs / t.loads),
    totalMs: round3(t.totalMs / t.loads),
  };
}

type Snapshot = Omit<
  TimelineSample,
  'offeredRps' | 'servedRps' | 'droppedRps' | 'p50Ms' | 'p95Ms' | 'ttftP95Ms'
>;

export class Recorder {
  readonly timeline: TimelineSample[] = [];
  readonly edits: EditResult[] = [];
  private readonly trackers = new Map<number, Tracker>();
  private requestAtMs: number | null = null;
  /** The last action whose rollback start was marked. */
  private rollbackMarked = -1;
  private snapshot: Snapshot | null = null;

  constructor(private readonly w: World) {}

  /** Instances or the offered rate changed: update the clocks and the open edits' extremes. */
  countsChanged(): void {
    const w = this.w;
    const now = w.clock.now;
    const ready = w.serving.routableCount;
    const rate = w.arrivals?.rateAt(now) ?? 0;
    const demand = w.async ? w.serving.queueLength > 0 : rate > 0;
    w.metrics.down.set(now, isDown(demand, ready));
    w.metrics.degraded.set(now, isDegraded(rate, this.capacityRps()));
    const alive = w.alive.size;
    for (const t of this.trackers.values()) {
      if (alive > t.peakInstances) t.peakInstances = alive;
      if (ready < t.minReadyInstances) t.minReadyInstances = ready;
    }
  }

  /** An instance started loading: it counts towards every open edit's mean load times. */
  loadStarted(load: LoadPhases): void {
    for (const t of this.trackers.values()) {
      t.loads++;
      t.imagePullMs += load.imagePullMs;
      t.weightsMs += load.weightsMs;
      t.engineStartMs += load.engineStartMs;
      t.totalMs += load.totalMs;
    }
  }

  /** Most requests/s the routable instances can serve. */
  capacityRps(): number {
    let total = 0;
    for (const idx of this.w.alive)
      if (this.w.serving.isRoutable(idx)) total += this.w.serving.capacityRpsOf(idx);
    return total;
  }

  onStep(event: EngineEvent): void {
    const isRequest = event.type === 'edit/requested' || event.type === 'rollback/requested';
    this.requestAtMs = isRequest ? event.atMs : null;
    if (event.type === 'edit/requested')
      this.w.mark('editRequested', `edit requested: ${describeSpecEdit(event.edit)}`);
    if (event.type === 'rollback/requested') this.w.mark('rollbackRequested', 'rollback requested');
    // When a rollback begins, and why: the action's own entry ends only when the prior revision is back,
    // often many minutes later.
    const r = this.w.engine.rollout;
    if (r.phase === 'rollingBack' && this.rollbackMarked !== r.actionIndex) {
      this.rollbackMarked = r.actionIndex;
      this.w.mark(
        'rollbackStarted',
        `edit ${r.actionIndex + 1} rolling back to revision ${r.fromRevision}: ${r.reason}`,
      );
    }
  }

  onEffect(effect: EngineEffect): void {
    const w = this.w;
    switch (effect.type) {
      case 'action/started':
        this.tracker(effect.actionIndex);
        return;
      case 'action/ended':
        return this.endAction(effect);
      case 'deployment/degraded':
        // Named for what it measures (available below desired), apart from the Degraded metric
        // (ready capacity below demand, result/metrics.ts).
        w.mark(
          'belowDesired',
          `below desired count: ${effect.ready} of ${effect.desired} instances available`,
        );
        return;
      case 'deployment/healthy':
        w.mark(
          'atDesired',
          `back at desired count: ${effect.ready} ${effect.ready === 1 ? 'instance' : 'instances'} available`,
        );
        return;
      default:
        return;
    }
  }

  private tracker(actionIndex: number): Tracker {
    let t = this.trackers.get(actionIndex);
    if (t === undefined) {
      const now = this.w.clock.now;
      t = {
        requestedAtMs: this.requestAtMs ?? now,
        startedAtMs: now,
        peakInstances: this.w.alive.size,
        minReadyInstances: this.w.serving.routableCount,
        loads: 0,
        imagePullMs: 0,
        weightsMs: 0,
        engineStartMs: 0,
        totalMs: 0,
      };
      this.trackers.set(actionIndex, t);
    }
    return t;
  }

  private endAction(e: Extract<EngineEffect, { type: 'action/ended' }>): void {
    const t = this.tracker(e.actionIndex);
    this.trackers.delete(e.actionIndex);
    const now = this.w.clock.now;
    this.edits.push({
      index: e.actionIndex,
      kind: e.kind,
      requestedAtMs: t.requestedAtMs,
      outcome: e.outcome,
      reason: e.reason,
      errors: e.errors,
      inPlace: e.inPlace,
      startedAtMs: t.startedAtMs,
      endedAtMs: now,
      durationMs: now - t.startedAtMs,
      rolloutDurationMs: e.rolloutDoneAtMs === null ? null : e.rolloutDoneAtMs - t.requestedAtMs,
      fromRevision: e.fromRevision,
      toRevision: e.toRevision,
      peakInstances: t.peakInstances,
      minReadyInstances: t.minReadyInstances,
      loadMs: meanLoadTimes(t),
    });
    this.edits.sort((a, b) => a.index - b.index);
    const what = e.kind === 'rollback' ? 'rollback' : 'edit';
    if (e.outcome === 'rejected') {
      this.w.mark('editRejected', `${what} rejected: ${e.errors.map((x) => x.code).join(', ')}`);
    } else if (e.kind === 'edit') {
      const kind = e.outcome === 'completed' ? 'editCompleted' : 'editRolledBack';
      this.w.mark(kind, e.outcome === 'completed' ? 'edit completed' : `edit rolled back: ${e.reason ?? ''}`);
    }
  }

  /** Closes the current timeline window (if any) at `now` and opens the next one. */
  sample(open: boolean): void {
    const w = this.w;
    const now = w.clock.now;
    const snap = this.snapshot;
    if (snap !== null && now > snap.tMs) {
      const win = w.serving.window;
      const spanMs = now - snap.tMs;
      this.timeline.push({
        tMs: snap.tMs,
        offeredRps: ratePerSecond(win.offered, spanMs),
        servedRps: ratePerSecond(win.served, spanMs),
        droppedRps: ratePerSecond(win.failed, spanMs),
        capacityRps: snap.capacityRps,
        desired: snap.desired,
        instances: snap.instances,
        gpusUsed: snap.gpusUsed,
        gpusFree: snap.gpusFree,
        pools: snap.pools,
        p50Ms: round3(win.latency.quantile(0.5)),
        p95Ms: round3(win.latency.quantile(0.95)),
        ttftP95Ms: win.ttft.total > 0 ? round3(win.ttft.quantile(0.95)) : null,
        queue: snap.queue,
      });
    }
    w.serving.window.offered = 0;
    w.serving.window.served = 0;
    w.serving.window.failed = 0;
    w.serving.window.latency.reset();
    w.serving.window.ttft.reset();
    this.snapshot = open ? this.takeSnapshot() : null;
  }

  /** Live instances per revision by state: pending (no GPU or node yet), starting, ready, draining. */
  instanceCounts(): Record<string, InstanceCounts> {
    const w = this.w;
    const byRevision = new Map<
      number,
      { pending: number; starting: number; ready: number; draining: number }
    >();
    for (const idx of w.alive) {
      const inst = w.instances[idx]!;
      if (inst.phase === 'crashed') continue;
      const revision = w.revisionOf(inst);
      let counts = byRevision.get(revision);
      if (counts === undefined)
        byRevision.set(revision, (counts = { pending: 0, starting: 0, ready: 0, draining: 0 }));
      if (inst.phase === 'draining') counts.draining++;
      else if (inst.phase === 'pending') counts.pending++;
      else if (w.serving.isRoutable(idx)) counts.ready++;
      else counts.starting++;
    }
    const instances: Record<string, InstanceCounts> = {};
    for (const rev of [...byRevision.keys()].sort((a, b) => a - b))
      instances[`rev${rev}`] = byRevision.get(rev)!;
    return instances;
  }

  /**
   * The end of the run: an edit or rollback the engine is still carrying out gets an `inProgress` entry
   * (its phase, how many instances are replaced, its times so far); `final` says what is serving.
   */
  finish(): { edits: EditResult[]; final: RunResult['final'] } {
    const w = this.w;
    const now = w.clock.now;
    const r = w.engine.rollout;
    const edits = [...this.edits];
    if (r.phase !== 'steady') {
      const t = this.tracker(r.actionIndex);
      const restored = r.phase === 'rollingBack' ? r.fromRevision : r.toRevision;
      let done = 0;
      for (const inst of w.engine.instances.values())
        if (inst.revision === restored && inst.available && !inst.terminating) done++;
      edits.push({
        index: r.actionIndex,
        kind: 'edit',
        requestedAtMs: t.requestedAtMs,
        outcome: 'inProgress',
        phase: r.phase,
        replaced: { done, of: w.engine.desired },
        reason: r.phase === 'rollingBack' ? r.reason : null,
        errors: [],
        inPlace: r.phase === 'scaling' || (r.phase === 'rollingBack' && r.inPlace),
        startedAtMs: t.startedAtMs,
        endedAtMs: now,
        durationMs: now - t.startedAtMs,
        rolloutDurationMs: r.phase === 'monitoring' ? r.rolloutDoneAtMs - t.requestedAtMs : null,
        fromRevision: r.fromRevision,
        toRevision: r.toRevision,
        peakInstances: t.peakInstances,
        minReadyInstances: t.minReadyInstances,
        loadMs: meanLoadTimes(t),
      });
      edits.sort((a, b) => a.index - b.index);
    }
    return {
      edits,
      final: {
        revision: w.engine.revision,
        spec: w.engine.spec,
        readyInstances: w.serving.routableCount,
        instances: this.instanceCounts(),
      },
    };
  }

  private takeSnapshot(): Snapshot {
    const w = this.w;
    const instances = this.instanceCounts();
    const pools: Record<string, { deployment: number; tenants: number; free: number; down: number }> = {};
    let gpusFree = 0;
    w.cluster.pools.forEach((pool, p) => {
      const u = w.cluster.usage(p);
      pools[pool.config.name] = { deployment: u.deployment, tenants: u.tenants, free: u.free, down: u.down };
      gpusFree += u.free;
    });
    return {
      tMs: w.clock.now,
      capacityRps: round3(this.capacityRps()),
      desired: w.engine.desired,
      instances,
      gpusUsed: w.deploymentGpus,
      gpusFree,
      pools,
      queue: w.serving.queueLength,
    };
  }
}
