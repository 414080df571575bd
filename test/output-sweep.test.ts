// Issue 15, point 6: the README's sweep examples run as written (with 2 seeds); a grid with a
// combination the scenario refuses runs the others and lists the skipped one with its reason, named by
// its --set values, never by a position in a file the user did not write.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../cli/cli.js';
import { readRunLog } from '../sweep/store.js';

const root = resolve(import.meta.dirname, '..');
const tmp = mkdtempSync(join(tmpdir(), 'rollsim-readme-sweep-'));

/** The commands of the README's "Sweep seeds" code block, continuation lines joined. */
function readmeSweepCommands(): string[][] {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Sweep seeds'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  return block
    .replace(/\\\n\s*/g, '')
    .split('\n')
    .filter((l) => l.startsWith('npx rollsim '))
    .map((l) => l.replace(/#.*$/, '').trim().split(/\s+/).slice(2));
}

/** Few seeds, and the output under a temporary folder; everything else as written. */
function fewSeeds(args: readonly string[]): string[] {
  return args.map((a, i) => {
    if (args[i - 1] === '--seeds') return '2';
    if (args[i - 1] === '--out') return join(tmp, a);
    return a;
  });
}

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

describe("the README's sweep examples", () => {
  const commands = readmeSweepCommands();

  it('are found: a plain sweep and a grid', () => {
    expect(commands.length).toBe(2);
    expect(commands[1]).toContain('--set');
  });

  it('run as written (2 seeds) and exit 0', async () => {
    for (const args of commands) {
      const r = await cli(fewSeeds(args));
      expect(r.code, `${args.join(' ')}\n${r.err}`).toBe(0);
    }
  }, 120_000);

  it('the grid skips maxSurge 0 / maxUnavailable 0 with the reason, and runs the other five', () => {
    const out = join(tmp, 'out/grid');
    const runs = readRunLog(join(out, 'runs.ndjson')).records;
    expect(new Set(runs.map((r) => r.key.split('#')[0])).size).toBe(5);
    expect(runs).toHaveLength(10);
    const md = readFileSync(join(out, 'sweep.md'), 'utf8');
    expect(md).toContain('## Skipped combinations');
    expect(md).toMatch(
      /- rollout\.maxSurge=0,rollout\.maxUnavailable=0: rollout\.maxUnavailable: maxSurge and maxUnavailable cannot both be 0/,
    );
    expect(readFileSync(join(out, 'sweep.html'), 'utf8')).toContain('Skipped combinations');
  });
});

describe('errors caused by --set', () => {
  it('name the flag, not a line of the rewritten file', async () => {
    const out = join(tmp, 'bad');
    const r = await cli([
      'sweep',
      'library/default.yaml',
      '--seeds',
      '1',
      '--set',
      'rollout.maxSurge=0',
      '--set',
      'rollout.maxUnavailable=0',
      '--out',
      out,
    ]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      '--set rollout.maxSurge=0,rollout.maxUnavailable=0: rollout.maxUnavailable: maxSurge and maxUnavailable cannot both be 0',
    );
    expect(r.err).not.toMatch(/default\.yaml[^\n]*:\d+:\d+/);
    expect(existsSync(out)).toBe(false);
  });
});

describe("a sweep judges every run against the scenario's expect", () => {
  it('counts the runs failing it per combination and ranks the combination failing fewer first', async () => {
    // maxUnavailable 1 is the faster rollout with no more rollbacks, but two L4s cannot carry the
    // traffic while the third is replaced: runs drop more than the fixture's expect.maxDroppedPercent.
    const out = join(tmp, 'expect');
    const r = await cli([
      'sweep',
      'test/fixtures/plan/dropped-limit.yaml',
      '--seeds',
      '3',
      '--workers',
      '1',
      '--set',
      'rollout.maxUnavailable=0,1',
      '--out',
      out,
    ]);
    expect(r.code, r.err).toBe(0);
    const sweep = JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8')) as {
      combos: { label: string; expect: { judged: number; failed: number }; durationMs: { p50: number } }[];
      best: { label: string; rule: string };
    };
    const [keep, take] = sweep.combos;
    expect(keep?.label).toBe('rollout.maxUnavailable=0');
    expect(keep?.expect).toEqual({ judged: 3, failed: 0 });
    expect(take?.expect.judged).toBe(3);
    expect(take!.expect.failed).toBeGreaterThan(0);
    // Without the expect, the faster rollout would have won the last tie-break.
    expect(take!.durationMs.p50).toBeLessThan(keep!.durationMs.p50);
    expect(sweep.best.label).toBe('rollout.maxUnavailable=0');
    expect(sweep.best.rule).toMatch(/^fewest runs failing the scenario’s expect/);
    expect(readFileSync(join(out, 'sweep.md'), 'utf8')).toContain(
      `| rollout.maxUnavailable=1 | 3 | ${take!.expect.failed} of 3 |`,
    );
    const html = readFileSync(join(out, 'sweep.html'), 'utf8');
    expect(html).toContain('Runs failing the scenario’s expect');
    // Every run record carries its judged expectations.
    const runs = readRunLog(join(out, 'runs.ndjson')).records;
    expect(runs).toHaveLength(6);
    for (const run of runs)
      expect(run.result?.expectations.map((x) => x.name)).toEqual(['maxDroppedPercent']);
  }, 60_000);
});
