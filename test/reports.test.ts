// Proves the report building blocks: escaping, formatting, the shared chart configurations (plain JSON,
// units on every axis, markers for every edit), the summary facts, summary.md and the Wilson interval.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadScenarioFile, runScenario } from '../api/index.js';
import { formatRunSummary } from '../cli/summary.js';
import type { RunResult } from '../result/result.js';
import { markerPluginForNode } from '../reports/chart-plugins.js';
import { chartConfigs, chartMarkers } from '../reports/charts.js';
import {
  escapeHtml,
  formatHumanDurationMs,
  formatLatencyMs,
  formatPercent,
  jsonForScript,
} from '../reports/format.js';
import { escapeMarkdown, summaryMarkdown } from '../reports/markdown.js';
import { rolloutText, summarize } from '../reports/summary.js';
import { niceStep, quantile, sweepChartConfigs, wilsonInterval } from '../reports/sweep-charts.js';
import { FIXTURES, INJECTED_TAG } from './fixtures/results/generate.js';

const fixtureDir = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'results');
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const load = (name: string): RunResult =>
  JSON.parse(readFileSync(join(fixtureDir, `${name}.json`), 'utf8')) as RunResult;

describe('fixtures', () => {
  it.each(Object.keys(FIXTURES))(
    '%s.json is what generate.ts builds (regenerate after changing it)',
    (name) => {
      expect(load(name)).toEqual(JSON.parse(JSON.stringify(FIXTURES[name]!())));
    },
  );
});

describe('format', () => {
  it('formats durations for people', () => {
    expect(formatHumanDurationMs(0)).toBe('0s');
    expect(formatHumanDurationMs(250)).toBe('250ms');
    expect(formatHumanDurationMs(1500)).toBe('1.5s');
    expect(formatHumanDurationMs(45_000)).toBe('45s');
    expect(formatHumanDurationMs(750_000)).toBe('12m 30s');
    expect(formatHumanDurationMs(15 * 60_000)).toBe('15m');
    expect(formatHumanDurationMs(7_500_000)).toBe('2h 05m');
    // From a day up, days and hours: a week read "168h 00m".
    expect(formatHumanDurationMs(23 * 3_600_000 + 59 * 60_000)).toBe('23h 59m');
    expect(formatHumanDurationMs(7 * 86_400_000)).toBe('7d 00h');
    expect(formatHumanDurationMs(82 * 3_600_000 + 30 * 60_000)).toBe('3d 10h');
  });

  it('formats percentages without hiding small non-zero values', () => {
    expect(formatPercent(0)).toBe('0%');
    expect(formatPercent(0.004)).toBe('<0.01%');
    expect(formatPercent(1.234)).toBe('1.23%');
    expect(formatPercent(42.34)).toBe('42.3%');
  });

  it('formats latencies in ms, then seconds, then from a minute up as a duration', () => {
    expect(formatLatencyMs(849.6)).toBe('850 ms');
    expect(formatLatencyMs(12_684)).toBe('12.68 s');
    expect(formatLatencyMs(59_994)).toBe('59.99 s');
    // An async backlog's p95 read "1000.52 s".
    expect(formatLatencyMs(1_000_523.969)).toBe('16m 41s');
    expect(formatLatencyMs(60_000)).toBe('1m');
  });

  it('escapes HTML in content and attributes', () => {
    expect(escapeHtml(`${INJECTED_TAG} & "q" 'a'`)).toBe(
      '&lt;img src=x onerror=alert(1)&gt; &amp; &quot;q&quot; &#39;a&#39;',
    );
  });

  it('embeds JSON without anything that could end or confuse a script element', () => {
    const value = { s: '</script><!-- <script>alert(1)</script>', line: '\u2028' };
    const text = jsonForScript(value);
    expect(text).not.toMatch(/</);
    expect(text).not.toContain('\u2028');
    expect(JSON.parse(text)).toEqual(value);
  });
});

