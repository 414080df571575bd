// The options of rehearse() and plan() as a program passes them (the package API): each problem named by
// its option and what is allowed. The command line checks its flags before it calls either function, so
// these only ever speak to code; rehearse() and plan() throw them as one RehearsalInputError.
import { FAULT_KINDS } from './types.js';

/** The most seeds plan() sweeps (as `rollsim plan --seeds`). */
export const MAX_PLAN_SEEDS = 100_000;
/** The most worker threads (as `--workers`); 0 runs in this thread. */
export const MAX_WORKERS = 256;
/** The highest edit index (0-based; `--edit` counts from 1 up to 100,000). */
const MAX_EDIT_INDEX = 99_999;

type Problems = string[];

function whole(out: Problems, name: string, value: unknown, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    out.push(`${name} must be a whole number from ${min} to ${max}, got ${shown(value)}`);
}

function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined)
    return String(value);
  try {
    const text = JSON.stringify(value);
    return text === undefined ? typeof value : text.length > 80 ? `${text.slice(0, 80)}…` : text;
  } catch {
    return typeof value;
  }
}

/** seed, edit and workers: shared by rehearse() and plan(). */
function commonProblems(
  out: Problems,
  o: { readonly seed?: unknown; readonly edit?: unknown; readonly workers?: unknown },
): void {
  if (o.seed !== undefined) whole(out, 'seed', o.seed, 0, Number.MAX_SAFE_INTEGER);
  if (o.edit !== undefined && o.edit !== null) whole(out, 'edit', o.edit, 0, MAX_EDIT_INDEX);
  if (o.workers !== undefined) whole(out, 'workers', o.workers, 0, MAX_WORKERS);
}

/** What is wrong with rehearse()'s options; empty when nothing is. */
export function rehearseOptionProblems(o: Readonly<Record<string, unknown>>): string[] {
  const out: Problems = [];
  commonProblems(out, o);
  if (o.faults !== undefined) {
    const kinds = FAULT_KINDS as readonly unknown[];
    if (!Array.isArray(o.faults) || o.faults.length === 0 || o.faults.some((f) => !kinds.includes(f)))
      out.push(`faults must be a non-empty list of ${FAULT_KINDS.join(', ')}; got ${shown(o.faults)}`);
  }
  if (o.scenarioFile !== undefined && (typeof o.scenarioFile !== 'string' || o.scenarioFile === ''))
    out.push(`scenarioFile must be a path, got ${shown(o.scenarioFile)}`);
  if (o.logDir !== undefined && o.logDir !== null && (typeof o.logDir !== 'string' || o.logDir === ''))
    out.push(`logDir must be a folder path or null, got ${shown(o.logDir)}`);
  if (o.shard !== undefined && o.shard !== null) {
    const s = o.shard as { index?: unknown; count?: unknown };
    const count = s.count;
    const countOk = typeof count === 'number' && Number.isInteger(count) && count >= 1 && count <= 100_000;
    const index = s.index;
    if (
      typeof s !== 'object' ||
      !countOk ||
      typeof index !== 'number' ||
      !Number.isInteger(index) ||
      index < 0 ||
      index >= count
    )
      out.push(
        `shard must be { index, count } with 1 ≤ count ≤ 100000 and 0 ≤ index < count (index from 0), got ${shown(o.shard)}`,
      );
  }
  return out;
}

/** What is wrong with plan()'s options; empty when nothing is. */
export function planOptionProblems(o: Readonly<Record<string, unknown>>): string[] {
  const out: Problems = [];
  commonProblems(out, o);
  if (o.seeds !== undefined) whole(out, 'seeds', o.seeds, 1, MAX_PLAN_SEEDS);
  if (o.downtimeBudgetMs !== undefined)
    whole(out, 'downtimeBudgetMs', o.downtimeBudgetMs, 0, Number.MAX_SAFE_INTEGER);
  return out;
}
