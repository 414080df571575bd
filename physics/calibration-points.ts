// How each published point in physics/data/perf-calibration.csv maps onto the model: the configuration it
// was measured on, whether the constants were fitted to it (`fit`), only compared (`check`), or cannot be
// compared (`none`, with the reason). Every row of the CSV has an entry; a test keeps it so.
import { coldStart, VLLM_ENGINE_START, type ColdStartInput } from './cold-start.js';
import { GPU_PHYSICS } from './hardware.js';
import { batchPerf, type EngineId } from './perf.js';

export type Role = 'fit' | 'check' | 'none';

export interface LlmPoint {
  readonly kind: 'llm';
  readonly role: Exclude<Role, 'none'>;
  readonly arch: string;
  readonly gpu: string;
  readonly count: number;
  readonly engine: EngineId;
  /** Prompt and output tokens as the source states them. */
  readonly input: number;
  readonly output: number;
  /**
   * When the benchmark counted tokens with another tokenizer than the served model's: the prompt the
   * server really saw, and the benchmark's output count per served output token (its throughput unit).
   */
  readonly counted?: { readonly servedInput: number; readonly outputPerServed: number };
  /** Closed-loop clients, or 'saturated' (offline / infinite rate: twice the instance's max concurrency). */
  readonly concurrency: number | 'saturated';
  readonly note: string;
}

export interface ValuePoint {
  readonly kind: 'value';
  readonly role: Exclude<Role, 'none'>;
  readonly config: string;
  /** The model's figure in the CSV row's unit. */
  readonly model: () => number;
  /** Other rows whose published values are added to this row's (phases the model merges). */
  readonly plus?: readonly string[];
  readonly note: string;
}

export interface NonePoint {
  readonly kind: 'none';
  readonly config: string;
  readonly reason: string;
}

export type PointSpec = LlmPoint | ValuePoint | NonePoint;

const NIM_70B = (concurrency: number, note = ''): LlmPoint => ({
  kind: 'llm',
  role: 'fit',
  arch: 'llama-3.1-70b-fp8',
  gpu: 'H100',
  count: 2,
  engine: 'trtllm',
  input: 5000,
  output: 500,
  concurrency,
  note: note || 'NIM 1.8.0 (TensorRT-LLM); Llama 3.3 70B has the Llama 3.1 70B shape',
});

/**
 * llmperf (token_benchmark_ray.py, utils.py) builds its prompts from lines of its sonnet.txt and counts
 * tokens with the Llama 2 tokenizer (hf-internal-testing/llama-tokenizer), one line at a time with a BOS
 * token each; the server counts Llama 3 tokens. Replaying llmperf's prompt builder on its sonnet.txt with
 * both tokenizers (tools/llmperf-prompt-tokens.mjs: 2,000 prompts of 550 counted tokens, stddev 0 as the
 * benchmark's scripts/benchmark.py runs it) gives 429.0 Llama 3 tokens of text, plus 15 of the Llama 3
 * chat template with an empty system message: 444 served prompt tokens. The output
 * is `max_tokens` 150 served tokens, which llmperf counts as 177.43 (its own results CSV,
 * mean_output_token_length; the sonnet gives 1.19 Llama 2 tokens per Llama 3 token), and its throughput is
 * in those counted tokens.
 */
const LLMPERF_COUNTED = { servedInput: 444, outputPerServed: 177.43 / 150 };

const A10G_VLLM = (concurrency: number, role: 'fit' | 'check' = 'fit', note = ''): LlmPoint => ({
  kind: 'llm',
  role,
  arch: 'llama-3.1-8b',
  gpu: 'A10G',
  count: 1,
  engine: 'vllm-0.4',
  input: 550,
  output: 150,
  counted: LLMPERF_COUNTED,
  concurrency,
  note:
    note ||
    'vLLM 0.4.3 (no chunked prefill); llmperf with stddev 0; 550 llmperf-counted prompt tokens are 444 served, its tok/s counts 1.18 per served token',
});

const A10G_CLIENT =
  "llmperf's throughput counts its client's time between requests: its qpm against its e2e leaves 3.3 s (34 %) of each client cycle at c=16 outside the server, or 2.2 s (23 %) if this run's llmperf divided its ITL by the Llama 2 output count (177) rather than by the streamed chunks (152), as llmperf did before Dec 2024 (e2e = ITL × that count); the serving model has no part of that time. At c=1 and c=4 the share is 2-19 % by either reading, and those points stay fitted. Compared only";

