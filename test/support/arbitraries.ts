// fast-check arbitraries shared by the validation, property, model-based and counterexample tests:
// deployment specs, edits (valid and invalid), rollout settings, fault schedules, traffic and seeds.
import fc from 'fast-check';
import {
  BUILTIN_CATALOG,
  LOCKED_FIELDS,
  smallestFits,
  TENSOR_PARALLEL_SIZES,
  type DeploymentSpec,
  type IntOrPercent,
  type MetricName,
  type ModelType,
  type RolloutOptions,
  type ScalingMetric,
  type SpecEdit,
} from '../../engine/index.js';
import type { FaultSpec, PoolConfig, Scenario, ScenarioEvent, TrafficProfile } from '../../scenario/types.js';
import { makePool, makeScenario } from './fixtures.js';

export const MODEL_IDS = Object.keys(BUILTIN_CATALOG.models);
export const GPU_IDS = Object.keys(BUILTIN_CATALOG.gpus);

/** The number of runs of a property: `FC_NUM_RUNS` overrides the suite's default (nightly runs raise it). */
export function numRuns(defaultRuns: number): number {
  const raw = process.env['FC_NUM_RUNS'];
  const n = raw === undefined || raw === '' ? NaN : Number(raw);
  return Number.isInteger(n) && n > 0 ? n : defaultRuns;
}

/**
 * Parameters for fc.assert: the run count, plus `FC_SEED` / `FC_PATH` to replay a reported failure and
 * `FC_VERBOSE=2` to list every failing value met while shrinking. fast-check prints seed, path and the
 * shrunk counterexample of every failure by default.
 */