describe('chartConfigs', () => {
  const result = load('bad-version-rollback');
  const charts = chartConfigs(result);

  it('gives the run charts (GPUs one per pool), each titled, with units on both axes and time in minutes', () => {
    expect(charts.map((c) => c.name)).toEqual(['instances', 'capacity', 'latency', 'gpus-a100', 'gpus-h100']);
    for (const c of charts) {
      const opts = c.config.options!;
      expect(opts.plugins?.title?.text).toBe(c.title);
      const scales = opts.scales as Record<string, { title: { text: string } }>;
      expect(scales['x']!.title.text).toBe('time (min)');
      expect(scales['y']!.title.text).toMatch(/\S/);
      expect(opts.animation).toBe(false);
      expect(opts.responsive).toBe(false);
    }
    const yTitles = charts.map(
      (c) => (c.config.options!.scales as Record<string, { title: { text: string } }>)['y']!.title.text,
    );
    expect(yTitles).toEqual(['instances', 'requests/s', 'latency (s)', 'GPUs', 'GPUs']);
  });

  it('is plain JSON, so the page can embed exactly what the PNG renderer draws', () => {
    for (const c of charts) expect(JSON.parse(JSON.stringify(c.config))).toEqual(c.config);
  });

  it('stacks instances by state then revision, one colour per revision', () => {
    const labels = charts[0]!.config.data.datasets.map((d) => d.label);
    expect(labels).toEqual(['desired', 'rev 1 ready', 'rev 1 starting', 'rev 2 starting', 'rev 1 draining']);
    const colors = charts[0]!.config.data.datasets.map((d) => d.borderColor);
    expect(colors[1]).toBe(colors[2]);
    expect(colors[2]).not.toBe(colors[3]);
  });

  it('stacks each instance series on the previous one, so the top of the stack is the total', () => {
    const stacked = charts[0]!.config.data.datasets.slice(1);
    expect(stacked.map((d) => (d as { fill: unknown }).fill)).toEqual(['origin', '-1', '-1', '-1']);
  });

  it('marks each edit request and end, faults and downtime, in time order', () => {
    expect(chartMarkers(result).map((m) => [m.x, m.label])).toEqual([
      [15, 'edit 1'],
      [28, 'edit 1 rolled back (HEALTH_CHECK_FAILED)'],
      [40, 'down'],
      [40, 'nodeFailure: 1 node in pool a100'],
      [55, 'edit 2 rejected'],
      [65, 'edit 3 done'],
    ]);
    expect(charts[1]!.config.options!.plugins?.rollsimMarkers?.markers).toHaveLength(6);
  });

  it('marks an accepted rollback request as a request, never as done', () => {
    // The rollback entry's `completed` is the request accepted at 6m; the prior revision is back only when
    // the aborted edit's own "rolled back" marker says so. It read "rollback 2 done" at the request.
    const loaded = loadScenarioFile(join(ROOT, 'library/manual-abort-mid-rollout.yaml'));
    if (!loaded.ok) throw new Error('library scenario does not load');
    const marks = chartMarkers(runScenario(loaded.scenario)).map((m) => [m.x, m.label]);
    expect(marks).toContainEqual([6, 'rollback 2 accepted']);
    expect(marks.some(([, label]) => label === 'edit 1 rolled back (MANUAL_ABORT)')).toBe(true);
    expect(marks.some(([, label]) => /^rollback \d+ done$/.test(String(label)))).toBe(false);
  });

  it('marks where a rollback began, with its reason, apart from where it ended', () => {
    // A rollback in the monitoring window showed only its end ("edit 1 rolled back", minutes later): the
    // prior revision's instances started loading with nothing on the chart to say why.
    const loaded = loadScenarioFile(join(ROOT, 'library/crash-after-rollout-unstable.yaml'));
    if (!loaded.ok) throw new Error('library scenario does not load');
    const result = runScenario(loaded.scenario);
    const edit = result.edits[0]!;
    const started = result.markers.filter((m) => m.kind === 'rollbackStarted');
    expect(started).toHaveLength(1);
    expect(started[0]!.label).toBe('edit 1 rolling back to revision 1: UNSTABLE_AFTER_EDIT');
    expect(started[0]!.tMs).toBeGreaterThan(edit.requestedAtMs);
    expect(started[0]!.tMs).toBeLessThan(edit.endedAtMs);
    const at = (label: string) => chartMarkers(result).find((m) => m.label === label)?.x;
    expect(at('edit 1 rolling back')).toBeCloseTo(started[0]!.tMs / 60_000, 2);
    expect(at('edit 1 rolled back (UNSTABLE_AFTER_EDIT)')).toBeCloseTo(edit.endedAtMs / 60_000, 2);
    // Where it ends as it begins (failed health checks roll back at once), one line: the end's.
    const quick = loadScenarioFile(join(ROOT, 'library/bad-version-fails-health.yaml'));
    if (!quick.ok) throw new Error('library scenario does not load');
    const fast = runScenario(quick.scenario);
    expect(fast.markers.some((m) => m.kind === 'rollbackStarted')).toBe(true);
    expect(chartMarkers(fast).filter((m) => /rolling back|rolled back/.test(m.label))).toHaveLength(1);
  });

  it('calls an accepted rollback request accepted in the summary, not completed', () => {
    const loaded = loadScenarioFile(join(ROOT, 'library/manual-abort-mid-rollout.yaml'));
    if (!loaded.ok) throw new Error('library scenario does not load');
    const s = summarize(runScenario(loaded.scenario));
    expect(s.edits.map((e) => [e.label, e.outcome])).toEqual([
      ['edit 1', 'rolled back'],
      ['rollback 2', 'accepted'],
    ]);
    expect(s.facts.find((f) => f.label === 'Edits')?.value).toBe('2 (1 rolled back, 1 rollback accepted)');
  });

  it('shows no latency where nothing was served (a gap, not a zero)', () => {
    const p95 = charts[2]!.config.data.datasets[1]!.data as { x: number; y: number | null }[];
    const downtime = p95.filter((p) => p.x > 40 && p.x < 43);
    expect(downtime.length).toBeGreaterThan(0);
    expect(downtime.every((p) => p.y === null)).toBe(true);
  });

  it('draws each pool on its own chart, titled with the pool name', () => {
    const a100 = charts[3]!;
    const h100 = charts[4]!;
    expect([a100.title, h100.title]).toEqual(['GPUs in pool a100', 'GPUs in pool h100']);
    expect(a100.config.data.datasets.map((d) => d.label)).toContain('down');
    expect(h100.config.data.datasets.map((d) => d.label)).toContain('other tenants');
    expect(h100.config.data.datasets.map((d) => d.label)).not.toContain('down');
  });
});