const A10G_C64 =
  'source flags c=64: throughput 301 tok/s is far below 64 ÷ ITL, so fewer requests were really in flight; compared only';

const TRT = (
  arch: string,
  gpu: string,
  count: number,
  input: number,
  output: number,
  note = '',
  role: 'fit' | 'check' = 'fit',
): LlmPoint => ({
  kind: 'llm',
  role,
  arch,
  gpu,
  count,
  engine: 'trtllm',
  input,
  output,
  concurrency: 'saturated',
  note: note || 'trtllm-bench max throughput, fixed lengths',
});

const NEMOTRON = (concurrency: number | 'saturated', note: string): LlmPoint => ({
  kind: 'llm',
  role: 'check',
  arch: 'nemotron-super-49b-fp8',
  gpu: 'B200',
  count: 1,
  engine: 'vllm',
  input: 2048,
  output: 512,
  concurrency,
  note: `NAS-pruned model, KV layers not verified; ${note}`,
});

const LAMBDA = (arch: string, gpu: string): LlmPoint => ({
  kind: 'llm',
  role: 'check',
  arch,
  gpu,
  count: 1,
  engine: 'vllm',
  input: 256,
  output: 256,
  concurrency: 320,
  note: 'ShareGPT lengths vary (long tail); modelled as 320 clients of 256 in / 256 out, so only the H100 : A100 ratio is meaningful',
});

const B200_FP4 =
  'the only FP4 and the only B200 throughput points: fitted, they would set FP4 and TP4 behaviour from one engine release; MLPerf v4.1 on one B200 (P072, Llama-2-70B) reached 11,264 tok/s, near the model, so they are compared only';

const MLPERF =
  'MLPerf llama2-70b: variable OpenOrca lengths, and the logs state neither precision nor the TP layout of the 8 GPUs';
const NANO =
  'Nemotron-Nano-30B-A3B is a hybrid Mamba-Transformer MoE; the dense-transformer model does not apply';

const cold = (
  over: Partial<ColdStartInput> & Pick<ColdStartInput, 'weightsGB'>,
): ReturnType<typeof coldStart> =>
  coldStart({ imageGB: 0, imageCached: true, compileCacheWarm: false, ...over });

const LLAMA8_GB = 16.06;
const LLAMA3_8_GB = 15.0; // single safetensors file in the Run:ai benchmark
const E = VLLM_ENGINE_START;

function valuePoint(
  role: 'fit' | 'check',
  config: string,
  model: () => number,
  note: string,
  plus?: string[],
): ValuePoint {
  return plus === undefined
    ? { kind: 'value', role, config, model, note }
    : { kind: 'value', role, config, model, note, plus };
}

const none = (config: string, reason: string): NonePoint => ({ kind: 'none', config, reason });

/** Whisper large-v3: 150 one-minute clips at batch 24 on A100 (P114), from the catalog's L4 figure of 4.8 s. */
function whisperBatchMs(): number {
  const perf = batchPerf({
    referenceMs: 4800,
    referenceGpu: GPU_PHYSICS.L4!,
    referenceCount: 1,
    gpu: GPU_PHYSICS['A100-80GB']!,
    gpuCount: 1,
    maxBatch: 24,
  });
  const batches = Math.ceil(150 / 24);
  let total = 0;
  for (let b = 0; b < batches; b++) {
    const n = Math.min(24, 150 - b * 24);
    total += perf.singleMs * (perf.sharedFraction + (1 - perf.sharedFraction) * n);
  }
  return total;
}

