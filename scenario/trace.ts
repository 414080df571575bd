// Request traces for replay (CSV or JSONL), the one trace reader: a quick check of the file's head for the
// clearest message on the usual mistakes (checkTraceFile), then the full parse into arrival offsets from
// the first row and optional token counts, as typed arrays (a 1 MB file takes a few milliseconds). Bad
// rows are reported as values with their line number, so the loader can show them before a run starts.
import fs from 'node:fs';
import path from 'node:path';
import { excerpt, quoted } from './excerpt.js';
import type { TraceConfig } from './types.js';

export interface ParsedTrace {
  /** Arrival offsets from the first row, divided by the speedup, in (fractional) ms, sorted. */
  readonly arrivalsMs: Float64Array;
  readonly inputTokens: Float64Array | null;
  readonly outputTokens: Float64Array | null;
}

export interface TraceIssue {
  readonly code: 'TRACE_UNREADABLE' | 'TRACE_COLUMN_MISSING' | 'TRACE_BAD_VALUE' | 'TRACE_EMPTY';
  readonly path: string;
  readonly message: string;
}

export type TraceParse =
  { readonly ok: true; readonly trace: ParsedTrace } | { readonly ok: false; readonly issues: TraceIssue[] };

/** Parsed traces kept by their settings, for a caller that replays one trace many times (a sweep worker). */
export class TraceCache {
  private readonly parsed = new Map<string, ParsedTrace>();

  load(config: TraceConfig): TraceParse {
    const key = JSON.stringify(config);
    const hit = this.parsed.get(key);
    if (hit) return { ok: true, trace: hit };
    const result = loadTrace(config);
    if (result.ok) this.parsed.set(key, result.trace);
    return result;
  }
}

/** Reads and parses a trace file. */
export function loadTrace(config: TraceConfig): TraceParse {
  let text: string;
  try {
    text = fs.readFileSync(config.file, 'utf8');
  } catch (err) {
    const message = `cannot read trace file ${config.file}: ${(err as Error).message}`;
    return { ok: false, issues: [{ code: 'TRACE_UNREADABLE', path: 'traffic.trace.file', message }] };
  }
  return parseTrace(text, config);
}

interface Columns {
  readonly time: string[];
  readonly input: string[] | null;
  readonly output: string[] | null;
}

export function parseTrace(text: string, config: TraceConfig): TraceParse {
  const cols = config.format === 'csv' ? splitCsv(text, config) : splitJsonl(text, config);
  if ('issues' in cols) return { ok: false, issues: cols.issues };
  const n = cols.time.length;
  if (n === 0) {
    return {
      ok: false,
      issues: [{ code: 'TRACE_EMPTY', path: 'traffic.trace.file', message: 'the trace has no data rows' }],
    };
  }
  const issues: TraceIssue[] = [];
  const times = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = parseTimeMs(cols.time[i]!, config.timeUnit);
    if (Number.isNaN(t)) {
      if (issues.length < 10) issues.push(badValue(i, config.timeColumn, cols.time[i]!, config.timeUnit));
    } else times[i] = t;
  }
  const input = cols.input ? numbers(cols.input, config.inputTokensColumn ?? '', issues) : null;
  const output = cols.output ? numbers(cols.output, config.outputTokensColumn ?? '', issues) : null;
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, trace: toOffsets(times, input, output, config.speedup) };
}

function toOffsets(
  times: Float64Array,
  input: Float64Array | null,
  output: Float64Array | null,
  speedup: number,
): ParsedTrace {
  const n = times.length;
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) sorted = times[i]! >= times[i - 1]!;
  let order: Int32Array | null = null;
  if (!sorted) {
    order = Int32Array.from({ length: n }, (_, i) => i);
    order.sort((a, b) => times[a]! - times[b]! || a - b);
  }
  const pick = (src: Float64Array | null): Float64Array | null => {
    if (!src || !order) return src;
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = src[order[i]!]!;
    return out;
  };
  const ordered = pick(times)!;
  const first = ordered[0]!;
  const arrivalsMs = new Float64Array(n);
  for (let i = 0; i < n; i++) arrivalsMs[i] = (ordered[i]! - first) / speedup;
  return { arrivalsMs, inputTokens: pick(input), outputTokens: pick(output) };
}

