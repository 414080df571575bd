// The HPA replica calculator: pod grouping by readiness, missing-metric refill, integer utilisation and
// the direction and count guards, after replica_calculator.go and metrics/utilization.go. Only the
// conformance runner reaches this: the simulator feeds hpaRecommend (hpa.ts) per-instance averages.
import {
  ceilToInt32,
  INT32_MAX,
  INT64_MAX,
  type Tolerances,
  usageRatioReplicaCount,
  withinTolerance,
} from './hpa.js';

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';
export interface HpaPodContainer {
  readonly name: string;
  /** Requests by resource name, in milli-units; a missing key is a missing request. */
  readonly requestsMilli: Readonly<Record<string, bigint>>;
}
export interface HpaPod {
  readonly name: string;
  readonly phase: PodPhase;
  /** deletionTimestamp is set. */
  readonly deleted: boolean;
  /** status.startTime; null when unset. */
  readonly startAtMs: number | null;
  /** The Ready condition; null when the pod has none. */
  readonly readyCondition: {
    readonly status: 'True' | 'False' | 'Unknown';
    readonly lastTransitionAtMs: number;
  } | null;
  readonly containers: readonly HpaPodContainer[];
}
export interface PodMetricSample {
  readonly valueMilli: bigint;
  readonly timestampMs: number;
  readonly windowMs: number;
}
export type PodMetricsInfo = ReadonlyMap<string, PodMetricSample>;

export interface ReadinessTimings {
  readonly cpuInitializationPeriodMs: number;
  readonly delayOfInitialReadinessStatusMs: number;
}
export const PRODUCTION_READINESS_TIMINGS: ReadinessTimings = {
  cpuInitializationPeriodMs: 300_000,
  delayOfInitialReadinessStatusMs: 30_000,
};
export const RESOURCE_CPU = 'cpu';

export interface PodGroups {
  readonly readyPodCount: number;
  readonly unreadyPods: ReadonlySet<string>;
  readonly missingPods: ReadonlySet<string>;
  readonly ignoredPods: ReadonlySet<string>;
}

/** CPU readiness (groupPods): time-based, so a pod that was ready once still counts after a blip. */
function cpuSampleUnready(
  pod: HpaPod,
  sample: PodMetricSample,
  timings: ReadinessTimings,
  nowMs: number,
): boolean {
  const condition = pod.readyCondition;
  if (condition === null || pod.startAtMs === null) return true;
  if (pod.startAtMs + timings.cpuInitializationPeriodMs > nowMs) {
    // Still initialising: unready, or no full metric window since the last readiness transition.
    return (
      condition.status === 'False' || sample.timestampMs < condition.lastTransitionAtMs + sample.windowMs
    );
  }
  // After initialisation: only a pod that never became ready is unready.
  return (
    condition.status === 'False' &&
    pod.startAtMs + timings.delayOfInitialReadinessStatusMs > condition.lastTransitionAtMs
  );
}

/**
 * groupPods: ignored (being deleted or Failed), unready (Pending; for CPU also by readiness timing),
 * missing (no sample), ready (the rest). Readiness matters for CPU only.
 */
export function groupPods(
  pods: readonly HpaPod[],
  metrics: PodMetricsInfo,
  resource: string,
  timings: ReadinessTimings,
  nowMs: number,
): PodGroups {
  const unreadyPods = new Set<string>();
  const missingPods = new Set<string>();
  const ignoredPods = new Set<string>();
  let readyPodCount = 0;
  for (const pod of pods) {
    const sample = metrics.get(pod.name);
    if (pod.deleted || pod.phase === 'Failed') ignoredPods.add(pod.name);
    else if (pod.phase === 'Pending') unreadyPods.add(pod.name);
    else if (sample === undefined) missingPods.add(pod.name);
    else if (resource === RESOURCE_CPU && cpuSampleUnready(pod, sample, timings, nowMs))
      unreadyPods.add(pod.name);
    else readyPodCount += 1;
  }
  return { readyPodCount, unreadyPods, missingPods, ignoredPods };
}

export type CalcResult<T> = ({ readonly ok: true } & T) | { readonly ok: false; readonly error: string };

