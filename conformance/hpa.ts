// HPA vector categories: the Go test fixtures (fake pods, fake metrics clients) are rebuilt as plain
// data and fed to the pure functions of k8s/hpa.ts (the ones the simulator's autoscaler uses) and
// k8s/hpa-replica-calculator.ts.
import * as hpa from '../k8s/hpa.js';
import * as k8sCalc from '../k8s/hpa-replica-calculator.js';
import {
  Checks,
  PASS,
  VectorShapeError,
  arr,
  arrOrNull,
  big,
  bool,
  isObject,
  num,
  numOrNull,
  obj,
  objOrNull,
  objects,
  str,
  strOrNull,
  toBigInt,
  type Json,
  type JsonObject,
  type Outcome,
} from './fields.js';

/** The evaluation instant of every HPA vector; ages and relative times are measured back from it. */
export const NOW_MS = 1_700_000_000_000;
/** Go's zero time.Time, far in the past of NOW_MS (finite, so `zero + 10 s > zero` still holds). */
export const GO_ZERO_TIME_MS = -62_135_596_800_000;
/** Test-only constants of the Kubernetes HPA tests (k8s-vectors meta.testOnlyConstants). */
export const TEST_TIMINGS: k8sCalc.ReadinessTimings = {
  cpuInitializationPeriodMs: 120_000,
  delayOfInitialReadinessStatusMs: 10_000,
};
export const TEST_SCALE_UP_LIMIT_FACTOR = 8;
const METRIC_WINDOW_MS = 60_000;
const CONTAINER_NAMES = ['container1', 'container2'] as const;

type Handler = (v: JsonObject) => Outcome;

/** Kubernetes quantity → milli-units (MilliValue rounds up). */
export function quantityMilli(value: Json, label: string): bigint {
  if (typeof value === 'number') return BigInt(Math.ceil(value * 1000));
  if (typeof value !== 'string') throw new VectorShapeError(`${label}: expected a quantity`);
  const match = /^(\d+(?:\.\d+)?)(m|k|M|G|Ki|Mi|Gi)?$/.exec(value);
  if (match === null) throw new VectorShapeError(`${label}: unsupported quantity ${value}`);
  const scale: Record<string, number> = {
    '': 1000,
    m: 1,
    k: 1e6,
    M: 1e9,
    G: 1e12,
    Ki: 1024e3,
    Mi: 1024 ** 2 * 1e3,
    Gi: 1024 ** 3 * 1e3,
  };
  return BigInt(Math.ceil(Number(match[1]) * (scale[match[2] ?? ''] ?? 1000)));
}

function tolerancesOf(v: JsonObject): hpa.Tolerances {
  const t = v.tolerance;
  if (t === undefined || t === null) return hpa.DEFAULT_TOLERANCES;
  if (typeof t === 'number') return { scaleDown: t, scaleUp: t };
  if (!isObject(t)) throw new VectorShapeError('tolerance: expected a number or {scaleDown, scaleUp}');
  return { scaleDown: num(t, 'scaleDown'), scaleUp: num(t, 'scaleUp') };
}

/** startTime "zero" | "hot" | "cool" of the shared fixtures. */
function fixtureStartMs(start: string): number {
  if (start === 'hot') return NOW_MS;
  if (start === 'cool') return NOW_MS - 180_000;
  if (start === 'zero') return GO_ZERO_TIME_MS;
  throw new VectorShapeError(`startTime: unknown ${start}`);
}

function phaseOf(p: JsonObject): k8sCalc.PodPhase {
  const phase = strOrNull(p, 'phase') ?? 'Running';
  if (!['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'].includes(phase))
    throw new VectorShapeError(`phase: ${phase}`);
  return phase as k8sCalc.PodPhase;
}

