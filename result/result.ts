// The run result: the `result.json` contract of SCENARIO-FORMAT.md.
import type { DeploymentSpec } from '../catalog/spec.js';
import type { EditIssue, EditOutcome, RollbackReason } from '../engine/types.js';

/** What an edit came to; `inProgress` when the simulation ended before it had an outcome. */
export type EditResultOutcome = EditOutcome | 'inProgress';

/** Where an unfinished edit stood at the end of the run (the engine's rollout phase). */
export type EditPhase = 'rolling' | 'scaling' | 'monitoring' | 'rollingBack';

/** Instances of a revision by state. `pending`: waiting for a GPU or a node; `starting`: has its GPUs,
 * loading or not yet passing its probes; `ready`: serving; `draining`: told to stop. */
export interface InstanceCounts {
  readonly pending: number;
  readonly starting: number;
  readonly ready: number;
  readonly draining: number;
}

export interface EditResult {
  readonly index: number;
  /** `edit` or `rollback` (the scenario action this entry records). */
  readonly kind: 'edit' | 'rollback';
  readonly requestedAtMs: number;
  readonly outcome: EditResultOutcome;
  /** `inProgress` only: the phase the edit was in when the run ended. */
  readonly phase?: EditPhase;
  /** `inProgress` only: instances of the target revision available, out of the desired count. */
  readonly replaced?: { readonly done: number; readonly of: number };
  readonly reason: RollbackReason | null;
  readonly errors: readonly EditIssue[];
  readonly inPlace: boolean;
  readonly startedAtMs: number;
  readonly endedAtMs: number;
  /** From start to the outcome (in progress: to the end of the run); includes the monitoring window. */
  readonly durationMs: number;
  /** The rollout duration: from request until the last instance was replaced (no monitoring window);
   * null when that never happened (rejected, rolled back, or still rolling at the end of the run). */
  readonly rolloutDurationMs: number | null;
  readonly fromRevision: number;
  readonly toRevision: number;
  /** Most instances at once, any state: pending, starting, ready, draining. */
  readonly peakInstances: number;
  /** Fewest ready instances at once between request and end. */
  readonly minReadyInstances: number;
  /** Mean cold start per phase of the instances that started loading during the edit; null when none did. */
  readonly loadMs: EditLoadTimes | null;
}

export interface EditLoadTimes {
  /** Instances that started loading between the edit's start and end. */
  readonly instances: number;
  readonly imagePullMs: number;
  readonly weightsMs: number;
  readonly engineStartMs: number;
  readonly totalMs: number;
}

export interface TimelineSample {
  readonly tMs: number;
  readonly offeredRps: number;
  readonly servedRps: number;
  readonly droppedRps: number;
  /** Requests/s the ready instances can serve at most. */
  readonly capacityRps: number;
  readonly desired: number;
  /** Per revision (`rev1`, `rev2`, ...): instances by state. */
  readonly instances: Readonly<Record<string, InstanceCounts>>;
  readonly gpusUsed: number;
  readonly gpusFree: number;
  /** Per pool: GPUs held by this deployment, by other tenants, free, and failed. */
  readonly pools: Readonly<
    Record<string, { deployment: number; tenants: number; free: number; down: number }>
  >;
  readonly p50Ms: number;
  readonly p95Ms: number;
  /** p95 time to first token of the token-aware requests served in the interval; null when none (absent in older results). */
  readonly ttftP95Ms?: number | null;
  readonly queue: number;
}

export interface RunMetrics {
  readonly downtimeMs: number;
  readonly degradedMs: number;
  readonly requests: {
    readonly offered: number;
    readonly served: number;
    readonly dropped: number;
    readonly timedOut: number;
    /** Still queued or in flight when the run ended (offered − served − dropped − timedOut). */
    readonly unfinished: number;
    /** Of the unfinished, those that arrived at least the traffic timeout before the end (count as failed). */
    readonly overdue: number;
  };
  readonly droppedPercent: number;
  readonly latencyMs: { readonly p50: number; readonly p95: number; readonly p99: number };
  /** Time to first token of token-aware (LLM) requests served; null when there were none. */
  readonly ttftMs: { readonly p50: number; readonly p95: number; readonly p99: number } | null;
  /** Mean inter-token latency per token-aware request ((end − first token) ÷ (output − 1)); null when none. */
  readonly itlMs: { readonly p50: number; readonly p95: number; readonly p99: number } | null;
  readonly gpuHours: number;
  readonly peakGpus: number;
  /** Per GPU type (`H100`, `H200`, ...): the same two figures, so types are not only added together. */
  readonly byGpuType: Readonly<Record<string, { readonly peakGpus: number; readonly gpuHours: number }>>;
  /** Async deployments: the largest backlog seen. */
  readonly peakBacklog: number;
}

export interface ExpectationResult {
  readonly name: string;
  readonly pass: boolean;
  readonly detail: string;
}

/** A moment worth marking on charts and in the event timeline. */
export interface Marker {
  readonly tMs: number;
  readonly kind:
    | 'editRequested'
    | 'editCompleted'
    | 'editRolledBack'
    | 'editRejected'
    | 'rollbackRequested'
    /** A rollback began (its reason in the label); the edit's entry ends when the prior revision is back. */
    | 'rollbackStarted'
    | 'fault'
    | 'scale'
    /** Fewer available instances than desired with no rollout under way (not the `degradedMs` metric). */
    | 'belowDesired'
    /** Back at the desired count of available instances. */
    | 'atDesired';
  readonly label: string;
}

export interface RunResult {
  readonly scenario: string;
  readonly seed: number;
  readonly simulatedMs: number;
  readonly edits: readonly EditResult[];
  readonly final: {
    readonly revision: number;
    readonly spec: DeploymentSpec;
    readonly readyInstances: number;
    /** What is serving at the end: instances per revision (`rev1`, ...) by state. */
    readonly instances: Readonly<Record<string, InstanceCounts>>;
  };
  readonly metrics: RunMetrics;
  readonly timeline: readonly TimelineSample[];
  readonly markers: readonly Marker[];
  readonly expectations: readonly ExpectationResult[];
}