export function fcParams<T>(defaultRuns: number): fc.Parameters<T> {
  const seed = process.env['FC_SEED'];
  const path = process.env['FC_PATH'];
  const verbose = Number(process.env['FC_VERBOSE'] ?? '1');
  return {
    numRuns: numRuns(defaultRuns),
    verbose: verbose >= 2 ? fc.VerbosityLevel.VeryVerbose : fc.VerbosityLevel.Verbose,
    ...(seed !== undefined && seed !== '' ? { seed: Number(seed) } : {}),
    ...(path !== undefined && path !== '' ? { path } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Anything goes: specs and edits for validation (any status, any values, invalid ones included).

export const metricArb: fc.Arbitrary<ScalingMetric> = fc.record({
  metric: fc.constantFrom('concurrency', 'rps', 'gpuUtilization', 'latencyP95', 'queueDepth'),
  threshold: fc.oneof(fc.double({ noNaN: false }), fc.integer({ min: -5, max: 200 })),
});

export const specArb: fc.Arbitrary<DeploymentSpec> = fc.record({
  name: fc.constantFrom('a', 'b'),
  cloud: fc.constantFrom('aws', 'gcp'),
  cluster: fc.constantFrom('c1', 'c2'),
  processingType: fc.constantFrom('sync', 'async'),
  status: fc.constantFrom('deployed', 'deployed', 'pending', 'failed', 'stopped'),
  warmpool: fc.boolean(),
  model: fc.constantFrom(...MODEL_IDS),
  accelerator: fc.record({ type: fc.constantFrom(...GPU_IDS), count: fc.constantFrom(1, 2, 4, 8) }),
  scaling: fc.record({
    minInstances: fc.integer({ min: 0, max: 4 }),
    maxInstances: fc.integer({ min: 4, max: 12 }),
    metrics: fc.array(metricArb, { maxLength: 3 }),
  }),
  tags: fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), { maxKeys: 3 }),
});

export const editArb: fc.Arbitrary<SpecEdit> = fc.record(
  {
    name: fc.constantFrom('a', 'b'),
    cloud: fc.constantFrom('aws', 'gcp'),
    cluster: fc.constantFrom('c1', 'c2'),
    processingType: fc.constantFrom('sync', 'async'),
    model: fc.constantFrom(...MODEL_IDS, 'unknown-model'),
    accelerator: fc.record(
      { type: fc.constantFrom(...GPU_IDS, 'X1'), count: fc.integer({ min: 0, max: 9 }) },
      { requiredKeys: [] },
    ),
    scaling: fc.record(
      {
        minInstances: fc.integer({ min: -2, max: 20 }),
        maxInstances: fc.integer({ min: -2, max: 2000 }),
        metrics: fc.array(metricArb, { maxLength: 3 }),
      },
      { requiredKeys: [] },
    ),
    tags: fc.dictionary(fc.string({ maxLength: 4 }), fc.option(fc.string({ maxLength: 4 }), { nil: null }), {
      maxKeys: 3,
    }),
  },
  { requiredKeys: [] },
);

// ---------------------------------------------------------------------------------------------
// Deployable specs: what a deployed model looks like (fits its accelerator, sane scaling), small
// instance counts so a world of them runs fast.

export function modelsOfType(type: ModelType): string[] {
  return MODEL_IDS.filter((id) => BUILTIN_CATALOG.models[id]?.type === type);
}

export function modelTypeOf(model: string): ModelType | undefined {
  return BUILTIN_CATALOG.models[model]?.type;
}

/** Every accelerator a model fits: the smallest fitting count per GPU type, or the next size up. */
export function fittingAccelerators(model: string): { type: string; count: number }[] {
  const record = BUILTIN_CATALOG.models[model];
  if (record === undefined) return [];
  const out: { type: string; count: number }[] = [];
  for (const fit of smallestFits(record, BUILTIN_CATALOG, 8)) {
    out.push({ type: fit.gpu, count: fit.count });
    const bigger = TENSOR_PARALLEL_SIZES.find((n) => n > fit.count);
    if (bigger !== undefined && fit.count <= 2) out.push({ type: fit.gpu, count: bigger });
  }
  return out;
}

/** A model and an accelerator it fits. */
export function modelWithAcceleratorArb(models: readonly string[] = MODEL_IDS) {
  return fc
    .constantFrom(...models)
    .chain((model) =>
      fc.record({ model: fc.constant(model), accelerator: fc.constantFrom(...fittingAccelerators(model)) }),
    );
}

function validMetricsArb(processingType: 'sync' | 'async'): fc.Arbitrary<ScalingMetric[]> {
  const names: MetricName[] =
    processingType === 'async'
      ? ['concurrency', 'rps', 'queueDepth', 'gpuUtilization']
      : ['concurrency', 'rps', 'gpuUtilization'];
  return fc.uniqueArray(
    fc.constantFrom(...names).map((metric) => ({ metric, threshold: metric === 'gpuUtilization' ? 70 : 16 })),
    { maxLength: 2, selector: (m) => m.metric },
  );
}

export interface DeployableSpecConstraints {
  /** Largest maxInstances (default 5). */
  readonly maxInstances?: number;
  /** Share of specs that cannot be edited (warm pool or not deployed), in percent (default 5). */
  readonly notEditablePercent?: number;
}

export function deployableSpecArb(c: DeployableSpecConstraints = {}): fc.Arbitrary<DeploymentSpec> {
  const maxMax = c.maxInstances ?? 5;
  const notEditable = c.notEditablePercent ?? 5;
  return fc
    .record({
      processingType: fc.constantFrom('sync' as const, 'async' as const),
      fit: modelWithAcceleratorArb(),
      editable: fc.integer({ min: 0, max: 99 }).map((n) => n >= notEditable),
      blocker: fc.constantFrom('warmpool', 'pending', 'failed', 'stopped'),
      tags: fc.dictionary(fc.constantFrom('env', 'team', 'owner'), fc.constantFrom('a', 'b', 'prod'), {
        maxKeys: 2,
      }),
      cloud: fc.constantFrom('aws', 'gcp'),
    })
    .chain((base) =>
      fc
        .record({
          minInstances: fc.integer({
            min: base.processingType === 'async' ? 0 : 1,
            max: Math.min(3, maxMax),
          }),
          extra: fc.integer({ min: 0, max: maxMax }),
          metrics: validMetricsArb(base.processingType),
        })
        .map(({ minInstances, extra, metrics }): DeploymentSpec => {
          const maxInstances = Math.max(1, Math.min(maxMax, minInstances + extra));
          const status = base.editable || base.blocker === 'warmpool' ? 'deployed' : base.blocker;
          return {
            name: 'svc',
            cloud: base.cloud,
            cluster: 'c1',
            processingType: base.processingType,
            status: status,
            warmpool: !base.editable && base.blocker === 'warmpool',
            model: base.fit.model,
            accelerator: base.fit.accelerator,
            scaling: { minInstances, maxInstances, metrics },
            tags: base.tags,
          };
        }),
    );
}

// ---------------------------------------------------------------------------------------------
// Edits relative to a spec: the kinds users make, valid and invalid, with enough same-type model swaps
// that rolling edits happen often.

/** What an edit is meant to be; the model-based test predicts its outcome from this alone. */
export type EditIntent =
  | 'tags'
  | 'scaling'
  | 'badScaling'
  | 'metrics'
  | 'sameTypeModel'
  | 'accelerator'
  | 'crossType'
  | 'locked'
  | 'lockedPlusValid'
  | 'unknownModel'
  | 'misfit'
  | 'anything';

function otherValue(field: (typeof LOCKED_FIELDS)[number], spec: DeploymentSpec): string {
  if (field === 'processingType') return spec.processingType === 'sync' ? 'async' : 'sync';
  return `${spec[field]}-new`;
}

export function lockedEditArb(spec: DeploymentSpec): fc.Arbitrary<SpecEdit> {
  return fc
    .subarray([...LOCKED_FIELDS], { minLength: 1 })
    .map((fields) => Object.fromEntries(fields.map((f) => [f, otherValue(f, spec)])) as SpecEdit);
}

export function crossTypeEditArb(spec: DeploymentSpec): fc.Arbitrary<SpecEdit> {
  const type = modelTypeOf(spec.model);
  const others = MODEL_IDS.filter((m) => modelTypeOf(m) !== type);
  return modelWithAcceleratorArb(others);
}

export function sameTypeModelEditArb(spec: DeploymentSpec): fc.Arbitrary<SpecEdit> {
  const type = modelTypeOf(spec.model);
  const same = type === undefined ? [spec.model] : modelsOfType(type);
  return modelWithAcceleratorArb(same);
}

export function acceleratorEditArb(spec: DeploymentSpec): fc.Arbitrary<SpecEdit> {
  const fits = fittingAccelerators(spec.model);
  return fits.length === 0
    ? fc.constant({})
    : fc.constantFrom(...fits).map((accelerator) => ({ accelerator }));
}

export const tagsEditArb: fc.Arbitrary<SpecEdit> = fc
  .dictionary(
    fc.constantFrom('env', 'team', 'owner', 'cost'),
    fc.option(fc.constantFrom('a', 'b', 'prod'), { nil: null }),
    {
      minKeys: 1,
      maxKeys: 2,
    },
  )
  .map((tags) => ({ tags }));

/** Scaling edits within the valid range for `spec`'s processing type (min ≤ max, max ≥ 1). */
export function scalingEditArb(spec: DeploymentSpec, maxInstances = 5): fc.Arbitrary<SpecEdit> {
  const floor = spec.processingType === 'async' ? 0 : 1;
  return fc
    .record({
      min: fc.integer({ min: floor, max: Math.min(3, maxInstances) }),
      extra: fc.integer({ min: 0, max: maxInstances }),
    })
    .map(({ min, extra }) => ({
      scaling: { minInstances: min, maxInstances: Math.max(1, Math.min(maxInstances, min + extra)) },
    }));
}

export const badScalingEditArb: fc.Arbitrary<SpecEdit> = fc.oneof(
  fc.integer({ min: 2, max: 6 }).map((n) => ({ scaling: { minInstances: n + 1, maxInstances: n } })),
  fc.constant({ scaling: { maxInstances: 0 } }),
  fc.constant({ scaling: { minInstances: -1 } }),
);

export function editForIntent(
  intent: EditIntent,
  spec: DeploymentSpec,
  maxInstances = 5,
): fc.Arbitrary<SpecEdit> {
  switch (intent) {
    case 'tags':
      return tagsEditArb;
    case 'scaling':
      return scalingEditArb(spec, maxInstances);
    case 'badScaling':
      return badScalingEditArb;
    case 'metrics':
      return fc.array(metricArb, { maxLength: 2 }).map((metrics) => ({ scaling: { metrics } }));
    case 'sameTypeModel':
      return sameTypeModelEditArb(spec);
    case 'accelerator':
      return acceleratorEditArb(spec);
    case 'crossType':
      return crossTypeEditArb(spec);
    case 'locked':
      return lockedEditArb(spec);
    case 'lockedPlusValid':
      return fc
        .tuple(lockedEditArb(spec), fc.oneof(tagsEditArb, sameTypeModelEditArb(spec)))
        .map(([a, b]) => ({ ...b, ...a }));
    case 'unknownModel':
      return fc.constantFrom('gpt-17', 'llama-9-1t').map((model) => ({ model }));
    case 'misfit':
      return fc.constantFrom(...MODEL_IDS).map((model) => ({ model, accelerator: { type: 'T4', count: 1 } }));
    case 'anything':
      return editArb;
  }
}

/** Edits users make to `spec`: mostly plausible ones, a fair share of invalid ones. */
export function engineEditArb(spec: DeploymentSpec, maxInstances = 5): fc.Arbitrary<SpecEdit> {
  const w = (weight: number, intent: EditIntent) => ({
    weight,
    arbitrary: editForIntent(intent, spec, maxInstances),
  });
  return fc.oneof(
    w(6, 'sameTypeModel'),
    w(3, 'accelerator'),
    w(3, 'tags'),
    w(4, 'scaling'),
    w(1, 'badScaling'),
    w(1, 'metrics'),
    w(2, 'crossType'),
    w(2, 'locked'),
    w(1, 'lockedPlusValid'),
    w(1, 'unknownModel'),
    w(1, 'misfit'),
    w(1, 'anything'),
  );
}

// ---------------------------------------------------------------------------------------------
// Rollout settings.

const percentArb = (max: number): fc.Arbitrary<IntOrPercent> =>
  fc.integer({ min: 0, max }).map((n) => `${n}%` as const);

export const maxSurgeArb: fc.Arbitrary<IntOrPercent> = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 3 }) },
  { weight: 2, arbitrary: fc.constantFrom<IntOrPercent>('25%', '50%', '100%') },
  { weight: 1, arbitrary: percentArb(100) },
);

