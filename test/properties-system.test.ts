// Proves the safety rules for whole simulations: generated scenarios (edits, rollbacks, node/GPU
// failures, bad versions, capacity squeezes, flaky probes, traffic) run through the simulator with
// every invariant checked at every step; locked fields as created, rollbacks restoring the prior spec
// with no failed-revision instance left, bounded edit durations; same scenario + seed ⇒ same trace.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../sim/run.js';
import { fcParams, scenarioArb } from './support/arbitraries.js';
import { checkScenario, SystemViolation, writeCounterexample } from './support/counterexample.js';

/** Where a failing run leaves its shrunk counterexample (gitignored). */
const COUNTEREXAMPLE_DIR = 'out/counterexamples';

describe('whole-system properties over generated scenarios', () => {
  it('every invariant holds at every step of every generated scenario', () => {
    const details = fc.check(
      fc.property(scenarioArb(), (s) => {
        checkScenario(s);
      }),
      fcParams(200),
    );
    if (!details.failed) return;
    // The shrunk counterexample becomes a scenario file that `rollsim run` / `rollsim check` replays.
    const error = details.errorInstance;
    const file =
      error instanceof SystemViolation
        ? writeCounterexample(error.scenario, error.reason, COUNTEREXAMPLE_DIR)
        : null;
    throw new Error(
      `${fc.defaultReportMessage(details)}\n${file === null ? '' : `counterexample written to ${file}`}`,
    );
  });

  it('the same scenario and seed give the same trace and result, byte for byte', () => {
    fc.assert(
      fc.property(scenarioArb({ minutesMax: 15 }), (s) => {
        const a = runScenario(s, { seed: s.seed, trace: true });
        const b = runScenario(s, { seed: s.seed, trace: true });
        expect(JSON.stringify(b.trace)).toBe(JSON.stringify(a.trace));
        expect(JSON.stringify(b.result)).toBe(JSON.stringify(a.result));
      }),
      fcParams(25),
    );
  });
});
