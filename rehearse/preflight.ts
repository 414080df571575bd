// `rollsim plan`: the pre-flight check of one edit. From the scenario's own run: GPUs per pool at each
// state of the rollout, what a rollback from there needs and frees, the point of no return (the first
// state from which a rollback cannot restore the prior revision before its deadline, found by running
// that rollback) and the autoscaler ratchet. Then a seed sweep (outcome probabilities with Wilson
// intervals, rollout duration p50/p95) and a small maxSurge × maxUnavailable grid.
import { BUILTIN_CATALOG, extendCatalog } from '../catalog/catalog.js';
import { round3 } from '../result/metrics.js';
import { countOf, formatHumanDurationMs } from '../reports/format.js';
import { performanceOfIds } from '../sim/performance.js';
import type { StepView } from '../sim/run.js';
import type { Scenario } from '../scenario/types.js';
import { percentile, wilsonInterval } from '../sweep/aggregate.js';
import type { RunRecord } from '../sweep/store.js';
import type { SweepTask } from '../sweep/worker.js';
import { runOnSweepPool } from './pool.js';
import { planOptionProblems } from './options.js';
import { RehearsalBaselineError, RehearsalInputError, rehearse } from './rehearse.js';
import { recordRollout } from './record.js';
import type { RehearsalStep, RevisionCounts } from './types.js';

export const DEFAULT_PLAN_SEEDS = 50;
export const GRID_SEEDS_MAX = 20;
export const GRID: readonly { readonly maxSurge: number; readonly maxUnavailable: number }[] = [
  { maxSurge: 0, maxUnavailable: 1 },
  { maxSurge: 1, maxUnavailable: 0 },
  { maxSurge: 1, maxUnavailable: 1 },
  { maxSurge: 2, maxUnavailable: 0 },
  { maxSurge: 2, maxUnavailable: 1 },
];
export const RECOMMEND_RULE =
  `candidates maxSurge 0–2 × maxUnavailable 0–1 (not both 0), each run on the first min(seeds, ${GRID_SEEDS_MAX}) seeds; ` +
  'a candidate meets the budget when the edit completes on every one of those seeds, no run’s downtime exceeds the budget ' +
  'and, when the scenario sets expect.maxDroppedPercent, no run drops more than that; ' +
  'among those, the fewest mean GPU-hours, ties to the smaller maxSurge, then the smaller maxUnavailable';
export const IN_PLACE_RULE =
  'the edit applies in place (it replaces no instance), so maxSurge and maxUnavailable do not change it: ' +
  'no rollout setting is weighed or recommended';

export type Verdict = 'feasible' | 'atRisk' | 'infeasible';

export interface PlanOptions {
  /** Action index of the edit to plan, from 0 (result.json `edits[].index`), as in RehearseOptions. */
  readonly edit?: number | null;
  readonly seeds?: number;
  /** Seed of the scenario's own run (default the scenario's); the sweep uses seeds 1..K. */
  readonly seed?: number;
  readonly downtimeBudgetMs?: number;
  readonly workers?: number;
  readonly progress?: NodeJS.WriteStream | null;
}

export interface PlanStep {
  readonly index: number;
  readonly atMs: number;
  readonly phase: string;
  readonly instances: Readonly<Record<string, RevisionCounts>>;
  readonly pools: RehearsalStep['pools'];
  /** GPUs the deployment's instances at this state need (held or waiting for), per GPU type. */
  readonly needsGpus: Readonly<Record<string, number>>;
  readonly rollback: {
    /** GPUs (of the prior revision's type) a rollback from here must find for the missing prior instances. */
    readonly needsGpus: number;
    /** GPUs free in pools of that type at this state. */
    readonly freeGpus: number;
    /** GPUs the new revision holds (same type: a rollback can reuse them, if no earlier waiter takes them). */
    readonly freedGpus: number;
    /** The simulated rollback from this state: time until the prior revision was back, or null. */
    readonly restoredMs: number | null;
    readonly withinDeadline: boolean;
  };
}

