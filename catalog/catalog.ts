// The built-in GPU and model catalog, with the figures and sources of ../shared/CATALOG-SOURCES.md.
import type { ModelType } from './spec.js';

export interface GpuRecord {
  readonly id: string;
  /** Marketed memory per GPU. vLLM uses 0.9 of it (gpu-memory-utilization default). */
  readonly memoryGB: number;
  readonly memBandwidthGBps: number;
  readonly tdpW: number;
  readonly bf16: boolean;
  readonly fp8: boolean;
  readonly source: string;
}

export interface ModelRecord {
  readonly id: string;
  readonly type: ModelType;
  /** Weights on disk and in GPU memory. */
  readonly weightsGB: number;
  /**
   * Total GPU memory an instance needs: weights + runtime overhead + minimum KV-cache reserve.
   * A model fits an accelerator when `memoryGB <= 0.9 × GPU memory × GPUs per instance`.
   */
  readonly memoryGB: number;
  /** KV cache per token (LLMs), for documentation and token-capacity estimates. */
  readonly kvKiBPerToken?: number;
  /** Container image size, pulled before weights load. */
  readonly imageGB: number;
  /** Cold start on the reference accelerator: image pull + weight load + engine init, in seconds. */
  readonly loadSeconds: number;
  /** Mean service time of one request on the reference accelerator, in seconds. */
  readonly serviceSeconds: number;
  /** Requests one instance serves at once (batch slots). */
  readonly concurrencyPerInstance: number;
  /** Saturated output tokens per second per instance on the reference accelerator (LLMs). */
  readonly throughputTokPerSec?: number;
  /** Prompt tokens per second per instance (prefill) on the reference accelerator (LLMs). */
  readonly prefillTokPerSec?: number;
  /**
   * LLMs: the transformer shape (an id of physics/hardware.ts LLM_ARCH) when it differs from `id`, e.g. a
   * fine-tune of llama-3.1-8b, or the shape's figures written out (physics/hardware.ts LlmArchFields).
   * Built-in LLMs use their own id.
   */
  readonly architecture?: string | ArchitectureFields;
  /** The accelerator the service and load figures were measured or derived on. */
  readonly reference: { readonly gpu: string; readonly count: number };
  readonly source: string;
}

/** A transformer shape written out: the figures of the model's HF config.json (physics/hardware.ts reads it). */
export interface ArchitectureFields {
  /** Parameters, billions (the weights are paramsB × the precision's bytes). */
  readonly paramsB: number;
  /** num_hidden_layers. */
  readonly layers: number;
  /** num_attention_heads. */
  readonly queryHeads: number;
  /** num_key_value_heads. */
  readonly kvHeads: number;
  /** head_dim (hidden_size ÷ num_attention_heads); default 128. */
  readonly headDim?: number;
  /** Layers that hold a KV cache; default every layer. */
  readonly kvLayers?: number;
  readonly precision: 'fp32' | 'bf16' | 'fp16' | 'fp8' | 'fp4';
  /** max_position_embeddings: the longest prompt + output the engine takes. */
  readonly contextTokens: number;
}

export interface Catalog {
  readonly gpus: Readonly<Record<string, GpuRecord>>;
  readonly models: Readonly<Record<string, ModelRecord>>;
}

/** Fraction of GPU memory the serving engine may use (vLLM `--gpu-memory-utilization` default). */
export const USABLE_MEMORY_FRACTION = 0.9;
/** Activations, CUDA graphs and allocator slack per GPU. */
export const RUNTIME_OVERHEAD_GB_PER_GPU = 1.5;
/** Minimum KV cache an LLM instance must hold to be useful: 16k tokens (a few concurrent long prompts). */
export const MIN_KV_RESERVE_TOKENS = 16_384;

const SRC_GPU_3P = 'CATALOG-SOURCES §2.1 (3rd-party spec comparisons)';
const gpu = (
  id: string,
  memoryGB: number,
  memBandwidthGBps: number,
  tdpW: number,
  bf16: boolean,
  fp8: boolean,
  source: string,
): GpuRecord => ({ id, memoryGB, memBandwidthGBps, tdpW, bf16, fp8, source });