/** A fixture pod: its Ready condition changed when it started (so a hot pod has no full metric window yet). */
function fixturePod(
  p: JsonObject,
  requestsPerContainer: readonly (bigint | null)[],
  resource: string,
): k8sCalc.HpaPod {
  const startAtMs = fixtureStartMs(str(p, 'startTime'));
  return {
    name: str(p, 'name'),
    phase: phaseOf(p),
    deleted: bool(p, 'deleted'),
    startAtMs,
    readyCondition: { status: bool(p, 'ready') ? 'True' : 'False', lastTransitionAtMs: startAtMs },
    containers: CONTAINER_NAMES.map((name, i) => {
      const r = requestsPerContainer[i] ?? null;
      return { name, requestsMilli: r === null ? {} : { [resource]: r } };
    }),
  };
}

function sample(valueMilli: bigint): k8sCalc.PodMetricSample {
  return { valueMilli, timestampMs: NOW_MS, windowMs: METRIC_WINDOW_MS };
}

/** hpaReplicas resource fixture: per-container requests and usages (K8s metrics-server shape). */
function resourceFixture(v: JsonObject): {
  pods: k8sCalc.HpaPod[];
  metrics: Map<string, k8sCalc.PodMetricSample>;
} {
  const resource = str(v, 'resource');
  const requests = arr(v, 'cpuRequestPerContainer').map((q, i) =>
    quantityMilli(q, `cpuRequestPerContainer[${i}]`),
  );
  const pods = objects(v, 'pods').map((p, i) => {
    const r = requests[i] ?? null;
    return fixturePod(p, [r, r], resource);
  });
  const container = strOrNull(v, 'container') ?? '';
  const names = arrOrNull(v, 'metricPodNames') ?? [];
  const metrics = new Map<string, k8sCalc.PodMetricSample>();
  arr(v, 'containerLevels').forEach((levels, i) => {
    if (!Array.isArray(levels)) throw new VectorShapeError(`containerLevels[${i}]: expected an array`);
    const usage = levels.map((x, j) => toBigInt(x, `containerLevels[${i}][${j}]`));
    const name = typeof names[i] === 'string' ? names[i] : `test-pod-${i}`;
    const value = containerUsage(usage, container);
    if (value !== null) metrics.set(name, sample(value));
  });
  return { pods, metrics };
}

/** A pod's usage: one container's, or the sum when every container reported (else the pod is missing). */
function containerUsage(usage: readonly bigint[], container: string): bigint | null {
  if (container === '')
    return usage.length < CONTAINER_NAMES.length ? null : usage.reduce((s, x) => s + x, 0n);
  const index = CONTAINER_NAMES.indexOf(container as (typeof CONTAINER_NAMES)[number]);
  return index < 0 ? null : (usage[index] ?? null);
}

/** Pods for the custom-metric fixtures (requests are irrelevant there). */
function plainPods(v: JsonObject): k8sCalc.HpaPod[] {
  return objects(v, 'pods').map((p) => fixturePod(p, [null, null], ''));
}

function levelsMilli(v: JsonObject): bigint[] {
  return arr(v, 'metricLevelsMilli').map((x, i) => toBigInt(x, `metricLevelsMilli[${i}]`));
}

function checkCalc(
  v: JsonObject,
  result: k8sCalc.CalcResult<object>,
  fields: Record<string, string>,
): Outcome {
  const expected = obj(v, 'expected');
  const expectedError = strOrNull(expected, 'error');
  if (expectedError !== null) {
    if (result.ok)
      return {
        kind: 'fail',
        detail: `expected error "${expectedError}", got ${JSON.stringify(fieldsOf(result))}`,
      };
    return result.error.includes(expectedError)
      ? PASS
      : { kind: 'fail', detail: `error "${result.error}" lacks "${expectedError}"` };
  }
  if (!result.ok) return { kind: 'fail', detail: `unexpected error: ${result.error}` };
  const checks = new Checks();
  const got = result as unknown as Record<string, unknown>;
  for (const [expectedKey, gotKey] of Object.entries(fields)) {
    if (expected[expectedKey] === undefined) continue;
    const want =
      typeof got[gotKey] === 'bigint' ? toBigInt(expected[expectedKey], expectedKey) : expected[expectedKey];
    checks.equal(expectedKey, got[gotKey], want);
  }
  return checks.outcome();
}

