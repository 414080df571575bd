// How a model serves and loads on a given accelerator: the simulator's bridge to physics/.
//
// Serving. An LLM whose transformer shape physics/ knows (physics/hardware.ts LLM_ARCH) runs as a continuous
// batch (physics/batch.ts TokenBatch): prefill and decode steps priced from memory bandwidth and dense FLOPS,
// concurrency bounded by KV-cache capacity and the engine's max sequences. Every other model (speech, image,
// embeddings, and scenario-defined models without a known shape) runs in fixed batches (FixedBatch) whose
// single-request time is the catalog's figure scaled by dense 16-bit FLOPS. The same objects back
// `rollsim perf`, so what it prints is what scenarios use.
//
// Cold start. Image pull, weight load and engine start from sizes and bandwidths (physics/cold-start.ts);
// the settings come from the scenario's cluster, per pool, with documented defaults (scenario/normalize.ts).
import type { Catalog, GpuRecord, ModelRecord } from '../catalog/catalog.js';
import type { Accelerator } from '../catalog/spec.js';
import type { ColdStartSettings } from '../scenario/types.js';
import { closedLoopLlm } from '../physics/closed-loop.js';
import {
  coldStart,
  VLLM_ENGINE_START,
  type ColdStart,
  type EngineStartProfile,
} from '../physics/cold-start.js';
import { GPU_PHYSICS, llmArchOf, type GpuPhysics } from '../physics/hardware.js';
import {
  batchPerf,
  ENGINES,
  expectedMaxLognormal,
  llmPerf,
  maxConcurrency,
  type BatchPerf,
  type LlmPerf,
} from '../physics/perf.js';

/** Spread of one request's work around the mean (log-normal sigma, CV ≈ 0.53). */
export const SERVICE_SIGMA = 0.5;
/** Spread of cold-start times (log-normal sigma): CATALOG-SOURCES §2.3 p50→p90 spreads of ±30 %. */
export const LOAD_SIGMA = 0.15;

import { TYPICAL_INPUT_TOKENS, TYPICAL_OUTPUT_TOKENS } from '../physics/perf.js';

export { TYPICAL_INPUT_TOKENS, TYPICAL_OUTPUT_TOKENS };

/**
 * The serving engine's container image without weights: BentoML's breakdown of its 20.2 GB vLLM image
 * (the catalog's `imageGB`) is ~15 GB of baked-in Llama weights plus ~5.2 GB of engine (P100, BentoML
 * "cold start" post). rollsim loads weights separately, so an LLM pulls only this engine image, and every
 * LLM shares it: a node that pulled it for one LLM does not pull it again for another.
 */
export const LLM_ENGINE_IMAGE_GB = 5.2;
export const LLM_ENGINE_IMAGE_KEY = 'vllm-engine';

/**
 * Engine start of a model served without the LLM engine (speech, image, embeddings): process start and model
 * init only, no torch.compile and no CUDA-graph capture: the 10 s bootstrap of the vllm-startup-profiler
 * (A100) [assumed for these servers, not measured].
 */
export const PLAIN_ENGINE_START: EngineStartProfile = {
  processMs: 10_000,
  compileColdMs: 0,
  compileWarmMs: 0,
  cudaGraphMs: 0,
  kvProfileMs: 0,
  source: 'process bootstrap 10 s (vllm-startup-profiler, A100); no compile or CUDA graphs [assumed]',
};

export type ServingModel =
  | {
      readonly kind: 'llm';
      readonly perf: LlmPerf;
      readonly typicalInput: number;
      readonly typicalOutput: number;
    }
  | { readonly kind: 'batch'; readonly perf: BatchPerf };

export interface Performance {
  readonly serving: ServingModel;
  /** Requests routed to one instance at once: the KV/sequence bound at typical lengths, or the batch size. */
  readonly slots: number;
  /** Requests/s one instance sustains at full load (for capacity and degraded time). */
  readonly capacityRps: number;
  readonly imageGB: number;
  /** Images are cached on nodes by this key. */
  readonly imageKey: string;
  readonly weightsGB: number;
  readonly engineStart: EngineStartProfile;
}

function gpuPhysics(gpu: GpuRecord): GpuPhysics {
  const known = GPU_PHYSICS[gpu.id];
  if (known !== undefined) return known;
  throw new Error(`GPU ${gpu.id}: no compute figures in physics/hardware.ts`);
}

/**
 * Closed-loop capacities by everything they depend on: the step-cost figures, the slots and the lengths.
 * Not by model id: a scenario may give a catalog id another shape, and in one process (`rollsim check` of
 * a folder, a sweep of `models[…]` settings, a program running several scenarios) a cached figure of
 * the catalog's model made the same scenario's result depend on what ran before it.
 */
const capacityCache = new Map<string, number>();

/** Saturated requests/s of an LLM instance: a closed loop of `slots` clients at the typical lengths. */
function llmCapacityRps(perf: LlmPerf, slots: number, input: number, output: number): number {
  const key = `${JSON.stringify(perf)}|${slots}|${input}|${output}`;
  const hit = capacityCache.get(key);
  if (hit !== undefined) return hit;
  const row = closedLoopLlm(perf, {
    concurrency: slots,
    inputTokens: input,
    outputTokens: output,
    rounds: 4,
  });
  capacityCache.set(key, row.requestsPerSec);
  return row.requestsPerSec;
}

