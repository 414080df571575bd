// Proves the library API (api/index.ts): its export list is the deliberate one; runScenario returns
// byte for byte what `rollsim run --json` prints; loading returns problems as values for any bad input;
// sweeps run and refuse bad options before writing; the Kubernetes arithmetic gives Kubernetes' numbers.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as api from '../api/index.js';
import {
  checkExpectations,
  formatScenarioIssue,
  hpaDesiredReplicas,
  loadScenarioFile,
  loadScenarioText,
  resolveRollingUpdate,
  runScenario,
  sweepScenario,
  type Scenario,
} from '../api/index.js';
import { main } from '../cli/cli.js';

const ROOT = path.join(import.meta.dirname, '..');
const LIBRARY = path.join(ROOT, 'library');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rollsim-api-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function cliStdout(args: string[]): Promise<string> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    cwd: ROOT,
  });
  expect(stderr).toBe('');
  expect(code).toBe(0);
  return stdout;
}

function load(file: string): Scenario {
  const loaded = loadScenarioFile(file, { cwd: ROOT });
  if (!loaded.ok) throw new Error(loaded.issues.map(formatScenarioIssue).join('\n'));
  return loaded.scenario;
}

describe('the export list', () => {
  it('is exactly the documented surface', () => {
    expect(Object.keys(api).sort()).toEqual([
      'RehearsalBaselineError',
      'RehearsalInputError',
      'checkExpectations',
      'formatScalingNote',
      'formatScenarioIssue',
      'hpaDesiredReplicas',
      'loadScenarioFile',
      'loadScenarioText',
      'plan',
      'rehearse',
      'resolveRollingUpdate',
      'runScenario',
      'scalingNotes',
      'sweepScenario',
    ]);
  });
});

describe('scalingNotes', () => {
  it('gives the notes `rollsim validate` prints, and none for the library scenarios', async () => {
    const fixture = 'test/fixtures/notes/rps-above-capacity.yaml';
    const printed = (await cliStdout(['validate', fixture]))
      .split('\n')
      .filter((l) => l.startsWith('  note'));
    const notes = api.scalingNotes(load(fixture));
    expect(notes.map((n) => `  ${api.formatScalingNote(n)}`)).toEqual(printed);
    expect(notes).toHaveLength(1);
    expect(api.scalingNotes(load('library/default.yaml'))).toEqual([]);
  });
});

describe('runScenario', () => {
  it('returns the object `rollsim run --json` prints, byte for byte', async () => {
    const cases: [string, string[], { seed?: number }][] = [
      ['library/default.yaml', [], {}],
      ['library/bad-version-fails-health.yaml', ['--seed', '7'], { seed: 7 }],
      ['library/azure-trace-replay.yaml', [], {}],
    ];
    for (const [file, flags, options] of cases) {
      const printed = await cliStdout(['run', file, '--json', ...flags]);
      const result = runScenario(load(file), options);
      expect(`${JSON.stringify(result, null, 2)}\n`, file).toBe(printed);
    }
  });

  it('evaluates the expect block, and checkExpectations fails a result that misses it', () => {
    const scenario = load('library/default.yaml');
    const result = runScenario(scenario);
    expect(result.expectations.length).toBeGreaterThan(0);
    expect(result.expectations.every((e) => e.pass)).toBe(true);
    expect(checkExpectations(scenario, result)).toEqual(result.expectations);

    const worse = { ...result, metrics: { ...result.metrics, downtimeMs: 90_000 } };
    const downtime = checkExpectations(scenario, worse).find((e) => e.name === 'maxDowntime');
    expect(downtime?.pass).toBe(false);
    expect(downtime?.detail).toMatch(/^downtime 1m 30s > 0s$/);
  });

  it('throws a RangeError naming a seed that is not a whole number ≥ 0, rather than writing it to the result', () => {
    const scenario = load('library/default.yaml');
    const cases: [unknown, string][] = [
      [1.5, '1.5'],
      [-1, '-1'],
      [Number.NaN, 'NaN'],
      [2 ** 60, String(2 ** 60)],
      ['7', '"7"'],
      [{}, 'a value of type object'],
    ];
    for (const [seed, shown] of cases)
      expect(() => runScenario(scenario, { seed: seed as number }), shown).toThrow(
        new RangeError(`seed must be a whole number from 0 to ${Number.MAX_SAFE_INTEGER}, got ${shown}`),
      );
  });

  it('checkInvariants leaves the result unchanged', () => {
    const scenario = load('library/node-failure-mid-rollout.yaml');
    expect(runScenario(scenario, { checkInvariants: true })).toEqual(runScenario(scenario));
  });
});

