// Durable rehearsal branches: one NDJSON line per finished branch, appended and flushed as it ends, so
// a killed rehearsal resumes where it stopped and shards run apart can be joined in one folder.
import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readdirSync,
  readFileSync,
  truncateSync,
  writeSync,
} from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import { excerpt, quoted } from '../scenario/excerpt.js';
import type { Shard } from '../sweep/plan.js';
import { FAULT_KINDS, type BranchResult, type FaultKind } from './types.js';

export const REHEARSAL_PLAN_FILE = 'rehearsal-plan.json';
const LOG_PATTERN = /^branches(?:\.\d+-of-\d+)?\.ndjson$/;

/** What the output folder was created for; a resume (or another shard) must match it. */
export interface RehearsalPlanFile {
  readonly version: 1;
  /** The rollsim version that planned it: branches of another version are not joined. */
  readonly rollsim: string;
  readonly scenario: string;
  readonly scenarioSha256: string;
  readonly seed: number;
  readonly edit: number;
  readonly faults: readonly FaultKind[];
  readonly steps: number;
  readonly stepsSha256: string;
}

/** The log this process appends to: one per shard, so shards can share a folder. */
export function logFileName(shard: Shard | null): string {
  return shard === null ? 'branches.ndjson' : `branches.${shard.index}-of-${shard.count}.ndjson`;
}

interface LogLine {
  readonly key: string;
  /** sha256 of the rehearsal plan (planSha256) the branch ran under: a line from another rehearsal differs. */
  readonly plan: string;
  readonly branch: BranchResult;
}

/** sha256 of a rehearsal plan, as each branch log line carries it. */
export function planSha256(plan: RehearsalPlanFile): string {
  return createHash('sha256').update(JSON.stringify(plan)).digest('hex');
}

const Finite = z.number().refine(Number.isFinite, 'must be a finite number');
const Text = z.string().max(10_000);

/** What a resume accepts from a branch log: lines may have been edited or copied from elsewhere. */
const LogLineSchema = z.object({
  key: Text,
  plan: z.string().regex(/^[0-9a-f]{64}$/, 'must be a sha256 (64 hex digits)'),
  branch: z.object({
    step: z.number().int().min(0),
    fault: z.enum(FAULT_KINDS),
    faultAtMs: Finite,
    outcome: z.enum(['completed', 'rolledBack', 'rejected', 'inProgress', 'unfinished', 'error']),
    reason: Text.nullable(),
    restoredMs: Finite.nullable(),
    recovered: z.enum(['prior', 'new']).nullable(),
    downtimeMs: Finite,
    droppedPercent: Finite,
    peakGpus: z.record(Text, Finite),
    invariantsHeld: z.boolean(),
    pass: z.boolean(),
    problems: z.array(Text).max(1000),
    replay: Text,
  }),
});

export interface BranchLogRead {
  readonly branches: Map<string, BranchResult>;
  /** `file:line: reason` for every line that is not a branch of this rehearsal. */
  readonly corrupt: readonly string[];
}

/**
 * Every finished branch in the folder's logs; a last line cut short by a kill is cut off its file.
 * Each line is checked against the schema and must carry this rehearsal's plan hash `plan` (a line
 * copied from another rehearsal's log under the same key does not); the others are returned as corrupt.
 */
export function readBranchLogs(dir: string, plan: string): BranchLogRead {
  const branches = new Map<string, BranchResult>();
  const corrupt: string[] = [];
  if (!existsSync(dir)) return { branches, corrupt };
  for (const name of readdirSync(dir)
    .filter((n) => LOG_PATTERN.test(n))
    .sort()) {
    const path = join(dir, name);
    const text = readFileSync(path, 'utf8');
    const complete = text.slice(0, text.lastIndexOf('\n') + 1);
    if (complete.length !== text.length) truncateSync(path, Buffer.byteLength(complete));
    const lines = complete.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (line.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        corrupt.push(`${path}:${i + 1}: not JSON`);
        continue;
      }
      const parsed = LogLineSchema.safeParse(value);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const where = issue === undefined ? 'line' : issue.path.map(String).join('.') || 'line';
        corrupt.push(
          `${path}:${i + 1}: not a branch record (${excerpt(where)}: ${excerpt(issue?.message ?? 'invalid')})`,
        );
        continue;
      }
      if (parsed.data.plan !== plan) {
        corrupt.push(
          `${path}:${i + 1}: branch ${quoted(parsed.data.key)} ran under another rehearsal plan (scenario, seed, edit or faults differ): it is from another rehearsal`,
        );
        continue;
      }
      if (!branches.has(parsed.data.key)) branches.set(parsed.data.key, parsed.data.branch as BranchResult);
    }
  }
  return { branches, corrupt };
}

export class BranchLog {
  private readonly fd: number;

  constructor(path: string) {
    this.fd = openSync(path, 'a');
  }

  append(line: LogLine): void {
    writeSync(this.fd, `${JSON.stringify(line)}\n`);
    fsyncSync(this.fd);
  }

  close(): void {
    closeSync(this.fd);
  }
}
