// The library API: the package entry point (`import { ... } from 'rollsim'`). Everything a program
// may rely on is exported from this file, and only from here; every other module is internal. The
// functions wrap the same code the command line runs, so a program and `rollsim run` agree byte for byte.
import fs from 'node:fs';
import path from 'node:path';
import {
  maxSurge as k8sMaxSurge,
  maxUnavailable as k8sMaxUnavailable,
  minAvailable as k8sMinAvailable,
  parseIntOrPercent,
  type IntOrPercent as K8sIntOrPercent,
} from '../k8s/deployment.js';
import { hpaRecommend, type HpaRecommendation as K8sHpaRecommendation } from '../k8s/hpa.js';
import { evaluateExpectations } from '../result/expect.js';
import type * as R from '../result/result.js';
import {
  formatIssue,
  loadScenarioFile as loadFile,
  loadScenarioText as loadText,
  type LoadResult,
  type ScenarioIssue as LoadIssue,
  type ScenarioIssueCode as LoadIssueCode,
} from '../scenario/load.js';
import type { Scenario as LoadedScenario } from '../scenario/types.js';
import * as Advice from '../sim/advice.js';
import { runScenario as simulate } from '../sim/run.js';
import { scalingNoteText } from '../reports/summary.js';
import type * as A from '../sweep/aggregate.js';
import { gridAxisProblem, type GridAxis } from '../sweep/plan.js';
import { defaultWorkers, runSweep, type SweepOutcome as Outcome } from '../sweep/run.js';
import type { SweepPlanFile as PlanFile } from '../sweep/store.js';

// =========================================================================================================
// Types (documented here; their fields are documented where they are defined)
// =========================================================================================================

/** A checked scenario, ready to run: every default filled in, durations in milliseconds. */
export type Scenario = LoadedScenario;

/** One problem in a scenario: file, line and column (1-based; 0 for the file itself), field path, message. */
export type ScenarioIssue = LoadIssue;

/** What kind of problem: `file`, `yaml`, `forbidden-key`, `unknown-field`, `schema` or `semantic`. */
export type ScenarioIssueCode = LoadIssueCode;

/**
 * The `result.json` object: scenario name, seed, simulated time, one entry per edit, the final spec,
 * the metrics, the timeline samples, the chart markers and the expectation results.
 */
export type RunResult = R.RunResult;

/** One edit or rollback of a run: outcome, reason, errors, durations, peak instances, min ready. */
export type EditResult = R.EditResult;

/** A run's metrics: downtime, degraded time, requests, dropped %, latency percentiles, GPU-hours, peaks. */
export type RunMetrics = R.RunMetrics;

/** One sample of the run's timeline (every `sampleInterval`, default 10 s). */
export type TimelineSample = R.TimelineSample;

/** A moment worth marking on charts and in the event timeline. */
export type Marker = R.Marker;

/** One expectation of the scenario's `expect` block: its name, pass or fail, and what was found. */
export type ExpectationResult = R.ExpectationResult;

/** What {@link sweepScenario} resolves to: `done`, `badInput` or `interrupted`. */
export type SweepOutcome = Outcome;

/** A finished sweep's distributions, per settings combination, with the best combination and errors. */
export type SweepAggregate = A.SweepAggregate;

/** One settings combination of a sweep: outcome counts, rollback rate, downtime and duration spreads. */
export type ComboAggregate = A.ComboAggregate;

/** p50, p95, p99, max and mean of a sweep metric. */
export type Distribution = A.Distribution;

/** What a sweep's output folder was created for (`sweep-plan.json`); a resume must match it. */
export type SweepPlanFile = PlanFile;

/** A count, or a percentage of the desired count such as `"25%"` (Kubernetes' IntOrString). */
export type IntOrPercent = K8sIntOrPercent;

/** One HPA recommendation: when, and how many replicas (the stabilisation window's memory). */
export type HpaRecommendation = K8sHpaRecommendation;

/** How an edit ended: `completed`, `rolledBack` or `rejected` (`result.edits[i].outcome`). */
export type EditOutcome = EditResult['outcome'];

