// GPU and model figures the serving physics needs beyond the catalog: dense tensor FLOPS per precision and
// the transformer shape (layers, KV heads, head dimension). Plain numbers with sources; the only import is
// the type of a shape written out in a scenario, which the catalog's model record declares.
import type { ArchitectureFields } from '../catalog/catalog.js';

/** Weight / compute precision of a checkpoint. */
export type Precision = 'fp32' | 'bf16' | 'fp16' | 'fp8' | 'fp4';

/** Bytes per parameter for a checkpoint precision. */
export const BYTES_PER_PARAM: Readonly<Record<Precision, number>> = {
  fp32: 4,
  bf16: 2,
  fp16: 2,
  fp8: 1,
  fp4: 0.5,
};

export interface GpuPhysics {
  readonly id: string;
  readonly memoryGB: number;
  readonly memBandwidthGBps: number;
  /** Dense (no sparsity) tensor-core TFLOPS at 16-bit (BF16, or FP16 where BF16 is absent). */
  readonly dense16Tflops: number;
  /** Dense FP8 tensor-core TFLOPS, or null when the GPU has no FP8 tensor cores (FP8 weights are upcast). */
  readonly denseFp8Tflops: number | null;
  /** Dense FP4 TFLOPS, or null when absent. */
  readonly denseFp4Tflops: number | null;
  /** NVLink (SXM/HGX) or PCIe between GPUs of one instance: tensor-parallel scaling differs. */
  readonly interconnect: 'nvlink' | 'pcie';
  readonly source: string;
}

const NV_DS = 'NVIDIA datasheet, dense = half the sparse figure';
const g = (
  id: string,
  memoryGB: number,
  memBandwidthGBps: number,
  dense16Tflops: number,
  denseFp8Tflops: number | null,
  denseFp4Tflops: number | null,
  interconnect: 'nvlink' | 'pcie',
  source: string,
): GpuPhysics => ({
  id,
  memoryGB,
  memBandwidthGBps,
  dense16Tflops,
  denseFp8Tflops,
  denseFp4Tflops,
  interconnect,
  source,
});

/**
 * Memory and bandwidth match engine/catalog.ts (CATALOG-SOURCES §2.1); the FLOPS are added here.
 * Dense figures: datasheets print sparse figures for Ampere and later, which are twice the dense ones.
 */
export const GPU_PHYSICS: Readonly<Record<string, GpuPhysics>> = Object.fromEntries(
  [
    g('T4', 16, 320, 65, null, null, 'pcie', 'NVIDIA T4 datasheet: FP16 tensor 65 TFLOPS; no BF16/FP8'),
    g(
      'L4',
      24,
      300,
      121,
      242,
      null,
      'pcie',
      `${NV_DS}: BF16 242*, FP8 485* (CATALOG-SOURCES §2.1 FP8 485 sparse)`,
    ),
    g(
      'A10G',
      24,
      600,
      70,
      null,
      null,
      'pcie',
      'baseten.co "A10 vs A10G" spec table: A10G 70 TFLOPS BF16 tensor (A10: 125) [3rd-party]',
    ),
    g('L40S', 48, 864, 362, 733, null, 'pcie', `${NV_DS}: BF16 733*, FP8 1,466* (CATALOG-SOURCES §2.1)`),
    g('A100-40GB', 40, 1555, 312, null, null, 'nvlink', 'NVIDIA A100 datasheet: BF16 312 dense; no FP8'),
    g('A100-80GB', 80, 2039, 312, null, null, 'nvlink', 'NVIDIA A100 datasheet: BF16 312 dense; no FP8'),
    g('H100', 80, 3350, 989, 1979, null, 'nvlink', `${NV_DS} (H100 SXM): BF16 1,979*, FP8 3,958*`),
    g('H200', 141, 4800, 989, 1979, null, 'nvlink', `${NV_DS} (H200 SXM): same compute as H100 SXM`),
    g(
      'B200',
      180,
      8000,
      2250,
      4500,
      9000,
      'nvlink',
      'HGX B200 per GPU: FP16/BF16 2.25 PF, FP8 4.5 PF, FP4 9 PF dense (NVIDIA DGX B200 datasheet ÷ 8, dense = sparse ÷ 2)',
    ),
  ].map((x) => [x.id, x]),
);

/** Dense TFLOPS a GPU reaches for a checkpoint precision (upcast to 16-bit when it lacks the format). */
export function denseTflops(gpu: GpuPhysics, precision: Precision): number {
  if (precision === 'fp4') return gpu.denseFp4Tflops ?? gpu.denseFp8Tflops ?? gpu.dense16Tflops;
  if (precision === 'fp8') return gpu.denseFp8Tflops ?? gpu.dense16Tflops;
  if (precision === 'fp32') return gpu.dense16Tflops / 2;
  return gpu.dense16Tflops;
}

/** Whether the tensor cores run this precision natively (else compute runs at 16-bit). */
export function nativeCompute(gpu: GpuPhysics, precision: Precision): 'fp8' | '16bit' {
  if ((precision === 'fp8' || precision === 'fp4') && gpu.denseFp8Tflops !== null) return 'fp8';
  return '16bit';
}

/** A decoder-only transformer's shape, as the physics needs it. */
export interface LlmArch {
  readonly id: string;
  readonly paramsB: number;
  readonly layers: number;
  /** Layers that hold a KV cache (NAS-pruned models skip attention in some layers). */
  readonly kvLayers: number;
  readonly queryHeads: number;
  readonly kvHeads: number;
  readonly headDim: number;
  /** Precision the checkpoint ships in (the catalog's weights figure is at this precision). */
  readonly precision: Precision;
  /**
   * Longest sequence (prompt + output) the model takes: HF config.json `max_position_embeddings`, which
   * vLLM uses as max_model_len by default and refuses requests beyond.
   */
  readonly contextTokens: number;
  readonly source: string;
}

