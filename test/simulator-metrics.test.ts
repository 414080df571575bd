// Proves the metric definitions: latency quantiles within 1 %, time integrals, the downtime clock, the failure percentage.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ConditionTimer,
  LATENCY_BUCKETS,
  latencyBucket,
  latencyBucketByLog,
  droppedPercent,
  HistogramSince,
  isDegraded,
  isDown,
  LatencyHistogram,
  RunMetricsAccumulator,
  TimeIntegral,
} from '../result/metrics.js';
import { lognormalFactor, makeStream } from '../sim/random.js';

describe('LatencyHistogram', () => {
  it('puts a latency in the bucket its logarithm says, without taking the logarithm', () => {
    // Every bucket edge and the doubles right around it, both ways.
    const f = new Float64Array(1);
    const u = new BigUint64Array(f.buffer);
    let checked = 0;
    for (let b = 0; b <= LATENCY_BUCKETS + 2; b++) {
      f[0] = Math.pow(1.01, b);
      const edge = u[0]!;
      for (let d = -40n; d <= 40n; d++) {
        u[0] = edge + d;
        expect(latencyBucket(f[0])).toBe(latencyBucketByLog(f[0]));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100_000);
    for (const ms of [-1, 0, 0.5, 1, NaN, Infinity, 2 ** 31, 1e300]) {
      expect(latencyBucket(ms)).toBe(latencyBucketByLog(ms));
    }
    fc.assert(
      fc.property(fc.double({ min: -10, max: 1e12, noNaN: true }), (ms) => {
        expect(latencyBucket(ms)).toBe(latencyBucketByLog(ms));
      }),
      { numRuns: 20_000, verbose: true },
    );
  });

  it('matches exact quantiles of 100k log-normal latencies within 1 %', () => {
    const rand = makeStream(9, 'latency');
    const h = new LatencyHistogram();
    const values: number[] = [];
    for (let i = 0; i < 100_000; i++) {
      const v = 2500 * lognormalFactor(rand, 0.8);
      values.push(v);
      h.add(v);
    }
    values.sort((a, b) => a - b);
    for (const q of [0.5, 0.95, 0.99]) {
      const exact = values[Math.ceil(q * values.length) - 1]!;
      expect(Math.abs(h.quantile(q) - exact) / exact).toBeLessThan(0.01);
    }
  });

  it('is 0 when empty and resets', () => {
    const h = new LatencyHistogram();
    expect(h.quantile(0.5)).toBe(0);
    h.add(100);
    expect(h.quantile(0.5)).toBeCloseTo(100, -1);
    h.reset();
    expect(h.total).toBe(0);
  });
});

describe('HistogramSince', () => {
  it('holds exactly what its histogram gained since the last reset, as a histogram reset there would', () => {
    // A run's histogram with a window over it (the timeline's or the autoscaler's), against a histogram of
    // its own that gets the same values and resets at the same points.
    const op = fc.oneof(
      fc.record({ add: fc.double({ min: 0, max: 1e7, noNaN: true }) }),
      fc.constant({ reset: true as const }),
    );
    let resetsSeen = 0;
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), fc.constantFrom(0, 0.5, 0.95, 0.99, 1), (ops, q) => {
        const run = new LatencyHistogram();
        const window = new HistogramSince(run);
        const own = new LatencyHistogram();
        for (const o of ops) {
          if ('add' in o) {
            run.add(o.add);
            own.add(o.add);
          } else {
            window.reset();
            own.reset();
            resetsSeen++;
          }
          expect(window.total).toBe(own.total);
        }
        expect(window.quantile(q)).toBe(own.quantile(q));
      }),
      { numRuns: 2_000 },
    );
    expect(resetsSeen).toBeGreaterThan(1_000);
  });
});

describe('time-based metrics', () => {
  it('integrates a level over time and restarts on take', () => {
    const x = new TimeIntegral();
    x.set(0, 2);
    x.set(1000, 5);
    expect(x.take(3000)).toBe(2 * 1000 + 5 * 2000);
    expect(x.take(4000)).toBe(5000);
  });

  it('adds up the time a condition holds', () => {
    const down = new ConditionTimer();
    down.set(100, isDown(true, 0));
    down.set(400, isDown(true, 2));
    down.set(900, isDown(true, 0));
    expect(down.totalUntil(1000)).toBe(300 + 100);
    expect(isDown(false, 0)).toBe(false);
    expect(isDegraded(10, 9.9)).toBe(true);
    expect(isDegraded(0, 0)).toBe(false);
  });

  it('counts dropped and timed-out requests as failed, and GPU-hours from GPU time', () => {
    expect(droppedPercent(2000, 3, 1)).toBe(0.2);
    expect(droppedPercent(0, 0, 0)).toBe(0);
    const m = new RunMetricsAccumulator();
    m.setGpus(0, 4);
    m.setGpus(1_800_000, 8);
    const out = m.finish(3_600_000);
    expect(out.gpuHours).toBe(6);
    expect(out.peakGpus).toBe(8);
  });
});