/** calculatePodRequestsFromContainers: the named container's request, or the sum over all containers. */
function podRequestMilli(
  pod: HpaPod,
  container: string,
  resource: string,
): CalcResult<{ requestMilli: bigint }> {
  let request = 0n;
  for (const c of pod.containers) {
    if (container === '' || container === c.name) {
      const r = c.requestsMilli[resource];
      if (r === undefined) {
        return {
          ok: false,
          error: `missing request for ${resource} in container ${c.name} of Pod ${pod.name}`,
        };
      }
      request += r;
    }
    if (container === c.name) return { ok: true, requestMilli: request };
  }
  if (container !== '') return { ok: false, error: `container ${container} not found in Pod ${pod.name}` };
  return { ok: true, requestMilli: request };
}

/** calculateRequests: every pod's request for the resource; any missing request is an error. */
export function calculateRequests(
  pods: readonly HpaPod[],
  container: string,
  resource: string,
): CalcResult<{ requests: Map<string, bigint> }> {
  const requests = new Map<string, bigint>();
  for (const pod of pods) {
    const r = podRequestMilli(pod, container, resource);
    if (!r.ok) return r;
    requests.set(pod.name, r.requestMilli);
  }
  return { ok: true, requests };
}

/**
 * GetResourceUtilizationRatio: utilisation is an INTEGER percentage, floor(Σusage × 100 / Σrequest) over
 * pods with both a sample and a request, and the ratio uses that truncated value. Exact integer maths.
 */
export function getResourceUtilizationRatio(
  metrics: ReadonlyMap<string, bigint>,
  requests: ReadonlyMap<string, bigint>,
  targetUtilization: number,
): CalcResult<{ ratio: number; utilization: number; rawAverageValueMilli: bigint }> {
  let metricsTotal = 0n;
  let requestsTotal = 0n;
  let entries = 0n;
  for (const [name, value] of metrics) {
    const request = requests.get(name);
    if (request === undefined) continue; // samples of unknown pods carry no request
    metricsTotal += value;
    requestsTotal += request;
    entries += 1n;
  }
  if (requestsTotal === 0n) return { ok: false, error: 'no metrics returned matched known pods' };
  const percentage = (metricsTotal * 100n) / requestsTotal;
  if (percentage > BigInt(INT32_MAX) || percentage < -BigInt(INT32_MAX) - 1n) {
    return { ok: false, error: `resource utilization ${percentage} is outside the int32 range` };
  }
  const utilization = Number(percentage);
  return {
    ok: true,
    ratio: utilization / targetUtilization,
    utilization,
    rawAverageValueMilli: metricsTotal / entries,
  };
}

/** GetMetricUsageRatio: the integer average per sample over the target. */
export function getMetricUsageRatio(
  metrics: ReadonlyMap<string, bigint>,
  targetUsageMilli: bigint,
): { ratio: number; usageMilli: bigint } {
  let total = 0n;
  for (const v of metrics.values()) total += v;
  const usageMilli = total / BigInt(metrics.size);
  return { ratio: Number(usageMilli) / Number(targetUsageMilli), usageMilli };
}

function valuesOf(metrics: PodMetricsInfo): Map<string, bigint> {
  return new Map([...metrics].map(([name, m]) => [name, m.valueMilli]));
}

/** groupPods, then drop the samples of ignored and unready pods (removeMetricsForPods). */
function groupAndFilter(
  pods: readonly HpaPod[],
  metrics: PodMetricsInfo,
  resource: string,
  timings: ReadinessTimings,
  nowMs: number,
): { groups: PodGroups; values: Map<string, bigint> } {
  const groups = groupPods(pods, metrics, resource, timings, nowMs);
  const values = valuesOf(metrics);
  for (const name of [...groups.ignoredPods, ...groups.unreadyPods]) values.delete(name);
  return { groups, values };
}

interface RefillPlan {
  readonly usageRatio: number;
  readonly groups: PodGroups;
  readonly values: Map<string, bigint>;
  /** Value a missing pod is assumed to use on a scale-down. */
  readonly missingOnScaleDown: (podName: string) => bigint;
  readonly ratioOf: (values: Map<string, bigint>) => CalcResult<{ ratio: number }>;
  readonly currentReplicas: number;
  readonly tolerances: Tolerances;
}

/**
 * The conservative re-evaluation shared by resource and plain metrics: missing pods count as the
 * scale-down fallback on a scale-down and as 0 on a scale-up; unready pods count as 0 on a scale-up.
 * Then no change if within tolerance, if the direction flipped, or if the count moved the wrong way.
 */