function fieldsOf(result: object): object {
  return Object.fromEntries(
    Object.entries(result).map(([k, x]) => [k, typeof x === 'bigint' ? x.toString() : x]),
  );
}

const USAGE_FIELDS = { replicas: 'replicas', usageMilli: 'usageMilli' };

/** The fake metrics APIs answer an empty list with an error before any calculation starts. */
function emptyMetricsError(
  api: 'resource' | 'custom' | 'external',
  label: string,
): k8sCalc.CalcResult<object> {
  return { ok: false, error: `unable to get ${label}: no metrics returned from ${api} metrics API` };
}

function hpaReplicasResource(v: JsonObject, fn: string): Outcome {
  if (arr(v, 'containerLevels').length === 0) {
    return checkCalc(v, emptyMetricsError('resource', `metrics for resource ${str(v, 'resource')}`), {});
  }
  const { pods, metrics } = resourceFixture(v);
  const common = {
    currentReplicas: num(v, 'currentReplicas'),
    resource: str(v, 'resource'),
    tolerances: tolerancesOf(v),
  };
  const context = { pods, metrics, timings: TEST_TIMINGS, nowMs: NOW_MS };
  if (fn === 'GetRawResourceReplicas') {
    const target = v.targetMilli !== undefined ? big(v, 'targetMilli') : big(v, 'targetAverageValueMilli');
    return checkCalc(
      v,
      k8sCalc.calcPlainMetricReplicas({ ...common, ...context, targetUsageMilli: target }),
      USAGE_FIELDS,
    );
  }
  const result = k8sCalc.getResourceReplicas({
    ...common,
    ...context,
    targetUtilization: num(v, 'targetUtilization'),
    container: strOrNull(v, 'container') ?? '',
  });
  return checkCalc(v, result, {
    replicas: 'replicas',
    utilization: 'utilization',
    rawAverageValueMilli: 'rawAverageValueMilli',
  });
}

function hpaReplicasCustom(v: JsonObject, fn: string): Outcome {
  const pods = plainPods(v);
  const current = num(v, 'currentReplicas');
  const tolerances = tolerancesOf(v);
  const levels = levelsMilli(v);
  if (levels.length === 0 && fn !== 'GetObjectMetricReplicas' && fn !== 'GetObjectPerPodMetricReplicas') {
    return checkCalc(
      v,
      emptyMetricsError(fn.startsWith('GetExternal') ? 'external' : 'custom', 'metric'),
      {},
    );
  }
  switch (fn) {
    case 'GetMetricReplicas': {
      const metrics = new Map(levels.map((x, i) => [`test-pod-${i}`, sample(x)]));
      const input = {
        currentReplicas: current,
        targetUsageMilli: big(v, 'targetMilli'),
        resource: '',
        tolerances,
        pods,
      };
      return checkCalc(
        v,
        k8sCalc.calcPlainMetricReplicas({ ...input, metrics, timings: TEST_TIMINGS, nowMs: NOW_MS }),
        USAGE_FIELDS,
      );
    }
    case 'GetObjectMetricReplicas':
      return checkCalc(
        v,
        k8sCalc.getValueMetricReplicas(current, levels[0] ?? 0n, big(v, 'targetMilli'), tolerances, pods),
        USAGE_FIELDS,
      );
    case 'GetExternalMetricReplicas': {
      const usage = k8sCalc.sumCappedInt64(levels);
      return checkCalc(
        v,
        k8sCalc.getValueMetricReplicas(current, usage, big(v, 'targetMilli'), tolerances, pods),
        USAGE_FIELDS,
      );
    }
    case 'GetObjectPerPodMetricReplicas':
      return checkCalc(
        v,
        k8sCalc.getPerPodMetricReplicas(current, levels[0] ?? 0n, big(v, 'perPodTargetMilli'), tolerances),
        USAGE_FIELDS,
      );
    case 'GetExternalPerPodMetricReplicas':
      return checkCalc(
        v,
        k8sCalc.getPerPodMetricReplicas(
          current,
          k8sCalc.sumCappedInt64(levels),
          big(v, 'perPodTargetMilli'),
          tolerances,
        ),
        USAGE_FIELDS,
      );
    default:
      return { kind: 'unsupported', reason: `unknown function ${fn}` };
  }
}