describe('marker labels', () => {
  type Span = { left: number; width: number; priority?: number };
  const plugin = markerPluginForNode() as unknown as { layoutRows(s: Span[], rows: number): number[] };
  const layoutRows = (spans: Span[], rows: number): number[] => plugin.layoutRows(spans, rows);

  it('fill rows in time order, each label in the first row where it overlaps none', () => {
    const spans = [0, 10, 20, 200].map((left) => ({ left, width: 100 }));
    expect(layoutRows(spans, 4)).toEqual([0, 1, 2, 0]);
  });

  it("give way by priority when the rows run out: an edit's outcome over a fault", () => {
    // Four fault labels and then the rolled-back marker at one spot: its label was the one left out.
    const faults = [0, 5, 10, 15].map((left) => ({ left, width: 120 }));
    const outcome = { left: 20, width: 200, priority: 2 };
    const rows = layoutRows([...faults, outcome], 4);
    expect(rows[4]).toBe(0);
    expect(rows.filter((r) => r === -1)).toHaveLength(1);
    expect(rows[3]).toBe(-1); // the last fault in time order gives way
    expect(new Set(rows.slice(0, 3))).toEqual(new Set([1, 2, 3]));
  });
});

describe('degenerate results', () => {
  it('reports a run with no samples, no edits and no markers without failing', () => {
    const empty: RunResult = {
      ...load('swap-completed'),
      simulatedMs: 0,
      edits: [],
      timeline: [],
      markers: [],
      expectations: [],
    };
    const charts = chartConfigs(empty);
    expect(charts).toHaveLength(4);
    expect(charts[0]!.config.data.datasets.map((d) => d.label)).toEqual(['desired']);
    expect(summarize(empty).headline).toBe('no edits');
    expect(summaryMarkdown(empty)).toContain('The scenario requested no edits.');
  });
});

