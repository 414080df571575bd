// `rollsim check [PATH...]`: run every scenario's `expect` block; for CI. Each failure names the
// expectation, what was found, and the command that replays it.
import fs from 'node:fs';
import path from 'node:path';
import type { Argv } from 'yargs';
import { junitXml, type CheckedScenario } from '../../reports/junit.js';
import { evaluateExpectations } from '../../result/expect.js';
import { formatIssue, loadScenarioFile } from '../../scenario/load.js';
import { countOf } from '../../reports/format.js';
import type { Scenario } from '../../scenario/types.js';
import type { ExpectationResult } from '../../result/result.js';
import { scalingNotes } from '../../sim/advice.js';
import { runScenario } from '../../sim/run.js';
import { scalingNoteText } from '../../reports/summary.js';
import { excerpt } from '../../scenario/excerpt.js';
import { limitProblems, type RunLimits } from '../../scenario/limits.js';
import { TraceCache } from '../../scenario/trace.js';
import {
  ALLOW_LARGE_OPTION,
  DATA_ROOT_OPTION,
  parseDataRoots,
  parsePath,
  rawDataRoots,
  runLimits,
  single,
} from '../flags.js';
import { EXIT, UsageError, writeFileAtomic, type CliIo } from '../io.js';

export const command = 'check [paths..]';
export const describe =
  "Run every scenario's expect block (files or folders); exit 1 if any expectation fails";

export interface CheckOptions {
  /** Files or folders (at least one). */
  readonly paths: readonly string[];
  readonly junit: string | undefined;
  /** Exit 0 when no checked file holds an expectation (like Vitest's --passWithNoTests). */
  readonly passWithNoExpectations: boolean;
  readonly dataRoots: readonly string[];
  readonly allowLarge: boolean;
}

export function builder(y: Argv): Argv {
  return y
    .positional('paths', {
      type: 'string',
      array: true,
      describe: 'Scenario files or folders (searched for *.yaml, *.yml, *.json)',
    })
    .option('pass-with-no-expectations', {
      type: 'boolean',
      describe: 'Exit 0 when no file holds an expect block (default: exit 1, "no expectations found")',
    })
    .option('junit', {
      type: 'string',
      requiresArg: true,
      describe: 'Also write JUnit XML here (one testcase per expectation)',
    })
    .option('data-root', DATA_ROOT_OPTION)
    .option('allow-large', ALLOW_LARGE_OPTION)
    .example('$0 check library/', 'Check every scenario in a folder')
    .example('$0 check library/ --junit out/junit.xml', 'Also write a JUnit report for CI')
    .check(check);
}

export function check(argv: Record<string, unknown>): true {
  toCheckOptions(argv);
  return true;
}

export function toCheckOptions(argv: Record<string, unknown>): CheckOptions {
  const raw = argv.paths;
  const list = Array.isArray(raw) ? (raw as unknown[]) : raw === undefined ? [] : [raw];
  const junit = parsePath(argv.junit, '--junit');
  if (list.length === 0)
    throw new UsageError('check needs a PATH: scenario files or folders, e.g. rollsim check library/');
  const pass = argv['pass-with-no-expectations'] ?? argv.passWithNoExpectations;
  if (pass !== undefined && typeof pass !== 'boolean')
    throw new UsageError('--pass-with-no-expectations takes no value');
  return {
    paths: list.map((p) => parsePath(p, 'PATH') ?? ''),
    junit,
    passWithNoExpectations: pass === true,
    dataRoots: rawDataRoots(argv['data-root']),
    allowLarge: single(argv['allow-large'], '--allow-large') === true,
  };
}

const SCENARIO_FILE = /\.(ya?ml|json)$/i;
/** JSON files in scenario folders that are not scenarios. */
const NOT_SCENARIOS = /(^|[.-])schema\.json$|^package(-lock)?\.json$|^tsconfig.*\.json$/i;

/** Scenario files under `dir`, sorted, skipping dot folders and node_modules. */
function scenarioFilesIn(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs
    .readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory() && !entry.name.startsWith('.') && entry.name !== 'node_modules')
      out.push(...scenarioFilesIn(full));
    else if (entry.isFile() && SCENARIO_FILE.test(entry.name) && !NOT_SCENARIOS.test(entry.name))
      out.push(full);
  }
  return out;
}

/** Every scenario file the arguments name, as the user should see them. */
function collectFiles(paths: readonly string[], io: CliIo): string[] {
  return paths.flatMap((p) => {
    const absolute = path.resolve(io.cwd, p);
    if (!fs.existsSync(absolute)) throw new UsageError(`${p}: no such file or folder`);
    if (!fs.statSync(absolute).isDirectory()) return [p];
    const found = scenarioFilesIn(absolute).map((f) => path.join(p, path.relative(absolute, f)));
    if (found.length === 0)
      throw new UsageError(`${p}: no scenario files (*.yaml, *.yml, *.json) in this folder`);
    return found;
  });
}

type Status = 'pass' | 'fail' | 'invalid' | 'skip';

