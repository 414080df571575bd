// A sweep or rehearsal folder records the rollsim version that planned it; resuming it or merging it with
// another version is refused (exit 2, nothing run or written), since another version may simulate the
// same seed differently and the folder would then mix the runs of two engines. Found when a rehearsal
// re-run after a code change reused the branch results of the code before it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../cli/cli.js';
import { packageVersion } from '../reports/package.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const TINY = path.join(ROOT, 'test', 'fixtures', 'sweep', 'tiny.yaml');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rollsim-versions-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function cli(args: readonly string[]): Promise<{ code: number; err: string }> {
  const err: string[] = [];
  const io = { stdout: () => undefined, stderr: (t: string) => void err.push(t), cwd: tmp };
  return { code: await main([...args], io), err: err.join('') };
}

/** Rewrites the version a plan file records, as an older or newer rollsim would have written it. */
function plannedBy(file: string, version: string): void {
  const plan = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  expect(plan['rollsim']).toBe(packageVersion());
  fs.writeFileSync(file, JSON.stringify({ ...plan, rollsim: version }));
}

const listing = (dir: string) =>
  fs
    .readdirSync(dir)
    .sort()
    .map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]);

describe('a folder planned by another rollsim version', () => {
  it('sweep: resuming it is refused, naming both versions', async () => {
    const out = path.join(tmp, 'sweep');
    const args = ['sweep', TINY, '--seeds', '2', '--workers', '1', '--out', out];
    expect((await cli(args)).code).toBe(0);
    plannedBy(path.join(out, 'sweep-plan.json'), '0.0.1');
    const before = listing(out);
    const again = await cli(args);
    expect(again.code).toBe(2);
    expect(again.err).toContain(
      `sweep-plan.json: planned by rollsim 0.0.1; this is rollsim ${packageVersion()}, and its runs would mix with theirs`,
    );
    expect(listing(out)).toEqual(before);
  }, 60_000);

  it('merge: a shard of another version is refused, nothing written', async () => {
    const shards = [1, 2].map((i) => path.join(tmp, `shard-${i}`));
    for (const [i, dir] of shards.entries())
      expect(
        (await cli(['sweep', TINY, '--seeds', '2', '--workers', '1', '--shard', `${i + 1}/2`, '--out', dir]))
          .code,
      ).toBe(0);
    plannedBy(path.join(shards[1]!, 'sweep-plan.json'), '9.9.9');
    const merged = path.join(tmp, 'merged');
    const r = await cli(['merge', ...shards, '--out', merged]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('planned by rollsim 9.9.9');
    expect(fs.existsSync(merged)).toBe(false);
  }, 60_000);

  it('rehearse: resuming its branch log is refused', async () => {
    const out = path.join(tmp, 'rehearsal');
    const args = ['rehearse', 'library/rehearse-clean-swap.yaml', '--faults', 'abort', '--workers', '1'];
    const first = await main([...args, '--out', out], {
      stdout: () => undefined,
      stderr: () => undefined,
      cwd: ROOT,
    });
    expect(first).toBe(0);
    plannedBy(path.join(out, 'rehearsal-plan.json'), '0.0.1');
    const err: string[] = [];
    const code = await main([...args, '--out', out], {
      stdout: () => undefined,
      stderr: (t) => void err.push(t),
      cwd: ROOT,
    });
    expect(code).toBe(2);
    expect(err.join('')).toContain(
      `rehearsal-plan.json: planned by rollsim 0.0.1; this is rollsim ${packageVersion()}, and its branches would mix with these`,
    );
  }, 60_000);
});
