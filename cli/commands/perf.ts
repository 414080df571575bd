// `rollsim perf MODEL ACCELERATOR`: the capacity calculator. It runs the simulator's own serving model
// (the physics/ batch objects sim/serving.ts drives, built by sim/performance.ts) in a closed loop of N
// clients, deterministic, and prints time to first token, inter-token latency, end-to-end latency and
// throughput per concurrency, with the default cold start.
import type { Argv } from 'yargs';
import { BUILTIN_CATALOG, type Catalog } from '../../catalog/catalog.js';
import { DEFAULT_PLATFORM_LIMITS, type DeploymentSpec } from '../../catalog/spec.js';
import { validateEdit } from '../../engine/validate.js';
import { closedLoopBatch, closedLoopLlm, type LoadRow } from '../../physics/closed-loop.js';
import { maxConcurrency } from '../../physics/perf.js';
import { SCENARIO_DEFAULTS } from '../../scenario/normalize.js';
import { didYouMean } from '../../scenario/semantic.js';
import {
  coldStartOf,
  SERVICE_SIGMA,
  performanceOf,
  servingOf,
  TYPICAL_INPUT_TOKENS,
  TYPICAL_OUTPUT_TOKENS,
} from '../../sim/performance.js';
import { single } from '../flags.js';
import { EXIT, UsageError, type CliIo } from '../io.js';

export const command = 'perf <model> <accelerator>';
export const describe =
  "Latency and throughput of one instance at several concurrencies, from the simulator's serving model";

export interface PerfOptions {
  readonly model: string;
  readonly gpu: string;
  readonly count: number;
  readonly input: number | null;
  readonly output: number | null;
  readonly concurrency: readonly number[];
  readonly json: boolean;
}

export const DEFAULT_CONCURRENCY = [1, 8, 32] as const;
const MAX_TOKENS = 1_000_000;
const MAX_CONCURRENCY = 4096;

export function builder(y: Argv): Argv {
  return y
    .positional('model', { type: 'string', describe: 'A model id from the built-in catalog' })
    .positional('accelerator', { type: 'string', describe: 'GPU type and count as TYPExCOUNT, e.g. H100x2' })
    .option('input', {
      type: 'string',
      requiresArg: true,
      describe: `Prompt tokens per request (LLMs; default ${TYPICAL_INPUT_TOKENS})`,
    })
    .option('output', {
      type: 'string',
      requiresArg: true,
      describe: `Output tokens per request (LLMs; default ${TYPICAL_OUTPUT_TOKENS})`,
    })
    .option('concurrency', {
      type: 'string',
      requiresArg: true,
      describe: `Clients in the closed loop, comma-separated (default ${DEFAULT_CONCURRENCY.join(',')})`,
    })
    .option('json', { type: 'boolean', default: false, describe: 'Print JSON instead of a table' })
    .example('$0 perf llama-3.1-70b-fp8 H100x2 --input 5000 --output 500', 'A 70B FP8 instance on 2 H100s')
    .example('$0 perf llama-3.1-8b H100x1 --concurrency 1,32,128 --json', 'Machine-readable rows')
    .check((argv) => {
      toPerfOptions(argv);
      return true;
    });
}

