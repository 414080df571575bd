// The short text summary `rollsim run` prints: what happened to each edit and why, what users felt
// (downtime, dropped requests, latency), what it cost (peak GPUs), where the files are, and how to replay.
import {
  countOf,
  formatClockMs,
  formatCount,
  formatHumanDurationMs,
  formatLatencyMs,
  formatPercent,
} from '../reports/format.js';
import type { EditResult, ExpectationResult, RunResult } from '../result/result.js';
import { inProgressText } from '../result/expect.js';
import { coldStartText, scalingNoteText, servingText } from '../reports/summary.js';
import type { ScalingNote } from '../sim/advice.js';

export interface SummaryContext {
  /** The scenario file as the user should type it, or null for the built-in default. */
  readonly scenarioArg: string | null;
  /** Where the files went (display form), or null when nothing was written. */
  readonly outDir: string | null;
  readonly written: readonly string[];
  /** Scaling settings that cannot work as meant (sim/advice.ts), printed after the run's figures. */
  readonly notes?: readonly ScalingNote[];
}

function editLine(edit: EditResult): string {
  const head = `  ${edit.kind} ${edit.index + 1} at ${formatClockMs(edit.requestedAtMs)}`;
  const revisions = `revision ${edit.fromRevision} → ${edit.toRevision}`;
  const shape = `peak ${countOf(edit.peakInstances, 'instance')}, min ready ${edit.minReadyInstances}`;
  return edit.loadMs === null
    ? editOutcomeLine(edit, head, revisions, shape)
    : `${editOutcomeLine(edit, head, revisions, shape)}\n    mean cold start ${coldStartText(edit.loadMs)}`;
}

function editOutcomeLine(edit: EditResult, head: string, revisions: string, shape: string): string {
  switch (edit.outcome) {
    case 'completed': {
      // Rollout duration is the replacement time, here as in every report; the monitoring window is apart.
      const monitored =
        edit.rolloutDurationMs !== null && edit.rolloutDurationMs < edit.durationMs
          ? `, then monitored until ${formatHumanDurationMs(edit.durationMs)} after the request`
          : '';
      const how = edit.inPlace
        ? 'completed in place'
        : edit.kind === 'rollback'
          ? 'accepted'
          : `completed: rollout duration ${formatHumanDurationMs(edit.rolloutDurationMs ?? edit.durationMs)}${monitored}`;
      return `${head}: ${how} (${revisions}, ${shape})`;
    }
    case 'rolledBack':
      return `${head}: rolled back after ${formatHumanDurationMs(edit.durationMs)}: ${edit.reason ?? 'no reason'} (${shape})`;
    case 'rejected': {
      const errors = edit.errors.map((e) => `      ${e.code}${e.field ? ` ${e.field}` : ''}: ${e.message}`);
      return [`${head}: rejected`, ...errors].join('\n');
    }
    case 'inProgress':
      return `${head}: ${inProgressText(edit)} (${revisions}, ${shape})`;
  }
}

function expectationLines(expectations: readonly ExpectationResult[]): string[] {
  if (expectations.length === 0) return [];
  const failed = expectations.filter((e) => !e.pass);
  if (failed.length === 0) return [`expectations: all ${expectations.length} passed`];
  return [
    `expectations: ${failed.length} of ${expectations.length} FAILED`,
    ...failed.map((e) => `  ✗ ${e.name}: ${e.detail}`),
  ];
}

export function formatRunSummary(result: RunResult, ctx: SummaryContext): string {
  const m = result.metrics;
  const failed = m.requests.dropped + m.requests.timedOut + m.requests.overdue;
  const dropped = `${formatCount(failed)} of ${formatCount(m.requests.offered)}`;
  const unfinished =
    m.requests.unfinished === 0
      ? ''
      : ` · unfinished ${formatCount(m.requests.unfinished)} (${formatCount(m.requests.overdue)} overdue)`;
  const lines = [
    `${result.scenario}: seed ${result.seed}, ${formatHumanDurationMs(result.simulatedMs)} simulated`,
    ...(result.edits.length === 0 ? ['  no edits'] : result.edits.map(editLine)),
    ...(result.edits.some((e) => e.outcome === 'inProgress')
      ? [`  serving at the end: ${servingText(result.final.instances)}`]
      : []),
    `downtime ${formatHumanDurationMs(m.downtimeMs)} · dropped ${formatPercent(m.droppedPercent)} (${dropped})${unfinished} · ` +
      `p95 latency ${m.requests.served === 0 ? '– (no request served)' : formatLatencyMs(m.latencyMs.p95)}${m.ttftMs === null ? '' : ` (first token ${formatLatencyMs(m.ttftMs.p95)})`} · peak GPUs ${formatCount(m.peakGpus)}`,
    ...(ctx.notes ?? []).map(scalingNoteText),
    ...expectationLines(result.expectations),
    ctx.outDir === null
      ? 'nothing written (--json without --out)'
      : `wrote ${ctx.outDir}/: ${ctx.written.join(', ')}`,
    `replay: rollsim run${ctx.scenarioArg === null ? '' : ` ${ctx.scenarioArg}`} --seed ${result.seed}`,
  ];
  return `${lines.join('\n')}\n`;
}