const hpaReplicas: Handler = (v) => {
  const fn = str(v, 'function');
  if (fn === 'GetResourceReplicas' || fn === 'GetRawResourceReplicas') return hpaReplicasResource(v, fn);
  return hpaReplicasCustom(v, fn);
};

/** hpaGroupPods: explicit times in seconds relative to now; a missing time is Go's zero time. */
function relativeMs(value: Json, label: string): number {
  if (value === undefined || value === null) return GO_ZERO_TIME_MS;
  if (typeof value !== 'number') throw new VectorShapeError(`${label}: expected seconds`);
  return NOW_MS + value * 1000;
}

function groupPodsPod(p: JsonObject): k8sCalc.HpaPod {
  const ready = objOrNull(p, 'readyCondition');
  const status = ready === null ? null : str(ready, 'status');
  if (status !== null && status !== 'True' && status !== 'False' && status !== 'Unknown') {
    throw new VectorShapeError(`readyCondition.status: ${status}`);
  }
  return {
    name: str(p, 'name'),
    phase: phaseOf(p),
    deleted: p.deletionTimestampSet === true || p.deleted === true,
    startAtMs:
      p.startTime === undefined || p.startTime === null ? null : relativeMs(p.startTime, 'startTime'),
    readyCondition:
      ready === null || status === null
        ? null
        : { status, lastTransitionAtMs: relativeMs(ready.lastTransitionTime, 'lastTransitionTime') },
    containers: [],
  };
}

const hpaGroupPods: Handler = (v) => {
  const metricsJson = obj(v, 'metrics');
  const metrics = new Map<string, k8sCalc.PodMetricSample>();
  for (const [name, m] of Object.entries(metricsJson)) {
    if (!isObject(m)) throw new VectorShapeError(`metrics.${name}: expected an object`);
    metrics.set(name, {
      valueMilli: toBigInt(m.value ?? 0, `metrics.${name}.value`),
      timestampMs: relativeMs(m.timestamp, `metrics.${name}.timestamp`),
      windowMs: (numOrNull(m, 'windowSeconds') ?? 0) * 1000,
    });
  }
  const timings = {
    cpuInitializationPeriodMs: num(v, 'cpuInitializationPeriodSeconds') * 1000,
    delayOfInitialReadinessStatusMs: num(v, 'delayOfInitialReadinessStatusSeconds') * 1000,
  };
  const groups = k8sCalc.groupPods(
    objects(v, 'pods').map(groupPodsPod),
    metrics,
    str(v, 'resource'),
    timings,
    NOW_MS,
  );
  const expected = obj(v, 'expected');
  const sorted = (s: ReadonlySet<string>): string[] => [...s].sort();
  const names = (key: string): string[] =>
    arr(expected, key)
      .map((x) => String(x))
      .sort();
  return new Checks()
    .equal('readyPodCount', groups.readyPodCount, num(expected, 'readyPodCount'))
    .equal('unreadyPods', sorted(groups.unreadyPods), names('unreadyPods'))
    .equal('missingPods', sorted(groups.missingPods), names('missingPods'))
    .equal('ignoredPods', sorted(groups.ignoredPods), names('ignoredPods'))
    .outcome();
};

export const HPA_REPLICA_HANDLERS: Readonly<Record<string, Handler>> = { hpaReplicas, hpaGroupPods };
