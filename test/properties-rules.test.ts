// Proves the properties have teeth: switching off any one engine rule (locked-field check, cross-type
// check, spec restore on rollback, surge limit) makes the engine property fail with a short, readable,
// shrunk counterexample that names the broken invariant.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FaultInjectionRule } from '../engine/index.js';
import { numRuns } from './support/arbitraries.js';
import { PropertyViolation } from './support/chaos-world.js';
import { runWorldCase, worldCaseArb, type WorldCase } from './support/engine-properties.js';

const cases: readonly { rule: FaultInjectionRule; broken: RegExp }[] = [
  { rule: 'lockedFieldCheck', broken: /lockedFields(Unchanged|AsCreated)/ },
  { rule: 'crossTypeCheck', broken: /crossTypeSwapRejected/ },
  { rule: 'specRestoreOnRollback', broken: /failedRolloutRestoresPrior/ },
  { rule: 'surgeLimit', broken: /rolloutWithinBudget/ },
];

describe('each engine rule is load-bearing: without it a property fails', () => {
  for (const { rule, broken } of cases) {
    it(`without ${rule}, the engine property fails and shrinks to a short counterexample`, () => {
      const details = fc.check(
        fc.property(worldCaseArb(), (c) => {
          runWorldCase(c, { disableRule: rule });
        }),
        { numRuns: 2_000, seed: 42 },
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