/** Why an edit was rolled back, such as `HEALTH_CHECK_FAILED` (`result.edits[i].reason`); null otherwise. */
export type RollbackReason = NonNullable<EditResult['reason']>;

// =========================================================================================================
// Scenarios
// =========================================================================================================

/**
 * A loaded scenario, or every problem found in it. Bad input is a value, never an exception: check
 * `ok` before using `scenario`.
 */
export type LoadScenarioResult = LoadResult;

/** Options of {@link loadScenarioFile}. */
export interface LoadScenarioFileOptions {
  /** The folder a relative `file` resolves against. Default: `process.cwd()`. */
  readonly cwd?: string;
}

/** Options of {@link loadScenarioText}. */
export interface LoadScenarioTextOptions {
  /**
   * The name problems are reported under, and the path (relative to `cwd`) that relative trace files
   * in the scenario resolve against. Default: `scenario.yaml`.
   */
  readonly file?: string;
  /** The folder `file` resolves against. Default: `process.cwd()`. */
  readonly cwd?: string;
}

/**
 * Reads, parses and validates a scenario file (YAML or JSON), as `rollsim validate` does: the schema,
 * the catalog (models, GPUs) and the meaning of every field, with every problem reported at once.
 *
 * @param file - Path of the scenario file; shown in problems as given.
 * @returns `{ ok: true, scenario }`, or `{ ok: false, issues }` with each issue's file, line, column,
 *   field path and what is allowed. Never throws on bad input (missing file, bad YAML, unknown fields).
 */
export function loadScenarioFile(file: string, options: LoadScenarioFileOptions = {}): LoadScenarioResult {
  if (typeof file !== 'string') return argumentIssue('loadScenarioFile', 'file', file);
  return loadFile(file, options.cwd === undefined ? {} : { cwd: options.cwd });
}

/**
 * Parses and validates scenario text (YAML or JSON) with the same checks as {@link loadScenarioFile}.
 *
 * @returns `{ ok: true, scenario }` or `{ ok: false, issues }`; never throws on bad input.
 */
export function loadScenarioText(text: string, options: LoadScenarioTextOptions = {}): LoadScenarioResult {
  const file = options.file ?? 'scenario.yaml';
  if (typeof text !== 'string') return argumentIssue('loadScenarioText', 'text', text);
  const sourcePath = path.resolve(options.cwd ?? process.cwd(), file);
  return loadText(text, { file, sourcePath });
}

/**
 * One problem as a line for people and editors: `file:line:column: field.path: message`, the form
 * `rollsim validate` prints.
 */
export function formatScenarioIssue(issue: ScenarioIssue): string {
  return formatIssue(issue);
}

function argumentIssue(fn: string, name: string, value: unknown): LoadScenarioResult {
  const message = `${fn}: ${name} must be a string, got ${value === null ? 'null' : typeof value}`;
  return { ok: false, issues: [{ file: '', line: 0, column: 0, path: '', message, code: 'file' }] };
}

// =========================================================================================================
// Runs
// =========================================================================================================

/** Options of {@link runScenario}. */
export interface RunScenarioOptions {
  /** Random seed; default the scenario's `seed`. Same scenario and seed give the same result. */
  readonly seed?: number;
  /**
   * Check the engine's invariants after every step, as `rollsim check` does; a breach throws an Error
   * naming the invariant (a bug in rollsim, not in the scenario). Does not change the result. Default false.
   */
  readonly checkInvariants?: boolean;
}

/**
 * Simulates a scenario and checks its `expect` block: the `result.json` object `rollsim run` writes.
 * `JSON.stringify(result, null, 2)` is byte for byte what `rollsim run --json` prints (less the final
 * newline). Deterministic: no wall clock, every random draw from the seed.
 *
 * @param scenario - A scenario from {@link loadScenarioFile} or {@link loadScenarioText}.
 * @returns The run result; `result.expectations` holds one pass/fail per expectation (empty without
 *   an `expect` block).
 * @throws RangeError when `seed` is not a whole number from 0 to 2^53 − 1 (what `--seed` takes).
 */
