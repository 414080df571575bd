// Chart.js configurations for a run, defined once and used by both the PNG renderer and report.html
// so the two can never drift. Configurations are plain JSON (no functions): the page embeds them.
import type { ChartConfiguration, ChartDataset } from 'chart.js';
import { round3 } from '../result/metrics.js';
import type { EditResult, Marker, RunResult, TimelineSample } from '../result/result.js';
import { MARKER_PLUGIN_ID, type ChartMarker } from './chart-plugins.js';
import { editLabel } from './summary.js';

export type RunChartName = 'instances' | 'capacity' | 'latency' | 'gpus';

export interface ReportChart {
  /** Stable id: canvas id in the page, PNG file name without `.png`. */
  readonly name: string;
  readonly title: string;
  /** One sentence under the chart in the HTML report. */
  readonly caption: string;
  readonly config: ChartConfiguration;
}

type XY = { x: number; y: number | null };

/** Tableau 10: distinct, colour-blind-aware, one hue per revision. */
export const PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#59a14f',
  '#b07aa1',
  '#76b7b2',
  '#edc948',
  '#ff9da7',
  '#9c755f',
];
const STATE_ALPHA = { ready: 0.85, starting: 0.4, pending: 0.18, draining: 0.22 } as const;
const COLOR = {
  ink: '#222222',
  capacity: '#4e79a7',
  dropped: '#e15759',
  p50: '#4e79a7',
  p95: '#e15759',
  ttft: '#59a14f',
  deployment: '#4e79a7',
  tenants: '#8c8c8c',
  down: '#e15759',
  free: '#8cd17d',
  editRequested: '#555555',
  completed: '#2e7d32',
  rolledBack: '#c62828',
  rejected: '#8e24aa',
  inProgress: '#f9a825',
  backlog: '#b07aa1',
  fault: '#e65100',
} as const;

