// Fleet scenarios for the benchmark: N instances of Llama 3.1 8B on 1×H100 at ~70 % utilisation, with
// health checks, the autoscaler (gpuUtilization target 70 %) and one rolling edit (a new build of the
// same model, so capacity stays comparable) rolled 25 % at a time.
import { BUILTIN_MODELS } from '../catalog/catalog.js';
import { DEFAULT_PLATFORM_LIMITS } from '../catalog/spec.js';
import { makePool, makeScenario } from '../test/support/fixtures.js';
import type { Scenario } from '../scenario/types.js';

export const FLEET_UTILISATION = 0.7;

/** With `edit` false, the same fleet without its rolling edit (a steady fleet). */
export function fleetScenario(instances: number, durationMs: number, edit = true): Scenario {
  const base = BUILTIN_MODELS['llama-3.1-8b']!;
  // The offered load of the catalog's slot figures (32 slots × 2.5 s), kept as it was before the serving
  // physics so the benchmark measures the same request count on both sides of that change.
  const perInstanceRps = (base.concurrencyPerInstance * 1000) / (base.serviceSeconds * 1000);
  const rps = Math.round(instances * perInstanceRps * FLEET_UTILISATION * 1000) / 1000;
  const nodes = Math.ceil((instances * 1.5) / 8);
  return makeScenario({
    metadata: { name: `fleet-${instances}`, description: `${instances} instances at ~70 % utilisation` },
    durationMs,
    cluster: { cloud: 'aws', name: 'bench', pools: [makePool({ nodes, maxNodes: nodes })], tenants: [] },
    deployment: {
      scaling: {
        minInstances: instances,
        // The platform allows at most 1,000 instances per deployment.
        maxInstances: Math.min(DEFAULT_PLATFORM_LIMITS.maxInstancesLimit, Math.ceil(instances * 1.25)),
        metrics: [{ metric: 'gpuUtilization', threshold: 70 }],
      },
    },
    rollout: { maxSurge: '25%', maxUnavailable: 0 },
    models: [{ ...base, id: 'llama-3.1-8b-build2', architecture: 'llama-3.1-8b' }],
    traffic: { profile: 'constant', rps, timeoutMs: 30_000 },
    events: edit
      ? [{ atMs: Math.round(durationMs / 5), action: 'edit', edit: { model: 'llama-3.1-8b-build2' } }]
      : [],
  });
}
