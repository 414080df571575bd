// From a model, a GPU type, a GPU count and an engine to the few numbers the batch model runs on:
// KV-cache capacity, the cost of reading weights and KV once per step, and the cost of a token of compute.
import { SERVING_CONSTANTS, tpEfficiency, type ServingConstants } from './constants.js';
import {
  BYTES_PER_PARAM,
  denseTflops,
  kvBytesPerToken,
  nativeCompute,
  type GpuPhysics,
  type LlmArch,
  type Precision,
} from './hardware.js';

export type EngineId = 'vllm' | 'vllm-0.4' | 'trtllm';

/** Engine behaviour that changes capacity and step composition. */
export interface EngineProfile {
  readonly id: EngineId;
  /** Fraction of GPU memory the engine uses (vLLM gpu-memory-utilization). */
  readonly memoryFraction: number;
  /** Activations, CUDA graphs and allocator slack per GPU, GB (as engine/catalog.ts). */
  readonly runtimeOverheadGBPerGpu: number;
  /** KV cache in FP8 when the checkpoint is FP8/FP4 (TensorRT-LLM ModelOpt checkpoints), else 16-bit. */
  readonly fp8KvWithFp8Weights: boolean;
  /** Token budget of one step (max_num_batched_tokens) on GPUs with ≥ 70 GB / smaller GPUs. */
  readonly chunkTokensLarge: number;
  readonly chunkTokensSmall: number;
  /** Maximum running sequences (max_num_seqs / max_batch_size) on GPUs with ≥ 70 GB / smaller. */
  readonly maxSeqsLarge: number;
  readonly maxSeqsSmall: number;
  /**
   * Chunked prefill: prompt chunks share each step with the running decodes. Without it (vLLM before V1 by
   * default) a step that admits prompts runs only whole prompts and the decodes wait for the next step.
   */
  readonly chunkedPrefill: boolean;
  readonly source: string;
}

const VLLM: EngineProfile = {
  id: 'vllm',
  memoryFraction: 0.9,
  runtimeOverheadGBPerGpu: 1.5,
  fp8KvWithFp8Weights: false,
  chunkTokensLarge: 8192,
  chunkTokensSmall: 2048,
  maxSeqsLarge: 1024,
  maxSeqsSmall: 256,
  chunkedPrefill: true,
  source:
    'vLLM V1 engine defaults for the OpenAI server: gpu-memory-utilization 0.9; max_num_batched_tokens 8192 / max_num_seqs 1024 on ≥ 70 GB GPUs, 2048 / 256 otherwise [derived from vLLM arg_utils, not re-verified here]',
};

export const ENGINES: Readonly<Record<EngineId, EngineProfile>> = {
  vllm: VLLM,
  // The same memory figures; the V0 scheduler's step budget, sequence limit and step composition.
  'vllm-0.4': {
    ...VLLM,
    id: 'vllm-0.4',
    chunkTokensSmall: 8192,
    maxSeqsLarge: 256,
    chunkedPrefill: false,
    source:
      'vLLM 0.4.x (V0 scheduler) defaults: chunked prefill off, so a step runs either waiting prompts (whole, up to max_num_batched_tokens = max(max_model_len, 2048), 8,192 for Llama 3 8B) or the running decodes, prompts first; max_num_seqs 256; gpu-memory-utilization 0.9 [vllm/core/scheduler.py _schedule_default, vllm/config.py SchedulerConfig]',
  },
  trtllm: {
    id: 'trtllm',
    memoryFraction: 0.95,
    runtimeOverheadGBPerGpu: 1.5,
    fp8KvWithFp8Weights: true,
    chunkTokensLarge: 8192,
    chunkTokensSmall: 8192,
    maxSeqsLarge: 2048,
    maxSeqsSmall: 2048,
    chunkedPrefill: true,
    source:
      'TensorRT-LLM perf overview: kv_cache_free_gpu_mem_fraction often 0.95, CUDA graphs padded up to 8192; ModelOpt FP8 checkpoints carry an FP8 KV cache [derived]',
  },
};

export interface LlmPerf {
  readonly kind: 'llm';
  readonly stepOverheadMs: number;
  /** Reading all weights once, ms (every step). */
  readonly weightReadMs: number;
  /** Reading one token of KV cache, ms. */
  readonly kvReadMsPerToken: number;
  /** Linear-layer compute per token processed (2 × params FLOPs), ms. */
  readonly linearMsPerToken: number;
  /** Prefill attention compute per (token × context position), ms. */
  readonly attnMsPerTokenCtx: number;
  readonly chunkTokens: number;
  /** Whole prompts in prefill-only steps, decodes paused meanwhile (an engine without chunked prefill). */
  readonly prefillFirst: boolean;
  readonly maxNumSeqs: number;
  readonly kvCapacityTokens: number;
  /** Longest request (prompt + output) the model takes (its architecture's context length). */
  readonly contextTokens: number;
  readonly weightsGB: number;
  readonly kvBytesPerToken: number;
}