export function rgba(hex: string, alpha: number): string {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${alpha})`;
}

const minutes = (ms: number): number => round3(ms / 60_000);

function series(timeline: readonly TimelineSample[], pick: (s: TimelineSample) => number | null): XY[] {
  return timeline.map((s) => {
    const v = pick(s);
    return { x: minutes(s.tMs), y: v === null || !Number.isFinite(v) ? null : round3(v) };
  });
}

/** Most samples a chart draws; a longer timeline is thinned for display (result.json keeps every one). */
export const DISPLAY_SAMPLES_MAX = 1200;

/**
 * The samples a chart draws: all of them when there are few; else, per bucket of consecutive samples,
 * the ones holding each series' minimum and maximum (and a gap, if any), so no peak or dip disappears.
 * One set of samples for all of a chart's series, so stacked series stay aligned.
 */
export function displayTimeline(
  timeline: readonly TimelineSample[],
  picks: readonly ((s: TimelineSample) => number | null)[],
  max = DISPLAY_SAMPLES_MAX,
): readonly TimelineSample[] {
  if (timeline.length <= max || picks.length === 0) return timeline;
  const buckets = Math.max(1, Math.floor(max / 2));
  const size = timeline.length / buckets;
  const keep = new Set<number>([0, timeline.length - 1]);
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor(b * size);
    const to = Math.min(timeline.length, Math.floor((b + 1) * size));
    for (const pick of picks) {
      let lo = -1;
      let hi = -1;
      let gap = -1;
      for (let i = from; i < to; i++) {
        const v = pick(timeline[i]!);
        if (v === null || !Number.isFinite(v)) {
          if (gap < 0) gap = i;
          continue;
        }
        if (lo < 0 || v < pick(timeline[lo]!)!) lo = i;
        if (hi < 0 || v > pick(timeline[hi]!)!) hi = i;
      }
      for (const i of [lo, hi, gap]) if (i >= 0) keep.add(i);
    }
  }
  return [...keep].sort((a, b) => a - b).map((i) => timeline[i]!);
}

const allZero = (data: readonly XY[]): boolean => data.every((p) => p.y === null || p.y === 0);

/**
 * Label priorities when the label rows run out: an edit's outcome first, then requests, rollback starts
 * and downtime, then faults and monitoring windows.
 */
const OUTCOME_PRIORITY = 2;
const REQUEST_PRIORITY = 1;

function editMarkers(edit: EditResult): ChartMarker[] {
  const name = editLabel(edit);
  const requestColor = edit.kind === 'rollback' ? COLOR.rolledBack : COLOR.editRequested;
  const request: ChartMarker = {
    x: minutes(edit.requestedAtMs),
    label: name,
    color: requestColor,
    dash: [6, 4],
    priority: REQUEST_PRIORITY,
  };
  if (edit.outcome === 'inProgress') {
    const state = edit.replaced === undefined ? '' : `, ${edit.replaced.done}/${edit.replaced.of}`;
    return [
      request,
      {
        x: minutes(edit.endedAtMs),
        label: `${name} still ${edit.phase ?? 'in progress'}${state}`,
        color: COLOR.inProgress,
        dash: [2, 2],
        priority: OUTCOME_PRIORITY,
      },
    ];
  }
  // A rollback entry's outcome is the fate of the request: `completed` means accepted at the request (the
  // aborted edit then gets its own "rolled back" marker when the prior revision is back), not done.
  if (edit.kind === 'rollback' && edit.outcome === 'completed')
    return [{ ...request, label: `${name} accepted`, priority: OUTCOME_PRIORITY }];
  const end: ChartMarker =
    edit.outcome === 'completed'
      ? { x: minutes(edit.endedAtMs), label: `${name} done`, color: COLOR.completed, dash: [] }
      : edit.outcome === 'rolledBack'
        ? {
            x: minutes(edit.endedAtMs),
            label: `${name} rolled back${edit.reason === null ? '' : ` (${edit.reason})`}`,
            color: COLOR.rolledBack,
            dash: [],
          }
        : { x: minutes(edit.requestedAtMs), label: `${name} rejected`, color: COLOR.rejected, dash: [2, 3] };
  const outcome = { ...end, priority: OUTCOME_PRIORITY };
  if (edit.outcome === 'rejected' || edit.endedAtMs === edit.requestedAtMs) return [outcome];
  return [request, outcome];
}

function faultMarker(marker: Marker): ChartMarker {
  // The whole label (the simulator's are short); only a runaway one is shortened.
  const label = marker.label.length > 80 ? `${marker.label.slice(0, 79)}…` : marker.label;
  return { x: minutes(marker.tMs), label: label || 'fault', color: COLOR.fault, dash: [2, 3] };
}

/**
 * Where each rollback began: a rolled-back edit's own marker is at its end, when the prior revision is
 * back, often many minutes later. Left out where the two would be one line on the chart (under 1 % of
 * the run apart).
 */
function rollbackStartMarkers(result: RunResult): ChartMarker[] {
  const out: ChartMarker[] = [];
  for (const m of result.markers) {
    if (m.kind !== 'rollbackStarted') continue;
    const edit = result.edits.find(
      (e) => e.outcome === 'rolledBack' && e.requestedAtMs <= m.tMs && m.tMs <= e.endedAtMs,
    );
    if (edit !== undefined && edit.endedAtMs - m.tMs < result.simulatedMs / 100) continue;
    const label = edit === undefined ? m.label : `${editLabel(edit)} rolling back`;
    out.push({ x: minutes(m.tMs), label, color: COLOR.rolledBack, dash: [2, 3], priority: REQUEST_PRIORITY });
  }
  return out;
}

/**
 * The monitoring window of an edit whose instances were all replaced: from the last replacement (the
 * end of its rollout duration) to its outcome or the end of the run.
 */
function monitoringBand(edit: EditResult): ChartMarker[] {
  if (edit.rolloutDurationMs === null || edit.kind !== 'edit') return [];
  const from = edit.requestedAtMs + edit.rolloutDurationMs;
  if (edit.endedAtMs <= from) return [];
  const label = `${editLabel(edit)} monitoring`;
  return [
    {
      x: minutes(from),
      toX: minutes(edit.endedAtMs),
      label,
      color: COLOR.completed,
      dash: [],
      fill: rgba(COLOR.completed, 0.08),
    },
  ];
}

/** Intervals with demand and no ready instance, by sample (the downtime metric's definition). */
export function downtimeBands(result: RunResult): ChartMarker[] {
  const bands: ChartMarker[] = [];
  let start: number | null = null;
  const t = result.timeline;
  t.forEach((s, i) => {
    const ready = Object.values(s.instances).reduce((a, c) => a + c.ready, 0);
    const down = ready === 0 && (s.offeredRps > 0 || s.queue > 0);
    if (down && start === null) start = s.tMs;
    const endMs = t[i + 1]?.tMs ?? result.simulatedMs;
    if (start !== null && (!down || i === t.length - 1)) {
      const to = down ? endMs : s.tMs;
      bands.push({
        x: minutes(start),
        toX: minutes(to),
        label: 'down',
        color: COLOR.down,
        dash: [],
        fill: rgba(COLOR.down, 0.14),
        priority: REQUEST_PRIORITY,
      });
      start = null;
    }
  });
  return bands;
}

/** Edits (request, rollback start and end), faults and downtime, in time order; other markers live in the event timeline. */
export function chartMarkers(result: RunResult): ChartMarker[] {
  const marks = [
    ...downtimeBands(result),
    ...result.edits.flatMap(editMarkers),
    ...result.markers.filter((m) => m.kind === 'fault').map(faultMarker),
    ...rollbackStartMarkers(result),
  ];
  return marks.sort((a, b) => a.x - b.x);
}

interface AxisTitles {
  readonly title: string;
  readonly y: string;
  readonly stacked: boolean;
  /** Marks for this chart only (the instances chart's monitoring windows). */
  readonly extraMarkers?: readonly ChartMarker[];
}

function timeOptions(result: RunResult, axes: AxisTitles): ChartConfiguration['options'] {
  const font = { size: 13 };
  return {
    animation: false,
    responsive: false,
    normalized: true,
    interaction: { mode: 'index', intersect: false },
    elements: { point: { radius: 0, hitRadius: 4 }, line: { borderWidth: 2 } },
    layout: { padding: { left: 8, right: 16, top: 4, bottom: 4 } },
    plugins: {
      title: {
        display: true,
        text: axes.title,
        font: { size: 18, weight: 'bold' },
        padding: { top: 6, bottom: 2 },
      },
      // A PNG travels alone (PR comments, chat): say which run it shows.
      subtitle: {
        display: true,
        text: `${result.scenario} · seed ${result.seed}`,
        font,
        padding: { bottom: 4 },
      },
      legend: { position: 'top', labels: { font, boxWidth: 18, padding: 14 } },
      [MARKER_PLUGIN_ID]: {
        markers: [...chartMarkers(result), ...(axes.extraMarkers ?? [])].sort((a, b) => a.x - b.x),
      },
    },
    scales: {
      x: {
        type: 'linear',
        min: 0,
        max: minutes(result.simulatedMs),
        title: { display: true, text: 'time (min)', font },
        ticks: { font },
      },
      y: {
        stacked: axes.stacked,
        beginAtZero: true,
        // Headroom so the marker labels at the top do not sit on the data.
        grace: '8%',
        title: { display: true, text: axes.y, font },
        ticks: { font, precision: 0 },
      },
    },
  };
}

function revisionKeys(timeline: readonly TimelineSample[]): string[] {
  const keys = new Set<string>();
  for (const s of timeline) for (const k of Object.keys(s.instances)) keys.add(k);
  const num = (k: string): number => Number(k.replace(/^\D+/, '')) || 0;
  return [...keys].sort((a, b) => num(a) - num(b) || a.localeCompare(b));
}

function revisionColor(key: string, order: readonly string[]): string {
  const n = Number(key.replace(/^\D+/, ''));
  const index = Number.isInteger(n) && n > 0 ? n - 1 : order.indexOf(key);
  return PALETTE[index % PALETTE.length] ?? PALETTE[0]!;
}

const STATES = ['ready', 'starting', 'pending', 'draining'] as const;

function instancesChart(result: RunResult): ReportChart {
  const revs = revisionKeys(result.timeline);
  const timeline = displayTimeline(result.timeline, [
    (s) => s.desired,
    ...STATES.flatMap((state) => revs.map((rev) => (s: TimelineSample) => s.instances[rev]?.[state] ?? 0)),
  ]);
  const datasets: ChartDataset<'line', XY[]>[] = [
    {
      label: 'desired',
      data: series(timeline, (s) => s.desired),
      borderColor: COLOR.ink,
      borderDash: [7, 5],
      borderWidth: 2,
      fill: false,
      stack: 'desired',
    },
  ];
  for (const state of STATES) {
    for (const rev of revs) {
      const data = series(timeline, (s) => s.instances[rev]?.[state] ?? 0);
      if (allZero(data)) continue;
      const color = revisionColor(rev, revs);
      datasets.push({
        label: `${rev.replace(/^rev/, 'rev ')} ${state}`,
        data,
        borderColor: color,
        backgroundColor: rgba(color, STATE_ALPHA[state]),
        borderWidth: state === 'ready' ? 1.5 : 1,
        borderDash: state === 'draining' ? [4, 3] : state === 'pending' ? [1, 2] : [],
        // Fill down to the series below, never chart.js's `fill: 'stack'`: that also counts the
        // unstacked `desired` line as "below" and paints wrong bands. Samples are joined by straight
        // lines, not steps, because filling between stepped lines leaves gaps in chart.js 4.
        fill: datasets.length === 1 ? 'origin' : '-1',
        stack: 'instances',
      });
    }
  }
  return {
    name: 'instances',
    title: 'Instances by revision and state',
    caption:
      'Stacked: ready instances at the bottom, then starting (has its GPUs, loading), then pending (waiting for a GPU or a node), then draining; one colour per revision. The dashed black line is the desired count.',
    config: {
      type: 'line',
      data: { datasets },
      options: timeOptions(result, {
        title: 'Instances by revision and state',
        y: 'instances',
        stacked: true,
        extraMarkers: result.edits.flatMap(monitoringBand),
      }),
    },
  };
}

function capacityChart(result: RunResult): ReportChart {
  const timeline = displayTimeline(result.timeline, [
    (s) => s.offeredRps,
    (s) => s.capacityRps,
    (s) => s.droppedRps,
  ]);
  const datasets: ChartDataset<'line', XY[]>[] = [
    {
      label: 'offered load',
      data: series(timeline, (s) => s.offeredRps),
      borderColor: COLOR.ink,
      borderWidth: 2,
      fill: false,
    },
    {
      label: 'ready capacity',
      data: series(timeline, (s) => s.capacityRps),
      borderColor: COLOR.capacity,
      backgroundColor: rgba(COLOR.capacity, 0.15),
      borderWidth: 2.5,
      fill: 'origin',
    },
    {
      label: 'dropped',
      data: series(timeline, (s) => s.droppedRps),
      borderColor: COLOR.dropped,
      backgroundColor: rgba(COLOR.dropped, 0.55),
      borderWidth: 1.5,
      fill: 'origin',
    },
  ];
  const title = 'Capacity vs offered load';
  return {
    name: 'capacity',
    title,
    caption:
      'Requests per second the ready instances can serve, the load offered to them, and requests dropped.',
    config: {
      type: 'line',
      data: { datasets },
      options: timeOptions(result, { title, y: 'requests/s', stacked: false }),
    },
  };
}

function latencyChart(result: RunResult): ReportChart {
  const maxMs = result.timeline.reduce((a, s) => (Number.isFinite(s.p95Ms) && s.p95Ms > a ? s.p95Ms : a), 0);
  const inSeconds = maxMs >= 2000;
  const scale = inSeconds ? 1 / 1000 : 1;
  // Nothing served means no latency to show: a gap says that better than a zero.
  const pick = (v: number, s: TimelineSample): number | null => (s.servedRps > 0 ? v * scale : null);
  const timeline = displayTimeline(result.timeline, [(s) => pick(s.p50Ms, s), (s) => pick(s.p95Ms, s)]);
  const datasets: ChartDataset<'line', XY[]>[] = [
    {
      label: 'p50',
      data: series(timeline, (s) => pick(s.p50Ms, s)),
      borderColor: COLOR.p50,
      borderWidth: 1.5,
      fill: false,
    },
    {
      label: 'p95',
      data: series(timeline, (s) => pick(s.p95Ms, s)),
      borderColor: COLOR.p95,
      borderWidth: 1.5,
      fill: false,
    },
  ];
  // Token-aware (LLM) runs: time to first token, what a chat user waits for before text appears.
  const hasTtft = result.timeline.some((s) => typeof s.ttftP95Ms === 'number');
  if (hasTtft) {
    datasets.push({
      label: 'time to first token p95',
      data: series(result.timeline, (s) =>
        typeof s.ttftP95Ms === 'number' && s.servedRps > 0 ? s.ttftP95Ms * scale : null,
      ),
      borderColor: COLOR.ttft,
      borderWidth: 1.5,
      borderDash: [4, 3],
      fill: false,
    });
  }
  const title = hasTtft ? 'Latency p50 / p95, time to first token p95' : 'Latency p50 / p95';
  const options = timeOptions(result, {
    title,
    y: inSeconds ? 'latency (s)' : 'latency (ms)',
    stacked: false,
  });
  return {
    name: 'latency',
    title,
    caption:
      'Request latency percentiles per sampling interval (and, for LLMs, the p95 time to first token); gaps are intervals in which nothing was served.',
    config: { type: 'line', data: { datasets }, options },
  };
}

function poolNames(timeline: readonly TimelineSample[]): string[] {
  const names = new Set<string>();
  for (const s of timeline) for (const k of Object.keys(s.pools)) names.add(k);
  return [...names];
}

/** One chart per pool: a GPU type's pool never shares an axis with another's. */
function gpusCharts(result: RunResult): ReportChart[] {
  const pools = poolNames(result.timeline);
  if (pools.length <= 1) return [gpusChart(result, pools, 'gpus')];
  return pools.map((pool) => gpusChart(result, [pool], `gpus-${fileSafe(pool)}`));
}

/** A pool name as part of a file name: letters, digits, `-` and `_` only. */
function fileSafe(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 60) || 'pool';
}

function gpusChart(result: RunResult, pools: readonly string[], name: string): ReportChart {
  const parts = [
    ['deployment', 'this deployment', COLOR.deployment, 0.85],
    ['tenants', 'other tenants', COLOR.tenants, 0.6],
    ['down', 'down', COLOR.down, 0.7],
    ['free', 'free', COLOR.free, 0.45],
  ] as const;
  const datasets: ChartDataset<'line', XY[]>[] = [];
  const timeline = displayTimeline(
    result.timeline,
    pools.flatMap((pool) =>
      parts.map(
        ([key]) =>
          (s: TimelineSample) =>
            s.pools[pool]?.[key] ?? 0,
      ),
    ),
  );
  pools.forEach((pool, i) => {
    for (const [key, label, color, alpha] of parts) {
      const data = series(timeline, (s) => s.pools[pool]?.[key] ?? 0);
      if (key === 'down' && allZero(data)) continue;
      datasets.push({
        label: pools.length > 1 ? `${pool}: ${label}` : label,
        data,
        borderColor: color,
        backgroundColor: rgba(color, alpha / (1 + i * 0.6)),
        borderWidth: 1,
        borderDash: i % 2 === 1 ? [5, 3] : [],
        fill: datasets.length === 0 ? 'origin' : '-1', // see instancesChart
        stack: 'gpus',
      });
    }
  });
  const title = pools.length === 1 ? `GPUs in pool ${pools[0]}` : 'GPUs';
  return {
    name,
    title,
    caption:
      'GPUs held by this deployment, by other tenants, free, and down (failed), stacked; one chart per pool.',
    config: {
      type: 'line',
      data: { datasets },
      options: timeOptions(result, { title, y: 'GPUs', stacked: true }),
    },
  };
}

/** Async deployments: the queue of requests waiting for an instance, over time. */
function backlogChart(result: RunResult): ReportChart {
  const title = 'Async backlog';
  const datasets: ChartDataset<'line', XY[]>[] = [
    {
      label: 'requests queued',
      data: series(displayTimeline(result.timeline, [(s) => s.queue]), (s) => s.queue),
      borderColor: COLOR.backlog,
      backgroundColor: rgba(COLOR.backlog, 0.25),
      borderWidth: 2,
      fill: 'origin',
    },
  ];
  return {
    name: 'backlog',
    title,
    caption: `Requests waiting in the queue at each sample (peak ${result.metrics.peakBacklog}).`,
    config: {
      type: 'line',
      data: { datasets },
      options: timeOptions(result, { title, y: 'requests queued', stacked: false }),
    },
  };
}

/** The run charts, in report order: instances, capacity, latency, the async backlog, then GPUs per pool. */
export function chartConfigs(result: RunResult): ReportChart[] {
  const async = result.final.spec.processingType === 'async';
  return [
    instancesChart(result),
    capacityChart(result),
    latencyChart(result),
    ...(async ? [backlogChart(result)] : []),
    ...gpusCharts(result),
  ];
}
