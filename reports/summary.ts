// The facts every report leads with, computed once so HTML and Markdown can never disagree.
import type { EditResult, RunResult } from '../result/result.js';
import type { ScalingNote } from '../sim/advice.js';
import { inProgressText } from '../result/expect.js';
import {
  countOf,
  formatClockMs,
  formatCount,
  formatHumanDurationMs,
  formatLatencyMs,
  formatNumber,
  formatRate,
  formatPercent,
} from './format.js';

export type Tone = 'good' | 'bad' | 'neutral';

export interface SummaryFact {
  readonly label: string;
  readonly value: string;
  readonly tone: Tone;
}

export interface EditRow {
  /** Human label, counted from 1: `edit 1`, `rollback 2`. */
  readonly label: string;
  readonly requestedAt: string;
  readonly outcome: string;
  readonly tone: Tone;
  /** Rollback reason or rejection codes, empty when there is none. */
  readonly detail: string;
  /** Request to outcome (a completed edit: including its monitoring window). */
  readonly duration: string;
  /** The rollout duration: request until the last instance was replaced. */
  readonly rollout: string;
  readonly revisions: string;
  readonly peakInstances: number;
  readonly minReadyInstances: number;
  /** Mean cold start of the instances it started, by phase (`–` when none started loading). */
  readonly coldStart: string;
}

export interface RunSummary {
  readonly scenario: string;
  readonly seed: number;
  readonly simulated: string;
  readonly headline: string;
  readonly tone: Tone;
  readonly facts: readonly SummaryFact[];
  readonly edits: readonly EditRow[];
  readonly expectationsFailed: number;
}

export function editLabel(edit: EditResult): string {
  return `${edit.kind} ${edit.index + 1}`;
}

export function outcomeText(edit: EditResult): string {
  switch (edit.outcome) {
    case 'completed':
      // A rollback entry's outcome is the fate of the request: accepted (the aborted edit has its own row).
      if (edit.kind === 'rollback') return 'accepted';
      return edit.inPlace ? 'completed in place' : 'completed';
    case 'rolledBack':
      return 'rolled back';
    case 'rejected':
      return 'rejected';
    case 'inProgress':
      return 'in progress';
  }
}

function editDetail(edit: EditResult): string {
  if (edit.outcome === 'inProgress')
    return `${inProgressText(edit)}${edit.reason === null ? '' : `; rolling back: ${edit.reason}`}`;
  if (edit.reason !== null) return edit.reason;
  return edit.errors.map((e) => `${e.code}${e.field ? ` (${e.field})` : ''}: ${e.message}`).join('; ');
}

function editRow(edit: EditResult): EditRow {
  return {
    label: editLabel(edit),
    requestedAt: formatClockMs(edit.requestedAtMs),
    outcome: outcomeText(edit),
    tone: edit.outcome === 'completed' ? 'good' : edit.outcome === 'inProgress' ? 'neutral' : 'bad',
    detail: editDetail(edit),
    duration: edit.outcome === 'rejected' ? '–' : formatHumanDurationMs(edit.durationMs),
    rollout: edit.kind === 'edit' && edit.outcome !== 'rejected' && !edit.inPlace ? rolloutText(edit) : '–',
    revisions: `${edit.fromRevision} → ${edit.toRevision}`,
    peakInstances: edit.peakInstances,
    minReadyInstances: edit.minReadyInstances,
    coldStart: coldStartText(edit.loadMs),
  };
}

/** `4m 9s (image 1m 28s, weights 1m 11s, engine 1m 30s; 3 instances)`, or `–`. */
export function coldStartText(load: EditResult['loadMs']): string {
  if (load === null) return '–';
  const phases = [
    `image ${formatHumanDurationMs(Math.round(load.imagePullMs))}`,
    `weights ${formatHumanDurationMs(Math.round(load.weightsMs))}`,
    `engine ${formatHumanDurationMs(Math.round(load.engineStartMs))}`,
  ];
  const count = `${formatCount(load.instances)} ${load.instances === 1 ? 'instance' : 'instances'}`;
  return `${formatHumanDurationMs(Math.round(load.totalMs))} (${phases.join(', ')}; ${count})`;
}

