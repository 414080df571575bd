// Proves hpaRecommend, the simulator's autoscaler step, follows the Kubernetes HPA: inclusive tolerance,
// ready instances only, largest metric wins, scale-down stabilisation seeded at first sight, [min, max].
import { describe, expect, it } from 'vitest';
import {
  computeReplicasForMetrics,
  hpaRecommend,
  stabilizeRecommendation,
  withinTolerance,
  type HpaInput,
} from '../k8s/hpa.js';

const WINDOW_MS = 300_000;

function input(overrides: Partial<HpaInput>): HpaInput {
  return {
    currentReplicas: 4,
    readyReplicas: 4,
    metrics: [{ value: 50, target: 50 }],
    minReplicas: 1,
    maxReplicas: 20,
    tolerance: 0.1,
    nowMs: 1_000_000,
    scaleDownStabilizationMs: WINDOW_MS,
    history: [],
    ...overrides,
  };
}

describe('tolerance', () => {
  it('keeps the count inside the band, edges included', () => {
    expect(hpaRecommend(input({ metrics: [{ value: 55, target: 50 }] })).desired).toBe(4); // ratio 1.1
    expect(hpaRecommend(input({ metrics: [{ value: 45, target: 50 }] })).desired).toBe(4); // ratio 0.9
    expect(withinTolerance(1.1, { scaleDown: 0.1, scaleUp: 0.1 })).toBe(true);
    expect(withinTolerance(0.9, { scaleDown: 0.1, scaleUp: 0.1 })).toBe(true);
  });

  it('scales by ceil(ratio × ready) just outside the band', () => {
    expect(hpaRecommend(input({ metrics: [{ value: 56, target: 50 }] })).desired).toBe(5); // ceil(1.12 × 4)
    expect(hpaRecommend(input({ metrics: [{ value: 150, target: 50 }] })).desired).toBe(12);
  });

  it('uses the configured tolerance', () => {
    expect(hpaRecommend(input({ tolerance: 0.5, metrics: [{ value: 70, target: 50 }] })).desired).toBe(4);
    expect(hpaRecommend(input({ tolerance: 0, metrics: [{ value: 51, target: 50 }] })).desired).toBe(5);
  });
});

describe('readiness', () => {
  it('multiplies by ready instances, so surge or starting instances cannot ratchet the count up', () => {
    // 6 instances mid-rollout, 4 ready, each ready one at 1.5× target: 6 needed, not ceil(1.5 × 6) = 9.
    const r = hpaRecommend(
      input({ currentReplicas: 6, readyReplicas: 4, metrics: [{ value: 75, target: 50 }] }),
    );
    expect(r.desired).toBe(6);
  });

  it('makes no change when no instance is ready (no sample)', () => {
    const r = hpaRecommend(input({ readyReplicas: 0, metrics: [{ value: 500, target: 50 }] }));
    expect(r.desired).toBe(4);
  });
});

describe('several metrics', () => {
  it('takes the largest proposal', () => {
    const metrics = [
      { value: 25, target: 50 },
      { value: 100, target: 50 },
    ];
    expect(hpaRecommend(input({ metrics, history: [{ atMs: 0, replicas: 1 }] })).desired).toBe(8);
  });

  it('a failed metric blocks a scale-down but not a scale-up', () => {
    expect(computeReplicasForMetrics(5, [{ ok: true, replicas: 3 }, { ok: false }])).toBeNull();
    expect(computeReplicasForMetrics(5, [{ ok: true, replicas: 7 }, { ok: false }])).toBe(7);
    expect(computeReplicasForMetrics(5, [])).toBeNull();
  });
});

describe('scale-down stabilisation', () => {
  const low = [{ value: 10, target: 50 }]; // ratio 0.2 → ceil(0.8) = 1

  it('cannot scale down at first sight: the history is seeded with the current size', () => {
    const first = hpaRecommend(input({ metrics: low }));
    expect(first.desired).toBe(4);
    expect(first.history).toEqual([
      { atMs: 1_000_000, replicas: 4 },
      { atMs: 1_000_000, replicas: 1 },
    ]);
  });

  it('scales down once the higher recommendations are a full window old', () => {
    const first = hpaRecommend(input({ metrics: low }));
    const inside = hpaRecommend(
      input({ metrics: low, nowMs: 1_000_000 + WINDOW_MS - 1, history: first.history }),
    );
    expect(inside.desired).toBe(4);
    const after = hpaRecommend(input({ metrics: low, nowMs: 1_000_000 + WINDOW_MS, history: first.history }));
    expect(after.desired).toBe(1);
  });

  it('never delays a scale-up', () => {
    const r = hpaRecommend(
      input({ metrics: [{ value: 100, target: 50 }], history: [{ atMs: 999_000, replicas: 2 }] }),
    );
    expect(r.desired).toBe(8);
  });

  it('stores the raw proposal, reusing the last expired slot', () => {
    const history = [
      { atMs: 0, replicas: 9 },
      { atMs: 10, replicas: 8 },
      { atMs: 900_000, replicas: 6 },
    ];
    const r = stabilizeRecommendation(history, 1_000_000, WINDOW_MS, 2);
    expect(r.replicas).toBe(6);
    expect(r.history).toEqual([
      { atMs: 0, replicas: 9 },
      { atMs: 1_000_000, replicas: 2 },
      { atMs: 900_000, replicas: 6 },
    ]);
  });
});

describe('bounds', () => {
  it('clamps proposals to [min, max]', () => {
    expect(hpaRecommend(input({ maxReplicas: 6, metrics: [{ value: 500, target: 50 }] })).desired).toBe(6);
    const low = input({
      minReplicas: 3,
      metrics: [{ value: 1, target: 50 }],
      history: [{ atMs: 0, replicas: 4 }],
    });
    expect(hpaRecommend(low).desired).toBe(3);
  });

  it('snaps a current count outside [min, max] to the bound without reading metrics', () => {
    expect(hpaRecommend(input({ currentReplicas: 30, metrics: [{ value: 500, target: 50 }] })).desired).toBe(
      20,
    );
    expect(
      hpaRecommend(input({ currentReplicas: 5, maxReplicas: 3, metrics: [{ value: 1, target: 50 }] }))
        .desired,
    ).toBe(3);
    expect(
      hpaRecommend(input({ currentReplicas: 2, minReplicas: 3, metrics: [{ value: 1, target: 50 }] }))
        .desired,
    ).toBe(3);
  });

  it('treats zero replicas with min > 0 as autoscaling disabled', () => {
    expect(hpaRecommend(input({ currentReplicas: 0, readyReplicas: 0 })).desired).toBe(0);
  });

  it('applies the legacy scale-up limit only when asked', () => {
    const hot = input({ currentReplicas: 2, readyReplicas: 2, metrics: [{ value: 500, target: 50 }] });
    expect(hpaRecommend(hot).desired).toBe(20);
    expect(hpaRecommend({ ...hot, scaleUpLimitFactor: 2 }).desired).toBe(4); // max(2 × 2, 4)
  });
});