export function runScenario(scenario: Scenario, options: RunScenarioOptions = {}): RunResult {
  const seed: unknown = options.seed;
  if (seed !== undefined && (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0))
    throw new RangeError(
      `seed must be a whole number from 0 to ${Number.MAX_SAFE_INTEGER}, got ${typeof seed === 'number' ? String(seed) : typeof seed === 'string' ? JSON.stringify(seed) : `a value of type ${typeof seed}`}`,
    );
  const { result } = simulate(scenario, {
    seed: options.seed ?? scenario.seed,
    checkInvariants: options.checkInvariants ?? false,
  });
  return { ...result, expectations: evaluateExpectations(scenario, result) };
}

/**
 * Checks a scenario's `expect` block against a run result, one named pass/fail per expectation with a
 * detail that says what was found. {@link runScenario} already does this; use it to check a result
 * against another scenario's expectations.
 */
export function checkExpectations(scenario: Scenario, result: RunResult): ExpectationResult[] {
  return evaluateExpectations(scenario, result);
}

/**
 * A scaling setting out of reach, as `rollsim validate` and `rollsim run` note it: which spec (`edit`
 * null for the deployment as it starts), then either `kind: 'threshold'` (an `rps` or `concurrency`
 * threshold, and `limit`, what one instance can do: requests/s at full load, or requests at once) or
 * `kind: 'peak'` (the traffic's peak `peakRps` within the run, a trace's busiest minute, above
 * `maxInstances` × `perInstanceRps`).
 */
export type ScalingNote = Advice.ScalingNote;

/**
 * The scaling notes of a scenario, for the deployment as it starts and each edit the engine accepts:
 * an `rps` threshold above what one instance serves at full load, a `concurrency` threshold above the
 * requests it runs at once, or a traffic peak above what `maxInstances` instances serve. Advice, not
 * errors; an empty list when everything is in reach.
 */
export function scalingNotes(scenario: Scenario): ScalingNote[] {
  return Advice.scalingNotes(scenario);
}

/** A scaling note as the command line prints it: `note (where): what`. */
export function formatScalingNote(note: ScalingNote): string {
  return scalingNoteText(note);
}

// =========================================================================================================
// Sweeps
// =========================================================================================================

/** Options of {@link sweepScenario}. */
export interface SweepScenarioOptions {
  /** The scenario file (YAML or JSON). Relative paths resolve against `cwd`. */
  readonly scenarioFile: string;
  /**
   * Output folder for `runs.ndjson`, `sweep.json`, `sweep.md` and `sweep.html`; created if missing.
   * A folder holding an unfinished sweep of the same plan is resumed; one of another plan is refused.
   */
  readonly outDir: string;
  /** How many seeds to run per settings combination (1 to 10,000,000). */
  readonly seeds: number;
  /** The first seed. Default 1. */
  readonly seedStart?: number;
  /** Worker threads. Default: the available cores. */
  readonly workers?: number;
  /**
   * Settings to compare: a dotted field path of the scenario file and the values to try, as
   * `rollsim sweep --set`. Every combination runs on the same seeds. Example:
   * `{ 'rollout.maxSurge': [0, 1, 2], 'rollout.maxUnavailable': [0, 1] }`. Default: none.
   */
  readonly grid?: Readonly<Record<string, readonly (string | number | boolean)[]>>;
  /** Where the progress bar (a terminal) or periodic progress lines go. Default: nowhere. */
  readonly progress?: NodeJS.WriteStream;
  /** The folder relative paths resolve against. Default: `process.cwd()`. */
  readonly cwd?: string;
}

