// Durable sweep results: one NDJSON line per finished run, appended and flushed as the run ends, so a
// killed sweep resumes without losing or double-counting runs.
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, truncateSync, writeSync } from 'node:fs';
import type { RunResult } from '../result/result.js';
import { z } from 'zod';
import { excerpt, ONE_LINE_PATTERN, quoted } from '../scenario/excerpt.js';
import { NAME_PATTERN } from '../scenario/schema.js';
import { runKey, type GridAxis, type Shard } from './plan.js';

/** result.json fields except the timeline (and the chart markers). */
export type RunSummary = Omit<RunResult, 'timeline' | 'markers'>;

export interface RunRecord {
  readonly key: string;
  readonly seed: number;
  readonly settings: Readonly<Record<string, string | number | boolean>>;
  /**
   * sha256 of the scenario file the run ran (the plan's scenarioSha256). Resume and merge refuse a
   * record whose hash is not the plan's: a line copied from another sweep's runs.ndjson. Absent only in
   * records that never reach a runs.ndjson (rollsim plan's runs).
   */
  readonly scenarioSha256?: string;
  /** sha256 of each trace file the run read, keyed as in the plan's `inputs`; `{}` when none. */
  readonly inputs?: Readonly<Record<string, string>>;
  readonly status: 'ok' | 'error';
  /** For status `error`: what the run threw. */
  readonly error?: string;
  readonly result?: RunSummary;
}

export function summarise(result: RunResult): RunSummary {
  const { timeline: _timeline, markers: _markers, ...rest } = result;
  return rest;
}

const Finite = z.number().refine(Number.isFinite, 'must be a finite number');
const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be a sha256 (64 hex digits)');
/**
 * Text a plan or a run record carries that reaches a terminal or a report: one line, no control
 * characters (as the scenario's own strings), so a shard cannot start a line of its own in a CI log.
 */
const OneLine = (max: number) =>
  z.string().max(max).regex(ONE_LINE_PATTERN, 'must be one line of printable text');
const SettingValue = z.union([OneLine(1000), Finite, z.boolean()]);

/** What resume and merge accept from runs.ndjson: shards come from other machines. */
const RunRecordSchema = z.object({
  key: z.string().max(10_000),
  seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  settings: z.record(OneLine(1000), SettingValue),
  scenarioSha256: Sha256.optional(),
  inputs: z.record(z.string().max(10_000), Sha256).optional(),
  status: z.enum(['ok', 'error']),
  error: z.string().max(100_000).optional(),
  result: z
    .looseObject({
      edits: z.array(
        z.looseObject({
          kind: z.string(),
          outcome: z.enum(['completed', 'rolledBack', 'rejected', 'inProgress']),
          reason: z.string().max(1000).nullable(),
          durationMs: Finite,
          // Read by the sweep's rollout-duration figures; optional for records written before they were.
          rolloutDurationMs: Finite.nullable().optional(),
          inPlace: z.boolean().optional(),
        }),
      ),
      metrics: z.looseObject({ downtimeMs: Finite, droppedPercent: Finite, gpuHours: Finite }),
      // Absent or empty in records of a version that did not judge them.
      expectations: z
        .array(z.looseObject({ name: z.string().max(1000), pass: z.boolean() }))
        .max(10_000)
        .optional(),
    })
    .optional(),
});

/** A runs.ndjson line that is not a run record. */
export interface CorruptLine {
  readonly line: number;
  readonly reason: string;
}

export interface RunLogRead {
  readonly records: RunRecord[];
  readonly droppedPartial: boolean;
  readonly corrupt: readonly CorruptLine[];
}

/** What every record of a sweep must have run: the plan's scenario and trace hashes. */
export interface SweepIdentity {
  readonly scenarioSha256: string;
  readonly inputs?: Readonly<Record<string, string>>;
}

/** The first 12 hex digits (the schema has checked the hash is hex). */
const short = (sha: string): string => `${sha.slice(0, 12)}…`;

/**
 * Why `record` was not run by the sweep `identity` names (a line copied in from another sweep's
 * runs.ndjson with the same key), or null when its hashes are the plan's. The hashes are not a
 * signature: they catch mixed-up folders, not a forger.
 */
export function foreignRecordReason(record: RunRecord, identity: SweepIdentity): string | null {
  const run = `run ${quoted(record.key)}`;
  if (record.scenarioSha256 === undefined || record.inputs === undefined) {
    return `${run} carries no scenario and trace hashes (not written by this version of rollsim), so it cannot be matched to this sweep`;
  }
  if (record.scenarioSha256 !== identity.scenarioSha256) {
    return `${run} ran another scenario (sha256 ${short(record.scenarioSha256)}, this sweep's is ${short(identity.scenarioSha256)}): it is from another sweep`;
  }
  const planned = identity.inputs ?? {};
  for (const [file, sha] of Object.entries(record.inputs)) {
    const mine = Object.hasOwn(planned, file) ? planned[file] : undefined;
    if (mine === undefined) {
      return `${run} read the trace ${quoted(file)}, which this sweep does not read: it is from another sweep`;
    }
    if (mine !== sha) {
      return `${run} read another version of the trace ${quoted(file)} (sha256 ${short(sha)}, this sweep's is ${short(mine)}): it is from another sweep`;
    }
  }
  return null;
}

/**
 * Reads the finished runs, checking each line against the record schema (corrupt lines are returned,
 * not thrown). A last line without its newline, cut short by a kill, is dropped; with `repair` it is
 * also cut off the file so the next append starts on a fresh line (never for merge: its inputs are
 * read-only). With `identity`, a record that ran another scenario or other trace files is corrupt too
 * (see foreignRecordReason). The first record of a key wins.
 */
