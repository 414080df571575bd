// The baseline run of a rehearsal: the scenario as written, watched after every engine step, keeping
// each distinct state of one edit's rollout (instance counts per revision and phase) and the
// monitoring window.
import type { EngineState, InstanceState } from '../engine/state.js';
import type { PoolUsage } from '../sim/cluster.js';
import { runScenario, type StepView } from '../sim/run.js';
import type { Scenario } from '../scenario/types.js';
import type { RunResult } from '../result/result.js';
import type { RehearsalStep, RevisionCounts } from './types.js';

/** What an instance of a revision runs on. */
export interface RevisionShape {
  readonly model: string;
  readonly type: string;
  readonly count: number;
}

export interface Baseline {
  readonly edit: number;
  readonly fromRevision: number;
  readonly toRevision: number;
  readonly fromShape: RevisionShape;
  readonly toShape: RevisionShape;
  readonly priorReadyCount: number;
  readonly steps: readonly RehearsalStep[];
  readonly result: RunResult;
}

export type BaselineOutcome =
  | { readonly ok: true; readonly baseline: Baseline }
  | { readonly ok: false; readonly kind: 'badInput' | 'failed'; readonly message: string };

interface Seen {
  atMs: number;
  phase: string;
  key: string;
  instances: Record<string, RevisionCounts>;
  pools: Record<string, { deployment: number; free: number }>;
}

interface ActionTrack {
  readonly fromRevision: number;
  readonly toRevision: number;
  readonly fromShape: RevisionShape;
  readonly toShape: RevisionShape;
  readonly priorReadyCount: number;
  readonly seen: Seen[];
  monitoring: { fromMs: number; untilMs: number } | null;
}

/** Where an instance is, as the rehearsal counts it. */
function bucketOf(i: InstanceState): keyof RevisionCounts {
  if (i.phase === 'draining' || i.terminating) return 'draining';
  if (i.phase === 'pending') return 'pending';
  return i.phase === 'ready' && i.available ? 'ready' : 'starting';
}

export function countInstances(engine: EngineState): Record<string, RevisionCounts> {
  const byRev = new Map<number, { pending: number; starting: number; ready: number; draining: number }>();
  for (const i of engine.instances.values()) {
    let c = byRev.get(i.revision);
    if (c === undefined) byRev.set(i.revision, (c = { pending: 0, starting: 0, ready: 0, draining: 0 }));
    c[bucketOf(i)]++;
  }
  const out: Record<string, RevisionCounts> = {};
  for (const rev of [...byRev.keys()].sort((a, b) => a - b)) out[`rev${rev}`] = byRev.get(rev)!;
  return out;
}

function shapeOf(engine: EngineState, revision: number): RevisionShape {
  const spec = engine.revisions[revision]?.spec ?? engine.spec;
  return { model: spec.model, type: spec.accelerator.type, count: spec.accelerator.count };
}

/** Available instances of one revision. */
export function availableOf(engine: EngineState, revision: number): number {
  let n = 0;
  for (const i of engine.instances.values())
    if (i.revision === revision && i.phase === 'ready' && i.available && !i.terminating) n++;
  return n;
}

function poolView(pools: Record<string, PoolUsage>): Record<string, { deployment: number; free: number }> {
  const out: Record<string, { deployment: number; free: number }> = {};
  for (const [name, u] of Object.entries(pools)) out[name] = { deployment: u.deployment, free: u.free };
  return out;
}

/**
 * Runs the scenario once and records the rollout of action `edit` (its index among the scenario's
 * edit and rollback actions, as in result.json `edits[].index`); null picks the first edit that rolls
 * out. States are collapsed per millisecond: the state a rollout is in at the end of a millisecond.
 */