/**
 * Runs a scenario over many seeds (× a grid of settings) on a worker-thread pool, as `rollsim sweep`:
 * each finished run is appended to `outDir/runs.ndjson`, then `sweep.json`, `sweep.md` and
 * `sweep.html` are written. While it runs, SIGINT and SIGTERM stop it after the running runs (outcome
 * `interrupted`); calling it again with the same options resumes.
 *
 * @returns `done` with the distributions per settings combination, `badInput` with messages (a bad
 *   scenario, grid value or option; nothing ran), or `interrupted`. It rejects only when the output
 *   folder cannot be written or holds a damaged `sweep-plan.json`.
 */
export async function sweepScenario(options: SweepScenarioOptions): Promise<SweepOutcome> {
  const problems = sweepOptionProblems(options);
  if (problems.length > 0) return { kind: 'badInput', messages: problems };
  const cwd = options.cwd ?? process.cwd();
  const outDir = path.resolve(cwd, options.outDir);
  if (fs.existsSync(outDir) && !fs.statSync(outDir).isDirectory())
    return { kind: 'badInput', messages: [`outDir ${outDir}: it exists and is not a folder`] };
  const axes: GridAxis[] = Object.entries(options.grid ?? {}).map(([p, values]) => ({ path: p, values }));
  return runSweep({
    scenarioFile: path.resolve(cwd, options.scenarioFile),
    seeds: options.seeds,
    seedStart: options.seedStart ?? 1,
    workers: options.workers ?? defaultWorkers(),
    shard: null,
    axes,
    outDir,
    progress: options.progress ?? null,
  });
}

function sweepOptionProblems(o: SweepScenarioOptions): string[] {
  const out: string[] = [];
  const whole = (name: string, value: unknown, min: number, max: number): void => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
      out.push(`${name} must be a whole number from ${min} to ${max}, got ${String(value)}`);
  };
  if (typeof o.scenarioFile !== 'string' || o.scenarioFile === '')
    out.push('scenarioFile must be a path to a scenario file');
  if (typeof o.outDir !== 'string' || o.outDir === '') out.push('outDir must be a folder path');
  whole('seeds', o.seeds, 1, 10_000_000);
  if (o.seedStart !== undefined)
    whole('seedStart', o.seedStart, 0, Number.MAX_SAFE_INTEGER - (Number.isInteger(o.seeds) ? o.seeds : 0));
  if (o.workers !== undefined) whole('workers', o.workers, 1, 256);
  for (const [p, values] of Object.entries(o.grid ?? {})) {
    const problem = gridAxisProblem({ path: p, values });
    if (problem !== null) out.push(`grid["${p}"]: ${problem}`);
  }
  return out;
}

// =========================================================================================================
// Kubernetes arithmetic (the functions the engine and the conformance runner use)
// =========================================================================================================

/** A Deployment's `spec.strategy`, as in Kubernetes. */
export interface RollingUpdateStrategy {
  /** Extra pods above the desired count during a rollout: a count or a percentage such as `"25%"`. */
  readonly maxSurge: IntOrPercent;
  /** Pods that may be unavailable during a rollout: a count or a percentage such as `"25%"`. */
  readonly maxUnavailable: IntOrPercent;
  /** Default `RollingUpdate`. `Recreate` has no surge and no availability floor. */
  readonly type?: 'RollingUpdate' | 'Recreate';
}

/** What a rolling update may do at a desired replica count. */
export interface RollingUpdateBudget {
  /** Pods allowed above the desired count (percentages round up). */
  readonly maxSurge: number;
  /** Pods allowed below the desired count (percentages round down; 1 when both would be 0). */
  readonly maxUnavailable: number;
  /** Pods that must stay available: desired − maxUnavailable. */
  readonly minAvailable: number;
}

/**
 * Resolves `maxSurge` and `maxUnavailable` against a desired replica count exactly as Kubernetes'
 * Deployment controller does (`ResolveFenceposts`, `MaxSurge`, `MaxUnavailable`, `MinAvailable`).
 *
 * @example resolveRollingUpdate({ maxSurge: '25%', maxUnavailable: '25%' }, 10)
 *   // { maxSurge: 3, maxUnavailable: 2, minAvailable: 8 }
 * @throws RangeError when `desiredReplicas` is not a whole number ≥ 0, or a field is neither a whole
 *   number ≥ 0 nor a percentage like `"25%"` (values Kubernetes' validation rejects).
 */
