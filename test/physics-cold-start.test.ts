// Cold start by phase: each phase follows its size and bandwidth, a cached image skips the pull, a warm
// compile cache shortens engine start, and bad input is refused.
import { describe, expect, it } from 'vitest';
import { coldStart, IMAGE_SOURCE, VLLM_ENGINE_START, WEIGHT_STORAGE } from '../physics/cold-start.js';

describe('coldStart', () => {
  const base = { imageGB: 5.2, weightsGB: 16.06, imageCached: false, compileCacheWarm: false } as const;

  it('adds the phases, and the image pull is size ÷ registry bandwidth', () => {
    const c = coldStart(base);
    expect(c.totalMs).toBe(c.imagePullMs + c.weightsMs + c.engineStartMs);
    expect(c.imagePullMs).toBe(Math.round((5.2 / IMAGE_SOURCE.registry.GBps) * 1000));
  });

  it('skips the pull on a node that holds the image', () => {
    const cold = coldStart(base);
    const warm = coldStart({ ...base, imageCached: true });
    expect(warm.imagePullMs).toBe(0);
    expect(warm.weightsMs).toBe(cold.weightsMs);
    expect(warm.totalMs).toBe(cold.totalMs - cold.imagePullMs);
  });

  it('loads weights in proportion to their size and inversely to the storage bandwidth', () => {
    const small = coldStart({ ...base, storage: 'node-local' });
    const big = coldStart({ ...base, weightsGB: 4 * base.weightsGB, storage: 'node-local' });
    expect(big.weightsMs / small.weightsMs).toBeCloseTo(4, 2);
    const order = (
      ['object-store-streamer', 'node-local', 'object-store', 'network-volume', 'model-hub'] as const
    ).map((storage) => coldStart({ ...base, storage }).weightsMs);
    expect(order[0]!).toBeLessThan(order[1]!);
    expect(order[1]!).toBeLessThan(order[3]!);
    expect(order[3]!).toBeLessThan(order[4]!);
    const hub = WEIGHT_STORAGE['model-hub'];
    expect(coldStart({ ...base, storage: 'model-hub' }).weightsMs).toBe(
      Math.round((base.weightsGB / hub.downloadGBps! + base.weightsGB / hub.loadGBps) * 1000),
    );
  });

  it('starts the engine faster with a warm compile cache, by the compile difference', () => {
    const cold = coldStart(base);
    const warm = coldStart({ ...base, compileCacheWarm: true });
    expect(cold.engineStartMs - warm.engineStartMs).toBe(
      VLLM_ENGINE_START.compileColdMs - VLLM_ENGINE_START.compileWarmMs,
    );
    expect(warm.engineStartMs).toBeGreaterThan(0);
  });

  it('takes an explicit bandwidth over the storage kind', () => {
    expect(coldStart({ ...base, weightsGBps: 2 }).weightsMs).toBe(8030);
  });

  it('refuses negative sizes and zero bandwidths', () => {
    expect(() => coldStart({ ...base, weightsGB: -1 })).toThrow(/weightsGB/);
    expect(() => coldStart({ ...base, imageGBps: 0 })).toThrow(/bandwidth/);
  });
});
