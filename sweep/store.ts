// Durable sweep results: one NDJSON line per finished run, appended and flushed as the run ends, so a
// killed sweep resumes without losing or double-counting runs.
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, truncateSync, writeSync } from 'node:fs';
import type { RunResult } from '../result/result.js';
import type { GridAxis, Shard } from './plan.js';

/** result.json fields except the timeline (and the chart markers). */
export type RunSummary = Omit<RunResult, 'timeline' | 'markers'>;

export interface RunRecord {
  readonly key: string;
  readonly seed: number;
  readonly settings: Readonly<Record<string, string | number | boolean>>;
  readonly status: 'ok' | 'error';
  /** For status `error`: what the run threw. */
  readonly error?: string;
  readonly result?: RunSummary;
}

export function summarise(result: RunResult): RunSummary {
  const { timeline: _timeline, markers: _markers, ...rest } = result;
  return rest;
}

/**
 * Reads the finished runs. A last line cut short by a kill is dropped and cut off the file, so the
 * next append starts on a fresh line. The first record of a key wins.
 */
export function readRunLog(path: string): { records: RunRecord[]; droppedPartial: boolean } {
  if (!existsSync(path)) return { records: [], droppedPartial: false };
  const text = readFileSync(path, 'utf8');
  const lastNewline = text.lastIndexOf('\n');
  const complete = text.slice(0, lastNewline + 1);
  const droppedPartial = complete.length !== text.length;
  if (droppedPartial) truncateSync(path, Buffer.byteLength(complete));
  const seen = new Set<string>();
  const records: RunRecord[] = [];
  for (const line of complete.split('\n')) {
    if (line.trim() === '') continue;
    const record = JSON.parse(line) as RunRecord;
    if (seen.has(record.key)) continue;
    seen.add(record.key);
    records.push(record);
  }
  return { records, droppedPartial };
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
  readonly scenario: string;
  readonly scenarioFile: string;
  readonly scenarioSha256: string;
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
