// The safety rules of an edit and a rollout, one function each: locked fields stay as created, a model
// is only swapped for one of its own type, a rollback restores the spec from before the edit, and a
// rollout stays within its surge budget. The engine calls them like any other function. They live in a
// module of their own so a test can replace exactly one of them (vi.mock, test/support/planted-bug.ts)
// and show that the invariants and properties catch the bug that leaves; production code has no switch.
import { A_MODEL_OF_TYPE, LOCKED_FIELDS, type DeploymentSpec, type SpecEdit } from '../catalog/spec.js';
import type { ModelRecord } from '../catalog/catalog.js';
import { maxSurge, reconcileNewReplicaSet, type RollingStrategy } from '../k8s/deployment.js';
import type { EditIssue } from './types.js';

/** Locked fields (name, cloud, cluster, processing type) cannot change after creation. */
export function lockedFieldIssues(current: DeploymentSpec, edit: SpecEdit): EditIssue[] {
  return LOCKED_FIELDS.filter((field) => edit[field] !== undefined && edit[field] !== current[field]).map(
    (field) => ({
      code: 'LOCKED_FIELD' as const,
      field,
      message: `${field} cannot be changed after creation (${JSON.stringify(current[field])} → ${JSON.stringify(edit[field])}); create a new deployment with the desired configuration instead.`,
    }),
  );
}

/** A model can only be replaced by one of the same type (an LLM by an LLM, an embedding model by one). */
export function crossTypeIssues(
  current: { readonly id: string; readonly model: ModelRecord },
  next: { readonly id: string; readonly model: ModelRecord },
): EditIssue[] {
  if (next.model.type === current.model.type) return [];
  return [
    {
      code: 'MODEL_TYPE_MISMATCH',
      field: 'model',
      message: `cannot swap ${A_MODEL_OF_TYPE[current.model.type]} (${current.id}) for ${A_MODEL_OF_TYPE[next.model.type]} (${next.id}); a model can only be replaced by one of the same type. Create a new deployment for ${next.id}.`,
    },
  ];
}

/** The spec in force once a failed edit rolls back: the one from before the edit. */
export function specAfterRollback(specs: {
  readonly beforeEdit: DeploymentSpec;
  readonly failed: DeploymentSpec;
}): DeploymentSpec {
  return specs.beforeEdit;
}

/**
 * The size the revision being rolled out may grow to now: towards the desired count, but only as far as
 * the surge budget allows (Kubernetes' NewRSNewReplicas).
 */
export function surgeLimitedSize(
  strategy: RollingStrategy,
  desired: number,
  targetReplicas: number,
  currentTotal: number,
): number {
  return reconcileNewReplicaSet(strategy, desired, targetReplicas, currentTotal);
}

/** The most instances that may hold or wait for GPUs at once: the desired count plus the surge. */
export function instanceBudget(strategy: RollingStrategy, desired: number): number {
  return desired + maxSurge(strategy, desired);
}
