// Proves the simulator is driven by the same Kubernetes functions the conformance check verifies: a
// simulated rolling update peaks at exactly desired + maxSurge instances and never has fewer than
// desired − maxUnavailable ready, as k8s/deployment.ts computes them.
import { describe, expect, it } from 'vitest';
import { maxSurge, minAvailable, type RollingStrategy } from '../k8s/deployment.js';
import type { IntOrPercent } from '../engine/types.js';
import { makePool, makeScenario } from './support/fixtures.js';
import { runScenario } from '../sim/run.js';

const DESIRED = 8;
const EDIT_AT_MS = 5 * 60_000;

function rollout(surge: IntOrPercent, unavailable: IntOrPercent) {
  const scenario = makeScenario({
    durationMs: 90 * 60_000,
    cluster: { cloud: 'aws', name: 'us-east-1-gpu', pools: [makePool({ nodes: 12 })], tenants: [] },
    deployment: {
      // min = max: the autoscaler cannot move desired, so the rollout alone shapes the counts.
      scaling: {
        minInstances: DESIRED,
        maxInstances: DESIRED,
        metrics: [{ metric: 'concurrency', threshold: 16 }],
      },
    },
    rollout: { maxSurge: surge, maxUnavailable: unavailable },
    traffic: { profile: 'constant', rps: 5, timeoutMs: 30_000 },
    events: [
      {
        atMs: EDIT_AT_MS,
        action: 'edit',
        edit: { model: 'llama-3.1-70b-fp8', accelerator: { type: 'H100', count: 2 } },
      },
    ],
  });
  const { result } = runScenario(scenario, { checkInvariants: true });
  return result;
}

describe('a simulated rollout matches the Kubernetes arithmetic', () => {
  it.each([
    [1, 0],
    [0, 1],
    ['25%', '25%'],
    ['39%', '39%'],
    [2, 3],
  ] as [IntOrPercent, IntOrPercent][])('maxSurge %s, maxUnavailable %s', (surge, unavailable) => {
    const strategy: RollingStrategy = { maxSurge: surge, maxUnavailable: unavailable };
    const result = rollout(surge, unavailable);
    const [edit] = result.edits;
    expect(edit?.outcome).toBe('completed');
    expect(edit?.peakInstances).toBe(DESIRED + maxSurge(strategy, DESIRED));
    expect(edit?.minReadyInstances).toBe(minAvailable(strategy, DESIRED));
    expect(result.final.readyInstances).toBe(DESIRED);
  });
});
