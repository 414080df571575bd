// `rollsim sweep`: run a scenario over many seeds (× a grid of settings) on a worker-thread pool,
// appending each finished run to runs.ndjson so a killed sweep resumes where it stopped.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { runOnPool, workerFilename } from './pool.js';
import type { Scenario } from '../scenario/types.js';
import { formatIssue } from '../scenario/load.js';
import { DEFAULT_RUN_LIMITS, limitProblems, type RunLimits } from '../scenario/limits.js';
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
  corruptMessages,
  PLAN_FILE,
  readPlan,
  RunLog,
  readRunLog,
  RUNS_FILE,
  type RunRecord,
  type SkippedCombo,
  type SweepPlanFile,
  versionMismatch,
} from './store.js';
import { aggregate, type SweepAggregate } from './aggregate.js';
import type { SweepTask } from './worker.js';
import { recoverFolder, writeFileAtomic } from '../reports/atomic.js';
import { packageVersion } from '../reports/package.js';

export interface SweepOptions {
  readonly scenarioFile: string;
  readonly seeds: number;
  readonly seedStart: number;
  readonly workers: number;
  readonly shard: Shard | null;
  readonly axes: readonly GridAxis[];
  readonly outDir: string;
  /** Extra folders trace files may lie in (`--data-root`). */
  readonly dataRoots?: readonly string[];
  /** Limits every settings combination must keep (default DEFAULT_RUN_LIMITS). */
  readonly limits?: RunLimits;
  /** Skip corrupt runs.ndjson lines (their runs run again) instead of refusing. */
  readonly skipCorrupt?: boolean;
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
  dataRoots: readonly string[] = [],
  limits: RunLimits = DEFAULT_RUN_LIMITS,
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
  const source = { file, sourcePath: resolve(file), dataRoots };
  const base = loadWithSettings(text, source, {});
  if (axes.length === 0) {
    if (!base.ok) return { ok: false, messages: base.issues.map(formatIssue) };
    const tooLarge = limitProblems(base.scenario, limits);
    if (tooLarge.length > 0) return { ok: false, messages: tooLarge.map((p) => `${file}: ${p}`) };
    return { ok: true, text, byLabel: new Map([['{}', base.scenario]]), skipped: [] };
  }
  const byLabel = new Map<string, Scenario>();
  const skipped: SkippedCombo[] = [];
  // A combination over a limit is refused outright (a limit is lifted with --allow-large, not skipped).
  const tooLargeMessages: string[] = [];
  for (const settings of combinations(axes)) {
    const label = settingsLabel(settings);
    const loaded = loadWithSettings(text, source, settings);
    if (loaded.ok) {
      const tooLarge = limitProblems(loaded.scenario, limits);
      if (tooLarge.length === 0) byLabel.set(label, loaded.scenario);
      else tooLargeMessages.push(...tooLarge.map((p) => `${file} (with --set ${label}): ${p}`));
    } else
      skipped.push({
        settings: label,
        reasons: loaded.issues.map((i) => `${i.path ? `${i.path}: ` : ''}${i.message}`),
      });
  }
  if (tooLargeMessages.length > 0) return { ok: false, messages: tooLargeMessages };
  if (byLabel.size > 0) return { ok: true, text, byLabel, skipped };
  // Nothing valid: when the file itself is wrong, say where in it; else name each --set combination.
  if (!base.ok) return { ok: false, messages: base.issues.map(formatIssue) };
  return {
    ok: false,
    messages: skipped.flatMap((s) => s.reasons.map((r) => `--set ${s.settings}: ${r}`)),
  };
}

export async function runSweep(options: SweepOptions): Promise<SweepOutcome> {
  const combos = loadCombos(
    options.scenarioFile,
    options.axes,
    options.dataRoots ?? [],
    options.limits ?? DEFAULT_RUN_LIMITS,
  );
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
    rollsim: packageVersion(),
    scenario: first.metadata.name,
    scenarioFile: options.scenarioFile,
    scenarioSha256: createHash('sha256').update(combos.text).digest('hex'),
    inputs: inputHashes(options.scenarioFile, combos.byLabel),
    seeds: options.seeds,
    seedStart: options.seedStart,
    axes: options.axes,
    shard: options.shard,
    totalRuns: all.length,
    shardRuns: mine.length,
    ...(combos.skipped.length > 0 ? { skipped: combos.skipped } : {}),
  };
  recoverFolder(options.outDir); // a folder left aside by a killed swap (reports/atomic.ts) comes back first
  mkdirSync(options.outDir, { recursive: true });
  const lock = takeLock(options.outDir);
  if (typeof lock === 'string') return { kind: 'badInput', messages: [lock] };
  try {
    const planProblem = preparePlan(options.outDir, plan);
    if (planProblem !== null) return { kind: 'badInput', messages: [planProblem] };

    const logPath = join(options.outDir, RUNS_FILE);
    // A line copied in from another sweep (same key, other scenario or traces) counts as corrupt.
    const before = readRunLog(logPath, { repair: true, identity: plan });
    if (before.corrupt.length > 0 && options.skipCorrupt !== true) {
      return {
        kind: 'badInput',
        messages: [
          ...corruptMessages(logPath, before.corrupt),
          `${logPath}: corrupt lines; remove them, or rerun with --skip-corrupt to run those runs again`,
        ],
      };
    }
    const done = new Set(before.records.map((r) => r.key));
    const todo = mine.filter((r) => !done.has(r.key));
    const ran = await runPool(todo, combos.byLabel, plan, options, logPath, mine.length - todo.length);
    if (ran.interrupted) return { kind: 'interrupted', ran: ran.count };
    const keys = new Set(mine.map((r) => r.key));
    const records = readRunLog(logPath, { identity: plan }).records.filter((r) => keys.has(r.key));
    const agg = aggregate(plan.scenario, records);
    await writeSweepReports(options.outDir, agg, plan);
    return { kind: 'done', aggregate: agg, plan, ran: ran.count, skipped: mine.length - todo.length };
  } finally {
    lock();
  }
}

