// The run list of a sweep: every combination of --set values × every seed, in a fixed order, split
// into shards deterministically. Pure: the same flags give the same plan on every machine.
import { excerpt } from '../scenario/excerpt.js';

/** One `--set path=v1,v2` flag: a dotted path into the scenario file and the values to try. */
export interface GridAxis {
  readonly path: string;
  readonly values: readonly (string | number | boolean)[];
}

export interface PlannedRun {
  /** Stable identity across shards and resumes: `<settings JSON>#<seed>`. */
  readonly key: string;
  readonly index: number;
  readonly seed: number;
  readonly settings: Readonly<Record<string, string | number | boolean>>;
}

export interface Shard {
  readonly index: number;
  readonly count: number;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; message: string };

/** A list index in a --set path must be below this (the schema's longest list, events). */
export const SET_INDEX_MAX = 10_000;

const PATH_RE = /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z0-9]+)*$/;

/** Parses `rollout.maxSurge=0,1,"25%"`: numbers and booleans become typed values, the rest strings. */
export function parseSetFlag(flag: string): ParseResult<GridAxis> {
  const eq = flag.indexOf('=');
  if (eq <= 0)
    return {
      ok: false,
      message: `--set ${excerpt(flag)}: expected PATH=VALUE[,VALUE...], e.g. rollout.maxSurge=0,1,2`,
    };
  const path = flag.slice(0, eq).trim();
  const index = path.split('.').find((p) => /^\d+$/.test(p) && Number(p) >= SET_INDEX_MAX);
  if (index !== undefined) {
    return {
      ok: false,
      message: `--set ${excerpt(flag)}: list index ${excerpt(index)} is too large (at most ${SET_INDEX_MAX - 1}; lists in a scenario hold at most ${SET_INDEX_MAX} entries)`,
    };
  }
  const values = flag
    .slice(eq + 1)
    .split(',')
    .map((v) => v.trim())
    .map(typedValue);
  const problem = gridAxisProblem({ path, values });
  return problem === null
    ? { ok: true, value: { path, values } }
    : { ok: false, message: `--set ${excerpt(flag)}: ${problem}` };
}

/**
 * What is wrong with a grid axis (from `--set` or the library API), or null: the path must be a dotted
 * field path with no prototype keys; the values non-empty, distinct, and strings, finite numbers or booleans.
 */
export function gridAxisProblem(axis: GridAxis): string | null {
  const { path, values } = axis;
  if (typeof path !== 'string' || !PATH_RE.test(path)) {
    // A list index in brackets, as in JavaScript or jq: say how it is written here.
    const dotted = typeof path === 'string' ? path.replace(/\[(\d+)\]/g, '.$1') : '';
    const hint =
      dotted !== path && PATH_RE.test(dotted) ? `; a list index is a path segment: ${excerpt(dotted)}` : '';
    return `"${excerpt(String(path))}" is not a dotted field path like rollout.maxSurge${hint}`;
  }
  if (path.split('.').some((p) => p === '__proto__' || p === 'constructor' || p === 'prototype'))
    return `"${excerpt(path)}" is not allowed`;
  if (!Array.isArray(values) || values.length === 0 || values.some((v) => v === ''))
    return 'empty value in the list';
  const ok = (v: unknown): boolean =>
    typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
  if (!values.every(ok)) return 'values must be strings, finite numbers or booleans';
  if (new Set(values.map((v) => JSON.stringify(v))).size !== values.length) return 'a value is listed twice';
  return null;
}

function typedValue(v: string): string | number | boolean {
  if (v === 'true' || v === 'false') return v === 'true';
  if (/^-?\d+(\.\d+)?$/.test(v)) return Number(v);
  return v.replace(/^"(.*)"$/, '$1');
}

/**
 * Parses `I/N` for --shard, counting shards 1..N as Vitest, Jest and Playwright do. The Shard it returns
 * is 0-based inside (`index` 0..N−1), like JOB_COMPLETION_INDEX.
 */
export function parseShard(text: string): ParseResult<Shard> {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (m === null)
    return {
      ok: false,
      message: `--shard ${excerpt(text)}: expected I/N with 1 ≤ I ≤ N, e.g. 1/4 (shards count from 1)`,
    };
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index < 1 || index > count)
    return {
      ok: false,
      message: `--shard ${excerpt(text)}: need 1 ≤ I ≤ N (shards count from 1, like Vitest and Jest)`,
    };
  return { ok: true, value: { index: index - 1, count } };
}

/** `2/4`: a shard as users name it (counted from 1). */
export function shardLabel(shard: Shard): string {
  return `${shard.index + 1}/${shard.count}`;
}

/** Every combination of the axes, in axis order (the last axis varies fastest). */
export function combinations(axes: readonly GridAxis[]): Record<string, string | number | boolean>[] {
  let combos: Record<string, string | number | boolean>[] = [{}];
  for (const axis of axes) {
    const next: Record<string, string | number | boolean>[] = [];
    for (const combo of combos) for (const v of axis.values) next.push({ ...combo, [axis.path]: v });
    combos = next;
  }
  return combos;
}

export function runKey(settings: Readonly<Record<string, unknown>>, seed: number): string {
  return `${settingsLabel(settings)}#${seed}`;
}

/** A stable label for a settings combination: `{}` or `rollout.maxSurge=1,rollout.maxUnavailable=0`. */
export function settingsLabel(settings: Readonly<Record<string, unknown>>): string {
  const keys = Object.keys(settings).sort();
  return keys.length === 0 ? '{}' : keys.map((k) => `${k}=${String(settings[k])}`).join(',');
}

/** All runs: combinations × seeds (seedStart .. seedStart + seeds − 1), combination-major. */
export function planRuns(axes: readonly GridAxis[], seeds: number, seedStart: number): PlannedRun[] {
  const runs: PlannedRun[] = [];
  for (const settings of combinations(axes)) {
    for (let s = 0; s < seeds; s++) {
      const seed = seedStart + s;
      runs.push({ key: runKey(settings, seed), index: runs.length, seed, settings });
    }
  }
  return runs;
}

/** Round-robin split, so each shard gets a similar mix of settings. */
export function shardRuns(runs: readonly PlannedRun[], shard: Shard): PlannedRun[] {
  return runs.filter((r) => r.index % shard.count === shard.index);
}
