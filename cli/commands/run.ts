// `rollsim run [SCENARIO]`: load, simulate, check the scenario's expectations, write the reports, summarise.
import path from 'node:path';
import type { Argv } from 'yargs';
import { refuseSharedFolder } from '../../reports/atomic.js';
import { resultJsonChunks, writeRunReports } from '../../reports/write.js';
import { evaluateExpectations } from '../../result/expect.js';
import { loadScenarioFile } from '../../scenario/load.js';
import type { RunResult } from '../../result/result.js';
import { scalingNotes } from '../../sim/advice.js';
import { runScenario } from '../../sim/run.js';
import { limitProblems } from '../../scenario/limits.js';
import { TraceCache } from '../../scenario/trace.js';
import {
  ALLOW_LARGE_OPTION,
  DATA_ROOT_OPTION,
  parseDataRoots,
  parsePath,
  parseSeed,
  rawDataRoots,
  runLimits,
  single,
} from '../flags.js';
import {
  builtinScenarioPath,
  checkOutputDir,
  displayPath,
  EXIT,
  printIssues,
  printLimitProblems,
  terminalProgress,
  UsageError,
  type CliIo,
} from '../io.js';
import { scalingNoteText } from '../../reports/summary.js';
import { formatRunSummary } from '../summary.js';

export const command = 'run [scenario]';
export const describe =
  'Simulate a scenario and report what its edits do (no SCENARIO: the built-in default)';

export interface RunOptions {
  readonly scenario: string | null;
  readonly seed: number | undefined;
  readonly out: string | undefined;
  readonly json: boolean;
  readonly trace: boolean;
  readonly dataRoots: readonly string[];
  readonly allowLarge: boolean;
}

export function builder(y: Argv): Argv {
  return y
    .positional('scenario', {
      type: 'string',
      describe: 'Scenario file (YAML or JSON); default: the built-in scenario',
    })
    .option('seed', {
      type: 'string',
      requiresArg: true,
      describe: "Random seed (default: the scenario's seed)",
    })
    .option('out', {
      type: 'string',
      requiresArg: true,
      describe: 'Folder for result.json, report.html, summary.md and charts (default: out/<scenario name>)',
    })
    .option('json', {
      type: 'boolean',
      default: false,
      describe: 'Print result.json to stdout (writes files only with --out)',
    })
    .option('trace', {
      type: 'boolean',
      default: false,
      describe: 'Also write the full event trace (trace.ndjson)',
    })
    .option('data-root', DATA_ROOT_OPTION)
    .option('allow-large', ALLOW_LARGE_OPTION)
    .example('$0 run', 'Run the built-in 8B → 70B swap on a busy cluster')
    .example('$0 run library/swap-8b-to-70b-h200.yaml --seed 7', 'Run a scenario with another seed')
    .example('$0 run swap.yaml --out out/swap --trace', 'Write the reports and the event trace to out/swap')
    .example('$0 run swap.yaml --json | jq .metrics', 'Print result.json for other tools')
    .check(check);
}

/** Flag values and combinations; throws a UsageError (exit 2) naming the flag. */
export function check(argv: Record<string, unknown>): true {
  toRunOptions(argv);
  return true;
}

export function toRunOptions(argv: Record<string, unknown>): RunOptions {
  const scenario = parsePath(argv.scenario, 'SCENARIO') ?? null;
  const json = single(argv.json, '--json') === true;
  const trace = single(argv.trace, '--trace') === true;
  const out = parsePath(argv.out, '--out');
  if (trace && json && out === undefined) {
    throw new UsageError('--trace writes trace.ndjson into the output folder; with --json, add --out DIR');
  }
  const dataRoots = rawDataRoots(argv['data-root']);
  const allowLarge = single(argv['allow-large'], '--allow-large') === true;
  return { scenario, seed: parseSeed(argv.seed), out, json, trace, dataRoots, allowLarge };
}

export async function handler(options: RunOptions, io: CliIo): Promise<number> {
  const file = options.scenario ?? builtinScenarioPath();
  // One parse of a replayed trace for the loader's check, the limits, the notes and the run.
  const traces = new TraceCache();
  const loaded = loadScenarioFile(options.scenario ?? displayPath(io, file), {
    cwd: io.cwd,
    dataRoots: parseDataRoots(options.dataRoots, io.cwd),
    traces,
  });
  if (!loaded.ok) {
    printIssues(io, loaded.issues);
    return EXIT.badInput;
  }
  const scenario = loaded.scenario;
  const shownFile = options.scenario ?? displayPath(io, file);
  if (printLimitProblems(io, shownFile, limitProblems(scenario, runLimits(options.allowLarge), traces))) {
    return EXIT.badInput;
  }
  const outArg = options.out ?? (options.json ? null : path.join('out', scenario.metadata.name));
  const outDir = outArg === null ? null : path.resolve(io.cwd, outArg);
  if (outDir !== null) {
    // Before any work: the folder is swapped whole, so not the root, the working or the home folder.
    refuseSharedFolder(outDir, io.cwd);
    checkOutputDir(outDir, '--out');
  }

  const notes = scalingNotes(scenario, traces);
  const progress = terminalProgress(io, scenario.durationMs);
  const run = runScenario(scenario, {
    seed: options.seed ?? scenario.seed,
    traces,
    trace: options.trace,
    ...(progress === null ? {} : { onProgress: progress.update }),
  });
  progress?.done();
  const result: RunResult = { ...run.result, expectations: evaluateExpectations(scenario, run.result) };
  const written = outDir === null ? [] : await writeRunReports(outDir, result, { trace: run.trace, notes });

  if (options.json) {
    for (const note of notes) io.stderr(`${scalingNoteText(note)}\n`);
    for (const chunk of resultJsonChunks(result)) io.stdout(chunk);
  } else {
    const shownOut = outArg === null ? null : outArg.replace(/[\\/]+$/, '');
    io.stdout(
      formatRunSummary(result, {
        scenarioArg: options.scenario,
        outDir: shownOut,
        written: written.map((f) => path.basename(f)),
        notes,
      }),
    );
  }
  return result.expectations.every((e) => e.pass) ? EXIT.ok : EXIT.failed;
}
