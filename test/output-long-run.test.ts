// Issue 15, point 10: a 24-hour simulation's report.html stays under 2 MB: charts draw a thinned
// timeline that keeps each bucket's minimum and maximum, while result.json keeps every sample.
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chartConfigs, displayTimeline } from '../reports/charts.js';
import { runReportHtml } from '../reports/html.js';
import type { TimelineSample } from '../result/result.js';
import { formatIssue, loadScenarioText } from '../scenario/load.js';
import { runScenario } from '../sim/run.js';

const ROOT = path.join(import.meta.dirname, '..');
const DEFAULT_TEXT = fs.readFileSync(path.join(ROOT, 'library', 'default.yaml'), 'utf8');

describe('a 24-hour run', () => {
  const loaded = loadScenarioText(DEFAULT_TEXT.replace('duration: 90m', 'duration: 24h'), {
    file: 'day.yaml',
    sourcePath: path.join(ROOT, 'day.yaml'),
  });
  if (!loaded.ok) throw new Error(loaded.issues.map(formatIssue).join('\n'));
  const { result } = runScenario(loaded.scenario);

  it('keeps every sample in result.json', () => {
    expect(result.timeline).toHaveLength((24 * 3600) / 10);
  });

  it('writes a report.html under 2 MB whose charts keep the peak offered load', () => {
    const html = runReportHtml(result);
    expect(Buffer.byteLength(html)).toBeLessThan(2 * 1024 * 1024);
    const capacity = chartConfigs(result).find((c) => c.name === 'capacity')!;
    const offered = capacity.config.data.datasets[0]!.data as { x: number; y: number }[];
    expect(offered.length).toBeLessThan(result.timeline.length);
    const peak = Math.max(...result.timeline.map((s) => s.offeredRps));
    const dip = Math.min(...result.timeline.map((s) => s.offeredRps));
    expect(Math.max(...offered.map((p) => p.y))).toBeCloseTo(peak, 3);
    expect(Math.min(...offered.map((p) => p.y))).toBeCloseTo(dip, 3);
  }, 30_000);
});

describe('displayTimeline', () => {
  const sample = (tMs: number, v: number | null): TimelineSample =>
    ({ tMs, offeredRps: v ?? Number.NaN }) as unknown as TimelineSample;
  const pick = (s: TimelineSample): number | null => (Number.isNaN(s.offeredRps) ? null : s.offeredRps);

  it('keeps every bucket’s minimum and maximum, in time order, and at most about max samples per series', () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(fc.integer({ min: -1000, max: 1000 }), { freq: 10 }), {
          minLength: 1,
          maxLength: 3000,
        }),
        fc.integer({ min: 4, max: 400 }),
        (values, max) => {
          const timeline = values.map((v, i) => sample(i * 10_000, v));
          const shown = displayTimeline(timeline, [pick], max);
          if (timeline.length <= max) {
            expect(shown).toEqual(timeline);
            return;
          }
          expect(shown.length).toBeLessThanOrEqual(3 * Math.floor(max / 2) + 2);
          for (let i = 1; i < shown.length; i++) expect(shown[i]!.tMs).toBeGreaterThan(shown[i - 1]!.tMs);
          const finite = values.filter((v): v is number => v !== null);
          const kept = shown.map(pick).filter((v): v is number => v !== null);
          if (finite.length > 0) {
            expect(Math.max(...kept)).toBe(Math.max(...finite));
            expect(Math.min(...kept)).toBe(Math.min(...finite));
          }
          // A gap (no value) anywhere still shows as a gap.
          if (values.includes(null)) expect(shown.some((s) => pick(s) === null)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});
