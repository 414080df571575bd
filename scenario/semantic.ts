// Checks a schema cannot express: cross-references (pools, models, the cluster), times within the
// run, and whether the deployment can exist at t=0. Pure: file access arrives as a callback.
import {
  BUILTIN_CATALOG,
  extendCatalog,
  modelFits,
  smallestFits,
  TENSOR_PARALLEL_SIZES,
  type ModelRecord,
} from '../catalog/catalog.js';
import { A_MODEL_OF_TYPE, DEFAULT_PLATFORM_LIMITS } from '../catalog/spec.js';
import { llmArchOf } from '../physics/hardware.js';
import { TYPICAL_INPUT_TOKENS, TYPICAL_OUTPUT_TOKENS } from '../physics/perf.js';
import { formatScenarioDurationMs, SCENARIO_LIMITS, type ScenarioFile } from './schema.js';

export type IssuePath = readonly (string | number)[];

export interface SemanticIssue {
  readonly path: IssuePath;
  readonly message: string;
}

/** The shortest context among the LLMs a scenario serves: no trace row may ask for more. */
export interface ContextLimit {
  readonly model: string;
  readonly tokens: number;
}

export interface SemanticContext {
  /**
   * Checks a traffic trace file (resolved by the caller); returns what is wrong, or null. `context` is the
   * shortest context of the models the scenario serves (null when none is a known LLM).
   */
  readonly checkTrace: (trace: TraceSection, context: ContextLimit | null) => string | null;
}

type Section<K extends keyof ScenarioFile> = NonNullable<ScenarioFile[K]>;
type Pool = Section<'cluster'>['pools'][number];
type TraceSection = Extract<Section<'traffic'>, { profile: 'trace' }>['trace'];

/** Edit distance, for "did you mean" hints. */
export function levenshtein(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}

/**
 * `; did you mean "x"?` when a candidate is close, case-insensitively: the one the word spells in another
 * case; else one to three candidates the word begins (2+ characters: "A100" gives "A100-40GB" or
 * "A100-80GB", where the nearest by edit distance would be "A10G"); else the nearest within a third of
 * its length.
 */
