// The sweep's aggregate outputs: sweep.json (figures), sweep.md (a table for CI summaries) and
// sweep.html (charts). The three are written as one set, each carrying the set's id.
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { writeFilesAtomic } from '../reports/atomic.js';
import {
  comboTitle,
  noDuration,
  rolledBackText,
  seedRangeText,
  seedsText,
  worstGroups,
  worstOutcomeText,
  type ComboAggregate,
  type SweepAggregate,
} from './aggregate.js';
import type { SweepPlanFile } from './store.js';
import { sweepHtml } from './html.js';
import { shardLabel } from './plan.js';
import { countOf, formatPercent } from '../reports/format.js';
import { escapeMarkdown } from '../reports/markdown.js';
import { excerpt } from '../scenario/excerpt.js';

export function sweepJson(agg: SweepAggregate, plan: SweepPlanFile): string {
  const combos = agg.combos.map(({ samples: _samples, ...rest }) => rest);
  const body = { ...agg, combos, plan: { ...plan, scenarioFile: undefined } };
  return `${JSON.stringify(body, null, 2)}\n`;
}

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
/** Runs failing the scenario's expect, of those judged; a dash when the scenario has no expect. */
const expectCell = (c: ComboAggregate) =>
  c.expect.judged === 0 ? '—' : `${c.expect.failed} of ${c.expect.judged}`;
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
export function sweepMarkdown(agg: SweepAggregate, plan: SweepPlanFile): string {
  const lines = [
    // Every string from the plan or the runs is escaped: shards come from other machines (and pull
    // requests), and sweep.md goes into CI summaries as Markdown with inline HTML.
    `# Sweep: ${escapeMarkdown(agg.scenario)}`,
    '',
    `${countOf(agg.totalRuns, 'run')}: ${seedRangeText(plan.seedStart, plan.seeds)}` +
      (plan.shard ? `, shard ${shardLabel(plan.shard)}` : '') +
      (agg.errors.length > 0 ? `, **${countOf(agg.errors.length, 'error')}**` : ''),
    '',
    '| settings | runs | runs failing expect | edits completed | rolled back | rejected | rollback rate (95 % CI) | downtime p50 / p95 / p99 / max | rollout duration p50 / p95 / max | dropped % p95 | GPU-h mean |',
    '|---|---:|---:|---:|---:|---:|---|---|---|---:|---:|',
    ...agg.combos.map(
      (c) =>
        `| ${c.label === agg.best?.label ? `**${escapeMarkdown(comboTitle(c.label))}** (best)` : escapeMarkdown(comboTitle(c.label))} | ${c.runs} | ${expectCell(c)} | ${c.outcomes.completed} | ${escapeMarkdown(rolledBackText(c))} | ${c.outcomes.rejected} | ` +
        `${pct(c.rollbackRate)} (${pct(c.rollbackRate95.low)}–${pct(c.rollbackRate95.high)}) | ` +
        `${s(c.downtimeMs.p50)} / ${s(c.downtimeMs.p95)} / ${s(c.downtimeMs.p99)} / ${s(c.downtimeMs.max)} | ` +
        `${c.durationMs === null ? noDuration(c) : `${s(c.durationMs.p50)} / ${s(c.durationMs.p95)} / ${s(c.durationMs.max)}`} | ${c.droppedPercent.p95.toFixed(2)} | ${c.gpuHours.mean.toFixed(2)} |`,
    ),
    '',
    agg.best
      ? `Best: **${escapeMarkdown(comboTitle(agg.best.label))}** — rule: ${escapeMarkdown(agg.best.rule)}.`
      : 'Best: none (no successful runs).',
    '',
    '## Worst runs (replay with `rollsim run SCENARIO --seed N`)',
    '',
    ...(agg.combos.every((c) => c.worst.length === 0)
      ? ['No run had downtime, dropped requests or an edit that did not complete.']
      : []),
    ...agg.combos.flatMap((c) =>
      worstGroups(
        c.worst,
        (w) =>
          `downtime ${s(w.downtimeMs)}, dropped ${formatPercent(w.droppedPercent)}, ${escapeMarkdown(worstOutcomeText(w))}`,
      ).map(({ seeds, text }) => `- ${escapeMarkdown(comboTitle(c.label))}: ${seedsText(seeds)} — ${text}`),
    ),
    ...skippedLines(plan),
    ...(agg.errors.length > 0
      ? [
          '',
          '## Errors',
          '',
          ...agg.errors
            .slice(0, 20)
            .map(
              (e) =>
                `- seed ${e.seed} (${escapeMarkdown(excerpt(e.key))}): ${escapeMarkdown(excerpt(e.error, 500))}`,
            ),
        ]
      : []),
    '',
  ];
  return lines.join('\n');
}

function skippedLines(plan: SweepPlanFile): string[] {
  const skipped = plan.skipped ?? [];
  if (skipped.length === 0) return [];
  return [
    '',
    '## Skipped combinations (the scenario refuses them; not run)',
    '',
    ...skipped.map((s) => `- ${escapeMarkdown(s.settings)}: ${escapeMarkdown(s.reasons.join('; '))}`),
  ];
}

/** The report files, in the order they are swapped in: sweep.json last (readers open it first). */
export const SWEEP_REPORT_FILES = ['sweep.html', 'sweep.md', 'sweep.json'] as const;

/**
 * The report-set id: the first 16 hex digits of the sha256 of the three reports' contents (without the
 * id). Every file carries it (sweep.json `reportSet`, a comment at the end of sweep.md, a
 * `<meta name="rollsim-report-set">` in sweep.html), so a reader of several files can tell they are one
 * set; the same figures give the same id.
 */
export function reportSetId(json: string, md: string, html: string): string {
  const hash = createHash('sha256');
  for (const part of [json, md, html]) hash.update(part).update('\0');
  return hash.digest('hex').slice(0, 16);
}

/** The three reports with their report-set id, by file name. */
export async function sweepReports(
  agg: SweepAggregate,
  plan: SweepPlanFile,
): Promise<Record<(typeof SWEEP_REPORT_FILES)[number], string>> {
  const json = sweepJson(agg, plan);
  const md = sweepMarkdown(agg, plan);
  const html = await sweepHtml(agg, plan);
  const id = reportSetId(json, md, html);
  const meta = '<meta charset="utf-8">';
  if (!html.includes(meta)) throw new Error('sweep.html: no <meta charset> to put the report-set id after');
  return {
    'sweep.json': json.replace(/^\{\n/, `{\n  "reportSet": "${id}",\n`),
    'sweep.md': `${md}\n<!-- rollsim report set ${id}: sweep.json, sweep.md and sweep.html of one sweep carry the same id -->\n`,
    'sweep.html': html.replace(meta, `${meta}\n<meta name="rollsim-report-set" content="${id}">`),
  };
}

/**
 * Writes sweep.json, sweep.md and sweep.html as one set (reports/atomic.ts writeFilesAtomic): all three
 * staged, then renamed in one burst with sweep.json last.
 */
export async function writeSweepReports(
  outDir: string,
  agg: SweepAggregate,
  plan: SweepPlanFile,
): Promise<string[]> {
  const reports = await sweepReports(agg, plan);
  writeFilesAtomic(
    outDir,
    SWEEP_REPORT_FILES.map((name) => [name, reports[name]] as const),
  );
  return SWEEP_REPORT_FILES.map((name) => join(outDir, name));
}