export function recordRollout(
  scenario: Scenario,
  seed: number,
  edit: number | null,
  also?: (view: StepView) => void,
): BaselineOutcome {
  const tracks = new Map<number, ActionTrack>();
  // The state after the step before this one (states are never changed in place): an action's prior
  // ready count is the one it found, before its own first step (which, with maxUnavailable above 0,
  // already takes instances away).
  let before: EngineState | null = null;
  const observe = (view: StepView): void => {
    also?.(view);
    const found = before;
    before = view.engine;
    const r = view.engine.rollout;
    if (r.phase === 'steady') return;
    if (edit !== null && r.actionIndex !== edit) return;
    let track = tracks.get(r.actionIndex);
    if (track === undefined) {
      track = {
        fromRevision: r.fromRevision,
        toRevision: r.toRevision,
        fromShape: shapeOf(view.engine, r.fromRevision),
        toShape: shapeOf(view.engine, r.toRevision),
        priorReadyCount: availableOf(
          found !== null && found.revision === r.fromRevision ? found : view.engine,
          r.fromRevision,
        ),
        seen: [],
        monitoring: null,
      };
      tracks.set(r.actionIndex, track);
    }
    if (r.phase === 'monitoring' && track.monitoring === null)
      track.monitoring = { fromMs: view.atMs, untilMs: r.untilMs };
    const instances = countInstances(view.engine);
    const key = `${r.phase}|${JSON.stringify(instances)}`;
    const seen = track.seen;
    const last = seen[seen.length - 1];
    const entry = { atMs: view.atMs, phase: r.phase, key, instances, pools: poolView(view.pools()) };
    if (last !== undefined && last.atMs === view.atMs) {
      seen[seen.length - 1] = entry;
      const before = seen[seen.length - 2];
      if (before !== undefined && before.key === key) seen.pop();
    } else if (last === undefined || last.key !== key) seen.push(entry);
  };
  let result: RunResult;
  try {
    result = runScenario(scenario, { seed, checkInvariants: true, observe }).result;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, kind: 'failed', message: `the scenario's own run (no fault) failed: ${message}` };
  }
  const chosen = edit ?? firstRollingEdit(result, tracks);
  const track = chosen === null ? undefined : tracks.get(chosen);
  if (chosen === null || track === undefined) {
    const entry = edit === null ? undefined : result.edits.find((e) => e.index === edit);
    const which =
      edit === null
        ? 'no edit in the scenario rolls out instances'
        : entry === undefined
          ? `--edit ${edit + 1}: the run has no action ${edit + 1}`
          : `--edit ${edit + 1}: ${entry.kind} ${edit + 1} rolls out no instances`;
    return {
      ok: false,
      kind: 'badInput',
      message: `${scenario.sourcePath}: ${which}, so there is nothing to rehearse (${describeEdits(result)})`,
    };
  }
  return {
    ok: true,
    baseline: {
      edit: chosen,
      fromRevision: track.fromRevision,
      toRevision: track.toRevision,
      fromShape: track.fromShape,
      toShape: track.toShape,
      priorReadyCount: track.priorReadyCount,
      steps: withMonitoring(track),
      result,
    },
  };
}

function firstRollingEdit(result: RunResult, tracks: ReadonlyMap<number, ActionTrack>): number | null {
  const indexes = [...tracks.keys()].sort((a, b) => a - b);
  for (const i of indexes) {
    const entry = result.edits.find((e) => e.index === i);
    if (entry === undefined || entry.kind === 'edit') return i;
  }
  return null;
}

function describeEdits(result: RunResult): string {
  if (result.edits.length === 0) return 'the run has no edit actions';
  return `actions: ${result.edits.map((e) => `${e.kind} ${e.index + 1} ${e.outcome}${e.inPlace ? ' in place' : ''}`).join(', ')}`;
}

/** The distinct states, plus one in the middle of the monitoring window if nothing else falls there. */
function withMonitoring(track: ActionTrack): RehearsalStep[] {
  const seen = [...track.seen];
  const m = track.monitoring;
  if (m !== null && m.untilMs - m.fromMs > 2) {
    const midMs = m.fromMs + Math.floor((m.untilMs - m.fromMs) / 2);
    const last = [...seen].reverse().find((s) => s.atMs <= midMs);
    const laterExists = seen.some((s) => s.atMs > m.fromMs && s.atMs <= m.untilMs);
    if (last !== undefined && !laterExists && last.atMs < midMs)
      seen.push({ ...last, atMs: midMs, phase: 'monitoring' });
  }
  seen.sort((a, b) => a.atMs - b.atMs);
  return seen.map((s, index) => ({
    index,
    atMs: s.atMs,
    phase: s.phase,
    instances: s.instances,
    pools: s.pools,
  }));
}
