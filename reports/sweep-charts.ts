// Sweep-level charts: how downtime and rollout duration spread across seeds, and how often each
// setting combination rolled back (with a 95 % Wilson interval, which stays honest for 0 of n and n of n).
import type { ChartConfiguration, ChartDataset } from 'chart.js';
import { nearestRank } from '../result/metrics.js';
import { renderChartPng, type PngSize } from './chart-png.js';
import { PALETTE, rgba, type ReportChart } from './charts.js';
import { escapeHtml, formatHumanDurationMs, formatPercent } from './format.js';
import { chartFigureHtml, selfContainedPage } from './html-page.js';

/** One setting combination of a sweep, e.g. `maxSurge=1 maxUnavailable=0`, over all its seeds. */
export interface SweepCombination {
  readonly label: string;
  /** Downtime of each run, in ms. */
  readonly downtimeMs: readonly number[];
  /** Rollout duration of each edit that started a rollout, in ms. */
  readonly durationMs: readonly number[];
  /** Runs in which an edit was rolled back. */
  readonly rolledBack: number;
  /** Runs in all. */
  readonly total: number;
  /** What the rollout-duration cell says when there are no durations (why there are none); "–" if absent. */
  readonly noDurationText?: string;
}

export interface SweepChartInput {
  readonly combinations: readonly SweepCombination[];
}

export interface Interval {
  readonly low: number;
  readonly high: number;
}