describe('summary', () => {
  it('leads with what happened and flags what went wrong', () => {
    const s = summarize(load('bad-version-rollback'));
    expect(s.headline).toBe(
      'edit 1 rolled back (HEALTH_CHECK_FAILED), edit 2 rejected · 2 of 3 expectations failed',
    );
    expect(s.tone).toBe('bad');
    const fact = (label: string) => s.facts.find((f) => f.label === label);
    expect(fact('Downtime')).toMatchObject({ value: '3m', tone: 'bad' });
    expect(fact('Reason')?.value).toBe('HEALTH_CHECK_FAILED, MODEL_TYPE_MISMATCH');
    expect(s.edits.map((e) => e.outcome)).toEqual(['rolled back', 'rejected', 'completed in place']);
  });

  it('shows no latency figures when no request was served, in the summary and the CLI line', () => {
    // A stopped deployment under load drops everything; "p95 latency 0 ms" read as a fast service.
    const base = load('swap-completed');
    const m = base.metrics;
    const none: RunResult = {
      ...base,
      metrics: {
        ...m,
        requests: { ...m.requests, served: 0, dropped: m.requests.offered },
        latencyMs: { p50: 0, p95: 0, p99: 0 },
      },
    };
    const fact = summarize(none).facts.find((f) => f.label === 'Latency p50 / p95 / p99');
    expect(fact?.value).toBe('– (no request served)');
    const line = formatRunSummary(none, { scenarioArg: null, outDir: null, written: [], notes: [] });
    expect(line).toContain('p95 latency – (no request served)');
    expect(line).not.toMatch(/p95 latency 0 ms/);
    // And a run that served requests keeps its figures.
    expect(summarize(base).facts.find((f) => f.label === 'Latency p50 / p95 / p99')?.value).toMatch(
      /ms|s \//,
    );
  });

  it('says so plainly when everything worked', () => {
    const s = summarize(load('swap-completed'));
    expect(s.headline).toBe('edit completed · expectations met');
    expect(s.tone).toBe('good');
  });
});

describe('rolloutText', () => {
  it('says a rollback in the monitoring window came after every instance was replaced', () => {
    const rolledBack = load('bad-version-rollback').edits[0]!;
    expect(rolledBack.reason).toBe('HEALTH_CHECK_FAILED');
    expect(rolloutText(rolledBack)).toBe('never finished (rolled back)');
    // UNSTABLE_AFTER_EDIT fails an edit only while it is monitored (engine/rollback.ts ROLLBACK_REASONS).
    expect(rolloutText({ ...rolledBack, reason: 'UNSTABLE_AFTER_EDIT' })).toBe(
      'finished, then rolled back while monitored',
    );
  });
});

