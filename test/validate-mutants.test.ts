// Proves validator corners that mutation testing found unpinned: the "fits nowhere" advice and classification of a metrics list with an empty slot.
import { describe, expect, it } from 'vitest';
import {
  BUILTIN_CATALOG,
  DEFAULT_PLATFORM_LIMITS,
  type DeploymentSpec,
  type ScalingMetric,
} from '../engine/index.js';
import { classifyEdit, validateEdit } from '../engine/validate.js';
import { baseSpec } from './support/engine-world.js';

describe('a model that fits no accelerator within one node', () => {
  it('says so instead of listing nothing, and points at the accelerator the edit changed', () => {
    const limits = { ...DEFAULT_PLATFORM_LIMITS, maxGpusPerInstance: 2 };
    const r = validateEdit(
      baseSpec,
      { model: 'llama-3.1-405b-fp8', accelerator: { count: 2 } },
      { catalog: BUILTIN_CATALOG, limits, editInProgress: false },
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const needGB = BUILTIN_CATALOG.models['llama-3.1-405b-fp8']?.memoryGB;
    expect(r.issues).toEqual([
      {
        code: 'MODEL_ACCELERATOR_INCOMPATIBLE',
        field: 'accelerator',
        message: `llama-3.1-405b-fp8 needs ${needGB} GB (weights + runtime + KV reserve) but 2×H100 offers 144.0 GB usable; accelerators that fit: none within one node.`,
      },
    ]);
  });
});

describe('classification of metrics lists', () => {
  it('a list of the same length with an empty slot is a change (in place), not a crash', () => {
    // `new Array(n)`-style lists are typed ScalingMetric[] but hold holes; comparing must not read through one.
    const holes: ScalingMetric[] = [];
    holes.length = 1;
    const next: DeploymentSpec = { ...baseSpec, scaling: { ...baseSpec.scaling, metrics: holes } };
    expect(classifyEdit(baseSpec, next)).toBe('inPlace');
  });
});