/** Wilson score interval for a binomial proportion; z = 1.96 gives 95 %. n = 0 knows nothing: [0, 1]. */
export function wilsonInterval(successes: number, n: number, z = 1.96): Interval {
  if (!Number.isInteger(n) || n < 0)
    throw new RangeError(`wilsonInterval: n must be a whole number >= 0, got ${n}`);
  if (!(successes >= 0 && successes <= n))
    throw new RangeError(`wilsonInterval: successes ${successes} not in [0, ${n}]`);
  if (n === 0) return { low: 0, high: 1 };
  const p = successes / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denominator;
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** Nearest-rank quantile of unsorted values; NaN for none. */
export function quantile(values: readonly number[], q: number): number {
  return (
    nearestRank(
      [...values].sort((a, b) => a - b),
      q,
    ) ?? Number.NaN
  );
}

/** Largest value, 0 for none (no spread: sweeps can have more values than a call has arguments). */
function maxOf(values: readonly number[]): number {
  return values.reduce((a, v) => (v > a ? v : a), 0);
}

interface TimeUnit {
  readonly name: 's' | 'min';
  readonly ms: number;
}

function unitFor(values: readonly number[]): TimeUnit {
  return maxOf(values) >= 120_000 ? { name: 'min', ms: 60_000 } : { name: 's', ms: 1000 };
}

/** 1, 2, 2.5 or 5 times a power of ten: bin edges people can read. */
export function niceStep(raw: number): number {
  if (!(raw > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].find((m) => m * power >= raw) ?? 10;
  return step * power;
}

const color = (i: number): string => PALETTE[i % PALETTE.length]!;
const trim = (v: number): string => String(Number(v.toPrecision(4)));

function histogramChart(
  name: string,
  what: string,
  input: SweepChartInput,
  pick: (c: SweepCombination) => readonly number[],
): ReportChart {
  const all = input.combinations.flatMap((c) => [...pick(c)]);
  const unit = unitFor(all);
  const maxU = maxOf(all) / unit.ms;
  const positive = all.filter((v) => v > 0);
  const minU = positive.reduce((a, v) => Math.min(a, v), Number.POSITIVE_INFINITY) / unit.ms;
  const step = niceStep(Number.isFinite(minU) ? (maxU - minU) / 15 || maxU / 15 : 1);
  // Bins start at the first occupied one: rollout durations rarely come near zero.
  const start = Number.isFinite(minU) ? Math.floor(minU / step) * step : 0;
  // Exactly zero (no downtime at all) is the answer people look for first: it gets a bin of its own.
  const zeroBin = all.some((v) => v === 0) ? 1 : 0;
  const bins = zeroBin + Math.max(1, Math.ceil((maxU - start) / step));
  const edge = (k: number): string => trim(start + k * step);
  const labels = Array.from({ length: bins }, (_, i) =>
    i < zeroBin ? '0' : `${edge(i - zeroBin)}–${edge(i - zeroBin + 1)}`,
  );
  const binOf = (v: number): number =>
    v === 0 && zeroBin === 1
      ? 0
      : Math.min(bins - 1, zeroBin + Math.max(0, Math.ceil((v / unit.ms - start) / step) - 1));
  const datasets: ChartDataset<'bar', number[]>[] = input.combinations.map((c, i) => {
    const counts = new Array<number>(bins).fill(0);
    for (const v of pick(c)) counts[binOf(v)]! += 1;
    return {
      label: c.label,
      data: counts,
      backgroundColor: rgba(color(i), 0.75),
      borderColor: color(i),
      borderWidth: 1,
    };
  });
  const title = `${what}: histogram over seeds`;
  return {
    name,
    title,
    caption: `How many runs fell in each ${what.toLowerCase()} bin, per setting combination.`,
    config: {
      type: 'bar',
      data: { labels, datasets },
      options: sweepOptions(title, `${what.toLowerCase()} (${unit.name})`, 'runs', false),
    },
  };
}

/** Empirical CDF as step points: (value, share of runs at or below it), starting from 0. */
function ecdf(values: readonly number[], unitMs: number): { x: number; y: number }[] {
  const sorted = [...values].sort((a, b) => a - b);
  const points: { x: number; y: number }[] = [{ x: 0, y: 0 }];
  sorted.forEach((v, i) => {
    const point = { x: v / unitMs, y: (100 * (i + 1)) / sorted.length };
    if (points.at(-1)!.x === point.x) points[points.length - 1] = point;
    else points.push(point);
  });
  return points;
}

function cdfChart(
  name: string,
  what: string,
  input: SweepChartInput,
  pick: (c: SweepCombination) => readonly number[],
): ReportChart {
  const unit = unitFor(input.combinations.flatMap((c) => [...pick(c)]));
  const datasets: ChartDataset<'line', { x: number; y: number }[]>[] = input.combinations.map((c, i) => ({
    label: c.label,
    data: ecdf(pick(c), unit.ms),
    borderColor: color(i),
    borderWidth: 2,
    stepped: 'after',
    fill: false,
  }));
  const title = `${what}: cumulative distribution`;
  const all = input.combinations.flatMap((c) => [...pick(c)]);
  // Every run at 0: a single point draws nothing, so draw the 100 % line across and say so.
  const allZero = all.length > 0 && all.every((v) => v === 0);
  if (allZero)
    for (const d of datasets)
      d.data = [
        { x: 0, y: 100 },
        { x: 1, y: 100 },
      ];
  const options = sweepOptions(title, `${what.toLowerCase()} (${unit.name})`, 'runs at or below (%)', true);
  return {
    name,
    title,
    caption: allZero
      ? `Every run had ${what.toLowerCase()} 0.`
      : `Share of runs with ${what.toLowerCase()} at or below each value; further left and higher is better.`,
    config: { type: 'line', data: { datasets }, options },
  };
}

function sweepOptions(
  title: string,
  xTitle: string,
  yTitle: string,
  linearX: boolean,
): ChartConfiguration['options'] {
  const font = { size: 13 };
  return {
    animation: false,
    responsive: false,
    interaction: { mode: 'nearest', intersect: false },
    elements: { point: { radius: 0, hitRadius: 4 } },
    layout: { padding: { left: 8, right: 16, top: 4, bottom: 4 } },
    plugins: {
      title: { display: true, text: title, font: { size: 18, weight: 'bold' } },
      legend: { position: 'top', labels: { font, boxWidth: 18, padding: 14 } },
    },
    scales: {
      x: linearX
        ? { type: 'linear', min: 0, title: { display: true, text: xTitle, font }, ticks: { font } }
        : { title: { display: true, text: xTitle, font }, ticks: { font } },
      y: {
        beginAtZero: true,
        ...(linearX ? { max: 100 } : {}),
        title: { display: true, text: yTitle, font },
        ticks: { font, precision: 0 },
      },
    },
  };
}

function rollbackRateChart(input: SweepChartInput): ReportChart {
  const combos = input.combinations;
  const pct = (v: number): number => Math.round(v * 10_000) / 100;
  const intervals = combos.map((c) => wilsonInterval(c.rolledBack, c.total));
  const datasets: ChartDataset<'bar', (number | [number, number])[]>[] = [
    {
      label: '95 % Wilson interval',
      data: intervals.map((w): [number, number] => [pct(w.low), pct(w.high)]),
      backgroundColor: '#222222',
      borderColor: '#222222',
      barThickness: 4,
      grouped: false,
      order: 0,
    },
    {
      label: 'rollback rate',
      data: combos.map((c) => (c.total > 0 ? pct(c.rolledBack / c.total) : 0)),
      backgroundColor: combos.map((_, i) => rgba(color(i), 0.75)),
      borderColor: combos.map((_, i) => color(i)),
      borderWidth: 1,
      grouped: false,
      order: 1,
    },
  ];
  const title = 'Rollback rate per setting combination';
  const options = sweepOptions(title, 'setting combination', 'runs rolled back (%)', false);
  return {
    name: 'rollback-rate',
    title,
    caption:
      'Share of runs in which an edit was rolled back; the black bar is the 95 % Wilson interval for that share.',
    config: { type: 'bar', data: { labels: combos.map((c) => c.label), datasets }, options },
  };
}

/** The sweep charts, in report order. PNG file names are `<name>.png`. */
export function sweepChartConfigs(input: SweepChartInput): ReportChart[] {
  const downtime = (c: SweepCombination): readonly number[] => c.downtimeMs;
  const duration = (c: SweepCombination): readonly number[] => c.durationMs;
  return [
    histogramChart('downtime-histogram', 'Downtime', input, downtime),
    cdfChart('downtime-cdf', 'Downtime', input, downtime),
    histogramChart('duration-histogram', 'Rollout duration', input, duration),
    cdfChart('duration-cdf', 'Rollout duration', input, duration),
    rollbackRateChart(input),
  ];
}

export function renderSweepPngs(input: SweepChartInput, size?: PngSize): { file: string; png: Buffer }[] {
  return sweepChartConfigs(input).map((c) => ({
    file: `${c.name}.png`,
    png: renderChartPng(c.config, size),
  }));
}

function sweepTable(input: SweepChartInput): string {
  const ms = (v: number): string => escapeHtml(Number.isNaN(v) ? '–' : formatHumanDurationMs(v));
  const rows = input.combinations.map((c) => {
    const w = wilsonInterval(c.rolledBack, c.total);
    const rate = c.total > 0 ? formatPercent((100 * c.rolledBack) / c.total) : '–';
    return `<tr><td>${escapeHtml(c.label)}</td><td class="num">${c.total}</td>
<td class="num">${escapeHtml(rate)} (${escapeHtml(formatPercent(100 * w.low))}–${escapeHtml(formatPercent(100 * w.high))})</td>
<td class="num">${ms(quantile(c.downtimeMs, 0.5))} / ${ms(quantile(c.downtimeMs, 0.95))} / ${ms(c.downtimeMs.length > 0 ? maxOf(c.downtimeMs) : Number.NaN)}</td>
<td class="num">${c.durationMs.length === 0 && c.noDurationText !== undefined ? escapeHtml(c.noDurationText) : `${ms(quantile(c.durationMs, 0.5))} / ${ms(quantile(c.durationMs, 0.95))}`}</td></tr>`;
  });
  return `<table><thead><tr><th>settings</th><th>runs</th><th>rolled back (95 % interval)</th>
<th>downtime p50 / p95 / max</th><th>rollout duration p50 / p95</th></tr></thead><tbody>${rows.join('\n')}</tbody></table>`;
}

/** A self-contained sweep page: the table per combination, then the interactive charts. */
export function sweepReportHtml(input: SweepChartInput, title: string, introHtml = ''): string {
  const charts = sweepChartConfigs(input);
  const body = `<h1>${escapeHtml(title)}</h1>
${introHtml}
<h2>Per setting combination</h2>
${sweepTable(input)}
<h2>Charts</h2>
${charts.map(chartFigureHtml).join('\n')}`;
  return selfContainedPage({ title, bodyHtml: body, charts });
}
