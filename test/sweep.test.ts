// Proves sweeps end to end: kill -9 mid-way and resume finds every seed exactly once; two merged shards
// equal the unsharded sweep; a throwing run is recorded, not fatal; bad flags exit 2 writing nothing.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../cli/cli.js';
import { mergeSweeps } from '../sweep/merge.js';
import { runSweep } from '../sweep/run.js';
import { readRunLog } from '../sweep/store.js';
import { runTask } from '../sweep/worker.js';

const root = resolve(import.meta.dirname, '..');
const tiny = join(root, 'test/fixtures/sweep/tiny.yaml');
const tmp = () => mkdtempSync(join(tmpdir(), 'rollsim-sweep-'));

function quietIo() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { stdout: (t: string) => void out.push(t), stderr: (t: string) => void err.push(t), cwd: root },
    out,
    err,
  };
}

const base = { scenarioFile: tiny, seedStart: 1, workers: 2, shard: null, axes: [], progress: null };

describe('sweep', () => {
  it('resumes after kill -9 and ends with every seed exactly once', async () => {
    const out = join(tmp(), 'killed');
    const args = [
      '--import',
      'tsx',
      join(root, 'cli/main.ts'),
      'sweep',
      tiny,
      '--seeds',
      '24',
      '--workers',
      '2',
      '--out',
      out,
    ];
    const child = spawn(process.execPath, args, { cwd: root, stdio: 'ignore' });
    const log = join(out, 'runs.ndjson');
    await new Promise<void>((done, fail) => {
      const started = Date.now();
      const poll = setInterval(() => {
        const lines = existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).length : 0;
        if (lines >= 4) {
          clearInterval(poll);
          child.kill('SIGKILL');
          done();
        } else if (Date.now() - started > 90_000) {
          clearInterval(poll);
          child.kill('SIGKILL');
          fail(new Error('the sweep wrote no runs within 90 s'));
        }
      }, 50);
    });
    await new Promise((r) => child.once('exit', r));
    const partial = readRunLog(log).records.length;
    expect(partial).toBeGreaterThanOrEqual(4);
    expect(partial).toBeLessThan(24);

    const { io } = quietIo();
    const code = await main(['sweep', tiny, '--seeds', '24', '--workers', '2', '--out', out], io);
    expect(code).toBe(0);
    const seeds = readFileSync(log, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { seed: number }).seed);
    expect(seeds.length).toBe(24);
    expect([...seeds].sort((a, b) => a - b)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
    expect(existsSync(join(out, 'sweep.json'))).toBe(true);
  });

  it('two merged shards give exactly the unsharded result', async () => {
    const dir = tmp();
    const axes = [{ path: 'rollout.maxSurge', values: [1, 2] }];
    const whole = await runSweep({ ...base, seeds: 6, axes, outDir: join(dir, 'whole') });
    const s0 = await runSweep({
      ...base,
      seeds: 6,
      axes,
      shard: { index: 0, count: 2 },
      outDir: join(dir, 's0'),
    });
    const s1 = await runSweep({
      ...base,
      seeds: 6,
      axes,
      shard: { index: 1, count: 2 },
      outDir: join(dir, 's1'),
    });
    expect([whole.kind, s0.kind, s1.kind]).toEqual(['done', 'done', 'done']);
    const merged = await mergeSweeps([join(dir, 's0'), join(dir, 's1')], join(dir, 'merged'));
    expect(merged.kind).toBe('merged');
    if (merged.kind === 'merged') expect(merged.missing).toEqual([]);
    const keys = (d: string) =>
      readRunLog(join(dir, d, 'runs.ndjson'))
        .records.map((r) => r.key)
        .sort();
    expect(keys('merged')).toEqual(keys('whole'));
    expect(keys('merged')).toHaveLength(12);
    expect(readFileSync(join(dir, 'merged', 'sweep.json'), 'utf8')).toBe(
      readFileSync(join(dir, 'whole', 'sweep.json'), 'utf8'),
    );

    const overlap = await mergeSweeps([join(dir, 's0'), join(dir, 'whole')], join(dir, 'bad'));
    expect(overlap.kind).toBe('badInput');
    const partialMerge = await mergeSweeps([join(dir, 's0')], join(dir, 'half'));
    expect(partialMerge.kind === 'merged' && partialMerge.missing.length).toBe(6);
  });

  it('records a run that throws as an error with its seed', () => {
    const record = runTask({ key: '{}#7', seed: 7, settings: {}, scenario: {} as never });
    expect(record.status).toBe('error');
    expect(record.seed).toBe(7);
    expect(record.error).toMatch(/\w+/);
  });

  it('rejects bad flags and bad --set values with exit 2 and writes nothing', async () => {
    const dir = tmp();
    for (const args of [
      ['sweep', tiny, '--seeds', '0', '--out', join(dir, 'a')],
      ['sweep', tiny, '--seeds', '3', '--shard', '3/2', '--out', join(dir, 'b')],
      ['sweep', tiny, '--seeds', '3', '--set', 'rollout.maxSurge=banana', '--out', join(dir, 'c')],
      ['sweep', tiny, '--seeds', '3', '--shards', '4', '--out', join(dir, 'd')],
    ]) {
      const { io, err } = quietIo();
      delete process.env['JOB_COMPLETION_INDEX'];
      expect(await main(args, io), args.join(' ')).toBe(2);
      expect(err.join('')).not.toMatch(/\n\s+at /);
      expect(existsSync(args.at(-1) ?? '')).toBe(false);
    }
  });
});
