// Validated scenario file -> `Scenario` with every default written out, so the simulator never guesses.
import path from 'node:path';
import { BUILTIN_GPUS, modelFits, TENSOR_PARALLEL_SIZES, type ModelRecord } from '../catalog/catalog.js';
import type { DeploymentSpec, SpecEdit } from '../catalog/spec.js';
import { DEFAULT_ROLLOUT_OPTIONS, type IntOrPercent, type RolloutOptions } from '../engine/types.js';
import { DEFAULT_IMAGE_SOURCE, DEFAULT_WEIGHT_STORAGE } from '../physics/cold-start.js';
import type { ImageSource, WeightStorage } from '../physics/cold-start.js';
import type { ScenarioFile } from './schema.js';
import type {
  AutoscalerConfig,
  ClusterConfig,
  ColdStartSettings,
  Expectations,
  FaultSpec,
  Scenario,
  ScenarioEvent,
  TraceConfig,
  TrafficConfig,
} from './types.js';

/** Defaults the file format documents (SCENARIO-FORMAT.md and the schema descriptions). */
export const SCENARIO_DEFAULTS = {
  seed: 1,
  sampleIntervalMs: 10_000,
  nodeProvisioningMs: 4 * 60_000,
  trafficTimeoutMs: 30_000,
  diurnalPeriodMs: 24 * 3_600_000,
  traceSpeedup: 1,
  autoscaler: { intervalMs: 15_000, tolerance: 0.1, scaleDownStabilizationMs: 5 * 60_000 },
  faultCount: 1,
  badVersionSlowdown: 10,
  badVersionCrashAfterMs: 5 * 60_000,
  imageGB: { llm: 20, other: 10 },
  referenceGpu: 'H100',
  coldStart: {
    storage: DEFAULT_WEIGHT_STORAGE,
    weightsGBps: null,
    imageSource: DEFAULT_IMAGE_SOURCE,
    imageGBps: null,
    imageCached: false,
    compileCacheWarm: false,
  } satisfies ColdStartSettings,
} as const;

type Section<K extends keyof ScenarioFile> = NonNullable<ScenarioFile[K]>;

/** `T` with the keys that may be undefined made optional instead. */
type Compact<T> = { [K in keyof T as undefined extends T[K] ? never : K]: T[K] } & {
  [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined>;
};

/** Drops keys whose value is undefined (zod output may carry them; exactOptionalPropertyTypes does not). */
function compact<T extends object>(value: T): Compact<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Compact<T>;
}

export function toScenario(file: ScenarioFile, sourcePath: string): Scenario {
  return {
    apiVersion: file.apiVersion,
    kind: file.kind,
    metadata: { name: file.metadata.name, description: file.metadata.description ?? '' },
    sourcePath,
    seed: file.seed ?? SCENARIO_DEFAULTS.seed,
    durationMs: file.duration,
    cluster: toCluster(file.cluster),
    deployment: toDeployment(file.deployment),
    rollout: toRollout(file.rollout),
    autoscaler: toAutoscaler(file.autoscaler),
    traffic: toTraffic(file.traffic, sourcePath),
    models: (file.models ?? []).map((m) => toModel(m, sourcePath)),
    events: toEvents(file.events ?? []),
    expect: file.expect === undefined ? null : toExpectations(file.expect),
    sampleIntervalMs: file.sampleInterval ?? SCENARIO_DEFAULTS.sampleIntervalMs,
  };
}

type ColdStartFields = NonNullable<Section<'cluster'>['coldStart']>;

/** Defaults, then the cluster's fields, then the pool's. */
function toColdStart(...layers: (ColdStartFields | undefined)[]): ColdStartSettings {
  let out: ColdStartSettings = SCENARIO_DEFAULTS.coldStart;
  for (const l of layers) {
    if (l === undefined) continue;
    out = {
      storage: (l.storage as WeightStorage | undefined) ?? out.storage,
      weightsGBps: l.weightsGBps ?? out.weightsGBps,
      imageSource: (l.imageSource as ImageSource | undefined) ?? out.imageSource,
      imageGBps: l.imageGBps ?? out.imageGBps,
      imageCached: l.imageCached ?? out.imageCached,
      compileCacheWarm: l.compileCacheWarm ?? out.compileCacheWarm,
    };
  }
  return out;
}

function toCluster(cluster: Section<'cluster'>): ClusterConfig {
  return {
    cloud: cluster.cloud,
    name: cluster.name,
    pools: cluster.pools.map((p) => ({
      name: p.name,
      gpu: p.gpu,
      gpusPerNode: p.gpusPerNode,
      nodes: p.nodes,
      maxNodes: p.maxNodes ?? p.nodes,
      nodeProvisioningMs: p.nodeProvisioning ?? SCENARIO_DEFAULTS.nodeProvisioningMs,
      coldStart: toColdStart(cluster.coldStart, p.coldStart),
    })),
    tenants: (cluster.tenants ?? []).map((t) => ({
      pool: t.pool,
      gpus: t.gpus.map((g) => ({ atMs: g.at, count: g.count })),
    })),
  };
}

