// What the commands touch outside themselves: output streams, the working folder, the package's own
// files, and whole-or-nothing file writes. Passed in, so tests can run the CLI in-process.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatIssue, type ScenarioIssue } from '../scenario/load.js';

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Relative paths on the command line resolve against this folder. */
  readonly cwd: string;
}

export function processIo(): CliIo {
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    cwd: process.cwd(),
  };
}

/** Bad flags or arguments: exit 2 with this message, no stack trace. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const EXIT = { ok: 0, failed: 1, badInput: 2 } as const;

let cachedRoot: string | null = null;

/** The rollsim package folder (holding package.json), found from this module whether run from source or dist/. */
export function packageRoot(): string {
  if (cachedRoot !== null) return cachedRoot;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (
      fs.existsSync(manifest) &&
      (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string }).name === 'rollsim'
    ) {
      cachedRoot = dir;
      return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir)
      throw new Error('rollsim: cannot find the package folder (package.json named rollsim)');
    dir = parent;
  }
}

export function packageVersion(): string {
  const manifest = JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as {
    version?: string;
  };
  return manifest.version ?? '0.0.0';
}

/** The built-in default scenario, resolved relative to the package so `rollsim run` works from any folder. */
export function builtinScenarioPath(): string {
  return path.join(packageRoot(), 'library', 'default.yaml');
}

/** The scenario library shipped with the package. */
export function builtinLibraryDir(): string {
  return path.join(packageRoot(), 'library');
}

/** A path as people should see it: relative to the working folder when inside it. */
export function displayPath(io: CliIo, absolute: string): string {
  const relative = path.relative(io.cwd, absolute);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : absolute;
}

export { writeFileAtomic } from '../reports/atomic.js';

/** Fails early (before any work) when `dir` exists and is not a folder. */
export function checkOutputDir(dir: string, flag: string): void {
  if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) {
    throw new UsageError(`${flag} ${dir}: it exists and is not a folder`);
  }
}

export function printIssues(io: CliIo, issues: readonly ScenarioIssue[]): void {
  const noun = issues.length === 1 ? 'problem' : 'problems';
  const file = issues[0]?.file ?? '';
  io.stderr(
    `${issues.map(formatIssue).join('\n')}\n${file}: ${issues.length} ${noun}; nothing was run or written\n`,
  );
}
