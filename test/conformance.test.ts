// Proves the engine's rollout arithmetic and the simulator's autoscaler match Kubernetes' own test tables
// (test/data/k8s-vectors.json), and that the check has teeth: a planted rounding bug is reported.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  REQUIRED_CATEGORIES,
  UNSUPPORTED_CATEGORIES,
  formatConformanceReport,
  runVectors,
  type ConformanceReport,
} from '../conformance/k8s.js';
import { resolveFenceposts, scaledValue, type RollingStrategy } from '../k8s/deployment.js';

const VECTORS_PATH = new URL('./data/k8s-vectors.json', import.meta.url);
const vectors = JSON.parse(readFileSync(VECTORS_PATH, 'utf8')) as Record<string, unknown>;
/** Run inside each test, not at import: StrykerJS switches a mutant on just before the tests run, and
 * attributes coverage per test, so each test runs the vectors it asserts on. */
const report = (...names: string[]): ConformanceReport =>
  runVectors(names.length === 0 ? vectors : Object.fromEntries(names.map((n) => [n, vectors[n]])));

function category(r: ConformanceReport, name: string) {
  const found = r.categories.find((c) => c.category === name);
  if (found === undefined) throw new Error(`category ${name} missing from the report`);
  return found;
}

function vectorCount(name: string): number {
  const list = vectors[name];
  return Array.isArray(list) ? list.length : 0;
}

/** TestResolveFenceposts cases 1 and 5 (deployment_util_test.go). The public half of the vector file has
 * no surge percentage whose rounding direction matters, so the mutation check brings its own. */
const SURGE_ROUNDING_VECTORS = {
  fenceposts: [
    {
      maxSurge: '39%',
      maxUnavailable: '39%',
      desiredReplicas: 10,
      expectSurge: 4,
      expectUnavailable: 3,
      expectError: false,
      source: {
        file: 'pkg/controller/deployment/util/deployment_util_test.go',
        test: 'TestResolveFenceposts',
        case: '1',
      },
    },
    {
      maxSurge: '39%',
      maxUnavailable: null,
      desiredReplicas: 10,
      expectSurge: 4,
      expectUnavailable: 0,
      expectError: false,
      source: {
        file: 'pkg/controller/deployment/util/deployment_util_test.go',
        test: 'TestResolveFenceposts',
        case: '5',
      },
    },
  ],
};

