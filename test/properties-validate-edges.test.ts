// Proves the validator at its edges (found by mutation testing): exact limits, classification of each kind
// of change, platform-limit variants, messages that list what is allowed, and what the validator does
// with a safety rule taken away (test/support/planted-bug.ts).
import { describe, expect, it, vi } from 'vitest';
import {
  BUILTIN_CATALOG,
  DEFAULT_PLATFORM_LIMITS,
  type DeploymentSpec,
  type PlatformLimits,
  type SpecEdit,
} from '../engine/index.js';
import { applyEdit, validateEdit, type ValidationContext } from '../engine/validate.js';
import { baseSpec, validationContext } from './support/engine-world.js';
import { withPlantedBug } from './support/planted-bug.js';

vi.mock('../engine/safety-rules.js', async (importOriginal) =>
  (await import('./support/planted-bug.js')).plantable(await importOriginal()),
);

const ctx: ValidationContext = validationContext;

function issues(spec: DeploymentSpec, edit: SpecEdit, limits: Partial<PlatformLimits> = {}) {
  const r = validateEdit(spec, edit, { ...ctx, limits: { ...DEFAULT_PLATFORM_LIMITS, ...limits } });
  return r.ok ? [] : r.issues;
}
const codes = (spec: DeploymentSpec, edit: SpecEdit, limits: Partial<PlatformLimits> = {}) =>
  issues(spec, edit, limits).map((i) => `${i.code}@${i.field}`);
function kind(edit: SpecEdit, spec: DeploymentSpec = baseSpec): string {
  const r = validateEdit(spec, edit, ctx);
  return r.ok ? r.kind : `rejected ${r.issues.map((i) => i.code).join(',')}`;
}

describe('classification: what restarts instances and what does not', () => {
  it('a model change alone, or a GPU count change alone, rolls', () => {
    const big: DeploymentSpec = { ...baseSpec, accelerator: { type: 'H100', count: 8 } };
    expect(kind({ model: 'llama-3.1-70b' }, big)).toBe('rolling');
    expect(kind({ accelerator: { count: 2 } })).toBe('rolling');
  });

  it('adding a tag, changing a threshold, renaming or adding a metric is in place', () => {
    expect(kind({ tags: { owner: 'me' } })).toBe('inPlace');
    expect(kind({ scaling: { metrics: [{ metric: 'concurrency', threshold: 20 }] } })).toBe('inPlace');
    expect(kind({ scaling: { metrics: [{ metric: 'rps', threshold: 16 }] } })).toBe('inPlace');
    const two = [
      { metric: 'concurrency', threshold: 16 },
      { metric: 'rps', threshold: 5 },
    ] as const;
    expect(kind({ scaling: { metrics: [...two] } })).toBe('inPlace');
    expect(kind({ scaling: { metrics: [{ metric: 'concurrency', threshold: 16 }] } })).toBe('noop');
  });

  it('tags come out sorted by key', () => {
    expect(Object.keys(applyEdit(baseSpec, { tags: { b: '1', a: '2', zz: '3' } }).tags)).toEqual([
      'a',
      'b',
      'env',
      'team',
      'zz',
    ]);
  });

  it('with the locked-field check taken away (a planted bug), a locked change is applied, not dropped', () => {
    const r = withPlantedBug('lockedFieldCheck', () => validateEdit(baseSpec, { name: 'renamed' }, ctx));
    expect(r.ok && r.kind).toBe('inPlace');
    expect(r.ok && r.spec.name).toBe('renamed');
    const swap = withPlantedBug('crossTypeCheck', () =>
      validateEdit(baseSpec, { model: 'whisper-large-v3' }, ctx),
    );
    expect(swap.ok && swap.kind).toBe('rolling');
    // With every rule in force both are rejected.
    expect(validateEdit(baseSpec, { name: 'renamed' }, ctx).ok).toBe(false);
    expect(validateEdit(baseSpec, { model: 'whisper-large-v3' }, ctx).ok).toBe(false);
  });
});