function wholeNumber(value: unknown, flag: string, min: number, max: number): number {
  const raw = single(value, flag);
  const text = (typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw : '').trim();
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max)
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, got "${text}"`);
  return n;
}

export function toPerfOptions(argv: Record<string, unknown>): PerfOptions {
  const model = single(argv.model, 'MODEL');
  if (typeof model !== 'string' || model.trim() === '') throw new UsageError('perf needs a MODEL');
  const acc = single(argv.accelerator, 'ACCELERATOR');
  if (acc === undefined) throw new UsageError('perf needs an ACCELERATOR: TYPExCOUNT such as H100x2');
  const m = typeof acc === 'string' ? /^(.+?)(?:[x×](\d+))?$/.exec(acc.trim()) : null;
  if (m === null || m[1] === undefined)
    throw new UsageError(
      `ACCELERATOR must be TYPExCOUNT such as H100x2, got "${typeof acc === 'string' ? acc : JSON.stringify(acc)}"`,
    );
  const count = m[2] === undefined ? 1 : Number(m[2]);
  const concurrency =
    argv.concurrency === undefined
      ? [...DEFAULT_CONCURRENCY]
      : String(single(argv.concurrency, '--concurrency'))
          .split(',')
          .map((c) => wholeNumber(c, '--concurrency', 1, MAX_CONCURRENCY));
  return {
    model: model.trim(),
    gpu: m[1],
    count,
    input: argv.input === undefined ? null : wholeNumber(argv.input, '--input', 1, MAX_TOKENS),
    output: argv.output === undefined ? null : wholeNumber(argv.output, '--output', 1, MAX_TOKENS),
    concurrency,
    json: argv.json === true,
  };
}

export interface PerfReport {
  readonly model: string;
  readonly accelerator: { readonly type: string; readonly count: number };
  /** Null for models without tokens (speech, image, embeddings). */
  readonly inputTokens: number | null;
  readonly outputTokens: number | null;
  /** Requests one instance runs at once: the KV-cache / sequence bound, or the batch size. */
  readonly maxConcurrency: number;
  readonly coldStart: {
    readonly imagePullMs: number;
    readonly weightsMs: number;
    readonly engineStartMs: number;
    readonly totalMs: number;
  };
  readonly rows: readonly LoadRow[];
  /** Why --input/--output were ignored, when they were. */
  readonly note?: string;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;
const roundOrNull = (x: number | null): number | null => (x === null ? null : round3(x));

/** The validator's message, with "did you mean" for a mistyped model or GPU type ("A100": A100-80GB). */
function withHint(issue: { code: string; message: string }, o: PerfOptions, catalog: Catalog): string {
  const hint =
    issue.code === 'UNKNOWN_ACCELERATOR'
      ? didYouMean(o.gpu, Object.keys(catalog.gpus))
      : issue.code === 'UNKNOWN_MODEL'
        ? didYouMean(o.model, Object.keys(catalog.models))
        : '';
  return hint === '' ? issue.message : `${issue.message.replace(/\.$/, '')}${hint}`;
}

/** The report, or the validator's messages when the model or accelerator is not valid. */
export function perfReport(
  o: PerfOptions,
): { ok: true; report: PerfReport } | { ok: false; messages: string[] } {
  const catalog = BUILTIN_CATALOG;
  const spec: DeploymentSpec = {
    name: 'perf',
    cloud: 'perf',
    cluster: 'perf',
    processingType: 'sync',
    status: 'deployed',
    warmpool: false,
    model: o.model,
    accelerator: { type: o.gpu, count: o.count },
    scaling: { minInstances: 1, maxInstances: 1, metrics: [] },
    tags: {},
  };
  const v = validateEdit(
    spec,
    { model: o.model, accelerator: { type: o.gpu, count: o.count } },
    { catalog, limits: DEFAULT_PLATFORM_LIMITS, editInProgress: false },
  );
  if (!v.ok) return { ok: false, messages: v.issues.map((i) => withHint(i, o, catalog)) };
  const model = catalog.models[o.model]!;
  const gpu = catalog.gpus[o.gpu]!;
  const refGpu = catalog.gpus[model.reference.gpu]!;
  const s = servingOf(model, gpu, o.count, refGpu);
  if (!s.ok) return { ok: false, messages: [s.reason] };
  const cold = coldStartOf(performanceOf(model, gpu, o.count, refGpu), SCENARIO_DEFAULTS.coldStart, false);
  const base = {
    model: model.id,
    accelerator: { type: gpu.id, count: o.count },
  };
  if (s.serving.kind === 'llm') {
    const input = o.input ?? TYPICAL_INPUT_TOKENS;
    const output = o.output ?? TYPICAL_OUTPUT_TOKENS;
    const perf = s.serving.perf;
    const asked = `${input.toLocaleString('en-US')} input + ${output.toLocaleString('en-US')} output tokens`;
    // vLLM refuses a request longer than the model's context (max_model_len, by default the config's
    // max_position_embeddings) with a 400 before it is scheduled.
    if (input + output > perf.contextTokens)
      return {
        ok: false,
        messages: [
          `${asked} exceed the context of ${model.id} (${perf.contextTokens.toLocaleString('en-US')} tokens, prompt and output together); use fewer tokens`,
        ],
      };
    // vLLM refuses a request longer than the KV cache holds (max_model_len is capped by it at start-up);
    // the batch model would run it alone, so the figures would describe a request that never runs.
    if (input + output > perf.kvCapacityTokens)
      return {
        ok: false,
        messages: [
          `${asked} do not fit in the KV cache of ${model.id} on ${o.count}×${gpu.id} (${perf.kvCapacityTokens.toLocaleString('en-US')} tokens); use fewer tokens or a larger accelerator`,
        ],
      };
    const rows = o.concurrency.map((c) =>
      closedLoopLlm(perf, { concurrency: c, inputTokens: input, outputTokens: output }),
    );
    return {
      ok: true,
      report: {
        ...base,
        inputTokens: input,
        outputTokens: output,
        maxConcurrency: maxConcurrency(perf, input, output),
        coldStart: cold,
        rows: rows.map(roundRow),
      },
    };
  }
  const perf = s.serving.perf;
  const rows = o.concurrency.map((c) => closedLoopBatch(perf, c, undefined, SERVICE_SIGMA));
  const ignored = o.input !== null || o.output !== null;
  return {
    ok: true,
    report: {
      ...base,
      inputTokens: null,
      outputTokens: null,
      maxConcurrency: perf.maxBatch,
      coldStart: cold,
      rows: rows.map(roundRow),
      ...(ignored
        ? {
            note: `--input/--output do not apply: ${model.id} is a model of type ${model.type}, without tokens, served in fixed batches of up to ${perf.maxBatch}`,
          }
        : {}),
    },
  };
}

function roundRow(r: LoadRow): LoadRow {
  return {
    concurrency: r.concurrency,
    ttftMs: roundOrNull(r.ttftMs),
    itlMs: roundOrNull(r.itlMs),
    e2eMs: round3(r.e2eMs),
    outputTokPerSec: roundOrNull(r.outputTokPerSec),
    requestsPerSec: round3(r.requestsPerSec),
  };
}

function fmt(x: number | null, digits = 0): string {
  if (x === null) return '—';
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function formatPerfTable(r: PerfReport): string {
  const s = (ms: number): string => `${fmt(ms / 1000, 1)} s`;
  const lines = [
    `${r.model} on ${r.accelerator.count}× ${r.accelerator.type}` +
      (r.inputTokens === null
        ? ' (no tokens: fixed batches)'
        : `, ${fmt(r.inputTokens)} in / ${fmt(r.outputTokens)} out`),
    `max concurrency ${fmt(r.maxConcurrency)} · cold start ${s(r.coldStart.totalMs)} (image ${s(r.coldStart.imagePullMs)}, weights ${s(r.coldStart.weightsMs)}, engine ${s(r.coldStart.engineStartMs)}; defaults: image not cached, weights from a network volume)`,
    '',
  ];
  const header = ['concurrency', 'TTFT ms', 'ITL ms', 'e2e ms', 'output tok/s', 'req/s'];
  const body = r.rows.map((row) => [
    fmt(row.concurrency),
    fmt(row.ttftMs),
    fmt(row.itlMs, 1),
    fmt(row.e2eMs),
    fmt(row.outputTokPerSec),
    fmt(row.requestsPerSec, 2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
  lines.push(line(header), ...body.map(line));
  if (r.note !== undefined) lines.push('', `note: ${r.note}`);
  return `${lines.join('\n')}\n`;
}

export function handler(o: PerfOptions, io: CliIo): Promise<number> {
  const out = perfReport(o);
  if (!out.ok) {
    for (const m of out.messages) io.stderr(`rollsim perf: ${m}\n`);
    return Promise.resolve(EXIT.badInput);
  }
  if (out.report.note !== undefined && o.json) io.stderr(`rollsim perf: ${out.report.note}\n`);
  io.stdout(o.json ? `${JSON.stringify(out.report, null, 2)}\n` : formatPerfTable(out.report));
  return Promise.resolve(EXIT.ok);
}
