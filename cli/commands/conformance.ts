// `rollsim conformance k8s FILE`: run Kubernetes test vectors against the engine's rollout and HPA functions.
import fs from 'node:fs';
import path from 'node:path';
import type { Argv } from 'yargs';
import { excerpt, quoted } from '../../scenario/excerpt.js';
import { formatConformanceReport, REQUIRED_CATEGORIES, runVectors } from '../../conformance/k8s.js';
import { parsePath } from '../flags.js';
import { EXIT, UsageError, type CliIo } from '../io.js';

export const command = 'conformance <suite> <file>';
export const describe = 'Run conformance test vectors against the engine (suite: k8s)';

export const SUITES = ['k8s'] as const;
const VECTOR_FILE_BYTES_MAX = 64 * 1024 * 1024;

export interface ConformanceOptions {
  readonly suite: (typeof SUITES)[number];
  readonly file: string;
}

export function builder(y: Argv): Argv {
  return y
    .positional('suite', { type: 'string', choices: SUITES, describe: 'Which semantics to check' })
    .positional('file', { type: 'string', describe: 'Vector file (JSON)' })
    .example(
      '$0 conformance k8s test/data/k8s-vectors.json',
      'Per category: passed / failed / unsupported; exit 1 on a failure',
    )
    .check(check);
}

export function check(argv: Record<string, unknown>): true {
  toConformanceOptions(argv);
  return true;
}

export function toConformanceOptions(argv: Record<string, unknown>): ConformanceOptions {
  const suite = argv.suite;
  if (suite !== 'k8s')
    throw new UsageError(`unknown suite ${JSON.stringify(suite)}; available: ${SUITES.join(', ')}`);
  const file = parsePath(argv.file, 'FILE');
  if (file === undefined) throw new UsageError('conformance needs a vector FILE');
  return { suite, file };
}

function readVectors(file: string, io: CliIo): unknown {
  const absolute = path.resolve(io.cwd, file);
  if (!fs.existsSync(absolute)) throw new UsageError(`${file}: no such file`);
  const stat = fs.statSync(absolute);
  if (!stat.isFile()) throw new UsageError(`${file}: not a file`);
  if (stat.size > VECTOR_FILE_BYTES_MAX)
    throw new UsageError(`${file}: larger than ${VECTOR_FILE_BYTES_MAX} bytes`);
  try {
    return JSON.parse(fs.readFileSync(absolute, 'utf8')) as unknown;
  } catch (error) {
    throw new UsageError(`${file}: not valid JSON (${excerpt((error as Error).message)})`);
  }
}

/** Why `data` is not a vector file (bad input, exit 2), or null. */
export function vectorFileProblem(data: unknown): string | null {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return 'not a vector file: expected a JSON object whose keys are categories, each a list of vectors';
  }
  let vectors = 0;
  for (const [category, list] of Object.entries(data as Record<string, unknown>)) {
    if (category === 'meta') continue;
    if (!Array.isArray(list)) {
      return `not a vector file: ${quoted(category)} is not a list of vectors`;
    }
    vectors += list.length;
  }
  return vectors === 0 ? 'no vectors in this file; nothing to check' : null;
}

export function handler(options: ConformanceOptions, io: CliIo): Promise<number> {
  const data = readVectors(options.file, io);
  const problem = vectorFileProblem(data);
  if (problem !== null) {
    io.stderr(`rollsim: ${excerpt(options.file, 300)}: ${problem}\n`);
    return Promise.resolve(EXIT.badInput);
  }
  const report = runVectors(data);
  if (report.totals.passed + report.totals.failed === 0 && report.fileErrors.length === 0) {
    // Every vector was in a category rollsim does not check: "OK" and exit 0 would pass a CI job that
    // checked nothing (a wrong file, a renamed category).
    const found = report.categories.map((c) => `${excerpt(c.category, 80)} (${c.unsupported})`).join(', ');
    io.stderr(
      `rollsim: ${excerpt(options.file, 300)}: nothing to check: no vector is in a category rollsim checks (found: ${found}); the required categories are ${REQUIRED_CATEGORIES.join(', ')}\n`,
    );
    return Promise.resolve(EXIT.badInput);
  }
  io.stdout(`${formatConformanceReport(report).replace(/\n?$/, '\n')}`);
  return Promise.resolve(report.ok ? EXIT.ok : EXIT.failed);
}
