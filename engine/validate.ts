// Edit validation: whether an edit to a deployed model is allowed, and what kind of edit it is.
// Pure; reports every problem at once so users fix an edit in one round trip.
import { modelFits, smallestFits, TENSOR_PARALLEL_SIZES, type Catalog } from '../catalog/catalog.js';
import {
  LOCKED_FIELDS,
  METRIC_NAMES,
  type Accelerator,
  type DeploymentSpec,
  type PlatformLimits,
  type Scaling,
  type ScalingMetric,
  type SpecEdit,
} from '../catalog/spec.js';
import { crossTypeIssues, lockedFieldIssues } from './safety-rules.js';
import type { EditIssue } from './types.js';

export interface ValidationContext {
  readonly catalog: Catalog;
  readonly limits: PlatformLimits;
  /** A rollout of an earlier edit is still under way. */
  readonly editInProgress: boolean;
}

/** `inPlace`: only scaling and/or tags change; `rolling`: the model or accelerator changes. */
export type EditKind = 'noop' | 'inPlace' | 'rolling';

export type ValidationResult =
  | { readonly ok: true; readonly spec: DeploymentSpec; readonly kind: EditKind }
  | { readonly ok: false; readonly issues: readonly EditIssue[] };

export function validateEdit(
  current: DeploymentSpec,
  edit: SpecEdit,
  context: ValidationContext,
): ValidationResult {
  const next = applyEdit(current, edit);
  const issues = [
    ...editabilityIssues(current, context),
    ...lockedFieldIssues(current, edit),
    ...modelIssues(current, next, edit, context),
    ...scalingIssues(next, edit, context.limits),
  ];
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, spec: next, kind: classifyEdit(current, next) };
}

/** The spec an edit would produce: scaling and accelerator merge, metrics replace, a null tag removes. */
export function applyEdit(current: DeploymentSpec, edit: SpecEdit): DeploymentSpec {
  // A Map, not an object: a tag named `__proto__` must stay a tag.
  const tags = new Map(Object.entries(current.tags));
  for (const [key, value] of Object.entries(edit.tags ?? {})) {
    if (value === null) tags.delete(key);
    else tags.set(key, value);
  }
  const accelerator: Accelerator = { ...current.accelerator, ...definedOnly(edit.accelerator ?? {}) };
  const scaling: Scaling = { ...current.scaling, ...definedOnly(edit.scaling ?? {}) };
  return {
    ...current,
    ...definedOnly({
      name: edit.name,
      cloud: edit.cloud,
      cluster: edit.cluster,
      processingType: edit.processingType,
      model: edit.model,
    }),
    accelerator,
    scaling,
    tags: sortedRecord(tags),
  };
}

export function classifyEdit(current: DeploymentSpec, next: DeploymentSpec): EditKind {
  if (current.model !== next.model || !sameAccelerator(current.accelerator, next.accelerator))
    return 'rolling';
  if (!sameScaling(current.scaling, next.scaling) || !sameTags(current.tags, next.tags)) return 'inPlace';
  // Locked fields are rejected before this; should that rule ever be off, a change is still a change.
  const lockedChanged = LOCKED_FIELDS.some((f) => current[f] !== next[f]);
  return lockedChanged ? 'inPlace' : 'noop';
}

function editabilityIssues(current: DeploymentSpec, context: ValidationContext): EditIssue[] {
  const issues: EditIssue[] = [];
  if (current.status !== 'deployed') {
    issues.push({
      code: 'NOT_EDITABLE',
      field: 'status',
      message: `the deployment is ${current.status}; only a deployed model can be edited. Wait until it is deployed (or redeploy it), then edit.`,
    });
  }
  if (current.warmpool) {
    issues.push({
      code: 'NOT_EDITABLE',
      field: 'warmpool',
      message:
        'warm-pool deployments cannot be edited; create a new deployment with the desired configuration.',
    });
  }
  if (context.editInProgress) {
    issues.push({
      code: 'EDIT_IN_PROGRESS',
      field: '',
      message: 'an edit is already rolling out; wait until it completes or rolls back, then apply this edit.',
    });
  }
  return issues;
}