export function readRunLog(
  path: string,
  options: { readonly repair?: boolean; readonly identity?: SweepIdentity } = {},
): RunLogRead {
  if (!existsSync(path)) return { records: [], droppedPartial: false, corrupt: [] };
  const text = readFileSync(path, 'utf8');
  const lastNewline = text.lastIndexOf('\n');
  const complete = text.slice(0, lastNewline + 1);
  const droppedPartial = complete.length !== text.length;
  if (droppedPartial && options.repair === true) truncateSync(path, Buffer.byteLength(complete));
  const seen = new Set<string>();
  const records: RunRecord[] = [];
  const corrupt: CorruptLine[] = [];
  const lines = complete.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      corrupt.push({ line: i + 1, reason: 'not JSON' });
      continue;
    }
    const parsed = RunRecordSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue === undefined ? '' : issue.path.map(String).join('.');
      corrupt.push({
        line: i + 1,
        reason: `not a run record (${excerpt(where || 'record')}: ${excerpt(issue?.message ?? 'invalid')})`,
      });
      continue;
    }
    const record = parsed.data as unknown as RunRecord;
    if (runKey(record.settings, record.seed) !== record.key) {
      corrupt.push({
        line: i + 1,
        reason: `its key ${quoted(record.key)} does not match its seed and settings`,
      });
      continue;
    }
    const foreign = options.identity === undefined ? null : foreignRecordReason(record, options.identity);
    if (foreign !== null) {
      corrupt.push({ line: i + 1, reason: foreign });
      continue;
    }
    if (seen.has(record.key)) continue;
    seen.add(record.key);
    records.push(record);
  }
  return { records, droppedPartial, corrupt };
}

/** Corrupt lines as messages (file:line: reason), at most `max` of them. */
export function corruptMessages(path: string, corrupt: readonly CorruptLine[], max = 10): string[] {
  const shown = corrupt.slice(0, max).map((c) => `${path}:${c.line}: ${c.reason}`);
  if (corrupt.length > max) shown.push(`${path}: ${corrupt.length - max} more corrupt lines`);
  return shown;
}

const PlanSchema = z.object({
  version: z.literal(1),
  rollsim: OneLine(100).optional(),
  scenario: z.string().max(100).regex(NAME_PATTERN, 'must be a scenario name ([a-z0-9-]+)'),
  scenarioFile: OneLine(10_000),
  scenarioSha256: z.string().regex(/^[0-9a-f]{64}$/),
  inputs: z.record(OneLine(10_000), z.string().regex(/^[0-9a-f]{64}$/)).optional(),
  seeds: z.number().int().min(1).max(10_000_000),
  seedStart: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  axes: z
    .array(z.object({ path: OneLine(1000), values: z.array(SettingValue).min(1).max(100_000) }))
    .max(100),
  shard: z.object({ index: z.number().int().min(0), count: z.number().int().min(1) }).nullable(),
  totalRuns: z.number().int().min(0),
  shardRuns: z.number().int().min(0),
});

/** Reads and checks a sweep-plan.json; a message (naming the file) when it is missing or not a plan. */
export function readPlan(path: string): { ok: true; plan: SweepPlanFile } | { ok: false; message: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { ok: false, message: `${path}: cannot read the sweep plan (${code ?? 'error'})` };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, message: `${path}: not JSON; this is not a sweep plan rollsim wrote` };
  }
  const parsed = PlanSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined ? '' : issue.path.map(String).join('.');
    return {
      ok: false,
      message: `${path}: not a sweep plan rollsim wrote (${excerpt(where || 'plan')}: ${excerpt(issue?.message ?? 'invalid')})`,
    };
  }
  return { ok: true, plan: parsed.data as SweepPlanFile };
}

export class RunLog {
  private readonly fd: number;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'a');
  }

  /** One whole line per write, flushed to disk before returning. */
  append(record: RunRecord): void {
    writeSync(this.fd, `${JSON.stringify(record)}\n`);
    fsyncSync(this.fd);
  }

  close(): void {
    closeSync(this.fd);
  }
}

export const PLAN_FILE = 'sweep-plan.json';
export const RUNS_FILE = 'runs.ndjson';

/** What the output folder was created for; a resume must match it. */
export interface SweepPlanFile {
  readonly version: 1;
  /** The rollsim version that planned it; absent in folders of a version that did not record it. */
  readonly rollsim?: string;
  readonly scenario: string;
  readonly scenarioFile: string;
  readonly scenarioSha256: string;
  /** sha256 of every file the scenario reads (traces), by absolute path; resume and merge refuse a change. */
  readonly inputs?: Readonly<Record<string, string>>;
  readonly seeds: number;
  readonly seedStart: number;
  readonly axes: readonly GridAxis[];
  readonly shard: Shard | null;
  readonly totalRuns: number;
  readonly shardRuns: number;
  /** Settings combinations the scenario refuses (not run), with why; absent when there are none. */
  readonly skipped?: readonly SkippedCombo[];
}

export interface SkippedCombo {
  /** The settings label, as `settingsLabel` writes it. */
  readonly settings: string;
  readonly reasons: readonly string[];
}

/**
 * Why runs of the plan in a folder cannot join runs of this rollsim, or null when they can: another
 * version may simulate the same seed differently, and a resume or merge would mix the two.
 */
export function versionMismatch(where: string, found: SweepPlanFile, version: string): string | null {
  // A plan that records no version (written before versions were recorded, or by hand) cannot be told
  // apart; like the hashes, this catches mixed-up folders, not a forger.
  if (found.rollsim === undefined || found.rollsim === version) return null;
  return `${where}: planned by rollsim ${found.rollsim}; this is rollsim ${version}, and its runs would mix with theirs: use another --out (or the version that wrote it)`;
}
