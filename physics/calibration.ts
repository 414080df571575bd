// Runs the model on every published point and renders docs/calibration.md. Pure: takes the CSV text.
import { POINTS, type LlmPoint, type Role } from './calibration-points.js';
import { closedLoopLlm, type LoadRow } from './closed-loop.js';
import { FIT_NOTE, SERVING_CONSTANTS, type ServingConstants } from './constants.js';
import { parseCsv } from './csv.js';
import { GPU_PHYSICS, LLM_ARCH } from './hardware.js';
import { ENGINES, llmPerf, maxConcurrency } from './perf.js';

export interface EvaluatedPoint {
  readonly id: string;
  readonly role: Role;
  readonly config: string;
  readonly metric: string;
  readonly published: number | null;
  readonly model: number | null;
  readonly ratio: number | null;
  readonly note: string;
}

/** A published value as a number: ranges give their midpoint, "~x" gives x, bounds give null. */
export function publishedValue(text: string): number | null {
  const t = text.trim().replace(/^~/, '');
  const range = /^([\d.]+)\s*-\s*([\d.]+)$/.exec(t);
  if (range) return (Number(range[1]) + Number(range[2])) / 2;
  if (/^[<>]/.test(t) || t === '') return null;
  const x = Number(t);
  return Number.isFinite(x) ? x : null;
}

function llmConfig(p: LlmPoint): string {
  const c = p.concurrency === 'saturated' ? 'saturated' : `c=${p.concurrency}`;
  const input = p.counted ? `${p.input} (${p.counted.servedInput} served)` : `${p.input}`;
  return `${p.arch}, ${p.gpu}×${p.count}, ${p.engine}, ${input}/${p.output}, ${c}`;
}

function llmRow(p: LlmPoint, constants: ServingConstants, cache: Map<string, LoadRow>): LoadRow {
  const key = llmConfig(p);
  const hit = cache.get(key);
  if (hit) return hit;
  const arch = LLM_ARCH[p.arch];
  const gpu = GPU_PHYSICS[p.gpu];
  if (!arch || !gpu) throw new Error(`calibration point uses unknown ${arch ? 'GPU' : 'model'}: ${key}`);
  const r = llmPerf({ arch, gpu, gpuCount: p.count, engine: ENGINES[p.engine], constants });
  if (!r.ok) throw new Error(`calibration point does not fit: ${key}: ${r.reason}`);
  const input = p.counted?.servedInput ?? p.input;
  const n = p.concurrency === 'saturated' ? 2 * maxConcurrency(r.perf, input, p.output) : p.concurrency;
  const row = closedLoopLlm(r.perf, { concurrency: n, inputTokens: input, outputTokens: p.output });
  cache.set(key, row);
  return row;
}

function llmMetric(p: LlmPoint, row: LoadRow, metric: string): number | null {
  if (metric === 'ttft_ms') return row.ttftMs;
  if (metric === 'itl_ms') return row.itlMs;
  if (metric === 'output_tok_per_s') {
    // In the benchmark's own token count when it counted with another tokenizer.
    const perServed = p.counted?.outputPerServed ?? 1;
    return row.outputTokPerSec === null ? null : row.outputTokPerSec * perServed;
  }
  return null;
}

/** Every CSV row with the model's figure (null where not compared) and the ratio model ÷ published. */
export function evaluatePoints(
  csvText: string,
  constants: ServingConstants = SERVING_CONSTANTS,
): EvaluatedPoint[] {
  const rows = parseCsv(csvText);
  const byId = new Map(rows.map((r) => [r.id ?? '', r]));
  const cache = new Map<string, LoadRow>();
  return rows.map((r): EvaluatedPoint => {
    const id = r.id ?? '';
    const metric = r.metric ?? '';
    const spec = POINTS[id];
    if (!spec) throw new Error(`calibration: CSV row ${id} has no entry in physics/calibration-points.ts`);
    let published = publishedValue(r.value ?? '');
    if (spec.kind === 'none') {
      return {
        id,
        role: 'none',
        config: spec.config,
        metric,
        published,
        model: null,
        ratio: null,
        note: spec.reason,
      };
    }
    let model: number | null;
    let config: string;
    if (spec.kind === 'llm') {
      config = llmConfig(spec);
      model = llmMetric(spec, llmRow(spec, constants, cache), metric);
    } else {
      config = spec.config;
      model = spec.model();
      for (const other of spec.plus ?? []) {
        const v = publishedValue(byId.get(other)?.value ?? '');
        published = published === null || v === null ? null : published + v;
      }
    }
    const ratio = model !== null && published !== null && published > 0 ? model / published : null;
    return { id, role: spec.role, config, metric, published, model, ratio, note: spec.note };
  });
}