describe('loading: problems as values', () => {
  it('loads text with traces relative to the given file', () => {
    const text = fs.readFileSync(path.join(LIBRARY, 'azure-trace-replay.yaml'), 'utf8');
    const loaded = loadScenarioText(text, { file: 'azure-trace-replay.yaml', cwd: LIBRARY });
    expect(loaded.ok).toBe(true);
    const elsewhere = loadScenarioText(text, { file: 'azure.yaml', cwd: tmp });
    expect(elsewhere.ok).toBe(false);
    if (!elsewhere.ok) expect(elsewhere.issues.map((i) => i.file)).toContain('azure.yaml');
  });

  it('returns issues, never throws, for any bad input', () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'dir-'));
    const bad: [string, () => api.LoadScenarioResult, RegExp][] = [
      ['missing file', () => loadScenarioFile('nope.yaml', { cwd: dir }), /no such file/],
      ['a folder', () => loadScenarioFile(dir), /is a directory/],
      ['empty text', () => loadScenarioText(''), /the file is empty/],
      ['broken YAML', () => loadScenarioText('a: [1, 2\nb: {'), /./],
      ['not a scenario', () => loadScenarioText('just a string'), /./],
      [
        'unknown field',
        () => loadScenarioText('apiVersion: rollsim/v1\nkind: Scenario\nbogus: 1\n'),
        /bogus/,
      ],
      ['text not a string', () => loadScenarioText(undefined as unknown as string), /text must be a string/],
      ['file not a string', () => loadScenarioFile(42 as unknown as string), /file must be a string/],
    ];
    for (const [what, call, message] of bad) {
      const loaded = call();
      expect(loaded.ok, what).toBe(false);
      if (loaded.ok) continue;
      expect(loaded.issues.length, what).toBeGreaterThan(0);
      expect(loaded.issues.map(formatScenarioIssue).join('\n'), what).toMatch(message);
    }
  });

  it('names the line and field of a problem', () => {
    const text = fs
      .readFileSync(path.join(LIBRARY, 'default.yaml'), 'utf8')
      .replace('model: llama-3.1-8b', 'model: llama-3.1-8bb');
    const loaded = loadScenarioText(text, { file: 'edit.yaml' });
    expect(loaded.ok).toBe(false);
    if (loaded.ok) return;
    const line = text.split('\n').findIndex((l) => l.includes('llama-3.1-8bb')) + 1;
    expect(loaded.issues[0]).toMatchObject({ file: 'edit.yaml', line, path: 'deployment.model' });
  });
});

describe('sweepScenario', () => {
  const tiny = path.join(ROOT, 'test/fixtures/sweep/tiny.yaml');

  it('runs seeds × grid into the output folder and reports distributions', async () => {
    const outDir = path.join(tmp, 'sweep');
    const outcome = await sweepScenario({
      scenarioFile: tiny,
      outDir,
      seeds: 3,
      workers: 1,
      grid: { 'rollout.maxSurge': [1, 2] },
    });
    expect(outcome.kind).toBe('done');
    if (outcome.kind !== 'done') return;
    expect(outcome.ran).toBe(6);
    expect(outcome.aggregate.combos.map((c) => [c.label, c.runs])).toEqual([
      ['rollout.maxSurge=1', 3],
      ['rollout.maxSurge=2', 3],
    ]);
    for (const f of ['runs.ndjson', 'sweep.json', 'sweep.md', 'sweep.html', 'sweep-plan.json'])
      expect(fs.existsSync(path.join(outDir, f)), f).toBe(true);
    const again = await sweepScenario({
      scenarioFile: tiny,
      outDir,
      seeds: 3,
      workers: 1,
      grid: { 'rollout.maxSurge': [1, 2] },
    });
    expect(again).toMatchObject({ kind: 'done', ran: 0, skipped: 6 });
  });

  it('refuses bad options with messages and writes nothing', async () => {
    const file = path.join(tmp, 'a-file');
    fs.writeFileSync(file, 'x');
    const outDir = path.join(tmp, 'never');
    const bad: [Partial<api.SweepScenarioOptions>, RegExp][] = [
      [{ seeds: 0 }, /seeds must be a whole number from 1/],
      [{ seeds: 2.5 }, /seeds must be a whole number/],
      [{ workers: 0 }, /workers must be a whole number from 1 to 256/],
      [{ grid: { 'rollout..maxSurge': [1] } }, /is not a dotted field path/],
      [
        { grid: { 'models[0].architecture.layers': [32] } },
        /not a dotted field path like rollout\.maxSurge; a list index is a path segment: models\.0\.architecture\.layers$/,
      ],
      [{ grid: { 'rollout.maxSurge': [] } }, /empty value/],
      [{ grid: { 'rollout.maxSurge': [1, 1] } }, /listed twice/],
      [{ grid: { 'rollout.maxSurge': [Number.NaN] } }, /finite numbers/],
      [{ grid: { 'rollout.constructor': [1] } }, /not allowed/],
      [{ grid: { 'rollout.maxSurge': ['lots'] } }, /maxSurge/],
      [{ scenarioFile: path.join(tmp, 'missing.yaml') }, /cannot read the scenario/],
      [{ outDir: file }, /exists and is not a folder/],
    ];
    for (const [override, message] of bad) {
      const outcome = await sweepScenario({ scenarioFile: tiny, outDir, seeds: 2, workers: 1, ...override });
      expect(outcome.kind, message.source).toBe('badInput');
      if (outcome.kind === 'badInput') expect(outcome.messages.join('\n')).toMatch(message);
    }
    expect(fs.existsSync(outDir)).toBe(false);
  });
});

