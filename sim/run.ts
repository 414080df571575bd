// Entry point of a simulation run: scenario in, result (and optionally the full trace) out.
// The driver wires the world's parts together and runs the event loop until the scenario's duration.
import type { Scenario } from '../scenario/types.js';
import type { EngineState } from '../engine/state.js';
import type { PoolUsage } from './cluster.js';
import { Autoscaler } from './autoscaler.js';
import { applyEffect, type EffectHandlers } from './driver.js';
import { Ev, Lane, priorityOf, type EvKind } from './events.js';
import {
  applyFault,
  onFlakyEnd,
  onGpuRepair,
  onNodeProvisioned,
  onNodeRepair,
  onSqueezeEnd,
  setupTenants,
  tenantStep,
} from './faults.js';
import {
  createInstance,
  drain,
  onCrashUnderLoad,
  onDrained,
  onDrainTimeout,
  onLoadDone,
  onProbe,
  placeInitial,
  terminate,
} from './lifecycle.js';
import { SERVICE_SIGMA } from './performance.js';
import { lognormalFactor } from './random.js';
import { Recorder } from './recorder.js';
import type { RunResult } from '../result/result.js';
import { Serving } from './serving.js';
import { loadTrace, type ParsedTrace, type TraceCache } from '../scenario/trace.js';
import { makeArrivals } from './traffic.js';
import { World } from './world.js';

import type { TraceEntry } from './events.js';

export type { TraceEntry };

// Module-level copies: under tsx, every read of an imported binding is a getter call, and the loop
// below runs once per event.
const K = { ...Ev };
const serviceFactor = lognormalFactor;
const SIGMA = SERVICE_SIGMA;
const LANE_ARRIVAL = Lane.arrival;
const PRIORITY_ARRIVAL = priorityOf(Ev.arrival);

export interface RunOptions {
  readonly seed?: number;
  readonly trace?: boolean;
  readonly checkInvariants?: boolean;
  readonly onProgress?: (simulatedMs: number) => void;
  /** Called once at the end with counters for benchmarks (kernel events popped, engine steps). */
  readonly onStats?: (stats: RunStats) => void;
  /** Parsed traces to reuse across runs (a sweep worker replays one trace for many seeds). */
  readonly traces?: TraceCache;
  /** Called after every engine step with the engine's new state and the pools (rehearsals watch this). */
  readonly observe?: (view: StepView) => void;
}

/** What an observer sees after an engine step. */
export interface StepView {
  readonly atMs: number;
  readonly engine: EngineState;
  /** Per pool: GPUs held by the deployment, by other holders, free and down (computed on call). */
  readonly pools: () => Record<string, PoolUsage>;
}

export interface RunStats {
  readonly events: number;
  readonly engineSteps: number;
}

export function runScenario(
  scenario: Scenario,
  options: RunOptions = {},
): { result: RunResult; trace: TraceEntry[] | null } {
  const seed = options.seed ?? scenario.seed;
  const parsed = scenario.traffic.profile === 'trace' ? traceOf(scenario, options.traces) : null;
  const w = new World(
    scenario,
    {
      seed,
      trace: options.trace ?? false,
      checkInvariants: options.checkInvariants ?? false,
      onProgress: options.onProgress ?? null,
    },
    (world) =>
      new Serving(world.clock, world.metrics, {
        async: world.engine.spec.processingType === 'async',
        timeoutMs: scenario.traffic.timeoutMs,
        inputTokens: parsed?.inputTokens ?? null,
        outputTokens: parsed?.outputTokens ?? null,
        onDrained: (idx) => onDrained(world, idx),
      }),
  );
  const recorder = new Recorder(w);
  const observe = options.observe;
  w.onStep =
    observe === undefined
      ? (event) => recorder.onStep(event)
      : (event) => {
          recorder.onStep(event);
          observe({ atMs: w.clock.now, engine: w.engine, pools: () => poolUsage(w) });
        };
  const handlers = effectHandlers(w, recorder);
  w.onEffect = (effect) => applyEffect(effect, handlers);
  w.onCountsChanged = () => recorder.countsChanged();
  w.onLoadStarted = (load) => recorder.loadStarted(load);
  w.arrivals = makeArrivals(scenario.traffic, parsed, w.streams.traffic, scenario.sampleIntervalMs);
  w.traceTokenMeans = parsed === null ? null : tokenMeans(parsed);
  start(w, recorder);
  loop(w, recorder, new Autoscaler());
  const endMs = scenario.durationMs;
  const { edits, final } = recorder.finish();
  const result: RunResult = {
    scenario: scenario.metadata.name,
    seed,
    simulatedMs: endMs,
    edits,
    final,
    metrics: w.metrics.finish(endMs, w.serving.overdueAt(endMs)),
    timeline: recorder.timeline,
    markers: w.markers,
    expectations: [],
  };
  options.onStats?.({ events: w.clock.popped, engineSteps: w.engineSteps });
  return { result, trace: w.traceLog };
}

