// A runs.ndjson line from another sweep with the same key (issue 18): every record carries the sha256 of
// the scenario and of the trace files it ran, and resume and merge refuse (exit 2, file:line) a record
// whose hashes are not the plan's, or skip it with --skip-corrupt (resume runs it again).
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../cli/cli.js';
import { readRunLog } from '../sweep/store.js';

const root = resolve(import.meta.dirname, '..');
const tiny = join(root, 'test/fixtures/sweep/tiny.yaml');
const tmp = () => mkdtempSync(join(tmpdir(), 'rollsim-foreign-'));

async function cli(args: readonly string[]): Promise<{ code: number; err: string }> {
  const err: string[] = [];
  const io = { stdout: () => undefined, stderr: (t: string) => void err.push(t), cwd: root };
  const code = await main([...args], io);
  return { code, err: err.join('') };
}

const lines = (file: string): string[] => readFileSync(file, 'utf8').split('\n').filter(Boolean);

/** Replaces line `n` (1-based) of `into` with the line of the same key from `from`. */
function transplant(from: string, into: string, n: number): void {
  const target = lines(into);
  const key = (JSON.parse(target[n - 1]!) as { key: string }).key;
  const foreign = lines(from).find((l) => (JSON.parse(l) as { key: string }).key === key);
  if (foreign === undefined) throw new Error(`no ${key} in ${from}`);
  target[n - 1] = foreign;
  writeFileSync(into, `${target.join('\n')}\n`);
}

