// Proves the README's tour shows what `rollsim run` really prints on the default scenario, so the first
// thing a newcomer reads cannot drift from the tool (physics or wording changes must update it), and so
// does its `rollsim perf` example.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../cli/cli.js';

const root = resolve(import.meta.dirname, '..');

/** What `rollsim ARGS` prints on stdout, run in a fresh folder; the exit code must be 0. */
async function printed(args: readonly string[]): Promise<string> {
  const out: string[] = [];
  const cwd = mkdtempSync(join(tmpdir(), 'rollsim-tour-'));
  const io = { stdout: (t: string) => void out.push(t), stderr: () => undefined, cwd };
  expect(await main([...args], io)).toBe(0);
  return out.join('');
}

describe('README tour', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');

  it('the `npx rollsim run` block is the real output', async () => {
    const block = /```console\n\$ npx rollsim run\n([\s\S]*?)```/.exec(readme);
    expect(block, 'README has a ```console block starting with `$ npx rollsim run`').not.toBeNull();
    expect(await printed(['run'])).toBe(block![1]);
  });

  it('the `rollsim perf` block is the real output', async () => {
    const block = /```\n\$ rollsim (perf [^\n]*)\n([\s\S]*?)```/.exec(readme);
    expect(block, 'README has a ``` block starting with `$ rollsim perf`').not.toBeNull();
    expect(await printed(block![1]!.split(' '))).toBe(block![2]);
  });
});