export const LOCK_FILE = 'sweep.lock';

/**
 * Keeps two sweeps out of one folder: `sweep.lock` holds the writer's pid. A lock whose process is
 * gone (killed) is stale and taken over. Returns the release function, or a message.
 */
function takeLock(outDir: string): (() => void) | string {
  const path = join(outDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: 'wx' });
      return () => rmSync(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number(readFileSync(path, 'utf8').trim());
      if (Number.isSafeInteger(pid) && pid > 0 && pidAlive(pid)) {
        return `${outDir}: another sweep (process ${pid}) is writing this folder; wait for it or use another --out`;
      }
      rmSync(path, { force: true }); // stale: its process is gone
    }
  }
  return `${outDir}: cannot take ${LOCK_FILE}`;
}

function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** sha256 of every trace file the scenarios read, keyed by its path relative to the scenario's folder. */
export function inputHashes(
  scenarioFile: string,
  scenarios: ReadonlyMap<string, Scenario>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of scenarios.values()) Object.assign(out, scenarioInputs(scenarioFile, s, out));
  return out;
}

/** sha256 of the trace file one scenario reads (`{}` when none); `known` saves hashing a file twice. */
function scenarioInputs(
  scenarioFile: string,
  scenario: Scenario,
  known: Readonly<Record<string, string>> = {},
): Record<string, string> {
  if (scenario.traffic.profile !== 'trace') return {};
  const file = scenario.traffic.trace.file;
  const key = relative(dirname(resolve(scenarioFile)), file);
  const sha = Object.hasOwn(known, key) ? known[key] : undefined;
  return { [key]: sha ?? createHash('sha256').update(readFileSync(file)).digest('hex') };
}

function preparePlan(outDir: string, plan: SweepPlanFile): string | null {
  const path = join(outDir, PLAN_FILE);
  if (existsSync(path)) {
    const read = readPlan(path);
    if (!read.ok) return `${read.message}; use another --out or delete the folder`;
    const existing = read.plan;
    const mismatch = versionMismatch(path, existing, plan.rollsim ?? '');
    if (mismatch !== null) return mismatch;
    const same =
      JSON.stringify({ ...existing, scenarioFile: '', rollsim: undefined }) ===
      JSON.stringify({ ...plan, scenarioFile: '', rollsim: undefined });
    if (!same) {
      return `${path}: this folder holds a different sweep (scenario, its trace files, seeds, --set or --shard differ); use another --out or delete it`;
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
  plan: SweepPlanFile,
  options: SweepOptions,
  logPath: string,
  alreadyDone: number,
): Promise<{ count: number; interrupted: boolean }> {
  if (todo.length === 0) return { count: 0, interrupted: false };
  // Each record carries the hashes of what it ran, so a resume or merge can tell it from a line
  // copied in from another sweep with the same key.
  const inputsByLabel = new Map<string, Record<string, string>>();
  for (const [label, scenario] of scenarios)
    inputsByLabel.set(label, scenarioInputs(options.scenarioFile, scenario, plan.inputs));
  const tasks: SweepTask[] = todo.map((run) => {
    const label = settingsLabel(run.settings);
    const scenario = scenarios.get(label);
    if (scenario === undefined) throw new Error(`sweep: no scenario for ${label}`);
    return {
      key: run.key,
      seed: run.seed,
      settings: run.settings,
      scenario,
      scenarioSha256: plan.scenarioSha256,
      inputs: inputsByLabel.get(label) ?? {},
    };
  });
  const log = new RunLog(logPath);
  const progress = new Progress(options.progress, alreadyDone + todo.length, alreadyDone);
  try {
    return await runOnPool<SweepTask, RunRecord>({
      filename: workerFilename(import.meta.url),
      workers: options.workers,
      tasks,
      onResult: (record) => {
        log.append(record);
        progress.tick(record.status === 'error');
      },
    });
  } finally {
    log.close();
    progress.stop();
  }
}