export const maxUnavailableArb: fc.Arbitrary<IntOrPercent> = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 2 }) },
  { weight: 2, arbitrary: fc.constantFrom<IntOrPercent>('0%', '25%', '50%') },
  { weight: 1, arbitrary: percentArb(100) },
);

const MINUTE_MS = 60_000;

export const rolloutOptionsArb: fc.Arbitrary<RolloutOptions> = fc.record({
  maxSurge: maxSurgeArb,
  maxUnavailable: maxUnavailableArb,
  schedulingTimeoutMs: fc.constantFrom(1, 2, 5, 10).map((m) => m * MINUTE_MS),
  loadTimeoutMs: fc.constantFrom(5, 15, 45).map((m) => m * MINUTE_MS),
  healthCheck: fc.record({
    initialDelayMs: fc.constant(0),
    periodMs: fc.constant(10_000),
    timeoutMs: fc.constant(2_000),
    successThreshold: fc.integer({ min: 1, max: 3 }),
    failureThreshold: fc.integer({ min: 1, max: 4 }),
  }),
  minReadyMs: fc.constantFrom(0, 0, 15_000, 60_000),
  progressDeadlineMs: fc.constantFrom(3, 10, 30).map((m) => m * MINUTE_MS),
  monitorWindowMs: fc.constantFrom(0, 2, 10).map((m) => m * MINUTE_MS),
  podReplacementPolicy: fc.constantFrom('TerminationComplete' as const, 'TerminationStarted' as const),
});