export function toDeployment(d: Section<'deployment'>): DeploymentSpec {
  return {
    name: d.name,
    cloud: d.cloud,
    cluster: d.cluster,
    processingType: d.processingType ?? 'sync',
    status: d.status ?? 'deployed',
    warmpool: d.warmpool ?? false,
    model: d.model,
    accelerator: { type: d.accelerator.type, count: d.accelerator.count },
    scaling: {
      minInstances: d.scaling.minInstances,
      maxInstances: d.scaling.maxInstances,
      metrics: (d.scaling.metrics ?? []).map((m) => ({ metric: m.metric, threshold: m.threshold })),
    },
    tags: { ...(d.tags ?? {}) },
  };
}

function toRollout(r: ScenarioFile['rollout']): RolloutOptions {
  const d = DEFAULT_ROLLOUT_OPTIONS;
  if (r === undefined) return d;
  const hc = r.healthCheck ?? {};
  return {
    maxSurge: (r.maxSurge ?? d.maxSurge) as IntOrPercent,
    maxUnavailable: (r.maxUnavailable ?? d.maxUnavailable) as IntOrPercent,
    schedulingTimeoutMs: r.schedulingTimeout ?? d.schedulingTimeoutMs,
    loadTimeoutMs: r.loadTimeout ?? d.loadTimeoutMs,
    healthCheck: {
      initialDelayMs: hc.initialDelay ?? d.healthCheck.initialDelayMs,
      periodMs: hc.period ?? d.healthCheck.periodMs,
      timeoutMs: hc.timeout ?? d.healthCheck.timeoutMs,
      successThreshold: hc.successThreshold ?? d.healthCheck.successThreshold,
      failureThreshold: hc.failureThreshold ?? d.healthCheck.failureThreshold,
    },
    minReadyMs: r.minReady ?? d.minReadyMs,
    progressDeadlineMs: r.progressDeadline ?? d.progressDeadlineMs,
    monitorWindowMs: r.monitorWindow ?? d.monitorWindowMs,
    podReplacementPolicy: r.podReplacementPolicy ?? d.podReplacementPolicy,
  };
}

function toAutoscaler(a: ScenarioFile['autoscaler']): AutoscalerConfig {
  const d = SCENARIO_DEFAULTS.autoscaler;
  return {
    intervalMs: a?.interval ?? d.intervalMs,
    tolerance: a?.tolerance ?? d.tolerance,
    scaleDownStabilizationMs: a?.scaleDownStabilization ?? d.scaleDownStabilizationMs,
  };
}

/** The trace format a file extension implies: `.jsonl`/`.ndjson` are JSON lines, anything else CSV. */
export function traceFormatOf(file: string): 'csv' | 'jsonl' {
  return /\.(jsonl|ndjson)$/i.test(file) ? 'jsonl' : 'csv';
}

/** Trace paths are relative to the scenario file. */
export function resolveTracePath(sourcePath: string, file: string): string {
  return path.resolve(path.dirname(sourcePath), file);
}

type TraceSection = Extract<Section<'traffic'>, { profile: 'trace' }>['trace'];

export function toTraceConfig(tr: TraceSection, sourcePath: string): TraceConfig {
  return {
    file: resolveTracePath(sourcePath, tr.file),
    format: tr.format ?? traceFormatOf(tr.file),
    timeColumn: tr.timeColumn,
    timeUnit: tr.timeUnit,
    inputTokensColumn: tr.inputTokensColumn ?? null,
    outputTokensColumn: tr.outputTokensColumn ?? null,
    speedup: tr.speedup ?? SCENARIO_DEFAULTS.traceSpeedup,
  };
}

function toTraffic(t: Section<'traffic'>, sourcePath: string): TrafficConfig {
  const timeoutMs = t.timeout ?? SCENARIO_DEFAULTS.trafficTimeoutMs;
  switch (t.profile) {
    case 'constant':
      return { profile: 'constant', rps: t.rps, timeoutMs };
    case 'steps':
      return { profile: 'steps', steps: t.steps.map((s) => ({ atMs: s.at, rps: s.rps })), timeoutMs };
    case 'diurnal': {
      const { baseRps, peakRps, peakAt, period } = t.diurnal;
      const periodMs = period ?? SCENARIO_DEFAULTS.diurnalPeriodMs;
      return { profile: 'diurnal', baseRps, peakRps, peakAtMs: peakAt, periodMs, timeoutMs };
    }
    case 'trace':
      return { profile: 'trace', trace: toTraceConfig(t.trace, sourcePath), timeoutMs };
  }
}