describe('resolveRollingUpdate', () => {
  it("gives Kubernetes' fenceposts", () => {
    const cases: [api.RollingUpdateStrategy, number, api.RollingUpdateBudget][] = [
      [{ maxSurge: '25%', maxUnavailable: '25%' }, 10, { maxSurge: 3, maxUnavailable: 2, minAvailable: 8 }],
      [{ maxSurge: 1, maxUnavailable: 0 }, 4, { maxSurge: 1, maxUnavailable: 0, minAvailable: 4 }],
      // Both 0 after rounding: unavailable becomes 1 so the rollout can progress.
      [{ maxSurge: '10%', maxUnavailable: '10%' }, 5, { maxSurge: 1, maxUnavailable: 0, minAvailable: 5 }],
      [{ maxSurge: 0, maxUnavailable: '10%' }, 5, { maxSurge: 0, maxUnavailable: 1, minAvailable: 4 }],
      [{ maxSurge: 0, maxUnavailable: 9 }, 3, { maxSurge: 0, maxUnavailable: 3, minAvailable: 0 }],
      [
        { maxSurge: 2, maxUnavailable: 1, type: 'Recreate' },
        6,
        { maxSurge: 0, maxUnavailable: 0, minAvailable: 0 },
      ],
      [{ maxSurge: '50%', maxUnavailable: 1 }, 0, { maxSurge: 0, maxUnavailable: 0, minAvailable: 0 }],
    ];
    for (const [strategy, desired, budget] of cases)
      expect(resolveRollingUpdate(strategy, desired), JSON.stringify([strategy, desired])).toEqual(budget);
  });

  it('throws a RangeError naming the bad value', () => {
    const ok = { maxSurge: 1, maxUnavailable: 0 } as const;
    expect(() => resolveRollingUpdate(ok, -1)).toThrow(/desiredReplicas must be a whole number ≥ 0, got -1/);
    expect(() => resolveRollingUpdate(ok, 1.5)).toThrow(RangeError);
    expect(() => resolveRollingUpdate({ ...ok, maxSurge: 1.5 }, 3)).toThrow(/maxSurge must be/);
    expect(() => resolveRollingUpdate({ ...ok, maxUnavailable: '-5%' }, 3)).toThrow(/maxUnavailable must be/);
    expect(() => resolveRollingUpdate({ ...ok, maxSurge: 'x%' as `${number}%` }, 3)).toThrow(/"x%"/);
  });
});

describe('hpaDesiredReplicas', () => {
  const base = { currentReplicas: 4, minReplicas: 1, maxReplicas: 10 };

  it("gives Kubernetes' desired count", () => {
    const desired = (over: Partial<api.HpaDesiredReplicasInput>): number =>
      hpaDesiredReplicas({ ...base, metrics: [{ value: 30, target: 16 }], ...over }).desiredReplicas;
    expect(desired({})).toBe(8); // ceil(30 / 16 × 4)
    expect(desired({ readyReplicas: 2 })).toBe(4); // ceil(30 / 16 × 2): ready pods, not current
    expect(desired({ metrics: [{ value: 17, target: 16 }] })).toBe(4); // within the 10 % tolerance
    expect(desired({ metrics: [{ value: 17, target: 16 }], tolerance: 0.05 })).toBe(5);
    expect(desired({ metrics: [{ value: 100, target: 16 }] })).toBe(10); // clamped to max
    expect(desired({ metrics: [{ value: 100, target: 16 }], scaleUpLimitFactor: 2 })).toBe(8);
    expect(desired({ metrics: [{ value: 4, target: 16 }] })).toBe(1); // ceil(0.25 × 4)
    expect(
      desired({
        metrics: [
          { value: 4, target: 16 },
          { value: 30, target: 16 },
        ],
      }),
    ).toBe(8); // largest wins
    expect(desired({ currentReplicas: 12 })).toBe(10); // outside the bounds: snaps
    expect(desired({ currentReplicas: 0 })).toBe(0); // 0 with min > 0: autoscaling is off
  });

  it('holds a scale-down inside the stabilisation window, given the history', () => {
    const window = { scaleDownStabilizationMs: 300_000 };
    const first = hpaDesiredReplicas({ ...base, metrics: [{ value: 30, target: 16 }], ...window, nowMs: 0 });
    expect(first.desiredReplicas).toBe(8);
    const low = { ...base, currentReplicas: 8, metrics: [{ value: 2, target: 16 }], ...window };
    expect(hpaDesiredReplicas({ ...low, nowMs: 60_000, history: first.history }).desiredReplicas).toBe(8);
    expect(hpaDesiredReplicas({ ...low, nowMs: 400_000, history: first.history }).desiredReplicas).toBe(1);
  });

  it('throws a RangeError naming the bad value', () => {
    const m = { metrics: [{ value: 1, target: 1 }] };
    expect(() => hpaDesiredReplicas({ ...base, ...m, currentReplicas: -1 })).toThrow(/currentReplicas/);
    expect(() => hpaDesiredReplicas({ ...base, ...m, minReplicas: 5, maxReplicas: 2 })).toThrow(
      /minReplicas \(5\) must be ≤ maxReplicas \(2\)/,
    );
    expect(() => hpaDesiredReplicas({ ...base, ...m, tolerance: -0.1 })).toThrow(RangeError);
    expect(() => hpaDesiredReplicas({ ...base, ...m, nowMs: Number.NaN })).toThrow(/nowMs/);
  });
});