export function resolveRollingUpdate(
  strategy: RollingUpdateStrategy,
  desiredReplicas: number,
): RollingUpdateBudget {
  wholeAtLeast0('desiredReplicas', desiredReplicas);
  for (const field of ['maxSurge', 'maxUnavailable'] as const) {
    const parsed = parseIntOrPercent(strategy[field] ?? Number.NaN);
    if (parsed === null || parsed.n < 0)
      throw new RangeError(
        `${field} must be a whole number ≥ 0 or a percentage like "25%", got ${JSON.stringify(strategy[field])}`,
      );
  }
  const internal = {
    maxSurge: strategy.maxSurge,
    maxUnavailable: strategy.maxUnavailable,
    ...(strategy.type === undefined ? {} : { type: strategy.type }),
  };
  return {
    maxSurge: k8sMaxSurge(internal, desiredReplicas),
    maxUnavailable: k8sMaxUnavailable(internal, desiredReplicas),
    minAvailable: k8sMinAvailable(internal, desiredReplicas),
  };
}

/** One metric of a Horizontal Pod Autoscaler: the current per-pod average and its target. */
export interface HpaMetric {
  /** Current value per ready pod (e.g. concurrent requests per instance). */
  readonly value: number;
  /** Target per pod; must be > 0 (a metric with no usable value or target counts as failed). */
  readonly target: number;
}

/** Input of {@link hpaDesiredReplicas}: one reconcile of an HPA without `behavior`. */
export interface HpaDesiredReplicasInput {
  /** The scale target's current `spec.replicas`. */
  readonly currentReplicas: number;
  /** Ready pods the metrics were averaged over. Default: `currentReplicas`. */
  readonly readyReplicas?: number;
  readonly metrics: readonly HpaMetric[];
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** No change while every ratio value / target is within 1 ± tolerance. Default 0.1, as Kubernetes. */
  readonly tolerance?: number;
  /**
   * Scale-down stabilisation window: the result is the highest recommendation inside it. Default 0
   * (the bare formula). Kubernetes' default is 300,000 (5 min); to model a live HPA pass it with `nowMs`
   * and the previous call's `history`.
   */
  readonly scaleDownStabilizationMs?: number;
  /** The time of this reconcile in milliseconds. Default 0. */
  readonly nowMs?: number;
  /** The previous call's `history`; empty (the default) means the HPA is seen for the first time. */
  readonly history?: readonly HpaRecommendation[];
  /** Scale-up limit per reconcile: at most max(factor × current, 4). Default: no limit (Kubernetes: 2). */
  readonly scaleUpLimitFactor?: number;
}

/** Result of {@link hpaDesiredReplicas}. */
export interface HpaDesiredReplicasResult {
  readonly desiredReplicas: number;
  /** Recommendations to pass into the next call (for the stabilisation window). */
  readonly history: readonly HpaRecommendation[];
}

/**
 * The desired replica count of a Horizontal Pod Autoscaler, as Kubernetes' controller computes it:
 * ceil(value / target × ready pods) per metric outside the tolerance band, the largest metric wins,
 * stabilised over the scale-down window and clamped to [minReplicas, maxReplicas]. A current count
 * outside the bounds snaps to them; a current count of 0 with minReplicas > 0 means autoscaling is off.
 *
 * @example hpaDesiredReplicas({ currentReplicas: 4, metrics: [{ value: 30, target: 16 }], minReplicas: 1, maxReplicas: 10 })
 *   // { desiredReplicas: 8, history: [...] }
 * @throws RangeError when a replica count is not a whole number ≥ 0, minReplicas > maxReplicas, or a
 *   tolerance, window, time or factor is negative or not finite.
 */