/** The fewest reference GPUs (tensor-parallel sizes) the model fits; the largest size if none fits. */
function defaultReference(memoryGB: number): { gpu: string; count: number } {
  const gpu = BUILTIN_GPUS[SCENARIO_DEFAULTS.referenceGpu];
  const probe = { memoryGB } as ModelRecord;
  const count = TENSOR_PARALLEL_SIZES.find((n) => gpu !== undefined && modelFits(probe, gpu, n)) ?? 8;
  return { gpu: SCENARIO_DEFAULTS.referenceGpu, count };
}

function toModel(m: Section<'models'>[number], sourcePath: string): ModelRecord {
  const imageGB = m.type === 'llm' ? SCENARIO_DEFAULTS.imageGB.llm : SCENARIO_DEFAULTS.imageGB.other;
  return compact({
    id: m.id,
    type: m.type,
    weightsGB: m.weightsGB,
    memoryGB: m.memoryGB,
    kvKiBPerToken: m.kvKiBPerToken,
    imageGB: m.imageGB ?? imageGB,
    loadSeconds: m.loadSeconds,
    serviceSeconds: m.serviceSeconds,
    concurrencyPerInstance: m.concurrencyPerInstance,
    throughputTokPerSec: m.throughputTokPerSec,
    prefillTokPerSec: m.prefillTokPerSec,
    architecture: typeof m.architecture === 'object' ? compact(m.architecture) : m.architecture,
    reference: m.reference ?? defaultReference(m.memoryGB),
    source: m.source ?? `scenario file ${path.basename(sourcePath)}`,
  });
}

function toEdit(e: NonNullable<Section<'events'>[number]['edit']>): SpecEdit {
  return compact({
    name: e.name,
    cloud: e.cloud,
    cluster: e.cluster,
    processingType: e.processingType,
    model: e.model,
    accelerator: e.accelerator === undefined ? undefined : compact({ ...e.accelerator }),
    scaling:
      e.scaling === undefined
        ? undefined
        : compact({
            minInstances: e.scaling.minInstances,
            maxInstances: e.scaling.maxInstances,
            metrics: e.scaling.metrics?.map((m) => ({ metric: m.metric, threshold: m.threshold })),
          }),
    tags: e.tags === undefined ? undefined : { ...e.tags },
  });
}

function toFault(f: NonNullable<Section<'events'>[number]['fault']>): FaultSpec {
  switch (f.kind) {
    case 'nodeFailure':
      return {
        kind: f.kind,
        pool: f.pool,
        count: f.count ?? SCENARIO_DEFAULTS.faultCount,
        repairMs: f.repairAfter ?? null,
        target: f.target ?? 'random',
      };
    case 'gpuFailure':
      return {
        kind: f.kind,
        pool: f.pool,
        count: f.count ?? SCENARIO_DEFAULTS.faultCount,
        repairMs: f.repairAfter ?? null,
      };
    case 'capacitySqueeze':
      return { kind: f.kind, pool: f.pool, count: f.count, forMs: f.for };
    case 'badVersion':
      return {
        kind: f.kind,
        model: f.model,
        mode: f.mode,
        slowdown: f.slowdown ?? SCENARIO_DEFAULTS.badVersionSlowdown,
        crashAfterMs: f.crashAfter ?? SCENARIO_DEFAULTS.badVersionCrashAfterMs,
      };
    case 'flakyHealth':
      return { kind: f.kind, probability: f.probability, forMs: f.for };
  }
}

/** Events in time order; ties keep file order (the sort is stable). */
function toEvents(events: Section<'events'>): ScenarioEvent[] {
  const out = events.map((e): ScenarioEvent => {
    if (e.edit !== undefined) return { atMs: e.at, action: 'edit', edit: toEdit(e.edit) };
    if (e.fault !== undefined) return { atMs: e.at, action: 'fault', fault: toFault(e.fault) };
    return { atMs: e.at, action: 'rollback' };
  });
  return out.sort((a, b) => a.atMs - b.atMs);
}

function toExpectations(x: Section<'expect'>): Expectations {
  return compact({
    edits: x.edits?.map((e) =>
      compact({ outcome: e.outcome, reason: e.reason, errors: e.errors, inPlace: e.inPlace }),
    ),
    maxDowntimeMs: x.maxDowntime,
    maxDroppedPercent: x.maxDroppedPercent,
    final:
      x.final === undefined ? undefined : (JSON.parse(JSON.stringify(x.final)) as Record<string, unknown>),
  });
}
