// Distributions over a sweep's runs, per settings combination: outcome counts, rollback rate with a
// 95 % Wilson interval, downtime and duration percentiles, dropped %, GPU-hours, the worst seeds.
import { wilsonInterval } from '../reports/sweep-charts.js';
import { nearestRank, round3 } from '../result/metrics.js';
import { settingsLabel } from './plan.js';
import type { RunRecord } from './store.js';

export interface Distribution {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

export interface WorstRun {
  readonly seed: number;
  readonly downtimeMs: number;
  readonly droppedPercent: number;
  /** Each action's outcome, joined by "+" ("rolledBack+accepted"). */
  readonly outcome: string;
  /** The rollback reasons of its actions, in order. */
  readonly reasons: readonly string[];
}

/** "rolledBack (UNSTABLE_AFTER_EDIT)": a worst run's outcome with the reasons it rolled back. */
export function worstOutcomeText(w: WorstRun): string {
  return w.reasons.length === 0 ? w.outcome : `${w.outcome} (${w.reasons.join(', ')})`;
}

/**
 * Worst runs that read alike (`text`: how a report words one, without its seed) as one entry with their
 * seeds, in order: a sweep whose runs all roll back the same way listed the same line once per seed.
 */
export function worstGroups(
  worst: readonly WorstRun[],
  text: (w: WorstRun) => string,
): { seeds: number[]; text: string }[] {
  const groups: { seeds: number[]; text: string }[] = [];
  for (const w of worst) {
    const t = text(w);
    const last = groups.at(-1);
    if (last?.text === t) last.seeds.push(w.seed);
    else groups.push({ seeds: [w.seed], text: t });
  }
  // They read alike, so in seed order (their worst-first order differs only below what is printed).
  for (const g of groups) g.seeds.sort((a, b) => a - b);
  return groups;
}

/** "seed 7" or "seeds 1–200": the seeds a sweep (or shard plan) covers. */
export function seedRangeText(start: number, count: number): string {
  return count === 1 ? `seed ${start}` : `seeds ${start}–${start + count - 1}`;
}

/** "seed 4" or "seeds 1, 2, 3". */
export function seedsText(seeds: readonly number[]): string {
  return seeds.length === 1 ? `seed ${seeds[0]}` : `seeds ${seeds.join(', ')}`;
}

/** "6 (UNSTABLE_AFTER_EDIT 4, HEALTH_CHECK_FAILED 2)": rolled-back edits with their reasons, most first. */
export function rolledBackText(c: ComboAggregate): string {
  const reasons = Object.entries(c.reasons).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  if (reasons.length === 0) return String(c.outcomes.rolledBack);
  return `${c.outcomes.rolledBack} (${reasons.map(([r, n]) => `${r} ${n}`).join(', ')})`;
}

export interface ComboAggregate {
  readonly label: string;
  readonly settings: Readonly<Record<string, string | number | boolean>>;
  readonly runs: number;
  readonly errors: number;
  readonly outcomes: { completed: number; rolledBack: number; rejected: number; inProgress: number };
  /** Edits that roll instances (not rejected, not applied in place), over all runs: those a rollout
   * duration is about. */
  readonly rollingEdits: number;
  /** Of those, the edits whose rollout finished (every instance replaced), over all runs. */
  readonly finishedRollouts: number;
  /** Runs with at least one rolled-back edit. */
  readonly rolledBackRuns: number;
  /** Runs whose result was judged against the scenario's expect, and those failing one of them. */
  readonly expect: { readonly judged: number; readonly failed: number };
  readonly rollbackRate: number;
  readonly rollbackRate95: { readonly low: number; readonly high: number };
  readonly reasons: Readonly<Record<string, number>>;
  readonly downtimeMs: Distribution;
  /** Rollout duration (request until the last instance was replaced), summed over a run's edits that got
   * that far; runs where none did are left out, and null when no run did (every edit rolled back, say):
   * zeros there read as rollouts that took no time. */
  readonly durationMs: Distribution | null;
  readonly droppedPercent: Distribution;
  readonly gpuHours: Distribution;
  readonly worst: readonly WorstRun[];
  /** Raw values for charts. */
  readonly samples: { readonly downtimeMs: number[]; readonly durationMs: number[] };
}

export interface SweepAggregate {
  readonly scenario: string;
  readonly totalRuns: number;
  readonly combos: readonly ComboAggregate[];
  readonly best: { readonly label: string; readonly rule: string } | null;
  readonly errors: readonly { key: string; seed: number; error: string }[];
}

export const BEST_RULE =
  'fewest runs failing the scenario’s expect, then lowest upper bound of the 95 % rollback-rate interval, then lowest p95 downtime, then lowest p50 rollout duration';

export { wilsonInterval };

/** Nearest-rank percentile (q from 0 to 100) of sorted values; 0 for none. */
export function percentile(sorted: readonly number[], q: number): number {
  return nearestRank(sorted, q / 100) ?? 0;
}

export function distribution(values: readonly number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.length === 0 ? 0 : sorted.reduce((s, v) => s + v, 0) / sorted.length;
  return {
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? 0,
    mean: round3(mean),
  };
}

export function aggregate(scenario: string, records: readonly RunRecord[]): SweepAggregate {
  const groups = new Map<string, RunRecord[]>();
  for (const r of [...records].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))) {
    const label = settingsLabel(r.settings);
    groups.set(label, [...(groups.get(label) ?? []), r]);
  }
  const combos = [...groups.entries()].map(([label, runs]) => aggregateCombo(label, runs));
  const ranked = [...combos]
    .filter((c) => c.runs - c.errors > 0)
    .sort(
      (a, b) =>
        a.expect.failed - b.expect.failed ||
        a.rollbackRate95.high - b.rollbackRate95.high ||
        a.downtimeMs.p95 - b.downtimeMs.p95 ||
        (a.durationMs?.p50 ?? Infinity) - (b.durationMs?.p50 ?? Infinity) ||
        (a.label < b.label ? -1 : 1),
    );
  // In key order, not completion order: sweep.json must not depend on --workers.
  const errors = records
    .filter((r) => r.status === 'error')
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((r) => ({ key: r.key, seed: r.seed, error: r.error ?? 'unknown error' }));
  return {
    scenario,
    totalRuns: records.length,
    combos,
    best: ranked[0] ? { label: ranked[0].label, rule: BEST_RULE } : null,
    errors,
  };
}

