// Proves writeRunReports writes the whole output folder or nothing: every file on success, no folder,
// no temporary folder and no created parents on failure, and a re-run replaces the files it owns.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunResult } from '../result/result.js';
import { MANIFEST_FILE } from '../reports/atomic.js';
import { writeRunReports, type TraceLine } from '../reports/write.js';

const fixtureDir = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'results');
const result = JSON.parse(readFileSync(join(fixtureDir, 'swap-completed.json'), 'utf8')) as RunResult;

const RUN_FILES = [
  'capacity.png',
  'gpus.png',
  'instances.png',
  'latency.png',
  'report.html',
  'result.json',
  'summary.md',
];

let base = '';
beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'rollsim-write-'));
});
afterEach(() => {
  rmSync(base, { recursive: true, force: true });
});

describe('writeRunReports', () => {
  it('writes result.json, report.html, summary.md and the four PNGs, and returns their paths', async () => {
    const out = join(base, 'out');
    const written = await writeRunReports(out, result);
    expect(readdirSync(out).sort()).toEqual([MANIFEST_FILE, ...RUN_FILES].sort());
    expect([...written].sort()).toEqual(RUN_FILES.map((f) => join(out, f)));
    expect(readFileSync(join(out, 'result.json'), 'utf8')).toBe(JSON.stringify(result, null, 2) + '\n');
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toMatch(/^<!doctype html>/);
    expect(readFileSync(join(out, 'summary.md'), 'utf8')).toContain('rollsim: swap-8b-to-70b');
    expect(readdirSync(base)).toEqual(['out']);
    // Same permissions as any folder the user creates (a temp folder's 0700 must not leak through).
    mkdirSync(join(base, 'plain'));
    expect(statSync(out).mode & 0o777).toBe(statSync(join(base, 'plain')).mode & 0o777);
  });

  it('writes the trace as one JSON object per line when given', async () => {
    const trace: TraceLine[] = Array.from({ length: 4500 }, (_, i) => ({
      tMs: i * 10,
      kind: 'event',
      data: { i },
    }));
    const out = join(base, 'nested', 'deeper', 'out');
    const written = await writeRunReports(out, result, { trace });
    expect(written).toContain(join(out, 'trace.ndjson'));
    const lines = readFileSync(join(out, 'trace.ndjson'), 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((l) => JSON.parse(l) as TraceLine)).toEqual(trace);
  });

  it('leaves nothing behind when a file cannot be produced', async () => {
    // A trace line JSON cannot encode fails after the other files were already written to the temp folder.
    const bad = [{ tMs: 0, kind: 'event', data: { n: 1n } }] as TraceLine[];
    const out = join(base, 'new-parent', 'out');
    await expect(writeRunReports(out, result, { trace: bad })).rejects.toThrow(/BigInt/);
    expect(readdirSync(base)).toEqual([]);
  });

  it('leaves an existing folder as it was when writing fails', async () => {
    const out = join(base, 'out');
    mkdirSync(out);
    writeFileSync(join(out, 'result.json'), 'old');
    const bad = [{ tMs: 0, kind: 'event', data: { n: 1n } }] as TraceLine[];
    await expect(writeRunReports(out, result, { trace: bad })).rejects.toThrow();
    expect(readdirSync(base)).toEqual(['out']);
    expect(readdirSync(out)).toEqual(['result.json']);
    expect(readFileSync(join(out, 'result.json'), 'utf8')).toBe('old');
  });

  it('replaces its own files in an existing folder, keeps others, and drops a stale trace', async () => {
    const out = join(base, 'out');
    await writeRunReports(out, result, { trace: [{ tMs: 0, kind: 'event', data: null }] });
    writeFileSync(join(out, 'notes.txt'), 'mine');
    writeFileSync(join(out, 'result.json'), 'stale');
    await writeRunReports(out, { ...result, seed: 99 });
    expect(readdirSync(out).sort()).toEqual([...RUN_FILES, 'notes.txt', MANIFEST_FILE].sort());
    expect((JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as RunResult).seed).toBe(99);
    expect(readdirSync(base)).toEqual(['out']);
  });

  it("keeps a user's own trace.ndjson (not in the manifest) and refuses to replace a user's folder", async () => {
    const out = join(base, 'out');
    mkdirSync(out);
    writeFileSync(join(out, 'trace.ndjson'), 'mine');
    await writeRunReports(out, result);
    expect(readFileSync(join(out, 'trace.ndjson'), 'utf8')).toBe('mine');
    rmSync(join(out, 'report.html'));
    mkdirSync(join(out, 'report.html'));
    writeFileSync(join(out, 'result.json'), 'before');
    // report.html is in the manifest, so the folder there is a user's: refused, nothing changed.
    const manifest = JSON.parse(readFileSync(join(out, MANIFEST_FILE), 'utf8')) as { files: string[] };
    writeFileSync(
      join(out, MANIFEST_FILE),
      JSON.stringify({ ...manifest, files: manifest.files.filter((f) => f !== 'report.html') }),
    );
    await expect(writeRunReports(out, result)).rejects.toThrow(/is a folder/);
    expect(readFileSync(join(out, 'result.json'), 'utf8')).toBe('before');
    expect(readdirSync(base)).toEqual(['out']);
  });

  it('refuses a path that is a file', async () => {
    const out = join(base, 'file');
    writeFileSync(out, 'x');
    await expect(writeRunReports(out, result)).rejects.toThrow(/not a folder/);
    expect(readFileSync(out, 'utf8')).toBe('x');
  });
});
