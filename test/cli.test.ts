// Proves the CLI's parsing and exit codes without simulating: help with examples, bad flags and bad
// scenario files exit 2 with a clear message and no stack trace, and nothing is written on bad input.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../cli/cli.js';
import * as checkCommand from '../cli/commands/check.js';
import * as conformanceCommand from '../cli/commands/conformance.js';
import * as runCommand from '../cli/commands/run.js';
import * as validateCommand from '../cli/commands/validate.js';
import { UsageError } from '../cli/io.js';

const ROOT = path.join(import.meta.dirname, '..');
const BAD = path.join(ROOT, 'test', 'fixtures', 'bad');
const DEFAULT_SCENARIO = path.join(ROOT, 'library', 'default.yaml');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rollsim-cli-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A fresh, empty working folder per call, so "nothing written" is checkable. */
async function cli(
  args: string[],
  cwd = fs.mkdtempSync(path.join(tmp, 'cwd-')),
): Promise<Outcome & { cwd: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    cwd,
  });
  return { code, stdout, stderr, cwd };
}

const STACK_FRAME = /\n\s+at .+:\d+:\d+/;

describe('help', () => {
  it('lists the commands with examples and the exit codes', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    for (const command of [
      'run [scenario]',
      'validate <files..>',
      'check [paths..]',
      'conformance <suite> <file>',
    ]) {
      expect(r.stdout).toContain(`rollsim ${command}`);
    }
    expect(r.stdout).toContain('Examples:');
    expect(r.stdout).toContain(
      'Exit codes: 0 success, 1 an expectation or invariant failed, 2 bad input or usage.',
    );
  });

  it.each(['run', 'validate', 'check', 'conformance'])('%s --help has examples', async (command) => {
    const r = await cli([command, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`Examples:\\n\\s+rollsim ${command}`));
  });

  it('prints the version', async () => {
    const r = await cli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('usage errors exit 2 with a message and no stack trace', () => {
  it.each([
    [[], /Say which command to run/],
    [['frobnicate'], /unknown command "frobnicate"; commands: run, validate/],
    [['run', '--bogus'], /Unknown argument: bogus/],
    [['run', 'a.yaml', 'b.yaml'], /Unknown argument: b.yaml/],
    [['run', '--seed', 'abc'], /--seed must be a whole number from 0 to 9007199254740991, got "abc"/],
    [['run', '--seed', '-1'], /--seed must be a whole number/],
    [['run', '--seed', '1.5'], /--seed must be a whole number/],
    [['run', '--seed', '1', '--seed', '2'], /--seed was given 2 times/],
    [['run', '--seed'], /--seed needs a value/],
    [['run', '--out'], /--out needs a path|Not enough arguments following: out/],
    [['run', '--json', '--trace'], /--trace writes trace.ndjson into the output folder/],
    [['validate'], /Not enough non-option arguments|validate needs at least one FILE/],
    [['check', 'library/', '--junit'], /--junit needs a path|Not enough arguments following: junit/],
    [['check'], /check needs a PATH/],
    [['conformance', 'istio', 'x.json'], /Invalid values|unknown suite/],
    [['conformance', 'k8s'], /conformance needs a vector FILE|Not enough non-option arguments/],
  ])('%j', async (args, message) => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/Run "rollsim( \w+)? --help" for usage/);
    expect(r.stderr).not.toMatch(STACK_FRAME);
    expect(r.stdout).toBe('');
    expect(fs.readdirSync(r.cwd)).toEqual([]);
  });
});

describe('pure flag checks', () => {
  it('run', () => {
    expect(runCommand.toRunOptions({ scenario: 'x.yaml', seed: '7', json: false, trace: false })).toEqual({
      scenario: 'x.yaml',
      seed: 7,
      out: undefined,
      json: false,
      trace: false,
      dataRoots: [],
      allowLarge: false,
    });
    expect(runCommand.toRunOptions({ json: true, trace: true, out: 'o' })).toMatchObject({
      json: true,
      trace: true,
      out: 'o',
    });
    expect(() => runCommand.check({ seed: '9007199254740992' })).toThrow(UsageError);
    expect(() => runCommand.check({ out: '  ' })).toThrow(/--out needs a path/);
    expect(() => runCommand.check({ trace: true, json: true })).toThrow(/--trace/);
  });

  it('validate, check and conformance', () => {
    expect(() => validateCommand.check({ files: [] })).toThrow(/at least one FILE/);
    expect(validateCommand.toValidateOptions({ files: ['a', 'b'] })).toEqual({
      files: ['a', 'b'],
      dataRoots: [],
      allowLarge: false,
    });
    expect(checkCommand.toCheckOptions({ paths: ['lib'], junit: 'j.xml' })).toEqual({
      paths: ['lib'],
      junit: 'j.xml',
      passWithNoExpectations: false,
      dataRoots: [],
      allowLarge: false,
    });
    expect(() => checkCommand.check({ paths: [], junit: 'j.xml' })).toThrow(/check needs a PATH/);
    expect(() => checkCommand.check({ paths: ['lib'], junit: ['a', 'b'] })).toThrow(
      /--junit was given 2 times/,
    );
    expect(() => conformanceCommand.check({ suite: 'istio', file: 'x' })).toThrow(/unknown suite "istio"/);
    expect(conformanceCommand.toConformanceOptions({ suite: 'k8s', file: 'v.json' })).toEqual({
      suite: 'k8s',
      file: 'v.json',
    });
  });
});

describe('bad scenario files exit 2, say where, and write nothing', () => {
  it('run: every problem with file:line:column and path', async () => {
    const file = path.join(BAD, 'many-problems.yaml');
    const r = await cli(['run', file, '--out', 'out']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}:7:11: duration: expected a duration`);
    expect(r.stderr).toContain(
      `${file}:12:58: cluster.pools[0].gpuz: unknown field "gpuz"; did you mean "gpu"?`,
    );
    expect(r.stderr).toContain(`${file}:22:8: traffic.rps: must be at least 0, got -5`);
    expect(r.stderr).toContain('3 problems; nothing was run or written');
    expect(r.stderr).not.toMatch(STACK_FRAME);
    expect(r.stdout).toBe('');
    expect(fs.readdirSync(r.cwd)).toEqual([]);
  });

  it.each(fs.readdirSync(BAD).filter((f) => /\.(ya?ml|json)$/.test(f)))('run %s', async (name) => {
    const r = await cli(['run', path.join(BAD, name)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`${name.replace('.', '\\.')}:\\d+:\\d+: `));
    expect(r.stderr).not.toMatch(STACK_FRAME);
    expect(fs.readdirSync(r.cwd)).toEqual([]);
  });

  it('run: a missing file and a directory', async () => {
    const missing = await cli(['run', 'nope.yaml']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope.yaml: no such file');
    const dir = await cli(['run', BAD]);
    expect(dir.code).toBe(2);
    expect(dir.stderr).toContain(`${BAD}: is a directory`);
    expect(fs.readdirSync(missing.cwd)).toEqual([]);
  });

  it('run: --out that is a file is refused before anything runs', async () => {
    const cwd = fs.mkdtempSync(path.join(tmp, 'cwd-'));
    fs.writeFileSync(path.join(cwd, 'taken'), 'keep me');
    const r = await cli(['run', DEFAULT_SCENARIO, '--out', 'taken'], cwd);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--out taken: it exists and is not a folder|taken.*not a folder/);
    expect(fs.readFileSync(path.join(cwd, 'taken'), 'utf8')).toBe('keep me');
  });

  it('run and merge: --out the working folder, a folder holding it or the root is refused before anything runs', async () => {
    // The output folder is swapped whole. `--out /` ended in an internal error with a stack trace, and
    // `--out .` moved the working folder itself aside (copying every subfolder in it) and replaced it.
    const cwd = fs.mkdtempSync(path.join(tmp, 'cwd-'));
    fs.mkdirSync(path.join(cwd, 'project'));
    fs.writeFileSync(path.join(cwd, 'project', 'notes.txt'), 'keep me');
    const inner = path.join(cwd, 'project');
    const before = fs.statSync(inner).ino;
    for (const [args, where] of [
      [['run', DEFAULT_SCENARIO, '--out', '.'], 'the working folder or a folder holding it'],
      [['run', DEFAULT_SCENARIO, '--out', '..'], 'the working folder or a folder holding it'],
      [['run', DEFAULT_SCENARIO, '--out', '/'], 'the file system root'],
      [['merge', 'a', 'b', '--out', '.'], 'the working folder or a folder holding it'],
    ] as const) {
      const r = await cli([...args], inner);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(`it is ${where}; rollsim replaces its output folder as a whole`);
      expect(r.stderr).not.toMatch(STACK_FRAME);
    }
    expect(fs.statSync(inner).ino).toBe(before);
    expect(fs.readdirSync(cwd)).toEqual(['project']);
    expect(fs.readdirSync(inner)).toEqual(['notes.txt']);
    // A folder of its own beside it is fine.
    const ok = await cli(['run', DEFAULT_SCENARIO, '--out', 'out'], inner);
    expect(ok.code).toBe(0);
    expect(fs.readFileSync(path.join(inner, 'notes.txt'), 'utf8')).toBe('keep me');
  }, 60_000);

  it('validate: reports each file, exit 2 if any is bad, 0 if all are good', async () => {
    const mixed = await cli(['validate', DEFAULT_SCENARIO, path.join(BAD, 'nan.yaml')]);
    expect(mixed.code).toBe(2);
    expect(mixed.stdout).toContain(
      `ok ${DEFAULT_SCENARIO} (busy-cluster-8b-to-70b: 1 edit or rollback event, 0 faults, with expect)`,
    );
    expect(mixed.stdout).toContain('1 of 2 files valid');
    expect(mixed.stderr).toContain('nan.yaml:22:8: traffic.rps: expected a finite number, got NaN (.nan)');
    const good = await cli(['validate', DEFAULT_SCENARIO]);
    expect(good.code).toBe(0);
    expect(good.stderr).toBe('');
  });

  it('check: a bad path or an empty folder is a usage error', async () => {
    const missing = await cli(['check', 'nowhere/']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nowhere/: no such file or folder');
    const empty = fs.mkdtempSync(path.join(tmp, 'empty-'));
    const none = await cli(['check', empty]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no scenario files');
  });

  it('conformance: a missing or malformed vector file', async () => {
    const missing = await cli(['conformance', 'k8s', 'nope.json']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope.json: no such file');
    const cwd = fs.mkdtempSync(path.join(tmp, 'cwd-'));
    fs.writeFileSync(path.join(cwd, 'v.json'), '{ nope');
    const malformed = await cli(['conformance', 'k8s', 'v.json'], cwd);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('v.json: not valid JSON');
  });

  it('conformance: a file in which nothing is checked is bad input, not "OK"', async () => {
    // Only categories rollsim does not check (an unknown one, one it explains away): it printed "OK" and
    // exited 0, so a CI job given the wrong file passed having checked nothing.
    const cwd = fs.mkdtempSync(path.join(tmp, 'cwd-'));
    fs.writeFileSync(
      path.join(cwd, 'v.json'),
      JSON.stringify({ vectors: [{ source: {} }], cleanupDeployment: [{ source: {} }] }),
    );
    const r = await cli(['conformance', 'k8s', 'v.json'], cwd);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(
      'v.json: nothing to check: no vector is in a category rollsim checks (found: vectors (1), cleanupDeployment (1)); the required categories are fenceposts,',
    );
  });
});

describe('conformance k8s', () => {
  const vectors = path.join(ROOT, 'test', 'data', 'k8s-vectors.json');
  const fencepost = {
    maxSurge: '0%',
    maxUnavailable: '0%',
    desiredReplicas: 0,
    expectSurge: 0,
    expectUnavailable: 1,
    expectError: false,
    source: { file: 'deployment_util_test.go', test: 'TestResolveFenceposts', case: '0' },
  };

  it('exits 0 and prints the table when every vector passes', async () => {
    const r = await cli(['conformance', 'k8s', vectors]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Kubernetes conformance: /);
    expect(r.stdout.trimEnd().endsWith('OK')).toBe(true);
  });

  it('exits 1 and names the failing vector when one fails', async () => {
    const cwd = fs.mkdtempSync(path.join(tmp, 'cwd-'));
    const broken = { ...fencepost, expectUnavailable: 2 };
    fs.writeFileSync(path.join(cwd, 'v.json'), JSON.stringify({ fenceposts: [fencepost, broken] }));
    const r = await cli(['conformance', 'k8s', 'v.json'], cwd);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('TestResolveFenceposts');
    expect(r.stdout.trimEnd().endsWith('FAILED')).toBe(true);
  });
});

describe('the rollsim executable', () => {
  it('starts with a node shebang', () => {
    expect(fs.readFileSync(path.join(ROOT, 'cli', 'main.ts'), 'utf8').split('\n')[0]).toBe(
      '#!/usr/bin/env node',
    );
  });

  it('sets the process exit code and prints no stack trace on bad flags', () => {
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'cli', 'main.ts'), 'run', '--seed', 'x'],
      {
        cwd: ROOT,
        encoding: 'utf8',
      },
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('rollsim: --seed must be a whole number');
    expect(r.stderr).not.toMatch(STACK_FRAME);
  });
});
