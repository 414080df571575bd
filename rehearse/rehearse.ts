// `rollsim rehearse`: before applying an edit, run it once, then once more for every intermediate state
// of its rollout × every fault kind, with the fault placed at that instant. Branches run on the sweep
// worker pool with its progress bar; each finished branch is logged so a rehearsal resumes and shards.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runOnPool, workerFilename } from '../sweep/pool.js';
import { writeFileAtomic } from '../reports/atomic.js';
import { packageVersion } from '../reports/package.js';
import { excerpt } from '../scenario/excerpt.js';
import type { Scenario } from '../scenario/types.js';
import type { Shard } from '../sweep/plan.js';
import { Progress } from '../sweep/progress.js';
import { branchKey, limitBreaches, runBranch, type BranchTask } from './branch.js';
import { rehearseOptionProblems } from './options.js';
import { recordRollout, type Baseline } from './record.js';
import {
  BranchLog,
  logFileName,
  planSha256,
  readBranchLogs,
  REHEARSAL_PLAN_FILE,
  type RehearsalPlanFile,
} from './store.js';
import { FAULT_KINDS, FAULT_MEANING, type BranchResult, type FaultKind, type Rehearsal } from './types.js';

export interface RehearseOptions {
  /**
   * Action index of the edit to rehearse, from 0 (result.json `edits[].index`); default the first that
   * rolls out. The CLI's `--edit N` counts from 1, as `rollsim run` names edits, and passes N - 1.
   */
  readonly edit?: number | null;
  readonly faults?: readonly FaultKind[];
  /** Default: the scenario's seed. */
  readonly seed?: number;
  /** The scenario file as the replay commands should name it (default the scenario's source path). */
  readonly scenarioFile?: string;
  /** Worker threads; 0 runs the branches in this thread (default 0). */
  readonly workers?: number;
  /** A folder for the branch log (resume, shards); null keeps everything in memory. */
  readonly logDir?: string | null;
  readonly shard?: Shard | null;
  /** Where the progress bar goes (stderr); null for none. */
  readonly progress?: NodeJS.WriteStream | null;
}

/** Bad input for a rehearsal: exit 2, the message says what to change. */
export class RehearsalInputError extends Error {
  override readonly name = 'RehearsalInputError';
}

/** The run without any fault breaks an invariant: exit 1. */
export class RehearsalBaselineError extends Error {
  override readonly name = 'RehearsalBaselineError';
}

export class RehearsalInterrupted extends Error {
  override readonly name = 'RehearsalInterrupted';
}

/** Parses `--faults health,abort`; throws RehearsalInputError naming the allowed kinds. */
export function parseFaults(text: string): FaultKind[] {
  const parts = text.split(',').map((p) => p.trim());
  const out: FaultKind[] = [];
  for (const p of parts) {
    if (!(FAULT_KINDS as readonly string[]).includes(p))
      throw new RehearsalInputError(
        `--faults: "${p}" is not a fault kind; use a comma-separated list of ${FAULT_KINDS.join(', ')}`,
      );
    if (!out.includes(p as FaultKind)) out.push(p as FaultKind);
  }
  return FAULT_KINDS.filter((k) => out.includes(k));
}

