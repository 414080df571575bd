// Engine step cost against fleet size: one health-probe step (it changes one instance: a failed probe,
// then a passing one that clears it) on a deployment
// of 10, 100 and 1,000 instances, and, as the baseline in the same run, copying the whole instance map
// once (what a step cost before the instance table, engine/instance-table.ts). A step that costs what
// it changes stays about flat from 10 to 1,000 instances; a whole copy grows with the fleet.
import { performance } from 'node:perf_hooks';
import { BUILTIN_CATALOG } from '../catalog/catalog.js';
import { DEFAULT_PLATFORM_LIMITS } from '../catalog/spec.js';
import { DEFAULT_ROLLOUT_OPTIONS } from '../engine/types.js';
import { initialState, step } from '../engine/step.js';
import type { EngineState } from '../engine/state.js';
import type { DeploymentSpec } from '../catalog/spec.js';

const options = {
  rollout: DEFAULT_ROLLOUT_OPTIONS,
  catalog: BUILTIN_CATALOG,
  limits: DEFAULT_PLATFORM_LIMITS,
};

function spec(instances: number): DeploymentSpec {
  return {
    name: 'bench',
    cloud: 'aws',
    cluster: 'bench',
    processingType: 'sync',
    status: 'deployed',
    warmpool: false,
    model: 'llama-3.1-8b',
    accelerator: { type: 'H100', count: 1 },
    scaling: {
      minInstances: instances,
      maxInstances: instances,
      metrics: [{ metric: 'concurrency', threshold: 16 }],
    },
    tags: {},
  };
}

function microsPer(n: number, fn: (k: number) => void): number {
  for (let k = 0; k < Math.min(n, 20_000); k++) fn(k); // warm-up
  const t0 = performance.now();
  for (let k = 0; k < n; k++) fn(k);
  return ((performance.now() - t0) * 1000) / n;
}

export function benchEngineStep(): void {
  console.log('engine step (a health probe that changes one instance) vs fleet size:');
  const rows: { n: number; stepUs: number; copyUs: number }[] = [];
  for (const n of [10, 100, 1000]) {
    let state: EngineState = initialState(spec(n), options);
    let at = 0;
    const stepUs = microsPer(200_000, (k) => {
      at += 1;
      const instanceId = `r1-${k % n}`;
      const type = Math.floor(k / n) % 2 === 0 ? 'health/probeFailed' : 'health/probePassed';
      state = step(options, state, { type, atMs: at, instanceId }).state;
    });
    let sink = 0;
    const copyUs = microsPer(200_000, () => {
      sink += new Map(state.instances).size;
    });
    if (sink === 0) throw new Error('unreachable');
    rows.push({ n, stepUs, copyUs });
    console.log(
      `  ${String(n).padStart(5)} instances: ${stepUs.toFixed(2)} µs / step; one whole-map copy ${copyUs.toFixed(2)} µs`,
    );
  }
  const first = rows[0]!;
  const last = rows[rows.length - 1]!;
  console.log(
    `  1,000 vs 10 instances: step ${(last.stepUs / first.stepUs).toFixed(2)}x, whole-map copy ${(last.copyUs / first.copyUs).toFixed(2)}x\n`,
  );
}