/**
 * The serving figures of one instance. `tokens` replaces the typical lengths (a replayed trace's means).
 * Returns a reason instead when physics says an LLM does not fit the accelerator.
 */
export function servingOf(
  model: ModelRecord,
  gpu: GpuRecord,
  count: number,
  refGpu: GpuRecord,
  tokens: { readonly input: number; readonly output: number } | null = null,
): { ok: true; serving: ServingModel; slots: number; capacityRps: number } | { ok: false; reason: string } {
  const arch = llmArchOf(model);
  if (arch !== undefined) {
    const r = llmPerf({ arch, gpu: gpuPhysics(gpu), gpuCount: count, engine: ENGINES.vllm });
    if (!r.ok) return r;
    const input = Math.max(1, Math.round(tokens?.input ?? TYPICAL_INPUT_TOKENS));
    const output = Math.max(1, Math.round(tokens?.output ?? TYPICAL_OUTPUT_TOKENS));
    const slots = maxConcurrency(r.perf, input, output);
    return {
      ok: true,
      serving: { kind: 'llm', perf: r.perf, typicalInput: input, typicalOutput: output },
      slots,
      capacityRps: llmCapacityRps(r.perf, slots, input, output),
    };
  }
  const perf = batchPerf({
    referenceMs: model.serviceSeconds * 1000,
    referenceGpu: gpuPhysics(refGpu),
    referenceCount: model.reference.count,
    gpu: gpuPhysics(gpu),
    gpuCount: count,
    maxBatch: model.concurrencyPerInstance,
  });
  // A full batch at the requests' mean work (1) but the spread the simulator draws (SERVICE_SIGMA): its
  // shared part lasts as long as its largest request, so a batch of 8 takes ~1.19× what 8 requests of
  // work 1 would (Whisper's f = 0.68), and the instance serves that much less.
  const f = perf.sharedFraction;
  const batchMs =
    perf.singleMs * (f * expectedMaxLognormal(perf.maxBatch, SERVICE_SIGMA) + (1 - f) * perf.maxBatch);
  return {
    ok: true,
    serving: { kind: 'batch', perf },
    slots: perf.maxBatch,
    capacityRps: (perf.maxBatch * 1000) / batchMs,
  };
}

export function performanceOf(
  model: ModelRecord,
  gpu: GpuRecord,
  count: number,
  refGpu: GpuRecord,
  tokens: { readonly input: number; readonly output: number } | null = null,
): Performance {
  let s = servingOf(model, gpu, count, refGpu, tokens);
  if (!s.ok) {
    // The validator's memory check (catalog figures) admitted it but physics' finer KV arithmetic does not:
    // serve it in fixed batches from the catalog figures rather than refuse a validated scenario.
    s = servingOf({ ...model, type: 'tts' }, gpu, count, refGpu, tokens);
    if (!s.ok) throw new Error(s.reason);
  }
  const isEngineImage = s.serving.kind === 'llm';
  return {
    serving: s.serving,
    slots: s.slots,
    capacityRps: s.capacityRps,
    imageGB: isEngineImage ? LLM_ENGINE_IMAGE_GB : model.imageGB,
    imageKey: isEngineImage ? LLM_ENGINE_IMAGE_KEY : `model:${model.id}`,
    weightsGB: model.weightsGB,
    engineStart: isEngineImage ? VLLM_ENGINE_START : PLAIN_ENGINE_START,
  };
}

/**
 * performanceOf for a model and accelerator named by id, as a spec names them; null when the catalog
 * lacks the model, the GPU or the model's reference GPU (an edit the engine will reject).
 */
export function performanceOfIds(
  catalog: Catalog,
  modelId: string,
  accelerator: Accelerator,
  tokens: { readonly input: number; readonly output: number } | null = null,
): Performance | null {
  const model = catalog.models[modelId];
  const gpu = catalog.gpus[accelerator.type];
  const ref = model === undefined ? undefined : catalog.gpus[model.reference.gpu];
  if (model === undefined || gpu === undefined || ref === undefined) return null;
  return performanceOf(model, gpu, accelerator.count, ref, tokens);
}

/** Cold start of one instance on a node with these settings (image cached: the node already holds it). */
export function coldStartOf(perf: Performance, settings: ColdStartSettings, imageCached: boolean): ColdStart {
  return coldStart({
    imageGB: perf.imageGB,
    weightsGB: perf.weightsGB,
    imageCached: imageCached || settings.imageCached,
    imageSource: settings.imageSource,
    storage: settings.storage,
    compileCacheWarm: settings.compileCacheWarm,
    engine: perf.engineStart,
    ...(settings.weightsGBps === null ? {} : { weightsGBps: settings.weightsGBps }),
    ...(settings.imageGBps === null ? {} : { imageGBps: settings.imageGBps }),
  });
}
