// `rollsim sweep`: run a scenario over many seeds (× a grid of settings) on a worker-thread pool,
// appending each finished run to runs.ndjson so a killed sweep resumes where it stopped.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { Tinypool } from 'tinypool';
import type { Scenario } from '../scenario/types.js';
import { formatIssue } from '../scenario/load.js';
import {
  combinations,
  planRuns,
  settingsLabel,
  shardRuns,
  type GridAxis,
  type PlannedRun,
  type Shard,
} from './plan.js';
import { Progress } from './progress.js';
import { writeSweepReports } from './report.js';
import { loadWithSettings } from './settings.js';
import {
  PLAN_FILE,
  RunLog,
  readRunLog,
  RUNS_FILE,
  type RunRecord,
  type SkippedCombo,
  type SweepPlanFile,
} from './store.js';
import { aggregate, type SweepAggregate } from './aggregate.js';
import type { SweepTask } from './worker.js';
import { writeFileAtomic } from '../reports/atomic.js';

export interface SweepOptions {
  readonly scenarioFile: string;
  readonly seeds: number;
  readonly seedStart: number;
  readonly workers: number;
  readonly shard: Shard | null;
  readonly axes: readonly GridAxis[];
  readonly outDir: string;
  /** Where progress goes (stderr); `null` for none. */
  readonly progress: NodeJS.WriteStream | null;
}

export type SweepOutcome =
  | {
      readonly kind: 'done';
      readonly aggregate: SweepAggregate;
      readonly plan: SweepPlanFile;
      readonly ran: number;
      readonly skipped: number;
    }
  | { readonly kind: 'badInput'; readonly messages: readonly string[] }
  | { readonly kind: 'interrupted'; readonly ran: number };

export function defaultWorkers(): number {
  return Math.max(1, availableParallelism());
}

/**
 * Loads every settings combination up front. A combination the scenario refuses (say maxSurge 0 with
 * maxUnavailable 0) is skipped with its reasons, named by its --set values rather than by a position in
 * a file the user never wrote; only when no combination is valid is nothing run.
 */
export function loadCombos(
  file: string,
  axes: readonly GridAxis[],
):
  | { ok: true; text: string; byLabel: Map<string, Scenario>; skipped: SkippedCombo[] }
  | { ok: false; messages: string[] } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return {
      ok: false,
      messages: [`${file}: cannot read the scenario (${(error as NodeJS.ErrnoException).code ?? 'error'})`],
    };
  }
  const source = { file, sourcePath: resolve(file) };
  const base = loadWithSettings(text, source, {});
  if (axes.length === 0)
    return base.ok
      ? { ok: true, text, byLabel: new Map([['{}', base.scenario]]), skipped: [] }
      : { ok: false, messages: base.issues.map(formatIssue) };
  const byLabel = new Map<string, Scenario>();
  const skipped: SkippedCombo[] = [];
  for (const settings of combinations(axes)) {
    const label = settingsLabel(settings);
    const loaded = loadWithSettings(text, source, settings);
    if (loaded.ok) byLabel.set(label, loaded.scenario);
    else
      skipped.push({
        settings: label,
        reasons: loaded.issues.map((i) => `${i.path ? `${i.path}: ` : ''}${i.message}`),
      });
  }
  if (byLabel.size > 0) return { ok: true, text, byLabel, skipped };
  // Nothing valid: when the file itself is wrong, say where in it; else name each --set combination.
  if (!base.ok) return { ok: false, messages: base.issues.map(formatIssue) };
  return {
    ok: false,
    messages: skipped.flatMap((s) => s.reasons.map((r) => `--set ${s.settings}: ${r}`)),
  };
}

