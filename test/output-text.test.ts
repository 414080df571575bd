// Issue 15, point 11: the text defects a new user met, and "did you mean" for a mistyped command.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../cli/cli.js';
import { formatRunSummary } from '../cli/summary.js';
import { chartMarkers } from '../reports/charts.js';
import { runReportHtml } from '../reports/html.js';
import { summaryMarkdown } from '../reports/markdown.js';
import { coldStartText } from '../reports/summary.js';
import { sweepReportHtml } from '../reports/sweep-charts.js';
import { evaluateExpectations } from '../result/expect.js';
import type { RunResult } from '../result/result.js';
import { formatIssue, loadScenarioFile, loadScenarioText } from '../scenario/load.js';
import { runScenario } from '../sim/run.js';
import { aggregate } from '../sweep/aggregate.js';
import { sweepMarkdown } from '../sweep/report.js';
import { summarise, type RunRecord, type SweepPlanFile } from '../sweep/store.js';

const ROOT = path.join(import.meta.dirname, '..');

function load(file: string) {
  const loaded = loadScenarioFile(path.join(ROOT, 'library', file));
  if (!loaded.ok) throw new Error(loaded.issues.map(formatIssue).join('\n'));
  return loaded.scenario;
}

function withExpectations(file: string): RunResult {
  const scenario = load(file);
  const { result } = runScenario(scenario);
  return { ...result, expectations: evaluateExpectations(scenario, result) };
}

async function cli(args: string[]): Promise<{ code: number; err: string }> {
  let err = '';
  const code = await main(args, { stdout: () => {}, stderr: (t) => void (err += t), cwd: ROOT });
  return { code, err };
}

