// Checks a traffic trace before a run: the file exists, its header has the named columns, and the first
// row parses. Reads only the head of the file; the simulator reads the rest.
import fs from 'node:fs';
import path from 'node:path';
import { excerpt, quoted } from './excerpt.js';

export interface TraceCheck {
  /** Absolute path. */
  readonly file: string;
  /** As written in the scenario, for messages. */
  readonly shownAs: string;
  readonly format: 'csv' | 'jsonl';
  readonly timeColumn: string;
  readonly timeUnit: 'datetime' | 's' | 'ms';
  readonly tokenColumns: readonly string[];
  /**
   * Folders the trace must lie in, after symlinks are resolved: the scenario's own folder and any
   * `--data-root` folders. A scenario file is untrusted input; it must not read /proc/self/environ.
   */
  readonly roots: readonly string[];
}

/** Whether `file` (already resolved) lies strictly inside `root` (already resolved). */
function isInside(root: string, file: string): boolean {
  const rel = path.relative(root, file);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

/** The containment rule, as messages state it. */
export const CONTAINMENT_RULE =
  "trace files must be regular files inside the scenario's folder (after following symlinks) or inside a folder given with --data-root";

/** What breaks the containment rule for `file`, or null when it holds. */
export function containmentProblem(file: string, shownAs: string, roots: readonly string[]): string | null {
  const name = `trace file ${quoted(shownAs)}`;
  let real: string;
  try {
    real = fs.realpathSync(file);
  } catch {
    return `${name} not found (looked for ${excerpt(file, 200)}; paths are relative to the scenario file)`;
  }
  const realRoots = roots.flatMap((r) => {
    try {
      return [fs.realpathSync(r)];
    } catch {
      return [];
    }
  });
  if (!realRoots.some((r) => isInside(r, real))) {
    return `${name} resolves to ${excerpt(real, 200)}, outside the allowed folders (${realRoots.map((r) => excerpt(r, 200)).join(', ')}): ${CONTAINMENT_RULE}`;
  }
  if (!fs.statSync(real).isFile()) return `${name} is not a regular file: ${CONTAINMENT_RULE}`;
  return null;
}

const HEAD_BYTES = 64 * 1024;
export const TRACE_BYTES_MAX = 512 * 1024 * 1024;
const DATETIME = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** What is wrong with the trace file, or null when its head looks right. */
export function checkTraceFile(trace: TraceCheck): string | null {
  const name = `trace file ${quoted(trace.shownAs)}`;
  const outside = containmentProblem(trace.file, trace.shownAs, trace.roots);
  if (outside !== null) return outside;
  let stat: fs.Stats;
  try {
    stat = fs.statSync(trace.file);
  } catch {
    return `${name} not found (looked for ${trace.file}; paths are relative to the scenario file)`;
  }
  if (!stat.isFile()) return `${name} is not a regular file`;
  if (stat.size > TRACE_BYTES_MAX)
    return `${name} is ${stat.size} bytes; traces may be at most ${TRACE_BYTES_MAX} bytes`;
  const lines = readHead(trace.file)
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '');
  return trace.format === 'csv' ? checkCsv(trace, name, lines) : checkJsonl(trace, name, lines);
}

function readHead(file: string): string {
  const fd = fs.openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(HEAD_BYTES);
    const n = fs.readSync(fd, buffer, 0, HEAD_BYTES, 0);
    return buffer
      .subarray(0, n)
      .toString('utf8')
      .replace(/^\uFEFF/, '');
  } finally {
    fs.closeSync(fd);
  }
}

const unquote = (cell: string): string => cell.trim().replace(/^"(.*)"$/, '$1');

function checkCsv(trace: TraceCheck, name: string, lines: readonly string[]): string | null {
  const [header, first] = lines;
  if (header === undefined) return `${name} is empty (expected a header row)`;
  const columns = header.split(',').map(unquote);
  const needed = [trace.timeColumn, ...trace.tokenColumns];
  const missing = needed.filter((c) => !columns.includes(c));
  if (missing.length > 0) {
    return `${name} has no column ${missing.map((c) => quoted(c)).join(', ')} (its header: ${excerpt(columns.join(', '))})`;
  }
  if (first === undefined) return `${name} has a header but no rows`;
  const cells = first.split(',').map(unquote);
  const cell = (c: string): string => cells[columns.indexOf(c)] ?? '';
  return checkRow(trace, `${name} row 1`, cell);
}

function checkJsonl(trace: TraceCheck, name: string, lines: readonly string[]): string | null {
  const [first] = lines;
  if (first === undefined) return `${name} is empty`;
  let row: unknown;
  try {
    row = JSON.parse(first);
  } catch {
    return `${name} line 1 is not JSON`;
  }
  if (row === null || typeof row !== 'object' || Array.isArray(row))
    return `${name} line 1 is not a JSON object`;
  const record = row as Record<string, unknown>;
  const needed = [trace.timeColumn, ...trace.tokenColumns];
  const missing = needed.filter((c) => !(c in record));
  if (missing.length > 0) {
    return `${name} line 1 has no field ${missing.map((c) => quoted(c)).join(', ')} (it has: ${excerpt(Object.keys(record).join(', '))})`;
  }
  return checkRow(trace, `${name} line 1`, (c) => String(record[c]));
}

function checkRow(trace: TraceCheck, where: string, cell: (column: string) => string): string | null {
  const time = cell(trace.timeColumn);
  if (trace.timeUnit === 'datetime' && !(DATETIME.test(time) && Number.isFinite(Date.parse(time)))) {
    return `${where}: ${trace.timeColumn} ${quoted(time)} is not a date-time such as 2023-11-16 18:15:46.68 (timeUnit: datetime)`;
  }
  if (trace.timeUnit !== 'datetime' && !(Number.isFinite(Number(time)) && time.trim() !== '')) {
    return `${where}: ${trace.timeColumn} ${quoted(time)} is not a number (timeUnit: ${trace.timeUnit})`;
  }
  for (const column of trace.tokenColumns) {
    const tokens = Number(cell(column));
    if (!Number.isInteger(tokens) || tokens < 0)
      return `${where}: ${column} ${quoted(cell(column))} is not a token count`;
  }
  return null;
}