export function didYouMean(word: string, candidates: readonly string[]): string {
  if (word.length > 100 || candidates.includes(word)) return '';
  const lower = word.toLowerCase();
  const quoted = (xs: readonly string[]): string =>
    xs.length === 1
      ? `"${xs[0]}"`
      : `${xs
          .slice(0, -1)
          .map((x) => `"${x}"`)
          .join(', ')} or "${xs.at(-1)}"`;
  const same = candidates.find((c) => c.toLowerCase() === lower);
  if (same !== undefined) return `; did you mean "${same}"?`;
  if (lower.length >= 2) {
    const starts = candidates.filter((c) => c.length > word.length && c.toLowerCase().startsWith(lower));
    if (starts.length > 0 && starts.length <= 3) return `; did you mean ${quoted(starts)}?`;
  }
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = levenshtein(lower, c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  const limit = Math.max(1, Math.floor(Math.max(word.length, 3) / 3));
  return best !== null && bestDistance <= limit && best !== word ? `; did you mean "${best}"?` : '';
}

const list = (xs: readonly string[]): string => xs.map((x) => `"${x}"`).join(', ');

type SectionName = keyof ScenarioFile;

/**
 * The checks, each with the sections of the file it reads. When the schema refused some sections, the
 * checks that read only valid ones still run, so one pass reports schema, meaning and catalog problems
 * together (`sections`: the top-level sections that passed the schema; all of them when absent).
 */
export function semanticIssues(
  file: ScenarioFile,
  ctx: SemanticContext,
  sections?: ReadonlySet<string>,
): SemanticIssue[] {
  const has = (...need: SectionName[]): boolean =>
    sections === undefined || need.every((s) => sections.has(s));
  const models = has('models')
    ? extendCatalog(BUILTIN_CATALOG, (file.models ?? []) as unknown as ModelRecord[]).models
    : BUILTIN_CATALOG.models;
  return [
    ...(has('cluster', 'duration') ? clusterIssues(file) : []),
    ...(has('deployment', 'models') ? modelRefIssues(file, models) : []),
    ...(has('deployment', 'cluster', 'models') ? deploymentIssues(file, models) : []),
    ...(has('rollout') ? rolloutIssues(file) : []),
    ...(has('traffic', 'duration') ? trafficIssues(file, ctx, shortestContext(file, models)) : []),
    ...(has('models') ? modelIssues(file) : []),
    ...(has('events', 'duration', 'cluster', 'models') ? eventIssues(file, Object.keys(models)) : []),
    ...(has('events', 'duration') && !has('cluster', 'models') ? eventTimeIssues(file) : []),
    ...(has('expect', 'events') ? expectIssues(file) : []),
    ...(has('sampleInterval', 'duration') ? sampleIssues(file) : []),
  ];
}

function modelRefIssues(file: ScenarioFile, models: Readonly<Record<string, ModelRecord>>): SemanticIssue[] {
  const d = file.deployment;
  if (models[d.model] !== undefined) return [];
  const ids = Object.keys(models);
  const message = `unknown model "${d.model}"; known: ${ids.join(', ')} (or add it under models:)${didYouMean(d.model, ids)}`;
  return [{ path: ['deployment', 'model'], message }];
}

/** Event times alone, when the cluster or models sections are invalid and the full event check cannot run. */
function eventTimeIssues(file: ScenarioFile): SemanticIssue[] {
  const out: SemanticIssue[] = [];
  (file.events ?? []).forEach((e, i) => withinRun(file, e.at, ['events', i, 'at'], out));
  return out;
}

function poolGpusMax(pool: Pool): number {
  return Math.max(pool.nodes, pool.maxNodes ?? pool.nodes) * pool.gpusPerNode;
}

function findPool(file: ScenarioFile, name: string, path: IssuePath, out: SemanticIssue[]): Pool | undefined {
  const pool = file.cluster.pools.find((p) => p.name === name);
  if (pool !== undefined) return pool;
  const names = file.cluster.pools.map((p) => p.name);
  out.push({
    path,
    message: `no pool "${name}" in the cluster (pools: ${list(names)})${didYouMean(name, names)}`,
  });
  return undefined;
}

function withinRun(file: ScenarioFile, atMs: number, path: IssuePath, out: SemanticIssue[]): void {
  if (atMs >= file.duration) {
    const at = formatScenarioDurationMs(atMs);
    out.push({
      path,
      message: `${at} is not before the end of the run (duration ${formatScenarioDurationMs(file.duration)})`,
    });
  }
}

function increasing(times: readonly number[], path: (i: number) => IssuePath, out: SemanticIssue[]): void {
  for (let i = 1; i < times.length; i++) {
    if ((times[i] ?? 0) <= (times[i - 1] ?? 0)) {
      out.push({ path: path(i), message: `times must increase: this entry is not after the one before it` });
    }
  }
}

function clusterIssues(file: ScenarioFile): SemanticIssue[] {
  const out: SemanticIssue[] = [];
  const seen = new Map<string, number>();
  file.cluster.pools.forEach((p, i) => {
    const first = seen.get(p.name);
    if (first !== undefined) {
      out.push({
        path: ['cluster', 'pools', i, 'name'],
        message: `duplicate pool name "${p.name}" (also pools[${first}])`,
      });
    } else seen.set(p.name, i);
    if (p.maxNodes !== undefined && p.maxNodes < p.nodes) {
      out.push({ path: ['cluster', 'pools', i, 'maxNodes'], message: `must be at least nodes (${p.nodes})` });
    }
  });
  (file.cluster.tenants ?? []).forEach((t, i) => {
    const base = ['cluster', 'tenants', i] as const;
    const pool = findPool(file, t.pool, [...base, 'pool'], out);
    increasing(
      t.gpus.map((g) => g.at),
      (j) => [...base, 'gpus', j, 'at'],
      out,
    );
    t.gpus.forEach((g, j) => {
      withinRun(file, g.at, [...base, 'gpus', j, 'at'], out);
      if (pool !== undefined && g.count > poolGpusMax(pool)) {
        const message = `${g.count} GPUs is more than pool "${pool.name}" has (${poolGpusMax(pool)})`;
        out.push({ path: [...base, 'gpus', j, 'count'], message });
      }
    });
  });
  return out;
}

function deploymentIssues(
  file: ScenarioFile,
  models: Readonly<Record<string, ModelRecord>>,
): SemanticIssue[] {
  const out: SemanticIssue[] = [];
  const d = file.deployment;
  const at = (...p: (string | number)[]): IssuePath => ['deployment', ...p];
  if (d.cloud !== file.cluster.cloud) {
    out.push({
      path: at('cloud'),
      message: `must be the cluster's cloud "${file.cluster.cloud}", got "${d.cloud}"`,
    });
  }
  if (d.cluster !== file.cluster.name) {
    out.push({
      path: at('cluster'),
      message: `must be the cluster's name "${file.cluster.name}", got "${d.cluster}"`,
    });
  }
  const model = models[d.model];
  out.push(...acceleratorIssues(file, model));
  out.push(...scalingIssues(file));
  if (Object.keys(d.tags ?? {}).length > SCENARIO_LIMITS.tagsMax) {
    out.push({ path: at('tags'), message: `at most ${SCENARIO_LIMITS.tagsMax} tags` });
  }
  return out;
}

function acceleratorIssues(file: ScenarioFile, model: ModelRecord | undefined): SemanticIssue[] {
  const { type, count } = file.deployment.accelerator;
  const tpSizes: readonly number[] = TENSOR_PARALLEL_SIZES;
  if (!tpSizes.includes(count)) {
    // The rule edits are held to (engine/validate.ts), so a starting spec an edit could not reach is refused.
    const allowed = tpSizes.filter((n) => n <= DEFAULT_PLATFORM_LIMITS.maxGpusPerInstance).join(', ');
    const message = `GPUs per instance must be one of ${allowed} (tensor-parallel sizes within one node); got ${count}`;
    return [{ path: ['deployment', 'accelerator', 'count'], message }];
  }
  const pools = file.cluster.pools.filter((p) => p.gpu === type);
  if (pools.length === 0) {
    const have = file.cluster.pools.map((p) => `${p.name} (${p.gpu})`).join(', ');
    return [
      { path: ['deployment', 'accelerator', 'type'], message: `no pool has ${type} GPUs (pools: ${have})` },
    ];
  }
  const perNodeMax = Math.max(...pools.map((p) => p.gpusPerNode));
  if (count > perNodeMax) {
    const message = `${count} GPUs per instance, but ${type} nodes have at most ${perNodeMax} (an instance never straddles nodes)`;
    return [{ path: ['deployment', 'accelerator', 'count'], message }];
  }
  const gpu = BUILTIN_CATALOG.gpus[type];
  if (model === undefined || gpu === undefined || modelFits(model, gpu, count)) return [];
  const fits = smallestFits(model, BUILTIN_CATALOG, DEFAULT_PLATFORM_LIMITS.maxGpusPerInstance)
    .map((f) => `${f.count}×${f.gpu}`)
    .join(', ');
  const usable = (0.9 * gpu.memoryGB * count).toFixed(1);
  const message = `${model.id} needs ${model.memoryGB} GB but ${count}×${type} gives ${usable} GB usable; it fits ${fits || 'no accelerator in the catalog'}`;
  return [{ path: ['deployment', 'accelerator'], message }];
}

function scalingIssues(file: ScenarioFile): SemanticIssue[] {
  const out: SemanticIssue[] = [];
  const d = file.deployment;
  const at = (...p: (string | number)[]): IssuePath => ['deployment', 'scaling', ...p];
  const { minInstances, maxInstances } = d.scaling;
  if (minInstances > maxInstances) {
    out.push({
      path: at('minInstances'),
      message: `must be at most maxInstances (${maxInstances}), got ${minInstances}`,
    });
  }
  if (minInstances === 0 && (d.processingType ?? 'sync') === 'sync') {
    out.push({
      path: at('minInstances'),
      message: 'must be at least 1: only async deployments may scale to zero',
    });
  }
  const seen = new Set<string>();
  (d.scaling.metrics ?? []).forEach((m, i) => {
    if (seen.has(m.metric))
      out.push({ path: at('metrics', i, 'metric'), message: `duplicate metric "${m.metric}"` });
    seen.add(m.metric);
  });
  const startsServing = (d.status ?? 'deployed') === 'deployed';
  const room = startsServing ? initialRoom(file) : null;
  if (room !== null && minInstances > room.instances) {
    const need = minInstances * d.accelerator.count;
    const message = `${minInstances} instances × ${d.accelerator.count} ${d.accelerator.type} = ${need} GPUs do not fit at t=0: ${room.detail}`;
    out.push({ path: at('minInstances'), message });
  }
  return out;
}

/** Most instances of the deployment's accelerator the cluster could hold at t=0 (an upper bound). */
function initialRoom(file: ScenarioFile): { instances: number; detail: string } | null {
  const { type, count } = file.deployment.accelerator;
  let instances = 0;
  let free = 0;
  for (const pool of file.cluster.pools.filter((p) => p.gpu === type)) {
    const tenant = (file.cluster.tenants ?? [])
      .filter((t) => t.pool === pool.name)
      .reduce((sum, t) => sum + (t.gpus.find((g) => g.at === 0)?.count ?? 0), 0);
    const poolFree = Math.max(0, pool.nodes * pool.gpusPerNode - tenant);
    free += poolFree;
    instances += Math.min(pool.nodes * Math.floor(pool.gpusPerNode / count), Math.floor(poolFree / count));
  }
  return {
    instances,
    detail: `the ${type} pools have ${free} GPUs not held by other tenants (room for ${instances})`,
  };
}

function rolloutIssues(file: ScenarioFile): SemanticIssue[] {
  const r = file.rollout;
  if (r === undefined) return [];
  const out: SemanticIssue[] = [];
  const zero = (v: number | string | undefined, fallback: number): boolean =>
    v === undefined ? fallback === 0 : typeof v === 'number' ? v === 0 : parseFloat(v) === 0;
  if (zero(r.maxSurge, 1) && zero(r.maxUnavailable, 0)) {
    const message =
      'maxSurge and maxUnavailable cannot both be 0: the rollout could never replace an instance';
    out.push({ path: ['rollout', r.maxUnavailable === undefined ? 'maxSurge' : 'maxUnavailable'], message });
  }
  if (typeof r.maxUnavailable === 'string' && parseFloat(r.maxUnavailable) > 100) {
    out.push({
      path: ['rollout', 'maxUnavailable'],
      message: `must be at most "100%", got "${r.maxUnavailable}"`,
    });
  }
  return out;
}

/**
 * The deployment's model and every edit's, those whose transformer shape physics/ knows: the shortest
 * context among them (vLLM refuses a longer request with a 400 whichever revision serves it).
 */
function shortestContext(
  file: ScenarioFile,
  models: Readonly<Record<string, ModelRecord>>,
): ContextLimit | null {
  const served = [file.deployment?.model, ...(file.events ?? []).map((e) => e.edit?.model)];
  let best: ContextLimit | null = null;
  for (const id of served) {
    const model = id === undefined ? undefined : models[id];
    const arch = model === undefined ? undefined : llmArchOf(model);
    if (model !== undefined && arch !== undefined && (best === null || arch.contextTokens < best.tokens))
      best = { model: model.id, tokens: arch.contextTokens };
  }
  return best;
}

function trafficIssues(
  file: ScenarioFile,
  ctx: SemanticContext,
  context: ContextLimit | null,
): SemanticIssue[] {
  const out: SemanticIssue[] = [];
  const t = file.traffic;
  if (t.profile === 'steps') {
    increasing(
      t.steps.map((s) => s.at),
      (i) => ['traffic', 'steps', i, 'at'],
      out,
    );
    t.steps.forEach((s, i) => withinRun(file, s.at, ['traffic', 'steps', i, 'at'], out));
  } else if (t.profile === 'diurnal') {
    const { baseRps, peakRps } = t.diurnal;
    if (peakRps < baseRps) {
      out.push({
        path: ['traffic', 'diurnal', 'peakRps'],
        message: `must be at least baseRps (${baseRps}), got ${peakRps}`,
      });
    }
  } else if (t.profile === 'trace') {
    const problem = ctx.checkTrace(t.trace, context);
    if (problem !== null) out.push({ path: ['traffic', 'trace', 'file'], message: problem });
  }
  return out;
}

function modelIssues(file: ScenarioFile): SemanticIssue[] {
  const out: SemanticIssue[] = [];
  const seen = new Map<string, number>();
  (file.models ?? []).forEach((m, i) => {
    const first = seen.get(m.id);
    if (first !== undefined)
      out.push({
        path: ['models', i, 'id'],
        message: `duplicate model id "${m.id}" (also models[${first}])`,
      });
    else seen.set(m.id, i);
    if (m.memoryGB < m.weightsGB) {
      out.push({
        path: ['models', i, 'memoryGB'],
        message: `must be at least weightsGB (${m.weightsGB}): it includes the weights`,
      });
    }
    if (m.architecture !== undefined && m.type !== 'llm') {
      out.push({
        path: ['models', i, 'architecture'],
        message: `applies to LLMs only (type llm); ${A_MODEL_OF_TYPE[m.type]} serves in fixed batches from serviceSeconds and concurrencyPerInstance`,
      });
    }
    const a = m.architecture;
    if (a !== undefined && typeof a === 'object') {
      const at = (field: string): IssuePath => ['models', i, 'architecture', field];
      if (a.kvHeads > a.queryHeads)
        out.push({
          path: at('kvHeads'),
          message: `must be at most queryHeads (${a.queryHeads}), got ${a.kvHeads}`,
        });
      if (a.kvLayers !== undefined && a.kvLayers > a.layers)
        out.push({
          path: at('kvLayers'),
          message: `must be at most layers (${a.layers}), got ${a.kvLayers}`,
        });
      // Requests without token counts take the typical lengths; a trace's own counts are checked row by row.
      const t = file.traffic;
      const tokensFromTrace = t?.profile === 'trace' && t.trace.outputTokensColumn !== undefined;
      const typical = TYPICAL_INPUT_TOKENS + TYPICAL_OUTPUT_TOKENS;
      if (!tokensFromTrace && a.contextTokens < typical)
        out.push({
          path: at('contextTokens'),
          message: `must hold a typical request (${TYPICAL_INPUT_TOKENS} prompt + ${TYPICAL_OUTPUT_TOKENS} output = ${typical} tokens, which requests without token counts take; vLLM refuses longer ones), got ${a.contextTokens}`,
        });
    }
  });
  return out;
}

function eventIssues(file: ScenarioFile, modelIds: readonly string[]): SemanticIssue[] {
  const out: SemanticIssue[] = [];
  (file.events ?? []).forEach((e, i) => {
    withinRun(file, e.at, ['events', i, 'at'], out);
    const f = e.fault;
    if (f === undefined) return;
    const at = (...p: string[]): IssuePath => ['events', i, 'fault', ...p];
    if (f.kind === 'badVersion') {
      if (!modelIds.includes(f.model)) {
        out.push({
          path: at('model'),
          message: `unknown model "${f.model}"${didYouMean(f.model, modelIds)}`,
        });
      }
      return;
    }
    if (f.kind === 'flakyHealth') return;
    const pool = findPool(file, f.pool, at('pool'), out);
    if (pool === undefined) return;
    const count = f.count ?? 1;
    const [limit, unit] =
      f.kind === 'nodeFailure'
        ? [Math.max(pool.nodes, pool.maxNodes ?? 0), 'nodes']
        : [poolGpusMax(pool), 'GPUs'];
    if (count > limit)
      out.push({
        path: at('count'),
        message: `pool "${pool.name}" has at most ${limit} ${unit}, got ${count}`,
      });
  });
  return out;
}

function expectIssues(file: ScenarioFile): SemanticIssue[] {
  const x = file.expect;
  if (x === undefined) return [];
  const out: SemanticIssue[] = [];
  const actions = (file.events ?? []).filter((e) => e.edit !== undefined || e.rollback !== undefined).length;
  if (x.edits !== undefined && x.edits.length !== actions) {
    const entries = x.edits.length === 1 ? '1 entry' : `${x.edits.length} entries`;
    const events = actions === 1 ? '1 edit or rollback event' : `${actions} edit or rollback events`;
    const message = `has ${entries} but the scenario has ${events} (one entry per event, in time order)`;
    out.push({ path: ['expect', 'edits'], message });
  }
  (x.edits ?? []).forEach((e, i) => {
    if (e.reason !== undefined && e.outcome !== 'rolledBack') {
      out.push({
        path: ['expect', 'edits', i, 'reason'],
        message: `a reason goes with outcome rolledBack, not ${e.outcome}`,
      });
    }
    if (e.errors !== undefined && e.outcome !== 'rejected') {
      out.push({
        path: ['expect', 'edits', i, 'errors'],
        message: `errors go with outcome rejected, not ${e.outcome}`,
      });
    }
  });
  return out;
}

function sampleIssues(file: ScenarioFile): SemanticIssue[] {
  const interval = file.sampleInterval;
  if (interval === undefined) return [];
  if (interval > file.duration) {
    return [
      {
        path: ['sampleInterval'],
        message: `must be at most the duration (${formatScenarioDurationMs(file.duration)})`,
      },
    ];
  }
  if (file.duration / interval > SCENARIO_LIMITS.timelineSamplesMax) {
    const message = `gives more than ${SCENARIO_LIMITS.timelineSamplesMax} timeline samples; use a longer interval`;
    return [{ path: ['sampleInterval'], message }];
  }
  return [];
}
