// HPA controller vector categories: normalisation (legacy and behavior), scale events, and whole
// reconcileAutoscaler passes, mapped onto k8s/hpa.ts, hpa-behavior.ts and hpa-controller.ts.
import * as hpa from '../k8s/hpa.js';
import * as k8sBehavior from '../k8s/hpa-behavior.js';
import * as k8sCalc from '../k8s/hpa-replica-calculator.js';
import * as k8sController from '../k8s/hpa-controller.js';
import {
  Checks,
  VectorShapeError,
  arr,
  arrOrNull,
  bool,
  isObject,
  num,
  numOrNull,
  objOrNull,
  objects,
  str,
  strOrNull,
  toBigInt,
  type Json,
  type JsonObject,
  type Outcome,
} from './fields.js';
import { NOW_MS, TEST_SCALE_UP_LIMIT_FACTOR, TEST_TIMINGS, quantityMilli } from './hpa.js';

type Handler = (v: JsonObject) => Outcome;

const SCALE_DOWN_STABILIZATION_MS = 300_000;

function agoMs(ageSeconds: number): number {
  return NOW_MS - ageSeconds * 1000;
}

function recommendations(v: JsonObject, key: string): hpa.HpaRecommendation[] | null {
  const list = arrOrNull(v, key);
  if (list === null) return null;
  return list.map((r, i) => {
    if (!isObject(r)) throw new VectorShapeError(`${key}[${i}]: expected an object`);
    return { replicas: num(r, 'replicas'), atMs: agoMs(num(r, 'ageSeconds')) };
  });
}

function scaleEvents(v: JsonObject, key: string): k8sBehavior.ScaleEvent[] {
  const list = arrOrNull(v, key) ?? [];
  return list.map((e, i) => {
    if (!isObject(e)) throw new VectorShapeError(`${key}[${i}]: expected an object`);
    return {
      replicaChange: num(e, 'replicaChange'),
      atMs: agoMs(num(e, 'ageSeconds')),
      outdated: e.outdated === true,
    };
  });
}

function selectPolicy(value: Json): k8sBehavior.SelectPolicy | null {
  if (value === null || value === undefined) return null;
  if (value === 'Max' || value === 'Min' || value === 'Disabled') return value;
  throw new VectorShapeError(`selectPolicy: unknown ${JSON.stringify(value)}`);
}

/** A rules object as written in the vector (fields may be missing = unset). */
function rulesSpec(value: Json, label: string): k8sBehavior.HpaScalingRulesSpec | null {
  if (value === null || value === undefined) return null;
  if (!isObject(value)) throw new VectorShapeError(`${label}: expected an object or null`);
  const policies = arrOrNull(value, 'policies')?.map((p, i): k8sBehavior.HpaScalingPolicy => {
    if (!isObject(p)) throw new VectorShapeError(`${label}.policies[${i}]: expected an object`);
    const type = str(p, 'type');
    if (type !== 'Pods' && type !== 'Percent')
      throw new VectorShapeError(`${label}.policies[${i}].type: ${type}`);
    return { type, value: num(p, 'value'), periodSeconds: num(p, 'periodSeconds') };
  });
  const tolerance = value.tolerance;
  return {
    stabilizationWindowSeconds: numOrNull(value, 'stabilizationWindowSeconds'),
    selectPolicy: selectPolicy(value.selectPolicy),
    policies: policies ?? null,
    tolerance:
      typeof tolerance === 'string' ? Number(tolerance) : typeof tolerance === 'number' ? tolerance : null,
  };
}

function behaviorOf(value: Json): k8sBehavior.HpaBehavior | null {
  if (value === null || value === undefined) return null;
  if (!isObject(value)) throw new VectorShapeError('behavior: expected an object or null');
  return {
    scaleUp: k8sBehavior.generateScaleUpRules(rulesSpec(value.scaleUp, 'behavior.scaleUp')),
    scaleDown: k8sBehavior.generateScaleDownRules(rulesSpec(value.scaleDown, 'behavior.scaleDown')),
  };
}

