// Proves the catalog's fit rule at its exact edge, the per-GPU search for the smallest tensor-parallel
// size within a limit, and that scenario-defined models extend the catalog without touching it.
import { describe, expect, it } from 'vitest';
import {
  BUILTIN_CATALOG,
  extendCatalog,
  modelFits,
  smallestFits,
  usableMemoryGB,
  type ModelRecord,
} from '../catalog/catalog.js';

const h100 = BUILTIN_CATALOG.gpus['H100']!;
const llama8b = BUILTIN_CATALOG.models['llama-3.1-8b']!;
const llama70b = BUILTIN_CATALOG.models['llama-3.1-70b']!;

const sized = (memoryGB: number): ModelRecord => ({ ...llama8b, id: 'probe', memoryGB });

describe('modelFits', () => {
  it('uses 90 % of each GPU and scales with the GPU count', () => {
    expect(usableMemoryGB(h100, 1)).toBeCloseTo(0.9 * h100.memoryGB, 9);
    expect(usableMemoryGB(h100, 4)).toBeCloseTo(4 * 0.9 * h100.memoryGB, 9);
  });

  it('a model exactly at the usable memory fits, within a 1e-9 GB tolerance, and not a byte more', () => {
    const usable = usableMemoryGB(h100, 2);
    expect(modelFits(sized(usable), h100, 2)).toBe(true);
    expect(modelFits(sized(usable + 1e-9), h100, 2)).toBe(true);
    expect(modelFits(sized(usable + 1e-6), h100, 2)).toBe(false);
    expect(modelFits(sized(usable), h100, 1)).toBe(false);
  });
});

describe('smallestFits', () => {
  it('gives each GPU type its smallest tensor-parallel size, and none past maxCount', () => {
    const all = smallestFits(llama70b, BUILTIN_CATALOG, 8);
    expect(all).toContainEqual({ gpu: 'H100', count: 4 });
    for (const fit of all) {
      const gpu = BUILTIN_CATALOG.gpus[fit.gpu]!;
      expect(modelFits(llama70b, gpu, fit.count)).toBe(true);
      if (fit.count > 1) expect(modelFits(llama70b, gpu, fit.count / 2)).toBe(false);
    }
    // A limit of exactly 4 still admits 4; a limit of 3 does not.
    expect(smallestFits(llama70b, BUILTIN_CATALOG, 4)).toContainEqual({ gpu: 'H100', count: 4 });
    expect(smallestFits(llama70b, BUILTIN_CATALOG, 3).map((f) => f.gpu)).not.toContain('H100');
    expect(smallestFits(llama70b, BUILTIN_CATALOG, 3).every((f) => f.count <= 2)).toBe(true);
    expect(smallestFits(sized(1e6), BUILTIN_CATALOG, 8)).toEqual([]);
  });
});

describe('extendCatalog', () => {
  it('returns the same catalog when there is nothing to add', () => {
    expect(extendCatalog(BUILTIN_CATALOG, [])).toBe(BUILTIN_CATALOG);
  });

  it('adds new models and overrides built-in ones, leaving the base catalog untouched', () => {
    const custom: ModelRecord = { ...llama8b, id: 'my-finetune' };
    const heavier: ModelRecord = { ...llama8b, memoryGB: 60 };
    const ext = extendCatalog(BUILTIN_CATALOG, [custom, heavier]);
    expect(ext.models['my-finetune']).toBe(custom);
    expect(ext.models['llama-3.1-8b']).toBe(heavier);
    expect(ext.models['llama-3.1-70b']).toBe(llama70b);
    expect(ext.gpus).toBe(BUILTIN_CATALOG.gpus);
    expect(Object.keys(ext.models).length).toBe(Object.keys(BUILTIN_CATALOG.models).length + 1);
    expect(BUILTIN_CATALOG.models['my-finetune']).toBeUndefined();
    expect(BUILTIN_CATALOG.models['llama-3.1-8b']).toBe(llama8b);
  });
});
