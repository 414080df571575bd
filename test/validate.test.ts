// Proves edit validation: one test per error code and locked field, all problems at once, and properties over generated edits.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BUILTIN_CATALOG, LOCKED_FIELDS, type DeploymentSpec, type SpecEdit } from '../engine/index.js';
import { applyEdit, validateEdit, type ValidationContext } from '../engine/validate.js';
import { baseSpec, validationContext } from './support/engine-world.js';
import { editArb, MODEL_IDS, numRuns, specArb } from './support/arbitraries.js';

const ctx: ValidationContext = validationContext;

function codes(spec: DeploymentSpec, edit: SpecEdit, context = ctx) {
  const r = validateEdit(spec, edit, context);
  return r.ok ? [] : r.issues.map((i) => `${i.code}@${i.field}`);
}

describe('validateEdit: each rule', () => {
  it.each([
    ['name', { name: 'other' }],
    ['cloud', { cloud: 'gcp' }],
    ['cluster', { cluster: 'eu-west' }],
    ['processingType', { processingType: 'async' }],
  ] as const)('LOCKED_FIELD for %s, telling the user to create a new deployment', (field, edit) => {
    const r = validateEdit(baseSpec, edit, ctx);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]).toMatchObject({ code: 'LOCKED_FIELD', field });
    expect(r.issues[0]?.message).toMatch(/create a new deployment/);
  });

  it('accepts a locked field given with its current value', () => {
    expect(codes(baseSpec, { name: baseSpec.name, cloud: baseSpec.cloud })).toEqual([]);
  });

  it('MODEL_TYPE_MISMATCH for an llm → stt swap', () => {
    expect(codes(baseSpec, { model: 'whisper-large-v3' })).toEqual(['MODEL_TYPE_MISMATCH@model']);
  });

  it('names both types with their articles in the MODEL_TYPE_MISMATCH message', () => {
    // Was "cannot swap a llm model (...)" and "a embedding model".
    const message = (spec: DeploymentSpec, model: string) => {
      const r = validateEdit(spec, { model }, ctx);
      return r.ok ? '' : r.issues[0]!.message;
    };
    expect(message(baseSpec, 'whisper-large-v3')).toMatch(
      /^cannot swap an LLM \(llama-3\.1-8b\) for a speech-to-text \(stt\) model \(whisper-large-v3\); /,
    );
    const embedder = { ...baseSpec, model: 'bge-large-en-v1.5', accelerator: { type: 'L4', count: 1 } };
    expect(message(embedder, 'sdxl-base-1.0')).toMatch(
      /^cannot swap an embedding model \(bge-large-en-v1\.5\) for an image model \(sdxl-base-1\.0\); /,
    );
    expect(message(embedder, 'orpheus-3b')).toMatch(/ for a text-to-speech \(tts\) model \(orpheus-3b\); /);
  });

  it('UNKNOWN_MODEL', () => {
    expect(codes(baseSpec, { model: 'gpt-17' })).toEqual(['UNKNOWN_MODEL@model']);
  });

  it('UNKNOWN_ACCELERATOR', () => {
    expect(codes(baseSpec, { accelerator: { type: 'TPUv5' } })).toEqual([
      'UNKNOWN_ACCELERATOR@accelerator.type',
    ]);
  });

  it('MODEL_ACCELERATOR_INCOMPATIBLE names the smallest accelerators that fit', () => {
    const r = validateEdit(baseSpec, { model: 'llama-3.1-70b' }, ctx);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.map((i) => i.code)).toEqual(['MODEL_ACCELERATOR_INCOMPATIBLE']);
    expect(r.issues[0]?.message).toContain('4×H100');
    expect(r.issues[0]?.message).toContain('2×H200');
  });

  it('70B fits 4×H100 and 2×H200 but not 1×H100 or 2×H100', () => {
    const fits = (type: string, count: number) =>
      validateEdit(baseSpec, { model: 'llama-3.1-70b', accelerator: { type, count } }, ctx).ok;
    expect([fits('H100', 1), fits('H100', 2), fits('H100', 4), fits('H200', 2)]).toEqual([
      false,
      false,
      true,
      true,
    ]);
  });

  it('MODEL_ACCELERATOR_INCOMPATIBLE for a GPU count that is not a tensor-parallel size', () => {
    expect(codes(baseSpec, { accelerator: { count: 3 } })).toEqual([
      'MODEL_ACCELERATOR_INCOMPATIBLE@accelerator.count',
    ]);
  });

  it.each([
    [{ minInstances: 5, maxInstances: 3 }],
    [{ minInstances: -1 }],
    [{ minInstances: 1.5 }],
    [{ maxInstances: 5000 }],
    [{ minInstances: 0 }],
  ])('INVALID_SCALING_RANGE for %j', (scaling) => {
    expect(codes(baseSpec, { scaling }).every((c) => c.startsWith('INVALID_SCALING_RANGE'))).toBe(true);
    expect(codes(baseSpec, { scaling }).length).toBeGreaterThan(0);
  });

  it('allows scale to zero on an async deployment', () => {
    const asyncSpec: DeploymentSpec = {
      ...baseSpec,
      processingType: 'async',
      scaling: { ...baseSpec.scaling, metrics: [] },
    };
    expect(codes(asyncSpec, { scaling: { minInstances: 0 } })).toEqual([]);
  });

  it('INVALID_METRIC for an unknown, a duplicated, and a sync queueDepth metric', () => {
    const edit = {
      scaling: {
        metrics: [
          { metric: 'concurrency', threshold: 8 },
          { metric: 'concurrency', threshold: 9 },
          { metric: 'queueDepth', threshold: 4 },
          { metric: 'tokensPerSecond', threshold: 1 },
        ],
      },
    } as unknown as SpecEdit;
    expect(codes(baseSpec, edit)).toEqual([
      'INVALID_METRIC@scaling.metrics[1].metric',
      'INVALID_METRIC@scaling.metrics[2].metric',
      'INVALID_METRIC@scaling.metrics[3].metric',
    ]);
  });

  it.each([
    ['gpuUtilization', 0],
    ['gpuUtilization', 101],
    ['rps', 0],
    ['latencyP95', -5],
    ['concurrency', Number.NaN],
  ] as const)('INVALID_THRESHOLD for %s %d', (metric, threshold) => {
    expect(codes(baseSpec, { scaling: { metrics: [{ metric, threshold }] } })).toEqual([
      'INVALID_THRESHOLD@scaling.metrics[0].threshold',
    ]);
  });

  it('NOT_EDITABLE for pending, failed and stopped deployments, and for warm pools', () => {
    for (const status of ['pending', 'failed', 'stopped'] as const) {
      expect(codes({ ...baseSpec, status }, { tags: { a: 'b' } })).toEqual(['NOT_EDITABLE@status']);
    }
    expect(codes({ ...baseSpec, warmpool: true }, { tags: { a: 'b' } })).toEqual(['NOT_EDITABLE@warmpool']);
  });

  it('EDIT_IN_PROGRESS when a rollout is under way', () => {
    expect(codes(baseSpec, { tags: { a: 'b' } }, { ...ctx, editInProgress: true })).toEqual([
      'EDIT_IN_PROGRESS@',
    ]);
  });

  it('reports every problem at once: three locked fields and an unknown model give four issues', () => {
    const r = validateEdit(baseSpec, { name: 'x', cloud: 'gcp', cluster: 'c2', model: 'nope' }, ctx);
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.issues.map((i) => i.code).sort()).toEqual([
        'LOCKED_FIELD',
        'LOCKED_FIELD',
        'LOCKED_FIELD',
        'UNKNOWN_MODEL',
      ]);
  });
});

