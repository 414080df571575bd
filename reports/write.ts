// Writes everything `rollsim run --out DIR` produces, whole or not at all: the files are built in a
// temporary folder beside DIR and swapped in only when every one of them was written (atomic.ts).
import { once } from 'node:events';
import { closeSync, createWriteStream, openSync, writeSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import type { RunResult } from '../result/result.js';
import type { ScalingNote } from '../sim/advice.js';
import { chartConfigs } from './charts.js';
import { renderChartPng } from './chart-png.js';
import { replaceFolderAtomic } from './atomic.js';
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
  /** Scaling notes (sim/advice.ts scalingNotes) for report.html and summary.md; result.json leaves them out. */
  readonly notes?: readonly ScalingNote[];
}

export const TRACE_FILE = 'trace.ndjson';

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
    // Let the stream settle before the caller removes its folder, or its late open fails unhandled.
    out.on('error', () => undefined);
    out.destroy();
    await once(out, 'close');
    throw err;
  }
  out.end();
  await finished(out);
}

/** Pieces of about this many characters: large enough for few writes, small beside a long timeline. */
const CHUNK_CHARS = 1 << 20;

/**
 * `JSON.stringify(result, null, 2) + '\n'`, byte for byte, in pieces: each top-level field whole,
 * except arrays (the timeline: most of a long run's result.json), given a few thousand elements at a
 * time. A 720-hour run's result.json is about 160 MB of text; written in pieces it never sits in
 * memory whole (see "Limits" in the README for what that saves).
 */
export function* resultJsonChunks(result: object): Generator<string> {
  const entries = Object.entries(result as Record<string, unknown>).filter(
    ([, v]) => v !== undefined && typeof v !== 'function' && typeof v !== 'symbol',
  );
  if (entries.length === 0) {
    yield '{}\n';
    return;
  }
  yield '{\n';
  for (let i = 0; i < entries.length; i++) {
    const [key, value] = entries[i]!;
    const end = i === entries.length - 1 ? '\n' : ',\n';
    const head = `  ${JSON.stringify(key)}: `;
    if (!Array.isArray(value) || value.length === 0) {
      yield `${head}${(JSON.stringify(value, null, 2) ?? 'null').replace(/\n/g, '\n  ')}${end}`;
      continue;
    }
    let chunk = `${head}[\n`;
    for (let j = 0; j < value.length; j++) {
      const item = JSON.stringify(value[j], null, 2) ?? 'null';
      chunk += `    ${item.replace(/\n/g, '\n    ')}${j === value.length - 1 ? '\n' : ',\n'}`;
      if (chunk.length >= CHUNK_CHARS) {
        yield chunk;
        chunk = '';
      }
    }
    yield `${chunk}  ]${end}`;
  }
  yield '}\n';
}

function writeChunks(file: string, chunks: Iterable<string>): void {
  const fd = openSync(file, 'w');
  try {
    for (const chunk of chunks) writeSync(fd, chunk);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes every file into `dir`; returns their names in writing order. Each file is built and written
 * before the next is built, and result.json in pieces, so a long run's memory is its timeline plus
 * one file's text at a time, not all of them at once.
 */
async function writeAll(dir: string, result: RunResult, options: WriteOptions): Promise<string[]> {
  const names = ['result.json', 'report.html', 'summary.md'];
  writeChunks(join(dir, 'result.json'), resultJsonChunks(result));
  await writeFile(join(dir, 'report.html'), runReportHtml(result, options.notes));
  await writeFile(join(dir, 'summary.md'), summaryMarkdown(result, options.notes));
  for (const c of chartConfigs(result)) {
    await writeFile(join(dir, `${c.name}.png`), renderChartPng(c.config));
    names.push(`${c.name}.png`);
  }
  if (options.trace) {
    await writeTrace(join(dir, TRACE_FILE), options.trace);
    names.push(TRACE_FILE);
  }
  return names;
}

/**
 * Writes the run's files into `outDir`, replacing the tool's earlier files there whole or not at all
 * (reports/atomic.ts); files the tool did not write (a user's own trace.ndjson) are kept.
 */
export async function writeRunReports(
  outDir: string,
  result: RunResult,
  options: WriteOptions = {},
): Promise<string[]> {
  const names = await replaceFolderAtomic(outDir, 'run', (dir) => writeAll(dir, result, options));
  return names.map((name) => join(outDir, name));
}
