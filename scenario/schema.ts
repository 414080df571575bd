// The scenario file schema (zod): one definition for validation, for the typed input, and for the
// generated library/schema.json that editors use. Durations are parsed here, once, to integer ms.
import { z } from 'zod';
import { ONE_LINE_PATTERN } from './excerpt.js';
import { BUILTIN_GPUS } from '../catalog/catalog.js';
import { DEPLOYMENT_STATUSES, METRIC_NAMES, MODEL_TYPES, PROCESSING_TYPES } from '../catalog/spec.js';
import { DEFAULT_PLATFORM_LIMITS } from '../catalog/spec.js';
import { ERROR_CODES, FAILURE_REASONS } from '../engine/types.js';
import { IMAGE_SOURCE, WEIGHT_STORAGE } from '../physics/cold-start.js';
import { BYTES_PER_PARAM, DEFAULT_HEAD_DIM, LLM_ARCH, type Precision } from '../physics/hardware.js';

/** Limits on everything a scenario file can ask for (a file is untrusted input). */
export const SCENARIO_LIMITS = {
  fileBytesMax: 1024 * 1024,
  aliasCountMax: 100,
  nestingDepthMax: 32,
  durationMsMax: 30 * 24 * 3_600_000,
  countMax: 1_000_000,
  rpsMax: 1_000_000,
  poolsMax: 64,
  nodesMax: 10_000,
  gpusPerNodeMax: 16,
  instancesMax: DEFAULT_PLATFORM_LIMITS.maxInstancesLimit,
  gpusPerInstanceMax: DEFAULT_PLATFORM_LIMITS.maxGpusPerInstance,
  eventsMax: 10_000,
  modelsMax: 100,
  tagsMax: 64,
  timelineSamplesMax: 1_000_000,
  stringLengthMax: 256,
  descriptionLengthMax: 10_000,
} as const;

export const GPU_IDS = Object.keys(BUILTIN_GPUS) as [string, ...string[]];

// ---------------------------------------------------------------------------------------------
// Durations

/** "250ms", "90s", "15m", "2h", "7d", or combinations such as "1h30m"; a bare number means seconds. */
const DURATION_PATTERN = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;
const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;
const MS_PER_UNIT: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** Milliseconds for a duration written as a number of seconds or a string such as "15m"; null if malformed. */
export function parseDurationMs(value: number | string): number | null {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value * 1000 : null;
  if (!DURATION_PATTERN.test(value)) return null;
  let ms = 0;
  for (const match of value.matchAll(DURATION_PART)) {
    ms += Number(match[1]) * (MS_PER_UNIT[match[2] ?? ''] ?? Number.NaN);
  }
  return Number.isFinite(ms) ? ms : null;
}

/**
 * A duration in the scenario file's own compact syntax, for validation messages: "0s", "250ms",
 * 90s → "1m30s", "2h", "1h20m5s" (rounded to whole seconds from 1s up). Reports and the CLI summary use
 * formatHumanDurationMs (result/duration.ts) instead; the YAML writer uses the exact
 * formatExactScenarioDurationMs (scenario/write-yaml.ts).
 */
export function formatScenarioDurationMs(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 0) return `-${formatScenarioDurationMs(-ms)}`;
  if (ms === 0) return '0s';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const totalS = Math.round(ms / 1000);
  const h = Math.floor(totalS / 3600);
  const m = Math.floor((totalS % 3600) / 60);
  const s = totalS % 60;
  const parts = [h > 0 ? `${h}h` : '', m > 0 ? `${m}m` : '', s > 0 ? `${s}s` : ''].join('');
  return parts === '' ? '0s' : parts;
}

const DURATION_HINT = 'a duration such as "250ms", "90s", "15m", "2h", "7d" or a number of seconds';
const durationSecondsMax = SCENARIO_LIMITS.durationMsMax / 1000;

function describeInput(input: unknown): string {
  if (typeof input === 'string') return JSON.stringify(input);
  if (typeof input === 'number') return String(input);
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'a list';
  return typeof input === 'object' ? 'a mapping' : typeof input;
}

