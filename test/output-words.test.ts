// Issue 15, point 2: one meaning per word. "Rollout duration" is the replacement time (request until the
// last instance was replaced) in the CLI, summary, HTML and sweep reports; the monitoring window is
// marked on the instances chart; downtime is shaded.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatRunSummary } from '../cli/summary.js';
import { chartConfigs } from '../reports/charts.js';
import type { ChartMarker } from '../reports/chart-plugins.js';
import { formatClockMs, formatHumanDurationMs } from '../reports/format.js';
import { runReportHtml } from '../reports/html.js';
import { summarize } from '../reports/summary.js';
import { formatIssue, loadScenarioText } from '../scenario/load.js';
import { runScenario } from '../sim/run.js';
import { aggregate } from '../sweep/aggregate.js';
import { sweepHtml } from '../sweep/html.js';
import { sweepMarkdown } from '../sweep/report.js';
import { summarise, type RunRecord, type SweepPlanFile } from '../sweep/store.js';

const ROOT = path.join(import.meta.dirname, '..');
const DEFAULT_TEXT = fs.readFileSync(path.join(ROOT, 'library', 'default.yaml'), 'utf8');

function run(text: string) {
  const loaded = loadScenarioText(text, { file: 'x.yaml', sourcePath: path.join(ROOT, 'x.yaml') });
  if (!loaded.ok) throw new Error(loaded.issues.map(formatIssue).join('\n'));
  return runScenario(loaded.scenario).result;
}

const markersOf = (result: ReturnType<typeof run>, chart: string): ChartMarker[] => {
  const c = chartConfigs(result).find((x) => x.name === chart)!;
  return (c.config.options!.plugins as unknown as { rollsimMarkers: { markers: ChartMarker[] } })
    .rollsimMarkers.markers;
};

/** A sweep plan of `runs` runs of two seeds, no grid, no shard: what sweep.md's header reads. */
function planOf(scenario: string, runs: number): SweepPlanFile {
  return {
    version: 1,
    scenario,
    scenarioFile: 'x.yaml',
    scenarioSha256: '0'.repeat(64),
    seeds: 2,
    seedStart: 1,
    axes: [],
    shard: null,
    totalRuns: runs,
    shardRuns: runs,
  };
}