export const BUILTIN_GPUS: Readonly<Record<string, GpuRecord>> = Object.fromEntries(
  [
    gpu('T4', 16, 320, 70, false, false, `${SRC_GPU_3P}; AWS g4dn 16 GB/GPU`),
    gpu('L4', 24, 300, 72, true, true, `${SRC_GPU_3P}; AWS g6`),
    gpu('A10G', 24, 600, 300, true, false, 'baseten.co A10 vs A10G; nvidia-smi on g5 (CATALOG-SOURCES §2.1)'),
    gpu('L40S', 48, 864, 350, true, true, SRC_GPU_3P),
    gpu('A100-40GB', 40, 1555, 400, true, false, 'glennklockwood.com A100 (NVIDIA datasheet)'),
    gpu('A100-80GB', 80, 2039, 400, true, false, 'glennklockwood.com A100 (NVIDIA datasheet)'),
    gpu('H100', 80, 3350, 700, true, true, 'NVIDIA H100 SXM spec sheet as quoted in CATALOG-SOURCES §2.1'),
    gpu('H200', 141, 4800, 700, true, true, 'NVIDIA H200 spec sheet as quoted in CATALOG-SOURCES §2.1'),
    gpu('B200', 180, 8000, 1000, true, true, 'HGX B200 (vultr docs, glennklockwood.com B200)'),
  ].map((g) => [g.id, g]),
);

const GiB_PER_KiB = 1 / (1024 * 1024);
const GB_PER_GiB = 1.073741824;
/** Minimum KV reserve in GB for a model with the given KV cache per token. */
export function kvReserveGB(kvKiBPerToken: number): number {
  return MIN_KV_RESERVE_TOKENS * kvKiBPerToken * GiB_PER_KiB * GB_PER_GiB;
}