function duration(options: { positive: boolean }) {
  const atLeast = options.positive ? 'greater than 0' : '0 or more';
  const message = (iss: { input?: unknown }): string =>
    iss.input === undefined
      ? `required field is missing (expected ${DURATION_HINT})`
      : `expected ${DURATION_HINT}, ${atLeast} and at most 30 days; got ${describeInput(iss.input)}`;
  const input = z.union(
    [
      z.number({ error: message }).min(0, { error: message }).max(durationSecondsMax, { error: message }),
      z.string({ error: message }).regex(DURATION_PATTERN, { error: message }),
    ],
    { error: message },
  );
  return input.transform((value, ctx) => {
    const ms = parseDurationMs(value);
    const bad =
      ms === null ||
      ms > SCENARIO_LIMITS.durationMsMax ||
      (options.positive && ms === 0) ||
      !Number.isInteger(ms);
    if (!bad) return ms;
    const whole = ms !== null && !Number.isInteger(ms) ? ' (durations resolve to whole milliseconds)' : '';
    ctx.issues.push({ code: 'custom', input: value, message: `${message({ input: value })}${whole}` });
    return z.NEVER;
  });
}

export const Duration = duration({ positive: false });
export const PositiveDuration = duration({ positive: true });

// ---------------------------------------------------------------------------------------------
// Small building blocks

const int = (min: number, max: number) => z.number().int().min(min).max(max);
const num = (min: number, max: number) => z.number().min(min).max(max);
const positiveNum = (max: number) => z.number().gt(0).max(max);
/**
 * One line of printable text: no control characters (line breaks and escapes included), no Unicode line
 * separators or direction overrides. Names, ids, tags and edited values reach terminals, CI logs and
 * reports; a line break in one let a scenario from a pull request start a line of its own in a CI log
 * (where `::error::` is a workflow command). A pattern, so the JSON Schema carries it too.
 */
const ONE_LINE_ERROR =
  'must be one line of printable text (no control characters, line breaks or direction overrides)';
const line = (max: number = SCENARIO_LIMITS.stringLengthMax) =>
  z.string().max(max).regex(ONE_LINE_PATTERN, { error: ONE_LINE_ERROR });
const text = (max: number = SCENARIO_LIMITS.stringLengthMax) => line(max).min(1);

const PERCENT_PATTERN = /^\d+(?:\.\d+)?%$/;
const intOrPercent = (what: string) => {
  const message = (iss: { input?: unknown }): string =>
    `expected ${what} as a count (an integer, 0 or more) or a percentage such as "25%"; got ${describeInput(iss.input)}`;
  return z.union(
    [
      z
        .number({ error: message })
        .int({ error: message })
        .min(0, { error: message })
        .max(SCENARIO_LIMITS.countMax),
      z.string({ error: message }).regex(PERCENT_PATTERN, { error: message }),
    ],
    { error: message },
  );
};

/** A scenario name; sweep plans, which carry it, are held to it too. */
export const NAME_PATTERN = /^[a-z0-9-]+$/;
const ScenarioName = z
  .string()
  .min(1)
  .max(100)
  .regex(NAME_PATTERN, { error: 'must be lowercase letters, digits and dashes ([a-z0-9-]+)' });

const GpuId = z.enum(GPU_IDS);
const Tags = z.record(text(128), line());
const TagEdits = z.record(text(128), line().nullable());

const ScalingMetric = z.strictObject({
  metric: z.enum(METRIC_NAMES),
  threshold: positiveNum(1e9).describe('Target value per instance; above it the autoscaler adds instances.'),
});

// ---------------------------------------------------------------------------------------------
// Sections

const Metadata = z.strictObject({
  name: ScenarioName.describe('Scenario name, [a-z0-9-]+.'),
  description: z.string().max(SCENARIO_LIMITS.descriptionLengthMax).optional(),
});

const WEIGHT_STORAGE_KINDS = Object.keys(WEIGHT_STORAGE) as [string, ...string[]];
const IMAGE_SOURCES = Object.keys(IMAGE_SOURCE) as [string, ...string[]];

const ColdStart = z
  .strictObject({
    storage: z
      .enum(WEIGHT_STORAGE_KINDS)
      .optional()
      .describe(
        'Where weights load from: node-local, network-volume (default), object-store, object-store-streamer or model-hub (download first).',
      ),
    weightsGBps: positiveNum(1000)
      .optional()
      .describe("Weight-load bandwidth in GB/s, overriding the storage kind's published rate."),
    imageSource: z
      .enum(IMAGE_SOURCES)
      .optional()
      .describe(
        'Container image source: registry (default, pull + extract) or lazy-registry (lazy pulling).',
      ),
    imageGBps: positiveNum(1000)
      .optional()
      .describe("Image pull bandwidth in GB/s, overriding the image source's rate."),
    imageCached: z
      .boolean()
      .optional()
      .describe(
        'Every node starts with the images (default false). A node that pulled an image during the run keeps it either way.',
      ),
    compileCacheWarm: z
      .boolean()
      .optional()
      .describe('A warm torch.compile cache shortens engine start (default false).'),
  })
  .describe('Cold-start settings: image pull, weight load, engine start.');

