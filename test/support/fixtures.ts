// Valid Scenario objects built in code, for tests and benchmarks (no YAML loader needed).
// Defaults: 4 H100 nodes of 8 GPUs, Llama 3.1 8B on 1×H100, 2–8 instances scaled on concurrency 16,
// 10 req/s constant for one hour, the platform's default rollout settings, no events.
import type { DeploymentSpec } from '../../catalog/spec.js';
import { DEFAULT_ROLLOUT_OPTIONS, type RolloutOptions } from '../../engine/types.js';
import { SCENARIO_DEFAULTS } from '../../scenario/normalize.js';
import type { PoolConfig, Scenario } from '../../scenario/types.js';

export type ScenarioOverrides = Partial<Omit<Scenario, 'deployment' | 'rollout'>> & {
  readonly deployment?: Partial<DeploymentSpec>;
  readonly rollout?: Partial<RolloutOptions>;
};

export function makePool(overrides: Partial<PoolConfig> = {}): PoolConfig {
  const nodes = overrides.nodes ?? 4;
  return {
    name: 'h100',
    gpu: 'H100',
    gpusPerNode: 8,
    nodes,
    maxNodes: overrides.maxNodes ?? nodes,
    nodeProvisioningMs: 7 * 60_000,
    coldStart: SCENARIO_DEFAULTS.coldStart,
    ...overrides,
  };
}

export function makeScenario(overrides: ScenarioOverrides = {}): Scenario {
  const deployment: DeploymentSpec = {
    name: 'llama-chat',
    cloud: 'aws',
    cluster: 'us-east-1-gpu',
    processingType: 'sync',
    status: 'deployed',
    warmpool: false,
    model: 'llama-3.1-8b',
    accelerator: { type: 'H100', count: 1 },
    scaling: { minInstances: 2, maxInstances: 8, metrics: [{ metric: 'concurrency', threshold: 16 }] },
    tags: { env: 'test' },
    ...overrides.deployment,
  };
  const { deployment: _d, rollout, ...rest } = overrides;
  return {
    apiVersion: 'rollsim/v1',
    kind: 'Scenario',
    metadata: { name: 'test-scenario', description: 'built in code' },
    sourcePath: '<fixture>',
    seed: 1,
    durationMs: 60 * 60_000,
    cluster: { cloud: 'aws', name: 'us-east-1-gpu', pools: [makePool()], tenants: [] },
    rollout: { ...DEFAULT_ROLLOUT_OPTIONS, ...rollout },
    autoscaler: { intervalMs: 15_000, tolerance: 0.1, scaleDownStabilizationMs: 5 * 60_000 },
    traffic: { profile: 'constant', rps: 10, timeoutMs: 30_000 },
    models: [],
    events: [],
    expect: null,
    sampleIntervalMs: 10_000,
    ...rest,
    deployment,
  };
}
