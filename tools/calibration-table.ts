// Writes docs/calibration.md: every published point, the serving model's figure and the ratio.
// `--fit` instead searches the constants (coordinate descent on the fit points) and prints them.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluatePoints, fitLoss, renderCalibration } from '../physics/calibration.js';
import { SERVING_CONSTANTS, type ServingConstants } from '../physics/constants.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const csvPath = join(root, 'physics/data/perf-calibration.csv');
const outPath = join(root, 'docs/calibration.md');

type Knob = {
  name: string;
  get: (c: ServingConstants) => number;
  set: (c: ServingConstants, v: number) => ServingConstants;
};

const knobs: Knob[] = [
  { name: 'memEfficiency', get: (c) => c.memEfficiency, set: (c, v) => ({ ...c, memEfficiency: v }) },
  {
    name: 'computeEfficiency16',
    get: (c) => c.computeEfficiency16,
    set: (c, v) => ({ ...c, computeEfficiency16: v }),
  },
  {
    name: 'computeEfficiencyFp8',
    get: (c) => c.computeEfficiencyFp8,
    set: (c, v) => ({ ...c, computeEfficiencyFp8: v }),
  },
  {
    name: 'allReduceMsPerLayerNvlink',
    get: (c) => c.allReduceMsPerLayerNvlink,
    set: (c, v) => ({ ...c, allReduceMsPerLayerNvlink: v, allReduceMsPerLayerPcie: 3 * v }),
  },
  { name: 'stepOverheadMs', get: (c) => c.stepOverheadMs, set: (c, v) => ({ ...c, stepOverheadMs: v }) },
  ...[2, 8].map((k): Knob => ({
    name: `tp${k}`,
    get: (c) => c.tpEfficiencyNvlink[k] ?? 1,
    set: (c, v) => ({ ...c, tpEfficiencyNvlink: { ...c.tpEfficiencyNvlink, [k]: v } }),
  })),
];

function fit(csv: string): ServingConstants {
  let best = SERVING_CONSTANTS;
  let bestLoss = fitLoss(evaluatePoints(csv, best));
  for (const step of [0.2, 0.1, 0.05, 0.02]) {
    let improved = true;
    while (improved) {
      improved = false;
      for (const k of knobs) {
        for (const dir of [1 + step, 1 / (1 + step)]) {
          const v = Math.round(k.get(best) * dir * 1000) / 1000;
          const cap =
            k.name === 'memEfficiency'
              ? 0.9
              : k.name.startsWith('tp') || k.name.includes('Eff')
                ? 1
                : Infinity;
          const trial = k.set(best, Math.min(v, cap));
          const loss = fitLoss(evaluatePoints(csv, trial));
          if (loss < bestLoss - 1e-9) {
            best = trial;
            bestLoss = loss;
            improved = true;
          }
        }
      }
    }
    process.stdout.write(`step ${step}: loss ${bestLoss.toFixed(4)} ${JSON.stringify(best)}\n`);
  }
  return best;
}

function main(argv: string[]): number {
  const csv = readFileSync(csvPath, 'utf8');
  if (argv.includes('--fit')) {
    fit(csv);
    return 0;
  }
  const text = renderCalibration(evaluatePoints(csv), SERVING_CONSTANTS);
  const tmp = `${outPath}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, outPath);
  process.stdout.write(`wrote ${outPath}\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
