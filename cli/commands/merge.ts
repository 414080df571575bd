// `rollsim merge DIR... --out DIR`: join sweep shards. Overlapping shards or foreign folders are bad input
// (exit 2, nothing written); missing runs are named by shard and seed (exit 1, the rest merged).
import path from 'node:path';
import type { Argv } from 'yargs';
import { refuseSharedFolder } from '../../reports/atomic.js';
import { mergeSweeps } from '../../sweep/merge.js';
import { parsePath, single } from '../flags.js';
import { checkOutputDir, displayPath, EXIT, UsageError, type CliIo } from '../io.js';
import { countOf } from '../../reports/format.js';

export const command = 'merge <dirs..>';
export const describe = 'Join the output folders of sweep shards into one sweep';

export interface MergeOptions {
  readonly dirs: readonly string[];
  readonly out: string;
  readonly skipCorrupt: boolean;
}

export function builder(y: Argv): Argv {
  return y
    .positional('dirs', { type: 'string', array: true, describe: 'Shard output folders' })
    .option('out', { type: 'string', describe: 'Folder for the merged sweep', demandOption: true })
    .option('skip-corrupt', {
      type: 'boolean',
      default: false,
      describe: 'Leave out corrupt runs.ndjson lines (each is reported) instead of refusing the merge',
    })
    .example('$0 merge out/s0 out/s1 out/s2 out/s3 --out out/all', 'Join four shards')
    .check(check);
}

export function check(argv: Record<string, unknown>): true {
  toMergeOptions(argv);
  return true;
}

export function toMergeOptions(argv: Record<string, unknown>): MergeOptions {
  const raw = argv.dirs;
  const list = Array.isArray(raw) ? (raw as unknown[]) : raw === undefined ? [] : [raw];
  if (list.length === 0) throw new UsageError('merge needs at least one DIR');
  const out = parsePath(argv.out, '--out');
  if (out === undefined) throw new UsageError('--out is required');
  const skipCorrupt = single(argv['skip-corrupt'], '--skip-corrupt') === true;
  return { dirs: list.map((d) => parsePath(d, 'DIR') ?? ''), out, skipCorrupt };
}

export async function handler(options: MergeOptions, io: CliIo): Promise<number> {
  const out = path.resolve(io.cwd, options.out);
  refuseSharedFolder(out, io.cwd);
  checkOutputDir(out, '--out');
  const outcome = await mergeSweeps(
    options.dirs.map((d) => path.resolve(io.cwd, d)),
    out,
    { skipCorrupt: options.skipCorrupt },
  );
  if (outcome.kind === 'badInput') {
    io.stderr(`${outcome.messages.join('\n')}\nnothing was written\n`);
    return EXIT.badInput;
  }
  if (outcome.skipped.length > 0) io.stderr(`left out:\n${outcome.skipped.join('\n')}\n`);
  io.stdout(`merged ${countOf(outcome.runs, 'run')} into ${displayPath(io, out)}\n`);
  if (outcome.missing.length === 0) return EXIT.ok;
  io.stderr(
    `${outcome.missing.length} planned runs are missing: ${outcome.missing.slice(0, 10).join(', ')}${outcome.missing.length > 10 ? ', …' : ''}; run their shards again, then merge\n`,
  );
  return EXIT.failed;
}