function modelIssues(current: DeploymentSpec, next: DeploymentSpec, edit: SpecEdit, ctx: ValidationContext) {
  const issues: EditIssue[] = [];
  const model = ctx.catalog.models[next.model];
  const currentModel = ctx.catalog.models[current.model];
  if (model === undefined) {
    const known = Object.keys(ctx.catalog.models).sort().join(', ');
    issues.push({
      code: 'UNKNOWN_MODEL',
      field: 'model',
      message: `unknown model "${next.model}"; known models: ${known}.`,
    });
  } else if (currentModel !== undefined) {
    issues.push(...crossTypeIssues({ id: current.model, model: currentModel }, { id: next.model, model }));
  }
  const gpu = ctx.catalog.gpus[next.accelerator.type];
  const { count } = next.accelerator;
  if (gpu === undefined) {
    const known = Object.keys(ctx.catalog.gpus).join(', ');
    issues.push({
      code: 'UNKNOWN_ACCELERATOR',
      field: 'accelerator.type',
      message: `unknown GPU type "${next.accelerator.type}"; known GPUs: ${known}.`,
    });
  }
  const tpSizes: readonly number[] = TENSOR_PARALLEL_SIZES;
  if (!tpSizes.includes(count) || count > ctx.limits.maxGpusPerInstance) {
    const allowed = tpSizes.filter((n) => n <= ctx.limits.maxGpusPerInstance).join(', ');
    issues.push({
      code: 'MODEL_ACCELERATOR_INCOMPATIBLE',
      field: 'accelerator.count',
      message: `GPUs per instance must be one of ${allowed} (tensor-parallel sizes within one node); got ${count}.`,
    });
  } else if (model !== undefined && gpu !== undefined && !modelFits(model, gpu, count)) {
    const fits = smallestFits(model, ctx.catalog, ctx.limits.maxGpusPerInstance)
      .map((f) => `${f.count}×${f.gpu}`)
      .join(', ');
    issues.push({
      code: 'MODEL_ACCELERATOR_INCOMPATIBLE',
      field: edit.accelerator !== undefined ? 'accelerator' : 'model',
      message: `${next.model} needs ${model.memoryGB} GB (weights + runtime + KV reserve) but ${count}×${gpu.id} offers ${(0.9 * gpu.memoryGB * count).toFixed(1)} GB usable; accelerators that fit: ${fits || 'none within one node'}.`,
    });
  }
  return issues;
}

function scalingIssues(next: DeploymentSpec, edit: SpecEdit, limits: PlatformLimits): EditIssue[] {
  const issues: EditIssue[] = [];
  const { minInstances: min, maxInstances: max } = next.scaling;
  const range = (field: string, message: string) =>
    issues.push({ code: 'INVALID_SCALING_RANGE', field: `scaling.${field}`, message });
  const zeroAllowed =
    limits.scaleToZero === 'always' ||
    (limits.scaleToZero === 'asyncOnly' && next.processingType === 'async');
  if (!Number.isInteger(min) || min < 0)
    range('minInstances', `minInstances must be a whole number ≥ 0; got ${min}.`);
  else if (min === 0 && !zeroAllowed)
    range(
      'minInstances',
      'minInstances 0 (scale to zero) is only allowed for async deployments; use 1 or more.',
    );
  if (!Number.isInteger(max) || max < 1 || max > limits.maxInstancesLimit)
    range(
      'maxInstances',
      `maxInstances must be a whole number from 1 to ${limits.maxInstancesLimit}; got ${max}.`,
    );
  if (Number.isInteger(min) && Number.isInteger(max) && min > max)
    range('minInstances', `minInstances (${min}) must not exceed maxInstances (${max}).`);
  if (edit.scaling?.metrics !== undefined) issues.push(...metricIssues(next.scaling.metrics, next));
  return issues;
}

function metricIssues(metrics: readonly ScalingMetric[], next: DeploymentSpec): EditIssue[] {
  const issues: EditIssue[] = [];
  const seen = new Set<string>();
  const known: readonly string[] = METRIC_NAMES;
  metrics.forEach((m, i) => {
    const field = `scaling.metrics[${i}]`;
    if (!known.includes(m.metric)) {
      issues.push({
        code: 'INVALID_METRIC',
        field: `${field}.metric`,
        message: `unknown metric "${m.metric}"; allowed: ${METRIC_NAMES.join(', ')}.`,
      });
      return;
    }
    if (seen.has(m.metric)) {
      issues.push({
        code: 'INVALID_METRIC',
        field: `${field}.metric`,
        message: `metric "${m.metric}" is listed twice; keep one.`,
      });
    }
    seen.add(m.metric);
    if (m.metric === 'queueDepth' && next.processingType === 'sync') {
      issues.push({
        code: 'INVALID_METRIC',
        field: `${field}.metric`,
        message: 'queueDepth scales async deployments only; use concurrency or rps for a sync deployment.',
      });
    }
    const threshold = thresholdProblem(m);
    if (threshold !== null)
      issues.push({ code: 'INVALID_THRESHOLD', field: `${field}.threshold`, message: threshold });
  });
  return issues;
}

function thresholdProblem(m: ScalingMetric): string | null {
  const t = m.threshold;
  if (m.metric === 'gpuUtilization') {
    return Number.isFinite(t) && t >= 1 && t <= 100
      ? null
      : `gpuUtilization threshold must be from 1 to 100 (percent); got ${t}.`;
  }
  return Number.isFinite(t) && t > 0
    ? null
    : `${m.metric} threshold must be a number greater than 0; got ${t}.`;
}

function sameAccelerator(a: Accelerator, b: Accelerator): boolean {
  return a.type === b.type && a.count === b.count;
}

function sameScaling(a: Scaling, b: Scaling): boolean {
  return (
    a.minInstances === b.minInstances &&
    a.maxInstances === b.maxInstances &&
    a.metrics.length === b.metrics.length &&
    a.metrics.every((m, i) => m.metric === b.metrics[i]?.metric && m.threshold === b.metrics[i]?.threshold)
  );
}

function sameTags(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}

function sortedRecord(tags: ReadonlyMap<string, string>): Record<string, string> {
  return Object.fromEntries([...tags.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Drops keys whose value is undefined, so a spread never writes `undefined` over a real value. */
function definedOnly<T extends object>(o: T): { [K in keyof T]-?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]-?: Exclude<T[K], undefined>;
  };
}