describe('rehearse and plan', () => {
  it('are the commands as functions: the same objects, deterministic', async () => {
    const scenario = load('library/rehearse-clean-swap.yaml');
    const first = await api.rehearse(scenario, { faults: ['abort'] });
    const again = await api.rehearse(scenario, { faults: ['abort'] });
    expect(JSON.stringify(first)).toBe(JSON.stringify(again));
    expect(first.branches.length).toBe(first.steps.length);
    expect(first.branches.every((b) => b.fault === 'abort')).toBe(true);
    await expect(api.rehearse(scenario, { faults: [] })).rejects.toBeInstanceOf(api.RehearsalInputError);
  });

  it('reject bad options from code with a RehearsalInputError naming each, before any run', async () => {
    // A program is not held to the types (plain JavaScript, JSON config): every option is checked, as the
    // command line checks its flags; before, unknown faults threw a TypeError deep in a branch and
    // plan({ seeds: 1e9 }) ran the machine out of memory.
    const scenario = load('library/rehearse-clean-swap.yaml');
    const bad = <T>(o: Record<string, unknown>) => o as T;
    const rehearsals: [Record<string, unknown>, RegExp][] = [
      [
        { faults: ['nope'] },
        /^faults must be a non-empty list of health, nodeLoss, squeeze, abort; got \["nope"\]$/,
      ],
      [{ faults: 'health' }, /^faults must be a non-empty list/],
      [{ seed: 1.5 }, /^seed must be a whole number from 0 to 9007199254740991, got 1.5$/],
      [{ seed: -1 }, /^seed must be/],
      [{ seed: '7' }, /^seed must be a whole number from 0 to \d+, got "7"$/],
      [{ edit: 0.5 }, /^edit must be a whole number from 0 to 99999, got 0.5$/],
      [{ workers: -1 }, /^workers must be a whole number from 0 to 256, got -1$/],
      [{ workers: 100_000 }, /^workers must be/],
      [{ shard: { index: 3, count: 2 } }, /^shard must be \{ index, count \} with 1 ≤ count/],
      [{ shard: { index: 0, count: 0 } }, /^shard must be/],
      [{ logDir: '' }, /^logDir must be a folder path or null, got ""$/],
      [{ seed: -1, workers: 1.5 }, /^seed must be .*\nworkers must be .*$/],
    ];
    const rejects = async (run: Promise<unknown>, o: Record<string, unknown>, message: RegExp) => {
      const error = await run.then(
        () => null,
        (e: unknown) => e,
      );
      expect(error, JSON.stringify(o)).toBeInstanceOf(api.RehearsalInputError);
      expect((error as Error).message, JSON.stringify(o)).toMatch(message);
    };
    for (const [o, message] of rehearsals)
      await rejects(api.rehearse(scenario, bad<api.RehearseOptions>(o)), o, message);
    const plans: [Record<string, unknown>, RegExp][] = [
      [{ seeds: 1e9 }, /^seeds must be a whole number from 1 to 100000, got 1000000000$/],
      [{ seeds: 0 }, /^seeds must be/],
      [{ downtimeBudgetMs: -5 }, /^downtimeBudgetMs must be a whole number from 0 to \d+, got -5$/],
      [{ downtimeBudgetMs: Number.NaN }, /^downtimeBudgetMs must be/],
      [{ seed: 1.5 }, /^seed must be/],
      [{ workers: -1 }, /^workers must be/],
    ];
    for (const [o, message] of plans) await rejects(api.plan(scenario, bad<api.PlanOptions>(o)), o, message);
  });
});