const Pool = z.strictObject({
  name: text(63),
  gpu: GpuId.describe('A GPU from the catalog.'),
  gpusPerNode: int(1, SCENARIO_LIMITS.gpusPerNodeMax),
  nodes: int(0, SCENARIO_LIMITS.nodesMax),
  maxNodes: int(0, SCENARIO_LIMITS.nodesMax).optional().describe('Node autoscaling up to this many nodes.'),
  nodeProvisioning: PositiveDuration.optional().describe('Time for a new node to join (default 4m).'),
  coldStart: ColdStart.optional().describe(
    "Overrides the cluster's cold-start settings for this pool, field by field.",
  ),
});

const Tenant = z.strictObject({
  pool: text(63),
  gpus: z
    .array(z.strictObject({ at: Duration, count: int(0, SCENARIO_LIMITS.countMax) }))
    .min(1)
    .max(SCENARIO_LIMITS.eventsMax)
    .describe('GPUs held by other workloads in the pool, from each `at` on.'),
});

const Cluster = z.strictObject({
  cloud: text(63),
  name: text(63),
  pools: z.array(Pool).min(1).max(SCENARIO_LIMITS.poolsMax),
  coldStart: ColdStart.optional(),
  tenants: z
    .array(Tenant)
    .max(SCENARIO_LIMITS.poolsMax * 4)
    .optional(),
});

const Deployment = z.strictObject({
  name: text(),
  cloud: text(63),
  cluster: text(63),
  processingType: z.enum(PROCESSING_TYPES).optional().describe('sync (default) or async.'),
  status: z.enum(DEPLOYMENT_STATUSES).optional().describe('Status at t=0 (default deployed).'),
  warmpool: z.boolean().optional().describe('Warm-pool deployment (default false); not editable.'),
  model: text().describe('A model id from the catalog or from `models:`.'),
  accelerator: z.strictObject({ type: GpuId, count: int(1, SCENARIO_LIMITS.gpusPerInstanceMax) }),
  scaling: z.strictObject({
    minInstances: int(0, SCENARIO_LIMITS.instancesMax),
    maxInstances: int(1, SCENARIO_LIMITS.instancesMax),
    metrics: z
      .array(ScalingMetric)
      .max(METRIC_NAMES.length)
      .optional()
      .describe('Default none: stays at minInstances.'),
  }),
  tags: Tags.optional(),
});

const HealthCheck = z.strictObject({
  initialDelay: Duration.optional(),
  period: PositiveDuration.optional(),
  timeout: PositiveDuration.optional(),
  successThreshold: int(1, 100).optional(),
  failureThreshold: int(1, 100).optional(),
});

const Rollout = z.strictObject({
  maxSurge: intOrPercent('maxSurge').optional().describe('Count or percentage (default 1).'),
  maxUnavailable: intOrPercent('maxUnavailable').optional().describe('Count or percentage (default 0).'),
  schedulingTimeout: PositiveDuration.optional().describe('Default 10m.'),
  loadTimeout: PositiveDuration.optional().describe('Scheduled to ready, default 45m.'),
  healthCheck: HealthCheck.optional(),
  minReady: Duration.optional().describe('Default 0s.'),
  progressDeadline: PositiveDuration.optional().describe('Default 30m.'),
  monitorWindow: Duration.optional().describe('Default 10m.'),
  podReplacementPolicy: z.enum(['TerminationComplete', 'TerminationStarted']).optional(),
});

const Autoscaler = z.strictObject({
  interval: PositiveDuration.optional().describe('Default 15s.'),
  tolerance: num(0, 1).optional().describe('Default 0.1.'),
  scaleDownStabilization: Duration.optional().describe('Default 5m.'),
});

const Rps = num(0, SCENARIO_LIMITS.rpsMax);
const timeout = PositiveDuration.optional().describe(
  'A sync request not started by then fails (default 30s).',
);
const Traffic = z.discriminatedUnion('profile', [
  z.strictObject({ profile: z.literal('constant'), rps: Rps, timeout }),
  z.strictObject({
    profile: z.literal('steps'),
    steps: z
      .array(z.strictObject({ at: Duration, rps: Rps }))
      .min(1)
      .max(SCENARIO_LIMITS.eventsMax),
    timeout,
  }),
  z.strictObject({
    profile: z.literal('diurnal'),
    diurnal: z.strictObject({
      baseRps: Rps,
      peakRps: Rps,
      peakAt: Duration,
      period: PositiveDuration.optional().describe('Default 24h.'),
    }),
    timeout,
  }),
  z.strictObject({
    profile: z.literal('trace'),
    trace: z.strictObject({
      file: text(4096).describe('Relative to the scenario file.'),
      format: z.enum(['csv', 'jsonl']).optional().describe('Default from the file extension.'),
      timeColumn: text(),
      timeUnit: z.enum(['datetime', 's', 'ms']),
      inputTokensColumn: text().optional(),
      outputTokensColumn: text().optional(),
      speedup: positiveNum(10_000).optional().describe('Default 1.'),
    }),
    timeout,
  }),
]);