// ---------------------------------------------------------------------------------------------
// Scenario pieces: fault schedules, traffic profiles, seeds.

export const seedArb: fc.Arbitrary<number> = fc.integer({ min: 0, max: 2 ** 31 - 1 });

/** One fault, in the loaded scenario's form, for a pool named `pool` and a model id that may go bad. */
export function faultSpecArb(
  pool: string,
  models: readonly string[],
  maxForMs: number,
): fc.Arbitrary<FaultSpec> {
  const forMs = fc
    .integer({ min: 1, max: Math.max(1, Math.floor(maxForMs / 60_000)) })
    .map((m) => m * 60_000);
  return fc.oneof(
    fc.record({
      kind: fc.constant('nodeFailure' as const),
      pool: fc.constant(pool),
      count: fc.integer({ min: 1, max: 2 }),
      repairMs: fc.option(forMs, { nil: null }),
      target: fc.constantFrom('random' as const, 'busiest' as const),
    }),
    fc.record({
      kind: fc.constant('gpuFailure' as const),
      pool: fc.constant(pool),
      count: fc.integer({ min: 1, max: 2 }),
      repairMs: fc.option(forMs, { nil: null }),
    }),
    fc.record({
      kind: fc.constant('capacitySqueeze' as const),
      pool: fc.constant(pool),
      count: fc.integer({ min: 1, max: 8 }),
      forMs,
    }),
    fc.record({
      kind: fc.constant('badVersion' as const),
      model: fc.constantFrom(...models),
      mode: fc.constantFrom(
        'crashOnLoad' as const,
        'failHealth' as const,
        'crashUnderLoad' as const,
        'slowLoad' as const,
      ),
      slowdown: fc.constantFrom(2, 10, 60),
      crashAfterMs: fc.constantFrom(30_000, 120_000, 600_000),
    }),
    fc.record({
      kind: fc.constant('flakyHealth' as const),
      probability: fc.constantFrom(0.05, 0.2, 0.5),
      forMs,
    }),
  );
}