describe('records from another sweep', () => {
  it('resume refuses a line from another scenario with the same key; --skip-corrupt runs it again', async () => {
    const dir = tmp();
    // Another scenario: the same file with a longer duration (so the same keys, other runs).
    const other = join(dir, 'other.yaml');
    writeFileSync(other, readFileSync(tiny, 'utf8').replace('duration: 12m', 'duration: 13m'));
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    expect((await cli(['sweep', tiny, '--seeds', '3', '--workers', '1', '--out', a])).code).toBe(0);
    expect((await cli(['sweep', other, '--seeds', '3', '--workers', '1', '--out', b])).code).toBe(0);
    const log = join(a, 'runs.ndjson');
    const hashes = new Set(readRunLog(log).records.map((r) => r.scenarioSha256));
    expect(hashes.size).toBe(1);
    expect([...hashes][0]).toMatch(/^[0-9a-f]{64}$/);

    transplant(join(b, 'runs.ndjson'), log, 2);
    const doctored = readFileSync(log, 'utf8');
    const refused = await cli(['sweep', tiny, '--seeds', '3', '--workers', '1', '--out', a]);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain(`${log}:2: run "{}#`);
    expect(refused.err).toMatch(
      /ran another scenario \(sha256 [0-9a-f]{12}…, this sweep's is [0-9a-f]{12}…\)/,
    );
    expect(refused.err).not.toMatch(/\n\s+at /);
    expect(readFileSync(log, 'utf8')).toBe(doctored);

    const skipped = await cli([
      'sweep',
      tiny,
      '--seeds',
      '3',
      '--workers',
      '1',
      '--skip-corrupt',
      '--out',
      a,
    ]);
    expect(skipped.code).toBe(0);
    const json = JSON.parse(readFileSync(join(a, 'sweep.json'), 'utf8')) as { totalRuns: number };
    expect(json.totalRuns).toBe(3);
    // The foreign line stays (the log is append-only); the run was run again with this sweep's hash.
    const read = readRunLog(log, {
      identity: { scenarioSha256: [...hashes][0]!, inputs: {} },
    });
    expect(read.corrupt.map((c) => c.line)).toEqual([2]);
    expect(read.records).toHaveLength(3);
  }, 120_000);

  it('merge refuses a line from another scenario, and one that read another version of the trace', async () => {
    const dir = tmp();
    const traced = join(dir, 'traced.yaml');
    writeFileSync(
      traced,
      readFileSync(tiny, 'utf8').replace(
        /traffic:\n {2}profile: constant\n {2}rps: 2\n/,
        'traffic:\n  profile: trace\n  trace: { file: arrivals.csv, timeColumn: t, timeUnit: s }\n',
      ),
    );
    const rows = (step: number) => `t\n${Array.from({ length: 200 }, (_, i) => i * step).join('\n')}\n`;
    writeFileSync(join(dir, 'arrivals.csv'), rows(2));
    const s1 = join(dir, 's1');
    const s2 = join(dir, 's2');
    const flags = ['--seeds', '4', '--workers', '1'];
    expect((await cli(['sweep', traced, ...flags, '--shard', '1/2', '--out', s1])).code).toBe(0);
    expect((await cli(['sweep', traced, ...flags, '--shard', '2/2', '--out', s2])).code).toBe(0);
    const record = readRunLog(join(s1, 'runs.ndjson')).records[0]!;
    expect(Object.keys(record.inputs ?? {})).toEqual(['arrivals.csv']);
    expect(await cli(['merge', s1, s2, '--out', join(dir, 'good')])).toMatchObject({ code: 0 });

    // The same sweep with another trace: its shard 2 lines carry the other trace's hash.
    const elsewhere = join(dir, 'elsewhere');
    mkdirSync(elsewhere);
    copyFileSync(traced, join(elsewhere, 'traced.yaml'));
    writeFileSync(join(elsewhere, 'arrivals.csv'), rows(3));
    const e2 = join(elsewhere, 's2');
    const other = ['sweep', join(elsewhere, 'traced.yaml'), ...flags, '--shard', '2/2', '--out', e2];
    expect((await cli(other)).code).toBe(0);
    transplant(join(e2, 'runs.ndjson'), join(s2, 'runs.ndjson'), 1);
    const trace = await cli(['merge', s1, s2, '--out', join(dir, 'bad')]);
    expect(trace.code).toBe(2);
    expect(trace.err).toContain(`${join(s2, 'runs.ndjson')}:1: run "{}#`);
    expect(trace.err).toMatch(/read another version of the trace "arrivals\.csv"/);
    expect(trace.err).toContain('nothing was written');

    // A line of another scenario (no trace at all) under the same key.
    const plain = join(dir, 'plain');
    expect((await cli(['sweep', tiny, ...flags, '--shard', '1/2', '--out', plain])).code).toBe(0);
    transplant(join(plain, 'runs.ndjson'), join(s1, 'runs.ndjson'), 2);
    const scenario = await cli(['merge', s1, '--out', join(dir, 'bad2')]);
    expect(scenario.code).toBe(2);
    expect(scenario.err).toContain(`${join(s1, 'runs.ndjson')}:2: run "{}#`);
    expect(scenario.err).toMatch(/ran another scenario/);
    const left = await cli(['merge', s1, '--skip-corrupt', '--out', join(dir, 'half')]);
    expect(left.code).toBe(1); // merged, with the refused run (and shard 2) missing
    expect(left.err).toMatch(/left out:\n.*runs\.ndjson:2: run .* ran another scenario/);
    expect(readRunLog(join(dir, 'half', 'runs.ndjson')).records).toHaveLength(1);
  }, 120_000);

  it('merge refuses a record without hashes (an older rollsim, or not rollsim)', async () => {
    const dir = tmp();
    const s = join(dir, 's');
    expect((await cli(['sweep', tiny, '--seeds', '2', '--workers', '1', '--out', s])).code).toBe(0);
    const log = join(s, 'runs.ndjson');
    const [first, second] = lines(log);
    const { scenarioSha256: _s, inputs: _i, ...bare } = JSON.parse(second!) as Record<string, unknown>;
    writeFileSync(log, `${first!}\n${JSON.stringify(bare)}\n`);
    const r = await cli(['merge', s, '--out', join(dir, 'm')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/runs\.ndjson:2: run "\{\}#2" carries no scenario and trace hashes/);
  }, 60_000);
});
