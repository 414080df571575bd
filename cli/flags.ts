// Flag values as typed data, checked once: each helper throws a UsageError naming the flag and what it accepts.
import fs from 'node:fs';
import path from 'node:path';
import { excerpt } from '../scenario/excerpt.js';
import { DEFAULT_RUN_LIMITS, NO_RUN_LIMITS, type RunLimits } from '../scenario/limits.js';
import { UsageError } from './io.js';

/** A flag given at most once (yargs turns a repeated flag into an array). */
export function single(value: unknown, flag: string): unknown {
  if (Array.isArray(value)) throw new UsageError(`${flag} was given ${value.length} times; give it once`);
  return value;
}

/** `--seed N`: a whole number from 0 to 2^53 - 1. */
export function parseSeed(value: unknown): number | undefined {
  const raw = single(value, '--seed');
  if (raw === undefined) return undefined;
  if (raw === true || raw === '') throw new UsageError('--seed needs a value, e.g. --seed 7');
  const text = (typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw : '').trim();
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n)) {
    throw new UsageError(`--seed must be a whole number from 0 to ${Number.MAX_SAFE_INTEGER}, got "${text}"`);
  }
  return n;
}

/** A path flag: given once and not empty. */
export function parsePath(value: unknown, flag: string): string | undefined {
  const raw = single(value, flag);
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || raw.trim() === '') throw new UsageError(`${flag} needs a path`);
  const text = raw;
  return text;
}

/** The raw `--data-root` values (checked against the file system by parseDataRoots). */
export function rawDataRoots(value: unknown): string[] {
  if (value === undefined) return [];
  const list = Array.isArray(value) ? (value as unknown[]) : [value];
  return list.map((raw) => {
    if (typeof raw !== 'string' || raw.trim() === '') throw new UsageError('--data-root needs a folder');
    return raw;
  });
}

/** `--data-root DIR` (repeatable): extra folders trace files may lie in; each must be a folder. */
export function parseDataRoots(value: unknown, cwd: string): string[] {
  if (value === undefined) return [];
  const list = Array.isArray(value) ? (value as unknown[]) : [value];
  return list.map((raw) => {
    if (typeof raw !== 'string' || raw.trim() === '') throw new UsageError('--data-root needs a folder');
    const dir = path.resolve(cwd, raw);
    let isDir = false;
    try {
      isDir = fs.statSync(dir).isDirectory();
    } catch {
      throw new UsageError(`--data-root ${excerpt(raw)}: no such folder`);
    }
    if (!isDir) throw new UsageError(`--data-root ${excerpt(raw)}: not a folder`);
    return dir;
  });
}

/** The `--data-root` option, shared by every command that loads scenarios. */
export const DATA_ROOT_OPTION = {
  type: 'string',
  array: true,
  requiresArg: true,
  describe:
    'Also allow trace files inside this folder (repeatable); by default a scenario may only read files in its own folder',
} as const;

/** The `--allow-large` option: lifts the run limits (DEFAULT_RUN_LIMITS) for a user who means it. */
export const ALLOW_LARGE_OPTION = {
  type: 'boolean',
  default: false,
  describe: 'Lift the limits on simulated requests, timeline samples, events, trace size and sweep runs',
} as const;

export function runLimits(allowLarge: boolean): RunLimits {
  return allowLarge ? NO_RUN_LIMITS : DEFAULT_RUN_LIMITS;
}

/**
 * `--edit N` of rehearse and plan: edits count from 1, as `rollsim run` names them ("edit 1"); the
 * result is the 0-based index in result.json `edits[].index`, or null when the flag is absent.
 */
export function editIndexOf(value: unknown): number | null {
  const n = wholeNumber(value, '--edit', 1, 100_000);
  return n === undefined ? null : n - 1;
}

/** A flag given at most once as a whole number in [min, max]; undefined when absent. */
export function wholeNumber(value: unknown, flag: string, min: number, max: number): number | undefined {
  const raw = single(value, flag);
  if (raw === undefined) return undefined;
  const text = (typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw : '').trim();
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max)
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, got "${text}"`);
  return n;
}
