// The run result: the `result.json` contract of SCENARIO-FORMAT.md.
import type { DeploymentSpec } from '../catalog/spec.js';
import type { EditIssue, EditOutcome, RollbackReason } from '../engine/types.js';

export interface EditResult {
  readonly index: number;
  /** `edit` or `rollback` (the scenario action this entry records). */
  readonly kind: 'edit' | 'rollback';
  readonly requestedAtMs: number;
  readonly outcome: EditOutcome;
  readonly reason: RollbackReason | null;
  readonly errors: readonly EditIssue[];
  readonly inPlace: boolean;
  readonly startedAtMs: number;
  readonly endedAtMs: number;
  /** From request to the outcome; for a completed rolling edit this includes the monitoring window. */
  readonly durationMs: number;
  /** Completed edits: from request until the last instance was replaced (no monitoring window); else null. */
  readonly rolloutDurationMs: number | null;
  readonly fromRevision: number;
  readonly toRevision: number;
  /** Most instances at once, any state: pending, starting, ready, draining. */
  readonly peakInstances: number;
  /** Fewest ready instances at once between request and end. */
  readonly minReadyInstances: number;
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
  readonly instances: Readonly<Record<string, { ready: number; starting: number; draining: number }>>;
  readonly gpusUsed: number;
  readonly gpusFree: number;
  /** Per pool: GPUs held by this deployment, by other tenants, free, and failed. */
  readonly pools: Readonly<
    Record<string, { deployment: number; tenants: number; free: number; down: number }>
  >;
  readonly p50Ms: number;
  readonly p95Ms: number;
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
  readonly gpuHours: number;
  readonly peakGpus: number;
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
    | 'fault'
    | 'scale'
    | 'degraded'
    | 'healthy';
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
  };
  readonly metrics: RunMetrics;
  readonly timeline: readonly TimelineSample[];
  readonly markers: readonly Marker[];
  readonly expectations: readonly ExpectationResult[];
}