describe('summary.md', () => {
  it('escapes Markdown and HTML so scenario strings render literally', () => {
    expect(escapeMarkdown('a|b *c* <img> [x](y) `z`\nw')).toBe('a\\|b \\*c\\* &lt;img> \\[x\\](y) \\`z\\` w');
    const md = summaryMarkdown(load('hostile-strings'));
    expect(md).not.toContain('<img');
    expect(md).not.toContain('<script');
    expect(md).toContain('&lt;img src=x onerror=alert(1)>');
  });

  it('has a metrics table, an edits table and the expectations', () => {
    const md = summaryMarkdown(load('bad-version-rollback'));
    expect(md).toMatch(/^### ❌ rollsim: bad-version-rollback$/m);
    expect(md).toContain('| **Downtime** | ❌ 3m |');
    expect(md).toMatch(
      /^\| edit 1 \| 0:15:00 \| ❌ rolled back \| HEALTH\\_CHECK\\_FAILED \| never finished \(rolled back\) \| 13m \|/m,
    );
    expect(md).toContain('- ❌ **maxDowntime**: downtime 3m > 0s');
    // Every table row has as many cells as its header.
    for (const block of md.split('\n\n').filter((b) => b.startsWith('|'))) {
      const widths = block.split('\n').map((row) => row.replace(/\\\|/g, '').split('|').length);
      expect(new Set(widths).size).toBe(1);
    }
  });
});

describe('wilsonInterval', () => {
  it('matches published values', () => {
    const w = wilsonInterval(5, 10);
    expect(w.low).toBeCloseTo(0.2366, 4);
    expect(w.high).toBeCloseTo(0.7634, 4);
    const none = wilsonInterval(0, 10);
    expect(none.low).toBe(0);
    expect(none.high).toBeCloseTo(0.2775, 4);
    const all = wilsonInterval(20, 20);
    expect(all.high).toBe(1);
    expect(all.low).toBeCloseTo(0.8389, 4);
  });

  it('knows nothing from no runs and refuses impossible counts', () => {
    expect(wilsonInterval(0, 0)).toEqual({ low: 0, high: 1 });
    expect(() => wilsonInterval(3, 2)).toThrow(RangeError);
    expect(() => wilsonInterval(1, 2.5)).toThrow(RangeError);
  });

  it('narrows as runs accumulate and always contains the observed share', () => {
    let width = 1;
    for (const n of [10, 100, 1000, 10_000]) {
      const w = wilsonInterval(n / 10, n);
      expect(w.low).toBeLessThanOrEqual(0.1);
      expect(w.high).toBeGreaterThanOrEqual(0.1);
      expect(w.high - w.low).toBeLessThan(width);
      width = w.high - w.low;
    }
  });
});

describe('sweep charts', () => {
  const input = {
    combinations: [
      {
        label: 'surge 1',
        downtimeMs: [0, 0, 0, 30_000],
        durationMs: [600_000, 660_000, 720_000],
        rolledBack: 1,
        total: 4,
      },
      {
        label: 'unavailable 1',
        downtimeMs: [0, 90_000, 150_000, 240_000],
        durationMs: [480_000, 500_000],
        rolledBack: 0,
        total: 4,
      },
    ],
  };
  const charts = sweepChartConfigs(input);

  it('gives histograms and CDFs of downtime and duration, and the rollback rate', () => {
    expect(charts.map((c) => c.name)).toEqual([
      'downtime-histogram',
      'downtime-cdf',
      'duration-histogram',
      'duration-cdf',
      'rollback-rate',
    ]);
    for (const c of charts) expect(JSON.parse(JSON.stringify(c.config))).toEqual(c.config);
  });

  it('counts every run once in the histograms, with exact zeros in a bin of their own', () => {
    const hist = charts[0]!.config;
    expect(hist.data.labels?.[0]).toBe('0');
    expect(hist.data.datasets[0]!.data[0]).toBe(3);
    for (const [i, d] of hist.data.datasets.entries()) {
      const total = (d.data as number[]).reduce((a, b) => a + b, 0);
      expect(total).toBe(input.combinations[i]!.downtimeMs.length);
    }
  });

  it('draws CDFs that rise to 100 % at the largest value', () => {
    const cdf = charts[1]!.config.data.datasets[1]!.data as { x: number; y: number }[];
    expect(cdf[0]).toEqual({ x: 0, y: 25 });
    expect(cdf.at(-1)).toEqual({ x: 4, y: 100 });
  });

  it('puts the Wilson interval around each rollback rate', () => {
    const [interval, rate] = charts[4]!.config.data.datasets;
    expect(rate!.data).toEqual([25, 0]);
    const [lo, hi] = interval!.data[0] as [number, number];
    expect(lo).toBeLessThan(25);
    expect(hi).toBeGreaterThan(25);
    expect(interval!.data[1]).toEqual([0, Math.round(wilsonInterval(0, 4).high * 10_000) / 100]);
  });

  it('picks readable bin widths and nearest-rank quantiles', () => {
    expect([0.7, 1, 1.3, 2.2, 3, 7, 42].map(niceStep)).toEqual([1, 1, 2, 2.5, 5, 10, 50]);
    expect(quantile([5, 1, 3, 2, 4], 0.5)).toBe(3);
    expect(quantile([1, 2, 3, 4], 0.95)).toBe(4);
    expect(quantile([], 0.5)).toBeNaN();
  });
});
