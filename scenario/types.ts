// A scenario after loading: every default explicit, every duration in integer milliseconds.
// The loader (scenario/load.ts) produces it from YAML/JSON; the simulator consumes it.
import type { ModelRecord } from '../catalog/catalog.js';
import type { DeploymentSpec, MetricName, SpecEdit } from '../catalog/spec.js';
import type { RolloutOptions, ErrorCode, RollbackReason, EditOutcome } from '../engine/types.js';
import type { ImageSource, WeightStorage } from '../physics/cold-start.js';

/** Cold-start settings of a pool (cluster fields with the pool's overrides and the defaults applied). */
export interface ColdStartSettings {
  readonly storage: WeightStorage;
  /** Overrides the storage kind's load bandwidth, GB/s (null: the kind's published rate). */
  readonly weightsGBps: number | null;
  readonly imageSource: ImageSource;
  /** Overrides the image source's bandwidth, GB/s (null: the source's rate). */
  readonly imageGBps: number | null;
  /** Every node starts with the images already pulled. */
  readonly imageCached: boolean;
  readonly compileCacheWarm: boolean;
}

export interface PoolConfig {
  readonly name: string;
  readonly gpu: string;
  readonly gpusPerNode: number;
  readonly nodes: number;
  /** Node autoscaling up to this many nodes (equal to `nodes` when off). */
  readonly maxNodes: number;
  readonly nodeProvisioningMs: number;
  readonly coldStart: ColdStartSettings;
}

export interface TenantConfig {
  readonly pool: string;
  /** Step function of GPUs held by other workloads in the pool. */
  readonly gpus: readonly { readonly atMs: number; readonly count: number }[];
}

export interface ClusterConfig {
  readonly cloud: string;
  readonly name: string;
  readonly pools: readonly PoolConfig[];
  readonly tenants: readonly TenantConfig[];
}

export interface AutoscalerConfig {
  readonly intervalMs: number;
  readonly tolerance: number;
  readonly scaleDownStabilizationMs: number;
}

export interface TraceConfig {
  /** Absolute path (the loader resolves it relative to the scenario file). */
  readonly file: string;
  readonly format: 'csv' | 'jsonl';
  readonly timeColumn: string;
  readonly timeUnit: 'datetime' | 's' | 'ms';
  readonly inputTokensColumn: string | null;
  readonly outputTokensColumn: string | null;
  readonly speedup: number;
}

export type TrafficProfile =
  | { readonly profile: 'constant'; readonly rps: number }
  | { readonly profile: 'steps'; readonly steps: readonly { readonly atMs: number; readonly rps: number }[] }
  | {
      readonly profile: 'diurnal';
      readonly baseRps: number;
      readonly peakRps: number;
      readonly peakAtMs: number;
      readonly periodMs: number;
    }
  | { readonly profile: 'trace'; readonly trace: TraceConfig };

export type TrafficConfig = TrafficProfile & {
  /** A sync request not started by then fails. */
  readonly timeoutMs: number;
};

export type BadVersionMode = 'crashOnLoad' | 'failHealth' | 'crashUnderLoad' | 'slowLoad';

export type NodeFailureTarget = 'random' | 'busiest';

export type FaultSpec =
  | {
      readonly kind: 'nodeFailure';
      readonly pool: string;
      readonly count: number;
      readonly repairMs: number | null;
      /** `random`: drawn from the pool's up nodes; `busiest`: most of the deployment's GPUs first. */
      readonly target: NodeFailureTarget;
    }
  | {
      readonly kind: 'gpuFailure';
      readonly pool: string;
      readonly count: number;
      readonly repairMs: number | null;
    }
  | {
      readonly kind: 'capacitySqueeze';
      readonly pool: string;
      readonly count: number;
      readonly forMs: number;
    }
  | {
      readonly kind: 'badVersion';
      readonly model: string;
      readonly mode: BadVersionMode;
      /** slowLoad: load takes this many times longer. crashUnderLoad: mean time to crash while serving. */
      readonly slowdown: number;
      readonly crashAfterMs: number;
    }
  | { readonly kind: 'flakyHealth'; readonly probability: number; readonly forMs: number }
  /**
   * Not in the file format: placed by `rollsim rehearse`. From now on every instance created for this
   * revision (running or started later) fails its health probes; instances an in-place edit relabeled
   * into it keep passing (they run what they ran before).
   */
  | { readonly kind: 'revisionFailsHealth'; readonly revision: number };

export type ScenarioEvent =
  | { readonly atMs: number; readonly action: 'edit'; readonly edit: SpecEdit }
  | { readonly atMs: number; readonly action: 'rollback' }
  | { readonly atMs: number; readonly action: 'fault'; readonly fault: FaultSpec };

export interface EditExpectation {
  /** `inProgress`: the edit is still under way when the run ends. */
  readonly outcome: EditOutcome | 'inProgress';
  readonly reason?: RollbackReason;
  /** true: the edit must have been applied without restarting any instance. */
  readonly inPlace?: boolean;
  readonly errors?: readonly ErrorCode[];
}

export interface Expectations {
  readonly edits?: readonly EditExpectation[];
  readonly maxDowntimeMs?: number;
  readonly maxDroppedPercent?: number;
  /** Any deployment fields of the final spec (deep partial match). */
  readonly final?: Readonly<Record<string, unknown>>;
}

export interface Scenario {
  readonly apiVersion: 'rollsim/v1';
  readonly kind: 'Scenario';
  readonly metadata: { readonly name: string; readonly description: string };
  /** Where it was loaded from (for messages and relative paths); `<builtin>` for the default. */
  readonly sourcePath: string;
  readonly seed: number;
  readonly durationMs: number;
  readonly cluster: ClusterConfig;
  readonly deployment: DeploymentSpec;
  readonly rollout: RolloutOptions;
  readonly autoscaler: AutoscalerConfig;
  readonly traffic: TrafficConfig;
  readonly models: readonly ModelRecord[];
  readonly events: readonly ScenarioEvent[];
  readonly expect: Expectations | null;
  /** Timeline sampling interval (default 10 s). */
  readonly sampleIntervalMs: number;
}

export type { MetricName };
