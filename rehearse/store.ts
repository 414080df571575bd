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
import { join } from 'node:path';
import type { Shard } from '../sweep/plan.js';
import type { BranchResult, FaultKind } from './types.js';

export const REHEARSAL_PLAN_FILE = 'rehearsal-plan.json';
const LOG_PATTERN = /^branches(?:\.\d+-of-\d+)?\.ndjson$/;

/** What the output folder was created for; a resume (or another shard) must match it. */
export interface RehearsalPlanFile {
  readonly version: 1;
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
  readonly branch: BranchResult;
}

/** Every finished branch in the folder's logs; a last line cut short by a kill is cut off its file. */
export function readBranchLogs(dir: string): Map<string, BranchResult> {
  const out = new Map<string, BranchResult>();
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)
    .filter((n) => LOG_PATTERN.test(n))
    .sort()) {
    const path = join(dir, name);
    const text = readFileSync(path, 'utf8');
    const complete = text.slice(0, text.lastIndexOf('\n') + 1);
    if (complete.length !== text.length) truncateSync(path, Buffer.byteLength(complete));
    for (const line of complete.split('\n')) {
      if (line.trim() === '') continue;
      const parsed = JSON.parse(line) as LogLine;
      if (!out.has(parsed.key)) out.set(parsed.key, parsed.branch);
    }
  }
  return out;
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