describe('validateEdit: merge semantics and classification', () => {
  it('merges scaling field by field, replaces metrics, merges tags and removes null tags', () => {
    const next = applyEdit(baseSpec, {
      scaling: { maxInstances: 10, metrics: [{ metric: 'rps', threshold: 5 }] },
      tags: { team: null, owner: 'me' },
    });
    expect(next.scaling).toEqual({
      minInstances: 2,
      maxInstances: 10,
      metrics: [{ metric: 'rps', threshold: 5 }],
    });
    expect(next.tags).toEqual({ env: 'production', owner: 'me' });
  });

  it('classifies edits: tags/scaling in place, model/accelerator rolling, nothing a no-op', () => {
    const kind = (edit: SpecEdit) => {
      const r = validateEdit(baseSpec, edit, ctx);
      return r.ok ? r.kind : 'rejected';
    };
    expect(kind({ tags: { env: 'staging' } })).toBe('inPlace');
    expect(kind({ scaling: { maxInstances: 9 } })).toBe('inPlace');
    expect(kind({ model: 'llama-3.1-70b', accelerator: { count: 4 } })).toBe('rolling');
    expect(kind({ accelerator: { type: 'H200' } })).toBe('rolling');
    expect(kind({ tags: { env: 'production' } })).toBe('noop');
    expect(kind({})).toBe('noop');
  });

  it('keeps a tag named __proto__ as a tag without touching prototypes', () => {
    const next = applyEdit(baseSpec, { tags: JSON.parse('{"__proto__":"x"}') as Record<string, string> });
    expect(Object.keys(next.tags)).toContain('__proto__');
    expect(Object.getPrototypeOf(next.tags)).toBe(Object.prototype);
  });
});

// ----- properties over generated specs and edits -----

const models = MODEL_IDS;
const runs = numRuns(1000);

describe('validateEdit: properties', () => {
  it('never throws, and a rejection leaves the current spec untouched', () => {
    fc.assert(
      fc.property(specArb, editArb, fc.boolean(), (spec, edit, inProgress) => {
        const frozen = JSON.stringify(spec);
        const r = validateEdit(spec, edit, { ...ctx, editInProgress: inProgress });
        expect(JSON.stringify(spec)).toBe(frozen);
        if (!r.ok) expect(r.issues.length).toBeGreaterThan(0);
      }),
      { numRuns: runs },
    );
  });

  it('an accepted edit never changes a locked field', () => {
    fc.assert(
      fc.property(specArb, editArb, (spec, edit) => {
        const r = validateEdit(spec, edit, ctx);
        if (r.ok) for (const f of LOCKED_FIELDS) expect(r.spec[f]).toBe(spec[f]);
      }),
      { numRuns: runs },
    );
  });

  it('every cross-type swap is rejected with MODEL_TYPE_MISMATCH', () => {
    fc.assert(
      fc.property(specArb, fc.constantFrom(...models), (spec, model) => {
        const from = BUILTIN_CATALOG.models[spec.model];
        const to = BUILTIN_CATALOG.models[model];
        fc.pre(from !== undefined && to !== undefined && from.type !== to.type);
        const r = validateEdit(spec, { model }, ctx);
        expect(r.ok).toBe(false);
        if (!r.ok) expect(r.issues.map((i) => i.code)).toContain('MODEL_TYPE_MISMATCH');
      }),
      { numRuns: runs },
    );
  });
});
