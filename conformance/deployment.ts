// Deployment-controller vector categories: each vector is mapped onto the pure functions of
// engine/k8s.ts (the same ones the engine's rollout uses) and its expected values are compared.
import * as k8s from '../k8s/deployment.js';
import type { IntOrPercent } from '../engine/types.js';
import {
  Checks,
  PASS,
  VectorShapeError,
  atoiOrNull,
  bool,
  boolOrNull,
  num,
  numOrNull,
  numbers,
  obj,
  objOrNull,
  objects,
  str,
  strOrNull,
  type Json,
  type JsonObject,
  type Outcome,
} from './fields.js';

/** The engine functions the deployment categories call; injectable so a test can plant a bug. */
export interface DeploymentFunctions {
  readonly resolveFenceposts: typeof k8s.resolveFenceposts;
  readonly maxSurge: typeof k8s.maxSurge;
  readonly maxUnavailable: typeof k8s.maxUnavailable;
  readonly minAvailable: typeof k8s.minAvailable;
  readonly newRSNewReplicas: typeof k8s.newRSNewReplicas;
  readonly reconcileNewReplicaSet: typeof k8s.reconcileNewReplicaSet;
  readonly surgeBudgetReplicaCount: typeof k8s.surgeBudgetReplicaCount;
  readonly reconcileOldReplicaSets: typeof k8s.reconcileOldReplicaSets;
  readonly cleanupUnhealthyReplicas: typeof k8s.cleanupUnhealthyReplicas;
  readonly scaleDownOldReplicaSetsForRollingUpdate: typeof k8s.scaleDownOldReplicaSetsForRollingUpdate;
  readonly scaleDeployment: typeof k8s.scaleDeployment;
  readonly getReplicaSetFraction: typeof k8s.getReplicaSetFraction;
  readonly replicaCountForReplicaSets: typeof k8s.replicaCountForReplicaSets;
  readonly actualReplicaCountForReplicaSets: typeof k8s.actualReplicaCountForReplicaSets;
  readonly terminatingReplicaCountForReplicaSets: typeof k8s.terminatingReplicaCountForReplicaSets;
  readonly deploymentComplete: typeof k8s.deploymentComplete;
  readonly deploymentProgressing: typeof k8s.deploymentProgressing;
  readonly progressDeadlineExceeded: typeof k8s.progressDeadlineExceeded;
}

export const DEPLOYMENT_FUNCTIONS: DeploymentFunctions = {
  resolveFenceposts: k8s.resolveFenceposts,
  maxSurge: k8s.maxSurge,
  maxUnavailable: k8s.maxUnavailable,
  minAvailable: k8s.minAvailable,
  newRSNewReplicas: k8s.newRSNewReplicas,
  reconcileNewReplicaSet: k8s.reconcileNewReplicaSet,
  surgeBudgetReplicaCount: k8s.surgeBudgetReplicaCount,
  reconcileOldReplicaSets: k8s.reconcileOldReplicaSets,
  cleanupUnhealthyReplicas: k8s.cleanupUnhealthyReplicas,
  scaleDownOldReplicaSetsForRollingUpdate: k8s.scaleDownOldReplicaSetsForRollingUpdate,
  scaleDeployment: k8s.scaleDeployment,
  getReplicaSetFraction: k8s.getReplicaSetFraction,
  replicaCountForReplicaSets: k8s.replicaCountForReplicaSets,
  actualReplicaCountForReplicaSets: k8s.actualReplicaCountForReplicaSets,
  terminatingReplicaCountForReplicaSets: k8s.terminatingReplicaCountForReplicaSets,
  deploymentComplete: k8s.deploymentComplete,
  deploymentProgressing: k8s.deploymentProgressing,
  progressDeadlineExceeded: k8s.progressDeadlineExceeded,
};

type Handler = (v: JsonObject, fns: DeploymentFunctions) => Outcome;

/** maxSurge / maxUnavailable as the vector gives them: null (nil), an int, or a string such as "25%". */
function intOrPercent(value: Json, label: string): IntOrPercent | null {
  if (value === null || value === undefined) return null;
  // Strings that are not "<int>%" are passed on unchanged: rejecting them is the function's job.
  if (typeof value === 'number' || typeof value === 'string') return value as IntOrPercent;
  throw new VectorShapeError(`${label}: expected null, a number or a string`);
}

