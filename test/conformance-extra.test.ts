// Proves the conformance runner and the functions behind it on Kubernetes test cases that the public
// vector file leaves out (odd positions of the Go tables), transcribed from the Go sources in the same
// vector format: TestScale, TestResolveFenceposts, TestReplicaCalc*, TestGroupPods.
import { describe, expect, it } from 'vitest';
import { runVectors } from '../conformance/k8s.js';

const SYNC_TEST = 'pkg/controller/deployment/sync_test.go';
const UTIL_TEST = 'pkg/controller/deployment/util/deployment_util_test.go';
const CALC_TEST = 'pkg/controller/podautoscaler/replica_calculator_test.go';
const NEW = '2016-05-20T02:00:00Z';
const OLD = '2016-05-20T01:00:00Z';
const OLDER = '2016-05-20T00:00:00Z';

/** An RS as TestScale's loop leaves it: annotated with the old deployment's size and size + surge. */
function rs(name: string, replicas: number, created: string, desired: number, surge = 0) {
  const annotations = {
    'deployment.kubernetes.io/desired-replicas': desired,
    'deployment.kubernetes.io/max-replicas': desired + surge,
  };
  return { name, specReplicas: replicas, creationTimestamp: created, annotations, availableReplicas: 0 };
}

function scaleCase(
  name: string,
  sizes: { from: number; to: number; surge?: number; oldSurge?: number },
  newRS: ReturnType<typeof rs> | null,
  oldRSs: ReturnType<typeof rs>[],
  expected: { newRS: number | null; oldRSs: number[] },
) {
  return {
    function: 'scale',
    strategy: 'RollingUpdate',
    deployment: { replicas: sizes.to, maxSurge: sizes.surge ?? 0, maxUnavailable: 0 },
    oldDeployment: { replicas: sizes.from, maxSurge: sizes.oldSurge ?? 0, maxUnavailable: 0 },
    newRS,
    oldRSs,
    desiredReplicasAnnotationOverrides: {},
    wasntUpdated: [],
    expectedNewRSReplicas: expected.newRS,
    expectedOldRSReplicas: expected.oldRSs,
    source: { file: SYNC_TEST, test: 'TestScale', case: name },
  };
}

const PROPORTIONAL = [
  scaleCase('normal scaling event: 10 -> 5', { from: 10, to: 5 }, rs('foo-v1', 10, NEW, 10), [], {
    newRS: 5,
    oldRSs: [],
  }),
  scaleCase(
    'proportional scaling: 5 -> 3',
    { from: 5, to: 3 },
    rs('foo-v2', 2, NEW, 5),
    [rs('foo-v1', 3, OLD, 5)],
    {
      newRS: 1,
      oldRSs: [2],
    },
  ),
  scaleCase(
    'proportional scaling: 7 -> 10',
    { from: 7, to: 10 },
    rs('foo-v3', 2, NEW, 7),
    [rs('foo-v2', 3, OLD, 7), rs('foo-v1', 2, OLDER, 7)],
    { newRS: 3, oldRSs: [4, 3] },
  ),
  scaleCase(
    'leftover distribution: 3 -> 4',
    { from: 3, to: 4 },
    rs('foo-v3', 1, NEW, 3),
    [rs('foo-v2', 1, OLD, 3), rs('foo-v1', 1, OLDER, 3)],
    { newRS: 2, oldRSs: [1, 1] },
  ),
  scaleCase(
    'proportional scaling (no new rs): 4 -> 5',
    { from: 4, to: 5 },
    null,
    [rs('foo-v2', 2, OLD, 4), rs('foo-v1', 2, OLDER, 4)],
    { newRS: null, oldRSs: [3, 2] },
  ),
  scaleCase(
    'proportional scaling: 0 -> 6',
    { from: 6, to: 6 },
    rs('foo-v3', 0, NEW, 6),
    [rs('foo-v2', 0, OLD, 6), rs('foo-v1', 0, OLDER, 6)],
    { newRS: 6, oldRSs: [0, 0] },
  ),
  scaleCase(
    'deployment with surge pods',
    { from: 10, to: 20, surge: 2, oldSurge: 2 },
    rs('foo-v2', 6, NEW, 10, 2),
    [rs('foo-v1', 6, OLD, 10, 2)],
    { newRS: 11, oldRSs: [11] },
  ),
  scaleCase(
    'change both size and template',
    { from: 10, to: 14 },
    null,
    [rs('foo-v2', 7, NEW, 10), rs('foo-v1', 3, OLD, 10)],
    { newRS: null, oldRSs: [10, 4] },
  ),
];

