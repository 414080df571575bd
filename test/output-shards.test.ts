// Issue 15, point 7: --shard I/N counts 1..N (Vitest, Jest, Playwright); --shards N with
// JOB_COMPLETION_INDEX stays 0-based (Kubernetes); merge names missing runs by shard and seed and its
// exit codes are the README's.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../cli/cli.js';
import { toSweepOptions } from '../cli/commands/sweep.js';
import { parseShard } from '../sweep/plan.js';

const root = resolve(import.meta.dirname, '..');
const tiny = join(root, 'test/fixtures/sweep/tiny.yaml');
const tmp = () => mkdtempSync(join(tmpdir(), 'rollsim-shards-'));

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, {
    stdout: (t) => void (out += t),
    stderr: (t) => void (err += t),
    cwd: root,
  });
  return { code, out, err };
}

describe('--shard and --shards', () => {
  it('--shard counts 1..N: 1/3 and 3/3 are the first and last shard, 0/3 and 4/3 are refused', () => {
    expect(parseShard('1/3')).toEqual({ ok: true, value: { index: 0, count: 3 } });
    expect(parseShard('3/3')).toEqual({ ok: true, value: { index: 2, count: 3 } });
    for (const bad of ['0/3', '4/3']) {
      const r = parseShard(bad);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.message).toContain('1 ≤ I ≤ N');
    }
    const opts = toSweepOptions({ scenario: tiny, seeds: '4', shard: '3/3', out: 'x' }, {});
    expect(opts.shard).toEqual({ index: 2, count: 3 });
  });

  it('--shards N takes the shard from JOB_COMPLETION_INDEX counted from 0, as Kubernetes sets it', () => {
    const first = toSweepOptions(
      { scenario: tiny, seeds: '4', shards: '3', out: 'x' },
      { JOB_COMPLETION_INDEX: '0' },
    );
    expect(first.shard).toEqual({ index: 0, count: 3 });
    const last = toSweepOptions(
      { scenario: tiny, seeds: '4', shards: '3', out: 'x' },
      { JOB_COMPLETION_INDEX: '2' },
    );
    expect(last.shard).toEqual({ index: 2, count: 3 });
    expect(() =>
      toSweepOptions({ scenario: tiny, seeds: '4', shards: '3', out: 'x' }, { JOB_COMPLETION_INDEX: '3' }),
    ).toThrow(/0\.\.2/);
  });

  it('the help says both conventions', async () => {
    const { out } = await cli(['sweep', '--help']);
    expect(out).toMatch(/--shard\s[\s\S]*counted from 1/);
    expect(out).toMatch(/--shards\s[\s\S]*0-based/);
  });

  it('rehearse --help says shards count from 1, as its --shard parser takes them', async () => {
    // It said "(0-based), e.g. 0/4", which the parser refuses.
    const { out } = await cli(['rehearse', '--help']);
    const line = /--shard\s+(.*)/.exec(out)?.[1] ?? '';
    expect(line).toMatch(/counted from 1/);
    expect(line).not.toMatch(/0-based/);
    expect(parseShard('1/4').ok).toBe(true);
    expect(parseShard('0/4').ok).toBe(false);
  });

  it('the GitHub Actions example runs shards 1..4 of 4', () => {
    const text = readFileSync(join(root, 'docs/examples/github/sweep.yml'), 'utf8');
    const matrix = /shard: \[([^\]]*)\]/
      .exec(text)?.[1]
      ?.split(',')
      .map((s) => s.trim());
    expect(matrix).toEqual(['1', '2', '3', '4']);
    for (const i of matrix!) expect(parseShard(`${i}/4`).ok).toBe(true);
  });
});

describe('merge', () => {
  it('names missing runs by shard and seed and exits 1; overlapping folders exit 2 writing nothing', async () => {
    const dir = tmp();
    for (const shard of ['1/3', '3/3']) {
      const r = await cli([
        'sweep',
        tiny,
        '--seeds',
        '6',
        '--workers',
        '1',
        '--shard',
        shard,
        '--out',
        join(dir, shard[0]!),
      ]);
      expect(r.code, r.err).toBe(0);
    }
    const half = await cli(['merge', join(dir, '1'), join(dir, '3'), '--out', join(dir, 'merged')]);
    expect(half.code).toBe(1);
    // Shard 2/3 holds runs 2 and 5 of the plan: seeds 2 and 5.
    expect(half.err).toContain('2 planned runs are missing: shard 2/3 seed 2, shard 2/3 seed 5;');
    expect(half.err).not.toContain('{}#');

    const overlap = await cli(['merge', join(dir, '1'), join(dir, '1'), '--out', join(dir, 'bad')]);
    expect(overlap.code).toBe(2);
    expect(existsSync(join(dir, 'bad'))).toBe(false);

    // The README says the same.
    const readme = readFileSync(join(root, 'README.md'), 'utf8').replace(/\s+/g, ' ');
    expect(readme).toContain('overlap (a run in two of them) or hold different sweeps are bad input, exit 2');
    expect(readme).toContain('named by shard and seed (`shard 2/4 seed 7`) and the merge exits 1');
  });
});