/** Faults at times within `durationMs`, sorted by time. */
export function faultScheduleArb(
  pool: string,
  models: readonly string[],
  durationMs: number,
  maxFaults = 3,
): fc.Arbitrary<{ atMs: number; fault: FaultSpec }[]> {
  const minutes = Math.max(1, Math.floor(durationMs / 60_000));
  return fc
    .array(
      fc.record({
        atMs: fc.integer({ min: 0, max: minutes - 1 }).map((m) => m * 60_000),
        fault: faultSpecArb(pool, models, durationMs / 2),
      }),
      { maxLength: maxFaults },
    )
    .map((faults) => [...faults].sort((a, b) => a.atMs - b.atMs));
}

/** Offered load, kept low so generated scenarios run fast. */
export function trafficProfileArb(maxRps = 5, durationMs = 30 * 60_000): fc.Arbitrary<TrafficProfile> {
  const rps = fc.integer({ min: 0, max: maxRps * 10 }).map((n) => n / 10);
  const minutes = Math.max(1, Math.floor(durationMs / 60_000));
  return fc.oneof(
    { weight: 3, arbitrary: rps.map((r) => ({ profile: 'constant' as const, rps: r })) },
    {
      weight: 1,
      arbitrary: fc
        .array(fc.record({ atMs: fc.integer({ min: 0, max: minutes - 1 }).map((m) => m * 60_000), rps }), {
          minLength: 1,
          maxLength: 3,
        })
        .map((steps) => ({
          profile: 'steps' as const,
          steps: [...new Map([...steps].sort((a, b) => a.atMs - b.atMs).map((s) => [s.atMs, s])).values()],
        })),
    },
    {
      weight: 1,
      arbitrary: fc
        .record({
          baseRps: rps,
          extraRps: rps,
          peakAtMs: fc.integer({ min: 0, max: minutes }).map((m) => m * 60_000),
        })
        .map(({ baseRps, extraRps, peakAtMs }) => ({
          profile: 'diurnal' as const,
          baseRps,
          peakRps: baseRps + extraRps,
          peakAtMs,
          periodMs: Math.max(2, minutes) * 60_000,
        })),
    },
  );
}

// ---------------------------------------------------------------------------------------------
// Whole scenarios for the simulator: short (10–30 simulated minutes), few instances, low traffic, so
// hundreds run in seconds. Every generated scenario is one the loader accepts, so a failing one can be
// written out as a YAML file and replayed with `rollsim run`.

