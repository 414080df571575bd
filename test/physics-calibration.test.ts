// docs/calibration.md is what tools/calibration-table.ts writes, every published point is accounted for,
// and the serving points the constants were fitted to are within ±25 % (misses named and explained).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { POINTS } from '../physics/calibration-points.js';
import {
  evaluatePoints,
  publishedValue,
  renderCalibration,
  servingFitPoints,
} from '../physics/calibration.js';
import { closedLoopLlm } from '../physics/closed-loop.js';
import { SERVING_CONSTANTS } from '../physics/constants.js';
import { GPU_PHYSICS, LLM_ARCH } from '../physics/hardware.js';
import { ENGINES, llmPerf } from '../physics/perf.js';
import { parseCsv } from '../physics/csv.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const csv = readFileSync(join(root, 'physics/data/perf-calibration.csv'), 'utf8');
const points = evaluatePoints(csv);

describe('calibration', () => {
  it('docs/calibration.md is current (regenerate with `npx tsx tools/calibration-table.ts`)', () => {
    expect(readFileSync(join(root, 'docs/calibration.md'), 'utf8')).toBe(
      renderCalibration(points, SERVING_CONSTANTS),
    );
  });

  it('covers every CSV row exactly once, and every mapping names a CSV row', () => {
    const ids = parseCsv(csv).map((r) => r.id);
    expect(ids.length).toBe(106);
    expect(new Set(ids).size).toBe(ids.length);
    expect(points.map((p) => p.id)).toEqual(ids);
    expect(Object.keys(POINTS).sort()).toEqual([...ids].sort());
  });

  it('gives a figure for every fitted and checked point, and a reason for every other', () => {
    for (const p of points) {
      if (p.role === 'none') expect(p.note.length, p.id).toBeGreaterThan(4);
      else expect(p.model, p.id).not.toBeNull();
    }
  });

  it('keeps fitted TTFT, ITL and throughput within ±25 %, but for a few named misses within 1.6×', () => {
    const fit = servingFitPoints(points);
    expect(fit.length).toBeGreaterThanOrEqual(30);
    const misses = fit.filter((p) => Math.abs(p.ratio! - 1) > 0.25);
    expect(misses.length / fit.length).toBeLessThanOrEqual(0.1);
    for (const p of misses) {
      expect(p.note, p.id).toMatch(/^miss: /);
      expect(Math.abs(Math.log(p.ratio!)), p.id).toBeLessThan(Math.log(1.6));
    }
    for (const p of fit.filter((x) => Math.abs(x.ratio! - 1) <= 0.25))
      expect(p.note, p.id).not.toMatch(/^miss: /);
  });

  it("runs llmperf's points on the prompt the server saw, and gives their throughput in llmperf's count", () => {
    const spec = POINTS.P020!;
    if (spec.kind !== 'llm' || !spec.counted) throw new Error('P020 is an llmperf point');
    expect(spec.engine).toBe('vllm-0.4');
    const r = llmPerf({
      arch: LLM_ARCH[spec.arch]!,
      gpu: GPU_PHYSICS[spec.gpu]!,
      gpuCount: spec.count,
      engine: ENGINES[spec.engine],
    });
    if (!r.ok) throw new Error(r.reason);
    const served = closedLoopLlm(r.perf, { concurrency: 1, inputTokens: 444, outputTokens: 150 });
    const byId = new Map(points.map((p) => [p.id, p]));
    expect(byId.get('P019')!.model).toBe(served.ttftMs);
    expect(byId.get('P020')!.model).toBeCloseTo(served.outputTokPerSec! * (177.43 / 150), 9);
    expect(byId.get('P019')!.config).toContain('550 (444 served)/150');
  });

  it('reads published values: ranges as midpoints, ~x as x, bounds as none', () => {
    expect(publishedValue('300-360')).toBe(330);
    expect(publishedValue('~120')).toBe(120);
    expect(publishedValue('<30')).toBeNull();
    expect(publishedValue('18.58')).toBe(18.58);
  });
});