const FENCEPOSTS = [
  {
    maxSurge: '55%',
    maxUnavailable: 'urg',
    desiredReplicas: 10,
    expectSurge: 0,
    expectUnavailable: 0,
    expectError: true,
    source: { file: UTIL_TEST, test: 'TestResolveFenceposts', case: '3' },
  },
];

function pod(i: number, overrides: Record<string, unknown> = {}) {
  return {
    name: `test-pod-${i}`,
    phase: 'Running',
    ready: true,
    deleted: false,
    startTime: 'zero',
    ...overrides,
  };
}

const HPA_REPLICAS = [
  {
    function: 'GetResourceReplicas',
    resource: 'cpu',
    currentReplicas: 4,
    targetUtilization: 100,
    container: '',
    tolerance: { scaleDown: 0.1, scaleUp: 0.1 },
    pods: [pod(0), pod(1), pod(2), pod(3)],
    cpuRequestPerContainer: ['1.0', '1.0', '1.0'],
    containerLevels: [],
    expected: {
      error: 'unable to get metrics for resource cpu: no metrics returned from resource metrics API',
    },
    source: { file: CALC_TEST, test: 'TestReplicaCalcEmptyMetrics' },
  },
  {
    function: 'GetResourceReplicas',
    resource: 'cpu',
    currentReplicas: 4,
    targetUtilization: 300,
    container: '',
    tolerance: { scaleDown: 0.1, scaleUp: 0.1 },
    pods: [pod(0, { ready: false }), pod(1), pod(2), pod(3)],
    cpuRequestPerContainer: ['1.0', '1.0', '2.0', '2.0'],
    containerLevels: [
      [200, 200],
      [100, 100],
      [100, 100],
    ],
    expected: { replicas: 2, utilization: 6, rawAverageValueMilli: 200 },
    source: { file: CALC_TEST, test: 'TestReplicaCalcMissingMetricsScaleDownTargetOver100' },
  },
  {
    function: 'GetResourceReplicas',
    resource: 'cpu',
    currentReplicas: 3,
    targetUtilization: 30,
    container: 'container2',
    tolerance: { scaleDown: 0.1, scaleUp: 0.1 },
    pods: [pod(0, { startTime: 'hot' }), pod(1, { startTime: 'cool' }), pod(2, { startTime: 'cool' })],
    cpuRequestPerContainer: ['1.0', '1.0', '1.0'],
    containerLevels: [
      [0, 300],
      [0, 500],
      [0, 700],
    ],
    expected: { replicas: 4, utilization: 60, rawAverageValueMilli: 600 },
    source: {
      file: CALC_TEST,
      test: 'TestReplicaCalcResourceScale',
      case: 'scale up: hot-CPU container scales less',
    },
  },
  {
    function: 'GetMetricReplicas',
    metricType: 'pods',
    currentReplicas: 2,
    tolerance: { scaleDown: 0.1, scaleUp: 0.1 },
    pods: [pod(0), pod(1), pod(2)],
    metricLevelsMilli: [10000, 10000],
    targetMilli: 17000,
    expected: { replicas: 2, usageMilli: 10000 },
    source: { file: CALC_TEST, test: 'TestReplicaCalcDuringRollingUpdateWithMaxSurgeCM' },
  },
  {
    function: 'GetObjectMetricReplicas',
    metricType: 'object',
    currentReplicas: 3,
    tolerance: { scaleDown: 0.1, scaleUp: 0.1 },
    pods: [pod(0), pod(1), pod(2)],
    metricLevelsMilli: ['9223372036854775807'],
    targetMilli: 1,
    expected: { replicas: 2147483647, usageMilli: '9223372036854775807' },
    requiresInt64: true,
    source: { file: CALC_TEST, test: 'TestReplicaCalcScaleUpOverflow' },
  },
  {
    function: 'GetExternalPerPodMetricReplicas',
    metricType: 'externalPerPod',
    currentReplicas: 1,
    tolerance: { scaleDown: 0.1, scaleUp: 0.1 },
    pods: [pod(0)],
    metricLevelsMilli: ['9223372036854775807'],
    perPodTargetMilli: '9223372036854775807',
    expected: { replicas: 1, usageMilli: '9223372036854775807' },
    requiresInt64: true,
    source: { file: CALC_TEST, test: 'TestExternalPerPodMetricUsageOverflow' },
  },
];

