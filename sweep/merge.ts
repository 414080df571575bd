// `rollsim merge`: join sweep shards into one result, refusing overlaps and naming missing runs.
// The merged folder looks exactly like an unsharded sweep of the same plan.
import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { quoted } from '../scenario/excerpt.js';
import { aggregate, type SweepAggregate } from './aggregate.js';
import { readManifest, recoverFolder, replaceFolderAtomic, writeFileAtomic } from '../reports/atomic.js';
import { packageVersion } from '../reports/package.js';
import { planRuns, settingsLabel, shardLabel, type PlannedRun } from './plan.js';
import { writeSweepReports } from './report.js';
import {
  corruptMessages,
  PLAN_FILE,
  readPlan,
  readRunLog,
  RUNS_FILE,
  type RunRecord,
  type SweepPlanFile,
  versionMismatch,
} from './store.js';

export type MergeOutcome =
  | {
      readonly kind: 'merged';
      readonly aggregate: SweepAggregate;
      readonly runs: number;
      /** Planned runs no folder holds, named by shard and seed: `shard 2/4 seed 7`. */
      readonly missing: readonly string[];
      /** Corrupt lines left out (with --skip-corrupt). */
      readonly skipped: readonly string[];
    }
  | { readonly kind: 'badInput'; readonly messages: readonly string[] };

export interface MergeOptions {
  /** Skip corrupt runs.ndjson lines (reported) instead of refusing the merge. */
  readonly skipCorrupt?: boolean;
}

/**
 * Joins shard folders into `outDir`. Everything read from a shard is checked (plan and every run record
 * against their schemas; shard files are never modified); the merged folder is written whole or not at
 * all (reports/atomic.ts), so a failed or killed merge leaves `outDir` as it was and can be retried.
 */
export async function mergeSweeps(
  dirs: readonly string[],
  outDir: string,
  options: MergeOptions = {},
): Promise<MergeOutcome> {
  const messages: string[] = [];
  const plans: SweepPlanFile[] = [];
  // A folder left aside by a killed swap (reports/atomic.ts) comes back before anything is read.
  for (const dir of [...dirs, outDir]) recoverFolder(dir);
  for (const dir of dirs) {
    const path = join(dir, PLAN_FILE);
    if (!existsSync(path)) {
      messages.push(`${dir}: not a sweep output folder (no ${PLAN_FILE})`);
      continue;
    }
    const read = readPlan(path);
    if (read.ok) plans.push(read.plan);
    else messages.push(read.message);
  }
  if (dirs.some((d) => resolve(d) === resolve(outDir)))
    messages.push(`--out ${outDir}: must not be one of the folders being merged`);
  const previous = readManifest(outDir);
  if (existsSync(join(outDir, RUNS_FILE)) && previous?.kind !== 'merge')
    messages.push(`--out ${outDir}: holds a sweep that merge did not write; choose another folder`);
  if (messages.length > 0) return { kind: 'badInput', messages };
  const base = plans[0];
  if (base === undefined) return { kind: 'badInput', messages: ['merge needs at least one folder'] };
  plans.forEach((p, i) => {
    const mismatch = versionMismatch(join(dirs[i]!, PLAN_FILE), p, packageVersion());
    if (mismatch !== null) messages.push(mismatch);
  });
  if (messages.length > 0) return { kind: 'badInput', messages };
  const identity = (p: SweepPlanFile) =>
    JSON.stringify([p.scenarioSha256, p.inputs ?? {}, p.seeds, p.seedStart, p.axes]);
  plans.forEach((p, i) => {
    if (identity(p) !== identity(base)) {
      messages.push(
        `${dirs[i]}: a different sweep (scenario, its trace files, seeds or --set differ) from ${dirs[0]}`,
      );
    }
  });
  if (messages.length > 0) return { kind: 'badInput', messages };

  // The plan's runs, less those of the combinations the sweep skipped (refused by the scenario).
  const skippedCombos = new Set((base.skipped ?? []).map((c) => c.settings));
  const planned = planRuns(base.axes, base.seeds, base.seedStart).filter(
    (r) => !skippedCombos.has(settingsLabel(r.settings)),
  );
  const order = new Map(planned.map((r) => [r.key, r.index]));
  const owner = new Map<string, string>();
  const records: RunRecord[] = [];
  const skipped: string[] = [];
  for (const dir of dirs) {
    const path = join(dir, RUNS_FILE);
    // Every record must have run this plan's scenario and traces (not a line from another sweep).
    const read = readRunLog(path, { identity: base });
    if (read.corrupt.length > 0) {
      if (options.skipCorrupt !== true) {
        return {
          kind: 'badInput',
          messages: [
            ...corruptMessages(path, read.corrupt),
            `${path}: corrupt lines; fix the shard, or merge with --skip-corrupt to leave them out`,
          ],
        };
      }
      skipped.push(...corruptMessages(path, read.corrupt));
    }
    for (const record of read.records) {
      if (!order.has(record.key)) {
        return {
          kind: 'badInput',
          messages: [`${path}: run ${quoted(record.key)} is not in the plan; it is from another sweep`],
        };
      }
      const seenIn = owner.get(record.key);
      if (seenIn !== undefined) {
        messages.push(
          `run ${quoted(record.key)} is in both ${seenIn} and ${dir}: shards overlap; merge each shard once`,
        );
        continue;
      }
      owner.set(record.key, dir);
      records.push(record);
    }
  }
  if (messages.length > 0) return { kind: 'badInput', messages: messages.slice(0, 20) };

  const missing = planned.filter((r) => !owner.has(r.key)).map(missingName(shardCount(plans)));
  const sorted = records.sort((a, b) => (order.get(a.key) ?? 0) - (order.get(b.key) ?? 0));
  const merged: SweepPlanFile = { ...base, shard: null, shardRuns: base.totalRuns };
  const agg = aggregate(base.scenario, sorted);
  await replaceFolderAtomic(outDir, 'merge', async (dir) => {
    writeFileAtomic(join(dir, PLAN_FILE), `${JSON.stringify(merged, null, 2)}\n`);
    writeFileAtomic(join(dir, RUNS_FILE), sorted.map((r) => `${JSON.stringify(r)}\n`).join(''));
    const reports = await writeSweepReports(dir, agg, merged);
    return [PLAN_FILE, RUNS_FILE, ...reports.map((f) => basename(f))];
  });
  return { kind: 'merged', aggregate: agg, runs: sorted.length, missing, skipped };
}

/** The shard count the folders were made with, when they agree on one; else null. */
function shardCount(plans: readonly SweepPlanFile[]): number | null {
  const counts = new Set(plans.map((p) => p.shard?.count ?? null));
  const [only] = counts;
  return counts.size === 1 && only !== undefined ? only : null;
}

/** `shard 2/4 seed 7` (shards counted from 1, as --shard takes them), with the settings of a grid. */
function missingName(count: number | null): (run: PlannedRun) => string {
  return (run) => {
    const shard = count === null ? '' : `shard ${shardLabel({ index: run.index % count, count })} `;
    const settings = Object.keys(run.settings).length === 0 ? '' : ` (${settingsLabel(run.settings)})`;
    return `${shard}seed ${run.seed}${settings}`;
  };
}
