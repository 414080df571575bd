// Cold start by phase: image pull, weight load, engine start. Pure arithmetic on sizes and bandwidths;
// every default below names the published measurement it comes from (../shared/data/perf-calibration.csv).

/** Where an instance's weights come from. */
export type WeightStorage =
  'node-local' | 'network-volume' | 'object-store' | 'object-store-streamer' | 'model-hub';

/** Where the container image comes from. */
export type ImageSource = 'registry' | 'lazy-registry';

export interface StorageProfile {
  /** Download to local disk first, GB/s (null when the engine reads the source directly). */
  readonly downloadGBps: number | null;
  /** From the source (or local disk after a download) into GPU memory, GB/s. */
  readonly loadGBps: number;
  readonly source: string;
}

/**
 * Effective weight-load bandwidth per storage kind, with vLLM's default safetensors loader unless named.
 * Rates are size ÷ published time, so they include the loader's own inefficiency.
 */
export const WEIGHT_STORAGE: Readonly<Record<WeightStorage, StorageProfile>> = {
  'node-local': {
    downloadGBps: null,
    loadGBps: 1.5,
    source:
      'local NVMe, safetensors: Llama-2-7B 13.5 GB in 7.5 s = 1.8 GB/s (vllm-startup-profiler, A100); Falcon-40B ~84 GB in 53.8 s = 1.56 GB/s (P110); Qwen3-32B 65.5 GB in 20.6 s = 3.2 GB/s (P108)',
  },
  'network-volume': {
    downloadGBps: null,
    loadGBps: 0.5,
    source:
      'network block/file volume: Llama-3-8B 15 GB from GP3 in 47.99 s = 0.31 GB/s (P091, HF loader); Llama-3.1-8B 16 GB from a shared volume in 18 s = 0.89 GB/s (P086)',
  },
  'object-store': {
    downloadGBps: null,
    loadGBps: 0.53,
    source:
      'S3 → disk → GPU: Llama-2-70B ~140 GB download & init in 265 s = 0.53 GB/s (P104, Anyscale before)',
  },
  'object-store-streamer': {
    downloadGBps: null,
    loadGBps: 3.1,
    source:
      'S3 streamed to GPU: Llama-3-8B 15 GB in 4.88 s = 3.1 GB/s (P093, Run:ai streamer concurrency 32)',
  },
  'model-hub': {
    downloadGBps: 0.26,
    loadGBps: 1.5,
    source:
      'Hugging Face hub download: Llama-3.1-8B 16.06 GB in 61 s = 0.26 GB/s (P079, tensorfuse baseline), then loaded from local disk as node-local',
  },
};

export interface ImageProfile {
  /** Effective GB/s for pull plus layer extraction, in series. */
  readonly GBps: number;
  readonly source: string;
}

export const IMAGE_SOURCE: Readonly<Record<ImageSource, ImageProfile>> = {
  registry: {
    GBps: 0.037,
    source:
      'plain registry pull + extract: 20.2 GB in 5–6 min pull + 3–4 min extract ≈ 540 s = 0.037 GB/s (P100 + P101, BentoML); 13 GB in 571 s = 0.023 GB/s (Vertexcover, CATALOG-SOURCES §2.3)',
  },
  'lazy-registry': {
    GBps: 0.32,
    source:
      'lazy-pulling snapshotter: 13 GB image ready in 40.65 s = 0.32 GB/s (Vertexcover, CATALOG-SOURCES §2.3)',
  },
};

/** Engine start phases in ms (vLLM V1 with torch.compile and CUDA graphs). */
export interface EngineStartProfile {
  /** Python imports, worker start, model info. */
  readonly processMs: number;
  /** Dynamo + graph compile without a compile cache. */
  readonly compileColdMs: number;
  /** The same with a warm torch.compile cache. */
  readonly compileWarmMs: number;
  /** CUDA-graph capture at the default capture sizes. */
  readonly cudaGraphMs: number;
  /** KV-cache memory profiling and allocation. */
  readonly kvProfileMs: number;
  readonly source: string;
}

export const VLLM_ENGINE_START: EngineStartProfile = {
  processMs: 20_000,
  compileColdMs: 52_000,
  compileWarmMs: 15_000,
  cudaGraphMs: 20_000,
  kvProfileMs: 2_000,
  source:
    'process: 10 s bootstrap (vllm-startup-profiler A100) to 34 s imports+init (P090, tensorfuse optimised); compile cold: Dynamo 10 s + compile 42 s (P081 + P082); warm: 8.3 s (profiler) to 23 s (P087 + P088); CUDA graphs: 7 s limited sizes (P089) to 54 s all sizes (P083), 7.6 s for 1,024 sizes on A100 (profiler); KV profiling 2.2 s (profiler)',
};

export interface ColdStartInput {
  readonly imageGB: number;
  readonly weightsGB: number;
  /** The node already holds the image: no pull. */
  readonly imageCached: boolean;
  readonly imageSource?: ImageSource;
  readonly storage?: WeightStorage;
  /** Overrides the storage kind's load bandwidth, GB/s (a download phase, if any, stays). */
  readonly weightsGBps?: number;
  /** Overrides the image source's bandwidth, GB/s. */
  readonly imageGBps?: number;
  /** A warm torch.compile cache (shared volume or baked into the image). */
  readonly compileCacheWarm: boolean;
  readonly engine?: EngineStartProfile;
}

export interface ColdStart {
  readonly imagePullMs: number;
  readonly weightsMs: number;
  readonly engineStartMs: number;
  readonly totalMs: number;
}

export const DEFAULT_WEIGHT_STORAGE: WeightStorage = 'network-volume';
export const DEFAULT_IMAGE_SOURCE: ImageSource = 'registry';

function positive(name: string, x: number): number {
  if (!(x >= 0) || !Number.isFinite(x))
    throw new Error(`coldStart: ${name} must be a finite number ≥ 0, got ${x}`);
  return x;
}

/** Cold start of one instance, phase by phase, in whole milliseconds. */
export function coldStart(input: ColdStartInput): ColdStart {
  const imageGBps = input.imageGBps ?? IMAGE_SOURCE[input.imageSource ?? DEFAULT_IMAGE_SOURCE].GBps;
  const storage = WEIGHT_STORAGE[input.storage ?? DEFAULT_WEIGHT_STORAGE];
  const weightsGBps = input.weightsGBps ?? storage.loadGBps;
  if (!(imageGBps > 0) || !(weightsGBps > 0)) throw new Error('coldStart: bandwidths must be > 0 GB/s');
  const imageGB = positive('imageGB', input.imageGB);
  const weightsGB = positive('weightsGB', input.weightsGB);
  const e = input.engine ?? VLLM_ENGINE_START;
  const imagePullMs = input.imageCached ? 0 : Math.round((imageGB / imageGBps) * 1000);
  const downloadS = storage.downloadGBps === null ? 0 : weightsGB / storage.downloadGBps;
  const weightsMs = Math.round((downloadS + weightsGB / weightsGBps) * 1000);
  const engineStartMs =
    e.processMs +
    (input.compileCacheWarm ? e.compileWarmMs : e.compileColdMs) +
    e.cudaGraphMs +
    e.kvProfileMs;
  return { imagePullMs, weightsMs, engineStartMs, totalMs: imagePullMs + weightsMs + engineStartMs };
}