describe('limits at their exact edges', () => {
  it('maxInstances: 1 and the platform limit pass; 0, the limit + 1 and fractions fail', () => {
    const spec: DeploymentSpec = { ...baseSpec, scaling: { ...baseSpec.scaling, minInstances: 1 } };
    expect(codes(spec, { scaling: { maxInstances: 1 } })).toEqual([]);
    expect(codes(spec, { scaling: { maxInstances: 1000 } })).toEqual([]);
    expect(codes(spec, { scaling: { maxInstances: 1001 } })).toEqual([
      'INVALID_SCALING_RANGE@scaling.maxInstances',
    ]);
    expect(codes(spec, { scaling: { maxInstances: 2.5 } })).toEqual([
      'INVALID_SCALING_RANGE@scaling.maxInstances',
    ]);
    expect(codes(spec, { scaling: { minInstances: 1, maxInstances: 0 } })).toEqual([
      'INVALID_SCALING_RANGE@scaling.maxInstances',
      'INVALID_SCALING_RANGE@scaling.minInstances',
    ]);
  });

  it('a fractional minimum is one problem, not two', () => {
    expect(codes(baseSpec, { scaling: { minInstances: 1.5, maxInstances: 1 } })).toEqual([
      'INVALID_SCALING_RANGE@scaling.minInstances',
    ]);
    expect(codes(baseSpec, { scaling: { minInstances: 3, maxInstances: 2.5 } })).toEqual([
      'INVALID_SCALING_RANGE@scaling.maxInstances',
    ]);
  });

  it('scale to zero follows the platform: always, async only, never', () => {
    const zero = { scaling: { minInstances: 0 } };
    const asyncSpec: DeploymentSpec = { ...baseSpec, processingType: 'async' };
    expect(codes(baseSpec, zero, { scaleToZero: 'always' })).toEqual([]);
    expect(codes(baseSpec, zero)).toEqual(['INVALID_SCALING_RANGE@scaling.minInstances']);
    expect(codes(asyncSpec, zero)).toEqual([]);
    expect(codes(asyncSpec, zero, { scaleToZero: 'never' })).toEqual([
      'INVALID_SCALING_RANGE@scaling.minInstances',
    ]);
  });

  it('GPUs per instance follow the platform limit, and the message lists the sizes allowed', () => {
    const r = issues(baseSpec, { accelerator: { count: 8 } }, { maxGpusPerInstance: 4 });
    expect(r.map((i) => `${i.code}@${i.field}`)).toEqual([
      'MODEL_ACCELERATOR_INCOMPATIBLE@accelerator.count',
    ]);
    expect(r[0]?.message).toBe(
      'GPUs per instance must be one of 1, 2, 4 (tensor-parallel sizes within one node); got 8.',
    );
    expect(codes(baseSpec, { accelerator: { count: 8 } })).toEqual([]);
  });

  it('gpuUtilization thresholds run from 1 to 100 inclusive; other metrics have no upper bound', () => {
    const gpu = (threshold: number) =>
      codes(baseSpec, { scaling: { metrics: [{ metric: 'gpuUtilization', threshold }] } });
    expect([gpu(1), gpu(100)]).toEqual([[], []]);
    expect([gpu(0.5), gpu(100.5)]).toEqual([
      ['INVALID_THRESHOLD@scaling.metrics[0].threshold'],
      ['INVALID_THRESHOLD@scaling.metrics[0].threshold'],
    ]);
    expect(codes(baseSpec, { scaling: { metrics: [{ metric: 'concurrency', threshold: 500 }] } })).toEqual(
      [],
    );
  });

  it('queueDepth is refused for sync only; metrics already in the spec are not re-judged', () => {
    const queue = { scaling: { metrics: [{ metric: 'queueDepth' as const, threshold: 4 }] } };
    expect(codes({ ...baseSpec, processingType: 'async' }, queue)).toEqual([]);
    expect(codes(baseSpec, { scaling: { metrics: [{ metric: 'rps', threshold: 4 }] } })).toEqual([]);
    const legacy: DeploymentSpec = {
      ...baseSpec,
      scaling: { ...baseSpec.scaling, metrics: queue.scaling.metrics },
    };
    expect(codes(legacy, { tags: { a: 'b' } })).toEqual([]);
  });

  it('a deployment on a model the catalog does not know can still move to a known one', () => {
    const custom: DeploymentSpec = { ...baseSpec, model: 'my-model' };
    expect(codes(custom, { model: 'llama-3.1-70b', accelerator: { count: 4 } })).toEqual([]);
  });
});

describe('messages list what is allowed', () => {
  it('unknown model, unknown GPU and unknown metric list the known ones, comma-separated', () => {
    const models = Object.keys(BUILTIN_CATALOG.models).sort().join(', ');
    expect(issues(baseSpec, { model: 'gpt-17' })[0]?.message).toBe(
      `unknown model "gpt-17"; known models: ${models}.`,
    );
    const gpus = Object.keys(BUILTIN_CATALOG.gpus).join(', ');
    expect(issues(baseSpec, { accelerator: { type: 'TPU' } })[0]?.message).toBe(
      `unknown GPU type "TPU"; known GPUs: ${gpus}.`,
    );
    const metric = { scaling: { metrics: [{ metric: 'tokens', threshold: 1 }] } } as unknown as SpecEdit;
    expect(issues(baseSpec, metric)[0]?.message).toBe(
      'unknown metric "tokens"; allowed: concurrency, rps, gpuUtilization, latencyP95, queueDepth.',
    );
  });

  it('a model that does not fit names the memory, the usable GB, the accelerators that fit, and the field to change', () => {
    const byModel = issues(baseSpec, { model: 'llama-3.1-70b' })[0];
    expect(byModel?.field).toBe('model');
    expect(byModel?.message).toMatch(
      /^llama-3\.1-70b needs [\d.]+ GB \(weights \+ runtime \+ KV reserve\) but 1×H100 offers 72\.0 GB usable; accelerators that fit: .*4×H100, 2×H200, .*\.$/,
    );
    const byAccel = issues(baseSpec, { model: 'llama-3.1-70b', accelerator: { count: 2 } })[0];
    expect(byAccel?.field).toBe('accelerator');
    expect(byAccel?.message).toContain('2×H100 offers 144.0 GB usable');
  });

  it('the scale-to-zero refusal points at minInstances', () => {
    expect(issues(baseSpec, { scaling: { minInstances: 0 } })[0]).toMatchObject({
      field: 'scaling.minInstances',
      message: 'minInstances 0 (scale to zero) is only allowed for async deployments; use 1 or more.',
    });
  });
});