describe('rollout duration', () => {
  const result = run(DEFAULT_TEXT);
  const edit = result.edits[0]!;
  const rollout = formatHumanDurationMs(edit.rolloutDurationMs!);
  const total = formatHumanDurationMs(edit.durationMs);

  it('is the replacement time, shorter than the time to the outcome', () => {
    expect(edit.rolloutDurationMs!).toBeLessThan(edit.durationMs);
  });

  it('means the same in the CLI, the summary card and the edits table', () => {
    const cli = formatRunSummary(result, { scenarioArg: null, outDir: null, written: [] });
    expect(cli).toContain(`rollout duration ${rollout}`);
    expect(cli).not.toContain(`completed in ${total}`);
    const s = summarize(result);
    expect(s.facts.find((f) => f.label === 'Rollout duration')!.value).toBe(`edit 1: ${rollout}`);
    expect(s.edits[0]!.rollout).toBe(rollout);
    expect(s.edits[0]!.duration).toBe(total);
    expect(runReportHtml(result)).toContain('<th>rollout duration</th><th>until outcome</th>');
  });

  it('is what a sweep aggregates', () => {
    const record: RunRecord = {
      key: '{}#42',
      seed: 42,
      settings: {},
      status: 'ok',
      result: summarise(result),
    };
    const agg = aggregate(result.scenario, [record]);
    expect(agg.combos[0]!.samples.durationMs).toEqual([edit.rolloutDurationMs]);
  });

  it('leaves out edits applied in place, and runs whose rollout did not finish', () => {
    // As the run reports do ("–" for an edit applied in place): a run whose only rolling edit is still
    // rolling has no rollout duration, not one of 0 s from its in-place edit.
    const inPlace = { ...edit, inPlace: true, rolloutDurationMs: 0, durationMs: 0 };
    const rolling = (ms: number | null, outcome: typeof edit.outcome = 'completed') => ({
      ...edit,
      inPlace: false,
      outcome,
      rolloutDurationMs: ms,
    });
    const rejected = { ...edit, outcome: 'rejected' as const, rolloutDurationMs: null };
    const records: RunRecord[] = [
      [inPlace, rolling(500_000)],
      [inPlace, rolling(null, 'inProgress')],
      [rejected, rolling(700_000)],
      [rolling(100_000), rolling(200_000)],
      [inPlace],
    ].map((edits, i) => ({
      key: `{}#${i + 1}`,
      seed: i + 1,
      settings: {},
      status: 'ok',
      result: { ...summarise(result), edits },
    }));
    const agg = aggregate(result.scenario, records);
    expect(agg.combos[0]!.samples.durationMs).toEqual([500_000, 700_000, 300_000]);
  });

  it('words a worst run with an accepted rollback request as accepted, not completed', () => {
    const aborted = [
      { ...edit, outcome: 'rolledBack' as const, rolloutDurationMs: null, reason: 'MANUAL_ABORT' as const },
      {
        ...edit,
        index: 1,
        kind: 'rollback' as const,
        outcome: 'completed' as const,
        rolloutDurationMs: null,
      },
    ];
    const agg = aggregate(result.scenario, [
      { key: '{}#1', seed: 1, settings: {}, status: 'ok', result: { ...summarise(result), edits: aborted } },
    ]);
    expect(agg.combos[0]!.worst.map((w) => w.outcome)).toEqual(['rolledBack+accepted']);
  });

  it('says why runs rolled back: reasons beside the count and after each worst run', async () => {
    // sweep.md listed "rolled back 6" and worst runs "…, rolledBack" with no reason; sweep.json had them.
    const back = (reason: 'UNSTABLE_AFTER_EDIT' | 'HEALTH_CHECK_FAILED') => [
      { ...edit, outcome: 'rolledBack' as const, rolloutDurationMs: null, reason },
    ];
    const agg = aggregate(
      result.scenario,
      (['UNSTABLE_AFTER_EDIT', 'HEALTH_CHECK_FAILED', 'UNSTABLE_AFTER_EDIT'] as const).map((reason, i) => ({
        key: `{}#${i + 1}`,
        seed: i + 1,
        settings: {},
        status: 'ok' as const,
        result: { ...summarise(result), edits: back(reason) },
      })),
    );
    expect(agg.combos[0]!.worst.map((w) => w.reasons)).toEqual([
      ['UNSTABLE_AFTER_EDIT'],
      ['HEALTH_CHECK_FAILED'],
      ['UNSTABLE_AFTER_EDIT'],
    ]);
    const plan = planOf(result.scenario, 3);
    const md = sweepMarkdown(agg, plan);
    expect(md).toContain('| 3 (UNSTABLE\\_AFTER\\_EDIT 2, HEALTH\\_CHECK\\_FAILED 1) |');
    expect(md).toMatch(/seed 2 — downtime .*, rolledBack \(HEALTH\\_CHECK\\_FAILED\)$/m);
    const html = await sweepHtml(agg, plan);
    expect(html).toMatch(/seed 2 \(downtime [^)]*, rolledBack \(HEALTH_CHECK_FAILED\)\)/);
  });

  it('writes a worst run’s tiny drop as <0.01%, never "dropped 0.00 %" beside a run listed as worst', async () => {
    const base = summarise(result);
    const tiny = { ...base, metrics: { ...base.metrics, downtimeMs: 0, droppedPercent: 0.003 } };
    const agg = aggregate(result.scenario, [
      { key: '{}#1', seed: 1, settings: {}, status: 'ok', result: tiny },
    ]);
    const plan = planOf(result.scenario, 1);
    const md = sweepMarkdown(agg, plan);
    expect(md).toContain('seed 1 — downtime 0.0 s, dropped <0.01%');
    expect(md).not.toMatch(/dropped 0\.00 %/);
    const html = await sweepHtml(agg, plan);
    expect(html).toMatch(/seed 1 \(downtime 0\.0 s, dropped &lt;0\.01%, completed\)/);
  });

  it('says a sweep of in-place edits has no rollout to time, not that no rollout finished', () => {
    // A scaling change that rolled back in one run read "– (no rollout finished)" though no edit of the
    // scenario rolls instances.
    const inPlace = { ...edit, inPlace: true, rolloutDurationMs: 0 };
    const back = { ...inPlace, outcome: 'rolledBack' as const, rolloutDurationMs: null };
    const run = (seed: number, edits: readonly (typeof edit)[]): RunRecord => ({
      key: `{}#${seed}`,
      seed,
      settings: {},
      status: 'ok',
      result: { ...summarise(result), edits },
    });
    const agg = aggregate(result.scenario, [run(1, [inPlace]), run(2, [back])]);
    expect(agg.combos[0]!.rollingEdits).toBe(0);
    expect(agg.combos[0]!.durationMs).toBeNull();
    const md = sweepMarkdown(agg, planOf(result.scenario, 2));
    expect(md).toContain('| – (in place) |');
    expect(md).not.toContain('no rollout finished');
  });

  it('lists no worst run for a scenario without edits whose runs were clean', () => {
    const clean = { ...summarise(result), edits: [] };
    const dirty = { ...clean, metrics: { ...clean.metrics, downtimeMs: 5000 } };
    const agg = aggregate(result.scenario, [
      { key: '{}#1', seed: 1, settings: {}, status: 'ok', result: clean },
      { key: '{}#2', seed: 2, settings: {}, status: 'ok', result: dirty },
    ]);
    expect(agg.combos[0]!.worst).toEqual([
      {
        seed: 2,
        downtimeMs: 5000,
        droppedPercent: clean.metrics.droppedPercent,
        outcome: 'none',
        reasons: [],
      },
    ]);
    // And no rollout duration without saying one did not finish: there was none.
    expect(agg.combos[0]!.durationMs).toBeNull();
    const plan = planOf(result.scenario, 2);
    expect(sweepMarkdown(agg, plan)).toMatch(/ \| – \| 0\.00 \| /);
  });

  it('has no rollout-duration figures, not zeros, when no run got that far, and ranks such settings last', () => {
    const run = (seed: number, label: string, edits: readonly (typeof edit)[]): RunRecord => ({
      key: `{"s":"${label}"}#${seed}`,
      seed,
      settings: { s: label },
      status: 'ok',
      result: { ...summarise(result), edits },
    });
    const rolledBack = { ...edit, outcome: 'rolledBack' as const, rolloutDurationMs: null };
    const agg = aggregate(result.scenario, [
      run(1, 'a', [rolledBack]),
      run(2, 'a', [rolledBack]),
      run(1, 'b', [{ ...edit, outcome: 'completed' as const, rolloutDurationMs: 900_000 }]),
      run(2, 'b', [{ ...edit, outcome: 'completed' as const, rolloutDurationMs: 800_000 }]),
    ]);
    const a = agg.combos.find((c) => c.label === 's=a')!;
    expect(a.durationMs).toBeNull();
    expect(agg.combos.find((c) => c.label === 's=b')!.durationMs?.p50).toBe(800_000);
    const plan = planOf(result.scenario, 4);
    const md = sweepMarkdown(agg, plan);
    expect(md).toMatch(/\| s=a \|.*\| – \(no rollout finished\) \|/);
    expect(md).not.toMatch(/\| s=a \|.*\| 0\.0 s \/ 0\.0 s \/ 0\.0 s \|/);
  });

  it('names a sweep without --set "scenario as written", not "{}"', async () => {
    // `rollsim sweep x.yaml --seeds N`, the most common sweep, read "**{}** (best)" and "Best: **{}**".
    const runs: RunRecord[] = [1, 2].map((seed) => ({
      key: `{}#${seed}`,
      seed,
      settings: {},
      status: 'ok',
      result: { ...summarise(result), metrics: { ...summarise(result).metrics, downtimeMs: 1000 * seed } },
    }));
    const agg = aggregate(result.scenario, runs);
    expect(agg.best?.label).toBe('{}'); // sweep.json keeps the label
    const md = sweepMarkdown(agg, planOf(result.scenario, 2));
    expect(md).toContain('| **scenario as written** (best) |');
    expect(md).toContain('Best: **scenario as written** — rule:');
    expect(md).toContain('- scenario as written: seed 2 — downtime 2.0 s');
    expect(md).not.toContain('{}');
    const html = await sweepHtml(agg, planOf(result.scenario, 2));
    expect(html).toContain('Best: <strong>scenario as written</strong>');
    expect(html).toContain('<li>scenario as written: seed 2 (downtime 2.0 s');
    expect(html).not.toContain('<strong>{}</strong>');
  });

  it('says no run finished all its rollouts, not that none finished, when a later edit always rolls back', async () => {
    // A Whisper scenario whose first edit completed in all 30 runs and whose second always rolled back
    // read "– (no rollout finished)": a run's duration is the sum over its edits, so it has none.
    const done = { ...edit, outcome: 'completed' as const, rolloutDurationMs: 600_000 };
    const back = { ...edit, index: 1, outcome: 'rolledBack' as const, rolloutDurationMs: null };
    const runs: RunRecord[] = [1, 2, 3].map((seed) => ({
      key: `{}#${seed}`,
      seed,
      settings: {},
      status: 'ok',
      result: { ...summarise(result), edits: [done, back] },
    }));
    const agg = aggregate(result.scenario, runs);
    expect(agg.combos[0]!).toMatchObject({ rollingEdits: 6, finishedRollouts: 3, durationMs: null });
    const md = sweepMarkdown(agg, planOf(result.scenario, 3));
    expect(md).toContain('| – (no run finished all its rollouts; 3 of 6 finished) |');
    expect(md).not.toContain('no rollout finished');
    // sweep.html's table said "– / –".
    const html = await sweepHtml(agg, planOf(result.scenario, 3));
    expect(html).toContain('<td class="num">– (no run finished all its rollouts; 3 of 6 finished)</td>');
  });
});

