// The simulated world around the engine: its state, the event loop, and the bridge that turns engine
// effects into world actions and world facts into engine events. The pieces of the world live in
// lifecycle.ts (instances), faults.ts (failures, tenants), autoscaler.ts and recorder.ts (results).
import { BUILTIN_CATALOG, extendCatalog, type Catalog } from '../catalog/catalog.js';
import type { EngineState } from '../engine/state.js';
import {
  DEFAULT_PLATFORM_LIMITS,
  type EngineEffect,
  type EngineEvent,
  type EngineOptions,
} from '../engine/index.js';
import { initialState } from '../engine/step.js';
import { RunMetricsAccumulator } from '../result/metrics.js';
import type { BadVersionMode, Scenario } from '../scenario/types.js';
import { Cluster } from './cluster.js';
import { stepEngine } from './driver.js';
import { Ev, priorityOf, type EvKind } from './events.js';
import { EventQueue } from './kernel.js';
import type { Performance } from './performance.js';
import { makeStreams, type Streams } from './random.js';
import { Serving } from './serving.js';
import type { ArrivalSource } from './traffic.js';
import type { Marker } from '../result/result.js';
import type { TraceEntry } from './events.js';

/** A module-level copy: under tsx an imported binding is read through a getter on every call. */
const priority = priorityOf;

export type WorldPhase = 'pending' | 'loading' | 'ready' | 'draining' | 'crashed' | 'gone';

export interface BadVersion {
  readonly model: string;
  readonly mode: BadVersionMode;
  readonly slowdown: number;
  readonly crashAfterMs: number;
  readonly fromMs: number;
}

export interface WorldInstance {
  readonly id: string;
  readonly idx: number;
  /** The revision it was created for; an in-place edit moves it to another (World.revisionOf). */
  readonly revision: number;
  readonly model: string;
  readonly gpuType: string;
  readonly gpus: number;
  readonly perf: Performance;
  phase: WorldPhase;
  node: number;
  gpusHeld: number;
  /** Readiness probe streaks (the world's view: routable after successThreshold passes). */
  passes: number;
  failures: number;
  reportedUnschedulable: boolean;
  /** When it started waiting for GPUs (first come first served against other holders), or -1. */
  pendingSinceMs: number;
  bad: BadVersion | null;
}

export interface LoadPhases {
  readonly imagePullMs: number;
  readonly weightsMs: number;
  readonly engineStartMs: number;
  readonly totalMs: number;
}

export interface RunFlags {
  readonly seed: number;
  readonly trace: boolean;
  readonly checkInvariants: boolean;
  readonly onProgress: ((simulatedMs: number) => void) | null;
}

export class World {
  readonly clock = new EventQueue(4096);
  readonly streams: Streams;
  readonly catalog: Catalog;
  readonly cluster: Cluster;
  readonly metrics = new RunMetricsAccumulator();
  readonly serving: Serving;
  /** The options the engine runs under (passed to every step, not part of its state). */
  readonly engineOptions: EngineOptions;
  engine: EngineState;
  readonly instances: WorldInstance[] = [];
  readonly byId = new Map<string, number>();
  /** Instances not yet gone, in creation order (for samples and failure lookups). */
  readonly alive = new Set<number>();
  /** Instances waiting for GPUs, in creation order. */
  pending: number[] = [];
  readonly badVersions: BadVersion[] = [];
  readonly flaky: { probability: number; untilMs: number }[] = [];
  /** Revisions whose instances fail every health probe (a rehearsal's `health` fault). */
  readonly failingRevisions = new Set<number>();
  readonly traceLog: TraceEntry[] | null;
  readonly markers: Marker[] = [];
  deploymentGpus = 0;
  engineSteps = 0;
  arrivals: ArrivalSource | null = null;
  /** Mean prompt and output tokens of a replayed trace with an output-token column, else null. */
  traceTokenMeans: { readonly input: number; readonly output: number } | null = null;
  ended = false;
  private readonly engineEvents = new Map<number, EngineEvent>();
  private nextEngineEventId = 0;
  /** Called with each engine effect, after the step (set by the driver). */
  onEffect: (effect: EngineEffect) => void = () => {};
  /** Called after each engine step with the event (set by the driver, for request bookkeeping). */
  onStep: (event: EngineEvent) => void = () => {};
  /** Called when the number of live or routable instances, or the offered rate, may have changed. */
  onCountsChanged: () => void = () => {};
  /** Called when an instance starts loading, with its cold start by phase (for the edits' load times). */
  onLoadStarted: (load: LoadPhases) => void = () => {};
  /** Images each node holds (pulled during the run or there at t = 0), by node index. */
  private readonly nodeImages = new Map<number, Set<string>>();