function numbers(values: string[], column: string, issues: TraceIssue[]): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = Number(values[i]);
    if (values[i]!.trim() === '' || !Number.isFinite(v) || v < 0) {
      if (issues.length < 10) issues.push(badValue(i, column, values[i]!, 'a non-negative number'));
    } else out[i] = v;
  }
  return out;
}

function badValue(row: number, column: string, value: string, expected: string): TraceIssue {
  return {
    code: 'TRACE_BAD_VALUE',
    path: `traffic.trace[row ${row + 1}].${column}`,
    message: `data row ${row + 1}: ${quoted(value)} in column ${column} is not ${expected === 'datetime' ? 'a date-time like 2023-11-16 18:15:46.680' : expected}`,
  };
}

/** Time of a trace value in ms: a date-time (UTC when no zone is given), or a number of s or ms. */
export function parseTimeMs(value: string, unit: TraceConfig['timeUnit']): number {
  if (unit === 's' || unit === 'ms') {
    const v = value.trim() === '' ? NaN : Number(value);
    return Number.isFinite(v) ? (unit === 's' ? v * 1000 : v) : NaN;
  }
  return parseDateTimeMs(value);
}

const DATETIME =
  /^\s*(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?\s*(Z|[+-]\d{2}:?\d{2})?\s*$/;

const dayCache = new Map<string, number>();

/** Parses `YYYY-MM-DD HH:MM[:SS[.fraction]]` with an optional zone; keeps sub-millisecond fractions. */
export function parseDateTimeMs(value: string): number {
  const fast = parseFixedDateTimeMs(value);
  if (!Number.isNaN(fast)) return fast;
  const m = DATETIME.exec(value);
  if (!m) return NaN;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  if (!validDate(Number(y), Number(mo), Number(d)) || !validClock(Number(h), Number(mi), Number(s ?? '0'))) {
    return NaN;
  }
  const base = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? '0'));
  const fractionMs = frac ? Number(`0.${frac}`) * 1000 : 0;
  let offsetMs = 0;
  if (zone && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    if (Number(digits.slice(0, 2)) > 23 || Number(digits.slice(2)) > 59) return NaN;
    offsetMs = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return base + fractionMs - offsetMs;
}

/**
 * The common zone-less form `YYYY-MM-DD HH:MM:SS[.fraction]` (the Azure traces) without a regex: a trace
 * has one such value per row. NaN when the value has another shape (the general parser takes over).
 */
function parseFixedDateTimeMs(v: string): number {
  const n = v.length;
  if (
    n < 19 ||
    v.charCodeAt(4) !== 45 ||
    v.charCodeAt(7) !== 45 ||
    v.charCodeAt(13) !== 58 ||
    v.charCodeAt(16) !== 58
  ) {
    return NaN;
  }
  const sep = v.charCodeAt(10);
  if (sep !== 32 && sep !== 84) return NaN;
  const day = v.slice(0, 10);
  let dayMs = dayCache.get(day);
  if (dayMs === undefined) {
    const [y, mo, d] = [digits(v, 0, 4), digits(v, 5, 7), digits(v, 8, 10)];
    dayMs = validDate(y, mo, d) ? Date.UTC(y, mo - 1, d) : NaN;
    if (dayCache.size < 10_000) dayCache.set(day, dayMs);
  }
  const [h, mi, s] = [digits(v, 11, 13), digits(v, 14, 16), digits(v, 17, 19)];
  if (!validClock(h, mi, s)) return NaN;
  const clock = h * 3_600_000 + mi * 60_000 + s * 1000;
  if (n === 19) return dayMs + clock;
  if (v.charCodeAt(19) !== 46 || n === 20) return NaN;
  const frac = digits(v, 20, n);
  return dayMs + clock + (frac / Math.pow(10, n - 20)) * 1000;
}

/** A real calendar day (Date.UTC would roll 2023-13-45 over into 2024). */
function validDate(y: number, mo: number, d: number): boolean {
  if (!Number.isInteger(y) || !Number.isInteger(mo) || !Number.isInteger(d) || mo < 1 || mo > 12 || d < 1)
    return false;
  return d <= new Date(Date.UTC(y, mo, 0)).getUTCDate();
}