function strategyOf(v: JsonObject): k8s.RollingStrategy {
  const type = v.strategy === undefined ? 'RollingUpdate' : str(v, 'strategy');
  if (type !== 'RollingUpdate' && type !== 'Recreate')
    throw new VectorShapeError(`strategy: unknown type ${type}`);
  return {
    type,
    maxSurge: intOrPercent(v.maxSurge, 'maxSurge'),
    maxUnavailable: intOrPercent(v.maxUnavailable, 'maxUnavailable'),
  };
}

const fenceposts: Handler = (v, fns) => {
  const strategy = strategyOf(v);
  const expectError = bool(v, 'expectError');
  let resolved: { surge: number; unavailable: number };
  try {
    resolved = fns.resolveFenceposts(strategy, num(v, 'desiredReplicas'));
  } catch (err) {
    return expectError ? PASS : { kind: 'fail', detail: `unexpected error: ${(err as Error).message}` };
  }
  if (expectError) return { kind: 'fail', detail: `expected an error, got ${JSON.stringify(resolved)}` };
  return new Checks()
    .equal('surge', resolved.surge, num(v, 'expectSurge'))
    .equal('unavailable', resolved.unavailable, num(v, 'expectUnavailable'))
    .outcome();
};

/** Deployment replicas; a nil spec.replicas defaults to 1 (apps/v1 SetDefaults_Deployment). */
function replicasOf(v: JsonObject, key: string): number {
  return numOrNull(v, key) ?? 1;
}

const maxUnavailable: Handler = (v, fns) =>
  new Checks()
    .equal('maxUnavailable', fns.maxUnavailable(strategyOf(v), replicasOf(v, 'replicas')), num(v, 'expected'))
    .outcome();

const minAvailable: Handler = (v, fns) =>
  new Checks()
    .equal('minAvailable', fns.minAvailable(strategyOf(v), replicasOf(v, 'replicas')), num(v, 'expected'))
    .outcome();

const newRSReplicas: Handler = (v, fns) => {
  const strategy = strategyOf(v);
  const desired = num(v, 'deploymentReplicas');
  const newReplicas = num(v, 'newRSReplicas');
  const total = numbers(v, 'allRSsReplicas').reduce((s, n) => s + n, 0);
  const fn = str(v, 'function');
  if (fn === 'NewRSNewReplicas') {
    const got = fns.newRSNewReplicas(strategy, desired, newReplicas, total);
    return new Checks().equal('newRS replicas', got, num(v, 'expectedNewRSReplicas')).outcome();
  }
  if (fn !== 'reconcileNewReplicaSet') return { kind: 'unsupported', reason: `unknown function ${fn}` };
  return checkReconcileNew(v, fns.reconcileNewReplicaSet(strategy, desired, newReplicas, total), newReplicas);
};

function checkReconcileNew(v: JsonObject, got: number, before: number): Outcome {
  const checks = new Checks();
  const scaleExpected = boolOrNull(v, 'scaleExpected');
  if (scaleExpected !== null) checks.equal('scaled', got !== before, scaleExpected);
  const expected = numOrNull(v, 'expectedNewRSReplicas');
  if (expected !== null) checks.equal('newRS replicas', got, expected);
  return checks.outcome();
}

function replicaStatus(rs: JsonObject): k8s.ReplicaSetReplicaStatus {
  return {
    replicas: num(rs, 'specReplicas'),
    statusReplicas: numOrNull(rs, 'statusReplicas') ?? 0,
    terminating: numOrNull(rs, 'terminatingReplicas'),
    observedGeneration: numOrNull(rs, 'observedGeneration') ?? 0,
  };
}

const newRSReplicasTerminationAware: Handler = (v, fns) => {
  const policyName = strOrNull(v, 'podReplacementPolicy') ?? 'TerminationStarted';
  if (policyName !== 'TerminationStarted' && policyName !== 'TerminationComplete') {
    return { kind: 'unsupported', reason: `unknown podReplacementPolicy ${policyName}` };
  }
  const newRS = replicaStatus(obj(v, 'newRS'));
  const total = fns.surgeBudgetReplicaCount([replicaStatus(obj(v, 'oldRS')), newRS], policyName);
  const expectError = boolOrNull(v, 'expectError') ?? false;
  if (total === null)
    return expectError ? PASS : { kind: 'fail', detail: 'unexpected error: unknown terminating count' };
  if (expectError) return { kind: 'fail', detail: 'expected an error (unknown terminating count), got none' };
  const got = fns.reconcileNewReplicaSet(strategyOf(v), num(v, 'deploymentReplicas'), newRS.replicas, total);
  return checkReconcileNew(v, got, newRS.replicas);
};