/** A shell word for a path or value (single-quoted unless it is plainly safe). */
export function shellWord(text: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

export function replayCommand(
  file: string,
  scenario: string,
  edit: number,
  seed: number,
  key: string,
): string {
  const [step, fault] = key.split(':');
  return [
    'rollsim rehearse',
    shellWord(file),
    `--edit ${edit + 1} --seed ${seed} --branch ${key}`,
    `--out ${shellWord(`out/${scenario}-step${step}-${fault}`)}`,
  ].join(' ');
}

/** The branch tasks of a rehearsal, step-major in fault order. */
export function branchTasks(
  scenario: Scenario,
  baseline: Baseline,
  faults: readonly FaultKind[],
  seed: number,
  file: string,
): BranchTask[] {
  const tasks: BranchTask[] = [];
  for (const step of baseline.steps) {
    for (const fault of faults) {
      const key = branchKey(step.index, fault);
      tasks.push({
        key,
        scenario,
        seed,
        edit: baseline.edit,
        fromRevision: baseline.fromRevision,
        toRevision: baseline.toRevision,
        priorReadyCount: baseline.priorReadyCount,
        step,
        fault,
        replay: replayCommand(file, scenario.metadata.name, baseline.edit, seed, key),
      });
    }
  }
  return tasks;
}

/** Records the rollout; throws RehearsalInputError / RehearsalBaselineError. */
export function baselineOf(scenario: Scenario, seed: number, edit: number | null): Baseline {
  const recorded = recordRollout(scenario, seed, edit);
  if (!recorded.ok) {
    if (recorded.kind === 'badInput') throw new RehearsalInputError(recorded.message);
    throw new RehearsalBaselineError(recorded.message);
  }
  return recorded.baseline;
}

/**
 * Rehearses one edit of a loaded scenario and returns rehearsal.json as an object. The same scenario,
 * seed, edit and faults always give the same object (no wall clock, every draw seeded).
 */
export async function rehearse(scenario: Scenario, options: RehearseOptions = {}): Promise<Rehearsal> {
  const problems = rehearseOptionProblems(options as unknown as Readonly<Record<string, unknown>>);
  if (problems.length > 0) throw new RehearsalInputError(problems.join('\n'));
  const seed = options.seed ?? scenario.seed;
  const faults = options.faults ?? FAULT_KINDS;
  const baseline = baselineOf(scenario, seed, options.edit ?? null);
  const file = options.scenarioFile ?? scenario.sourcePath;
  const all = branchTasks(scenario, baseline, faults, seed, file);
  const mine =
    options.shard === null || options.shard === undefined
      ? all
      : all.filter((_, i) => i % options.shard!.count === options.shard!.index);
  const logDir = options.logDir ?? null;
  const done = new Map<string, BranchResult>();
  const plan = planFile(scenario, baseline, faults, seed);
  const planHash = planSha256(plan);
  if (logDir !== null) {
    preparePlan(logDir, plan);
    const read = readBranchLogs(logDir, planHash);
    if (read.corrupt.length > 0) {
      const shown = read.corrupt.slice(0, 10);
      if (read.corrupt.length > 10) shown.push(`${read.corrupt.length - 10} more corrupt lines`);
      throw new RehearsalInputError(
        `${shown.join('\n')}\n${logDir}: corrupt branch log lines; remove them (their branches run again) or use another --out`,
      );
    }
    for (const [k, v] of read.branches) done.set(k, v);
  }
  const todo = mine.filter((t) => !done.has(t.key));
  const log =
    logDir === null || todo.length === 0
      ? null
      : new BranchLog(join(logDir, logFileName(options.shard ?? null)));
  try {
    const ran = await runBranches(todo, options, mine.length - todo.length, (key, branch) => {
      done.set(key, branch);
      log?.append({ key, plan: planHash, branch });
    });
    if (ran.interrupted) throw new RehearsalInterrupted(`${ran.count} more branches ran`);
  } finally {
    log?.close();
  }
  return assemble(scenario, baseline, faults, seed, all, done);
}

function planFile(
  scenario: Scenario,
  baseline: Baseline,
  faults: readonly FaultKind[],
  seed: number,
): RehearsalPlanFile {
  const sha = (text: string) => createHash('sha256').update(text).digest('hex');
  return {
    version: 1,
    rollsim: packageVersion(),
    scenario: scenario.metadata.name,
    scenarioSha256: sha(JSON.stringify({ ...scenario, sourcePath: '' })),
    seed,
    edit: baseline.edit,
    faults,
    steps: baseline.steps.length,
    stepsSha256: sha(JSON.stringify(baseline.steps)),
  };
}

function preparePlan(dir: string, plan: RehearsalPlanFile): void {
  const path = join(dir, REHEARSAL_PLAN_FILE);
  if (existsSync(path)) {
    let existing: unknown;
    try {
      existing = JSON.parse(readFileSync(path, 'utf8'));
    } catch {
      throw new RehearsalInputError(`${path}: not a rehearsal plan; use another --out or delete it`);
    }
    const found = (existing as { rollsim?: unknown } | null)?.rollsim;
    if (found !== plan.rollsim)
      throw new RehearsalInputError(
        `${path}: planned by ${typeof found === 'string' ? `rollsim ${excerpt(found, 100)}` : 'an earlier rollsim (no version recorded)'}; this is rollsim ${plan.rollsim}, and its branches would mix with these: use another --out (or the version that wrote it)`,
      );
    if (JSON.stringify(existing) !== JSON.stringify(plan))
      throw new RehearsalInputError(
        `${path}: this folder holds a different rehearsal (scenario, seed, --edit or --faults differ); use another --out or delete it`,
      );
    return;
  }
  mkdirSync(dir, { recursive: true });
  writeFileAtomic(path, `${JSON.stringify(plan, null, 2)}\n`);
}

async function runBranches(
  todo: readonly BranchTask[],
  options: RehearseOptions,
  alreadyDone: number,
  onDone: (key: string, branch: BranchResult) => void,
): Promise<{ count: number; interrupted: boolean }> {
  if (todo.length === 0) {
    // Everything came from the folder's branch log: say so, or a re-run reads as a fresh rehearsal.
    if (alreadyDone > 0)
      options.progress?.write(
        `rehearse: resuming, all ${alreadyDone} branches already done in this folder; nothing left to run (another --out runs them again)\n`,
      );
    return { count: 0, interrupted: false };
  }
  const progress = new Progress(options.progress ?? null, alreadyDone + todo.length, alreadyDone, {
    what: 'rehearse',
    unit: 'branches',
  });
  const workers = Math.min(options.workers ?? 0, todo.length);
  if (workers === 0) {
    try {
      for (const task of todo) {
        const branch = runBranch(task);
        onDone(task.key, branch);
        progress.tick(branch.outcome === 'error');
      }
    } finally {
      progress.stop();
    }
    return { count: todo.length, interrupted: false };
  }
  try {
    return await runOnPool<BranchTask, { key: string; branch: BranchResult }>({
      filename: workerFilename(import.meta.url),
      workers,
      tasks: todo,
      onResult: ({ key, branch }) => {
        onDone(key, branch);
        progress.tick(branch.outcome === 'error');
      },
    });
  } finally {
    progress.stop();
  }
}

function assemble(
  scenario: Scenario,
  baseline: Baseline,
  faults: readonly FaultKind[],
  seed: number,
  all: readonly BranchTask[],
  done: ReadonlyMap<string, BranchResult>,
): Rehearsal {
  const branches = all.flatMap((t) => {
    const b = done.get(t.key);
    return b === undefined ? [] : [b];
  });
  const passed = branches.filter((b) => b.pass).length;
  const faultMeaning: Record<string, string> = {};
  for (const f of faults) faultMeaning[f] = FAULT_MEANING[f];
  return {
    scenario: scenario.metadata.name,
    edit: baseline.edit,
    seed,
    fromRevision: baseline.fromRevision,
    toRevision: baseline.toRevision,
    priorReadyCount: baseline.priorReadyCount,
    faults,
    faultMeaning,
    limits: {
      maxDowntimeMs: scenario.expect?.maxDowntimeMs ?? null,
      maxDroppedPercent: scenario.expect?.maxDroppedPercent ?? null,
    },
    baselineBreaches: limitBreaches(scenario, baseline.result),
    steps: baseline.steps,
    branches,
    summary: {
      branches: all.length,
      passed,
      failed: branches.length - passed,
      missing: all.length - branches.length,
    },
  };
}
