// Proves `rollsim run` and `rollsim check` end to end on the simulator: the summary, the files written
// (or not), exit 1 on a missed expectation with the command to replay it, and the JUnit report.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../cli/cli.js';
import type { RunResult } from '../result/result.js';

const ROOT = path.join(import.meta.dirname, '..');
const DEFAULT_TEXT = fs.readFileSync(path.join(ROOT, 'library', 'default.yaml'), 'utf8');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rollsim-cli-run-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function cli(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    cwd,
  });
  return { code, stdout, stderr };
}

const freshDir = (): string => fs.mkdtempSync(path.join(tmp, 'cwd-'));

/** The default scenario, shortened to end soon after its edit, under another name. */
function variant(name: string, replace: (text: string) => string = (t) => t): string {
  const text = DEFAULT_TEXT.replace('name: busy-cluster-8b-to-70b', `name: ${name}`)
    .replace('duration: 90m', 'duration: 45m')
    .replace('{ at: 1h, count: 16 }', '{ at: 40m, count: 16 }');
  return replace(text);
}

describe('rollsim run', () => {
  it('runs the built-in scenario from any folder, prints the summary and writes the reports', async () => {
    const cwd = freshDir();
    const r = await cli(['run'], cwd);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('busy-cluster-8b-to-70b: seed 42, 1h 30m simulated');
    expect(lines[1]).toMatch(
      /^ {2}edit 1 at 0:20:00: completed: rollout duration \d+m \d+s, then monitored until \d+m \d+s after the request \(revision 1 → 2, peak \d+ instances, min ready \d+\)$/,
    );
    expect(r.stdout).toMatch(
      /downtime \S+ · dropped \S+ \(\S+ of \S+\)(?: · unfinished \S+ \(\S+ overdue\))? · p95 latency \S+ s \(first token \d+ ms\) · peak GPUs \d+/,
    );
    expect(r.stdout).toContain('expectations: all 7 passed');
    expect(r.stdout).toContain('wrote out/busy-cluster-8b-to-70b/: result.json, report.html, summary.md');
    expect(r.stdout).toContain('replay: rollsim run --seed 42');
    const result = JSON.parse(
      fs.readFileSync(path.join(cwd, 'out', 'busy-cluster-8b-to-70b', 'result.json'), 'utf8'),
    ) as RunResult;
    expect(result.seed).toBe(42);
    expect(result.edits[0]?.outcome).toBe('completed');
    expect(result.expectations.map((e) => e.pass)).toEqual(Array(7).fill(true));
  });

  it('--json prints result.json and writes nothing; --out and --seed and --trace write where asked', async () => {
    const cwd = freshDir();
    fs.writeFileSync(path.join(cwd, 's.yaml'), variant('short'));
    const json = await cli(['run', 's.yaml', '--json', '--seed', '7'], cwd);
    expect(json.code).toBe(0);
    const printed = JSON.parse(json.stdout) as RunResult;
    expect(printed).toMatchObject({ scenario: 'short', seed: 7 });
    expect(fs.readdirSync(cwd)).toEqual(['s.yaml']);

    const written = await cli(['run', 's.yaml', '--seed', '7', '--out', 'o/run', '--trace'], cwd);
    expect(written.code).toBe(0);
    expect(written.stdout).toContain('replay: rollsim run s.yaml --seed 7');
    const files = fs.readdirSync(path.join(cwd, 'o', 'run'));
    expect(files).toEqual(expect.arrayContaining(['result.json', 'trace.ndjson']));
    expect(fs.readFileSync(path.join(cwd, 'o', 'run', 'result.json'), 'utf8')).toBe(json.stdout);
  });

  it('exits 1 when an expectation fails and says which', async () => {
    const cwd = freshDir();
    fs.writeFileSync(
      path.join(cwd, 'miss.yaml'),
      variant('miss', (t) => t.replace('{ outcome: completed }', '{ outcome: rolledBack }')),
    );
    const r = await cli(['run', 'miss.yaml', '--out', 'o'], cwd);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('expectations: 1 of 7 FAILED');
    expect(r.stdout).toContain('  ✗ edits[0].outcome: expected rolledBack, got completed');
  });
});

describe('rollsim check', () => {
  it('passes and fails scenarios by their expect blocks, prints the replay command, writes JUnit', async () => {
    const cwd = freshDir();
    fs.mkdirSync(path.join(cwd, 'lib'));
    fs.writeFileSync(path.join(cwd, 'lib', 'a-pass.yaml'), variant('a-pass'));
    fs.writeFileSync(
      path.join(cwd, 'lib', 'b-fail.yaml'),
      variant('b-fail', (t) =>
        t.replace(
          'model: llama-3.1-70b\n    accelerator: { type: H100, count: 4 }\n    tags',
          'model: llama-3.1-8b\n    accelerator: { type: H100, count: 4 }\n    tags',
        ),
      ),
    );
    fs.writeFileSync(path.join(cwd, 'lib', 'schema.json'), '{}');
    const r = await cli(['check', 'lib', '--junit', 'reports/junit.xml'], cwd);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`PASS a-pass (${path.join('lib', 'a-pass.yaml')}): 7 expectations`);
    expect(r.stdout).toContain(
      `FAIL b-fail (${path.join('lib', 'b-fail.yaml')}): 1 of 7 expectations failed`,
    );
    expect(r.stdout).toContain('  ✗ final.model: expected llama-3.1-8b, got llama-3.1-70b');
    expect(r.stdout).toContain(`  replay: rollsim run ${path.join('lib', 'b-fail.yaml')} --seed 42`);
    expect(r.stdout).toContain('2 scenarios: 1 passed, 1 failed, 0 invalid, 0 without expectations');
    const xml = fs.readFileSync(path.join(cwd, 'reports', 'junit.xml'), 'utf8');
    expect(xml).toMatch(/<testsuites name="rollsim check" tests="14" failures="1" errors="0"/);
    expect(xml).toContain('<failure message="expected llama-3.1-8b, got llama-3.1-70b"');
  });

  it('exits 2 when a scenario is invalid, still checking the others', async () => {
    const cwd = freshDir();
    fs.writeFileSync(path.join(cwd, 'good.yaml'), variant('good'));
    fs.writeFileSync(
      path.join(cwd, 'bad.yaml'),
      variant('bad', (t) => t.replace('rps: 12', 'rps: .nan')),
    );
    fs.writeFileSync(
      path.join(cwd, 'none.yaml'),
      variant('none', (t) => t.slice(0, t.indexOf('expect:'))),
    );
    const r = await cli(['check', 'good.yaml', 'bad.yaml', 'none.yaml'], cwd);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('PASS good (good.yaml)');
    expect(r.stdout).toMatch(
      /INVALID bad.yaml\n {2}bad.yaml:\d+:\d+: traffic.rps: expected a finite number, got NaN/,
    );
    expect(r.stdout).toContain('SKIP none (none.yaml): no expect block');
    expect(r.stdout).toContain('3 scenarios: 1 passed, 0 failed, 1 invalid, 1 without expectations');
  });
});