function aggregateCombo(label: string, runs: readonly RunRecord[]): ComboAggregate {
  const ok = runs.filter((r) => r.status === 'ok' && r.result !== undefined);
  const outcomes = { completed: 0, rolledBack: 0, rejected: 0, inProgress: 0 };
  const reasons: Record<string, number> = {};
  let rolledBackRuns = 0;
  let rollingEdits = 0;
  let finishedRollouts = 0;
  let judged = 0;
  let failed = 0;
  const downtime: number[] = [];
  const duration: number[] = [];
  const dropped: number[] = [];
  const gpuHours: number[] = [];
  for (const r of ok) {
    const result = r.result;
    if (result === undefined) continue;
    const edits = result.edits.filter((e) => e.kind === 'edit');
    for (const e of edits) {
      outcomes[e.outcome]++;
      if (e.outcome !== 'rejected' && e.inPlace !== true) rollingEdits++;
      if (e.reason !== null) reasons[e.reason] = (reasons[e.reason] ?? 0) + 1;
    }
    if (edits.some((e) => e.outcome === 'rolledBack')) rolledBackRuns++;
    const expectations = result.expectations ?? [];
    if (expectations.length > 0) {
      judged++;
      if (expectations.some((x) => !x.pass)) failed++;
    }
    downtime.push(result.metrics.downtimeMs);
    // Rollout duration (request until the last instance was replaced), as in every run report: the
    // edits that roll instances (not rejected, not applied in place, which the reports show as "–"),
    // summed. A run with one of them unfinished has none to contribute: counting its other edits alone
    // read as a rollout of 0 s when the only other edit was in place.
    const rolling = edits.filter((e) => e.outcome !== 'rejected' && e.inPlace !== true);
    const rollouts = rolling.flatMap((e) =>
      typeof e.rolloutDurationMs === 'number' ? [e.rolloutDurationMs] : [],
    );
    finishedRollouts += rollouts.length;
    if (rollouts.length > 0 && rollouts.length === rolling.length)
      duration.push(rollouts.reduce((s, v) => s + v, 0));
    dropped.push(result.metrics.droppedPercent);
    gpuHours.push(result.metrics.gpuHours);
  }
  const worst = ok
    .map((r) => ({
      seed: r.seed,
      downtimeMs: r.result?.metrics.downtimeMs ?? 0,
      droppedPercent: r.result?.metrics.droppedPercent ?? 0,
      // A rollback action's `completed` is its request accepted: "rolledBack+accepted", not "+completed".
      outcome:
        (r.result?.edits ?? [])
          .map((e) => (e.kind === 'rollback' && e.outcome === 'completed' ? 'accepted' : e.outcome))
          .join('+') || 'none',
      reasons: (r.result?.edits ?? []).flatMap((e) => (e.reason === null ? [] : [e.reason])),
    }))
    // Only runs that went wrong somehow: when every run was clean, there is no worst run to replay.
    // (A run of a scenario without edits has the outcome 'none'.)
    .filter(
      (w) =>
        w.downtimeMs > 0 ||
        w.droppedPercent > 0 ||
        (w.outcome !== 'none' && !/^(completed\+?)*$/.test(w.outcome)),
    )
    .sort((a, b) => b.downtimeMs - a.downtimeMs || b.droppedPercent - a.droppedPercent || a.seed - b.seed)
    .slice(0, 5);
  return {
    label,
    settings: runs[0]?.settings ?? {},
    runs: runs.length,
    errors: runs.length - ok.length,
    outcomes,
    rollingEdits,
    finishedRollouts,
    rolledBackRuns,
    expect: { judged, failed },
    rollbackRate: ok.length === 0 ? 0 : round3(rolledBackRuns / ok.length),
    rollbackRate95: mapValues(wilsonInterval(rolledBackRuns, ok.length), round3),
    reasons,
    downtimeMs: distribution(downtime),
    durationMs: duration.length === 0 ? null : distribution(duration),
    droppedPercent: distribution(dropped),
    gpuHours: distribution(gpuHours),
    worst,
    samples: { downtimeMs: downtime, durationMs: duration },
  };
}

function mapValues(o: { low: number; high: number }, f: (x: number) => number) {
  return { low: f(o.low), high: f(o.high) };
}

/**
 * No run had a rollout duration: because its rollouts did not finish (or, with several edits, no run
 * finished all of them: a run's duration is their sum), because every edit was applied in place (no
 * rollout to time), or because there were none.
 */
export const noDuration = (c: ComboAggregate): string =>
  c.rollingEdits > 0
    ? c.finishedRollouts > 0
      ? `– (no run finished all its rollouts; ${c.finishedRollouts} of ${c.rollingEdits} finished)`
      : '– (no rollout finished)'
    : c.outcomes.completed + c.outcomes.rolledBack > 0
      ? '– (in place)'
      : '–';

/**
 * A settings combination as the reports name it: its label, or "scenario as written" for a sweep
 * without --set (whose label is "{}", kept in sweep.json and the plan files as it was).
 */
export const comboTitle = (label: string): string => (label === '{}' ? 'scenario as written' : label);
