// How fast a model loads and serves on a given accelerator, from the catalog's reference figures.
//
// Serving speed. LLM decode is memory-bandwidth bound, so a GPU type is scaled by its memory bandwidth
// relative to the reference GPU (CATALOG-SOURCES §2.5 derives its non-measured GPUs the same way).
// More GPUs per instance (tensor parallelism) help far less than linearly at saturation: Lambda's vLLM
// benchmark shows 8B going 1→2×H100 at +8 % and 70B-FP8 2→4→8×H100 at +30 %, +15 %. We use the square
// root of the GPU-count ratio: between ideal roofline scaling (linear) and those measurements.
//
// Cold start. Image pull and engine init do not depend on the accelerator; weight loading is sharded
// over the instance's GPUs. We take half of the reference cold start as the weight part (ServerlessLLM
// and the vLLM startup profiler put weights at 20–60 % of the cold start) and scale it by the GPU count.
import type { GpuRecord, ModelRecord } from '../catalog/catalog.js';

export const TENSOR_PARALLEL_EXPONENT = 0.5;
export const WEIGHT_SHARE_OF_COLD_START = 0.5;
/** Spread of one request's service time around the mean (log-normal sigma, CV ≈ 0.53). */
export const SERVICE_SIGMA = 0.5;
/** Spread of cold-start times (log-normal sigma): CATALOG-SOURCES §2.3 p50→p90 spreads of ±30 %. */
export const LOAD_SIGMA = 0.15;

export interface Performance {
  /** Serving speed relative to the model's reference accelerator (1 = reference). */
  readonly speed: number;
  /** Mean service time of a request (no token counts), in ms. */
  readonly serviceMsMean: number;
  /** Mean cold start (pull + weights + init) before jitter, in ms. */
  readonly loadMsMean: number;
  readonly slots: number;
  /** Per-request decode and prefill rates (tokens/s) when the model has throughput figures. */
  readonly decodeTokPerSecPerRequest: number | null;
  readonly prefillTokPerSecPerRequest: number | null;
}

export function performanceOf(
  model: ModelRecord,
  gpu: GpuRecord,
  count: number,
  refGpu: GpuRecord,
): Performance {
  const speed =
    (gpu.memBandwidthGBps / refGpu.memBandwidthGBps) *
    Math.pow(count / model.reference.count, TENSOR_PARALLEL_EXPONENT);
  const weightScale = model.reference.count / count;
  const loadMsMean =
    model.loadSeconds * 1000 * (1 - WEIGHT_SHARE_OF_COLD_START + WEIGHT_SHARE_OF_COLD_START * weightScale);
  const slots = model.concurrencyPerInstance;
  const perRequest = (tokPerSec: number | undefined): number | null =>
    tokPerSec === undefined ? null : (tokPerSec * speed) / slots;
  return {
    speed,
    serviceMsMean: (model.serviceSeconds * 1000) / speed,
    loadMsMean,
    slots,
    decodeTokPerSecPerRequest: perRequest(model.throughputTokPerSec),
    prefillTokPerSecPerRequest: perRequest(model.prefillTokPerSec),
  };
}

/**
 * Service time of a request with known token counts: prefill of the prompt plus decode of the output,
 * each at the instance's rate shared over its batch slots. Null when the model has no token figures.
 */
export function tokenServiceMs(perf: Performance, inputTokens: number, outputTokens: number): number | null {
  const decode = perf.decodeTokPerSecPerRequest;
  if (decode === null) return null;
  const prefill = perf.prefillTokPerSecPerRequest;
  const prefillMs = prefill === null ? 0 : (inputTokens / prefill) * 1000;
  return prefillMs + (outputTokens / decode) * 1000;
}

/** Requests per second one instance can sustain at full batch, given its mean service time. */
export function capacityRpsOf(slots: number, serviceMsMean: number): number {
  return serviceMsMean > 0 ? (slots * 1000) / serviceMsMean : 0;
}
