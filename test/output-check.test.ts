// Issue 15, point 8: `rollsim check` needs a path, and checking files with no expectation at all is not
// a pass unless --pass-with-no-expectations says so (as Vitest's --passWithNoTests).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../cli/cli.js';

const ROOT = path.join(import.meta.dirname, '..');
const DEFAULT_TEXT = fs.readFileSync(path.join(ROOT, 'library', 'default.yaml'), 'utf8');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rollsim-check-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function cli(args: string[], cwd = tmp): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    cwd,
  });
  return { code, stdout, stderr };
}

/** The default scenario, short, without its expect block. */
const NO_EXPECT = DEFAULT_TEXT.slice(0, DEFAULT_TEXT.indexOf('expect:'))
  .replace('duration: 90m', 'duration: 5m')
  .replace('{ at: 1h, count: 16 }', '{ at: 4m, count: 16 }')
  .replace(/events:[\s\S]*$/, '');

describe('rollsim check', () => {
  it('without a path is a usage error (exit 2) and checks nothing', async () => {
    const r = await cli(['check']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('check needs a PATH');
    expect(r.stdout).toBe('');
  });

  it('exits 1 "no expectations found" when no file holds an expect block', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'none-'));
    fs.writeFileSync(path.join(dir, 'a.yaml'), NO_EXPECT);
    fs.writeFileSync(path.join(dir, 'b.yaml'), NO_EXPECT.replace('busy-cluster-8b-to-70b', 'other'));
    const r = await cli(['check', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no expectations found: none of the 2 scenarios has an expect block');
    expect(r.stderr).toContain('--pass-with-no-expectations');
  });

  it('exits 0 on the same files with --pass-with-no-expectations', async () => {
    const file = path.join(tmp, 'single.yaml');
    fs.writeFileSync(file, NO_EXPECT);
    const r = await cli(['check', file, '--pass-with-no-expectations']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('1 scenario: 0 passed, 0 failed, 0 invalid, 1 without expectations');
    expect((await cli(['check', file])).code).toBe(1);
  });
});