/** A transformer shape written out: the figures of the model's HF config.json (physics/hardware.ts LlmArchFields). */
const ArchitectureFields = z
  .strictObject({
    paramsB: positiveNum(10_000).describe(
      "Parameters, billions; the weights are paramsB × the precision's bytes.",
    ),
    layers: int(1, 1_000).describe('num_hidden_layers.'),
    queryHeads: int(1, 1_024).describe('num_attention_heads.'),
    kvHeads: int(1, 1_024).describe('num_key_value_heads.'),
    headDim: int(1, 4_096).optional().describe(`head_dim; default ${DEFAULT_HEAD_DIM}.`),
    kvLayers: int(1, 1_000).optional().describe('Layers with a KV cache; default all of them.'),
    precision: z
      .enum(Object.keys(BYTES_PER_PARAM) as [Precision, ...Precision[]])
      .describe('Precision of the served weights.'),
    contextTokens: int(1, 100_000_000).describe(
      'max_position_embeddings: the longest prompt + output taken.',
    ),
  })
  .describe('A transformer shape written out.');

const Model = z.strictObject({
  id: text(),
  type: z.enum(MODEL_TYPES),
  weightsGB: positiveNum(10_000),
  memoryGB: positiveNum(10_000).describe('Weights + runtime overhead + minimum KV cache.'),
  loadSeconds: positiveNum(86_400),
  serviceSeconds: positiveNum(3_600),
  concurrencyPerInstance: int(1, 100_000),
  imageGB: num(0, 1_000).optional().describe('Default 20 for llm, 10 otherwise.'),
  kvKiBPerToken: positiveNum(1e6).optional(),
  throughputTokPerSec: positiveNum(1e9).optional(),
  prefillTokPerSec: positiveNum(1e9).optional(),
  architecture: z
    .union([z.enum(Object.keys(LLM_ARCH) as [string, ...string[]]), ArchitectureFields])
    .optional()
    .describe(
      'LLMs: the transformer shape and precision, so it is served by the continuous-batching token model: the name of a known shape it shares (e.g. llama-3.1-8b for a fine-tune), or the figures of its config.json. Without it (and for other types) it serves in fixed batches from serviceSeconds and concurrencyPerInstance.',
    ),
  reference: z
    .strictObject({ gpu: GpuId, count: int(1, SCENARIO_LIMITS.gpusPerInstanceMax) })
    .optional()
    .describe('Accelerator the figures were measured on (default the fewest H100s the model fits).'),
  source: z.string().max(SCENARIO_LIMITS.descriptionLengthMax).optional(),
});

// ---------------------------------------------------------------------------------------------
// Events

/** Edit numbers are only type-checked: ranges are the engine's job (it rejects with an error code). */
const editInt = z.number().int();
const Edit = z.strictObject({
  name: line().optional(),
  cloud: line().optional(),
  cluster: line().optional(),
  processingType: z.enum(PROCESSING_TYPES).optional(),
  model: line().optional(),
  accelerator: z.strictObject({ type: line().optional(), count: editInt.optional() }).optional(),
  scaling: z
    .strictObject({
      minInstances: editInt.optional(),
      maxInstances: editInt.optional(),
      metrics: z.array(z.strictObject({ metric: z.enum(METRIC_NAMES), threshold: z.number() })).optional(),
    })
    .optional(),
  tags: TagEdits.optional().describe('Tags merge; a null value removes the tag.'),
});

const poolFault = <K extends string>(kind: K) =>
  z.strictObject({
    kind: z.literal(kind),
    pool: text(63),
    count: int(1, SCENARIO_LIMITS.countMax).optional().describe('Default 1.'),
    repairAfter: PositiveDuration.nullable().optional().describe('Default null: never repaired.'),
  });

