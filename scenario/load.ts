// Scenario file -> `Scenario`, or every problem at once, each with file, line, column, field path and
// what is allowed. Bad input is a value, never an exception: a scenario file is untrusted input.
import fs from 'node:fs';
import path from 'node:path';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { excerpt, formatCount, quoted } from './excerpt.js';
import { checkTraceFile, loadTrace, type ParsedTrace, type TraceCache } from './trace.js';
import { toScenario, toTraceConfig } from './normalize.js';
import { SCENARIO_LIMITS, ScenarioFileSchema, type ScenarioFile } from './schema.js';
import { didYouMean, semanticIssues, type ContextLimit, type IssuePath } from './semantic.js';
import type { Scenario } from './types.js';

export type ScenarioIssueCode = 'file' | 'yaml' | 'forbidden-key' | 'unknown-field' | 'schema' | 'semantic';

export interface ScenarioIssue {
  readonly file: string;
  /** 1-based; 0 when the problem is the file itself (missing, too large). */
  readonly line: number;
  readonly column: number;
  /** Field path such as `events[2].fault.pool`; empty for the whole file. */
  readonly path: string;
  readonly message: string;
  readonly code: ScenarioIssueCode;
}

export type LoadResult = { ok: true; scenario: Scenario } | { ok: false; issues: ScenarioIssue[] };

/** Keys that would reach an object's prototype if ever assigned; rejected wherever they appear. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

const REQUIRED_TOP_LEVEL = ['apiVersion', 'kind', 'metadata', 'duration', 'cluster', 'deployment', 'traffic'];

/**
 * `deployment.scaling.metrics[0].threshold`. A key is the file's own text: each is shown as a one-line
 * excerpt (a line break in a key would otherwise start a line of its own in a CI log).
 */
export function formatPath(p: IssuePath): string {
  return p.reduce<string>((acc, seg) => {
    if (typeof seg === 'number') return `${acc}[${seg}]`;
    const key = excerpt(seg);
    return acc === '' ? key : `${acc}.${key}`;
  }, '');
}

/** `file:line:column: path: message`, the form editors and CI logs link to. */
export function formatIssue(issue: ScenarioIssue): string {
  const where = issue.line > 0 ? `${issue.file}:${issue.line}:${issue.column}` : issue.file;
  return issue.path === '' ? `${where}: ${issue.message}` : `${where}: ${issue.path}: ${issue.message}`;
}

const fileIssue = (file: string, message: string): LoadResult => ({
  ok: false,
  issues: [{ file, line: 0, column: 0, path: '', message, code: 'file' }],
});

/**
 * Loads a scenario from disk. `file` (relative to `cwd`, default the process's) is shown in messages as
 * given; the scenario keeps the absolute path.
 */
export interface LoadOptions {
  readonly cwd?: string;
  /** Extra folders trace files may lie in (`--data-root`), besides the scenario's own folder. */
  readonly dataRoots?: readonly string[];
  /** Where the check's parse of a replayed trace is kept, for the run that follows to reuse. */
  readonly traces?: TraceCache;
}