export async function runSweep(options: SweepOptions): Promise<SweepOutcome> {
  const combos = loadCombos(options.scenarioFile, options.axes);
  if (!combos.ok) return { kind: 'badInput', messages: combos.messages };
  // Shards split the full plan (so every machine agrees), then drop the skipped combinations' runs.
  const skippedLabels = new Set(combos.skipped.map((s) => s.settings));
  const valid = (r: PlannedRun): boolean => !skippedLabels.has(settingsLabel(r.settings));
  const planned = planRuns(options.axes, options.seeds, options.seedStart);
  const all = planned.filter(valid);
  const mine = (options.shard === null ? planned : shardRuns(planned, options.shard)).filter(valid);
  const first = combos.byLabel.values().next().value as Scenario;
  const plan: SweepPlanFile = {
    version: 1,
    scenario: first.metadata.name,
    scenarioFile: options.scenarioFile,
    scenarioSha256: createHash('sha256').update(combos.text).digest('hex'),
    seeds: options.seeds,
    seedStart: options.seedStart,
    axes: options.axes,
    shard: options.shard,
    totalRuns: all.length,
    shardRuns: mine.length,
    ...(combos.skipped.length > 0 ? { skipped: combos.skipped } : {}),
  };
  const planProblem = preparePlan(options.outDir, plan);
  if (planProblem !== null) return { kind: 'badInput', messages: [planProblem] };

  const logPath = join(options.outDir, RUNS_FILE);
  const done = new Set(readRunLog(logPath).records.map((r) => r.key));
  const todo = mine.filter((r) => !done.has(r.key));
  const ran = await runPool(todo, combos.byLabel, options, logPath, mine.length - todo.length);
  if (ran.interrupted) return { kind: 'interrupted', ran: ran.count };
  const keys = new Set(mine.map((r) => r.key));
  const records = readRunLog(logPath).records.filter((r) => keys.has(r.key));
  const agg = aggregate(plan.scenario, records);
  await writeSweepReports(options.outDir, agg, plan);
  return { kind: 'done', aggregate: agg, plan, ran: ran.count, skipped: mine.length - todo.length };
}

function preparePlan(outDir: string, plan: SweepPlanFile): string | null {
  const path = join(outDir, PLAN_FILE);
  if (existsSync(path)) {
    const existing = JSON.parse(readFileSync(path, 'utf8')) as SweepPlanFile;
    const same =
      JSON.stringify({ ...existing, scenarioFile: '' }) === JSON.stringify({ ...plan, scenarioFile: '' });
    if (!same) {
      return `${path}: this folder holds a different sweep (scenario, seeds, --set or --shard differ); use another --out or delete it`;
    }
    return null;
  }
  mkdirSync(outDir, { recursive: true });
  writeFileAtomic(path, `${JSON.stringify(plan, null, 2)}\n`);
  return null;
}

async function runPool(
  todo: readonly PlannedRun[],
  scenarios: ReadonlyMap<string, Scenario>,
  options: SweepOptions,
  logPath: string,
  alreadyDone: number,
): Promise<{ count: number; interrupted: boolean }> {
  if (todo.length === 0) return { count: 0, interrupted: false };
  const fromSource = import.meta.url.endsWith('.ts');
  const pool = new Tinypool({
    filename: new URL(fromSource ? './worker-tsx.mjs' : './worker.js', import.meta.url).href,
    minThreads: Math.min(options.workers, todo.length),
    maxThreads: Math.min(options.workers, todo.length),
  });
  const log = new RunLog(logPath);
  const progress = new Progress(options.progress, alreadyDone + todo.length, alreadyDone);
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let count = 0;
  let next = 0;
  const worker = async () => {
    while (!interrupted && next < todo.length) {
      const run = todo[next++];
      if (run === undefined) break;
      const scenario = scenarios.get(settingsLabel(run.settings));
      if (scenario === undefined) throw new Error(`sweep: no scenario for ${settingsLabel(run.settings)}`);
      const task: SweepTask = { key: run.key, seed: run.seed, settings: run.settings, scenario };
      const record = (await pool.run(task)) as RunRecord;
      if (interrupted) break;
      log.append(record);
      count++;
      progress.tick(record.status === 'error');
    }
  };
  try {
    await Promise.all(Array.from({ length: options.workers }, worker));
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    log.close();
    progress.stop();
    await pool.destroy();
  }
  return { count, interrupted };
}