function counts(rs: JsonObject): k8s.ReplicaSetCounts {
  return { replicas: num(rs, 'specReplicas'), available: num(rs, 'availableReplicas') };
}

const reconcileOldReplicaSets: Handler = (v, fns) => {
  const oldRS = counts(obj(v, 'oldRS'));
  const newRS = counts(obj(v, 'newRS'));
  const result = fns.reconcileOldReplicaSets({
    strategy: strategyOf(v),
    desired: num(v, 'deploymentReplicas'),
    allReplicas: oldRS.replicas + newRS.replicas,
    newRS,
    oldRSs: [oldRS],
  });
  // The Go test asserts only whether something was scaled (expectedOldReplicas is not asserted there).
  return new Checks().equal('scaled', result.scaledDown > 0, bool(v, 'scaleExpected')).outcome();
};

const cleanupUnhealthyReplicas: Handler = (v, fns) => {
  const result = fns.cleanupUnhealthyReplicas([counts(obj(v, 'oldRS'))], num(v, 'maxCleanupCount'));
  return new Checks().equal('cleaned up', result.cleaned, num(v, 'expectedCleanupCount')).outcome();
};

const scaleDownOld: Handler = (v, fns) => {
  const strategy = strategyOf(v);
  const desired = num(v, 'deploymentReplicas');
  const rss = objects(v, 'allRSs').map(counts);
  const totalAvailable = rss.reduce((s, rs) => s + rs.available, 0);
  const minAvail = desired - fns.maxUnavailable(strategy, desired);
  const result = fns.scaleDownOldReplicaSetsForRollingUpdate(
    rss.map((rs) => rs.replicas),
    totalAvailable,
    minAvail,
  );
  const checks = new Checks().equal('scaled', result.scaledDown > 0, bool(v, 'scaleExpected'));
  const expected = numOrNull(v, 'expectedOldReplicas');
  if (expected !== null) checks.equal('old replicas', result.replicas[0], expected);
  return checks.outcome();
};

const replicaSetFraction: Handler = (v, fns) => {
  const strategy = strategyOf(v);
  const desired = num(v, 'deploymentReplicas');
  const fraction = fns.getReplicaSetFraction(
    num(v, 'rsReplicas'),
    desired,
    fns.maxSurge(strategy, desired),
    atoiOrNull(v.maxReplicasAnnotation ?? null),
    num(v, 'deploymentStatusReplicas'),
  );
  return new Checks().equal('fraction', fraction, num(v, 'expectedFraction')).outcome();
};

/** Creation order of RSs by (creationTimestamp, name), oldest first, as ReplicaSetsByCreationTimestamp. */
function creationOrder(rss: readonly JsonObject[]): Map<JsonObject, number> {
  const key = (rs: JsonObject): [number, string] => [
    Date.parse(strOrNull(rs, 'creationTimestamp') ?? '1970-01-01T00:00:00Z'),
    strOrNull(rs, 'name') ?? '',
  ];
  const sorted = [...rss].sort((a, b) => {
    const [ta, na] = key(a);
    const [tb, nb] = key(b);
    return ta !== tb ? ta - tb : na < nb ? -1 : na > nb ? 1 : 0;
  });
  return new Map(sorted.map((rs, i) => [rs, i]));
}

function scaleRS(rs: JsonObject, order: Map<JsonObject, number>): k8s.ScaleRS {
  const annotations = objOrNull(rs, 'annotations') ?? {};
  return {
    replicas: num(rs, 'specReplicas'),
    available: numOrNull(rs, 'availableReplicas') ?? 0,
    desiredReplicasAnnotation: atoiOrNull(annotations['deployment.kubernetes.io/desired-replicas'] ?? null),
    maxReplicasAnnotation: atoiOrNull(annotations['deployment.kubernetes.io/max-replicas'] ?? null),
    order: order.get(rs) ?? 0,
  };
}