/** One line that answers "did it work?". */
function headlineOf(result: RunResult): { headline: string; tone: Tone } {
  const failed = result.expectations.filter((e) => !e.pass).length;
  const bad = result.edits.filter((e) => e.outcome !== 'completed');
  const parts: string[] = [];
  if (result.edits.length === 0) parts.push('no edits');
  else if (bad.length === 0) parts.push(result.edits.length === 1 ? 'edit completed' : 'all edits completed');
  else
    parts.push(
      bad
        .map((e) =>
          e.outcome === 'inProgress'
            ? `${editLabel(e)} ${inProgressText(e)}`
            : `${editLabel(e)} ${outcomeText(e)}${e.reason ? ` (${e.reason})` : ''}`,
        )
        .join(', '),
    );
  if (result.expectations.length > 0) {
    parts.push(
      failed === 0 ? 'expectations met' : `${failed} of ${result.expectations.length} expectations failed`,
    );
  }
  const tone: Tone = failed > 0 ? 'bad' : bad.length > 0 ? 'neutral' : 'good';
  // An edit still under way has no outcome yet; the headline says so rather than "completed".
  return { headline: parts.join(' · '), tone };
}

function countOutcomes(edits: readonly EditResult[]): string {
  if (edits.length === 0) return '0';
  const counts = new Map<string, number>();
  for (const e of edits) {
    const key = e.kind === 'rollback' ? `rollback ${outcomeText(e)}` : outcomeText(e);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return `${edits.length} (${[...counts].map(([k, n]) => `${n} ${k}`).join(', ')})`;
}

/**
 * Rollout duration means one thing everywhere: from the request until the last instance was replaced
 * (`rolloutDurationMs`), without the monitoring window.
 */
export function rolloutText(edit: EditResult): string {
  if (edit.rolloutDurationMs !== null) return formatHumanDurationMs(edit.rolloutDurationMs);
  if (edit.outcome === 'inProgress') return `not finished (${formatHumanDurationMs(edit.durationMs)} so far)`;
  if (edit.outcome !== 'rolledBack') return '–';
  // UNSTABLE_AFTER_EDIT fails an edit only in its monitoring window, so every instance had been replaced
  // (result.json keeps rolloutDurationMs null for any rolled-back edit, so the time is not known here).
  return edit.reason === 'UNSTABLE_AFTER_EDIT'
    ? 'finished, then rolled back while monitored'
    : 'never finished (rolled back)';
}

function durationsText(edits: readonly EditResult[]): string {
  const rolled = edits.filter((e) => e.kind === 'edit' && e.outcome !== 'rejected' && !e.inPlace);
  if (rolled.length === 0) return '–';
  return rolled.map((e) => `${editLabel(e)}: ${rolloutText(e)}`).join('; ');
}

/** ` (H100 2, H200 4; each at its own peak)` when more than one GPU type was used, else nothing. */
function byType(
  m: RunResult['metrics'],
  value: (t: { peakGpus: number; gpuHours: number }) => string,
  note: string | null,
): string {
  const types = Object.entries(m.byGpuType ?? {});
  if (types.length < 2) return '';
  return ` (${types.map(([type, t]) => `${type} ${value(t)}`).join(', ')}${note === null ? '' : `; ${note}`})`;
}

function factsOf(result: RunResult): SummaryFact[] {
  const m = result.metrics;
  const failed = m.requests.dropped + m.requests.timedOut + m.requests.overdue;
  const reasons = result.edits.flatMap((e) => (e.reason === null ? [] : [e.reason]));
  const rejections = result.edits.flatMap((e) => e.errors.map((x) => x.code));
  const fact = (label: string, value: string, tone: Tone = 'neutral'): SummaryFact => ({
    label,
    value,
    tone,
  });
  const facts = [
    fact('Edits', countOutcomes(result.edits)),
    fact('Reason', [...reasons, ...rejections].join(', ') || '–'),
    fact('Rollout duration', durationsText(result.edits)),
    fact('Downtime', formatHumanDurationMs(m.downtimeMs), m.downtimeMs > 0 ? 'bad' : 'good'),
    fact('Degraded', formatHumanDurationMs(m.degradedMs), m.degradedMs > 0 ? 'bad' : 'good'),
    fact(
      // droppedPercent counts every way a request fails, so the count beside it does too.
      'Dropped (incl. timed out, overdue)',
      `${formatCount(failed)} of ${formatCount(m.requests.offered)} (${formatPercent(m.droppedPercent)})`,
      failed > 0 ? 'bad' : 'good',
    ),
    fact('Timed out', formatCount(m.requests.timedOut), m.requests.timedOut > 0 ? 'bad' : 'good'),
    fact(
      'Unfinished at the end (overdue)',
      `${formatCount(m.requests.unfinished)} (${formatCount(m.requests.overdue)})`,
      m.requests.overdue > 0 ? 'bad' : 'neutral',
    ),
    fact(
      'Latency p50 / p95 / p99',
      // With nothing served the quantiles are placeholders (0), not latencies.
      m.requests.served === 0
        ? '– (no request served)'
        : [m.latencyMs.p50, m.latencyMs.p95, m.latencyMs.p99].map(formatLatencyMs).join(' / '),
    ),
    // Only requests that produce tokens (LLMs) have these; speech, image and embedding models do not.
    ...(m.ttftMs === null
      ? []
      : [
          fact(
            'Time to first token p50 / p95 / p99',
            [m.ttftMs.p50, m.ttftMs.p95, m.ttftMs.p99].map(formatLatencyMs).join(' / '),
          ),
        ]),
    ...(m.itlMs === null
      ? []
      : [
          fact(
            'Inter-token latency p50 / p95 / p99',
            [m.itlMs.p50, m.itlMs.p95, m.itlMs.p99].map(formatLatencyMs).join(' / '),
          ),
        ]),
    fact(
      'Peak GPUs',
      formatCount(m.peakGpus) + byType(m, (t) => `${formatCount(t.peakGpus)}`, 'each at its own peak'),
    ),
    fact('GPU-hours', formatNumber(m.gpuHours, 1) + byType(m, (t) => formatNumber(t.gpuHours, 1), null)),
  ];
  if (result.final.spec.processingType === 'async')
    facts.push(fact('Peak backlog', formatCount(m.peakBacklog)));
  facts.push(
    fact(
      'Final spec',
      `revision ${result.final.revision}: ${result.final.spec.model} on ${result.final.spec.accelerator.count}× ${result.final.spec.accelerator.type}`,
    ),
    fact('Serving at the end', servingText(result.final.instances)),
  );
  return facts;
}

/** `rev1: 2 ready, 1 draining; rev2: 1 ready, 1 starting` (states with no instance left out). */
export function servingText(instances: RunResult['final']['instances']): string {
  const parts = Object.entries(instances).map(([rev, c]) => {
    const states = (['ready', 'starting', 'pending', 'draining'] as const)
      .filter((k) => c[k] > 0)
      .map((k) => `${c[k]} ${k}`);
    return `${rev.replace(/^rev/, 'revision ')}: ${states.join(', ') || 'none'}`;
  });
  return parts.join('; ') || 'no instances';
}

export function summarize(result: RunResult): RunSummary {
  const { headline, tone } = headlineOf(result);
  return {
    scenario: result.scenario,
    seed: result.seed,
    simulated: formatHumanDurationMs(result.simulatedMs),
    headline,
    tone,
    facts: factsOf(result),
    edits: result.edits.map(editRow),
    expectationsFailed: result.expectations.filter((e) => !e.pass).length,
  };
}

/** A scaling note (sim/advice.ts) in words: which spec, and what it asks against what instances can do. */
export function scalingNoteParts(n: ScalingNote): { where: string; what: string } {
  const where =
    n.edit === null ? 'the deployment as it starts' : `edit ${n.edit} at ${formatClockMs(n.atMs ?? 0)}`;
  const of = `${n.model} on ${n.accelerator.count}× ${n.accelerator.type}`;
  const wait = n.processingType === 'async' ? 'requests queue' : 'requests queue or time out';
  if (n.kind === 'peak') {
    const most = n.maxInstances * n.perInstanceRps;
    return {
      where,
      what:
        `the traffic peaks at ${formatRate(n.peakRps)} req/s, but ${countOf(n.maxInstances, 'instance')} ` +
        `(maxInstances) of ${of} serve about ${formatRate(most)} req/s at full load ` +
        `(${formatRate(n.perInstanceRps)} each): at the peak ${wait} whatever the autoscaler does`,
    };
  }
  const one = `one instance of ${of}`;
  const what =
    n.metric === 'rps'
      ? `the autoscaler adds instances past ${n.threshold} req/s per instance (rps), but ${one} serves ` +
        `about ${formatRate(n.limit)} req/s at full load: it saturates, and ${wait}, ` +
        `long before the deployment scales out`
      : `the autoscaler adds instances past ${n.threshold} requests per instance (concurrency), but ${one} ` +
        `runs at most ${formatCount(n.limit)} at once: the rest queue before the deployment scales out`;
  return { where, what };
}

/** The note as the command line prints it, one line. */
export function scalingNoteText(n: ScalingNote): string {
  const { where, what } = scalingNoteParts(n);
  return `note (${where}): ${what}`;
}