/** The planted bug: surge percentages rounded DOWN instead of up. */
function surgeRoundsDown(strategy: RollingStrategy, desired: number): { surge: number; unavailable: number } {
  const surge = scaledValue(strategy.maxSurge, desired, false);
  let unavailable = scaledValue(strategy.maxUnavailable, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

describe('k8s-vectors.json against rollsim', () => {
  it.each(REQUIRED_CATEGORIES.map((c) => [c]))('every %s vector passes', (name) => {
    const c = category(report(name), name);
    expect(c.failures).toEqual([]);
    expect(c.unsupported).toBe(0);
    expect(c.passed).toBe(vectorCount(name));
    expect(c.passed).toBeGreaterThan(0);
  });

  it('passes the optional categories that map onto rollsim, and says why the others do not', () => {
    for (const name of ['hpaController', 'hpaGroupPods', 'replicaCounts', 'newRSReplicasTerminationAware']) {
      const c = category(report(name), name);
      expect(c.failures).toEqual([]);
      expect(c.passed).toBe(vectorCount(name));
    }
    const cleanup = category(report('cleanupDeployment'), 'cleanupDeployment');
    expect(cleanup.passed).toBe(0);
    expect(cleanup.unsupported).toBe(vectorCount('cleanupDeployment'));
    expect(cleanup.unsupportedReasons).toEqual([UNSUPPORTED_CATEGORIES.cleanupDeployment]);
  });

  it('is ok overall and prints one row per category', () => {
    const full = runVectors(vectors);
    expect(full.ok).toBe(true);
    expect(full.failed).toBe(0);
    expect(full.fileErrors).toEqual([]);
    expect(full.missingRequired).toEqual([]);
    const text = formatConformanceReport(full);
    for (const name of REQUIRED_CATEGORIES)
      expect(text).toMatch(new RegExp(`^${name}\\s+\\d+\\s+0\\s+0$`, 'm'));
    expect(text).toContain('cleanupDeployment');
    expect(text.trimEnd().endsWith('OK')).toBe(true);
  });
});

describe('the conformance check has teeth', () => {
  it('the supplementary surge-rounding vectors pass with the real functions', () => {
    const r = runVectors({ ...vectors, ...SURGE_ROUNDING_VECTORS });
    expect(category(r, 'fenceposts').failed).toBe(0);
    expect(r.ok).toBe(true);
  });

  it('reports surge rounded down as failures naming the Go source', () => {
    const r = runVectors({ ...vectors, ...SURGE_ROUNDING_VECTORS }, { resolveFenceposts: surgeRoundsDown });
    const fenceposts = category(r, 'fenceposts');
    expect(fenceposts.failed).toBe(2);
    expect(fenceposts.failures.map((f) => f.source)).toEqual([
      'pkg/controller/deployment/util/deployment_util_test.go TestResolveFenceposts/1',
      'pkg/controller/deployment/util/deployment_util_test.go TestResolveFenceposts/5',
    ]);
    expect(fenceposts.failures[0]?.detail).toBe('surge: expected 4, got 3');
    expect(r.ok).toBe(false);
    const text = formatConformanceReport(r);
    expect(text).toContain('TestResolveFenceposts/1');
    expect(text.trimEnd().endsWith('FAILED')).toBe(true);
  });

  it('reports a broken proportional resize against the TestScale vectors', () => {
    const r = runVectors(vectors, {
      scaleDeployment: (input) => ({ newRS: input.desired, oldRSs: input.oldRSs.map(() => 0) }),
    });
    expect(category(r, 'proportionalScale').failed).toBeGreaterThan(0);
    expect(r.ok).toBe(false);
  });

  it('surge percentages round up and unavailable percentages round down', () => {
    expect(resolveFenceposts({ maxSurge: '25%', maxUnavailable: '25%' }, 10)).toEqual({
      surge: 3,
      unavailable: 2,
    });
    expect(resolveFenceposts({ maxSurge: '39%', maxUnavailable: '39%' }, 3)).toEqual({
      surge: 2,
      unavailable: 1,
    });
    expect(resolveFenceposts({ maxSurge: '25%', maxUnavailable: '25%' }, 1)).toEqual({
      surge: 1,
      unavailable: 0,
    });
  });
});

describe('malformed input is reported, not thrown', () => {
  it('a file that is not an object', () => {
    const r = runVectors('nope');
    expect(r.ok).toBe(false);
    expect(r.fileErrors).toEqual(['the file is not a JSON object']);
  });

  it('a vector missing a field fails with its source', () => {
    const r = runVectors({
      fenceposts: [{ desiredReplicas: 3, source: { file: 'f.go', test: 'TestX', case: 'c' } }],
    });
    const f = category(r, 'fenceposts').failures[0];
    expect(f?.source).toBe('f.go TestX/c');
    expect(f?.detail).toMatch(/^malformed vector: expectError/);
    expect(r.failed).toBe(1);
    expect(r.missingRequired.length).toBe(REQUIRED_CATEGORIES.length - 1);
  });

  it('an unknown category is unsupported, with a reason', () => {
    const r = runVectors({ ...vectors, statefulSetOrdinals: [{ source: {} }] });
    const c = category(r, 'statefulSetOrdinals');
    expect(c.unsupported).toBe(1);
    expect(c.unsupportedReasons[0]).toMatch(/unknown category/);
    expect(r.ok).toBe(true);
  });
});