export function hpaDesiredReplicas(input: HpaDesiredReplicasInput): HpaDesiredReplicasResult {
  const current = input.currentReplicas;
  const ready = input.readyReplicas ?? current;
  wholeAtLeast0('currentReplicas', current);
  wholeAtLeast0('readyReplicas', ready);
  wholeAtLeast0('minReplicas', input.minReplicas);
  wholeAtLeast0('maxReplicas', input.maxReplicas);
  if (input.minReplicas > input.maxReplicas)
    throw new RangeError(`minReplicas (${input.minReplicas}) must be ≤ maxReplicas (${input.maxReplicas})`);
  const tolerance = input.tolerance ?? 0.1;
  const windowMs = input.scaleDownStabilizationMs ?? 0;
  const nowMs = input.nowMs ?? 0;
  finiteAtLeast0('tolerance', tolerance);
  finiteAtLeast0('scaleDownStabilizationMs', windowMs);
  finiteAtLeast0('nowMs', nowMs);
  if (input.scaleUpLimitFactor !== undefined) finiteAtLeast0('scaleUpLimitFactor', input.scaleUpLimitFactor);
  const { desired, history } = hpaRecommend({
    currentReplicas: current,
    readyReplicas: ready,
    metrics: input.metrics,
    minReplicas: input.minReplicas,
    maxReplicas: input.maxReplicas,
    tolerance,
    nowMs,
    scaleDownStabilizationMs: windowMs,
    history: input.history ?? [],
    ...(input.scaleUpLimitFactor === undefined ? {} : { scaleUpLimitFactor: input.scaleUpLimitFactor }),
  });
  return { desiredReplicas: desired, history };
}

function wholeAtLeast0(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0)
    throw new RangeError(`${name} must be a whole number ≥ 0, got ${String(value)}`);
}

function finiteAtLeast0(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0)
    throw new RangeError(`${name} must be a finite number ≥ 0, got ${String(value)}`);
}

// Rehearse and plan: what a failure at each step of an edit's rollout would cost, before the edit.

/**
 * `rollsim rehearse` as a function: runs the scenario once, records every distinct state of the edit's
 * rollout (and the monitoring window), then reruns the same scenario and seed with each fault kind
 * (`health`, `nodeLoss`, `squeeze`, `abort`) placed at each state. Resolves to the `rehearsal.json` object.
 * Rejects with {@link RehearsalInputError} on bad options (exit 2 in the CLI) and with
 * {@link RehearsalBaselineError} when the run without any fault already breaks an invariant.
 */
export { rehearse } from '../rehearse/index.js';
/**
 * `rollsim plan` as a function: GPUs needed per step and for a rollback from each step, the point of no
 * return, the autoscaler ratchet, outcome probabilities over a seed sweep and the recommended
 * maxSurge / maxUnavailable. Resolves to the `plan.json` object. Rejects with
 * {@link RehearsalInputError} on bad options (seeds from 1 to 100,000, a whole-millisecond budget ≥ 0, ...).
 */
export { plan } from '../rehearse/index.js';
/** Bad input to {@link rehearse} or {@link plan}; the message says what to change. */
export { RehearsalInputError } from '../rehearse/index.js';
/** The scenario's own run, with no fault placed, breaks an invariant. */
export { RehearsalBaselineError } from '../rehearse/index.js';
export type {
  /** Options of {@link rehearse}: edit, faults, seed, workers, log folder, shard, progress stream. */
  RehearseOptions,
  /** The `rehearsal.json` object: the edit, the seed, the recorded steps and one result per branch. */
  Rehearsal,
  /** One recorded state of the rollout: index, time and instances per revision and state. */
  RehearsalStep,
  /** One branch: step, fault, outcome and reason, time to restore, downtime, dropped %, invariants. */
  BranchResult,
  /** `health`, `nodeLoss`, `squeeze` or `abort`. */
  FaultKind,
  /** Options of {@link plan}: edit, seeds, downtime budget, workers, progress stream. */
  PlanOptions,
  /** The `plan.json` object: verdict, point of no return, ratchet, outcomes, recommendation. */
  Plan,
  /** `feasible`, `atRisk` or `infeasible`. */
  Verdict,
} from '../rehearse/index.js';