function poolUsage(w: World): Record<string, PoolUsage> {
  const out: Record<string, PoolUsage> = {};
  w.cluster.pools.forEach((pool, p) => {
    out[pool.config.name] = w.cluster.usage(p);
  });
  return out;
}

function traceOf(scenario: Scenario, traces: TraceCache | undefined): ParsedTrace {
  if (scenario.traffic.profile !== 'trace') throw new Error('traceOf: not a trace profile');
  const config = scenario.traffic.trace;
  const loaded = traces === undefined ? loadTrace(config) : traces.load(config);
  if (!loaded.ok)
    throw new Error(
      `trace ${scenario.traffic.trace.file}: ${loaded.issues.map((i) => i.message).join('; ')}`,
    );
  return loaded.trace;
}

/** Mean prompt and output tokens of a trace with token columns (what its LLM requests are served at). */
export function tokenMeans(trace: ParsedTrace): { input: number; output: number } | null {
  if (trace.outputTokens === null) return null;
  const mean = (a: Float64Array | null): number =>
    a === null || a.length === 0 ? 0 : a.reduce((x, y) => x + y, 0) / a.length;
  return { input: mean(trace.inputTokens), output: mean(trace.outputTokens) };
}

/** t = 0: the deployment running, tenants holding their GPUs, and the first of every periodic event. */
function start(w: World, recorder: Recorder): void {
  const s = w.scenario;
  placeInitial(w);
  setupTenants(w);
  recorder.countsChanged();
  recorder.sample(true);
  w.schedule(s.durationMs, Ev.end);
  scheduleBeforeEnd(w, s.sampleIntervalMs, Ev.sample);
  scheduleBeforeEnd(w, s.autoscaler.intervalMs, Ev.autoscale);
  s.events.forEach((e, i) => w.schedule(e.atMs, Ev.scenario, i));
  for (const t of w.arrivals!.rateChangesMs) if (t > 0) scheduleBeforeEnd(w, t, Ev.rateChange);
  scheduleNextArrival(w);
}

/** Schedules `kind` at `atMs` if that is before the end of the run (the end event closes everything). */
function scheduleBeforeEnd(w: World, atMs: number, kind: EvKind): void {
  if (atMs < w.scenario.durationMs) w.schedule(atMs, kind);
}

function scheduleNextArrival(w: World): void {
  const next = w.arrivals!.next();
  // One arrival is pending at a time, so it waits in its kernel lane rather than in the heap.
  if (next !== null && next.timeMs < w.scenario.durationMs) {
    const clock = w.clock;
    clock.pushLane(LANE_ARRIVAL, Math.max(next.timeMs, clock.now), PRIORITY_ARRIVAL, K.arrival, next.row);
  }
}

/**
 * The event loop. Arrivals and batch events, nearly every event of a run, are handled here; the rest go
 * through `otherEvent`. V8 compiles this loop while it runs (on-stack replacement), and a case it has not
 * seen yet when compiling is a point where the compiled loop is thrown away: with every kind handled
 * inline, the first edit, fault or load of a run each cost the loop its compiled code (seven times in
 * the 1,000-instance bench). The rare kinds' first appearances now cost only `otherEvent` its code.
 */