function refillAndRecompute(plan: RefillPlan): CalcResult<{ replicas: number }> {
  const { usageRatio, groups, currentReplicas } = plan;
  const values = new Map(plan.values);
  const scaleUpWithUnready = groups.unreadyPods.size > 0 && usageRatio > 1;
  if (!scaleUpWithUnready && groups.missingPods.size === 0) {
    if (withinTolerance(usageRatio, plan.tolerances)) return { ok: true, replicas: currentReplicas };
    return { ok: true, replicas: ceilToInt32(usageRatio * groups.readyPodCount) };
  }
  for (const name of groups.missingPods) {
    if (usageRatio < 1) values.set(name, plan.missingOnScaleDown(name));
    else if (usageRatio > 1) values.set(name, 0n);
  }
  if (scaleUpWithUnready) for (const name of groups.unreadyPods) values.set(name, 0n);
  const recomputed = plan.ratioOf(values);
  if (!recomputed.ok) return recomputed;
  const newRatio = recomputed.ratio;
  const flipped = (usageRatio < 1 && newRatio > 1) || (usageRatio > 1 && newRatio < 1);
  if (withinTolerance(newRatio, plan.tolerances) || flipped) return { ok: true, replicas: currentReplicas };
  // len(metrics): every sample now in the map, filled-in ones and samples of unknown pods included.
  const newReplicas = ceilToInt32(newRatio * values.size);
  if ((newRatio < 1 && newReplicas > currentReplicas) || (newRatio > 1 && newReplicas < currentReplicas)) {
    return { ok: true, replicas: currentReplicas };
  }
  return { ok: true, replicas: newReplicas };
}

export interface ResourceReplicasInput {
  readonly currentReplicas: number;
  /** Target utilisation in percent of the request. */
  readonly targetUtilization: number;
  readonly resource: string;
  /** '' = the whole pod; otherwise that container only. */
  readonly container: string;
  readonly tolerances: Tolerances;
  readonly pods: readonly HpaPod[];
  readonly metrics: PodMetricsInfo;
  readonly timings: ReadinessTimings;
  readonly nowMs: number;
}

/** GetResourceReplicas: a Resource metric with an averageUtilization target. */
export function getResourceReplicas(
  input: ResourceReplicasInput,
): CalcResult<{ replicas: number; utilization: number; rawAverageValueMilli: bigint }> {
  if (input.pods.length === 0)
    return { ok: false, error: 'no pods returned by selector while calculating replica count' };
  const { groups, values } = groupAndFilter(
    input.pods,
    input.metrics,
    input.resource,
    input.timings,
    input.nowMs,
  );
  if (values.size === 0)
    return { ok: false, error: 'did not receive metrics for targeted pods (pods might be unready)' };
  const req = calculateRequests(input.pods, input.container, input.resource);
  if (!req.ok) return req;
  const first = getResourceUtilizationRatio(values, req.requests, input.targetUtilization);
  if (!first.ok) return first;
  // A missing pod on a scale-down counts as its full request, or the target when that is above 100%.
  const fallbackPercent = BigInt(Math.max(100, input.targetUtilization));
  const result = refillAndRecompute({
    usageRatio: first.ratio,
    groups,
    values,
    missingOnScaleDown: (name) => ((req.requests.get(name) ?? 0n) * fallbackPercent) / 100n,
    ratioOf: (v) => getResourceUtilizationRatio(v, req.requests, input.targetUtilization),
    currentReplicas: input.currentReplicas,
    tolerances: input.tolerances,
  });
  if (!result.ok) return result;
  return {
    ok: true,
    replicas: result.replicas,
    utilization: first.utilization,
    rawAverageValueMilli: first.rawAverageValueMilli,
  };
}

export interface PlainReplicasInput {
  readonly currentReplicas: number;
  readonly targetUsageMilli: bigint;
  /** The resource for GetRawResourceReplicas ('cpu' applies CPU readiness); '' for Pods metrics. */
  readonly resource: string;
  readonly tolerances: Tolerances;
  readonly pods: readonly HpaPod[];
  readonly metrics: PodMetricsInfo;
  readonly timings: ReadinessTimings;
  readonly nowMs: number;
}

