// Proves the counterexample round trip: a whole-system property that fails (here because a bug is
// planted by replacing one of the engine's safety rules, test/support/planted-bug.ts) shrinks to a scenario written as YAML, with seed and
// broken invariant in its description, that the loader, `rollsim check` and `rollsim run` replay to the
// same failure; and that every generated scenario survives the trip to YAML and back unchanged.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../cli/cli.js';
import { loadScenarioFile, loadScenarioText } from '../scenario/load.js';
import type { Scenario } from '../scenario/types.js';
import { runScenario } from '../sim/run.js';
import { fcParams, scenarioArb } from './support/arbitraries.js';
import { scenarioToYaml } from '../scenario/write-yaml.js';
import { checkScenario, SystemViolation, writeCounterexample } from './support/counterexample.js';
import { plantBug, removePlantedBug, withPlantedBug, type PlantedBug } from './support/planted-bug.js';

// Every engine this file loads (directly, through sim/ and through the in-process CLI) gets the
// replaceable safety rules; a rule is only taken away while a test plants its bug.
vi.mock('../engine/safety-rules.js', async (importOriginal) =>
  (await import('./support/planted-bug.js')).plantable(await importOriginal()),
);

const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rollsim-counterexample-'));
afterAll(() => fs.rmSync(outDir, { recursive: true, force: true }));

function cli(args: string[]): { code: Promise<number>; out: () => string } {
  let out = '';
  const io = { stdout: (t: string) => void (out += t), stderr: (t: string) => void (out += t), cwd: outDir };
  return { code: main(args, io), out: () => out };
}

/** Finds, shrinks and writes the counterexample of the whole-system property with `rule` switched off. */
function findCounterexample(rule: PlantedBug): { file: string; broken: string; scenario: Scenario } {
  const details = withPlantedBug(rule, () =>
    fc.check(
      fc.property(scenarioArb({ minutesMax: 20 }), (s) => {
        checkScenario(s);
      }),
      { numRuns: 500, seed: 7 },
    ),
  );
  expect(details.failed).toBe(true);
  const error = details.errorInstance;
  if (!(error instanceof SystemViolation))
    throw new Error(`expected a SystemViolation, got ${String(error)}`);
  return {
    file: writeCounterexample(error.scenario, error.reason, outDir),
    broken: error.reason,
    scenario: error.scenario,
  };
}

describe('counterexamples as scenario files', () => {
  it('every generated scenario survives the trip to YAML and back through the loader', () => {
    fc.assert(
      fc.property(scenarioArb(), (s) => {
        const loaded = loadScenarioText(scenarioToYaml(s), {
          file: 'generated.yaml',
          sourcePath: path.join(outDir, 'generated.yaml'),
        });
        if (!loaded.ok) throw new Error(loaded.issues.map((i) => i.message).join('; '));
        expect({ ...loaded.scenario, sourcePath: s.sourcePath }).toEqual(s);
      }),
      fcParams(100),
    );
  });

  it('a planted bug (no spec restore on rollback) shrinks to a YAML scenario that replays to the same failure', async () => {
    const { file, broken, scenario } = findCounterexample('specRestoreOnRollback');
    const invariant = /^([A-Za-z]+)/.exec(broken)?.[1] ?? '';
    expect(invariant).toMatch(/failedRolloutRestoresPrior|specApplied/);
    // Shrunk: a handful of events at most.
    expect(scenario.events.length).toBeLessThanOrEqual(3);

    const loaded = loadScenarioFile(file);
    if (!loaded.ok) throw new Error(loaded.issues.map((i) => i.message).join('; '));
    expect(loaded.scenario.metadata.description).toContain(`seed ${scenario.seed}`);
    expect(loaded.scenario.metadata.description).toContain(invariant);

    // The loader + simulator, as `rollsim run` uses them, with the bug still planted: the same breach.
    expect(() => withPlantedBug('specRestoreOnRollback', () => checkScenario(loaded.scenario))).toThrow(
      invariant,
    );
    // Without the bug the same file is a clean run: the failure is the bug's.
    expect(() => checkScenario(loaded.scenario)).not.toThrow();

    // Through the CLI, in process: `rollsim check` replays it with every invariant checked.
    plantBug('specRestoreOnRollback');
    try {
      const checked = cli(['check', file]);
      expect(await checked.code).toBe(1);
      expect(checked.out()).toMatch(/failedRolloutRestoresPrior/);
      const ran = cli(['run', file, '--json']);
      expect(await ran.code).not.toBe(2);
      const result = JSON.parse(ran.out()) as { final: { spec: { model: string } } };
      // The planted bug is visible in `rollsim run`'s result too: the failed spec is still in force.
      expect(result.final.spec).not.toEqual(loaded.scenario.deployment);
    } finally {
      removePlantedBug();
    }
    const clean = cli(['check', file]);
    expect(await clean.code).toBe(0);
  });

  it('a planted bug (no surge limit) is caught at the whole-system level too', () => {
    const { broken, scenario } = findCounterexample('surgeLimit');
    expect(broken).toMatch(/rolloutWithinBudget/);
    const rerun = () => runScenario(scenario, { seed: scenario.seed, checkInvariants: true });
    expect(() => withPlantedBug('surgeLimit', rerun)).toThrow(/rolloutWithinBudget/);
    // Without the bug the same scenario runs clean: the breach is the bug's.
    expect(rerun).not.toThrow();
  });
});