/** A real time of day: hours 0–23, minutes and seconds 0–59. */
function validClock(h: number, mi: number, s: number): boolean {
  return h >= 0 && h <= 23 && mi >= 0 && mi <= 59 && s >= 0 && s <= 59;
}

/** The decimal number in v[from, to), or NaN if a character is not a digit. */
function digits(v: string, from: number, to: number): number {
  let x = 0;
  for (let i = from; i < to; i++) {
    const c = v.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return NaN;
    x = x * 10 + c;
  }
  return x;
}

type Split = Columns | { readonly issues: TraceIssue[] };

function splitCsv(text: string, config: TraceConfig): Split {
  const lines = text.split(/\r?\n/);
  const header = parseCsvLine(lines[0] ?? '');
  const index = (name: string | null): number => (name === null ? -1 : header.indexOf(name));
  const missing = missingColumns(config, (name) => index(name) >= 0, `header: ${excerpt(header.join(', '))}`);
  if (missing.length > 0) return { issues: missing };
  const [ti, ii, oi] = [
    index(config.timeColumn),
    index(config.inputTokensColumn),
    index(config.outputTokensColumn),
  ];
  const cols: Columns = { time: [], input: ii >= 0 ? [] : null, output: oi >= 0 ? [] : null };
  for (let l = 1; l < lines.length; l++) {
    const line = lines[l]!;
    if (line.trim() === '') continue; // a final newline, or blank lines, are not rows
    const cells = line.includes('"') ? parseCsvLine(line) : line.split(',');
    cols.time.push(cells[ti] ?? '');
    cols.input?.push(cells[ii] ?? '');
    cols.output?.push(cells[oi] ?? '');
  }
  return cols;
}

/** One CSV line with RFC 4180 quoting (quotes around cells, doubled quotes inside). */
export function parseCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      cells.push(cell);
      cell = '';
    } else cell += c;
  }
  cells.push(cell);
  return cells.map((s) => s.trim());
}

function splitJsonl(text: string, config: TraceConfig): Split {
  const cols: Columns = {
    time: [],
    input: config.inputTokensColumn ? [] : null,
    output: config.outputTokensColumn ? [] : null,
  };
  const issues: TraceIssue[] = [];
  const lines = text.split(/\r?\n/);
  for (let l = 0; l < lines.length; l++) {
    const line = lines[l]!;
    if (line.trim() === '') continue;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      issues.push({
        code: 'TRACE_BAD_VALUE',
        path: `traffic.trace[line ${l + 1}]`,
        message: `line ${l + 1} is not JSON`,
      });
      if (issues.length >= 10) break;
      continue;
    }
    const rec = (typeof row === 'object' && row !== null ? row : {}) as Record<string, unknown>;
    const missing = missingColumns(config, (name) => name in rec, `line ${l + 1}`);
    if (missing.length > 0) return { issues: missing };
    cols.time.push(cellText(rec[config.timeColumn]));
    if (config.inputTokensColumn) cols.input?.push(cellText(rec[config.inputTokensColumn]));
    if (config.outputTokensColumn) cols.output?.push(cellText(rec[config.outputTokensColumn]));
  }
  return issues.length > 0 ? { issues } : cols;
}

function cellText(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}

function missingColumns(config: TraceConfig, has: (name: string) => boolean, where: string): TraceIssue[] {
  const wanted: [string, string | null][] = [
    ['timeColumn', config.timeColumn],
    ['inputTokensColumn', config.inputTokensColumn],
    ['outputTokensColumn', config.outputTokensColumn],
  ];
  return wanted
    .filter(([, name]) => name !== null && !has(name))
    .map(([field, name]) => ({
      code: 'TRACE_COLUMN_MISSING' as const,
      path: `traffic.trace.${field}`,
      message: `column ${quoted(name ?? '')} is not in the trace (${where}); set ${field} to one of its columns`,
    }));
}

// ---------------------------------------------------------------------------------------------
// The head check: the file exists, its header has the named columns, and the first row parses.

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
/** A date-time in the head check: strict (no surrounding blanks), then it must also be a real date. */
const HEAD_DATETIME = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

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
  if (trace.timeUnit === 'datetime' && !(HEAD_DATETIME.test(time) && Number.isFinite(Date.parse(time)))) {
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
