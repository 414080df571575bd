// Proves the PNG charts are real pictures: 1200×600, white background, coloured data, legible text
// (a font was found), and that the pixel check used here does fail on a blank or data-less image.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCanvas, loadImage } from '@napi-rs/canvas';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../result/result.js';
import { chartConfigs } from '../reports/charts.js';
import { pngFontFamily, renderChartPng } from '../reports/chart-png.js';
import { renderSweepPngs } from '../reports/sweep-charts.js';

const fixtureDir = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'results');
const load = (name: string): RunResult =>
  JSON.parse(readFileSync(join(fixtureDir, `${name}.json`), 'utf8')) as RunResult;

interface PixelStats {
  readonly width: number;
  readonly height: number;
  /** Pixels visibly different from white. */
  readonly inked: number;
  /** Saturated pixels: data series, not grey axes, grid or text. */
  readonly coloured: number;
  /** Dark pixels in the title band: the title was drawn as text. */
  readonly titleInk: number;
  readonly corner: readonly number[];
}

async function pixelStats(png: Buffer): Promise<PixelStats> {
  expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  const image = await loadImage(png);
  const canvas = createCanvas(image.width, image.height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(image, 0, 0);
  const { data } = ctx.getImageData(0, 0, image.width, image.height);
  let inked = 0;
  let coloured = 0;
  let titleInk = 0;
  for (let i = 0; i < data.length; i += 4) {
    const [r, g, b] = [data[i]!, data[i + 1]!, data[i + 2]!];
    if (Math.min(r, g, b) < 235) inked += 1;
    if (Math.max(r, g, b) - Math.min(r, g, b) > 60) coloured += 1;
    const y = Math.floor(i / 4 / image.width);
    if (y < 36 && r + g + b < 300) titleInk += 1;
  }
  return {
    width: image.width,
    height: image.height,
    inked,
    coloured,
    titleInk,
    corner: [...data.subarray(0, 4)],
  };
}

/** `minColoured`: a 1200-px line chart with two thin series colours about 3000 pixels. */
function expectDrawn(s: PixelStats, minColoured = 5000): void {
  expect([s.width, s.height]).toEqual([1200, 600]);
  expect(s.corner).toEqual([255, 255, 255, 255]);
  expect(s.inked).toBeGreaterThan(1200 * 600 * 0.02);
  expect(s.coloured).toBeGreaterThan(minColoured);
  expect(s.titleInk).toBeGreaterThan(200);
}

describe('PNG charts', () => {
  it('finds a font, so titles and axis labels are drawn', () => {
    expect(pngFontFamily()).not.toBeNull();
  });

  for (const fixture of ['swap-completed', 'bad-version-rollback', 'hostile-strings']) {
    it(`draws every chart of ${fixture}`, async () => {
      for (const chart of chartConfigs(load(fixture))) {
        const stats = await pixelStats(renderChartPng(chart.config));
        expect({ chart: chart.name, drawn: stats.coloured > 5000 }).toEqual({
          chart: chart.name,
          drawn: true,
        });
        expectDrawn(stats);
      }
    });
  }

  it('leaves the shared configuration untouched, so the HTML report gets the same one', () => {
    const chart = chartConfigs(load('swap-completed'))[0]!;
    const before = JSON.stringify(chart.config);
    renderChartPng(chart.config);
    expect(JSON.stringify(chart.config)).toBe(before);
  });

  it('draws the sweep charts', async () => {
    const pngs = renderSweepPngs({
      combinations: [
        {
          label: 'a',
          downtimeMs: [0, 0, 20_000, 45_000],
          durationMs: [600_000, 700_000],
          rolledBack: 1,
          total: 4,
        },
        {
          label: 'b',
          downtimeMs: [0, 60_000, 90_000, 95_000],
          durationMs: [500_000, 520_000],
          rolledBack: 2,
          total: 4,
        },
      ],
    });
    expect(pngs.map((p) => p.file)).toEqual([
      'downtime-histogram.png',
      'downtime-cdf.png',
      'duration-histogram.png',
      'duration-cdf.png',
      'rollback-rate.png',
    ]);
    for (const { png } of pngs) expectDrawn(await pixelStats(png), 1500);
  });

  it('the pixel check fails on a blank image and on a chart without data', async () => {
    const blank = createCanvas(1200, 600);
    const ctx = blank.getContext('2d');
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, 1200, 600);
    const blankStats = await pixelStats(blank.toBuffer('image/png'));
    expect(() => expectDrawn(blankStats)).toThrow();

    const empty = chartConfigs(load('swap-completed'))[1]!.config;
    const noData = {
      ...empty,
      data: { datasets: [] },
      options: { ...empty.options, plugins: { title: { display: true, text: 'x' } } },
    };
    const noDataStats = await pixelStats(renderChartPng(noData));
    expect(noDataStats.coloured).toBeLessThan(500);
    expect(() => expectDrawn(noDataStats)).toThrow();
  });
});
