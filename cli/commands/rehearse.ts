// `rollsim rehearse SCENARIO`: every intermediate state of an edit's rollout × every fault kind, run
// before the edit is applied. Exit 1 when a branch breaks an invariant, exceeds the scenario's `expect`
// limits or does not restore the deployment; 2 on bad input.
import path from 'node:path';
import type { Argv } from 'yargs';
import { writeRunReports } from '../../reports/write.js';
import { refuseSharedFolder, writeFileAtomic } from '../../reports/atomic.js';
import { evaluateExpectations } from '../../result/expect.js';
import { loadScenarioFile } from '../../scenario/load.js';
import { runScenario } from '../../sim/run.js';
import { parseShard, type Shard } from '../../sweep/plan.js';
import { defaultWorkers } from '../../sweep/run.js';
import { baselineNote, branchScenario, runBranch } from '../../rehearse/branch.js';
import { rehearsalHtml } from '../../rehearse/html.js';
import { rehearsalJunit } from '../../rehearse/junit.js';
import {
  baselineOf,
  branchTasks,
  parseFaults,
  rehearse,
  RehearsalBaselineError,
  RehearsalInputError,
  RehearsalInterrupted,
} from '../../rehearse/rehearse.js';
import { FAULT_KINDS, type FaultKind, type Rehearsal } from '../../rehearse/types.js';
import { countOf, formatHumanDurationMs } from '../../reports/format.js';
import { excerpt } from '../../scenario/excerpt.js';
import { editIndexOf, parsePath, parseSeed, single, wholeNumber } from '../flags.js';
import { checkOutputDir, displayPath, EXIT, printIssues, UsageError, type CliIo } from '../io.js';

export const command = 'rehearse <scenario>';
export const describe =
  'Rehearse every failure of an edit before applying it: each rollout state × each fault kind';

export interface RehearseCliOptions {
  readonly scenario: string;
  readonly edit: number | null;
  readonly faults: readonly FaultKind[];
  readonly seed: number | undefined;
  readonly out: string | undefined;
  readonly json: boolean;
  readonly junit: string | undefined;
  readonly branch: { readonly step: number; readonly fault: FaultKind } | null;
  readonly workers: number;
  readonly shard: Shard | null;
}

export function builder(y: Argv): Argv {
  return y
    .positional('scenario', { type: 'string', describe: 'Scenario file (YAML or JSON)' })
    .option('edit', {
      type: 'string',
      requiresArg: true,
      describe:
        'Which edit, numbered as `rollsim run` names it (edit 1, edit 2, …); default: the first that rolls out',
    })
    .option('faults', {
      type: 'string',
      requiresArg: true,
      describe: `Fault kinds to place, comma-separated (default: ${FAULT_KINDS.join(',')})`,
    })
    .option('seed', { type: 'string', requiresArg: true, describe: "Random seed (default: the scenario's)" })
    .option('out', {
      type: 'string',
      requiresArg: true,
      describe:
        'Folder for rehearsal.json, rehearsal.html and the branch log (default: out/<name>-rehearsal)',
    })
    .option('json', { type: 'boolean', default: false, describe: 'Print rehearsal.json to stdout' })
    .option('junit', {
      type: 'string',
      requiresArg: true,
      describe: 'Also write JUnit XML, one testcase per branch',
    })
    .option('branch', {
      type: 'string',
      requiresArg: true,
      describe: 'Replay one branch STEP:FAULT and write its full run report to --out',
    })
    .option('workers', {
      type: 'string',
      requiresArg: true,
      describe: `Worker threads (default: available cores, here ${defaultWorkers()})`,
    })
    .option('shard', {
      type: 'string',
      requiresArg: true,
      describe: 'Run only shard I of N, counted from 1 like Vitest and Jest: 1/4 … 4/4',
    })
    .example(
      '$0 rehearse library/rehearse-clean-swap.yaml',
      'Every state × every fault; exit 1 if any branch fails',
    )
    .example(
      '$0 rehearse x.yaml --faults health,abort --junit rehearsal.xml',
      'Only health failures and aborts, as JUnit for CI',
    )
    .example('$0 rehearse x.yaml --branch 3:squeeze --out out/b', 'Replay one branch with its full report')
    .check(check);
}

export function check(argv: Record<string, unknown>): true {
  toRehearseOptions(argv);
  return true;
}

function parseBranch(value: unknown): RehearseCliOptions['branch'] {
  const raw = single(value, '--branch');
  if (raw === undefined) return null;
  const text = typeof raw === 'string' ? raw.trim() : '';
  const m = /^(\d+):([A-Za-z]+)$/.exec(text);
  if (m === null || !(FAULT_KINDS as readonly string[]).includes(m[2]!))
    throw new UsageError(
      `--branch must be STEP:FAULT with FAULT one of ${FAULT_KINDS.join(', ')}, e.g. 3:health; got "${text}"`,
    );
  return { step: Number(m[1]), fault: m[2] as FaultKind };
}