describe('clock times', () => {
  it('agree with the durations between them, to the second', () => {
    // Requested at 1:00:00, ended 22m 18.955s later: the end reads 1:22:19 and the duration 22m 19s.
    const start = 3_600_000;
    for (const ms of [0, 499, 500, 999, 1_338_955, 59_500, 3_599_600]) {
      const [h, m, s] = formatClockMs(start + ms)
        .split(':')
        .map(Number) as [number, number, number];
      const clockS = h * 3600 + m * 60 + s - 3600;
      expect(clockS).toBe(Math.round(ms / 1000));
    }
    expect(formatHumanDurationMs(1_338_955)).toBe('22m 19s');
    expect(formatClockMs(start + 1_338_955)).toBe('1:22:19');
    expect(formatClockMs(0)).toBe('0:00:00');
    // From the second day on, the day first (a week's edit read "82:00:00").
    expect(formatClockMs(86_400_000 - 1000)).toBe('23:59:59');
    expect(formatClockMs(86_400_000)).toBe('1d 0:00:00');
    expect(formatClockMs(82 * 3_600_000 + 61_000)).toBe('3d 10:01:01');
  });
});

describe('chart marks', () => {
  it('shade the monitoring window on the instances chart, from the last replacement to the outcome', () => {
    const result = run(DEFAULT_TEXT);
    const edit = result.edits[0]!;
    const band = markersOf(result, 'instances').find((m) => m.label === 'edit 1 monitoring')!;
    expect(band.x * 60_000).toBeCloseTo(edit.requestedAtMs + edit.rolloutDurationMs!, -2);
    expect(band.toX! * 60_000).toBeCloseTo(edit.endedAtMs, -2);
  });

  it('shade downtime', () => {
    // All instances replaced at once: a couple of minutes with no ready instance.
    const text = DEFAULT_TEXT.replace('duration: 90m', 'duration: 45m')
      .replace('{ at: 1h, count: 16 }', '{ at: 40m, count: 16 }')
      .replace(/^traffic:/m, 'rollout: { maxSurge: 0, maxUnavailable: "100%" }\n\ntraffic:');
    const result = run(text);
    expect(result.metrics.downtimeMs).toBeGreaterThan(0);
    const bands = markersOf(result, 'capacity').filter((m) => m.label === 'down');
    expect(bands.length).toBeGreaterThan(0);
    const shadedMs = bands.reduce((a, b) => a + (b.toX! - b.x) * 60_000, 0);
    // By sample (10 s): within two samples per band of the exact metric.
    expect(Math.abs(shadedMs - result.metrics.downtimeMs)).toBeLessThanOrEqual(bands.length * 20_000);
  });
});

describe('docs', () => {
  it('say what a rollback entry’s outcome means', () => {
    const doc = fs.readFileSync(path.join(ROOT, 'docs', 'scenario-format.md'), 'utf8');
    expect(doc).toContain('`edits[].outcome` of a `rollback` entry');
  });
});
