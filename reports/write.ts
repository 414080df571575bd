// Writes everything `rollsim run --out DIR` produces, whole or not at all: the files are built in a
// temporary folder beside DIR (same filesystem, so the final renames are atomic) and moved into place
// only when every one of them was written. A failure leaves no DIR and no half-written files behind.
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { finished } from 'node:stream/promises';
import type { RunResult } from '../result/result.js';
import { chartConfigs } from './charts.js';
import { renderChartPng } from './chart-png.js';
import { runReportHtml } from './html.js';
import { summaryMarkdown } from './markdown.js';

/** One line of the run trace (the simulator's trace entries have this shape). */
export interface TraceLine {
  readonly tMs: number;
  readonly kind: string;
  readonly data: unknown;
}

export interface WriteOptions {
  readonly trace?: readonly TraceLine[] | null;
}

export const TRACE_FILE = 'trace.ndjson';

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Creates `dir` and missing parents; returns the top-most folder it created (to undo), or null. */
async function ensureDir(dir: string): Promise<string | null> {
  let top: string | null = null;
  for (let d = dir; !(await exists(d)); d = dirname(d)) top = d;
  await mkdir(dir, { recursive: true });
  return top;
}

async function writeTrace(path: string, lines: readonly TraceLine[]): Promise<void> {
  const out = createWriteStream(path, { encoding: 'utf8' });
  const chunkLines = 2000;
  try {
    for (let i = 0; i < lines.length; i += chunkLines) {
      const chunk = lines
        .slice(i, i + chunkLines)
        .map((l) => JSON.stringify(l) + '\n')
        .join('');
      if (!out.write(chunk)) await once(out, 'drain'); // rejects if the stream fails meanwhile
    }
  } catch (err) {
    out.destroy();
    throw err;
  }
  out.end();
  await finished(out);
}

/** Writes every file into `dir`; returns their names in writing order. */
async function writeAll(dir: string, result: RunResult, options: WriteOptions): Promise<string[]> {
  const files: [string, string | Buffer][] = [
    ['result.json', JSON.stringify(result, null, 2) + '\n'],
    ['report.html', runReportHtml(result)],
    ['summary.md', summaryMarkdown(result)],
    ...chartConfigs(result).map((c): [string, Buffer] => [`${c.name}.png`, renderChartPng(c.config)]),
  ];
  for (const [name, content] of files) await writeFile(join(dir, name), content);
  const names = files.map(([name]) => name);
  if (options.trace) {
    await writeTrace(join(dir, TRACE_FILE), options.trace);
    names.push(TRACE_FILE);
  }
  return names;
}

/** Move the finished files into `outDir`: one rename when it is new, file by file when it exists. */
async function moveIntoPlace(tmp: string, outDir: string, names: readonly string[]): Promise<void> {
  if (!(await exists(outDir))) {
    await rename(tmp, outDir);
    return;
  }
  for (const name of names) await rename(join(tmp, name), join(outDir, name));
  // A trace from an earlier run must not sit beside a result it does not belong to.
  if (!names.includes(TRACE_FILE)) await rm(join(outDir, TRACE_FILE), { force: true });
  await rmdir(tmp);
}

export async function writeRunReports(
  outDir: string,
  result: RunResult,
  options: WriteOptions = {},
): Promise<string[]> {
  const target = resolve(outDir);
  if ((await exists(target)) && !(await stat(target)).isDirectory()) {
    throw new Error(`cannot write reports to ${outDir}: it exists and is not a folder`);
  }
  const parent = dirname(target);
  const createdParent = await ensureDir(parent);
  // Not mkdtemp: its 0700 mode would become the output folder's mode after the rename.
  const tmp = join(parent, `.${basename(target)}.tmp-${randomUUID()}`);
  let moved = false;
  try {
    await mkdir(tmp);
    const names = await writeAll(tmp, result, options);
    await moveIntoPlace(tmp, target, names);
    moved = true;
    return names.map((name) => join(outDir, name));
  } finally {
    if (!moved) {
      await rm(tmp, { recursive: true, force: true });
      if (createdParent !== null) await rm(createdParent, { recursive: true, force: true });
    }
  }
}
