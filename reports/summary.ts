// The facts every report leads with, computed once so HTML and Markdown can never disagree.
import type { EditResult, RunResult } from '../result/result.js';
import {
  formatClockMs,
  formatCount,
  formatDurationMs,
  formatLatencyMs,
  formatNumber,
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
  readonly duration: string;
  readonly revisions: string;
  readonly peakInstances: number;
  readonly minReadyInstances: number;
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
      return edit.inPlace ? 'completed (in place)' : 'completed';
    case 'rolledBack':
      return 'rolled back';
    case 'rejected':
      return 'rejected';
  }
}

function editDetail(edit: EditResult): string {
  if (edit.reason !== null) return edit.reason;
  return edit.errors.map((e) => `${e.code} (${e.field}): ${e.message}`).join('; ');
}

function editRow(edit: EditResult): EditRow {
  return {
    label: editLabel(edit),
    requestedAt: formatClockMs(edit.requestedAtMs),
    outcome: outcomeText(edit),
    tone: edit.outcome === 'completed' ? 'good' : 'bad',
    detail: editDetail(edit),
    duration: edit.outcome === 'rejected' ? '–' : formatDurationMs(edit.durationMs),
    revisions: `${edit.fromRevision} → ${edit.toRevision}`,
    peakInstances: edit.peakInstances,
    minReadyInstances: edit.minReadyInstances,
  };
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
      bad.map((e) => `${editLabel(e)} ${outcomeText(e)}${e.reason ? ` (${e.reason})` : ''}`).join(', '),
    );
  if (result.expectations.length > 0) {
    parts.push(
      failed === 0 ? 'expectations met' : `${failed} of ${result.expectations.length} expectations failed`,
    );
  }
  const tone: Tone = failed > 0 ? 'bad' : bad.length > 0 ? 'neutral' : 'good';
  return { headline: parts.join(' · '), tone };
}

function countOutcomes(edits: readonly EditResult[]): string {
  if (edits.length === 0) return '0';
  const counts = new Map<string, number>();
  for (const e of edits) counts.set(outcomeText(e), (counts.get(outcomeText(e)) ?? 0) + 1);
  return `${edits.length} (${[...counts].map(([k, n]) => `${n} ${k}`).join(', ')})`;
}

function durationsText(edits: readonly EditResult[]): string {
  const rolled = edits.filter((e) => e.outcome !== 'rejected');
  if (rolled.length === 0) return '–';
  return rolled.map((e) => `${editLabel(e)}: ${formatDurationMs(e.durationMs)}`).join('; ');
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
    fact('Downtime', formatDurationMs(m.downtimeMs), m.downtimeMs > 0 ? 'bad' : 'good'),
    fact('Degraded', formatDurationMs(m.degradedMs), m.degradedMs > 0 ? 'bad' : 'good'),
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
      [m.latencyMs.p50, m.latencyMs.p95, m.latencyMs.p99].map(formatLatencyMs).join(' / '),
    ),
    fact('Peak GPUs', formatCount(m.peakGpus)),
    fact('GPU-hours', formatNumber(m.gpuHours, 1)),
  ];
  if (result.final.spec.processingType === 'async')
    facts.push(fact('Peak backlog', formatCount(m.peakBacklog)));
  facts.push(
    fact(
      'Final',
      `revision ${result.final.revision}: ${result.final.spec.model} on ${result.final.spec.accelerator.count}× ${result.final.spec.accelerator.type}, ${result.final.readyInstances} ready`,
    ),
  );
  return facts;
}

export function summarize(result: RunResult): RunSummary {
  const { headline, tone } = headlineOf(result);
  return {
    scenario: result.scenario,
    seed: result.seed,
    simulated: formatDurationMs(result.simulatedMs),
    headline,
    tone,
    facts: factsOf(result),
    edits: result.edits.map(editRow),
    expectationsFailed: result.expectations.filter((e) => !e.pass).length,
  };
}