const Fault = z.discriminatedUnion('kind', [
  poolFault('nodeFailure').extend({
    target: z
      .enum(['random', 'busiest'])
      .optional()
      .describe(
        "Which nodes fail: 'random' (default: drawn from the pool's up nodes by the seeded fault stream) or 'busiest' (those holding the most of the deployment's GPUs, ties to the earlier node).",
      ),
  }),
  poolFault('gpuFailure'),
  z.strictObject({
    kind: z.literal('capacitySqueeze'),
    pool: text(63),
    count: int(1, SCENARIO_LIMITS.countMax),
    for: PositiveDuration,
  }),
  z.strictObject({
    kind: z.literal('badVersion'),
    model: text(),
    mode: z.enum(['crashOnLoad', 'failHealth', 'crashUnderLoad', 'slowLoad']),
    slowdown: num(1, 1_000).optional().describe('slowLoad: load takes this many times longer (default 10).'),
    crashAfter: PositiveDuration.optional().describe(
      'crashUnderLoad: mean time to crash while serving (default 5m).',
    ),
  }),
  z.strictObject({ kind: z.literal('flakyHealth'), probability: num(0, 1), for: PositiveDuration }),
]);

const Event = z
  .strictObject({
    at: Duration,
    edit: Edit.optional(),
    rollback: z.literal(true).optional(),
    fault: Fault.optional(),
  })
  .superRefine((event, ctx) => {
    const actions = (['edit', 'rollback', 'fault'] as const).filter((key) => event[key] !== undefined);
    if (actions.length === 1) return;
    const got = actions.length === 0 ? 'none' : actions.join(' and ');
    ctx.addIssue({
      code: 'custom',
      message: `an event needs exactly one of edit, rollback or fault; got ${got}`,
    });
  });

// ---------------------------------------------------------------------------------------------
// Expectations

const FinalSpec = z.strictObject({
  name: line().optional(),
  cloud: line().optional(),
  cluster: line().optional(),
  processingType: z.enum(PROCESSING_TYPES).optional(),
  status: z.enum(DEPLOYMENT_STATUSES).optional(),
  warmpool: z.boolean().optional(),
  model: line().optional(),
  accelerator: z.strictObject({ type: line().optional(), count: editInt.optional() }).optional(),
  scaling: z
    .strictObject({
      minInstances: editInt.optional(),
      maxInstances: editInt.optional(),
      metrics: z.array(ScalingMetric).optional(),
    })
    .optional(),
  tags: TagEdits.optional().describe('A null value expects the tag to be absent.'),
});

const Expect = z.strictObject({
  edits: z
    .array(
      z.strictObject({
        outcome: z.enum(['completed', 'rolledBack', 'rejected', 'inProgress']),
        reason: z.enum(FAILURE_REASONS).optional(),
        inPlace: z.boolean().optional().describe('true: applied without restarting any instance.'),
        errors: z
          .array(z.enum(ERROR_CODES))
          .max(ERROR_CODES.length * 4)
          .optional(),
      }),
    )
    .max(SCENARIO_LIMITS.eventsMax)
    .optional()
    .describe('One entry per edit/rollback event, in time order.'),
  maxDowntime: Duration.optional(),
  maxDroppedPercent: num(0, 100).optional(),
  final: FinalSpec.optional().describe('Fields of the final deployment spec (deep partial match).'),
});

// ---------------------------------------------------------------------------------------------
// The file

export const ScenarioFileSchema = z
  .strictObject({
    $schema: z.string().optional(),
    apiVersion: z.literal('rollsim/v1'),
    kind: z.literal('Scenario'),
    metadata: Metadata,
    seed: int(0, Number.MAX_SAFE_INTEGER)
      .optional()
      .describe('Default seed (1 if absent); --seed overrides.'),
    duration: PositiveDuration.describe('Simulated time.'),
    sampleInterval: PositiveDuration.optional().describe('Timeline sampling interval (default 10s).'),
    cluster: Cluster,
    deployment: Deployment.describe('The deployment as it is at t=0.'),
    rollout: Rollout.optional(),
    autoscaler: Autoscaler.optional(),
    traffic: Traffic,
    models: z.array(Model).max(SCENARIO_LIMITS.modelsMax).optional(),
    events: z.array(Event).max(SCENARIO_LIMITS.eventsMax).optional(),
    expect: Expect.optional(),
  })
  .describe('A rollsim scenario: a cluster, a deployment, traffic, and the edits and faults that happen.');

/** The validated file, durations in ms, defaults not yet applied. */
export type ScenarioFile = z.output<typeof ScenarioFileSchema>;

/** JSON Schema of the scenario file, as committed in library/schema.json. */
export function scenarioJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(ScenarioFileSchema, { io: 'input', target: 'draft-7' });
  return { ...generated, title: 'rollsim scenario' };
}
