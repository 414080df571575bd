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
