// What the commands touch outside themselves: output streams, the working folder, the package's own
// files, and whole-or-nothing file writes. Passed in, so tests can run the CLI in-process.
import fs from 'node:fs';
import path from 'node:path';
import { escapeControl, excerpt } from '../scenario/excerpt.js';
import { formatIssue, type ScenarioIssue } from '../scenario/load.js';

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Relative paths on the command line resolve against this folder. */
  readonly cwd: string;
  /** stderr is a terminal: long runs show progress there. */
  readonly stderrIsTty?: boolean;
  /** stderr without escaping, for the progress line's own control characters (text from the tool only). */
  readonly stderrRaw?: (text: string) => void;
}

/**
 * The real streams. Everything printed passes through escapeControl: scenario names, field names and
 * trace cells are untrusted, and an escape sequence in them must not reach a terminal or CI log raw.
 * (`\uXXXX` is also a JSON escape, so `--json` output stays valid JSON with the same values.)
 */
export function processIo(): CliIo {
  return {
    stdout: (text) => void process.stdout.write(escapeControl(text)),
    stderr: (text) => void process.stderr.write(escapeControl(text)),
    cwd: process.cwd(),
    stderrIsTty: process.stderr.isTTY === true,
    stderrRaw: (text) => void process.stderr.write(text),
  };
}

/** Bad flags or arguments: exit 2 with this message, no stack trace. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const EXIT = { ok: 0, failed: 1, badInput: 2 } as const;

const IO_REASONS: Readonly<Record<string, string>> = {
  EISDIR: 'it is a folder',
  EEXIST: 'it already exists',
  ENOTDIR: 'a part of the path is a file, not a folder',
  ENOENT: 'no such file or folder',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links',
  EBUSY: 'the file is busy',
  EXDEV: 'it is on another file system',
  ENOTEMPTY: 'the folder is not empty',
  EIO: 'input/output error',
};

/**
 * A file-system error as one line naming the path and the reason (`cannot write out/x: the file
 * system is read-only (EROFS)`), or null when `error` is not one. Such errors are exit 2, not bugs.
 */
export function ioErrorMessage(error: unknown): string | null {
  if (!(error instanceof Error)) return null;
  const e = error as NodeJS.ErrnoException & { dest?: string };
  if (typeof e.code !== 'string' || !/^E[A-Z]+$/.test(e.code) || typeof e.syscall !== 'string') return null;
  const reason = IO_REASONS[e.code] ?? e.code.toLowerCase();
  const where = e.path === undefined ? '' : ` ${excerpt(e.path, 300)}`;
  const dest = e.dest === undefined ? '' : ` → ${excerpt(e.dest, 300)}`;
  return `cannot ${e.syscall}${where}${dest}: ${reason} (${e.code})`;
}

import { packageRoot } from '../reports/package.js';
export { packageRoot, packageVersion } from '../reports/package.js';

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

import { recoverFolder } from '../reports/atomic.js';
export { writeFileAtomic } from '../reports/atomic.js';

/** Fails early (before any work) when `dir` exists and is not a folder. */
export function checkOutputDir(dir: string, flag: string): void {
  // A write killed between its two renames left the old folder aside: put it back before looking.
  recoverFolder(dir);
  if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) {
    throw new UsageError(`${flag} ${dir}: it exists and is not a folder`);
  }
}

/** Prints the run limits a scenario breaks (exit 2 follows); false when there are none. */
export function printLimitProblems(io: CliIo, file: string, problems: readonly string[]): boolean {
  if (problems.length === 0) return false;
  io.stderr(
    `${problems.map((p) => `${file}: ${p}`).join('\n')}\n${file}: over the run limits; nothing was run or written\n`,
  );
  return true;
}

/**
 * Progress of a long simulation on a terminal (stderr, one rewritten line, at most 4 times a second);
 * null when stderr is not a terminal, so logs and pipes stay clean. Call the result's `done` at the end.
 */
export function terminalProgress(
  io: CliIo,
  totalMs: number,
): { readonly update: (simulatedMs: number) => void; readonly done: () => void } | null {
  const write = io.stderrRaw;
  if (io.stderrIsTty !== true || write === undefined) return null;
  const started = Date.now();
  let last = started;
  let shown = false;
  return {
    update: (simulatedMs) => {
      const now = Date.now();
      if (now - last < 250 || now - started < 1000) return;
      last = now;
      shown = true;
      const pct = totalMs > 0 ? Math.min(100, (simulatedMs / totalMs) * 100) : 100;
      write(`\rsimulating: ${pct.toFixed(0)} % of ${(totalMs / 3_600_000).toFixed(1)} h simulated   `);
    },
    done: () => {
      if (shown) write('\r\u001b[2K');
    },
  };
}

export function printIssues(io: CliIo, issues: readonly ScenarioIssue[]): void {
  const noun = issues.length === 1 ? 'problem' : 'problems';
  const file = issues[0]?.file ?? '';
  io.stderr(
    `${issues.map(formatIssue).join('\n')}\n${file}: ${issues.length} ${noun}; nothing was run or written\n`,
  );
}
