// The command line: yargs parses and checks flags (strict), then each command's handler runs and
// returns the exit code. 0 success, 1 an expectation or invariant failed, 2 bad input, usage or I/O
// (a file-system error names the path and the reason, without a stack trace).
import yargs, { type Argv } from 'yargs';
import * as check from './commands/check.js';
import * as conformance from './commands/conformance.js';
import * as merge from './commands/merge.js';
import * as perf from './commands/perf.js';
import * as plan from './commands/plan.js';
import * as rehearse from './commands/rehearse.js';
import * as run from './commands/run.js';
import * as sweep from './commands/sweep.js';
import * as validate from './commands/validate.js';
import { EXIT, ioErrorMessage, packageVersion, processIo, UsageError, type CliIo } from './io.js';
import { didYouMean } from '../scenario/semantic.js';
import { OutputFolderError } from '../reports/atomic.js';

const COMMANDS = [
  'run',
  'validate',
  'check',
  'sweep',
  'merge',
  'conformance',
  'rehearse',
  'plan',
  'perf',
] as const;
type CommandName = (typeof COMMANDS)[number];

function parser(): Argv {
  return yargs()
    .scriptName('rollsim')
    .usage(
      '$0 <command> [options]\n\nSee what an edit to a live GPU model deployment will do before you apply it.',
    )
    .command(run.command, run.describe, run.builder)
    .command(validate.command, validate.describe, validate.builder)
    .command(check.command, check.describe, check.builder)
    .command(sweep.command, sweep.describe, sweep.builder)
    .command(merge.command, merge.describe, merge.builder)
    .command(conformance.command, conformance.describe, conformance.builder)
    .command(rehearse.command, rehearse.describe, rehearse.builder)
    .command(plan.command, plan.describe, plan.builder)
    .command(perf.command, perf.describe, perf.builder)
    .demandCommand(1, 'Say which command to run.')
    .recommendCommands()
    .strict()
    .help()
    .alias('help', 'h')
    .version(packageVersion())
    .example('$0 run', 'Simulate the built-in scenario (8B → 70B on a busy cluster)')
    .example('$0 validate my-edit.yaml', 'Check a scenario file')
    .example('$0 check library/ --junit junit.xml', 'Verify every scenario in CI')
    .epilog('Exit codes: 0 success, 1 an expectation or invariant failed, 2 bad input or usage.')
    .wrap(Math.min(110, process.stdout.columns || 100))
    .exitProcess(false);
}

function dispatch(name: CommandName, argv: Record<string, unknown>, io: CliIo): Promise<number> {
  switch (name) {
    case 'run':
      return run.handler(run.toRunOptions(argv), io);
    case 'validate':
      return validate.handler(validate.toValidateOptions(argv), io);
    case 'check':
      return check.handler(check.toCheckOptions(argv), io);
    case 'sweep':
      return sweep.handler(sweep.toSweepOptions(argv), io);
    case 'merge':
      return merge.handler(merge.toMergeOptions(argv), io);
    case 'conformance':
      return conformance.handler(conformance.toConformanceOptions(argv), io);
    case 'rehearse':
      return rehearse.handler(rehearse.toRehearseOptions(argv), io);
    case 'plan':
      return plan.handler(plan.toPlanOptions(argv), io);
    case 'perf':
      return perf.handler(perf.toPerfOptions(argv), io);
  }
}

function usageFailure(io: CliIo, message: string, command: string | undefined): number {
  const known = command !== undefined && (COMMANDS as readonly string[]).includes(command);
  const help = known ? ` ${command}` : '';
  // A mistyped command: name the closest one (`rollsim rn` → did you mean "run"?).
  const hint =
    !known && command !== undefined && command !== '' && !command.startsWith('-')
      ? `unknown command "${command}"${didYouMean(command, COMMANDS) || `; commands: ${COMMANDS.join(', ')}`}\n`
      : '';
  io.stderr(`rollsim: ${hint || `${message}\n`}Run "rollsim${help} --help" for usage.\n`);
  return EXIT.badInput;
}

/** Runs the CLI on `argv` (without node and script); returns the exit code. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  let failure: string | null = null;
  let output = '';
  const args = await parser()
    .fail((message: string | undefined, error: Error | undefined) => {
      failure = message ?? error?.message ?? 'invalid arguments';
    })
    .parseAsync([...argv], {}, (_error: Error | undefined, _argv: unknown, text: string) => {
      output = text;
    });
  const name = String(args._[0] ?? '');
  if (failure !== null) return usageFailure(io, failure, name);
  if (output !== '') {
    io.stdout(`${output}\n`);
    return EXIT.ok;
  }
  try {
    return await dispatch(name as CommandName, args, io);
  } catch (error) {
    if (error instanceof UsageError) return usageFailure(io, error.message, name);
    if (error instanceof OutputFolderError) {
      io.stderr(`rollsim: ${error.message}\n`);
      return EXIT.badInput;
    }
    const ioProblem = ioErrorMessage(error);
    if (ioProblem !== null) {
      io.stderr(`rollsim: ${ioProblem}\n`);
      return EXIT.badInput;
    }
    throw error;
  }
}
