// The deployment spec as users see it, and the edits they can ask for.

export const PROCESSING_TYPES = ['sync', 'async'] as const;
export type ProcessingType = (typeof PROCESSING_TYPES)[number];

export const DEPLOYMENT_STATUSES = ['deployed', 'pending', 'failed', 'stopped'] as const;
export type DeploymentStatus = (typeof DEPLOYMENT_STATUSES)[number];

export const METRIC_NAMES = ['concurrency', 'rps', 'gpuUtilization', 'latencyP95', 'queueDepth'] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

export const MODEL_TYPES = ['llm', 'stt', 'tts', 'image', 'embedding'] as const;
export type ModelType = (typeof MODEL_TYPES)[number];

/** How a message names a model of each type, article included ("a embedding model" read wrong). */
export const A_MODEL_OF_TYPE: Readonly<Record<ModelType, string>> = {
  llm: 'an LLM',
  stt: 'a speech-to-text (stt) model',
  tts: 'a text-to-speech (tts) model',
  image: 'an image model',
  embedding: 'an embedding model',
};

export interface ScalingMetric {
  readonly metric: MetricName;
  readonly threshold: number;
}

export interface Scaling {
  readonly minInstances: number;
  readonly maxInstances: number;
  readonly metrics: readonly ScalingMetric[];
}

export interface Accelerator {
  /** A GPU id from the catalog, e.g. `H100`. */
  readonly type: string;
  /** GPUs per instance; an instance never straddles nodes. */
  readonly count: number;
}

export interface DeploymentSpec {
  readonly name: string;
  readonly cloud: string;
  readonly cluster: string;
  readonly processingType: ProcessingType;
  readonly status: DeploymentStatus;
  readonly warmpool: boolean;
  readonly model: string;
  readonly accelerator: Accelerator;
  readonly scaling: Scaling;
  readonly tags: Readonly<Record<string, string>>;
}

/** Fields fixed at creation: changing one means creating a new deployment. */
export const LOCKED_FIELDS = ['name', 'cloud', 'cluster', 'processingType'] as const;
export type LockedField = (typeof LOCKED_FIELDS)[number];

/**
 * What a user asks to change. `scaling` and `accelerator` merge field by field, `scaling.metrics`
 * replaces the list, `tags` merge and a `null` value removes a tag. Locked fields may appear (they are
 * rejected when they differ from the current value).
 */
export interface SpecEdit {
  readonly name?: string;
  readonly cloud?: string;
  readonly cluster?: string;
  readonly processingType?: ProcessingType;
  readonly model?: string;
  readonly accelerator?: Partial<Accelerator>;
  readonly scaling?: Partial<Scaling>;
  readonly tags?: Readonly<Record<string, string | null>>;
}

/** Platform limits that validation enforces. */
export interface PlatformLimits {
  /** Largest `maxInstances` a deployment may ask for. */
  readonly maxInstancesLimit: number;
  /** Whether `minInstances: 0` (scale to zero) is allowed; the platform allows it for async only. */
  readonly scaleToZero: 'never' | 'asyncOnly' | 'always';
  /** Largest GPUs per instance (one node). */
  readonly maxGpusPerInstance: number;
}

export const DEFAULT_PLATFORM_LIMITS: PlatformLimits = {
  maxInstancesLimit: 1000,
  scaleToZero: 'asyncOnly',
  maxGpusPerInstance: 8,
};