export interface Ratchet {
  readonly atMs: number;
  readonly wantedInstances: number;
  readonly schedulableInstances: number;
  readonly peakWantedInstances: number;
  readonly perInstanceRps: { readonly before: number; readonly after: number };
}

export interface Probability {
  readonly count: number;
  readonly low: number;
  readonly high: number;
}

export interface Candidate {
  readonly maxSurge: number;
  readonly maxUnavailable: number;
  readonly runs: number;
  readonly completed: number;
  /** Runs whose edit rolled back, by rollback reason (most first). */
  readonly rolledBack: Readonly<Record<string, number>>;
  /** Runs that ended with the edit still under way (rolling out or monitoring): the run was too short. */
  readonly inProgress: number;
  readonly maxDowntimeMs: number;
  /** The worst run's droppedPercent (result.json metrics). */
  readonly maxDroppedPercent: number;
  readonly meanGpuHours: number;
  readonly meetsBudget: boolean;
}

export interface Plan {
  readonly scenario: string;
  readonly edit: number;
  readonly seed: number;
  readonly seeds: number;
  readonly downtimeBudgetMs: number;
  /** The scenario's expect.maxDroppedPercent, which a recommended candidate also meets; null when unset. */
  readonly maxDroppedPercent: number | null;
  readonly verdict: Verdict;
  readonly reasons: readonly string[];
  readonly fromRevision: number;
  readonly toRevision: number;
  readonly rollbackDeadlineMs: number;
  readonly steps: readonly PlanStep[];
  /** What changes the GPUs the pools leave free from the edit on: tenant steps and scheduled faults. */
  readonly capacityEvents: readonly { readonly atMs: number; readonly pool: string; readonly what: string }[];
  readonly pointOfNoReturn: { readonly step: number; readonly atMs: number } | null;
  readonly ratchet: Ratchet | null;
  readonly outcomes: Readonly<Record<string, Probability>>;
  readonly rolloutDurationMs: { readonly p50: number; readonly p95: number } | null;
  /** The edit applies in place (scaling, tags): rollout settings do not change it, so none is weighed. */
  readonly inPlace: boolean;
  readonly recommended: { readonly maxSurge: number; readonly maxUnavailable: number } | null;
  readonly recommendation: { readonly rule: string; readonly candidates: readonly Candidate[] };
}

