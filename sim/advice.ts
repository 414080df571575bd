// Scaling settings that cannot work as meant, found before a run from the serving model:
// - an autoscaler target that one instance never reaches before it is saturated (the autoscaler then adds
//   instances only once requests queue and, for sync traffic, time out), and
// - a peak of offered load above what `maxInstances` instances serve at full load (it queues or fails at
//   the peak whatever the autoscaler does; for a replayed trace, its busiest minute).
// These are notes, not errors: the scenario is valid and runs as written.
//
// Checked for the deployment as it starts and for the spec each edit asks for, merged over the spec
// before it by the engine's own validation (an edit it rejects outright, a cross-type swap say, runs
// nothing and gets no note; whether a rollout is under way is left out, as that depends on the run).
import { BUILTIN_CATALOG, extendCatalog } from '../catalog/catalog.js';
import {
  DEFAULT_PLATFORM_LIMITS,
  type Accelerator,
  type DeploymentSpec,
  type MetricName,
  type ProcessingType,
} from '../catalog/spec.js';
import { validateEdit } from '../engine/validate.js';
import { TraceCache } from '../scenario/trace.js';
import type { Scenario } from '../scenario/types.js';
import { performanceOfIds } from './performance.js';
import { tokenMeans } from './run.js';
import { makeArrivals } from './traffic.js';

interface NoteBase {
  /** When the spec applies: null for the deployment as it starts, else the edit's request time. */
  readonly atMs: number | null;
  /** 1-based edit number among the scenario's edit events, or null for the deployment as it starts. */
  readonly edit: number | null;
  readonly model: string;
  readonly accelerator: Accelerator;
  /** Sync requests that wait too long time out; async ones wait in the queue. */
  readonly processingType: ProcessingType;
}

/** An `rps` or `concurrency` threshold above what one instance can do. */
export interface ThresholdNote extends NoteBase {
  readonly kind: 'threshold';
  readonly metric: Extract<MetricName, 'rps' | 'concurrency'>;
  readonly threshold: number;
  /**
   * What one instance can do: requests/s at full load (rps), or requests it runs at once (concurrency),
   * at the trace's mean token counts when the trace gives them, else at typical lengths.
   */
  readonly limit: number;
}

/** The traffic's peak rate above what `maxInstances` instances serve at full load. */
export interface PeakNote extends NoteBase {
  readonly kind: 'peak';
  /**
   * Requests/s at the traffic's peak within the run (constant: its rate; steps: the highest step;
   * diurnal: the highest point of its curve; a replayed trace: its busiest minute).
   */
  readonly peakRps: number;
  readonly maxInstances: number;
  /** Requests/s one instance serves at full load (at the trace's mean token counts, else typical lengths). */
  readonly perInstanceRps: number;
}

export type ScalingNote = ThresholdNote | PeakNote;

interface SpecPoint {
  readonly atMs: number | null;
  readonly edit: number | null;
  readonly spec: DeploymentSpec;
}

/** Token means of the scenario's trace, when it has token columns (what the run serves with). */
function traceTokens(scenario: Scenario, traces: TraceCache): { input: number; output: number } | null {
  if (scenario.traffic.profile !== 'trace') return null;
  const loaded = traces.load(scenario.traffic.trace);
  return loaded.ok ? tokenMeans(loaded.trace) : null;
}

/** `traces`: the cache the run and its limit checks use, so a replayed trace is parsed once. */
export function scalingNotes(scenario: Scenario, traces: TraceCache = new TraceCache()): ScalingNote[] {
  const catalog = extendCatalog(BUILTIN_CATALOG, scenario.models);
  const points: SpecPoint[] = [{ atMs: null, edit: null, spec: scenario.deployment }];
  let edits = 0;
  let current = scenario.deployment;
  for (const e of scenario.events) {
    if (e.action !== 'edit') continue;
    edits++;
    const checked = validateEdit(current, e.edit, {
      catalog,
      limits: DEFAULT_PLATFORM_LIMITS,
      editInProgress: false,
    });
    if (!checked.ok) continue;
    current = checked.spec;
    points.push({ atMs: e.atMs, edit: edits, spec: current });
  }
  // What the run serves at: a replayed trace's mean token counts when it has them.
  const tokens = traceTokens(scenario, traces);
  const peakRps = peakOf(scenario, traces);
  const notes: ScalingNote[] = [];
  const said = new Set<string>();
  for (const { atMs, edit, spec } of points) {
    let perf: { slots: number; capacityRps: number } | null;
    try {
      perf = performanceOfIds(catalog, spec.model, spec.accelerator, tokens);
    } catch {
      continue; // a model that does not fit: validation or the engine says so
    }
    if (perf === null) continue;
    // What every note of this spec says first, and what it is said once for (an edit of tags alone
    // does not repeat a note).
    const base = {
      atMs,
      edit,
      model: spec.model,
      accelerator: spec.accelerator,
      processingType: spec.processingType,
    };
    const shape = [spec.model, spec.accelerator.type, spec.accelerator.count];
    for (const m of spec.scaling.metrics) {
      if (m.metric !== 'rps' && m.metric !== 'concurrency') continue;
      const limit = m.metric === 'rps' ? perf.capacityRps : perf.slots;
      if (m.threshold <= limit) continue;
      const key = JSON.stringify([...shape, m.metric, m.threshold]);
      if (said.has(key)) continue;
      said.add(key);
      notes.push({ kind: 'threshold', ...base, metric: m.metric, threshold: m.threshold, limit });
    }
    const most = spec.scaling.maxInstances * perf.capacityRps;
    const key = JSON.stringify([...shape, spec.scaling.maxInstances]);
    if (peakRps !== null && peakRps > most && !said.has(key)) {
      said.add(key);
      notes.push({
        kind: 'peak',
        ...base,
        peakRps,
        maxInstances: spec.scaling.maxInstances,
        perInstanceRps: perf.capacityRps,
      });
    }
  }
  return notes;
}

/**
 * The highest offered rate within the run (for a replayed trace, its busiest minute), or null when the
 * trace cannot be read. O(steps) or O(rows): a scenario from a pull request may have thousands of steps
 * and a long duration, so nothing here samples the run's time.
 */
function peakOf(scenario: Scenario, traces: TraceCache): number | null {
  const t = scenario.traffic;
  const end = scenario.durationMs;
  switch (t.profile) {
    case 'constant':
      return t.rps;
    case 'steps':
      // The rate before the first step is 0; a step at or after the end is never offered.
      return t.steps.reduce((most, s) => (s.atMs < end && s.rps > most ? s.rps : most), 0);
    case 'diurnal': {
      // A cosine is highest at an endpoint of the run or at a peak inside it (peakAt + k × period).
      const rate = makeArrivals(t, null, () => 0.5, scenario.sampleIntervalMs); // rateAt only: no draw
      const firstPeak = t.peakAtMs + Math.ceil(-t.peakAtMs / t.periodMs) * t.periodMs;
      const at = [0, end, ...(firstPeak <= end ? [firstPeak] : [])];
      return Math.max(...at.map((x) => rate.rateAt(x)));
    }
    case 'trace': {
      // The busiest minute of the replayed arrivals within the run, as a rate (a two-pointer window).
      const loaded = traces.load(t.trace);
      if (!loaded.ok) return null;
      const a = loaded.trace.arrivalsMs;
      let most = 0;
      let lo = 0;
      for (let hi = 0; hi < a.length && a[hi]! < end; hi++) {
        while (a[hi]! - a[lo]! >= 60_000) lo++;
        if (hi - lo + 1 > most) most = hi - lo + 1;
      }
      return most / 60;
    }
  }
}