/** calcPlainMetricReplicas (GetMetricReplicas, GetRawResourceReplicas): per-pod averages against a value. */
export function calcPlainMetricReplicas(
  input: PlainReplicasInput,
): CalcResult<{ replicas: number; usageMilli: bigint }> {
  if (input.pods.length === 0)
    return { ok: false, error: 'no pods returned by selector while calculating replica count' };
  const { groups, values } = groupAndFilter(
    input.pods,
    input.metrics,
    input.resource,
    input.timings,
    input.nowMs,
  );
  if (values.size === 0)
    return { ok: false, error: 'did not receive metrics for targeted pods (pods might be unready)' };
  const first = getMetricUsageRatio(values, input.targetUsageMilli);
  const result = refillAndRecompute({
    usageRatio: first.ratio,
    groups,
    values,
    missingOnScaleDown: () => input.targetUsageMilli, // exactly the target
    ratioOf: (v) => ({ ok: true, ratio: getMetricUsageRatio(v, input.targetUsageMilli).ratio }),
    currentReplicas: input.currentReplicas,
    tolerances: input.tolerances,
  });
  if (!result.ok) return result;
  return { ok: true, replicas: result.replicas, usageMilli: first.usageMilli };
}

/** getReadyPodsCount: phase Running AND Ready=True (not the metric grouping). */
export function getReadyPodsCount(pods: readonly HpaPod[]): CalcResult<{ count: number }> {
  if (pods.length === 0)
    return { ok: false, error: 'no pods returned by selector while calculating replica count' };
  const count = pods.filter((p) => p.phase === 'Running' && p.readyCondition?.status === 'True').length;
  return { ok: true, count };
}

/** getUsageRatioReplicaCount: ready pods are counted only when the ratio is outside tolerance. */
export function getUsageRatioReplicaCount(
  currentReplicas: number,
  usageRatio: number,
  tolerances: Tolerances,
  pods: readonly HpaPod[],
): CalcResult<{ replicas: number }> {
  if (currentReplicas !== 0 && !withinTolerance(usageRatio, tolerances)) {
    const ready = getReadyPodsCount(pods);
    if (!ready.ok) return { ok: false, error: `unable to calculate ready pods: ${ready.error}` };
    return {
      ok: true,
      replicas: usageRatioReplicaCount(currentReplicas, usageRatio, ready.count, tolerances),
    };
  }
  return { ok: true, replicas: usageRatioReplicaCount(currentReplicas, usageRatio, 0, tolerances) };
}

/** Σ values, capped at MaxInt64 (the overflow-safe sums of the newest code). */
export function sumCappedInt64(valuesMilli: readonly bigint[]): bigint {
  let total = 0n;
  for (const v of valuesMilli) {
    total += v;
    if (total > INT64_MAX) return INT64_MAX;
  }
  return total;
}

/** int64(math.Ceil(float64(usage) / float64(replicas))), capped at MaxInt64. */
function ceilAveragePerReplica(usageMilli: bigint, replicas: number): bigint {
  const average = Math.ceil(Number(usageMilli) / replicas);
  if (!Number.isFinite(average) || average >= Number(INT64_MAX)) return INT64_MAX;
  return BigInt(average);
}

/** GetObjectMetricReplicas / GetExternalMetricReplicas: a Value target, against ready pods. */
export function getValueMetricReplicas(
  currentReplicas: number,
  usageMilli: bigint,
  targetMilli: bigint,
  tolerances: Tolerances,
  pods: readonly HpaPod[],
): CalcResult<{ replicas: number; usageMilli: bigint }> {
  const ratio = Number(usageMilli) / Number(targetMilli);
  const r = getUsageRatioReplicaCount(currentReplicas, ratio, tolerances, pods);
  return r.ok ? { ok: true, replicas: r.replicas, usageMilli } : r;
}

/**
 * GetObjectPerPodMetricReplicas / GetExternalPerPodMetricReplicas: an AverageValue target against
 * status.replicas; readiness is not considered. Usage is reported per replica, rounded up.
 */
export function getPerPodMetricReplicas(
  statusReplicas: number,
  usageMilli: bigint,
  targetAverageMilli: bigint,
  tolerances: Tolerances,
): { ok: true; replicas: number; usageMilli: bigint } {
  const ratio = Number(usageMilli) / (Number(targetAverageMilli) * statusReplicas);
  const replicas = withinTolerance(ratio, tolerances)
    ? statusReplicas
    : ceilToInt32(Number(usageMilli) / Number(targetAverageMilli));
  return { ok: true, replicas, usageMilli: ceilAveragePerReplica(usageMilli, statusReplicas) };
}
