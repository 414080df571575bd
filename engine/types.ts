// Events (facts the world reports), effects (requests to the world) and the engine's options.
// All plain, readonly, JSON-serialisable data. Time arrives inside events as integer milliseconds.
import type { Catalog } from '../catalog/catalog.js';
import type { DeploymentSpec, PlatformLimits, SpecEdit } from '../catalog/spec.js';

export type InstanceId = string;

import type { IntOrPercent } from '../k8s/deployment.js';

export type { IntOrPercent };

export const FAILURE_REASONS = [
  'RESOURCE_UNAVAILABLE',
  'HEALTH_CHECK_FAILED',
  'PROGRESS_DEADLINE_EXCEEDED',
  'UNSTABLE_AFTER_EDIT',
  'MANUAL_ABORT',
] as const;
export type RollbackReason = (typeof FAILURE_REASONS)[number];

export const ERROR_CODES = [
  'LOCKED_FIELD',
  'MODEL_TYPE_MISMATCH',
  'UNKNOWN_MODEL',
  'UNKNOWN_ACCELERATOR',
  'MODEL_ACCELERATOR_INCOMPATIBLE',
  'INVALID_SCALING_RANGE',
  'INVALID_METRIC',
  'INVALID_THRESHOLD',
  'NOT_EDITABLE',
  'EDIT_IN_PROGRESS',
  'MANUAL_ROLLBACK_UNSUPPORTED',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** An operator error: what is wrong, where, and what to do. */
export interface EditIssue {
  readonly code: ErrorCode;
  /** Dotted path into the edit, e.g. `scaling.maxInstances`. */
  readonly field: string;
  readonly message: string;
}

/** Rollout settings with every duration resolved to milliseconds. */
export interface RolloutOptions {
  readonly maxSurge: IntOrPercent;
  readonly maxUnavailable: IntOrPercent;
  /** A new instance without GPUs this long -> RESOURCE_UNAVAILABLE. */
  readonly schedulingTimeoutMs: number;
  /** Startup budget: scheduled to ready. Separate from probe failures so a slow load is not a crash. */
  readonly loadTimeoutMs: number;
  readonly healthCheck: {
    readonly initialDelayMs: number;
    readonly periodMs: number;
    readonly timeoutMs: number;
    readonly successThreshold: number;
    readonly failureThreshold: number;
  };
  /** Seconds an instance must stay healthy after passing probes before it counts as available. */
  readonly minReadyMs: number;
  /** No new instance became available for this long -> PROGRESS_DEADLINE_EXCEEDED. */
  readonly progressDeadlineMs: number;
  /** After the last replacement: a new-revision failure here -> UNSTABLE_AFTER_EDIT. */
  readonly monitorWindowMs: number;
  /**
   * Whether draining instances count toward the surge budget. `TerminationComplete` (the default):
   * an instance counts until it has released its GPUs. `TerminationStarted`: Kubernetes' default.
   */
  readonly podReplacementPolicy: 'TerminationComplete' | 'TerminationStarted';
}

export const DEFAULT_ROLLOUT_OPTIONS: RolloutOptions = {
  maxSurge: 1,
  maxUnavailable: 0,
  schedulingTimeoutMs: 10 * 60_000,
  loadTimeoutMs: 45 * 60_000,
  healthCheck: {
    initialDelayMs: 0,
    periodMs: 10_000,
    timeoutMs: 2_000,
    successThreshold: 1,
    failureThreshold: 3,
  },
  minReadyMs: 0,
  progressDeadlineMs: 30 * 60_000,
  monitorWindowMs: 10 * 60_000,
  podReplacementPolicy: 'TerminationComplete',
};

export interface EngineOptions {
  readonly rollout: RolloutOptions;
  readonly catalog: Catalog;
  readonly limits: PlatformLimits;
}

// ---------------------------------------------------------------------------------------------
// Events: past-tense facts reported by the world (the simulator, or a real platform).

export type EngineEvent =
  | { readonly type: 'edit/requested'; readonly atMs: number; readonly edit: SpecEdit }
  | { readonly type: 'rollback/requested'; readonly atMs: number }
  /** The instance got its GPUs on a node; image pull and weight load start. */
  | { readonly type: 'instance/scheduled'; readonly atMs: number; readonly instanceId: InstanceId }
  /** The scheduler tried and found no room (informational; the engine times pending instances itself). */
  | { readonly type: 'instance/unschedulable'; readonly atMs: number; readonly instanceId: InstanceId }
  /** Weights loaded and engine initialised: the server answers; probes start. */
  | { readonly type: 'instance/ready'; readonly atMs: number; readonly instanceId: InstanceId }
  /** The process died (crash on load, crash under load, node or GPU failure). */
  | {
      readonly type: 'instance/crashed';
      readonly atMs: number;
      readonly instanceId: InstanceId;
      readonly cause: CrashCause;
    }
  /** The instance is gone and its GPUs are free. */
  | { readonly type: 'instance/terminated'; readonly atMs: number; readonly instanceId: InstanceId }
  | { readonly type: 'health/probePassed'; readonly atMs: number; readonly instanceId: InstanceId }
  | { readonly type: 'health/probeFailed'; readonly atMs: number; readonly instanceId: InstanceId }
  /** The autoscaler's recommendation (the engine clamps it to the spec's range). */
  | { readonly type: 'autoscaler/desiredChanged'; readonly atMs: number; readonly desired: number }
  | { readonly type: 'timer/fired'; readonly atMs: number; readonly key: TimerKey };

export type EngineEventType = EngineEvent['type'];

/** Why an instance died. The world reports the first five; the engine itself treats a load timeout as a crash. */
export const CRASH_CAUSES = [
  'crashOnLoad',
  'crashUnderLoad',
  'nodeFailure',
  'gpuFailure',
  'noCapacityAtStart',
  'loadTimeout',
] as const;
export type CrashCause = (typeof CRASH_CAUSES)[number];

/** Causes outside the deployment's control: they never count against the revision being rolled out. */
export const INFRASTRUCTURE_CAUSES: ReadonlySet<CrashCause> = new Set<CrashCause>([
  'nodeFailure',
  'gpuFailure',
]);

/**
 * The engine's timers. The engine schedules them (`timer/schedule`) and the world hands the same key back
 * when the time comes (`timer/fired`).
 */
export type TimerKey =
  /** A new instance still without GPUs after `schedulingTimeoutMs`. */
  | { readonly kind: 'scheduling'; readonly instanceId: InstanceId }
  /** A scheduled instance still loading after `loadTimeoutMs`. */
  | { readonly kind: 'load'; readonly instanceId: InstanceId }
  /** An instance that passed its probes has stayed healthy for `minReadyMs`. */
  | { readonly kind: 'minReady'; readonly instanceId: InstanceId }
  /** The rolling edit's progress deadline. */
  | { readonly kind: 'progress' }
  /** The end of the monitoring window after the last replacement. */
  | { readonly kind: 'monitor' }
  /** The rollback's own deadline (after which failed-revision instances are forced out). */
  | { readonly kind: 'rollbackDeadline' };

// ---------------------------------------------------------------------------------------------
// Effects: requests to the world, as data.

/** The end of an action: an edit completed, rolled back or rejected, or a rollback request answered. */
export interface ActionEnded {
  readonly type: 'action/ended';
  readonly actionIndex: number;
  readonly kind: 'edit' | 'rollback';
  readonly outcome: EditOutcome;
  readonly reason: RollbackReason | null;
  readonly errors: readonly EditIssue[];
  readonly inPlace: boolean;
  readonly fromRevision: number;
  readonly toRevision: number;
  /** Completed edits: when the last instance was replaced (before the monitoring window); else null. */
  readonly rolloutDoneAtMs: number | null;
}

export interface InstanceTemplate {
  readonly model: string;
  readonly accelerator: { readonly type: string; readonly count: number };
}

export type EditOutcome = 'completed' | 'rolledBack' | 'rejected';

export type EngineEffect =
  | {
      readonly type: 'instance/create';
      readonly instanceId: InstanceId;
      readonly revision: number;
      readonly template: InstanceTemplate;
    }
  /** Stop routing new requests to it, let in-flight ones finish, then terminate. */
  | { readonly type: 'instance/drain'; readonly instanceId: InstanceId }
  /** Kill now (pending, loading, crashed or unhealthy instances). */
  | { readonly type: 'instance/terminate'; readonly instanceId: InstanceId }
  /** The deployment's spec is now this (after validation, or restored by a rollback). */
  | { readonly type: 'spec/apply'; readonly revision: number; readonly spec: DeploymentSpec }
  | { readonly type: 'timer/schedule'; readonly key: TimerKey; readonly atMs: number }
  | {
      readonly type: 'action/started';
      readonly actionIndex: number;
      readonly kind: 'edit' | 'rollback';
      readonly inPlace: boolean;
      readonly fromRevision: number;
      readonly toRevision: number;
    }
  | ActionEnded
  /** Ready capacity below the desired count with no rollout to blame (e.g. after a node failure). */
  | { readonly type: 'deployment/degraded'; readonly ready: number; readonly desired: number }
  | { readonly type: 'deployment/healthy'; readonly ready: number };

export type EngineEffectType = EngineEffect['type'];