interface Checked {
  readonly status: Status;
  readonly junit: CheckedScenario;
}

function checkOne(file: string, io: CliIo, dataRoots: readonly string[], limits: RunLimits): Checked {
  const startedMs = performance.now();
  const done = (status: Status, rest: Omit<CheckedScenario, 'file' | 'durationMs'>): Checked => ({
    status,
    junit: { ...rest, file, durationMs: performance.now() - startedMs },
  });
  const traces = new TraceCache(); // one parse of a replayed trace for the check, the limits and the run
  const loaded = loadScenarioFile(file, { cwd: io.cwd, dataRoots, traces });
  if (!loaded.ok) {
    io.stdout(`INVALID ${file}\n${loaded.issues.map((i) => `  ${formatIssue(i)}`).join('\n')}\n`);
    const error = loaded.issues.map(formatIssue).join('\n');
    return done('invalid', { scenario: path.basename(file), expectations: [], error });
  }
  const scenario = loaded.scenario;
  const tooLarge = limitProblems(scenario, limits, traces);
  if (tooLarge.length > 0) {
    io.stdout(`INVALID ${file}\n${tooLarge.map((p) => `  ${file}: ${p}`).join('\n')}\n`);
    return done('invalid', {
      scenario: scenario.metadata.name,
      expectations: [],
      error: tooLarge.map((p) => `${file}: ${p}`).join('\n'),
    });
  }
  const name = scenario.metadata.name;
  if (scenario.expect === null) {
    io.stdout(`SKIP ${name} (${file}): no expect block\n`);
    return done('skip', { scenario: name, expectations: [] });
  }
  try {
    const { result } = runScenario(scenario, { checkInvariants: true, traces });
    const expectations = evaluateExpectations(scenario, result);
    report(io, scenario, file, expectations);
    // As validate and run say them: a CI log shows a setting out of reach even when every check passes.
    for (const note of scalingNotes(scenario, traces)) io.stdout(`  ${scalingNoteText(note)}\n`);
    return done(expectations.every((e) => e.pass) ? 'pass' : 'fail', { scenario: name, expectations });
  } catch (error) {
    // A crash or invariant breach in one scenario must not hide the others' results.
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    io.stdout(`FAIL ${name} (${file}): the run failed\n  ${message.split('\n').join('\n  ')}\n`);
    io.stdout(`  replay: rollsim run ${file} --seed ${scenario.seed}\n`);
    return done('fail', { scenario: name, expectations: [], error: message });
  }
}

function report(
  io: CliIo,
  scenario: Scenario,
  file: string,
  expectations: readonly ExpectationResult[],
): void {
  const failed = expectations.filter((e) => !e.pass);
  const name = scenario.metadata.name;
  if (failed.length === 0) {
    io.stdout(`PASS ${name} (${file}): ${countOf(expectations.length, 'expectation')}\n`);
    return;
  }
  io.stdout(`FAIL ${name} (${file}): ${failed.length} of ${expectations.length} expectations failed\n`);
  for (const e of failed) io.stdout(`  ✗ ${e.name}: ${e.detail}\n`);
  io.stdout(`  replay: rollsim run ${file} --seed ${scenario.seed}\n`);
}

export function handler(options: CheckOptions, io: CliIo): Promise<number> {
  const dataRoots = parseDataRoots(options.dataRoots, io.cwd);
  const junit = options.junit === undefined ? null : path.resolve(io.cwd, options.junit);
  if (junit !== null && fs.existsSync(junit) && !fs.statSync(junit).isFile()) {
    throw new UsageError(`--junit ${excerpt(options.junit ?? '')}: it exists and is not a file`);
  }
  const files = collectFiles(options.paths, io);
  const checked = files.map((file) => checkOne(file, io, dataRoots, runLimits(options.allowLarge)));
  const count = (status: Status): number => checked.filter((c) => c.status === status).length;
  const [passed, failed, invalid, skipped] = [count('pass'), count('fail'), count('invalid'), count('skip')];
  io.stdout(
    `${checked.length} ${checked.length === 1 ? 'scenario' : 'scenarios'}: ${passed} passed, ${failed} failed, ${invalid} invalid, ${skipped} without expectations\n`,
  );
  if (options.junit !== undefined) {
    writeFileAtomic(path.resolve(io.cwd, options.junit), junitXml(checked.map((c) => c.junit)));
    io.stdout(`wrote ${options.junit}\n`);
  }
  if (invalid > 0) return Promise.resolve(EXIT.badInput);
  if (failed > 0) return Promise.resolve(EXIT.failed);
  if (passed === 0 && !options.passWithNoExpectations) {
    // Checking nothing is not a pass (as Vitest without --passWithNoTests).
    io.stderr(
      `no expectations found: ${checked.length === 1 ? 'the scenario has' : `none of the ${checked.length} scenarios has`} an expect block; add one, or pass --pass-with-no-expectations\n`,
    );
    return Promise.resolve(EXIT.failed);
  }
  return Promise.resolve(EXIT.ok);
}
