// sweep.html: the reports module's sweep page (histograms, CDFs, rollback rate with intervals).
import { countOf, escapeHtml, formatPercent } from '../reports/format.js';
import { sweepReportHtml } from '../reports/sweep-charts.js';
import {
  comboTitle,
  noDuration,
  seedRangeText,
  seedsText,
  worstGroups,
  worstOutcomeText,
  type SweepAggregate,
} from './aggregate.js';
import type { SweepPlanFile } from './store.js';
import { shardLabel } from './plan.js';

export function sweepHtml(agg: SweepAggregate, plan: SweepPlanFile): Promise<string> {
  const input = {
    combinations: agg.combos.map((c) => ({
      label: comboTitle(c.label),
      downtimeMs: c.samples.downtimeMs,
      durationMs: c.samples.durationMs,
      rolledBack: c.rolledBackRuns,
      total: c.runs - c.errors,
      noDurationText: noDuration(c),
    })),
  };
  const worst = agg.combos
    .flatMap((c) =>
      worstGroups(
        c.worst.slice(0, 3),
        (w) =>
          `downtime ${(w.downtimeMs / 1000).toFixed(1)} s, dropped ${formatPercent(w.droppedPercent)}, ${worstOutcomeText(w)}`,
      ).map(
        ({ seeds, text }) =>
          `<li>${escapeHtml(comboTitle(c.label))}: ${escapeHtml(seedsText(seeds))} (${escapeHtml(text)})</li>`,
      ),
    )
    .join('');
  const intro =
    `<p>${escapeHtml(countOf(agg.totalRuns, 'run'))} over ${escapeHtml(seedRangeText(plan.seedStart, plan.seeds))}` +
    (plan.shard ? `, shard ${escapeHtml(shardLabel(plan.shard))}` : '') +
    (agg.errors.length > 0 ? `, <strong>${escapeHtml(countOf(agg.errors.length, 'error'))}</strong>` : '') +
    `.</p><p>Best: <strong>${escapeHtml(agg.best ? comboTitle(agg.best.label) : 'none')}</strong> (${escapeHtml(agg.best?.rule ?? '')}).</p>` +
    expectHtml(agg) +
    (worst === ''
      ? '<p>No run had downtime, dropped requests or an edit that did not complete.</p>'
      : `<p>Worst seeds (replay with <code>rollsim run SCENARIO --seed N</code>):</p><ul>${worst}</ul>`) +
    skippedHtml(plan);
  return Promise.resolve(sweepReportHtml(input, `Sweep: ${agg.scenario}`, intro));
}

/** Per combination, the runs failing the scenario's expect (nothing when the scenario has none). */
function expectHtml(agg: SweepAggregate): string {
  const judged = agg.combos.filter((c) => c.expect.judged > 0);
  if (judged.length === 0) return '';
  const items = judged
    .map(
      (c) =>
        `<li>${escapeHtml(comboTitle(c.label))}: ${escapeHtml(String(c.expect.failed))} of ${escapeHtml(String(c.expect.judged))}</li>`,
    )
    .join('');
  return `<p>Runs failing the scenario’s expect:</p><ul>${items}</ul>`;
}

function skippedHtml(plan: SweepPlanFile): string {
  const skipped = plan.skipped ?? [];
  if (skipped.length === 0) return '';
  const items = skipped
    .map((s) => `<li>${escapeHtml(s.settings)}: ${escapeHtml(s.reasons.join('; '))}</li>`)
    .join('');
  return `<p>Skipped combinations (the scenario refuses them; not run):</p><ul>${items}</ul>`;
}
