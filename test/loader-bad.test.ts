// Proves each malformed scenario in test/fixtures/bad/ is reported as a value, at the right line, with
// the field path and what is allowed; and that hostile keys never reach Object.prototype.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatIssue, loadScenarioFile, loadScenarioText, type ScenarioIssue } from '../scenario/load.js';
import { didYouMean } from '../scenario/semantic.js';

const BAD = path.join(import.meta.dirname, 'fixtures', 'bad');

/** The line a fixture marks with a `# <-- here` comment. */
function markedLine(file: string): number {
  const lines = fs.readFileSync(path.join(BAD, file), 'utf8').split('\n');
  const index = lines.findIndex((l) => /#\s+<-- here/.test(l));
  if (index < 0) throw new Error(`${file} has no "# <-- here" marker`);
  return index + 1;
}

function issuesOf(file: string): ScenarioIssue[] {
  const loaded = loadScenarioFile(path.join(BAD, file));
  if (loaded.ok) throw new Error(`${file} loaded without problems`);
  return loaded.issues;
}

interface Case {
  readonly file: string;
  readonly path: string;
  readonly message: RegExp;
  /** Defaults to the marked line. */
  readonly line?: number;
}

const CASES: readonly Case[] = [
  { file: 'yaml-syntax.yaml', path: '', message: /^YAML: Tabs are not allowed as indentation/ },
  { file: 'yaml-unclosed-bracket.yaml', path: '', message: /^YAML: Flow sequence .* end with a \]/ },
  { file: 'multi-document.yaml', path: '', message: /^YAML: Source contains multiple documents/ },
  { file: 'syntax-error.json', path: '', message: /^YAML: Missing , between flow map items/, line: 4 },
  {
    file: 'unknown-field.yaml',
    path: 'deployment.scaling.maxInstance',
    message:
      /unknown field "maxInstance"; did you mean "maxInstances"\? \(allowed here: minInstances, maxInstances, metrics\)/,
  },
  {
    file: 'unknown-top-level.yaml',
    path: 'colour',
    message: /^unknown field "colour" \(allowed here: .*apiVersion/,
  },
  { file: 'wrong-type.yaml', path: 'cluster.pools[0].nodes', message: /expected a number, got "two"/ },
  {
    file: 'out-of-range.yaml',
    path: 'deployment.scaling.minInstances',
    message: /must be at least 0, got -1/,
  },
  { file: 'nan.yaml', path: 'traffic.rps', message: /expected a finite number, got NaN \(\.nan\)/ },
  { file: 'infinity.yaml', path: 'traffic.rps', message: /expected a finite number, got Infinity \(\.inf\)/ },
  {
    file: 'huge-number.yaml',
    path: 'cluster.pools[0].nodes',
    message: /at most 9007199254740991 .*got 123456789012345678901234567890$/,
  },
  { file: 'unsafe-seed.yaml', path: 'seed', message: /at most 9007199254740991 .*got 9007199254740993$/ },
  { file: 'duplicate-key.yaml', path: '', message: /duplicate key "model"/ },
  { file: 'duplicate-key.json', path: '', message: /duplicate key "kind"/, line: 4 },
  { file: 'proto-key.yaml', path: 'deployment.tags.__proto__', message: /"__proto__" is not allowed/ },
  { file: 'constructor-key.yaml', path: 'constructor', message: /"constructor" is not allowed/ },
  { file: 'alias-bomb.yaml', path: '', message: /alias/ },
  {
    file: 'bad-duration.yaml',
    path: 'duration',
    message: /expected a duration such as "250ms", "90s".*got "10 minutes"/,
  },
  {
    file: 'missing-field.yaml',
    path: 'deployment.model',
    message: /required field is missing \(expected text\)/,
  },
  {
    file: 'bad-enum.yaml',
    path: 'deployment.processingType',
    message: /one of "sync" \| "async", got "synch"; did you mean "sync"\?/,
  },
  {
    file: 'gpu-prefix.yaml',
    path: 'cluster.pools[0].gpu',
    message: /got "A100"; did you mean "A100-40GB" or "A100-80GB"\?$/,
  },
  {
    file: 'bad-profile.yaml',
    path: 'traffic.profile',
    message: /one of "constant" \| "steps" .*did you mean "constant"\?/,
  },
  { file: 'empty.yaml', path: '', message: /the file is empty/, line: 1 },
  {
    file: 'unknown-pool.yaml',
    path: 'cluster.tenants[0].pool',
    message: /no pool "h10" .*did you mean "h100"\?/,
  },
  {
    file: 'cluster-mismatch.yaml',
    path: 'deployment.cluster',
    message: /must be the cluster's name "c1", got "c2"/,
  },
  {
    file: 'event-after-end.yaml',
    path: 'events[0].at',
    message: /2h is not before the end of the run \(duration 1h\)/,
  },
  {
    file: 'unknown-model.yaml',
    path: 'deployment.model',
    message: /unknown model "llama-3.1-8bb".*did you mean "llama-3.1-8b"\?/,
  },
  {
    file: 'model-does-not-fit.yaml',
    path: 'deployment.accelerator',
    message: /llama-3.1-70b needs .* 1×H100 .*4×H100/,
  },
  {
    file: 'min-instances-do-not-fit.yaml',
    path: 'deployment.scaling.minInstances',
    message: /17 GPUs do not fit at t=0/,
  },
  {
    file: 'missing-trace.yaml',
    path: 'traffic.trace.file',
    message: /trace file "traces\/nope.csv" not found/,
  },
  {
    file: 'trace-bad-column.yaml',
    path: 'traffic.trace.file',
    message: /has no column "TIMESTAMP" \(its header: time,/,
  },
];

describe('malformed scenario files', () => {
  it.each(CASES)('$file: $path at the right line', (c) => {
    const line = c.line ?? markedLine(c.file);
    const issues = issuesOf(c.file);
    const match = issues.find((i) => i.path === c.path && c.message.test(i.message));
    expect(
      match,
      `no issue for ${c.path} matching ${String(c.message)} in:\n${issues.map(formatIssue).join('\n')}`,
    ).toBeDefined();
    expect(match?.line).toBe(line);
    expect(match?.column).toBeGreaterThan(0);
    expect(match?.file).toBe(path.join(BAD, c.file));
  });

  it('covers every fixture in the folder', () => {
    const fixtures = fs.readdirSync(BAD).filter((f) => /\.(ya?ml|json)$/.test(f));
    const covered = new Set([...CASES.map((c) => c.file), 'many-problems.yaml']);
    expect(fixtures.filter((f) => !covered.has(f))).toEqual([]);
  });

  it('reports every problem at once, in line order', () => {
    const issues = issuesOf('many-problems.yaml');
    expect(issues.map((i) => [i.path, i.line])).toEqual([
      ['duration', markedLine('many-problems.yaml')],
      ['cluster.pools[0].gpuz', 12],
      ['traffic.rps', 22],
    ]);
    expect(issues[1]?.message).toMatch(/did you mean "gpu"\?/);
  });

  it('reports only the first YAML syntax error (the rest follow from it)', () => {
    const issues = issuesOf('yaml-syntax.yaml');
    expect(issues).toHaveLength(1);
    expect(issues[0]?.message).toMatch(/fix this first/);
  });

  it('leaves Object.prototype untouched by __proto__, constructor and prototype keys', () => {
    const before = Object.getOwnPropertyNames(Object.prototype).sort();
    issuesOf('proto-key.yaml');
    issuesOf('constructor-key.yaml');
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('stops an alias bomb quickly instead of expanding it', () => {
    const issues = issuesOf('alias-bomb.yaml');
    expect(issues).toHaveLength(1);
    expect(issues[0]?.message).toMatch(/at most 100/);
  });

  it('rejects deeply nested brackets at the first level past the limit, without recursing', () => {
    const text = `metadata:\n  name: x\ncluster: ${'['.repeat(200_000)}`;
    const result = loadScenarioText(text, { file: 'deep.yaml', sourcePath: '/tmp/deep.yaml' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toHaveLength(1);
    expect(result.issues[0]).toMatchObject({
      line: 3,
      column: 9 + 33,
      message: 'brackets nested deeper than 32 levels',
    });
  });
});

describe('files that cannot be read as scenarios', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rollsim-loader-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('a missing file', () => {
    const loaded = loadScenarioFile(path.join(tmp, 'nope.yaml'));
    expect(loaded).toMatchObject({
      ok: false,
      issues: [{ line: 0, path: '', message: 'no such file', code: 'file' }],
    });
  });

  it('a directory', () => {
    const loaded = loadScenarioFile(tmp);
    expect(loaded.ok).toBe(false);
    if (!loaded.ok) expect(loaded.issues[0]?.message).toMatch(/is a directory/);
  });

  it('a file over 1 MiB, without reading it', () => {
    const big = path.join(tmp, 'big.yaml');
    fs.writeFileSync(big, `# ${'x'.repeat(1024 * 1024)}\n`);
    const loaded = loadScenarioFile(big);
    expect(loaded.ok).toBe(false);
    if (!loaded.ok) expect(loaded.issues[0]?.message).toMatch(/at most 1048576 bytes \(1 MiB\)/);
  });

  it('lists at most 100 problems, then says how many more there are', () => {
    const many = path.join(tmp, 'many.yaml');
    // One scenario key, so the file is read as a (broken) scenario rather than a foreign document.
    fs.writeFileSync(
      many,
      ['apiVersion: rollsim/v1', ...Array.from({ length: 150 }, (_, i) => `unknown${i}: 1`)].join('\n'),
    );
    const loaded = loadScenarioFile(many);
    expect(loaded.ok).toBe(false);
    if (!loaded.ok) {
      expect(loaded.issues).toHaveLength(101);
      expect(loaded.issues[100]?.message).toMatch(/^\d+ more problems not shown$/);
    }
  });

  it('says in one problem that a YAML file with no scenario key is not a scenario', () => {
    // A CI workflow beside the scenarios got a "required field is missing" per section and an "unknown
    // field" per key from `rollsim check DIR`; it is still invalid (exit 2), with one line that says why.
    const ci = path.join(tmp, 'ci.yml');
    fs.writeFileSync(ci, 'name: ci\non: [push]\njobs: { t: { runs-on: ubuntu-latest } }\n');
    const loaded = loadScenarioFile(ci);
    expect(loaded.ok).toBe(false);
    if (!loaded.ok) {
      expect(loaded.issues).toHaveLength(1);
      expect(loaded.issues[0]).toMatchObject({ line: 1, column: 1 });
      expect(loaded.issues[0]?.message).toMatch(
        /^not a rollsim scenario: none of its top-level keys \("name", "on", "jobs"\) is a scenario field; a scenario starts with apiVersion: rollsim\/v1 and kind: Scenario/,
      );
    }
    // A scenario that only forgot its header keeps every problem, each on its own.
    const headless = path.join(tmp, 'headless.yaml');
    fs.writeFileSync(headless, 'metadata: { name: x }\nduration: 10m\n');
    const partial = loadScenarioFile(headless);
    expect(partial.ok).toBe(false);
    if (!partial.ok) {
      const messages = partial.issues.map((i) => `${i.path}: ${i.message}`).join('\n');
      expect(messages).not.toMatch(/not a rollsim scenario/);
      expect(messages).toMatch(/apiVersion: must be "rollsim\/v1", got nothing/);
      expect(messages).toMatch(/deployment: required field is missing/);
    }
  });

  it('resolves relative paths against the given cwd and shows them as given', () => {
    const loaded = loadScenarioFile('nope.yaml', { cwd: tmp });
    expect(loaded.ok).toBe(false);
    if (!loaded.ok) expect(loaded.issues[0]?.file).toBe('nope.yaml');
  });
});

describe('"did you mean"', () => {
  const gpus = ['T4', 'L4', 'A10G', 'L40S', 'A100-40GB', 'A100-80GB', 'H100', 'H200', 'B200'];
  it('names the candidate spelled in another case first, even when it begins others', () => {
    expect(didYouMean('l4', gpus)).toBe('; did you mean "L4"?');
    expect(didYouMean('L4', gpus)).toBe('');
  });
  it('names up to three candidates the word begins, else falls back to the nearest', () => {
    expect(didYouMean('a100', gpus)).toBe('; did you mean "A100-40GB" or "A100-80GB"?');
    expect(didYouMean('ab', ['abc', 'abd', 'abe'])).toBe('; did you mean "abc", "abd" or "abe"?');
    expect(didYouMean('ab', ['abc', 'abd', 'abe', 'abf'])).toBe('; did you mean "abc"?');
    expect(didYouMean('H1000', gpus)).toBe('; did you mean "H100"?');
    expect(didYouMean('x', ['xy', 'xz'])).toBe('; did you mean "xy"?'); // one letter: by distance only
    expect(didYouMean('zzzz', gpus)).toBe('');
  });
});
