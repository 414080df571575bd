// Proves the rehearsal's promise over generated scenarios: every branch either restores the deployment
// (checked again by replaying the branch's scenario on its own) or is reported as failing, with its
// problems named; and the same inputs give the same rehearsal, byte for byte.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../sim/run.js';
import type { Scenario } from '../scenario/types.js';
import { branchScenario, runBranch } from '../rehearse/branch.js';
import { baselineOf, branchTasks, RehearsalInputError } from '../rehearse/rehearse.js';
import { FAULT_KINDS } from '../rehearse/types.js';
import { fcParams, sameTypeModelEditArb, scenarioArb } from './support/arbitraries.js';

/** Generated scenarios cut after their first edit, so nothing but the branch's fault follows it. */
const rehearsable = scenarioArb({
  minutesMin: 10,
  minutesMax: 15,
  edits: (spec) => sameTypeModelEditArb(spec),
}).map((s): Scenario => {
  const first = s.events.findIndex((e) => e.action === 'edit');
  return { ...s, events: first < 0 ? s.events : s.events.slice(0, first + 1) };
});

describe('rehearsal properties over generated scenarios', () => {
  it('every branch restores the deployment or is reported failing', () => {
    let rehearsed = 0;
    fc.assert(
      fc.property(rehearsable, (s) => {
        let baseline;
        try {
          baseline = baselineOf(s, s.seed, null);
        } catch (error) {
          if (error instanceof RehearsalInputError) return; // the edit was rejected or applied in place
          throw error;
        }
        rehearsed++;
        for (const task of branchTasks(s, baseline, FAULT_KINDS, s.seed, 'generated.yaml')) {
          const branch = runBranch(task);
          const replay = runScenario(branchScenario(task), { seed: s.seed }).result;
          const edit = replay.edits.find((e) => e.index === baseline.edit);
          expect(branch.outcome, task.key).toBe(
            edit === undefined || edit.outcome === 'inProgress' ? 'unfinished' : edit.outcome,
          );
          expect(branch.pass, task.key).toBe(branch.problems.length === 0);
          if (branch.pass) {
            expect(branch.invariantsHeld, task.key).toBe(true);
            // Restored: the run ends on the revision the branch says it recovered to.
            const revision = branch.recovered === 'prior' ? baseline.fromRevision : baseline.toRevision;
            expect(branch.recovered, task.key).not.toBeNull();
            expect(replay.final.revision, task.key).toBe(revision);
          }
          // Not back on the prior revision and the edit did not complete: never reported as passing.
          if (replay.final.revision !== baseline.fromRevision && edit?.outcome !== 'completed')
            expect(branch.pass, task.key).toBe(false);
          if (branch.recovered === 'prior') expect(branch.restoredMs, task.key).toBeGreaterThanOrEqual(0);
        }
      }),
      fcParams(25),
    );
    expect(rehearsed).toBeGreaterThan(0);
  }, 60_000);
});
