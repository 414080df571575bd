// Other workloads compete for GPUs: a tenant whose step wants more than is free waits and takes GPUs as
// they are freed, first come first served against the deployment's own waiting instances.
import { describe, expect, it } from 'vitest';
import { makePool, makeScenario } from './support/fixtures.js';
import { runScenario } from '../sim/run.js';
import type { Scenario, ScenarioEvent, TenantConfig } from '../scenario/types.js';
import type { RunResult } from '../result/result.js';

const MIN = 60_000;

/** One 8-GPU node; the 8B deployment holds 2 GPUs (2 × 1 H100) and never autoscales on its own. */
function oneNode(tenants: TenantConfig[], events: ScenarioEvent[]): Scenario {
  return makeScenario({
    durationMs: 30 * MIN,
    cluster: { cloud: 'aws', name: 'us-east-1-gpu', pools: [makePool({ nodes: 1 })], tenants },
    deployment: { scaling: { minInstances: 2, maxInstances: 2, metrics: [] } },
    traffic: { profile: 'constant', rps: 1, timeoutMs: 30_000 },
    events,
  });
}

/** The pool's usage in the last timeline sample before `atMs`. */
function poolAt(result: RunResult, atMs: number) {
  const sample = [...result.timeline].reverse().find((s) => s.tMs < atMs);
  return sample!.pools.h100!;
}

const scaleTo = (n: number): ScenarioEvent => ({
  atMs: 10 * MIN,
  action: 'edit',
  edit: { scaling: { minInstances: n, maxInstances: n } },
});

describe('tenant competition', () => {
  it('a tenant stepping up beyond what is free waits and takes the GPUs the deployment frees', () => {
    // 8 GPUs: 2 deployment, 4 tenant, 2 free. At 5m the tenant wants 8: it takes the 2 free and waits.
    // At 10m the deployment scales in to 1 instance: the freed GPU goes to the waiting tenant.
    const scenario = oneNode(
      [
        {
          pool: 'h100',
          gpus: [
            { atMs: 0, count: 4 },
            { atMs: 5 * MIN, count: 8 },
          ],
        },
      ],
      [scaleTo(1)],
    );
    const { result } = runScenario(scenario, { checkInvariants: true });
    expect(poolAt(result, 9 * MIN)).toEqual({ deployment: 2, tenants: 6, free: 0, down: 0 });
    expect(poolAt(result, 29 * MIN)).toEqual({ deployment: 1, tenants: 7, free: 0, down: 0 });
  });

  it('a tenant that started waiting first gets a freed GPU before a later deployment instance', () => {
    // Tenant A holds 3, tenant B 1, 2 free. 5m: A wants 6 — takes 2, waits for 1. 10m: the deployment
    // scales out to 3 — its new instance waits. 15m: B steps down to 0 — A waited first and takes it.
    const scenario = oneNode(
      [
        {
          pool: 'h100',
          gpus: [
            { atMs: 0, count: 3 },
            { atMs: 5 * MIN, count: 6 },
          ],
        },
        {
          pool: 'h100',
          gpus: [
            { atMs: 0, count: 1 },
            { atMs: 15 * MIN, count: 0 },
          ],
        },
      ],
      [scaleTo(3)],
    );
    const { result } = runScenario(scenario, { checkInvariants: true });
    expect(poolAt(result, 29 * MIN)).toEqual({ deployment: 2, tenants: 6, free: 0, down: 0 });
  });

  it('a deployment instance that started waiting first gets a freed GPU before a later tenant', () => {
    // Same cluster, the order swapped: the deployment's third instance waits from 5m (0 free after the
    // scale-out asks), tenant A falls short at 10m, B frees a GPU at 15m — the instance takes it.
    const scenario = oneNode(
      [
        {
          pool: 'h100',
          gpus: [
            { atMs: 0, count: 5 },
            { atMs: 10 * MIN, count: 6 },
          ],
        },
        {
          pool: 'h100',
          gpus: [
            { atMs: 0, count: 1 },
            { atMs: 15 * MIN, count: 0 },
          ],
        },
      ],
      [{ ...scaleTo(3), atMs: 5 * MIN }],
    );
    const { result } = runScenario(scenario, { checkInvariants: true });
    expect(poolAt(result, 29 * MIN)).toEqual({ deployment: 3, tenants: 5, free: 0, down: 0 });
  });
});