  noteImage(node: number, key: string): void {
    let set = this.nodeImages.get(node);
    if (set === undefined) this.nodeImages.set(node, (set = new Set()));
    set.add(key);
  }

  hasImage(node: number, key: string): boolean {
    return this.nodeImages.get(node)?.has(key) ?? false;
  }

  constructor(
    readonly scenario: Scenario,
    readonly flags: RunFlags,
    serving: (w: World) => Serving,
  ) {
    this.streams = makeStreams(flags.seed);
    this.catalog = extendCatalog(BUILTIN_CATALOG, scenario.models);
    this.cluster = new Cluster(scenario.cluster.pools);
    this.traceLog = flags.trace ? [] : null;
    this.engineOptions = {
      rollout: scenario.rollout,
      catalog: this.catalog,
      limits: DEFAULT_PLATFORM_LIMITS,
    };
    this.engine = initialState(scenario.deployment, this.engineOptions, { nowMs: 0 });
    this.serving = serving(this);
  }

  get async(): boolean {
    return this.engine.spec.processingType === 'async';
  }

  schedule(timeMs: number, kind: EvKind, argA = 0, argB = 0): void {
    this.clock.push(Math.max(timeMs, this.clock.now), priority(kind), kind, argA, argB);
  }

  /**
   * Reports a fact to the engine; it is stepped when the event's time comes (never re-entrantly).
   * Timers fire after the facts of the same millisecond, so an instance scheduled at the very moment its
   * scheduling timeout fires counts as scheduled.
   */
  tell(event: EngineEvent): void {
    const id = this.nextEngineEventId++;
    this.engineEvents.set(id, event);
    this.schedule(event.atMs, event.type === 'timer/fired' ? Ev.timer : Ev.engine, id);
  }

  /** Steps the engine with a queued fact, checks the invariants in test runs, applies the effects. */
  deliver(id: number): void {
    const event = this.engineEvents.get(id);
    if (event === undefined) throw new Error(`World.deliver: no engine event ${id}`);
    this.engineEvents.delete(id);
    const { state, effects, broken } = stepEngine(
      this.engineOptions,
      this.engine,
      event,
      this.flags.checkInvariants,
    );
    this.engineSteps++;
    if (broken.length > 0) {
      throw new Error(
        `invariant breach (seed ${this.flags.seed}) at ${this.clock.now} ms after ${JSON.stringify(event)}: ${broken.join('; ')}`,
      );
    }
    this.engine = state;
    this.log('event', event);
    this.onStep(event);
    for (const effect of effects) {
      this.log('effect', effect);
      this.onEffect(effect);
    }
  }

  mark(kind: Marker['kind'], label: string): void {
    this.markers.push({ tMs: this.clock.now, kind, label });
  }

  log(kind: TraceEntry['kind'], data: unknown): void {
    this.traceLog?.push({ tMs: this.clock.now, kind, data });
  }

  /**
   * The revision an instance belongs to now: the engine's view, which an in-place edit changes without
   * restarting it (WorldInstance.revision is the one it was created for).
   */
  revisionOf(inst: WorldInstance): number {
    return this.engine.instances.get(inst.id)?.revision ?? inst.revision;
  }

  instance(id: string): WorldInstance | undefined {
    const idx = this.byId.get(id);
    return idx === undefined ? undefined : this.instances[idx];
  }

  setDeploymentGpus(delta: number, gpuType: string): void {
    this.deploymentGpus += delta;
    this.metrics.setGpus(this.clock.now, this.deploymentGpus);
    this.metrics.addGpusOfType(this.clock.now, gpuType, delta);
  }
}