function llm(
  id: string,
  weightsGB: number,
  kvKiBPerToken: number,
  rest: Omit<ModelRecord, 'id' | 'type' | 'weightsGB' | 'memoryGB' | 'kvKiBPerToken'>,
): ModelRecord {
  const memoryGB = round2(
    weightsGB + kvReserveGB(kvKiBPerToken) + RUNTIME_OVERHEAD_GB_PER_GPU * rest.reference.count,
  );
  return { id, type: 'llm', weightsGB, memoryGB, kvKiBPerToken, ...rest };
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

// Cold start = image pull (≈20 GB vLLM image, streamed/cached: ~30 s, BentoML/Vertexcover after
// optimisation) + weights from local NVMe/streamer (~1–2 GB/s) + engine init (~20 s, vllm-startup-profiler).
const COLD_START_SRC =
  'cold start: image ~30 s (BentoML, Vertexcover), weights at ~1.5 GB/s (Run:ai streamer, vllm-startup-profiler), engine init ~20 s [derived]';

export const BUILTIN_MODELS: Readonly<Record<string, ModelRecord>> = Object.fromEntries(
  (
    [
      llm('llama-3.1-8b', 16.06, 128, {
        imageGB: 20.2,
        loadSeconds: 60,
        serviceSeconds: 2.5,
        concurrencyPerInstance: 32,
        throughputTokPerSec: 3400,
        prefillTokPerSec: 40_000,
        reference: { gpu: 'H100', count: 1 },
        source: `params/KV: Llama 3.1 config (32 layers, 8 KV heads); throughput: Lambda vLLM 0.5.4 1×H100 3,400 tok/s; ${COLD_START_SRC}`,
      }),
      llm('llama-3.1-70b', 141.1, 320, {
        imageGB: 20.2,
        loadSeconds: 150,
        serviceSeconds: 6,
        concurrencyPerInstance: 64,
        throughputTokPerSec: 2243,
        prefillTokPerSec: 20_000,
        reference: { gpu: 'H100', count: 4 },
        source: `params/KV: Llama 3.1 config (80 layers, 8 KV heads); throughput: Lambda vLLM 0.5.4 70B 4×H100 2,243 tok/s; load: ServerlessLLM 70B 84 s, Anyscale 20–265 s; ${COLD_START_SRC}`,
      }),
      llm('llama-3.1-70b-fp8', 70.6, 320, {
        imageGB: 20.2,
        loadSeconds: 100,
        serviceSeconds: 5,
        concurrencyPerInstance: 48,
        throughputTokPerSec: 1728,
        prefillTokPerSec: 15_000,
        reference: { gpu: 'H100', count: 2 },
        source: `FP8 weights ≈ 1 byte/param; throughput: Lambda vLLM 0.5.4 70B-FP8 2×H100 1,728 tok/s; ${COLD_START_SRC}`,
      }),
      llm('llama-3.1-405b-fp8', 405, 504, {
        imageGB: 20.2,
        loadSeconds: 420,
        serviceSeconds: 12,
        concurrencyPerInstance: 64,
        throughputTokPerSec: 1231,
        prefillTokPerSec: 10_000,
        reference: { gpu: 'H100', count: 8 },
        source: `126 layers, 8 KV heads (HF config); throughput: Lambda Hermes-3 405B-FP8 8×H100 1,231 tok/s; ${COLD_START_SRC}`,
      }),
      {
        id: 'whisper-large-v3',
        type: 'stt',
        weightsGB: 3.1,
        memoryGB: 4.6,
        imageGB: 8,
        loadSeconds: 35,
        serviceSeconds: 4.8,
        concurrencyPerInstance: 8,
        reference: { gpu: 'L4', count: 1 },
        source:
          'weights 1.55B params ~3.1 GB; runtime VRAM fp16 4,525 MB (faster-whisper README, large-v2 same architecture); RTF 0.08 on a 60 s clip',
      },
      {
        id: 'whisper-large-v3-turbo',
        type: 'stt',
        weightsGB: 1.6,
        memoryGB: 3.0,
        imageGB: 8,
        loadSeconds: 30,
        serviceSeconds: 1.5,
        concurrencyPerInstance: 8,
        reference: { gpu: 'L4', count: 1 },
        source: '809M params (4 decoder layers) ~1.6 GB fp16; runtime VRAM scaled from large-v3 [derived]',
      },
      {
        id: 'orpheus-3b',
        type: 'tts',
        weightsGB: 6.6,
        memoryGB: 10,
        imageGB: 12,
        loadSeconds: 40,
        serviceSeconds: 2,
        concurrencyPerInstance: 16,
        reference: { gpu: 'L4', count: 1 },
        source: 'Llama-3.2-3B backbone, BF16 ≈ 2 bytes/param; runtime and service time [derived]',
      },
      {
        id: 'sdxl-base-1.0',
        type: 'image',
        weightsGB: 7.0,
        memoryGB: 8.5,
        imageGB: 12,
        loadSeconds: 45,
        serviceSeconds: 6,
        concurrencyPerInstance: 2,
        reference: { gpu: 'L4', count: 1 },
        source:
          'UNet 2.6B + encoders + VAE ~7 GB; peak 7.5–8.5 GB at 1024² (localmodel-run, gigagpu) [3rd-party]',
      },
      {
        id: 'bge-large-en-v1.5',
        type: 'embedding',
        weightsGB: 0.67,
        memoryGB: 2,
        imageGB: 6,
        loadSeconds: 20,
        // The single-request time for which a full batch of 5 serves the source's 71 req/s in the
        // fixed-batch model: 5 / 71 s ÷ (0.68 × E[largest of 5 works] 1.67 + 0.32 × 5) ≈ 26 ms. (0.07 s
        // was that throughput read as 5 slots of 70 ms each, which the batch model served at 26 req/s.)
        serviceSeconds: 0.026,
        concurrencyPerInstance: 5,
        reference: { gpu: 'L4', count: 1 },
        source:
          '335M params ~0.67 GB; ~71 req/s at concurrency 5 on an RTX 4070 (searchlayer benchmark) [3rd-party]; single-request time fitted to that throughput at a full batch [derived]',
      },
    ] satisfies ModelRecord[]
  ).map((m) => [m.id, m]),
);

export const BUILTIN_CATALOG: Catalog = { gpus: BUILTIN_GPUS, models: BUILTIN_MODELS };

/** The catalog with scenario-defined models added or overriding built-in ones. */
export function extendCatalog(base: Catalog, models: readonly ModelRecord[]): Catalog {
  if (models.length === 0) return base;
  const merged: Record<string, ModelRecord> = { ...base.models };
  for (const m of models) merged[m.id] = m;
  return { gpus: base.gpus, models: merged };
}

/** Usable GPU memory of an accelerator, in GB. */
export function usableMemoryGB(gpuRecord: GpuRecord, count: number): number {
  return USABLE_MEMORY_FRACTION * gpuRecord.memoryGB * count;
}

/** Whether a model fits `count` GPUs of this type (weights + runtime + minimum KV reserve). */
export function modelFits(model: ModelRecord, gpuRecord: GpuRecord, count: number): boolean {
  return model.memoryGB <= usableMemoryGB(gpuRecord, count) + 1e-9;
}

/** Tensor-parallel sizes a serving engine shards a model over (they must divide the attention heads). */
export const TENSOR_PARALLEL_SIZES = [1, 2, 4, 8] as const;

/** The smallest tensor-parallel GPU count (up to maxCount, per GPU type) on which the model fits. */
export function smallestFits(
  model: ModelRecord,
  catalog: Catalog,
  maxCount: number,
): { gpu: string; count: number }[] {
  const out: { gpu: string; count: number }[] = [];
  for (const g of Object.values(catalog.gpus)) {
    for (const count of TENSOR_PARALLEL_SIZES) {
      if (count > maxCount) break;
      if (modelFits(model, g, count)) {
        out.push({ gpu: g.id, count });
        break;
      }
    }
  }
  return out;
}