export function loadScenarioFile(file: string, options: LoadOptions = {}): LoadResult {
  const absolute = path.resolve(options.cwd ?? process.cwd(), file);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(absolute);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return fileIssue(file, code === 'ENOENT' ? 'no such file' : `cannot read the file (${code ?? 'error'})`);
  }
  if (stat.isDirectory())
    return fileIssue(file, 'is a directory, not a scenario file (`rollsim check DIR` runs a folder)');
  if (!stat.isFile()) return fileIssue(file, 'is not a regular file');
  if (stat.size > SCENARIO_LIMITS.fileBytesMax) {
    return fileIssue(
      file,
      `is ${stat.size} bytes; scenario files may be at most ${SCENARIO_LIMITS.fileBytesMax} bytes (1 MiB)`,
    );
  }
  let text: string;
  try {
    text = fs.readFileSync(absolute, 'utf8');
  } catch (error) {
    return fileIssue(file, `cannot read the file (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return loadScenarioText(text, {
    file,
    sourcePath: absolute,
    dataRoots: options.dataRoots ?? [],
    ...(options.traces === undefined ? {} : { traces: options.traces }),
  });
}

interface Source {
  /** Shown in messages. */
  readonly file: string;
  /** Absolute path; trace files resolve relative to it and must lie in its folder (or a data root). */
  readonly sourcePath: string;
  /** Extra folders trace files may lie in (`--data-root`). */
  readonly dataRoots?: readonly string[];
  /** Keeps the parse of a replayed trace for the run (see LoadOptions). */
  readonly traces?: TraceCache;
}

/** Loads scenario text (YAML or JSON; JSON is parsed as YAML, which keeps positions and finds duplicate keys). */
export function loadScenarioText(text: string, source: Source): LoadResult {
  if (Buffer.byteLength(text, 'utf8') > SCENARIO_LIMITS.fileBytesMax) {
    return fileIssue(source.file, `is larger than ${SCENARIO_LIMITS.fileBytesMax} bytes (1 MiB)`);
  }
  const tooDeep = flowNestingProblem(text);
  if (tooDeep !== null) {
    const message = `brackets nested deeper than ${SCENARIO_LIMITS.nestingDepthMax} levels`;
    return { ok: false, issues: [{ file: source.file, ...tooDeep, path: '', message, code: 'yaml' }] };
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter,
    prettyErrors: false,
    // Duplicate keys are found in inspectNodes with a Set per mapping: the parser's own check compares
    // each key with every earlier one, which made a file of 120,000 keys take minutes.
    uniqueKeys: false,
    strict: true,
    merge: true,
  });
  const at = (offset: number): { line: number; column: number } => {
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, column: pos.col };
  };
  const issues: Located[] = yamlIssues(doc, text, at);
  if (issues.some((i) => i.fatal)) return failure(source.file, issues);
  if (doc.contents === null) {
    const message = `the file is empty; a scenario needs ${REQUIRED_TOP_LEVEL.join(', ')}`;
    return failure(source.file, [{ path: [], message, code: 'schema', fatal: true, line: 1, column: 1 }]);
  }

  const inspected = inspectNodes(doc, text);
  issues.push(
    ...inspected.issues.map((i) => ({
      ...i,
      ...(i.offset === undefined ? locate(doc, at, i.path, true) : at(i.offset)),
    })),
  );
  if (inspected.fatal) return failure(source.file, issues);

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: SCENARIO_LIMITS.aliasCountMax });
  } catch (error) {
    const message = `cannot expand the document: ${(error as Error).message} (aliases may expand to at most ${SCENARIO_LIMITS.aliasCountMax} nodes)`;
    issues.push({ path: [], message, code: 'yaml', fatal: true, ...firstAlias(doc, at) });
    return failure(source.file, issues);
  }
  const foreign = foreignDocument(value);
  if (foreign !== null) {
    issues.push({ path: [], message: foreign, code: 'schema', fatal: true, line: 1, column: 1 });
    return failure(source.file, issues);
  }
  const parsed = ScenarioFileSchema.safeParse(withoutForbiddenKeys(value), { error: describeIssue });
  if (!parsed.success) {
    // Locating an issue walks the document; a hostile file can have one issue per key, so only the
    // ones that can be shown are located.
    const schemaIssues = fromZod(parsed.error.issues, value).slice(0, ISSUES_SHOWN_MAX + 1);
    const located = schemaIssues.map((i) => ({
      ...i,
      message: asWritten(doc, text, i.path, i.message),
      fatal: false,
      ...locate(doc, at, i.path, i.atKey),
    }));
    issues.push(...located);
    // Check the meaning of the sections the schema accepted too, so one pass reports every problem.
    const partial = validSections(value);
    if (partial !== null) {
      const semantic = semanticIssues(
        partial.file,
        { checkTrace: (trace, context) => traceProblem(trace, source, context) },
        partial.ok,
      );
      issues.push(
        ...semantic.map((i) => ({
          ...i,
          code: 'semantic' as const,
          fatal: false,
          ...locate(doc, at, i.path, false),
        })),
      );
    }
    return failure(source.file, issues);
  }
  const semantic = semanticIssues(parsed.data, {
    checkTrace: (trace, context) => traceProblem(trace, source, context),
  });
  issues.push(
    ...semantic.map((i) => ({
      ...i,
      code: 'semantic' as const,
      fatal: false,
      ...locate(doc, at, i.path, false),
    })),
  );
  if (issues.length > 0) return failure(source.file, issues);
  return { ok: true, scenario: toScenario(parsed.data, source.sourcePath) };
}

/**
 * A mapping with none of a scenario's own keys (a CI workflow, a Kubernetes manifest, a config file in
 * the folder `rollsim check` was given): one problem that says so, instead of a "required field is
 * missing" for every section and an "unknown field" for each of its keys. A file with any scenario key
 * (say, one that only forgot `apiVersion`) gets every problem as usual.
 */
function foreignDocument(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const keys = Object.keys(value);
  const own = Object.keys(ScenarioFileSchema.shape);
  if (keys.length === 0 || keys.some((k) => own.includes(k))) return null;
  const shown = keys.slice(0, 5).map((k) => quoted(k, 40));
  return (
    `not a rollsim scenario: none of its top-level keys (${shown.join(', ')}${keys.length > 5 ? ', …' : ''}) is a scenario field; ` +
    'a scenario starts with apiVersion: rollsim/v1 and kind: Scenario (rollsim check reads every .yaml, .yml and .json in a folder: name the scenario files, or keep other files out of it)'
  );
}

type TraceSection = Extract<ScenarioFile['traffic'], { profile: 'trace' }>['trace'];

/** The top-level sections that pass the schema on their own, parsed; null when the file is no mapping. */
function validSections(value: unknown): { file: ScenarioFile; ok: Set<string> } | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const raw = withoutForbiddenKeys(value) as Record<string, unknown>;
  const file: Record<string, unknown> = {};
  const ok = new Set<string>();
  for (const [key, schema] of Object.entries(ScenarioFileSchema.shape)) {
    const parsed = (schema as z.ZodType).safeParse(raw[key]);
    if (!parsed.success) continue;
    ok.add(key);
    if (parsed.data !== undefined) file[key] = parsed.data;
  }
  return { file: file as ScenarioFile, ok };
}

/**
 * The head check gives the clearest message for the usual mistakes (missing file, wrong column); then
 * the simulator's own parser reads every row, so a run never starts on a trace it cannot replay. With a
 * TraceCache in `source`, the run reuses that parse; without one it parses the trace again.
 */
function traceProblem(trace: TraceSection, source: Source, context: ContextLimit | null): string | null {
  const config = toTraceConfig(trace, source.sourcePath);
  const tokenColumns = [config.inputTokensColumn, config.outputTokensColumn].filter(
    (c): c is string => c !== null,
  );
  const roots = [path.dirname(source.sourcePath), ...(source.dataRoots ?? [])];
  const head = checkTraceFile({ ...config, shownAs: trace.file, tokenColumns, roots });
  if (head !== null) return head;
  const parsed = source.traces === undefined ? loadTrace(config) : source.traces.load(config);
  if (!parsed.ok)
    return `trace file ${quoted(trace.file)}: ${parsed.issues.map((i) => i.message).join('; ')}`;
  return context === null ? null : pastContext(parsed.trace, trace.file, context);
}

/**
 * Rows whose prompt and output together exceed the model's context: vLLM answers them 400 before they
 * are scheduled, so replaying them as served requests would describe traffic the deployment never runs.
 */
function pastContext(trace: ParsedTrace, file: string, context: ContextLimit): string | null {
  const input = trace.inputTokens;
  const output = trace.outputTokens;
  if (input === null && output === null) return null;
  let count = 0;
  let longest = 0;
  for (let k = 0; k < trace.arrivalsMs.length; k++) {
    const tokens = (input === null ? 0 : input[k]!) + (output === null ? 0 : output[k]!);
    if (tokens > context.tokens) {
      count++;
      if (tokens > longest) longest = tokens;
    }
  }
  if (count === 0) return null;
  const rows = count === 1 ? '1 row asks' : `${formatCount(count)} rows ask`;
  return `trace file ${quoted(file)}: ${rows} for more tokens (prompt and output together, the longest ${formatCount(longest)}) than the ${formatCount(context.tokens)}-token context of ${context.model}, which vLLM refuses; drop or trim those rows`;
}

interface Located {
  readonly path: IssuePath;
  readonly message: string;
  readonly code: ScenarioIssueCode;
  readonly line: number;
  readonly column: number;
  /** Stops checking: what follows would only repeat or guess. */
  readonly fatal: boolean;
}

function failure(file: string, located: readonly Located[]): LoadResult {
  const issues = located
    .map((i) => ({
      file,
      line: i.line,
      column: i.column,
      path: formatPath(i.path),
      message: i.message,
      code: i.code,
    }))
    .sort((a, b) => a.line - b.line || a.column - b.column);
  if (issues.length <= ISSUES_SHOWN_MAX) return { ok: false, issues };
  const rest = issues.length - ISSUES_SHOWN_MAX;
  const more: ScenarioIssue = {
    file,
    line: 0,
    column: 0,
    path: '',
    message: `${rest} more problems not shown`,
    code: 'file',
  };
  return { ok: false, issues: [...issues.slice(0, ISSUES_SHOWN_MAX), more] };
}

/** A hostile file could hold a million problems; a person reads the first hundred. */
const ISSUES_SHOWN_MAX = 100;

/** Text from the file, shortened for a message. */
function clip(text: string): string {
  return excerpt(text, 60);
}

// ---------------------------------------------------------------------------------------------
// YAML: syntax errors, duplicate keys, and what the AST must not contain

/**
 * YAML errors and warnings. After the first syntax error the parser's view of the rest is a guess, so
 * only that one is reported (duplicate keys are not syntax errors and are all reported).
 */
function yamlIssues(
  doc: Document,
  text: string,
  at: (offset: number) => { line: number; column: number },
): Located[] {
  const all = [...doc.errors, ...doc.warnings].sort((a, b) => a.pos[0] - b.pos[0]);
  const firstSyntax = all.findIndex((e) => e.code !== 'DUPLICATE_KEY');
  const shown =
    firstSyntax < 0
      ? all
      : all.slice(0, firstSyntax + 1).filter((e, i) => i === firstSyntax || e.code === 'DUPLICATE_KEY');
  const more =
    firstSyntax >= 0 && all.length > shown.length
      ? ' (fix this first: the YAML errors after it may follow from it)'
      : '';
  return shown.map((e) => {
    const [start, end] = e.pos;
    const first = e.message.split('\n')[0] ?? e.message;
    const plain = first.replace(/ at line \d+, column \d+:?$/, '');
    if (e.code === 'DUPLICATE_KEY') {
      const message = `duplicate key ${keyAt(text, start, end)}: each key may appear once in a mapping`;
      return { path: [], message, code: 'yaml' as const, fatal: false, ...at(start) };
    }
    return { path: [], message: `YAML: ${plain}${more}`, code: 'yaml' as const, fatal: true, ...at(start) };
  });
}

/** The key text a YAML error points at, quoted for the message. */
function keyAt(text: string, start: number, end: number): string {
  const raw = text.slice(start, Math.max(end, start + 200));
  const match = /^("(?:[^"\\]|\\.)*"|'[^']*'|[^:\n,}]+)/.exec(raw);
  const key = (match?.[1] ?? '').trim();
  return key.startsWith('"') || key.startsWith("'") ? excerpt(key) : quoted(key);
}

interface Inspected {
  issues: {
    path: IssuePath;
    message: string;
    code: ScenarioIssueCode;
    fatal: boolean;
    /** Where the problem is, when known without a lookup. */
    offset?: number;
  }[];
  fatal: boolean;
}

/** Walks the AST once: forbidden and duplicate keys, non-text keys, nesting depth and alias count. */
function inspectNodes(doc: Document, text: string): Inspected {
  const out: Inspected = { issues: [], fatal: false };
  let aliases = 0;
  const fail = (p: IssuePath, message: string, code: ScenarioIssueCode, fatal: boolean): void => {
    out.issues.push({ path: p, message, code, fatal });
    out.fatal ||= fatal;
  };
  const walk = (node: unknown, p: IssuePath): void => {
    if (out.fatal) return;
    if (p.length > SCENARIO_LIMITS.nestingDepthMax) {
      fail(p, `nested deeper than ${SCENARIO_LIMITS.nestingDepthMax} levels`, 'yaml', true);
    } else if (isAlias(node)) {
      if (++aliases > SCENARIO_LIMITS.aliasCountMax) {
        fail(p, `more than ${SCENARIO_LIMITS.aliasCountMax} aliases (*name)`, 'yaml', true);
      }
    } else if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        if (!isScalar(pair.key)) {
          fail(p, 'mapping keys must be plain text, not lists or mappings', 'yaml', true);
          continue;
        }
        const key = String(pair.key.value);
        if (seen.has(key)) {
          const [start, end] = pair.key.range ?? [0, 0];
          const message = `duplicate key ${keyAt(text, start, end)}: each key may appear once in a mapping`;
          out.issues.push({ path: [], message, code: 'yaml', fatal: false, offset: start });
          continue;
        }
        seen.add(key);
        if (FORBIDDEN_KEYS.has(key)) {
          fail(
            [...p, key],
            `the key "${key}" is not allowed (it could alter object prototypes)`,
            'forbidden-key',
            false,
          );
          continue;
        }
        walk(pair.value, [...p, key]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item, [...p, i]));
    }
  };
  walk(doc.contents, []);
  return out;
}

/** A deep copy without forbidden keys, built from plain objects (so nothing can set a prototype). */
function withoutForbiddenKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutForbiddenKeys);
  if (value === null || typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype)
    return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (!FORBIDDEN_KEYS.has(key)) out[key] = withoutForbiddenKeys(v);
  }
  return out;
}

function firstAlias(doc: Document, at: (offset: number) => { line: number; column: number }) {
  let found: Node | null = null;
  const walk = (node: unknown): void => {
    if (found !== null) return;
    if (isAlias(node)) found = node;
    else if (isMap(node)) node.items.forEach((pair) => walk(pair.value));
    else if (isSeq(node)) node.items.forEach(walk);
  };
  walk(doc.contents);
  const range = (found as Node | null)?.range;
  return range ? at(range[0]) : { line: 1, column: 1 };
}

interface Found {
  readonly node: Node | null;
  readonly key: Node | null;
  /** The path went further than the document (a missing field). */
  readonly missing: boolean;
}

function findNode(doc: Document, p: IssuePath): Found {
  let node: unknown = doc.contents;
  let key: Node | null = null;
  let found = 0;
  for (const seg of p) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((it) => isScalar(it.key) && String(it.key.value) === String(seg));
      if (pair === undefined) break;
      key = pair.key as Node;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number' && node.items[seg] !== undefined) {
      key = null;
      node = node.items[seg];
    } else break;
    found++;
  }
  return { node: (node ?? null) as Node | null, key, missing: found < p.length };
}

/** Line and column of the node at `p` (its key when `atKey`); the nearest existing ancestor otherwise. */
function locate(
  doc: Document,
  at: (offset: number) => { line: number; column: number },
  p: IssuePath,
  atKey: boolean,
): { line: number; column: number } {
  const { node, key, missing } = findNode(doc, p);
  const target = (atKey || missing || node === null) && key !== null ? key : node;
  const range = target?.range ?? doc.contents?.range;
  return range ? at(range[0]) : { line: 1, column: 1 };
}

/**
 * Messages end in "got <value>"; for a number the file's own spelling is clearer (9007199254740993 is
 * read as 9007199254740992, 1e400 as Infinity).
 */
function asWritten(doc: Document, text: string, p: IssuePath, message: string): string {
  const { node, missing } = findNode(doc, p);
  const range = isScalar(node) ? node.range : null;
  if (missing || !isScalar(node) || typeof node.value !== 'number' || !range) return message;
  const written = text.slice(range[0], range[1]).trim();
  const shown = `got ${String(node.value)}`;
  return message.endsWith(shown) && written !== String(node.value)
    ? `${message.slice(0, -shown.length)}got ${written}`
    : message;
}

// ---------------------------------------------------------------------------------------------
// Zod issues -> messages that say what is allowed

const KIND_WORDS: Readonly<Record<string, string>> = {
  object: 'a mapping',
  array: 'a list',
  string: 'text',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  record: 'a mapping',
};

function describeValue(input: unknown): string {
  if (input === undefined) return 'nothing';
  if (typeof input === 'number' && Number.isNaN(input)) return 'NaN (.nan)';
  if (input === Infinity || input === -Infinity) return `${input > 0 ? '' : '-'}Infinity (.inf)`;
  if (typeof input === 'string') return quoted(input, 60);
  if (typeof input === 'number' || typeof input === 'boolean') return String(input);
  if (input === null) return 'null (an empty value)';
  if (Array.isArray(input)) return 'a list';
  if (input instanceof Uint8Array) return 'binary data';
  return typeof input === 'object' ? 'a mapping' : typeof input;
}

type RawIssue = z.core.$ZodRawIssue;

/** The per-parse error map: one plain sentence per problem, with what was found. */
function describeIssue(iss: RawIssue): string {
  const got = describeValue(iss.input);
  switch (iss.code) {
    case 'invalid_type': {
      const expected = KIND_WORDS[iss.expected] ?? iss.expected;
      if (iss.input === undefined) return `required field is missing (expected ${expected})`;
      if (typeof iss.input === 'number' && !Number.isFinite(iss.input))
        return `expected a finite number, got ${got}`;
      return `expected ${expected}, got ${got}`;
    }
    case 'too_small':
      return sizeMessage(
        'at least',
        'greater than',
        iss.origin,
        Number(iss.minimum),
        iss.inclusive !== false,
        got,
      );
    case 'too_big':
      if (
        iss.origin === 'int' ||
        (iss.origin === 'number' && Number(iss.maximum) === Number.MAX_SAFE_INTEGER)
      ) {
        return `must be an integer of at most ${Number.MAX_SAFE_INTEGER} (larger ones lose precision), got ${got}`;
      }
      return sizeMessage(
        'at most',
        'less than',
        iss.origin,
        Number(iss.maximum),
        iss.inclusive !== false,
        got,
      );
    case 'invalid_value': {
      const values = iss.values.map((v) => JSON.stringify(v));
      const hint = typeof iss.input === 'string' ? didYouMean(iss.input, iss.values.map(String)) : '';
      return values.length === 1
        ? `must be ${values[0]}, got ${got}`
        : `expected one of ${values.join(' | ')}, got ${got}${hint}`;
    }
    case 'invalid_union':
      return unionMessage(iss);
    case 'invalid_format':
      return `has the wrong format (${iss.format}), got ${got}`;
    case 'unrecognized_keys':
      return `unknown fields: ${iss.keys.join(', ')}`;
    default:
      return iss.message ?? `is not valid, got ${got}`;
  }
}

function sizeMessage(
  incl: string,
  excl: string,
  origin: string,
  limit: number,
  inclusive: boolean,
  got: string,
): string {
  if (origin === 'string')
    return limit === 1 && incl === 'at least'
      ? 'must not be empty'
      : `must be ${incl} ${limit} characters long`;
  if (origin === 'array' || origin === 'set')
    return `must have ${incl} ${limit} ${limit === 1 ? 'entry' : 'entries'}`;
  return `must be ${inclusive ? incl : excl} ${limit}, got ${got}`;
}

/** The start of the message of a union without its own (a field's own message is kept as it is). */
const NO_ALLOWED_FORM = 'does not match any allowed form';

function unionMessage(iss: Extract<RawIssue, { code: 'invalid_union' }>): string {
  const raw = iss as { discriminator?: string; options?: unknown[]; input?: unknown };
  if (raw.discriminator !== undefined) {
    const options = (raw.options ?? []).map(String);
    const value = (raw.input as Record<string, unknown> | undefined)?.[raw.discriminator];
    const hint = typeof value === 'string' ? didYouMean(value, options) : '';
    const allowed = options.map((o) => JSON.stringify(o)).join(' | ');
    if (value === undefined) return `required field is missing (expected one of ${allowed})`;
    return `expected one of ${allowed}, got ${describeValue(value)}${hint}`;
  }
  return `${NO_ALLOWED_FORM}, got ${describeValue(raw.input)}`;
}

interface SchemaIssue {
  readonly path: IssuePath;
  readonly message: string;
  readonly code: ScenarioIssueCode;
  readonly atKey: boolean;
}

/**
 * A union without a discriminator (a field that takes a name or a mapping) reports every branch's
 * problems. The branches that fail on the kind of value itself (a list of names for a mapping, a mapping
 * for a name) are left out: when one branch remains, its problems are the ones to tell, at their own
 * fields, and the others are named as what else the field takes.
 */
function expandUnions(issues: readonly z.core.$ZodIssue[], input: unknown): z.core.$ZodIssue[] {
  return issues.flatMap((iss): z.core.$ZodIssue[] => {
    // A discriminated union, or one with a message of its own, is told as it is (see unionMessage).
    if (iss.code !== 'invalid_union' || !iss.message.startsWith(NO_ALLOWED_FORM)) return [iss];
    const value = valueAt(input, iss.path);
    const wrongKind = (branch: readonly z.core.$ZodIssue[]): string | null => {
      const root = branch.find((b) => b.path.length === 0);
      if (root?.code === 'invalid_type') return KIND_WORDS[root.expected] ?? root.expected;
      if (root?.code === 'invalid_value' && root.values.every((v) => typeof v !== typeof value))
        return `one of ${root.values.map((v) => JSON.stringify(v)).join(' | ')}`;
      return null;
    };
    const fits = iss.errors.filter((branch) => wrongKind(branch) === null);
    if (fits.length === 0 && iss.errors.length > 0) {
      const kinds = iss.errors.map(wrongKind).join(' or ');
      return [{ ...iss, message: `expected ${kinds}, got ${describeValue(value)}` }];
    }
    if (fits.length !== 1) return [iss];
    const others = iss.errors.map(wrongKind).filter((k): k is string => k !== null);
    const also = others.length > 0 ? ` (it also takes ${others.join(' or ')})` : '';
    return expandUnions(
      fits[0]!.map((b, k) => ({
        ...b,
        path: [...iss.path, ...b.path],
        message: k === 0 && b.path.length === 0 ? b.message + also : b.message,
      })),
      input,
    );
  });
}

function valueAt(input: unknown, p: readonly PropertyKey[]): unknown {
  let v = input;
  for (const seg of p) v = (v as Record<PropertyKey, unknown> | null | undefined)?.[seg];
  return v;
}

function fromZod(all: readonly z.core.$ZodIssue[], input: unknown): SchemaIssue[] {
  const issues = expandUnions(all, input);
  // One message per field: a huge integer fails both the safe-integer and the range check.
  const seen = new Set<string>();
  const firstPerPath = issues.filter((iss) => {
    const key = JSON.stringify(iss.path);
    if (iss.code !== 'unrecognized_keys' && seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return firstPerPath.flatMap((iss): SchemaIssue[] => {
    const p = iss.path as (string | number)[];
    if (iss.code === 'unrecognized_keys') {
      const known = knownKeysAt(p, input);
      return iss.keys.slice(0, ISSUES_SHOWN_MAX + 1).map((key) => ({
        path: [...p, key],
        message: `unknown field "${clip(key)}"${didYouMean(key, known)} (allowed here: ${known.join(', ')})`,
        code: 'unknown-field',
        atKey: true,
      }));
    }
    return [{ path: p, message: iss.message, code: 'schema', atKey: false }];
  });
}

interface SchemaNode {
  readonly def: { readonly type: string; readonly [key: string]: unknown };
}

/** The field names allowed at a path of the scenario schema (unions resolved by the data found there). */
function knownKeysAt(p: IssuePath, input: unknown): string[] {
  let node = ScenarioFileSchema as unknown as SchemaNode;
  let data = input;
  for (const seg of [...p, null]) {
    node = unwrap(node, data);
    if (seg === null) break;
    const def = node.def;
    data = (data as Record<string | number, unknown> | undefined)?.[seg];
    if (def.type === 'object') node = (def.shape as Record<string, SchemaNode>)[seg] ?? node;
    else if (def.type === 'array') node = def.element as SchemaNode;
    else if (def.type === 'record') node = def.valueType as SchemaNode;
    else return [];
  }
  return node.def.type === 'object' ? Object.keys(node.def.shape as object) : [];
}

function unwrap(node: SchemaNode, data: unknown): SchemaNode {
  for (;;) {
    const def = node.def;
    if (['optional', 'nullable', 'default', 'prefault'].includes(def.type))
      node = def.innerType as SchemaNode;
    else if (def.type === 'pipe') node = def.in as SchemaNode;
    else if (def.type === 'union') {
      const options = def.options as SchemaNode[];
      const disc = def.discriminator as string | undefined;
      const value = disc === undefined ? undefined : (data as Record<string, unknown> | undefined)?.[disc];
      const match = options.find((o) => {
        const shape = o.def.shape as Record<string, SchemaNode> | undefined;
        if (disc === undefined) return o.def.type === 'object';
        return (shape?.[disc]?.def.values as unknown[] | undefined)?.includes(value) ?? false;
      });
      if (match === undefined) return node;
      node = match;
    } else return node;
  }
}

/**
 * Where `[` / `{` nesting first goes past the limit, scanning outside quotes and comments. The YAML
 * parser recurses per level, so a file of 500,000 `[` would otherwise exhaust the stack slowly.
 */
function flowNestingProblem(text: string): { line: number; column: number } | null {
  let depth = 0;
  let line = 1;
  let lineStart = 0;
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') {
      line++;
      lineStart = i + 1;
      if (quote === null) continue;
    }
    if (quote !== null) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"') i++;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1] ?? ''))) {
      const end = text.indexOf('\n', i);
      i = (end < 0 ? text.length : end) - 1;
    } else if (c === '[' || c === '{') {
      if (++depth > SCENARIO_LIMITS.nestingDepthMax) return { line, column: i - lineStart + 1 };
    } else if ((c === ']' || c === '}') && depth > 0) depth--;
  }
  return null;
}