export interface LlmPerfInput {
  readonly arch: LlmArch;
  readonly gpu: GpuPhysics;
  readonly gpuCount: number;
  readonly engine?: EngineProfile;
  readonly constants?: ServingConstants;
  /** Overrides the engine's max running sequences. */
  readonly maxNumSeqs?: number;
}

export type PerfResult<T> =
  { readonly ok: true; readonly perf: T } | { readonly ok: false; readonly reason: string };

/**
 * Typical request of an LLM without token counts: the means of the Azure LLM inference trace 2023,
 * conversation service (../shared/data/AzureLLMInferenceTrace_conv.csv, 19,366 requests: 1,154.7 prompt
 * and 211.1 generated tokens on average).
 */
export const TYPICAL_INPUT_TOKENS = 1155;
export const TYPICAL_OUTPUT_TOKENS = 211;

/** The smallest KV cache worth serving from: one 16k-token context (engine/catalog.ts MIN_KV_RESERVE_TOKENS). */
export const MIN_KV_TOKENS = 16_384;

/** The serving figures of one instance, or why the model does not fit. */
export function llmPerf(input: LlmPerfInput): PerfResult<LlmPerf> {
  const { arch, gpu, gpuCount } = input;
  const engine = input.engine ?? ENGINES.vllm;
  const c = input.constants ?? SERVING_CONSTANTS;
  if (!Number.isInteger(gpuCount) || gpuCount < 1) {
    return { ok: false, reason: `GPU count must be a whole number ≥ 1, got ${gpuCount}` };
  }
  const precision: Precision = arch.precision;
  const weightsBytes = arch.paramsB * 1e9 * BYTES_PER_PARAM[precision];
  const fp8Kv = engine.fp8KvWithFp8Weights && (precision === 'fp8' || precision === 'fp4');
  const kvBytes = kvBytesPerToken(arch, fp8Kv ? 1 : 2);
  const usableBytes = engine.memoryFraction * gpu.memoryGB * 1e9 * gpuCount;
  const freeBytes = usableBytes - weightsBytes - engine.runtimeOverheadGBPerGpu * 1e9 * gpuCount;
  const kvCapacityTokens = Math.floor(freeBytes / kvBytes);
  if (kvCapacityTokens < MIN_KV_TOKENS) {
    return {
      ok: false,
      reason: `${arch.id} needs ${((weightsBytes + MIN_KV_TOKENS * kvBytes) / 1e9 + engine.runtimeOverheadGBPerGpu * gpuCount).toFixed(1)} GB (weights, runtime and a ${MIN_KV_TOKENS}-token KV cache); ${gpuCount}× ${gpu.id} offers ${(usableBytes / 1e9).toFixed(1)} GB`,
    };
  }
  const tp = tpEfficiency(
    gpu.interconnect === 'nvlink' ? c.tpEfficiencyNvlink : c.tpEfficiencyPcie,
    gpuCount,
  );
  const bytesPerMs = gpu.memBandwidthGBps * 1e6 * gpuCount * c.memEfficiency * tp;
  const computeEff = nativeCompute(gpu, precision) === 'fp8' ? c.computeEfficiencyFp8 : c.computeEfficiency16;
  const flopsPerMs = denseTflops(gpu, precision) * 1e9 * gpuCount * computeEff * tp;
  const attnFlopsPerMs = gpu.dense16Tflops * 1e9 * gpuCount * c.computeEfficiency16 * tp;
  const large = gpu.memoryGB >= 70;
  return {
    ok: true,
    perf: {
      kind: 'llm',
      stepOverheadMs:
        c.stepOverheadMs +
        (gpuCount > 1
          ? arch.layers *
            (gpu.interconnect === 'nvlink' ? c.allReduceMsPerLayerNvlink : c.allReduceMsPerLayerPcie)
          : 0),
      weightReadMs: weightsBytes / bytesPerMs,
      kvReadMsPerToken: kvBytes / bytesPerMs,
      linearMsPerToken: (2 * arch.paramsB * 1e9) / flopsPerMs,
      attnMsPerTokenCtx: (4 * arch.layers * arch.queryHeads * arch.headDim) / attnFlopsPerMs,
      chunkTokens: large ? engine.chunkTokensLarge : engine.chunkTokensSmall,
      prefillFirst: !engine.chunkedPrefill,
      maxNumSeqs: input.maxNumSeqs ?? (large ? engine.maxSeqsLarge : engine.maxSeqsSmall),
      kvCapacityTokens,
      contextTokens: arch.contextTokens,
      weightsGB: weightsBytes / 1e9,
      kvBytesPerToken: kvBytes,
    },
  };
}