/** Fit points of the serving metrics (TTFT, ITL, throughput): the ones the ±25 % target applies to. */
export function servingFitPoints(points: readonly EvaluatedPoint[]): EvaluatedPoint[] {
  return points.filter(
    (p) =>
      p.role === 'fit' &&
      (p.metric === 'ttft_ms' || p.metric === 'itl_ms' || p.metric === 'output_tok_per_s'),
  );
}

/** Sum of squared log ratios over the fit points (what the fit minimises). */
export function fitLoss(points: readonly EvaluatedPoint[]): number {
  let loss = 0;
  for (const p of servingFitPoints(points)) {
    const r = p.ratio ?? 1e-6;
    loss += Math.log(r) ** 2;
  }
  return loss;
}

function fmt(x: number | null): string {
  if (x === null) return '—';
  if (x >= 100) return Math.round(x).toLocaleString('en-US');
  if (x >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

function verdict(p: EvaluatedPoint): string {
  if (p.ratio === null) return p.role === 'none' ? 'not compared' : '—';
  return Math.abs(p.ratio - 1) <= 0.25 ? 'within ±25 %' : 'miss';
}

/** The markdown of docs/calibration.md. */
export function renderCalibration(points: readonly EvaluatedPoint[], constants: ServingConstants): string {
  const fit = servingFitPoints(points);
  const inside = fit.filter((p) => p.ratio !== null && Math.abs(p.ratio - 1) <= 0.25);
  const checks = points.filter((p) => p.role === 'check' && p.ratio !== null);
  const checksInside = checks.filter((p) => Math.abs(p.ratio! - 1) <= 0.25);
  const tp = (t: Readonly<Record<number, number>>): string =>
    Object.entries(t)
      .map(([k, v]) => `TP${k} ${v}`)
      .join(', ');
  const lines = [
    '# Serving physics: calibration against published measurements',
    '',
    'Generated by `npx tsx tools/calibration-table.ts` from `physics/data/perf-calibration.csv` (a copy of',
    '`../shared/data/perf-calibration.csv`; sources in `../shared/data/PERF-SOURCES.md`). Do not edit by hand:',
    '`test/physics-calibration.test.ts` fails when this file is not what the script writes.',
    '',
    'Each LLM point runs the serving model itself (physics/batch.ts) in a closed loop of N clients with the',
    "point's fixed input/output lengths; `saturated` means twice the instance's maximum concurrency (offline,",
    'infinite-rate benchmarks). Roles: **fit** — the constants were fitted to it; **check** — compared, not',
    'fitted; **none** — not comparable, with the reason.',
    '',
    '## Fitted constants (physics/constants.ts)',
    '',
    `- memory-bandwidth efficiency ${constants.memEfficiency}; dense-compute efficiency 16-bit ${constants.computeEfficiency16}, FP8 ${constants.computeEfficiencyFp8}`,
    `- step overhead ${constants.stepOverheadMs} ms, plus ${constants.allReduceMsPerLayerNvlink} ms per layer for tensor-parallel all-reduces over NVLink (PCIe, assumed: ${constants.allReduceMsPerLayerPcie})`,
    `- tensor-parallel efficiency over NVLink: ${tp(constants.tpEfficiencyNvlink)} (PCIe, assumed: ${tp(constants.tpEfficiencyPcie)})`,
    '',
    FIT_NOTE,
    '',
    '## Summary',
    '',
    `- Fit points (TTFT, ITL, throughput): ${inside.length} of ${fit.length} within ±25 %.`,
    `- Check points with a figure: ${checksInside.length} of ${checks.length} within ±25 %.`,
    `- Not compared: ${points.filter((p) => p.role === 'none').length} of ${points.length} rows.`,
    '',
    '## Every point',
    '',
    '| id | role | configuration | metric | published | rollsim | ratio | verdict | note |',
    '|---|---|---|---|---:|---:|---:|---|---|',
  ];
  for (const p of points) {
    const ratio = p.ratio === null ? '—' : p.ratio.toFixed(2);
    const note = p.note.replace(/\|/g, '\\|');
    lines.push(
      `| ${p.id} | ${p.role} | ${p.config} | ${p.metric} | ${fmt(p.published)} | ${fmt(p.model)} | ${ratio} | ${verdict(p)} | ${note} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}
