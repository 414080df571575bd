// The sweep's aggregate outputs: sweep.json (figures), sweep.md (a table for CI summaries) and
// sweep.html (charts). Each file is written whole or not at all.
import { join } from 'node:path';
import { writeFileAtomic } from '../reports/atomic.js';
import type { SweepAggregate } from './aggregate.js';
import type { SweepPlanFile } from './store.js';
import { sweepHtml } from './html.js';
import { shardLabel } from './plan.js';

export function sweepJson(agg: SweepAggregate, plan: SweepPlanFile): string {
  const combos = agg.combos.map(({ samples: _samples, ...rest }) => rest);
  const body = { ...agg, combos, plan: { ...plan, scenarioFile: undefined } };
  return `${JSON.stringify(body, null, 2)}\n`;
}

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

export function sweepMarkdown(agg: SweepAggregate, plan: SweepPlanFile): string {
  const lines = [
    `# Sweep: ${agg.scenario}`,
    '',
    `${agg.totalRuns} runs: seeds ${plan.seedStart}–${plan.seedStart + plan.seeds - 1}` +
      (plan.shard ? `, shard ${shardLabel(plan.shard)}` : '') +
      (agg.errors.length > 0 ? `, **${agg.errors.length} errors**` : ''),
    '',
    '| settings | runs | completed | rolled back | rejected | rollback rate (95 % CI) | downtime p50 / p95 / p99 / max | rollout duration p50 / p95 / max | dropped % p95 | GPU-h mean |',
    '|---|---:|---:|---:|---:|---|---|---|---:|---:|',
    ...agg.combos.map(
      (c) =>
        `| ${c.label === agg.best?.label ? `**${c.label}** (best)` : c.label} | ${c.runs} | ${c.outcomes.completed} | ${c.outcomes.rolledBack} | ${c.outcomes.rejected} | ` +
        `${pct(c.rollbackRate)} (${pct(c.rollbackRate95.low)}–${pct(c.rollbackRate95.high)}) | ` +
        `${s(c.downtimeMs.p50)} / ${s(c.downtimeMs.p95)} / ${s(c.downtimeMs.p99)} / ${s(c.downtimeMs.max)} | ` +
        `${s(c.durationMs.p50)} / ${s(c.durationMs.p95)} / ${s(c.durationMs.max)} | ${c.droppedPercent.p95.toFixed(2)} | ${c.gpuHours.mean.toFixed(2)} |`,
    ),
    '',
    agg.best ? `Best: **${agg.best.label}** — rule: ${agg.best.rule}.` : 'Best: none (no successful runs).',
    '',
    '## Worst runs (replay with `rollsim run SCENARIO --seed N`)',
    '',
    ...(agg.combos.every((c) => c.worst.length === 0)
      ? ['No run had downtime, dropped requests or an edit that did not complete.']
      : []),
    ...agg.combos.flatMap((c) =>
      c.worst.map(
        (w) =>
          `- ${c.label}: seed ${w.seed} — downtime ${s(w.downtimeMs)}, dropped ${w.droppedPercent.toFixed(2)} %, ${w.outcome}`,
      ),
    ),
    ...skippedLines(plan),
    ...(agg.errors.length > 0
      ? [
          '',
          '## Errors',
          '',
          ...agg.errors.slice(0, 20).map((e) => `- seed ${e.seed} (${e.key}): ${e.error}`),
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
    ...skipped.map((s) => `- ${s.settings}: ${s.reasons.join('; ')}`),
  ];
}

export async function writeSweepReports(
  outDir: string,
  agg: SweepAggregate,
  plan: SweepPlanFile,
): Promise<string[]> {
  const files: [string, string][] = [
    ['sweep.json', sweepJson(agg, plan)],
    ['sweep.md', sweepMarkdown(agg, plan)],
    ['sweep.html', await sweepHtml(agg, plan)],
  ];
  for (const [name, data] of files) writeFileAtomic(join(outDir, name), data);
  return files.map(([name]) => join(outDir, name));
}
