// One branch of a rehearsal: the same scenario and seed with one fault placed at one state of the
// rollout, run with every engine invariant checked at every step, judged against the prior revision.
import { runScenario, type StepView } from '../sim/run.js';
import type { Scenario, ScenarioEvent } from '../scenario/types.js';
import { formatHumanDurationMs } from '../result/duration.js';
import { overdueNote } from '../result/expect.js';
import type { RunResult } from '../result/result.js';
import { availableOf } from './record.js';
import type { BranchOutcome, BranchResult, FaultKind, Rehearsal, RehearsalStep } from './types.js';

/** Everything a worker needs to run one branch (plain data: it crosses a thread boundary). */
export interface BranchTask {
  readonly key: string;
  readonly scenario: Scenario;
  readonly seed: number;
  readonly edit: number;
  readonly fromRevision: number;
  readonly toRevision: number;
  readonly priorReadyCount: number;
  readonly step: RehearsalStep;
  readonly fault: FaultKind;
  readonly replay: string;
}

export function branchKey(step: number, fault: FaultKind): string {
  return `${step}:${fault}`;
}

/** The fault strikes 1 ms after the state was reached: the state still holds, and every fact of that millisecond is in. */
export function faultTimeMs(step: RehearsalStep): number {
  return step.atMs + 1;
}

/** The scenario events that place `fault` at `atMs` (none for a squeeze when nothing is free). */
export function faultEvents(
  scenario: Scenario,
  step: RehearsalStep,
  fault: FaultKind,
  toRevision: number,
  atMs: number,
): ScenarioEvent[] {
  switch (fault) {
    case 'health':
      return [{ atMs, action: 'fault', fault: { kind: 'revisionFailsHealth', revision: toRevision } }];
    case 'abort':
      return [{ atMs, action: 'rollback' }];
    case 'nodeLoss': {
      const pool = mostUsedPool(scenario, step);
      // The node holding most of the deployment there: a random node may hold none of it, and the
      // branch would then rehearse nothing.
      return [
        {
          atMs,
          action: 'fault',
          fault: { kind: 'nodeFailure', pool, count: 1, repairMs: null, target: 'busiest' },
        },
      ];
    }
    case 'squeeze': {
      const forMs = scenario.durationMs - atMs;
      if (forMs <= 0) return [];
      return Object.entries(step.pools)
        .filter(([, p]) => p.free > 0)
        .map(([pool, p]) => ({
          atMs,
          action: 'fault' as const,
          fault: { kind: 'capacitySqueeze' as const, pool, count: p.free, forMs },
        }));
    }
  }
}

/** The pool where the deployment holds the most GPUs at this state (ties: the first listed). */
function mostUsedPool(scenario: Scenario, step: RehearsalStep): string {
  let best = scenario.cluster.pools[0]!.name;
  let most = -1;
  for (const pool of scenario.cluster.pools) {
    const held = step.pools[pool.name]?.deployment ?? 0;
    if (held > most) {
      best = pool.name;
      most = held;
    }
  }
  return best;
}

/** The scenario of a branch: the original events, then the fault's (so everything before it is identical). */
export function branchScenario(task: Omit<BranchTask, 'key' | 'replay'>): Scenario {
  const atMs = faultTimeMs(task.step);
  const extra = faultEvents(task.scenario, task.step, task.fault, task.toRevision, atMs);
  return { ...task.scenario, events: [...task.scenario.events, ...extra] };
}

interface Watch {
  peak: Record<string, number>;
  /**
   * From the fault on, at every engine step: when, the prior revision's available count while the edit
   * rolls back to it or once it has ended with it serving (else -1), and the autoscaler's desired count.
   * Restored is decided from these after the run (restoredAt).
   */
  readonly after: { atMs: number; priorAvailable: number; desired: number }[];
  recoveredNewAtMs: number | null;
}