function loop(w: World, recorder: Recorder, autoscaler: Autoscaler): void {
  const clock = w.clock;
  const serving = w.serving;
  while (clock.pop()) {
    const kind = clock.kind;
    if (kind === K.arrival) {
      serving.arrive(serviceFactor(w.streams.service, SIGMA), clock.argA);
      // The count first: w.async reads the engine's spec, on every arrival otherwise.
      if (serving.routableCount === 0 && w.async) recorder.countsChanged();
      scheduleNextArrival(w);
    } else if (kind === K.complete) {
      serving.complete(clock.argA, clock.argB);
    } else if (!otherEvent(w, recorder, autoscaler)) {
      return;
    }
  }
}

/** Every event but arrivals and batch events; false at the end of the run. */
function otherEvent(w: World, recorder: Recorder, autoscaler: Autoscaler): boolean {
  const clock = w.clock;
  const s = w.scenario;
  const now = clock.now;
  switch (clock.kind) {
    case K.queueExpiry:
      w.serving.expire();
      break;
    case K.engine:
    case K.timer:
      w.deliver(clock.argA);
      break;
    case K.probe:
      onProbe(w, clock.argA);
      break;
    case K.loadDone:
      onLoadDone(w, clock.argA);
      break;
    case K.drainTimeout:
      onDrainTimeout(w, clock.argA);
      break;
    case K.crashUnderLoad:
      onCrashUnderLoad(w, clock.argA);
      break;
    case K.sample:
      onSample(w, recorder);
      scheduleBeforeEnd(w, now + s.sampleIntervalMs, K.sample);
      break;
    case K.autoscale:
      autoscaler.scrape(w);
      scheduleBeforeEnd(w, now + s.autoscaler.intervalMs, K.autoscale);
      break;
    case K.rateChange:
      recorder.countsChanged();
      break;
    case K.scenario:
      onScenarioEvent(w, clock.argA);
      break;
    case K.end:
      recorder.sample(false);
      return false;
    default:
      onClusterEvent(w, clock.kind, clock.argA, clock.argB);
  }
  return true;
}

function onSample(w: World, recorder: Recorder): void {
  for (const n of w.cluster.scaleDownIdle(w.clock.now)) {
    const pool = w.cluster.pools[w.cluster.nodes[n]!.pool]!.config.name;
    w.mark('scale', `idle node removed from pool ${pool}`);
  }
  recorder.countsChanged();
  recorder.sample(true);
  w.flags.onProgress?.(w.clock.now);
}

function onClusterEvent(w: World, kind: number, argA: number, argB: number): void {
  switch (kind) {
    case Ev.tenantStep:
      return tenantStep(w, argA, argB);
    case Ev.nodeRepair:
      return onNodeRepair(w, argA);
    case Ev.gpuRepair:
      return onGpuRepair(w, argA);
    case Ev.nodeProvisioned:
      return onNodeProvisioned(w, argA);
    case Ev.squeezeEnd:
      return onSqueezeEnd(w, argA);
    case Ev.flakyEnd:
      return onFlakyEnd(w);
    default:
      throw new Error(`simulator: unknown event kind ${kind}`);
  }
}

function onScenarioEvent(w: World, i: number): void {
  const event = w.scenario.events[i]!;
  const atMs = w.clock.now;
  switch (event.action) {
    case 'edit':
      return w.tell({ type: 'edit/requested', atMs, edit: event.edit });
    case 'rollback':
      return w.tell({ type: 'rollback/requested', atMs });
    case 'fault':
      return applyFault(w, event.fault);
  }
}

/** What the simulated world does for each engine effect (through the one effect driver, sim/driver.ts). */
function effectHandlers(w: World, recorder: Recorder): EffectHandlers {
  return {
    create: (e) => createInstance(w, e.instanceId, e.revision, e.template),
    drain: (id) => drain(w, id),
    terminate: (id) => terminate(w, id),
    timer: (key, atMs) => w.tell({ type: 'timer/fired', atMs: Math.max(atMs, w.clock.now), key }),
    // The autoscaler and the samples read the engine's current spec, so spec/apply needs nothing.
    report: (e) => {
      if (e.type !== 'spec/apply') recorder.onEffect(e);
    },
  };
}
