// Proves the acceptance swaps: 8B→70B on 4 H100 nodes completes with zero downtime, or rolls back (RESOURCE_UNAVAILABLE) with 8B serving when a tenant holds the GPUs.
import { describe, expect, it } from 'vitest';
import { makePool, makeScenario } from './support/fixtures.js';
import { runScenario } from '../sim/run.js';
import type { Scenario } from '../scenario/types.js';

const SWAP_AT_MS = 20 * 60_000;

function swapScenario(tenantGpus: number): Scenario {
  return makeScenario({
    metadata: { name: 'swap-8b-to-70b', description: 'acceptance' },
    cluster: {
      cloud: 'aws',
      name: 'us-east-1-gpu',
      pools: [makePool({ nodes: 4, gpusPerNode: 8 })],
      tenants: tenantGpus > 0 ? [{ pool: 'h100', gpus: [{ atMs: 0, count: tenantGpus }] }] : [],
    },
    events: [
      {
        atMs: SWAP_AT_MS,
        action: 'edit',
        edit: { model: 'llama-3.1-70b', accelerator: { type: 'H100', count: 4 } },
      },
    ],
  });
}

describe('8B → 70B swap on 4 H100 nodes', () => {
  it('completes with zero downtime when GPUs are spare', () => {
    const { result } = runScenario(swapScenario(0), { checkInvariants: true });
    const [edit] = result.edits;
    expect(edit).toMatchObject({
      outcome: 'completed',
      reason: null,
      inPlace: false,
      fromRevision: 1,
      toRevision: 2,
    });
    expect(edit!.requestedAtMs).toBe(SWAP_AT_MS);
    expect(edit!.minReadyInstances).toBeGreaterThanOrEqual(2);
    expect(result.metrics.downtimeMs).toBe(0);
    expect(result.metrics.requests.dropped + result.metrics.requests.timedOut).toBe(0);
    expect(result.final.spec.model).toBe('llama-3.1-70b');
    expect(result.final.spec.accelerator).toEqual({ type: 'H100', count: 4 });
    const last = result.timeline[result.timeline.length - 1]!;
    expect(last.instances.rev1).toBeUndefined();
    expect(last.instances.rev2!.ready).toBeGreaterThanOrEqual(2);
    // Every 70B instance holds 4 GPUs on one node.
    expect(last.gpusUsed).toBe(4 * (last.instances.rev2!.ready + last.instances.rev2!.starting));
  });

  it('rolls back with RESOURCE_UNAVAILABLE when a tenant holds the spare GPUs, the 8B instances serving throughout', () => {
    const scenario = swapScenario(30); // 2 GPUs for the 8B instances, the other 30 taken
    const { result } = runScenario(scenario, { checkInvariants: true });
    const [edit] = result.edits;
    expect(edit).toMatchObject({ outcome: 'rolledBack', reason: 'RESOURCE_UNAVAILABLE' });
    expect(edit!.endedAtMs).toBe(SWAP_AT_MS + scenario.rollout.schedulingTimeoutMs);
    expect(edit!.minReadyInstances).toBe(2);
    expect(result.metrics.downtimeMs).toBe(0);
    expect(result.final.spec.model).toBe('llama-3.1-8b');
    expect(result.final.revision).toBe(1);
    for (const sample of result.timeline) {
      expect(sample.instances.rev1!.ready).toBeGreaterThanOrEqual(2);
      expect(sample.pools.h100!.tenants).toBe(30);
      expect(sample.instances.rev2?.ready ?? 0).toBe(0);
    }
    const during = result.timeline.filter((s) => s.tMs >= SWAP_AT_MS && s.tMs < edit!.endedAtMs);
    expect(during.every((s) => s.servedRps > 0 && s.droppedRps === 0)).toBe(true);
  });
});