export const POINTS: Readonly<Record<string, PointSpec>> = {
  P001: NIM_70B(1),
  P002: NIM_70B(1),
  P003: NIM_70B(1),
  P004: NIM_70B(5),
  P005: NIM_70B(5),
  P006: NIM_70B(5),
  P007: NIM_70B(25),
  P008: NIM_70B(25),
  P009: NIM_70B(25),
  P010: NIM_70B(50),
  P011: NIM_70B(50),
  P012: NIM_70B(50),
  P013: NIM_70B(100),
  P014: NIM_70B(100),
  P015: NIM_70B(100),
  P016: NIM_70B(250),
  P017: NIM_70B(250),
  P018: NIM_70B(250),
  P019: A10G_VLLM(1),
  P020: A10G_VLLM(1),
  P021: A10G_VLLM(1),
  P022: A10G_VLLM(4),
  P023: A10G_VLLM(4),
  P024: A10G_VLLM(4),
  P025: A10G_VLLM(
    16,
    'check',
    "the model's closed loop spreads its clients evenly, so a prompt never waits behind another; the source's TTFT rises 137 → 171 → 249 → 303 ms from c=1 to c=16 (prompts arriving together, prefilled together), with arrival phases set by llmperf's client, which spent 23-34 % of each cycle outside the server at c=16 (P026). Not the scheduler: with vLLM 0.4's prefill-only steps modelled, c=16 still gives 153 ms. Compared only: fitted, it alone pulled the 16-bit compute efficiency from 0.68 to 0.556 (tools/calibration-table.ts --fit, under the step rule before GEMMs and attention were costed apart), which P019 and P022 then missed",
  ),
  P026: A10G_VLLM(16, 'check', A10G_CLIENT),
  P027: A10G_VLLM(16),
  P028: A10G_VLLM(64, 'check', A10G_C64),
  P029: A10G_VLLM(64, 'check', A10G_C64),
  P030: A10G_VLLM(64, 'check', A10G_C64),
  P031: { ...A10G_VLLM(64, 'check', `NIM 1.0.0 (TensorRT-LLM fp16); ${A10G_C64}`), engine: 'trtllm' },
  P032: { ...A10G_VLLM(64, 'check', `NIM 1.0.0 (TensorRT-LLM fp16); ${A10G_C64}`), engine: 'trtllm' },
  P033: NEMOTRON(1, 'vLLM 0.16.0, ~50 prompts per level'),
  P034: NEMOTRON(1, 'vLLM 0.16.0, ~50 prompts per level'),
  P035: NEMOTRON(1, 'vLLM 0.16.0; TPOT'),
  P036: NEMOTRON(8, 'vLLM 0.16.0'),
  P037: NEMOTRON(8, 'published TTFT at c=8 (71 ms) is below c=1 (170 ms): warm-up in the c=1 run?'),
  P038: NEMOTRON('saturated', 'peak of an oscillating curve (1,587 tok/s at c=256 and c=1024)'),
  P039: none('Nemotron-Nano-30B-A3B FP8, B200×2, vLLM 0.16.0', NANO),
  P040: none('Nemotron-Nano-30B-A3B FP8, B200×2, vLLM 0.16.0', NANO),
  P041: none('Nemotron-Nano-30B-A3B FP8, B200×2, vLLM 0.16.0', NANO),
  P042: none('Nemotron-Nano-30B-A3B FP8, B200×2, vLLM 0.16.0', NANO),
  P056: TRT('llama-3.1-8b-fp8', 'H100', 1, 128, 128),
  P057: TRT('llama-3.1-8b-fp8', 'H100', 1, 1000, 1000),
  P058: TRT('llama-3.1-8b-fp8', 'H100', 1, 2048, 128),
  P059: TRT('llama-3.1-8b-fp8', 'H100', 1, 20000, 2000),
  P060: TRT(
    'llama-3.1-8b-fp8',
    'H200',
    1,
    1000,
    1000,
    'trtllm-bench max throughput, fixed lengths. The same table has H200 1.17× H100 here and behind it at 128/128 (PERF-SOURCES conflict 2), though H200 has 1.43× the bandwidth: at ~950 sequences the GEMMs are compute-bound and the attention reads the KV cache after them, so only the attention gains; the model gives 1.19× (P060 ÷ P057)',
  ),
  P061: TRT('llama-3.1-70b-fp8', 'H100', 2, 1000, 1000),
  P062: TRT('llama-3.1-70b-fp8', 'H200', 1, 1000, 1000),
  P063: TRT('llama-3.3-70b-fp4', 'B200', 1, 1000, 1000, B200_FP4, 'check'),
  P064: TRT('llama-3.1-405b-fp8', 'H100', 8, 1000, 1000),
  P065: TRT('llama-3.1-405b-fp4', 'B200', 4, 1000, 1000, B200_FP4, 'check'),
  P066: none('Llama-2-70B, H100×8, TensorRT-LLM (MLPerf v4.1 offline)', MLPERF),
  P067: none('Llama-2-70B, H100×8, TensorRT-LLM (MLPerf v4.1 server)', MLPERF),
  P068: none('Llama-2-70B, H100×8, TensorRT-LLM (MLPerf v4.1 server p99)', MLPERF),
  P069: none('Llama-2-70B, H100×8, TensorRT-LLM (MLPerf v4.1 server p99)', MLPERF),
  P070: none('Llama-2-70B, H200×8, TensorRT-LLM (MLPerf v4.1 offline)', MLPERF),
  P071: none('Llama-2-70B, H200×8, TensorRT-LLM (MLPerf v4.1 server)', MLPERF),
  P072: none('Llama-2-70B, B200×1, TensorRT-LLM (MLPerf v4.1 offline)', MLPERF),
  P073: none('Llama-2-70B, B200×1, TensorRT-LLM (MLPerf v4.1 server)', MLPERF),
  P074: LAMBDA('llama-3.1-8b-fp8', 'H100'),
  P075: LAMBDA('llama-3.1-8b-fp8', 'H100'),
  P076: LAMBDA('llama-3.1-8b-fp8', 'A100-80GB'),
  P077: LAMBDA('llama-3.1-8b-fp8', 'A100-80GB'),
  P079: valuePoint(
    'fit',
    'Llama-3.1-8B 16.06 GB, model-hub download',
    () => LLAMA8_GB / 0.26,
    'sets the model-hub download bandwidth (by construction)',
  ),
  P080: valuePoint(
    'check',
    'Llama-3.1-8B 16.06 GB, load from local disk after download (L40S)',
    () => cold({ weightsGB: LLAMA8_GB, storage: 'node-local' }).weightsMs / 1000,
    'node-local 1.5 GB/s is a middle of 0.5–3.6 GB/s measured; tensorfuse loaded at 0.49 GB/s',
  ),
  P081: none(
    'vLLM V1 Dynamo bytecode transform',
    'the model merges Dynamo into its compile phase: compared in P082',
  ),
  P082: valuePoint(
    'fit',
    'vLLM V1 torch.compile, cold cache (Dynamo + compile)',
    () => E.compileColdMs / 1000,
    'published value is P081 + P082',
    ['P081'],
  ),
  P083: valuePoint(
    'check',
    'vLLM V1 CUDA-graph capture, default sizes (L40S)',
    () => E.cudaGraphMs / 1000,
    'the model takes 20 s between 7.6 s (1,024 sizes on A100, startup profiler) and 54 s here',
  ),
  P084: valuePoint(
    'check',
    'vLLM V1 engine init and imports (L40S)',
    () => (E.processMs + E.kvProfileMs) / 1000,
    'tensorfuse measured 94 s before and 34 s after caching; the startup profiler 10 s bootstrap: 20 s is the default',
  ),
  P085: none(
    'weights already cached on the node: download 0 s',
    'trivially 0 in the model too: node-local storage has no download phase',
  ),
  P086: valuePoint(
    'check',
    'Llama-3.1-8B 16.06 GB from a shared network volume (L40S)',
    () => cold({ weightsGB: LLAMA8_GB, storage: 'network-volume' }).weightsMs / 1000,
    'network-volume 0.5 GB/s sits between 0.31 GB/s (GP3, P091) and 0.89 GB/s here',
  ),
  P087: none('vLLM V1 Dynamo, warm cache', 'merged into the compile phase: compared in P088'),
  P088: valuePoint(
    'check',
    'vLLM V1 torch.compile, warm cache (Dynamo + compile)',
    () => E.compileWarmMs / 1000,
    'published value is P087 + P088; the startup profiler measured 8.3 s warm on A100',
    ['P087'],
  ),
  P089: valuePoint(
    'check',
    'vLLM V1 CUDA-graph capture, sizes limited to 8',
    () => E.cudaGraphMs / 1000,
    'the model assumes default capture sizes; limiting them is not modelled',
  ),
  P090: valuePoint(
    'check',
    'vLLM V1 engine init and imports, caches warm',
    () => (E.processMs + E.kvProfileMs) / 1000,
    'see P084',
  ),
  P091: valuePoint(
    'check',
    'Llama-3-8B 15 GB from a GP3 volume, safetensors loader (A10G)',
    () => cold({ weightsGB: LLAMA3_8_GB, storage: 'network-volume' }).weightsMs / 1000,
    'see P086',
  ),
  P092: none(
    'Llama-3-8B from GP3 with the Run:ai streamer',
    'a streamer on a block volume is not a storage kind of the model',
  ),
  P093: valuePoint(
    'fit',
    'Llama-3-8B 15 GB from S3 with the Run:ai streamer (A10G)',
    () => cold({ weightsGB: LLAMA3_8_GB, storage: 'object-store-streamer' }).weightsMs / 1000,
    'sets the object-store-streamer bandwidth (by construction)',
  ),
  P094: none(
    'vLLM 0.5.5 time to ready (A10G, GP3)',
    "vLLM 0.5.5 has no torch.compile; the model's engine start is vLLM V1",
  ),
  P095: none('vLLM 0.5.5 time to ready, streamer from S3', 'vLLM 0.5.5 has no torch.compile; see P094'),
  P096: none(
    'Qwen3-235B-A22B FP8 on A100×4, vLLM 0.11 cold start',
    'MoE FP8 on A100, weights source not stated',
  ),
  P097: none('wake from vLLM sleep mode', 'sleep mode is not modelled'),
  P098: none('Qwen3-Coder-30B-A3B on A100, vLLM 0.11 cold start', 'MoE; weights source not stated'),
  P099: none('wake from vLLM sleep mode', 'sleep mode is not modelled'),
  P100: none('BentoML image pull (20.2 GB)', 'the model merges pull and extract: compared in P101'),
  P101: valuePoint(
    'fit',
    'BentoML 20.2 GB image, registry pull + extract',
    () => cold({ weightsGB: 0, imageGB: 20.2, imageCached: false }).imagePullMs / 1000,
    'published value is P100 + P101 (range midpoints); sets the registry bandwidth',
    ['P100'],
  ),
  P102: valuePoint(
    'check',
    'BentoML config & start',
    () => (E.processMs + E.compileColdMs + E.cudaGraphMs + E.kvProfileMs) / 1000,
    "published ~2 min; the model's cold engine start",
  ),
  P103: none('BentoML total after redesign', 'published as an upper bound (< 30 s)'),
  P104: valuePoint(
    'fit',
    'Llama-2-70B ~138 GB from S3 (download and init)',
    () => cold({ weightsGB: 137.96, storage: 'object-store' }).weightsMs / 1000,
    'sets the object-store bandwidth (by construction)',
  ),
  P105: valuePoint(
    'check',
    'Llama-2-70B ~138 GB streamed from S3 (Anyscale loader, 4×25 Gbps)',
    () => cold({ weightsGB: 137.96, storage: 'object-store-streamer' }).weightsMs / 1000,
    "the Run:ai streamer rate from one A10G node (3.1 GB/s) is below a p4de's 100 Gbps",
  ),
  P106: valuePoint(
    'check',
    'Llama-3.1-8B 16.06 GB from local NVMe, safetensors (H100)',
    () => cold({ weightsGB: LLAMA8_GB, storage: 'node-local' }).weightsMs / 1000,
    "ServerlessLLM's NVMe reads 3.6 GB/s; node-local 1.5 GB/s is the middle of all local-disk points",
  ),
  P107: none('ServerlessLLM store loader', 'a specialised loader is not a storage kind of the model'),
  P108: valuePoint(
    'check',
    'Qwen3-32B 65.6 GB from local NVMe, safetensors (H100)',
    () => cold({ weightsGB: 65.6, storage: 'node-local' }).weightsMs / 1000,
    'see P106',
  ),
  P109: none('ServerlessLLM store loader', 'a specialised loader is not a storage kind of the model'),
  P110: valuePoint(
    'check',
    'Falcon-40B ~83.5 GB from 4 local NVMe, safetensors 0.3.3 (A100)',
    () => cold({ weightsGB: 83.5, storage: 'node-local' }).weightsMs / 1000,
    'Falcon-40B BF16 weights ≈ 41.8 B × 2 bytes',
  ),
  P111: none(
    'fastsafetensors with GPUDirect Storage',
    'GPUDirect loading is not a storage kind of the model',
  ),
  P112: none('Modal fleet mean vLLM boot', 'mixed models and GPUs; secondary source'),
  P113: none('Modal fleet mean with GPU snapshots', 'snapshot restore is not modelled'),
  P114: valuePoint(
    'fit',
    'whisper-large-v3, A100-80GB, 150 one-minute clips at batch 24',
    whisperBatchMs,
    "sets the shared fraction of a batch (0.68) from the catalog's L4 figure scaled by dense FLOPS",
  ),
  P115: none(
    'whisper-large-v3 fp32, batch 1',
    'fp32 Transformers without batching is not a served configuration',
  ),
  P116: none('faster-whisper on A100', "a different engine from the catalog's figure; kept for reference"),
  P117: none('whisper-large-v2 on RTX 3070 Ti', 'consumer GPU not in the catalog'),
  P118: none('whisper-large-v2 on RTX 3070 Ti, batch 8', 'consumer GPU not in the catalog'),
  P122: none(
    'bge-large-en-v1.5 on L4, TEI',
    "a request here is 256 sentences (~115k tokens); the catalog's request is one input",
  ),
  P123: none('bge-large-en-v1.5 on L4, sentence-transformers', 'see P122'),
};
