// `rollsim sweep SCENARIO --seeds N`: the scenario over many seeds (× a grid of --set values) on a
// worker pool, resumable, shardable across machines, with distribution reports.
import path from 'node:path';
import type { Argv } from 'yargs';
import { parseSetFlag, parseShard, type GridAxis, type Shard } from '../../sweep/plan.js';
import { defaultWorkers, runSweep } from '../../sweep/run.js';
import { sweepMarkdown } from '../../sweep/report.js';
import {
  ALLOW_LARGE_OPTION,
  DATA_ROOT_OPTION,
  parseDataRoots,
  parsePath,
  rawDataRoots,
  runLimits,
  single,
  wholeNumber,
} from '../flags.js';
import { checkOutputDir, displayPath, EXIT, UsageError, type CliIo } from '../io.js';
import { countOf } from '../../reports/format.js';

export const command = 'sweep <scenario>';
export const describe =
  'Run a scenario over many seeds (and settings) in parallel and report the distributions';

export interface SweepCliOptions {
  readonly scenario: string;
  readonly seeds: number;
  readonly seedStart: number;
  readonly workers: number;
  readonly shard: Shard | null;
  readonly axes: readonly GridAxis[];
  readonly out: string;
  readonly dataRoots: readonly string[];
  readonly allowLarge: boolean;
  readonly skipCorrupt: boolean;
}

export function builder(y: Argv): Argv {
  return y
    .positional('scenario', { type: 'string', describe: 'Scenario file (YAML or JSON)' })
    .option('seeds', { type: 'string', describe: 'How many seeds to run', demandOption: true })
    .option('seed-start', { type: 'string', describe: 'First seed (default 1)' })
    .option('workers', {
      type: 'string',
      describe: `Worker threads (default: available cores, here ${defaultWorkers()})`,
    })
    .option('shard', {
      type: 'string',
      describe: 'Run only shard I of N, counted from 1 like Vitest and Jest: 1/4 … 4/4',
    })
    .option('shards', {
      type: 'string',
      describe:
        'Split into N shards and take this one from $JOB_COMPLETION_INDEX, 0-based as Kubernetes sets it (0 … N-1)',
    })
    .option('set', { type: 'string', array: true, describe: 'Grid axis PATH=V1,V2,... (repeatable)' })
    .option('out', {
      type: 'string',
      describe: 'Output folder (runs.ndjson, sweep.json, sweep.md, sweep.html)',
      demandOption: true,
    })
    .option('data-root', DATA_ROOT_OPTION)
    .option('allow-large', ALLOW_LARGE_OPTION)
    .option('skip-corrupt', {
      type: 'boolean',
      default: false,
      describe: 'On resume, skip corrupt runs.ndjson lines (their runs run again) instead of refusing',
    })
    .example('$0 sweep library/default.yaml --seeds 200 --out out/sweep', '200 seeds on all cores')
    .example(
      '$0 sweep library/default.yaml --seeds 100 --set rollout.maxSurge=0,1,2 --set rollout.maxUnavailable=0,1 --out out/grid',
      'Compare 6 rollout strategies on the same 100 seeds',
    )
    .example(
      '$0 sweep x.yaml --seeds 1000 --shard 2/8 --out out/s2',
      'One of 8 shards; join them with rollsim merge',
    )
    .check(check);
}

export function check(argv: Record<string, unknown>): true {
  toSweepOptions(argv);
  return true;
}