export async function plan(scenario: Scenario, options: PlanOptions = {}): Promise<Plan> {
  const problems = planOptionProblems(options as unknown as Readonly<Record<string, unknown>>);
  if (problems.length > 0) throw new RehearsalInputError(problems.join('\n'));
  const seed = options.seed ?? scenario.seed;
  const seeds = options.seeds ?? DEFAULT_PLAN_SEEDS;
  const budget = options.downtimeBudgetMs ?? 0;
  const droppedLimit = scenario.expect?.maxDroppedPercent ?? null;
  const workers = options.workers ?? 0;
  const progress = options.progress ?? null;

  // 1. The scenario's own run: the states, and the autoscaler against what the pools can hold.
  let requestAtMs = Infinity;
  const watch: {
    views: { atMs: number; desired: number; revision: number; active: boolean; schedulable: number }[];
  } = { views: [] };
  let target: { edit: number | null; toRevision: number; accel: { type: string; count: number } | null } = {
    edit: options.edit ?? null,
    toRevision: -1,
    accel: null,
  };
  const also = (view: StepView): void => {
    const r = view.engine.rollout;
    if (
      r.phase !== 'steady' &&
      target.accel === null &&
      (target.edit === null || r.actionIndex === target.edit)
    ) {
      const spec = view.engine.revisions[r.toRevision]?.spec;
      if (spec !== undefined && r.fromRevision !== r.toRevision) {
        target = { edit: r.actionIndex, toRevision: r.toRevision, accel: spec.accelerator };
        requestAtMs = view.atMs;
      }
    }
    if (target.accel === null || view.atMs < requestAtMs) return;
    const accel = target.accel;
    let schedulable = 0;
    const pools = view.pools();
    for (const pool of scenario.cluster.pools) {
      if (pool.gpu !== accel.type) continue;
      const u = pools[pool.name]!;
      // What the deployment holds or could take on the nodes there now, plus whole nodes the pool can
      // still add (up to maxNodes; nodes on their way count here, as they are not in the usage yet).
      const nodesNow = Math.round((u.deployment + u.tenants + u.free + u.down) / pool.gpusPerNode);
      const addable = Math.max(0, pool.maxNodes - nodesNow);
      schedulable +=
        Math.floor((u.deployment + u.free) / accel.count) +
        addable * Math.floor(pool.gpusPerNode / accel.count);
    }
    watch.views.push({
      atMs: view.atMs,
      desired: view.engine.desired,
      revision: view.engine.revision,
      active: r.phase !== 'steady' && r.actionIndex === target.edit,
      schedulable,
    });
  };
  const recorded = recordRollout(scenario, seed, options.edit ?? null, also);
  if (!recorded.ok) {
    if (recorded.kind === 'badInput') throw new RehearsalInputError(recorded.message);
    throw new RehearsalBaselineError(recorded.message);
  }
  const baseline = recorded.baseline;
  const deadlineMs = scenario.rollout.progressDeadlineMs;

  // 2. A rollback requested at every state, simulated (the rehearsal's abort branches).
  const aborts = await rehearse(scenario, {
    edit: baseline.edit,
    faults: ['abort'],
    seed,
    workers,
    progress,
  });
  const fromSpec = baseline.fromShape;
  const toSpec = baseline.toShape;
  const steps: PlanStep[] = baseline.steps.map((s) => {
    const prior = s.instances[`rev${baseline.fromRevision}`] ?? zero;
    const next = s.instances[`rev${baseline.toRevision}`] ?? zero;
    const missing = Math.max(0, baseline.priorReadyCount - prior.ready - prior.starting);
    const sameType = fromSpec.type === toSpec.type;
    const freeGpus = scenario.cluster.pools
      .filter((p) => p.gpu === fromSpec.type)
      .reduce((a, p) => a + (s.pools[p.name]?.free ?? 0), 0);
    const branch = aborts.branches.find((b) => b.step === s.index);
    const total = (c: RevisionCounts): number => c.pending + c.starting + c.ready + c.draining;
    const needsGpus: Record<string, number> = {};
    needsGpus[fromSpec.type] = total(prior) * fromSpec.count;
    needsGpus[toSpec.type] = (needsGpus[toSpec.type] ?? 0) + total(next) * toSpec.count;
    const restoredMs = branch?.restoredMs ?? null;
    return {
      index: s.index,
      atMs: s.atMs,
      phase: s.phase,
      instances: s.instances,
      pools: s.pools,
      needsGpus,
      rollback: {
        needsGpus: missing * fromSpec.count,
        freeGpus,
        freedGpus: sameType ? (next.ready + next.starting + next.draining) * toSpec.count : 0,
        restoredMs,
        withinDeadline: restoredMs !== null && restoredMs <= deadlineMs,
      },
    };
  });
  const pnr = steps.find((s) => !s.rollback.withinDeadline);
  const pointOfNoReturn = pnr === undefined ? null : { step: pnr.index, atMs: pnr.atMs };

  // 3. The ratchet: the autoscaler wants more new-revision instances than the pools can hold.
  const ratchet = findRatchet(scenario, watch.views, baseline.toRevision, fromSpec, toSpec);

  // 4. The seed sweep and the grid.
  const editIndex = baseline.edit;
  const sweepTasks: SweepTask[] = Array.from({ length: seeds }, (_, i) => ({
    key: `seed#${i + 1}`,
    seed: i + 1,
    settings: {},
    scenario,
  }));
  const gridSeeds = Math.min(seeds, GRID_SEEDS_MAX);
  // An edit in place replaces no instance: every setting would give the same runs.
  const inPlace = baseline.result.edits.find((e) => e.index === editIndex)?.inPlace === true;
  const grid = inPlace ? [] : GRID;
  const gridTasks: SweepTask[] = grid.flatMap((g) =>
    Array.from({ length: gridSeeds }, (_, i) => ({
      key: `${g.maxSurge}/${g.maxUnavailable}#${i + 1}`,
      seed: i + 1,
      settings: { 'rollout.maxSurge': g.maxSurge, 'rollout.maxUnavailable': g.maxUnavailable },
      scenario: {
        ...scenario,
        rollout: {
          ...scenario.rollout,
          maxSurge: g.maxSurge,
          maxUnavailable: g.maxUnavailable,
        },
      },
    })),
  );
  const records = await runOnSweepPool([...sweepTasks, ...gridTasks], workers, progress, 'plan');
  const own = records.slice(0, seeds);
  const outcomes = outcomeProbabilities(own, editIndex);
  const durations = own
    .flatMap((r) => {
      const e = r.result?.edits.find((x) => x.index === editIndex);
      return e?.outcome === 'completed' && e.rolloutDurationMs !== null ? [e.rolloutDurationMs] : [];
    })
    .sort((a, b) => a - b);
  const candidates = grid.map((g, k) =>
    candidate(
      g,
      records.slice(seeds + k * gridSeeds, seeds + (k + 1) * gridSeeds),
      editIndex,
      budget,
      droppedLimit,
    ),
  );
  const best = [...candidates]
    .filter((c) => c.meetsBudget)
    .sort(
      (a, b) =>
        a.meanGpuHours - b.meanGpuHours || a.maxSurge - b.maxSurge || a.maxUnavailable - b.maxUnavailable,
    )[0];

  // 5. The verdict.
  const reasons: string[] = [];
  const completed = outcomes.completed?.count ?? 0;
  const ownDowntime = Math.max(0, ...own.map((r) => r.result?.metrics.downtimeMs ?? 0));
  const rolledBackBy = rollbackReasonCounts(own, editIndex);
  const ownInProgress = inProgressCount(own, editIndex);
  const whyParts = [
    ...(rolledBackBy.size === 0
      ? []
      : [`rolled back: ${[...rolledBackBy].map(([reason, n]) => `${reason} on ${n}`).join(', ')}`]),
    ...(ownInProgress === 0
      ? []
      : [
          `still under way when the run ends on ${ownInProgress}: lengthen the scenario's duration to see it finish`,
        ]),
  ];
  const why = whyParts.length === 0 ? '' : ` (${whyParts.join('; ')})`;
  if (completed === 0) reasons.push(`the edit completed on none of ${countOf(seeds, 'seed')}${why}`);
  else if (completed < seeds)
    reasons.push(`the edit completed on ${completed} of ${countOf(seeds, 'seed')}${why}`);
  // The scenario's own rollback action aborts the edit wherever it is still rolling out: that is the
  // scenario's operator, not the edit, and planning the edit alone means leaving that event out.
  const ownAbort = scenario.events.find((e) => e.action === 'rollback' && e.atMs >= requestAtMs);
  if (ownAbort !== undefined && (rolledBackBy.get('MANUAL_ABORT') ?? 0) > 0)
    reasons.push(
      `the scenario's own rollback action at ${formatHumanDurationMs(ownAbort.atMs)} aborts the edit where it is still rolling out (MANUAL_ABORT); remove that event to plan the edit on its own`,
    );
  if (pointOfNoReturn !== null)
    reasons.push(
      `a rollback from step ${pointOfNoReturn.step} (at ${formatHumanDurationMs(pointOfNoReturn.atMs)}) cannot restore the prior revision within its deadline (${formatHumanDurationMs(deadlineMs)})`,
    );
  if (ratchet !== null)
    reasons.push(
      `the autoscaler wants ${ratchet.wantedInstances} instances at ${formatHumanDurationMs(ratchet.atMs)} but the pools can hold ${ratchet.schedulableInstances}`,
    );
  if (ownDowntime > budget)
    reasons.push(
      `downtime up to ${formatHumanDurationMs(ownDowntime)} exceeds the budget of ${formatHumanDurationMs(budget)}`,
    );
  if (best === undefined && !inPlace) reasons.push(noCandidateReason(candidates, budget, droppedLimit));
  const errors = own.filter((r) => r.status === 'error').length;
  if (errors > 0) reasons.push(`${errors} seed runs failed`);
  const verdict: Verdict = completed === 0 ? 'infeasible' : reasons.length > 0 ? 'atRisk' : 'feasible';

  return {
    scenario: scenario.metadata.name,
    edit: editIndex,
    seed,
    seeds,
    downtimeBudgetMs: budget,
    maxDroppedPercent: droppedLimit,
    verdict,
    reasons,
    fromRevision: baseline.fromRevision,
    toRevision: baseline.toRevision,
    rollbackDeadlineMs: deadlineMs,
    steps,
    capacityEvents: capacityEvents(scenario, baseline.steps[0]?.atMs ?? 0),
    pointOfNoReturn,
    ratchet,
    outcomes,
    rolloutDurationMs:
      durations.length === 0 ? null : { p50: percentile(durations, 50), p95: percentile(durations, 95) },
    inPlace,
    recommended: best === undefined ? null : { maxSurge: best.maxSurge, maxUnavailable: best.maxUnavailable },
    recommendation: { rule: inPlace ? IN_PLACE_RULE : RECOMMEND_RULE, candidates },
  };
}

