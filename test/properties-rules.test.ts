// Proves the properties have teeth: taking away any one engine rule (locked-field check, cross-type
// check, spec restore on rollback, surge limit; engine/safety-rules.ts, replaced here through vi.mock)
// makes the engine property fail with a short, readable, shrunk counterexample that names the broken
// invariant.
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { numRuns } from './support/arbitraries.js';
import { PropertyViolation } from './support/chaos-world.js';
import { runWorldCase, worldCaseArb, type WorldCase } from './support/engine-properties.js';
import { PLANTED_BUGS, withPlantedBug, type PlantedBug } from './support/planted-bug.js';

vi.mock('../engine/safety-rules.js', async (importOriginal) =>
  (await import('./support/planted-bug.js')).plantable(await importOriginal()),
);

const cases: readonly { rule: PlantedBug; broken: RegExp }[] = [
  { rule: 'lockedFieldCheck', broken: /lockedFields(Unchanged|AsCreated)/ },
  { rule: 'crossTypeCheck', broken: /crossTypeSwapRejected/ },
  { rule: 'specRestoreOnRollback', broken: /failedRolloutRestoresPrior/ },
  { rule: 'surgeLimit', broken: /rolloutWithinBudget/ },
];

describe('each engine rule is load-bearing: without it a property fails', () => {
  for (const { rule, broken } of cases) {
    it(`without ${rule}, the engine property fails and shrinks to a short counterexample`, () => {
      const details = withPlantedBug(rule, () =>
        fc.check(
          fc.property(worldCaseArb(), (c) => {
            runWorldCase(c);
          }),
          { numRuns: 2_000, seed: 42 },
        ),
      );
      expect(details.failed).toBe(true);
      const error = details.errorInstance;
      expect(error).toBeInstanceOf(PropertyViolation);
      if (!(error instanceof PropertyViolation)) return;
      expect(error.reason).toMatch(broken);
      // Readable: a handful of moves and events; the report carries seed and path, the error the event log.
      const [shrunk] = details.counterexample as [WorldCase];
      expect(shrunk.moves.length).toBeLessThanOrEqual(6);
      expect(error.log.length).toBeLessThanOrEqual(12);
      expect(error.message).toContain('--- events (t in ms) ---');
      const report = fc.defaultReportMessage(details) ?? '';
      expect(report).toContain(`seed: ${details.seed}`);
      expect(report).toContain(`path: "${details.counterexamplePath}"`);
    });
  }

  it('covers every bug the safety-rules module can plant', () => {
    expect(cases.map((c) => c.rule).sort()).toEqual([...PLANTED_BUGS].sort());
  });

  it('with every rule on, the same seed passes', () => {
    const details = fc.check(
      fc.property(worldCaseArb(), (c) => {
        runWorldCase(c);
      }),
      { numRuns: numRuns(300), seed: 42 },
    );
    expect(details.failed).toBe(false);
  });
});