/** Edits that survive a trip through a YAML scenario file (finite numbers, non-empty tag keys). */
export function scenarioEditArb(spec: DeploymentSpec, maxInstances = 4): fc.Arbitrary<SpecEdit> {
  const w = (weight: number, intent: EditIntent) => ({
    weight,
    arbitrary: editForIntent(intent, spec, maxInstances),
  });
  const metrics = fc
    .array(
      fc.record({
        metric: fc.constantFrom<MetricName>(
          'concurrency',
          'rps',
          'gpuUtilization',
          'latencyP95',
          'queueDepth',
        ),
        threshold: fc.constantFrom(-5, 0, 8, 16, 70, 150),
      }),
      { maxLength: 2 },
    )
    .map((m) => ({ scaling: { metrics: m } }));
  return fc.oneof(
    w(6, 'sameTypeModel'),
    w(2, 'accelerator'),
    w(2, 'tags'),
    w(3, 'scaling'),
    w(1, 'badScaling'),
    { weight: 1, arbitrary: metrics },
    w(2, 'crossType'),
    w(2, 'locked'),
    w(1, 'lockedPlusValid'),
    w(1, 'unknownModel'),
    w(1, 'misfit'),
  );
}

/** Rollout settings the loader accepts (maxSurge and maxUnavailable not both 0), with short deadlines. */
export const scenarioRolloutArb: fc.Arbitrary<RolloutOptions> = fc
  .record({
    maxSurge: maxSurgeArb,
    maxUnavailable: maxUnavailableArb,
    schedulingTimeoutMs: fc.constantFrom(1, 2, 5).map((m) => m * MINUTE_MS),
    loadTimeoutMs: fc.constantFrom(10, 45).map((m) => m * MINUTE_MS),
    healthCheck: fc.record({
      initialDelayMs: fc.constantFrom(0, 5_000),
      periodMs: fc.constantFrom(5_000, 10_000),
      timeoutMs: fc.constant(2_000),
      successThreshold: fc.integer({ min: 1, max: 2 }),
      failureThreshold: fc.integer({ min: 1, max: 3 }),
    }),
    minReadyMs: fc.constantFrom(0, 0, 15_000),
    progressDeadlineMs: fc.constantFrom(3, 5, 10).map((m) => m * MINUTE_MS),
    monitorWindowMs: fc.constantFrom(0, 2, 5).map((m) => m * MINUTE_MS),
    podReplacementPolicy: fc.constantFrom('TerminationComplete' as const, 'TerminationStarted' as const),
  })
  .map((r) => (isZero(r.maxSurge) && isZero(r.maxUnavailable) ? { ...r, maxSurge: 1 } : r));

function isZero(v: IntOrPercent): boolean {
  return typeof v === 'number' ? v === 0 : parseFloat(v) === 0;
}

/** A scenario event without its time (Omit over each member of the union). */
type EventBody = ScenarioEvent extends infer E ? (E extends ScenarioEvent ? Omit<E, 'atMs'> : never) : never;

export interface ScenarioConstraints {
  readonly minutesMin?: number;
  readonly minutesMax?: number;
  readonly maxEvents?: number;
  readonly maxRps?: number;
  /** Edits to generate (default scenarioEditArb); the planted-bug tests narrow them. */
  readonly edits?: (spec: DeploymentSpec) => fc.Arbitrary<SpecEdit>;
}

const POOL = 'p1';

/** A whole scenario: a cluster that fits the deployment, traffic, and edits, rollbacks and faults. */
export function scenarioArb(c: ScenarioConstraints = {}): fc.Arbitrary<Scenario> {
  const minutes = fc.integer({ min: c.minutesMin ?? 10, max: c.minutesMax ?? 30 });
  return fc
    .record({
      spec: deployableSpecArb({ maxInstances: 3, notEditablePercent: 5 }),
      minutes,
      seed: seedArb,
      rollout: scenarioRolloutArb,
      nodes: fc.integer({ min: 1, max: 3 }),
      extraNodes: fc.integer({ min: 0, max: 1 }),
      spareGpu: fc.option(fc.constantFrom(...GPU_IDS), { nil: null }),
    })
    .chain((base) => {
      const spec: DeploymentSpec = { ...base.spec, cloud: 'aws', cluster: 'gpu-cluster' };
      const durationMs = base.minutes * MINUTE_MS;
      const edits = c.edits?.(spec) ?? scenarioEditArb(spec);
      const models = [...new Set([spec.model, ...modelsOfType(modelTypeOf(spec.model) ?? 'llm')])];
      const event = fc.oneof(
        { weight: 4, arbitrary: edits.map((edit) => ({ action: 'edit' as const, edit })) },
        { weight: 1, arbitrary: fc.constant({ action: 'rollback' as const }) },
        {
          weight: 3,
          arbitrary: faultSpecArb(POOL, models, durationMs / 2).map((fault) => ({
            action: 'fault' as const,
            fault,
          })),
        },
      );
      const timed = fc.record({
        atMs: fc.integer({ min: 0, max: base.minutes - 1 }).map((m) => m * MINUTE_MS),
        event,
      });
      return fc
        .record({
          events: fc.array(timed, { minLength: 1, maxLength: c.maxEvents ?? 5 }),
          traffic: trafficProfileArb(c.maxRps ?? 3, durationMs),
        })
        .map(({ events, traffic }) => buildScenario(base, spec, durationMs, events, traffic));
    });
}