export function toSweepOptions(
  argv: Record<string, unknown>,
  env: NodeJS.ProcessEnv = process.env,
): SweepCliOptions {
  const scenario = parsePath(argv.scenario, 'SCENARIO');
  if (scenario === undefined) throw new UsageError('sweep needs a SCENARIO file');
  const seeds = wholeNumber(argv.seeds, '--seeds', 1, 10_000_000);
  if (seeds === undefined) throw new UsageError('--seeds is required');
  const seedStart =
    wholeNumber(argv['seed-start'] ?? argv.seedStart, '--seed-start', 0, Number.MAX_SAFE_INTEGER - seeds) ??
    1;
  const workers = wholeNumber(argv.workers, '--workers', 1, 256) ?? defaultWorkers();
  const out = parsePath(argv.out, '--out');
  if (out === undefined) throw new UsageError('--out is required');
  const axes: GridAxis[] = [];
  const sets = argv.set === undefined ? [] : Array.isArray(argv.set) ? (argv.set as unknown[]) : [argv.set];
  for (const s of sets) {
    const parsed = parseSetFlag(String(s));
    if (!parsed.ok) throw new UsageError(parsed.message);
    if (axes.some((a) => a.path === parsed.value.path))
      throw new UsageError(`--set ${parsed.value.path} is given twice`);
    axes.push(parsed.value);
  }
  const dataRoots = rawDataRoots(argv['data-root']);
  const allowLarge = single(argv['allow-large'], '--allow-large') === true;
  const runs = axes.reduce((n, a) => n * a.values.length, seeds);
  const limit = runLimits(allowLarge).sweepRuns;
  if (runs > limit) {
    throw new UsageError(
      `this sweep has ${runs} runs (--seeds × the --set grid); the limit is ${limit}: lower --seeds or the grid, or lift the limit with --allow-large`,
    );
  }
  return {
    scenario,
    seeds,
    seedStart,
    workers,
    shard: shardOf(argv, env),
    axes,
    out,
    dataRoots,
    allowLarge,
    skipCorrupt: single(argv['skip-corrupt'], '--skip-corrupt') === true,
  };
}

function shardOf(argv: Record<string, unknown>, env: NodeJS.ProcessEnv): Shard | null {
  const shard = single(argv.shard, '--shard');
  const shards = wholeNumber(argv.shards, '--shards', 1, 100_000);
  if (shard !== undefined && shards !== undefined)
    throw new UsageError('give --shard I/N or --shards N, not both');
  if (shard !== undefined) {
    const parsed = parseShard(typeof shard === 'string' ? shard : '');
    if (!parsed.ok) throw new UsageError(parsed.message);
    return parsed.value;
  }
  if (shards === undefined) return null;
  const index = env.JOB_COMPLETION_INDEX;
  if (index === undefined || !/^\d+$/.test(index) || Number(index) >= shards) {
    throw new UsageError(
      `--shards ${shards} takes the shard from $JOB_COMPLETION_INDEX (0..${shards - 1}); it is ${index === undefined ? 'not set' : `"${index}"`}`,
    );
  }
  return { index: Number(index), count: shards };
}

export async function handler(options: SweepCliOptions, io: CliIo): Promise<number> {
  const out = path.resolve(io.cwd, options.out);
  checkOutputDir(out, '--out');
  const outcome = await runSweep({
    scenarioFile: path.resolve(io.cwd, options.scenario),
    seeds: options.seeds,
    seedStart: options.seedStart,
    workers: options.workers,
    shard: options.shard,
    axes: options.axes,
    outDir: out,
    dataRoots: parseDataRoots(options.dataRoots, io.cwd),
    limits: runLimits(options.allowLarge),
    skipCorrupt: options.skipCorrupt,
    progress: process.stderr,
  });
  switch (outcome.kind) {
    case 'badInput':
      io.stderr(`${outcome.messages.join('\n')}\nnothing was run\n`);
      return EXIT.badInput;
    case 'interrupted':
      io.stderr(`sweep interrupted after ${outcome.ran} more runs; run the same command again to resume\n`);
      return 130;
    case 'done': {
      const shown = displayPath(io, out);
      for (const s of outcome.plan.skipped ?? [])
        io.stderr(`skipped --set ${s.settings}: ${s.reasons.join('; ')}\n`);
      io.stdout(sweepMarkdown(outcome.aggregate, outcome.plan));
      io.stdout(
        `\n${countOf(outcome.ran, 'run')} now, ${outcome.skipped} already done. Wrote ${shown}/runs.ndjson, sweep.json, sweep.md, sweep.html\n`,
      );
      return outcome.aggregate.errors.length > 0 ? EXIT.failed : EXIT.ok;
    }
  }
}