const zero: RevisionCounts = { pending: 0, starting: 0, ready: 0, draining: 0 };

function findRatchet(
  scenario: Scenario,
  views: readonly { atMs: number; desired: number; revision: number; active: boolean; schedulable: number }[],
  toRevision: number,
  before: { type: string; count: number; model: string },
  after: { type: string; count: number; model: string },
): Ratchet | null {
  const catalog = extendCatalog(BUILTIN_CATALOG, scenario.models);
  const rps = (s: { type: string; count: number; model: string }): number => {
    const perf = performanceOfIds(catalog, s.model, { type: s.type, count: s.count });
    return perf === null ? 0 : round3(perf.capacityRps);
  };
  const perInstanceRps = { before: rps(before), after: rps(after) };
  const relevant = views.filter((v) => v.active || v.revision === toRevision);
  const desiredAtStart = relevant[0]?.desired ?? 0;
  const first = relevant.find((v) => v.desired > v.schedulable && v.desired > desiredAtStart);
  if (first === undefined) return null;
  return {
    atMs: first.atMs,
    wantedInstances: first.desired,
    schedulableInstances: first.schedulable,
    peakWantedInstances: Math.max(...relevant.map((v) => v.desired)),
    perInstanceRps,
  };
}

/** Why the edit rolled back, over the runs that rolled it back: reason → runs, most frequent first. */
function rollbackReasonCounts(records: readonly RunRecord[], edit: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of records) {
    const e = r.result?.edits.find((x) => x.index === edit);
    if (e?.outcome === 'rolledBack')
      counts.set(e.reason ?? 'unknown', (counts.get(e.reason ?? 'unknown') ?? 0) + 1);
  }
  return new Map([...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
}

/** Runs that ended with the edit still under way. */
function inProgressCount(records: readonly RunRecord[], edit: number): number {
  return records.filter((r) => r.result?.edits.find((x) => x.index === edit)?.outcome === 'inProgress')
    .length;
}

function outcomeProbabilities(records: readonly RunRecord[], edit: number): Record<string, Probability> {
  const counts = new Map<string, number>([
    ['completed', 0],
    ['rolledBack', 0],
  ]);
  for (const r of records) {
    const outcome =
      r.status === 'error'
        ? 'error'
        : (r.result?.edits.find((e) => e.index === edit)?.outcome ?? 'unfinished');
    counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
  }
  const out: Record<string, Probability> = {};
  for (const [k, count] of counts) {
    const w = wilsonInterval(count, records.length);
    out[k] = { count, low: round3(w.low), high: round3(w.high) };
  }
  return out;
}

/**
 * Why no rollout setting of the grid meets the budget: each test that some setting fails, with how many
 * settings pass it or, when none does, the best any reached (a grid where every run rolls back is about
 * completion, not downtime; one where each test is passed by some setting but never all by one says so).
 */
export function noCandidateReason(
  candidates: readonly Candidate[],
  budget: number,
  droppedLimit: number | null,
): string {
  const n = candidates.length;
  const failing: string[] = [];
  const test = (what: string, passes: (c: Candidate) => boolean, best: () => string): void => {
    const passing = candidates.filter(passes).length;
    if (passing === n) return;
    failing.push(`${what} (${passing === 0 ? `none does: ${best()}` : `${passing} of ${n} settings do`})`);
  };
  const runs = candidates[0]?.runs ?? 0;
  test(
    'completes the edit on every seed',
    (c) => c.completed === c.runs,
    () => `the most is ${Math.max(0, ...candidates.map((c) => c.completed))} of ${runs}`,
  );
  test(
    `keeps downtime within the ${formatHumanDurationMs(budget)} budget`,
    (c) => c.maxDowntimeMs <= budget,
    () => `the least is ${formatHumanDurationMs(Math.min(...candidates.map((c) => c.maxDowntimeMs)))}`,
  );
  if (droppedLimit !== null)
    test(
      `drops at most expect.maxDroppedPercent ${droppedLimit}%`,
      (c) => c.maxDroppedPercent <= droppedLimit,
      () => `the least is ${Math.min(...candidates.map((c) => c.maxDroppedPercent))}%`,
    );
  if (failing.length === 0) return 'no rollout setting in the grid runs without errors on every seed';
  return `no rollout setting in the grid ${failing.join(' and ')}`;
}

function candidate(
  g: { maxSurge: number; maxUnavailable: number },
  records: readonly RunRecord[],
  edit: number,
  budget: number,
  droppedLimit: number | null,
): Candidate {
  const ok = records.filter((r) => r.status === 'ok');
  const completed = ok.filter(
    (r) => r.result?.edits.find((e) => e.index === edit)?.outcome === 'completed',
  ).length;
  const maxDowntimeMs = Math.max(0, ...ok.map((r) => r.result?.metrics.downtimeMs ?? 0));
  const maxDroppedPercent = Math.max(0, ...ok.map((r) => r.result?.metrics.droppedPercent ?? 0));
  const meanGpuHours =
    ok.length === 0 ? 0 : round3(ok.reduce((a, r) => a + (r.result?.metrics.gpuHours ?? 0), 0) / ok.length);
  return {
    ...g,
    runs: records.length,
    completed,
    rolledBack: Object.fromEntries(rollbackReasonCounts(ok, edit)),
    inProgress: inProgressCount(ok, edit),
    maxDowntimeMs,
    maxDroppedPercent,
    meanGpuHours,
    meetsBudget:
      ok.length === records.length &&
      completed === records.length &&
      maxDowntimeMs <= budget &&
      (droppedLimit === null || maxDroppedPercent <= droppedLimit),
  };
}

export function capacityEvents(scenario: Scenario, fromMs: number): Plan['capacityEvents'] {
  const out: { atMs: number; pool: string; what: string }[] = [];
  for (const t of scenario.cluster.tenants)
    for (const step of t.gpus)
      if (step.atMs >= fromMs)
        out.push({ atMs: step.atMs, pool: t.pool, what: `a tenant wants ${step.count} GPUs` });
  for (const e of scenario.events) {
    if (e.atMs < fromMs || e.action !== 'fault') continue;
    const f = e.fault;
    if (f.kind === 'nodeFailure')
      out.push({
        atMs: e.atMs,
        pool: f.pool,
        what: f.count === 1 ? '1 node fails' : `${f.count} nodes fail`,
      });
    if (f.kind === 'gpuFailure')
      out.push({ atMs: e.atMs, pool: f.pool, what: f.count === 1 ? '1 GPU fails' : `${f.count} GPUs fail` });
    if (f.kind === 'capacitySqueeze')
      out.push({
        atMs: e.atMs,
        pool: f.pool,
        what: `a squeeze takes ${f.count} GPUs for ${formatHumanDurationMs(f.forMs)}`,
      });
  }
  return out.sort((a, b) => a.atMs - b.atMs || a.pool.localeCompare(b.pool));
}
