// `rollsim merge`: join sweep shards into one result, refusing overlaps and naming missing runs.
// The merged folder looks exactly like an unsharded sweep of the same plan.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { aggregate, type SweepAggregate } from './aggregate.js';
import { writeFileAtomic } from '../reports/atomic.js';
import { planRuns, settingsLabel, shardLabel, type PlannedRun } from './plan.js';
import { writeSweepReports } from './report.js';
import { PLAN_FILE, readRunLog, RUNS_FILE, type RunRecord, type SweepPlanFile } from './store.js';

export type MergeOutcome =
  | {
      readonly kind: 'merged';
      readonly aggregate: SweepAggregate;
      readonly runs: number;
      /** Planned runs no folder holds, named by shard and seed: `shard 2/4 seed 7`. */
      readonly missing: readonly string[];
    }
  | { readonly kind: 'badInput'; readonly messages: readonly string[] };

export async function mergeSweeps(dirs: readonly string[], outDir: string): Promise<MergeOutcome> {
  const messages: string[] = [];
  const plans: SweepPlanFile[] = [];
  for (const dir of dirs) {
    const path = join(dir, PLAN_FILE);
    if (!existsSync(path)) messages.push(`${dir}: not a sweep output folder (no ${PLAN_FILE})`);
    else plans.push(JSON.parse(readFileSync(path, 'utf8')) as SweepPlanFile);
  }
  if (dirs.some((d) => resolve(d) === resolve(outDir)))
    messages.push(`--out ${outDir}: must not be one of the folders being merged`);
  if (existsSync(join(outDir, RUNS_FILE)))
    messages.push(`--out ${outDir}: already holds a sweep; choose an empty folder`);
  if (messages.length > 0) return { kind: 'badInput', messages };
  const base = plans[0];
  if (base === undefined) return { kind: 'badInput', messages: ['merge needs at least one folder'] };
  const identity = (p: SweepPlanFile) => JSON.stringify([p.scenarioSha256, p.seeds, p.seedStart, p.axes]);
  plans.forEach((p, i) => {
    if (identity(p) !== identity(base)) {
      messages.push(`${dirs[i]}: a different sweep (scenario, seeds or --set differ) from ${dirs[0]}`);
    }
  });
  if (messages.length > 0) return { kind: 'badInput', messages };

  const owner = new Map<string, string>();
  const records: RunRecord[] = [];
  for (const dir of dirs) {
    for (const record of readRunLog(join(dir, RUNS_FILE)).records) {
      const seenIn = owner.get(record.key);
      if (seenIn !== undefined) {
        messages.push(
          `run ${record.key} is in both ${seenIn} and ${dir}: shards overlap; merge each shard once`,
        );
        continue;
      }
      owner.set(record.key, dir);
      records.push(record);
    }
  }
  if (messages.length > 0) return { kind: 'badInput', messages: messages.slice(0, 20) };

  const skipped = new Set((base.skipped ?? []).map((s) => s.settings));
  const planned = planRuns(base.axes, base.seeds, base.seedStart).filter(
    (r) => !skipped.has(settingsLabel(r.settings)),
  );
  const order = new Map(planned.map((r) => [r.key, r.index]));
  const missing = planned.filter((r) => !owner.has(r.key)).map(missingName(shardCount(plans)));
  const sorted = records
    .filter((r) => order.has(r.key))
    .sort((a, b) => (order.get(a.key) ?? 0) - (order.get(b.key) ?? 0));
  const merged: SweepPlanFile = { ...base, shard: null, shardRuns: base.totalRuns };
  mkdirSync(outDir, { recursive: true });
  writeFileAtomic(join(outDir, PLAN_FILE), `${JSON.stringify(merged, null, 2)}\n`);
  writeFileAtomic(join(outDir, RUNS_FILE), sorted.map((r) => `${JSON.stringify(r)}\n`).join(''));
  const agg = aggregate(base.scenario, sorted);
  await writeSweepReports(outDir, agg, merged);
  return { kind: 'merged', aggregate: agg, runs: sorted.length, missing };
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