/**
 * When the prior revision was back at full strength: the first step from which it was available at its
 * ready count from before the edit, or at the most the autoscaler would still want from then to the end
 * of the run if that is fewer. The "still" matters: traffic that fell away for good (a rollback into a
 * quiet hour) lowers the bar; a momentary dip of the autoscaler does not, so a rollback that never gets
 * its instances back (its GPUs taken) is not counted restored in the dip.
 */
export function restoredAt(after: Watch['after'], priorReadyCount: number): number | null {
  let wantedLater = 0;
  let restored: number | null = null;
  for (let i = after.length - 1; i >= 0; i--) {
    const v = after[i]!;
    wantedLater = Math.max(wantedLater, v.desired);
    if (v.priorAvailable >= 0 && v.priorAvailable >= Math.min(priorReadyCount, wantedLater))
      restored = v.atMs;
  }
  return restored;
}

export function runBranch(task: BranchTask): BranchResult {
  const faultAtMs = faultTimeMs(task.step);
  const scenario = branchScenario(task);
  const watch: Watch = { peak: {}, after: [], recoveredNewAtMs: null };
  for (const pool of scenario.cluster.pools) watch.peak[pool.name] = 0;
  const observe = (view: StepView): void => {
    for (const [name, u] of Object.entries(view.pools()))
      if (u.deployment > (watch.peak[name] ?? 0)) watch.peak[name] = u.deployment;
    if (view.atMs < faultAtMs) return;
    const e = view.engine;
    const settled = e.rollout.phase === 'steady' || e.rollout.actionIndex !== task.edit;
    // The prior revision counts from when the edit ended with it serving, or while the edit rolls back to
    // it: a rollback that cannot finish (the autoscaler wants more than the prior pools hold) may have
    // it back at full strength long before its deadline forces the failed revision out.
    const rollingBack = e.rollout.phase === 'rollingBack' && e.rollout.actionIndex === task.edit;
    const priorAvailable =
      (settled || rollingBack) && e.revision === task.fromRevision ? availableOf(e, task.fromRevision) : -1;
    const last = watch.after[watch.after.length - 1];
    // Only changes: the earliest step of each stretch is the one restoredAt may pick.
    if (last === undefined || last.priorAvailable !== priorAvailable || last.desired !== e.desired)
      watch.after.push({ atMs: view.atMs, priorAvailable, desired: e.desired });
    if (!settled) return;
    if (
      watch.recoveredNewAtMs === null &&
      e.revision === task.toRevision &&
      availableOf(e, task.toRevision) >= e.desired
    )
      watch.recoveredNewAtMs = view.atMs;
  };
  let result: RunResult;
  try {
    result = runScenario(scenario, { seed: task.seed, checkInvariants: true, observe }).result;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const invariant = message.startsWith('invariant breach');
    return {
      step: task.step.index,
      fault: task.fault,
      faultAtMs,
      outcome: 'error',
      reason: null,
      restoredMs: null,
      recovered: null,
      downtimeMs: 0,
      droppedPercent: 0,
      peakGpus: watch.peak,
      invariantsHeld: !invariant,
      pass: false,
      problems: [invariant ? message : `the run failed: ${message}`],
      replay: task.replay,
    };
  }
  return judge(task, result, watch, faultAtMs);
}

/** The scenario's downtime and dropped-request limits that a run breaks, each as a sentence. */
export function limitBreaches(scenario: Scenario, result: RunResult): string[] {
  const problems: string[] = [];
  const limits = scenario.expect;
  const { downtimeMs, droppedPercent } = result.metrics;
  if (limits?.maxDowntimeMs !== undefined && downtimeMs > limits.maxDowntimeMs)
    problems.push(
      `downtime ${formatHumanDurationMs(downtimeMs)} exceeds expect.maxDowntime ${formatHumanDurationMs(limits.maxDowntimeMs)}`,
    );
  if (limits?.maxDroppedPercent !== undefined && droppedPercent > limits.maxDroppedPercent)
    problems.push(
      `dropped ${droppedPercent}% exceeds expect.maxDroppedPercent ${limits.maxDroppedPercent}%${overdueNote(result.metrics.requests)}`,
    );
  return problems;
}