function behaviorRate(v: JsonObject): Outcome {
  const result = k8sBehavior.convertDesiredReplicasWithBehaviorRate({
    currentReplicas: num(v, 'currentReplicas'),
    desiredReplicas: num(v, 'prenormalizedDesiredReplicas'),
    minReplicas: num(v, 'minReplicas'),
    maxReplicas: num(v, 'maxReplicas'),
    scaleUpRules: k8sBehavior.generateScaleUpRules(rulesSpec(v.scaleUpRules, 'scaleUpRules')),
    scaleDownRules: k8sBehavior.generateScaleDownRules(rulesSpec(v.scaleDownRules, 'scaleDownRules')),
    scaleUpEvents: scaleEvents(v, 'scaleUpEvents'),
    scaleDownEvents: scaleEvents(v, 'scaleDownEvents'),
    nowMs: NOW_MS,
  });
  const checks = new Checks().equal('replicas', result.replicas, num(v, 'expectedReplicas'));
  const condition = strOrNull(v, 'expectedCondition');
  if (condition !== null) checks.equal('condition', result.condition, condition);
  return checks.outcome();
}

function scaleLimit(v: JsonObject, direction: 'up' | 'down'): Outcome {
  const spec = rulesSpec(v.rules, 'rules');
  const input = {
    currentReplicas: num(v, 'currentReplicas'),
    scaleUpEvents: scaleEvents(v, 'scaleUpEvents'),
    scaleDownEvents: scaleEvents(v, 'scaleDownEvents'),
    nowMs: NOW_MS,
  };
  const limit =
    direction === 'up'
      ? k8sBehavior.calculateScaleUpLimitWithScalingRules({
          ...input,
          rules: k8sBehavior.generateScaleUpRules(spec),
        })
      : k8sBehavior.calculateScaleDownLimitWithBehaviors({
          ...input,
          rules: k8sBehavior.generateScaleDownRules(spec),
        });
  return new Checks().equal('limit', limit, num(v, 'expectedLimit')).outcome();
}

function legacyRules(v: JsonObject): Outcome {
  const result = hpa.convertDesiredReplicasWithRules(
    num(v, 'currentReplicas'),
    num(v, 'prenormalizedDesiredReplicas'),
    num(v, 'minReplicas'),
    num(v, 'maxReplicas'),
    numOrNull(v, 'scaleUpLimitFactor') ?? TEST_SCALE_UP_LIMIT_FACTOR,
    numOrNull(v, 'scaleUpLimitMinimum') ?? hpa.SCALE_UP_LIMIT_MINIMUM,
  );
  const checks = new Checks().equal('replicas', result.replicas, num(v, 'expectedReplicas'));
  const condition = strOrNull(v, 'expectedCondition');
  if (condition !== null) checks.equal('condition', result.condition, condition);
  return checks.outcome();
}

function legacyStabilize(v: JsonObject): Outcome {
  const result = hpa.stabilizeRecommendation(
    recommendations(v, 'recommendations') ?? [],
    NOW_MS,
    num(v, 'downscaleStabilizationWindowSeconds') * 1000,
    num(v, 'prenormalizedDesiredReplicas'),
  );
  const checks = new Checks().equal('stabilized', result.replicas, num(v, 'expectedStabilizedReplicas'));
  const length = numOrNull(v, 'expectedRecommendationsLength');
  if (length !== null) checks.equal('recommendations stored', result.history.length, length);
  return checks.outcome();
}

function behaviorStabilize(v: JsonObject): Outcome {
  const result = k8sBehavior.stabilizeRecommendationWithBehaviors({
    currentReplicas: num(v, 'currentReplicas'),
    desiredReplicas: num(v, 'prenormalizedDesiredReplicas'),
    scaleUpWindowSeconds: numOrNull(v, 'scaleUpStabilizationWindowSeconds') ?? 0,
    scaleDownWindowSeconds: numOrNull(v, 'scaleDownStabilizationWindowSeconds') ?? 0,
    history: recommendations(v, 'recommendations') ?? [],
    nowMs: NOW_MS,
  });
  const checks = new Checks().equal('stabilized', result.replicas, num(v, 'expectedStabilizedReplicas'));
  const stored = arrOrNull(v, 'expectedStoredRecommendations');
  if (stored !== null) {
    checks.equal(
      'stored recommendations',
      result.history.map((r) => r.replicas),
      stored,
    );
  }
  return checks.outcome();
}