const GROUP_PODS = [
  {
    function: 'groupPods',
    resource: 'memory',
    cpuInitializationPeriodSeconds: 120,
    delayOfInitialReadinessStatusSeconds: 10,
    pods: [{ name: 'bentham', phase: 'Succeeded' }],
    metrics: { bentham: { value: 1, timestamp: 0, windowSeconds: 60 } },
    expected: { readyPodCount: 1, unreadyPods: [], missingPods: [], ignoredPods: [] },
    source: { file: CALC_TEST, test: 'TestGroupPods', case: 'count in a ready pod - memory' },
  },
  {
    function: 'groupPods',
    resource: 'cpu',
    cpuInitializationPeriodSeconds: 120,
    delayOfInitialReadinessStatusSeconds: 10,
    pods: [
      {
        name: 'bentham',
        phase: 'Succeeded',
        startTime: -60,
        readyCondition: { status: 'True', lastTransitionTime: -30 },
      },
    ],
    metrics: { bentham: { value: 1, timestamp: 0, windowSeconds: 30 } },
    expected: { readyPodCount: 1, unreadyPods: [], missingPods: [], ignoredPods: [] },
    source: {
      file: CALC_TEST,
      test: 'TestGroupPods',
      case: 'count in a ready pod with fresh metrics during initialization period - CPU',
    },
  },
  {
    function: 'groupPods',
    resource: 'cpu',
    cpuInitializationPeriodSeconds: 120,
    delayOfInitialReadinessStatusSeconds: 10,
    pods: [
      {
        name: 'lucretius',
        phase: 'Succeeded',
        startTime: -600,
        readyCondition: { status: 'False', lastTransitionTime: -540 },
      },
    ],
    metrics: { lucretius: { value: 1 } },
    expected: { readyPodCount: 1, unreadyPods: [], missingPods: [], ignoredPods: [] },
    source: {
      file: CALC_TEST,
      test: 'TestGroupPods',
      case: 'count in an unready pod that was ready after initialization period - CPU',
    },
  },
];

describe('Kubernetes cases beyond the public vector file', () => {
  const cases = {
    proportionalScale: PROPORTIONAL,
    fenceposts: FENCEPOSTS,
    hpaReplicas: HPA_REPLICAS,
    hpaGroupPods: GROUP_PODS,
  };

  // Each test runs its own vectors (not once at collection), so a mutation-testing run sees them.
  it.each([
    ['proportionalScale', PROPORTIONAL.length],
    ['fenceposts', FENCEPOSTS.length],
    ['hpaReplicas', HPA_REPLICAS.length],
    ['hpaGroupPods', GROUP_PODS.length],
  ] as const)('every %s case passes', (name, count) => {
    const c = runVectors({ [name]: cases[name] }).categories.find((x) => x.category === name);
    expect(c?.failures).toEqual([]);
    expect(c?.passed).toBe(count);
  });
});