export function toRehearseOptions(argv: Record<string, unknown>): RehearseCliOptions {
  const scenario = parsePath(argv.scenario, 'SCENARIO');
  if (scenario === undefined) throw new UsageError('rehearse needs a SCENARIO file');
  const faultsRaw = single(argv.faults, '--faults');
  let faults: readonly FaultKind[] = FAULT_KINDS;
  if (faultsRaw !== undefined) {
    try {
      faults = parseFaults(typeof faultsRaw === 'string' ? faultsRaw : '');
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
  const shardRaw = single(argv.shard, '--shard');
  let shard: Shard | null = null;
  if (shardRaw !== undefined) {
    const parsed = parseShard(typeof shardRaw === 'string' ? shardRaw : '');
    if (!parsed.ok) throw new UsageError(parsed.message);
    shard = parsed.value;
  }
  const json = single(argv.json, '--json') === true;
  const branch = parseBranch(argv.branch);
  if (branch !== null && (json || shard !== null))
    throw new UsageError(
      '--branch replays one branch and writes its run report; it does not take --json or --shard',
    );
  return {
    scenario,
    edit: editIndexOf(argv.edit),
    faults,
    seed: parseSeed(argv.seed),
    out: parsePath(argv.out, '--out'),
    json,
    junit: parsePath(argv.junit, '--junit'),
    branch,
    workers: wholeNumber(argv.workers, '--workers', 1, 256) ?? defaultWorkers(),
    shard,
  };
}

export async function handler(options: RehearseCliOptions, io: CliIo): Promise<number> {
  const loaded = loadScenarioFile(options.scenario, { cwd: io.cwd });
  if (!loaded.ok) {
    printIssues(io, loaded.issues);
    return EXIT.badInput;
  }
  const scenario = loaded.scenario;
  const seed = options.seed ?? scenario.seed;
  try {
    if (options.branch !== null) return await replayBranch(options, io, scenario, seed);
    const outArg =
      options.out ?? (options.json ? null : path.join('out', `${scenario.metadata.name}-rehearsal`));
    const outDir = outArg === null ? null : path.resolve(io.cwd, outArg);
    if (outDir !== null) checkOutputDir(outDir, '--out');
    const junit = options.junit === undefined ? null : path.resolve(io.cwd, options.junit);
    const rehearsal = await rehearse(scenario, {
      edit: options.edit,
      faults: options.faults,
      seed,
      scenarioFile: options.scenario,
      workers: options.workers,
      logDir: outDir,
      shard: options.shard,
      progress: options.json ? null : process.stderr,
    });
    const json = `${JSON.stringify(rehearsal, null, 2)}\n`;
    if (outDir !== null) {
      writeFileAtomic(path.join(outDir, 'rehearsal.json'), json);
      writeFileAtomic(path.join(outDir, 'rehearsal.html'), rehearsalHtml(rehearsal));
    }
    if (junit !== null) writeFileAtomic(junit, rehearsalJunit(rehearsal, options.scenario));
    if (options.json) io.stdout(json);
    else io.stdout(summaryText(rehearsal, outDir === null ? null : displayPath(io, outDir)));
    const failing = rehearsal.branches.filter((b) => !b.pass);
    for (const b of failing) {
      const step = rehearsal.steps[b.step];
      // One line each, newlines escaped too: a branch may come from a resumed or joined log, and a line
      // of its own in a CI log can be a workflow command (`::error::…`) or a forged verdict.
      const problems = excerpt(b.problems.join('; '), 2000);
      io.stderr(
        `rehearse: step ${b.step} (at ${formatHumanDurationMs(step?.atMs ?? 0)}, ${step?.phase ?? ''}) × ${b.fault}: ${problems}\n  replay: ${excerpt(b.replay, 2000)}\n`,
      );
    }
    return failing.length > 0 ? EXIT.failed : EXIT.ok;
  } catch (error) {
    if (error instanceof RehearsalInputError) {
      io.stderr(`rollsim rehearse: ${error.message}\nnothing was run\n`);
      return EXIT.badInput;
    }
    if (error instanceof RehearsalBaselineError) {
      io.stderr(`rollsim rehearse: ${error.message}\n`);
      return EXIT.failed;
    }
    if (error instanceof RehearsalInterrupted) {
      io.stderr(`rehearse interrupted (${error.message}); run the same command again to resume\n`);
      return 130;
    }
    throw error;
  }
}

function summaryText(r: Rehearsal, outDir: string | null): string {
  const byKey = new Map(r.branches.map((b) => [`${b.step}:${b.fault}`, b]));
  const rows = r.steps.map((s) => [
    `${s.index} ${formatHumanDurationMs(s.atMs)} ${s.phase}`,
    ...r.faults.map((f) => {
      const b = byKey.get(`${s.index}:${f}`);
      if (b === undefined) return '-';
      const mark = b.pass ? 'ok' : 'FAIL';
      const restore =
        b.restoredMs !== null
          ? formatHumanDurationMs(b.restoredMs)
          : b.recovered === 'new'
            ? 'done'
            : 'never';
      return `${mark} ${restore}`;
    }),
  ]);
  const header = ['step', ...r.faults];
  // Each column as wide as its widest cell and two spaces more, so cells never run into each other.
  const widths = header.map(
    (h, c) => Math.max(h.length, c === 0 ? 24 : 10, ...rows.map((row) => row[c]!.length)) + 2,
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, c) => cell.padEnd(widths[c]!))
      .join('')
      .trimEnd();
  const lines = [
    `Rehearsal of ${r.scenario}, edit ${r.edit + 1} (rev${r.fromRevision} → rev${r.toRevision}), seed ${r.seed}: ${countOf(r.steps.length, 'state')} × ${countOf(r.faults.length, 'fault')}`,
    ...baselineNote(r).map((l) => `Note: ${l}`),
    '',
    line(header),
    ...rows.map(line),
  ];
  lines.push(
    '',
    `Cells: ok/FAIL and the time to restore rev${r.fromRevision} (done: the edit completed despite the fault).`,
    `${r.summary.passed} of ${r.summary.branches} branches pass, ${r.summary.failed} fail${r.summary.missing > 0 ? `, ${r.summary.missing} not run (shard)` : ''}.`,
  );
  if (outDir !== null) lines.push(`Wrote ${outDir}/rehearsal.json and rehearsal.html`);
  return `${lines.join('\n')}\n`;
}

async function replayBranch(
  options: RehearseCliOptions,
  io: CliIo,
  scenario: Parameters<typeof baselineOf>[0],
  seed: number,
): Promise<number> {
  const branch = options.branch!;
  const baseline = baselineOf(scenario, seed, options.edit);
  const step = baseline.steps[branch.step];
  if (step === undefined)
    throw new RehearsalInputError(
      `--branch ${branch.step}:${branch.fault}: the rollout has steps 0 to ${baseline.steps.length - 1}`,
    );
  const task = branchTasks(scenario, baseline, [branch.fault], seed, options.scenario).find(
    (t) => t.step.index === branch.step,
  )!;
  const outArg =
    options.out ?? path.join('out', `${scenario.metadata.name}-step${branch.step}-${branch.fault}`);
  const outDir = path.resolve(io.cwd, outArg);
  // The run report replaces its folder whole: not the root, the working or the home folder.
  refuseSharedFolder(outDir, io.cwd);
  checkOutputDir(outDir, '--out');
  const judged = runBranch(task);
  const run = runScenario(branchScenario(task), { seed });
  // The report judges the branch as the rehearsal does: by downtime and dropped requests. The fault
  // changes the edit's outcome and final spec by design, so `edits` and `final` would fail a passing
  // branch ("1 of 2 expectations failed" beside "pass").
  const limits = scenario.expect;
  const judgedBy =
    limits === null
      ? null
      : {
          ...(limits.maxDowntimeMs === undefined ? {} : { maxDowntimeMs: limits.maxDowntimeMs }),
          ...(limits.maxDroppedPercent === undefined ? {} : { maxDroppedPercent: limits.maxDroppedPercent }),
        };
  const result = {
    ...run.result,
    expectations: evaluateExpectations({ ...scenario, expect: judgedBy }, run.result),
  };
  await writeRunReports(outDir, result, {});
  writeFileAtomic(path.join(outDir, 'branch.json'), `${JSON.stringify(judged, null, 2)}\n`);
  io.stdout(
    `Branch step ${branch.step} × ${branch.fault} (fault at ${formatHumanDurationMs(judged.faultAtMs)}): ${judged.outcome}` +
      `${judged.reason === null ? '' : ` (${judged.reason})`}, downtime ${formatHumanDurationMs(judged.downtimeMs)}, ` +
      `restored ${judged.restoredMs === null ? 'never' : `after ${formatHumanDurationMs(judged.restoredMs)}`}\n` +
      (judged.pass ? '' : `Fails: ${judged.problems.join('; ')}\n`) +
      `Wrote ${displayPath(io, outDir)}/branch.json and the run report (result.json, report.html)\n`,
  );
  return judged.pass ? EXIT.ok : EXIT.failed;
}
