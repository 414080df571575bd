// Fitted serving constants. Fitted by tools/calibration-table.ts --fit against the points marked `fit` in
// physics/calibration-points.ts (published measurements in physics/data/perf-calibration.csv); the
// resulting table, with every point and its ratio, is docs/calibration.md.

/** How the constants below came to be, printed under them in docs/calibration.md. */
export const FIT_NOTE =
  'Fitted (tools/calibration-table.ts --fit) when a step cost max(weights + KV read, linear + attention compute); kept when the step became GEMMs then attention, each at its own roofline, which brought every fit point within ±25 % without a refit (fit loss 0.310 → 0.257). A refit under the new rule only lowers the loss further (0.207) by running the step overhead down to its 0.01 ms floor, which no engine has, so it was not taken.';

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
  computeEfficiencyFp8: 0.459,
  stepOverheadMs: 1.82,
  allReduceMsPerLayerNvlink: 0.055,
  allReduceMsPerLayerPcie: 0.165,
  tpEfficiencyNvlink: { 1: 1, 2: 1, 8: 0.705 },
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
