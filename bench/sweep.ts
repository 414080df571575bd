// Sweep throughput with 1 worker and with 2 on the default scenario, and the speedup between them.
// BENCH_SWEEP_SEEDS sets the seeds per run (default 40; the issue's 200-seed figure: BENCH_SWEEP_SEEDS=200).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { runSweep } from '../sweep/run.js';

const scenarioFile = resolve(import.meta.dirname, '..', 'library', 'default.yaml');

async function timedSweep(workers: number, seeds: number): Promise<{ seconds: number; summary: string }> {
  const outDir = mkdtempSync(join(tmpdir(), `rollsim-bench-sweep-${workers}-`));
  const t0 = performance.now();
  const outcome = await runSweep({
    scenarioFile,
    seeds,
    seedStart: 1,
    workers,
    shard: null,
    axes: [],
    outDir,
    progress: null,
  });
  const seconds = (performance.now() - t0) / 1000;
  rmSync(outDir, { recursive: true, force: true });
  if (outcome.kind !== 'done') throw new Error(`sweep bench: ${outcome.kind}`);
  const c = outcome.aggregate.combos[0];
  const summary = c
    ? `rollback rate ${(c.rollbackRate * 100).toFixed(1)} %, downtime p95 ${(c.downtimeMs.p95 / 1000).toFixed(1)} s, duration p50 ${c.durationMs === null ? '–' : `${(c.durationMs.p50 / 1000).toFixed(0)} s`}`
    : 'no runs';
  return { seconds, summary };
}

export async function benchSweep(): Promise<void> {
  const seeds = Number(process.env['BENCH_SWEEP_SEEDS'] ?? 40);
  console.log(`\nsweep of the default scenario, ${seeds} seeds:`);
  const one = await timedSweep(1, seeds);
  console.log(
    `  1 worker : ${one.seconds.toFixed(1)} s, ${(seeds / one.seconds).toFixed(2)} runs/s (${one.summary})`,
  );
  const two = await timedSweep(2, seeds);
  console.log(
    `  2 workers: ${two.seconds.toFixed(1)} s, ${(seeds / two.seconds).toFixed(2)} runs/s (${two.summary})`,
  );
  console.log(`  speedup 2 vs 1 workers: ${(one.seconds / two.seconds).toFixed(2)}×`);
}
