// The one window reports/atomic.ts cannot close (issue 18): a SIGKILL between the two renames of a
// folder swap leaves the old folder at `.NAME.old-PID-…` and no NAME. Every command that reads or writes
// a folder puts it back first; these tests build that state by hand (a dead writer's pid) and run each
// command on it.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../cli/cli.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const TINY = path.join(ROOT, 'test', 'fixtures', 'sweep', 'tiny.yaml');
const SHARD = path.join(ROOT, 'test', 'fixtures', 'hostile', 'shards', 'complete');

/** A pid no process has now: a child that has exited. */
const deadPid = (): number => {
  const pid = spawnSync(process.execPath, ['-e', '0']).pid;
  if (pid === undefined) throw new Error('no pid');
  return pid;
};

/** What a writer killed between its two renames leaves: `dir` aside as `.NAME.old-…`, a staged new one. */
function killedInTheWindow(dir: string): string {
  const pid = deadPid();
  const old = path.join(
    path.dirname(dir),
    `.${path.basename(dir)}.old-${pid}-0b7e2c1a-1111-4222-8333-944455556666`,
  );
  fs.renameSync(dir, old);
  const staged = path.join(
    path.dirname(dir),
    `.${path.basename(dir)}.tmp-${pid}-0b7e2c1a-1111-4222-8333-944455556667`,
  );
  fs.mkdirSync(staged);
  fs.writeFileSync(path.join(staged, 'result.json'), '{"half": ');
  return old;
}

async function cli(cwd: string, args: readonly string[]): Promise<{ code: number; err: string }> {
  const err: string[] = [];
  const io = { stdout: () => undefined, stderr: (t: string) => void err.push(t), cwd };
  return { code: await main([...args], io), err: err.join('') };
}

const hidden = (dir: string): string[] => fs.readdirSync(dir).filter((n) => n.startsWith('.out.'));

describe('a folder left aside by a killed swap is put back before any command uses it', () => {
  it('merge reads a merged folder caught in the window as the folder it was', async () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'rollsim-recover-'));
    expect((await cli(base, ['merge', SHARD, '--out', 'out'])).code).toBe(0);
    const before = fs.readFileSync(path.join(base, 'out', 'runs.ndjson'), 'utf8');
    killedInTheWindow(path.join(base, 'out'));
    const r = await cli(base, ['merge', 'out', '--out', 'again']);
    expect(r.err).not.toMatch(/not a sweep output folder/);
    expect(r.code).toBe(0);
    expect(fs.readFileSync(path.join(base, 'again', 'runs.ndjson'), 'utf8')).toBe(before);
    expect(hidden(base)).toEqual([]);
    expect(fs.readFileSync(path.join(base, 'out', 'runs.ndjson'), 'utf8')).toBe(before);
  });

  it('plan --out and sweep --out keep the files of the folder aside (a user’s notes) instead of starting afresh', async () => {
    for (const args of [
      ['plan', TINY, '--seeds', '2', '--workers', '1', '--out', 'out'],
      ['sweep', TINY, '--seeds', '2', '--workers', '1', '--out', 'out'],
    ]) {
      const base = fs.mkdtempSync(path.join(os.tmpdir(), 'rollsim-recover-'));
      fs.mkdirSync(path.join(base, 'out'));
      fs.writeFileSync(path.join(base, 'out', 'notes.txt'), 'mine\n');
      killedInTheWindow(path.join(base, 'out'));
      const r = await cli(base, args);
      expect(r.code, `${args[0]!}: ${r.err}`).toBeLessThan(2);
      expect(fs.readFileSync(path.join(base, 'out', 'notes.txt'), 'utf8'), args[0]).toBe('mine\n');
      expect(hidden(base), args[0]).toEqual([]);
    }
  }, 120_000);

  it('an old folder is never deleted when something else made a new one meanwhile', async () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'rollsim-recover-'));
    fs.mkdirSync(path.join(base, 'out'));
    fs.writeFileSync(path.join(base, 'out', 'notes.txt'), 'mine\n');
    const old = killedInTheWindow(path.join(base, 'out'));
    fs.mkdirSync(path.join(base, 'out')); // `mkdir -p out` in a CI step, say
    expect((await cli(base, ['run', TINY, '--out', 'out'])).code).toBe(0);
    expect(fs.readFileSync(path.join(old, 'notes.txt'), 'utf8')).toBe('mine\n');
    expect(hidden(base)).toEqual([path.basename(old)]);
  }, 60_000);

  it('an old folder a killed writer had marked for deletion after its swap is removed, the new one kept', async () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'rollsim-recover-'));
    expect((await cli(base, ['run', TINY, '--out', 'out'])).code).toBe(0);
    const fresh = fs.readFileSync(path.join(base, 'out', 'result.json'), 'utf8');
    // Killed halfway through deleting the folder it swapped out: part of it is gone already.
    const doomed = path.join(base, `.out.del-${deadPid()}-0b7e2c1a-1111-4222-8333-944455556668`);
    fs.mkdirSync(doomed);
    fs.writeFileSync(path.join(doomed, 'summary.md'), 'half deleted\n');
    expect((await cli(base, ['run', TINY, '--out', 'out'])).code).toBe(0);
    expect(hidden(base)).toEqual([]);
    expect(fs.readFileSync(path.join(base, 'out', 'result.json'), 'utf8')).toBe(fresh);
  }, 60_000);
});