const hpaBehavior: Handler = (v) => {
  const fn = str(v, 'function');
  switch (fn) {
    case 'convertDesiredReplicasWithBehaviorRate':
      return behaviorRate(v);
    case 'calculateScaleUpLimitWithScalingRules':
      return scaleLimit(v, 'up');
    case 'calculateScaleDownLimitWithBehaviors':
      return scaleLimit(v, 'down');
    case 'convertDesiredReplicasWithRules':
      return legacyRules(v);
    case 'stabilizeRecommendation':
      return legacyStabilize(v);
    case 'stabilizeRecommendationWithBehaviors':
      return behaviorStabilize(v);
    default:
      return { kind: 'unsupported', reason: `unknown function ${fn}` };
  }
};

/** TestStoreScaleEvents runs its table for scale-up (10 → 10+n) and scale-down (10 → 10−n). */
const hpaScaleEvents: Handler = (v) => {
  const change = num(v, 'replicaChange');
  const previous = scaleEvents(v, 'prevScaleEvents');
  const spec = rulesSpec(v.behaviorRules, 'behaviorRules');
  const behavior =
    spec === null
      ? null
      : {
          scaleUp: k8sBehavior.generateScaleUpRules(spec),
          scaleDown: k8sBehavior.generateScaleDownRules(spec),
        };
  const expectedEvents = objects(v, 'expectedStoredEvents').map((e) => ({
    replicaChange: num(e, 'replicaChange'),
    outdated: bool(e, 'outdated'),
  }));
  const view = (events: readonly k8sBehavior.ScaleEvent[]): object[] =>
    events.map((e) => ({ replicaChange: e.replicaChange, outdated: e.outdated }));
  const up = k8sBehavior.storeScaleEvent(
    behavior,
    { scaleUp: previous, scaleDown: [] },
    10,
    10 + change,
    NOW_MS,
  );
  const down = k8sBehavior.storeScaleEvent(
    behavior,
    { scaleUp: [], scaleDown: previous },
    10,
    10 - change,
    NOW_MS,
  );
  return new Checks()
    .equal(
      'change in last 60 s',
      k8sBehavior.getReplicasChangePerPeriod(60, previous, NOW_MS),
      num(v, 'expectedReplicasChangeLast60s'),
    )
    .equal('stored scale-up events', view(up.scaleUp), expectedEvents)
    .equal('stored scale-down events', view(down.scaleDown), expectedEvents)
    .outcome();
};

// ------------------------------------------------------------------------------------------------------
// hpaController: the horizontal_test.go fixtures
// ------------------------------------------------------------------------------------------------------

/** Pod request split evenly over two containers (integer division), as the controller tests do. */
function controllerPod(p: JsonObject): k8sCalc.HpaPod {
  const start = str(p, 'startTime');
  const startAtMs = start === 'hot' ? NOW_MS : start === 'cool' ? NOW_MS - 180_000 : -62_135_596_800_000;
  if (!['hot', 'cool', 'zero'].includes(start)) throw new VectorShapeError(`startTime: unknown ${start}`);
  const half = quantityMilli(p.cpuRequest ?? '0', 'cpuRequest') / 2n;
  const phase = strOrNull(p, 'phase') ?? 'Running';
  return {
    name: str(p, 'name'),
    phase: phase as k8sCalc.PodPhase,
    deleted: bool(p, 'deleted'),
    startAtMs,
    readyCondition: { status: bool(p, 'ready') ? 'True' : 'False', lastTransitionAtMs: startAtMs },
    containers: ['container1', 'container2'].map((name) => ({ name, requestsMilli: { cpu: half } })),
  };
}