/** Aims bad versions at the models the edits deploy; keeps failure counts within the pool (the loader checks). */
function fitFault(f: FaultSpec, pool: PoolConfig, editModels: readonly string[], i: number): FaultSpec {
  const gpus = Math.max(pool.nodes, pool.maxNodes) * pool.gpusPerNode;
  switch (f.kind) {
    case 'badVersion':
      return {
        ...f,
        model: editModels.length === 0 ? f.model : (editModels[i % editModels.length] ?? f.model),
      };
    case 'nodeFailure':
      return { ...f, count: Math.min(f.count, Math.max(pool.nodes, pool.maxNodes)) };
    case 'gpuFailure':
    case 'capacitySqueeze':
      return { ...f, count: Math.min(f.count, gpus) };
    case 'flakyHealth':
    case 'revisionFailsHealth':
      return f;
  }
}

interface ScenarioBase {
  readonly seed: number;
  readonly rollout: RolloutOptions;
  readonly nodes: number;
  readonly extraNodes: number;
  readonly spareGpu: string | null;
}

function buildScenario(
  base: ScenarioBase,
  spec: DeploymentSpec,
  durationMs: number,
  events: readonly { atMs: number; event: EventBody }[],
  traffic: TrafficProfile,
): Scenario {
  const perNode = Math.floor(8 / spec.accelerator.count);
  // Room for minInstances at t=0 (the loader requires it).
  const nodes = Math.max(base.nodes, Math.ceil(spec.scaling.minInstances / perNode));
  const pools = [
    makePool({
      name: POOL,
      gpu: spec.accelerator.type,
      nodes,
      maxNodes: nodes + base.extraNodes,
      nodeProvisioningMs: 3 * MINUTE_MS,
    }),
  ];
  const addPool = (gpu: string, count: number) => {
    if (BUILTIN_CATALOG.gpus[gpu] !== undefined && !pools.some((p) => p.gpu === gpu))
      pools.push(
        makePool({ name: `p${pools.length + 1}`, gpu, nodes: count, nodeProvisioningMs: 3 * MINUTE_MS }),
      );
  };
  if (base.spareGpu !== null) addPool(base.spareGpu, 1);
  // A pool for every GPU type the edits ask for, so rolling edits can succeed, and bad versions of the
  // models the edits deploy, so that they bite.
  const edits = events.flatMap(({ event }) => (event.action === 'edit' ? [event.edit] : []));
  for (const e of edits) if (e.accelerator?.type !== undefined) addPool(e.accelerator.type, 2);
  const editModels = edits.flatMap((e) =>
    e.model !== undefined && BUILTIN_CATALOG.models[e.model] !== undefined ? [e.model] : [],
  );
  const aimed = events.map(({ atMs, event }, i) =>
    event.action === 'fault'
      ? { atMs, event: { ...event, fault: fitFault(event.fault, pools[0]!, editModels, i) } }
      : { atMs, event },
  );
  const sorted = aimed.sort((a, b) => a.atMs - b.atMs);
  return makeScenario({
    metadata: { name: 'generated', description: 'generated by the property tests' },
    seed: base.seed,
    durationMs,
    sampleIntervalMs: 30_000,
    cluster: { cloud: spec.cloud, name: spec.cluster, pools, tenants: [] },
    deployment: spec,
    rollout: base.rollout,
    traffic: { ...traffic, timeoutMs: 30_000 },
    events: sorted.map(({ atMs, event }) => ({ atMs, ...event })),
  });
}