const LLAMA_CFG = 'HF config.json (CATALOG-SOURCES §2.2)';
const arch = (
  id: string,
  paramsB: number,
  layers: number,
  queryHeads: number,
  kvHeads: number,
  precision: Precision,
  source: string,
  kvLayers = layers,
  contextTokens = LLAMA3_CONTEXT,
): LlmArch => ({
  id,
  paramsB,
  layers,
  kvLayers,
  queryHeads,
  kvHeads,
  headDim: 128,
  precision,
  contextTokens,
  source,
});

/** Llama 3.1 / 3.3 config.json: max_position_embeddings 131,072 (the model cards' "128k context"). */
const LLAMA3_CONTEXT = 131_072;
/** Llama 2 config.json: max_position_embeddings 4,096. */
const LLAMA2_CONTEXT = 4_096;

/**
 * Architectures of the catalog's LLMs and of the models in the calibration points. Llama 3 / 3.3 share the
 * Llama 3.1 shapes; Llama 2 70B has the same shape (80 layers, 64 heads, 8 KV heads) with 69B parameters.
 */
export const LLM_ARCH: Readonly<Record<string, LlmArch>> = Object.fromEntries(
  [
    arch('llama-3.1-8b', 8.03, 32, 32, 8, 'bf16', `${LLAMA_CFG}: 8,030,261,248 params`),
    arch('llama-3.1-8b-fp8', 8.03, 32, 32, 8, 'fp8', `${LLAMA_CFG}; FP8 checkpoint (neuralmagic / ModelOpt)`),
    arch('llama-3.1-70b', 70.56, 80, 64, 8, 'bf16', `${LLAMA_CFG}: 70,562,938,880 params`),
    arch('llama-3.1-70b-fp8', 70.56, 80, 64, 8, 'fp8', `${LLAMA_CFG}; FP8 checkpoint`),
    arch('llama-3.1-405b-fp8', 405.0, 126, 128, 8, 'fp8', `${LLAMA_CFG}: 126 layers, 128 heads, 8 KV heads`),
    arch('llama-3.3-70b-fp4', 70.56, 80, 64, 8, 'fp4', `${LLAMA_CFG}; NVFP4 ModelOpt checkpoint`),
    arch('llama-3.1-405b-fp4', 405.0, 126, 128, 8, 'fp4', `${LLAMA_CFG}; NVFP4 ModelOpt checkpoint`),
    arch(
      'llama-2-70b-fp8',
      68.98,
      80,
      64,
      8,
      'fp8',
      'Llama 2 70B config: 80 layers, 64 heads, 8 KV heads, 4,096 positions',
      80,
      LLAMA2_CONTEXT,
    ),
    arch(
      'llama-2-70b-fp4',
      68.98,
      80,
      64,
      8,
      'fp4',
      'Llama 2 70B config; FP4 on B200 per MLPerf coverage',
      80,
      LLAMA2_CONTEXT,
    ),
    arch(
      'nemotron-super-49b-fp8',
      49.87,
      80,
      64,
      8,
      'fp8',
      'Llama-3.3-Nemotron-Super-49B: 80 blocks from Llama-3.3-70B by NAS, some without attention; KV layers ~ 0.6 of 80 [derived, not verified]',
      48,
    ),
  ].map((x) => [x.id, x]),
);

/**
 * A transformer shape written out in a scenario (`models[].architecture` as fields, for an LLM whose shape
 * is not in LLM_ARCH): the figures of its HF config.json. Declared with the catalog's model record.
 */
export type LlmArchFields = ArchitectureFields;

/** The default head dimension of a written-out shape (Llama, Mistral, Qwen 2.5 and most others). */
export const DEFAULT_HEAD_DIM = 128;

/** An LlmArch from written-out fields, named after the model that gives them. */
export function archFromFields(id: string, f: LlmArchFields): LlmArch {
  return {
    id,
    paramsB: f.paramsB,
    layers: f.layers,
    kvLayers: f.kvLayers ?? f.layers,
    queryHeads: f.queryHeads,
    kvHeads: f.kvHeads,
    headDim: f.headDim ?? DEFAULT_HEAD_DIM,
    precision: f.precision,
    contextTokens: f.contextTokens,
    source: `${id}: shape given in the scenario`,
  };
}

/**
 * The transformer shape of a catalog LLM: its `architecture` (a fine-tune names the model it shares a
 * shape with, or the scenario writes the shape out) or its own id; undefined for other model types and
 * for shapes physics/ does not know.
 */
export function llmArchOf(model: {
  readonly type: string;
  readonly id: string;
  readonly architecture?: string | LlmArchFields;
}): LlmArch | undefined {
  if (model.type !== 'llm') return undefined;
  const a = model.architecture;
  if (a !== undefined && typeof a !== 'string') return archFromFields(model.id, a);
  return LLM_ARCH[a ?? model.id];
}

/** KV-cache bytes per token at 16-bit KV (2 × layers × KV heads × head dim × 2 bytes). */
export function kvBytesPerToken(a: LlmArch, kvBytesPerValue = 2): number {
  return 2 * a.kvLayers * a.kvHeads * a.headDim * kvBytesPerValue;
}