describe('text', () => {
  it('an issue with no field reads "CODE: message" in the CLI and summary.md, never "CODE :" or "():"', () => {
    const result = withExpectations('manual-rollback-after-success.yaml');
    const cli = formatRunSummary(result, { scenarioArg: 'x.yaml', outDir: null, written: [] });
    expect(cli).toContain('MANUAL_ROLLBACK_UNSUPPORTED: ');
    expect(cli).not.toContain('MANUAL_ROLLBACK_UNSUPPORTED :');
    const md = summaryMarkdown(result);
    expect(md).toContain('MANUAL\\_ROLLBACK\\_UNSUPPORTED: ');
    expect(md).not.toContain('():');
  });

  it('counts read plainly: no nested parentheses, singular for one', () => {
    const result = withExpectations('in-place-scaling-change.yaml');
    const md = summaryMarkdown(result);
    expect(md).toContain('| **Edits** | 2 (2 completed in place) |');
    const one = { ...result.edits[0]!, peakInstances: 1 };
    const cli = formatRunSummary(
      { ...result, edits: [one] },
      { scenarioArg: 'x.yaml', outDir: null, written: [] },
    );
    expect(cli).toContain('peak 1 instance,');
  });

  it('an expectation count mismatch reads in words, with singulars', () => {
    const text = fs
      .readFileSync(path.join(ROOT, 'library', 'default.yaml'), 'utf8')
      .replace('    - { outcome: completed }', '    - { outcome: completed }\n    - { outcome: completed }');
    const loaded = loadScenarioText(text, { file: 'x.yaml', sourcePath: path.join(ROOT, 'x.yaml') });
    expect(loaded.ok).toBe(false);
    if (!loaded.ok)
      expect(loaded.issues.map((i) => i.message)).toContain(
        'has 2 entries but the scenario has 1 edit or rollback event (one entry per event, in time order)',
      );
  });

  it('durations read the same in expectation details as in the reports ("1m 14s", not "1m14s")', () => {
    const result = withExpectations('node-failure-mid-rollout.yaml');
    for (const e of result.expectations) expect(e.detail).not.toMatch(/\d+m\d+s/);
  });

  it('the event timeline names an edit in words, not JSON', () => {
    const { result } = runScenario(load('default.yaml'));
    const requested = result.markers.find((m) => m.kind === 'editRequested')!;
    expect(requested.label).not.toMatch(/[{}"]/);
    expect(requested.label).toContain('model llama-3.1-70b, accelerator 4× H100');
  });

  it('fault labels on charts are not cut off', () => {
    const { result } = runScenario(load('tenant-squeeze-then-off-peak-retry.yaml'));
    const faults = result.markers.filter((m) => m.kind === 'fault');
    expect(faults.length).toBeGreaterThan(0);
    const labels = chartMarkers(result).map((m) => m.label);
    for (const f of faults) expect(labels).toContain(f.label);
    expect(labels.some((l) => l.endsWith('…'))).toBe(false);
    // Durations as everywhere else in the report ("for 15m"), not "for 900s".
    for (const f of faults) expect(f.label).not.toMatch(/\d+s$/);
  });

  it('a flaky-probe fault says how long in the words of the report', () => {
    const { result } = runScenario({
      ...load('default.yaml'),
      events: [
        {
          atMs: 60_000,
          action: 'fault',
          fault: { kind: 'flakyHealth', probability: 0.1, forMs: 600_000 },
        },
      ],
      expect: null,
    });
    expect(result.markers.find((m) => m.kind === 'fault')?.label).toBe('flaky health probes (p=0.1) for 10m');
  });

  it('a sweep where every run was clean lists no "worst" runs, and its downtime CDF says every run had 0', () => {
    const { result } = runScenario(load('default.yaml'));
    const records: RunRecord[] = [1, 2, 3].map((seed) => ({
      key: `{}#${seed}`,
      seed,
      settings: {},
      status: 'ok',
      result: { ...summarise(result), seed },
    }));
    const agg = aggregate(result.scenario, records);
    expect(agg.combos[0]!.worst).toEqual([]);
    const plan = { seeds: 3, seedStart: 1, shard: null } as unknown as SweepPlanFile;
    expect(sweepMarkdown(agg, plan)).toContain('No run had downtime, dropped requests');
    const html = sweepReportHtml(
      {
        combinations: [
          {
            label: '{}',
            downtimeMs: [0, 0, 0],
            durationMs: [300_000, 301_000, 302_000],
            rolledBack: 0,
            total: 3,
          },
        ],
      },
      'Sweep',
      '',
    );
    expect(html).toContain('Every run had downtime 0.');
  });

  it('a mistyped command gets "did you mean"', async () => {
    const r = await cli(['rn']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('unknown command "rn"; did you mean "run"?');
    expect((await cli(['chek', 'library/'])).err).toContain('did you mean "check"?');
  });
});

describe('serving figures in every summary (issue 14: TTFT, ITL and cold start by phase)', () => {
  it('an LLM run shows time to first token and inter-token latency, and each edit its mean cold start by phase', () => {
    const result = withExpectations('default.yaml');
    const m = result.metrics;
    expect(m.ttftMs).not.toBeNull();
    const edit = result.edits[0]!;
    expect(edit.loadMs).not.toBeNull();
    const cli = formatRunSummary(result, { scenarioArg: null, outDir: null, written: [] });
    const md = summaryMarkdown(result);
    const html = runReportHtml(result);
    const ttft = `${Math.round(m.ttftMs!.p95)} ms`;
    expect(cli).toContain(`(first token ${ttft})`);
    for (const text of [md, html]) {
      expect(text).toContain('Time to first token p50 / p95 / p99');
      expect(text).toContain('Inter-token latency p50 / p95 / p99');
      expect(text).toContain(ttft);
    }
    const cold = coldStartText(edit.loadMs);
    expect(cold).toMatch(/^\d+m \d+s \(image .+, weights .+, engine .+; \d+ instances?\)$/);
    expect(cli).toContain(`mean cold start ${cold}`);
    expect(md).toContain(cold);
    expect(html).toContain(cold);
  });

  it('a model without tokens (Whisper) shows neither token figure; an edit that started nothing shows no cold start', () => {
    const whisper = withExpectations('async-rollout-backlog.yaml');
    expect(whisper.metrics.ttftMs).toBeNull();
    const cli = formatRunSummary(whisper, { scenarioArg: 'x.yaml', outDir: null, written: [] });
    expect(cli).not.toContain('first token');
    expect(summaryMarkdown(whisper)).not.toContain('Time to first token');
    expect(runReportHtml(whisper)).not.toContain('Inter-token latency');
    const rejected = withExpectations('reject-cross-type-swap.yaml');
    expect(rejected.edits[0]!.loadMs).toBeNull();
    expect(coldStartText(null)).toBe('–');
    expect(formatRunSummary(rejected, { scenarioArg: 'x.yaml', outDir: null, written: [] })).not.toContain(
      'cold start',
    );
  });
});
