// The engine's state: revisions (like ReplicaSets), instances (like pods) and the rollout phase.
import type { EditIssue, InstanceId, RollbackReason } from './types.js';
import type { DeploymentSpec } from '../catalog/spec.js';

export type InstancePhase =
  /** Asked for; waiting for GPUs. */
  | 'pending'
  /** Has GPUs; pulling the image, loading weights, initialising the engine. */
  | 'loading'
  /** Serving endpoint up; available once it has passed `successThreshold` probes (+ minReady). */
  | 'ready'
  /** Told to stop: no new requests; holds its GPUs until the world reports it terminated. */
  | 'draining';

export interface InstanceState {
  readonly id: InstanceId;
  readonly revision: number;
  readonly phase: InstancePhase;
  readonly createdAtMs: number;
  readonly scheduledAtMs: number | null;
  readonly readyAtMs: number | null;
  /** When it passed its probes (counts as available from `availableSinceMs + minReady`). */
  readonly passedAtMs: number | null;
  readonly consecutivePasses: number;
  readonly consecutiveFailures: number;
  /** Available: ready, passed successThreshold probes, minReady elapsed, and not failing. */
  readonly available: boolean;
  /** Set when the engine asked for termination (terminate or drain) and awaits `instance/terminated`. */
  readonly terminating: boolean;
}

export interface RevisionState {
  readonly revision: number;
  readonly spec: DeploymentSpec;
  /** Target instance count for this revision (a ReplicaSet's spec.replicas). */
  readonly replicas: number;
  /** D + surge when this revision's count was last set (Kubernetes' max-replicas annotation). */
  readonly maxReplicasAnnotation: number;
  /** Desired count when this revision's count was last set (Kubernetes' desired-replicas annotation). */
  readonly desiredReplicasAnnotation: number | null;
  /** Crashes of this revision's instances before they became available (crash-loop detection). */
  readonly startupCrashes: number;
}

interface ActionBase {
  readonly actionIndex: number;
  readonly startedAtMs: number;
  readonly fromRevision: number;
  readonly toRevision: number;
  /** The spec to restore on failure. */
  readonly priorSpec: DeploymentSpec;
  /** Instance count of the prior revision when the edit started. */
  readonly priorReplicas: number;
}

export type RolloutPhase =
  | { readonly phase: 'steady' }
  /** A rolling edit: the new revision grows while older ones shrink, gated on availability. */
  | (ActionBase & {
      readonly phase: 'rolling';
      readonly lastProgressAtMs: number;
      /** Status counts at the last progress check (Kubernetes' DeploymentProgressing inputs). */
      readonly lastCounts: StatusCounts;
    })
  /** An in-place edit waiting for new instances that a raised minimum asked for. */
  | (ActionBase & {
      readonly phase: 'scaling';
      /**
       * The instances created since the edit, the only ones it answers for: it waits for them and fails
       * on them (scheduling timeout, crash loop, failed probes). Those already there are relabeled with
       * the rest but stay the deployment's, not the edit's: a scale-up still waiting for a GPU, or an
       * old instance failing its probes, neither holds the edit up nor rolls it back.
       */
      readonly own: readonly InstanceId[];
      /** Whether the edit raised the desired count; an edit that did not waits for nothing. */
      readonly raised: boolean;
    })
  /** The last instance was replaced; a new-revision failure now means UNSTABLE_AFTER_EDIT. */
  | (ActionBase & {
      readonly phase: 'monitoring';
      readonly untilMs: number;
      readonly rolloutDoneAtMs: number;
    })
  /** Going back to the prior revision after a failure; ends when no failed-revision instance is left. */
  | (ActionBase & {
      readonly phase: 'rollingBack';
      readonly reason: RollbackReason;
      readonly failedRevision: number;
      readonly inPlace: boolean;
      readonly rollbackStartedAtMs: number;
      /** Set once the rollback stalled past its deadline and failed-revision instances were forced out. */
      readonly forced: boolean;
    });

export interface StatusCounts {
  readonly updated: number;
  readonly total: number;
  readonly available: number;
  readonly ready: number;
}

export type LastOutcome = 'none' | 'completed' | 'rolledBack' | 'rejected';

/** One snapshot of the engine. The options it runs under are passed to every step, not kept here. */
export interface EngineState {
  /** The deployment's current spec (the one users see). */
  readonly spec: DeploymentSpec;
  /** The revision of `spec`. */
  readonly revision: number;
  readonly revisions: Readonly<Record<number, RevisionState>>;
  /**
   * In creation order. Never changed in place: a step that changes an instance returns a new map (its
   * own copy, made once per step) and leaves the previous state's map as it was.
   */
  readonly instances: ReadonlyMap<InstanceId, InstanceState>;
  /** The autoscaler's desired count, clamped to the spec's scaling range. */
  readonly desired: number;
  /** The autoscaler's last recommendation before clamping (re-clamped when the range changes). */
  readonly recommended: number;
  readonly rollout: RolloutPhase;
  /** Outcome of the last edit action (drives MANUAL_ROLLBACK_UNSUPPORTED). */
  readonly lastEditOutcome: LastOutcome;
  readonly nextActionIndex: number;
  readonly nextInstanceSeq: number;
  readonly nowMs: number;
  /** Whether the last step reported the deployment degraded (ready below desired). */
  readonly degraded: boolean;
  /** Issues of the last rejected request (kept for inspection; not part of the spec). */
  readonly lastRejection: readonly EditIssue[];
}
