// Fitted serving constants. Fitted by tools/calibration-table.ts --fit against the points marked `fit` in
// physics/calibration-points.ts (published measurements in physics/data/perf-calibration.csv); the
// resulting table, with every point and its ratio, is docs/calibration.md.

/** How the constants below came to be, printed under them in docs/calibration.md. */
export const FIT_NOTE =
  'Refitted (tools/calibration-table.ts --fit) when a step became GEMMs then attention, each at its own roofline, instead of max(weights + KV read, linear + attention compute): fit loss 0.357 under the old rule with these points, 0.303 under the new one with the old constants, 0.280 refitted (step overhead 1.82 → 1.474 ms, FP8 efficiency 0.459 → 0.468, TP8 0.705 → 0.739).';

export interface ServingConstants {
  /** Fraction of peak memory bandwidth a decode step reaches reading weights and KV cache. */
  readonly memEfficiency: number;
  /** Fraction of dense 16-bit tensor FLOPS reached by prefill / large-batch GEMMs. */
  readonly computeEfficiency16: number;
  /** Fraction of dense FP8 tensor FLOPS reached (FP8 GEMMs reach a smaller share of a larger peak). */
  readonly computeEfficiencyFp8: number;
  /** Fixed cost of one engine step (scheduling, sampling, kernel launches), ms. */
  readonly stepOverheadMs: number;
  /** Tensor-parallel all-reduce latency per layer and step over NVLink (two all-reduces per layer), ms. */
  readonly allReduceMsPerLayerNvlink: number;
  /** The same over PCIe (no published point here; assumed three times NVLink). */
  readonly allReduceMsPerLayerPcie: number;
  /** Share of linear scaling kept at each tensor-parallel degree over NVLink (1 GPU = 1). */
  readonly tpEfficiencyNvlink: Readonly<Record<number, number>>;
  /** The same over PCIe (no published point here; assumed lower). */
  readonly tpEfficiencyPcie: Readonly<Record<number, number>>;
}

export const SERVING_CONSTANTS: ServingConstants = {
  memEfficiency: 0.9,
  computeEfficiency16: 0.68,
  computeEfficiencyFp8: 0.468,
  stepOverheadMs: 1.474,
  allReduceMsPerLayerNvlink: 0.055,
  allReduceMsPerLayerPcie: 0.165,
  tpEfficiencyNvlink: { 1: 1, 2: 1, 8: 0.739 },
  tpEfficiencyPcie: { 1: 1, 2: 0.7, 8: 0.45 },
};

/** Tensor-parallel efficiency at a GPU count (geometric interpolation between listed degrees). */
export function tpEfficiency(table: Readonly<Record<number, number>>, count: number): number {
  const exact = table[count];
  if (exact !== undefined) return exact;
  const keys = Object.keys(table)
    .map(Number)
    .sort((a, b) => a - b);
  let lo = keys[0] ?? 1;
  let hi = keys[keys.length - 1] ?? 1;
  for (const k of keys) {
    if (k <= count) lo = k;
    if (k >= count) {
      hi = k;
      break;
    }
  }
  const eLo = table[lo] ?? 1;
  const eHi = table[hi] ?? 1;
  if (hi === lo) return eLo;
  const f = Math.log(count / lo) / Math.log(hi / lo);
  return eLo * Math.pow(eHi / eLo, f);
}