function metricSpec(m: JsonObject): k8sController.HpaMetricSpec {
  const type = str(m, 'type');
  const target: k8sController.MetricTarget =
    m.targetAverageUtilization !== undefined
      ? { type: 'Utilization', averageUtilization: num(m, 'targetAverageUtilization') }
      : m.targetAverageValueMilli !== undefined
        ? {
            type: 'AverageValue',
            averageValueMilli: toBigInt(m.targetAverageValueMilli, 'targetAverageValueMilli'),
          }
        : m.targetValueMilli !== undefined
          ? { type: 'Value', valueMilli: toBigInt(m.targetValueMilli, 'targetValueMilli') }
          : { type: 'None' };
  return { type, resource: strOrNull(m, 'name') ?? '', container: strOrNull(m, 'container') ?? '', target };
}

/** What the fake metrics clients of horizontal_test.go return for one metric spec. */
function reading(
  spec: k8sController.HpaMetricSpec,
  levels: readonly bigint[],
  failing: readonly string[],
): k8sController.MetricReading {
  if (failing.includes(spec.type)) return { ok: false, error: `fake ${spec.type} metrics client error` };
  if (spec.type === 'Object' || spec.type === 'External') return { ok: true, valuesMilli: levels };
  // Resource usage is reported per container as floor(level / 2): odd levels lose 1m.
  const perPod = (level: bigint): bigint =>
    spec.type === 'Pods' ? level : spec.container === '' ? (level / 2n) * 2n : level / 2n;
  const podMetrics = new Map(
    levels.map((level, i) => [
      `test-pod-${i}`,
      { valueMilli: perPod(level), timestampMs: NOW_MS, windowMs: 60_000 },
    ]),
  );
  return { ok: true, podMetrics };
}

function controllerTolerance(v: JsonObject): number {
  const t = v.tolerance;
  return typeof t === 'number' ? t : 0.1;
}

const hpaController: Handler = (v) => {
  const specs = objects(v, 'metrics').map(metricSpec);
  const levels = arr(v, 'reportedLevels').map((x, i) => toBigInt(x, `reportedLevels[${i}]`));
  const failing = (arrOrNull(v, 'failingMetricTypes') ?? []).map(String);
  const result = k8sController.reconcileAutoscaler({
    specReplicas: num(v, 'specReplicas'),
    statusReplicas: numOrNull(v, 'statusReplicas') ?? num(v, 'specReplicas'),
    minReplicas: numOrNull(v, 'minReplicas') ?? 1,
    maxReplicas: num(v, 'maxReplicas'),
    metrics: specs,
    readings: specs.map((s) => reading(s, levels, failing)),
    pods: objects(v, 'pods').map(controllerPod),
    behavior: behaviorOf(v.behavior),
    state: {
      recommendations: recommendations(v, 'recommendations'),
      scaleUpEvents: scaleEvents(v, 'scaleUpEvents'),
      scaleDownEvents: scaleEvents(v, 'scaleDownEvents'),
    },
    config: {
      tolerance: controllerTolerance(v),
      scaleDownStabilizationMs: SCALE_DOWN_STABILIZATION_MS,
      scaleUpLimitFactor: TEST_SCALE_UP_LIMIT_FACTOR,
      timings: TEST_TIMINGS,
    },
    nowMs: NOW_MS,
  });
  const checks = new Checks().equal(
    'desired replicas',
    result.desiredReplicas,
    num(v, 'expectedDesiredReplicas'),
  );
  const conditions = objOrNull(v, 'expectedConditionReasons') ?? {};
  for (const [type, reason] of Object.entries(conditions))
    checks.equal(`${type} reason`, result.conditions[type], reason);
  return checks.outcome();
};

export const HPA_CONTROLLER_HANDLERS: Readonly<Record<string, Handler>> = {
  hpaBehavior,
  hpaScaleEvents,
  hpaController,
};