function judge(task: BranchTask, result: RunResult, watch: Watch, faultAtMs: number): BranchResult {
  const entry = result.edits.find((e) => e.index === task.edit);
  const outcome: BranchOutcome =
    entry === undefined || entry.outcome === 'inProgress' ? 'unfinished' : entry.outcome;
  const restoredAtMs = outcome === 'rolledBack' ? restoredAt(watch.after, task.priorReadyCount) : null;
  const restoredMs = restoredAtMs === null ? null : restoredAtMs - faultAtMs;
  // A failure that shows after the monitoring window is not rolled back: the new revision reached its
  // desired count, then went down for the rest of the run. That is no recovery. (A deployment that may
  // scale to zero can end with nothing ready, or with its first instance still loading, and be fine.)
  const downAtEnd =
    outcome === 'completed' &&
    result.final.readyInstances === 0 &&
    result.final.spec.scaling.minInstances > 0 &&
    (watch.after[watch.after.length - 1]?.desired ?? 1) > 0;
  const recovered =
    restoredMs !== null
      ? 'prior'
      : outcome === 'completed' && watch.recoveredNewAtMs !== null && !downAtEnd
        ? 'new'
        : null;
  const problems: string[] = limitBreaches(task.scenario, result);
  if (recovered === null) {
    const prior = `rev${task.fromRevision}`;
    if (outcome === 'rolledBack')
      problems.push(
        `rolled back (${entry?.reason ?? 'no reason'}), but ${prior} never got back to ${task.priorReadyCount} ready instances (or to what the autoscaler wanted from then on, if fewer)`,
      );
    else if (outcome === 'completed')
      problems.push(completedShortText(task, entry, result, faultAtMs, watch.recoveredNewAtMs !== null));
    else if (outcome === 'unfinished')
      problems.push(`the edit had not ended when the run ended; ${prior} was not restored`);
    else problems.push(`the edit was ${outcome}`);
  }
  return {
    step: task.step.index,
    fault: task.fault,
    faultAtMs,
    outcome,
    reason: entry?.reason ?? null,
    restoredMs,
    recovered,
    downtimeMs: result.metrics.downtimeMs,
    droppedPercent: result.metrics.droppedPercent,
    peakGpus: watch.peak,
    invariantsHeld: true,
    pass: problems.length === 0,
    problems,
    replay: task.replay,
  };
}

/**
 * A branch whose edit completed without its new revision serving at the desired count (never there, or
 * there and then down at the end): when it completed (a failure that shows after the monitoring window is
 * not rolled back) and what the run lost.
 */
function completedShortText(
  task: BranchTask,
  entry: RunResult['edits'][number] | undefined,
  result: RunResult,
  faultAtMs: number,
  reachedDesired: boolean,
): string {
  const { downtimeMs, droppedPercent } = result.metrics;
  const when =
    entry !== undefined && entry.endedAtMs >= faultAtMs
      ? ` ${formatHumanDurationMs(entry.endedAtMs - faultAtMs)} after the fault`
      : '';
  const lost = [
    ...(downtimeMs > 0 ? [`down ${formatHumanDurationMs(downtimeMs)}`] : []),
    ...(droppedPercent > 0 ? [`${droppedPercent}% of requests dropped`] : []),
  ];
  const rev = `rev${task.toRevision}`;
  return (
    `completed${when}, but ` +
    (reachedDesired
      ? `${rev} then went down and had no ready instance at the end of the run`
      : `${rev} never reached its desired instance count`) +
    (lost.length > 0 ? ` (the run: ${lost.join(', ')})` : '') +
    '; a completed edit is not rolled back'
  );
}

/** What to say when the run without an injected fault already breaks the limits every branch is held to. */
export function baselineNote(r: Rehearsal): string[] {
  return r.baselineBreaches.length === 0
    ? []
    : [
        `the scenario's own run, with no injected fault, already breaks its limits (${r.baselineBreaches.join('; ')}), so every branch fails them whatever its fault does; the restore times still compare the faults`,
      ];
}
