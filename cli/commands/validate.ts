// `rollsim validate FILE...`: schema and semantic checks only, every problem of every file at once.
import type { Argv } from 'yargs';
import { loadScenarioFile } from '../../scenario/load.js';
import type { Scenario } from '../../scenario/types.js';
import { limitProblems } from '../../scenario/limits.js';
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
import { scalingNotes } from '../../sim/advice.js';
import { scalingNoteText } from '../../reports/summary.js';
import { EXIT, printIssues, printLimitProblems, UsageError, type CliIo } from '../io.js';

export const command = 'validate <files..>';
export const describe = 'Check scenario files against the schema and the catalog without running them';

export interface ValidateOptions {
  readonly files: readonly string[];
  readonly dataRoots: readonly string[];
  readonly allowLarge: boolean;
}

export function builder(y: Argv): Argv {
  return y
    .positional('files', { type: 'string', array: true, describe: 'Scenario files (YAML or JSON)' })
    .option('data-root', DATA_ROOT_OPTION)
    .option('allow-large', ALLOW_LARGE_OPTION)
    .example('$0 validate library/swap.yaml', 'Check one file')
    .example('$0 validate library/*.yaml', 'Check several; exit 2 if any has a problem')
    .check(check);
}

export function check(argv: Record<string, unknown>): true {
  toValidateOptions(argv);
  return true;
}

export function toValidateOptions(argv: Record<string, unknown>): ValidateOptions {
  const raw = argv.files;
  const list = Array.isArray(raw) ? (raw as unknown[]) : raw === undefined ? [] : [raw];
  if (list.length === 0) throw new UsageError('validate needs at least one FILE');
  return {
    files: list.map((f) => parsePath(f, 'FILE') ?? ''),
    dataRoots: rawDataRoots(argv['data-root']),
    allowLarge: single(argv['allow-large'], '--allow-large') === true,
  };
}

function describeScenario(s: Scenario): string {
  const count = (action: string): number => s.events.filter((e) => e.action === action).length;
  const edits = count('edit') + count('rollback');
  const faults = count('fault');
  const expect = s.expect === null ? 'no expect block' : 'with expect';
  const n = (k: number, one: string, many: string): string => `${k} ${k === 1 ? one : many}`;
  return `${s.metadata.name}: ${n(edits, 'edit or rollback event', 'edit or rollback events')}, ${n(faults, 'fault', 'faults')}, ${expect}`;
}

export function handler(options: ValidateOptions, io: CliIo): Promise<number> {
  let bad = 0;
  const dataRoots = parseDataRoots(options.dataRoots, io.cwd);
  for (const file of options.files) {
    const traces = new TraceCache(); // one parse of a replayed trace for the check, limits and notes
    const loaded = loadScenarioFile(file, { cwd: io.cwd, dataRoots, traces });
    if (loaded.ok) {
      // A file the schema accepts can still ask for a run that cannot finish: say so now.
      const limits = limitProblems(loaded.scenario, runLimits(options.allowLarge), traces);
      if (printLimitProblems(io, file, limits)) bad++;
      else {
        io.stdout(`ok ${file} (${describeScenario(loaded.scenario)})\n`);
        for (const note of scalingNotes(loaded.scenario, traces)) io.stdout(`  ${scalingNoteText(note)}\n`);
      }
    } else {
      bad++;
      printIssues(io, loaded.issues);
    }
  }
  if (options.files.length > 1)
    io.stdout(`${options.files.length - bad} of ${options.files.length} files valid\n`);
  return Promise.resolve(bad === 0 ? EXIT.ok : EXIT.badInput);
}