/** Requests of this size one instance runs at once: the KV bound or the engine's sequence limit. */
export function maxConcurrency(perf: LlmPerf, inputTokens: number, outputTokens: number): number {
  return Math.max(
    1,
    Math.min(perf.maxNumSeqs, Math.floor(perf.kvCapacityTokens / (inputTokens + outputTokens))),
  );
}

/** A compute-bound model served in fixed batches (speech, image, embeddings). */
export interface BatchPerf {
  readonly kind: 'batch';
  /** Service time of one request of work 1 alone, ms. */
  readonly singleMs: number;
  /** Share of a batch's time that does not grow with its size (weights read, launches, VAE/decoder setup). */
  readonly sharedFraction: number;
  readonly maxBatch: number;
}

export interface BatchPerfInput {
  /** Mean service time of one request alone on the reference accelerator, ms. */
  readonly referenceMs: number;
  readonly referenceGpu: GpuPhysics;
  readonly referenceCount: number;
  readonly gpu: GpuPhysics;
  readonly gpuCount: number;
  readonly maxBatch: number;
  readonly sharedFraction?: number;
}

/**
 * Share of a batch's time that does not grow with batch size, for non-token models. Whisper large-v3 on
 * A100: 150 one-minute clips take 98 s at batch 24 (P114), against ~279 s one at a time when the catalog's
 * L4 figure (4.8 s per clip) is scaled by dense FLOPS; T(24)/24 = T1 × (f/24 + 1 − f) gives f ≈ 0.68.
 */
export const DEFAULT_SHARED_FRACTION = 0.68;

/** Compute-bound scaling: service time follows dense 16-bit FLOPS (not memory bandwidth). */
export function batchPerf(input: BatchPerfInput): BatchPerf {
  const c = SERVING_CONSTANTS;
  const speed = (gpu: GpuPhysics, n: number): number =>
    gpu.dense16Tflops *
    n *
    tpEfficiency(gpu.interconnect === 'nvlink' ? c.tpEfficiencyNvlink : c.tpEfficiencyPcie, n);
  return {
    kind: 'batch',
    singleMs:
      (input.referenceMs * speed(input.referenceGpu, input.referenceCount)) /
      speed(input.gpu, input.gpuCount),
    sharedFraction: input.sharedFraction ?? DEFAULT_SHARED_FRACTION,
    maxBatch: Math.max(1, Math.floor(input.maxBatch)),
  };
}

/**
 * Expected largest of `n` independent log-normal factors of mean 1 and log-sigma `sigma` (a full fixed
 * batch of requests whose work varies: its shared part lasts as long as its largest). E[max] = ∫ x · n
 * φ(z) Φ(z)^(n−1) dz with x = exp(σz − σ²/2), by Simpson's rule over z in [−9, 9] (4,000 intervals).
 * Pure arithmetic, no randomness; tested against the closed form for n = 2 (2 Φ(σ/√2)) and a seeded
 * sample for larger n.
 */
export function expectedMaxLognormal(n: number, sigma: number): number {
  const count = Math.max(1, Math.floor(n));
  if (count === 1 || sigma === 0) return 1;
  const key = `${count}|${sigma}`;
  const hit = maxCache.get(key);
  if (hit !== undefined) return hit;
  const steps = 4000;
  const lo = -9;
  const h = 18 / steps;
  let sum = 0;
  for (let k = 0; k <= steps; k++) {
    const z = lo + k * h;
    const pdf = Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
    const f = Math.exp(sigma * z - (sigma * sigma) / 2) * count * pdf * normalCdf(z) ** (count - 1);
    sum += (k === 0 || k === steps ? 1 : k % 2 === 1 ? 4 : 2) * f;
  }
  const value = (sum * h) / 3;
  maxCache.set(key, value);
  return value;
}

const maxCache = new Map<string, number>();

/** Φ(z), the standard normal CDF. */
function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/** erfc(x) (Numerical Recipes' erfcc Chebyshev fit, fractional error < 1.2e-7 everywhere). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}
