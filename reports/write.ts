// Writes everything `rollsim run --out DIR` produces, whole or not at all: the files are built in a
// temporary folder beside DIR and swapped in only when every one of them was written (atomic.ts).
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import type { RunResult } from '../result/result.js';
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