const proportionalScale: Handler = (v, fns) => {
  const deployment = obj(v, 'deployment');
  const newRSJson = objOrNull(v, 'newRS');
  const oldJson = objects(v, 'oldRSs');
  const order = creationOrder(newRSJson === null ? oldJson : [newRSJson, ...oldJson]);
  const result = fns.scaleDeployment({
    strategy: strategyOf({ ...deployment, strategy: v.strategy ?? 'RollingUpdate' }),
    desired: num(deployment, 'replicas'),
    statusReplicas: numOrNull(v, 'deploymentStatusReplicas') ?? numOrNull(deployment, 'statusReplicas') ?? 0,
    newRS: newRSJson === null ? null : scaleRS(newRSJson, order),
    oldRSs: oldJson.map((rs) => scaleRS(rs, order)),
  });
  return new Checks()
    .equal('new RS replicas', result.newRS, numOrNull(v, 'expectedNewRSReplicas'))
    .equal('old RS replicas', result.oldRSs, numbers(v, 'expectedOldRSReplicas'))
    .outcome();
};

const replicaCounts: Handler = (v, fns) => {
  const rss = objects(v, 'replicaSets').map(replicaStatus);
  return new Checks()
    .equal('replica count', fns.replicaCountForReplicaSets(rss), num(v, 'expectedReplicaCount'))
    .equal(
      'actual replica count',
      fns.actualReplicaCountForReplicaSets(rss),
      num(v, 'expectedActualReplicaCount'),
    )
    .equal(
      'terminating count',
      fns.terminatingReplicaCountForReplicaSets(rss),
      numOrNull(v, 'expectedTerminatingReplicaCount'),
    )
    .outcome();
};

const deploymentComplete: Handler = (v, fns) => {
  const available = num(v, 'availableReplicas');
  const status = {
    updated: num(v, 'updatedReplicas'),
    total: num(v, 'statusReplicas'),
    available,
    ready: available,
  };
  const observed = numOrNull(v, 'observedGeneration');
  const generation = numOrNull(v, 'generation');
  const generations =
    observed !== null && generation !== null ? { observed, desired: generation } : undefined;
  const complete = fns.deploymentComplete(num(v, 'desiredReplicas'), status, generations);
  return new Checks().equal('complete', complete, bool(v, 'expected')).outcome();
};

function statusCounts(s: JsonObject): k8s.DeploymentStatusCounts {
  return {
    total: num(s, 'replicas'),
    updated: num(s, 'updatedReplicas'),
    ready: numOrNull(s, 'readyReplicas') ?? 0,
    available: numOrNull(s, 'availableReplicas') ?? 0,
  };
}

const deploymentProgressing: Handler = (v, fns) => {
  const progressing = fns.deploymentProgressing(
    statusCounts(obj(v, 'oldStatus')),
    statusCounts(obj(v, 'newStatus')),
  );
  return new Checks().equal('progressing', progressing, bool(v, 'expected')).outcome();
};

function timeMs(value: string | null, label: string): number {
  if (value === null) return 0;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new VectorShapeError(`${label}: not a timestamp`);
  return ms;
}

const deploymentTimedOut: Handler = (v, fns) => {
  const c = objOrNull(v, 'progressingCondition');
  const condition =
    c === null
      ? null
      : {
          reason: strOrNull(c, 'reason') ?? '',
          lastUpdateAtMs: timeMs(strOrNull(c, 'lastUpdateTime'), 'lastUpdateTime'),
        };
  const timedOut = fns.progressDeadlineExceeded(
    numOrNull(v, 'progressDeadlineSeconds'),
    condition,
    timeMs(strOrNull(v, 'now'), 'now'),
  );
  return new Checks().equal('timed out', timedOut, bool(v, 'expected')).outcome();
};

export const DEPLOYMENT_HANDLERS: Readonly<Record<string, Handler>> = {
  proportionalScale,
  replicaCounts,
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  fenceposts,
  maxUnavailable,
  minAvailable,
  newRSReplicas,
  newRSReplicasTerminationAware,
  reconcileOldReplicaSets,
  cleanupUnhealthyReplicas,
  scaleDownOld,
  replicaSetFraction,
};
