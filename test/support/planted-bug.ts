// Planting a known bug in the engine, for the tests that prove the invariants and properties catch it.
// The engine's safety rules are one function each in engine/safety-rules.ts; a test file that plants
// bugs replaces that module with `plantable(real)`, whose functions call the real rule unless a bug is
// planted that takes the rule away:
//
//   vi.mock('../engine/safety-rules.js', async (importOriginal) =>
//     (await import('./support/planted-bug.js')).plantable(await importOriginal()),
//   );
//
// vi.mock replaces the module for everything the test file loads (the engine through sim/ and cli/
// too), in that test file's process only: runs in a worker pool (sweep/pool.ts) load the real module.
import type * as SafetyRules from '../../engine/safety-rules.js';

/** The rules a test can take away. */
export const PLANTED_BUGS = [
  'lockedFieldCheck',
  'crossTypeCheck',
  'specRestoreOnRollback',
  'surgeLimit',
] as const;
export type PlantedBug = (typeof PLANTED_BUGS)[number];

let planted: PlantedBug | null = null;
let installed = false;

/** The safety-rules module with each rule replaceable by its planted bug. */
export function plantable(real: typeof SafetyRules): typeof SafetyRules {
  installed = true;
  return {
    ...real,
    lockedFieldIssues: (...a) => (planted === 'lockedFieldCheck' ? [] : real.lockedFieldIssues(...a)),
    crossTypeIssues: (...a) => (planted === 'crossTypeCheck' ? [] : real.crossTypeIssues(...a)),
    // The failed spec stays in force while the revisions go back.
    specAfterRollback: (specs) =>
      planted === 'specRestoreOnRollback' ? specs.failed : real.specAfterRollback(specs),
    // The new revision grows to desired at once, and instances are created without a budget.
    surgeLimitedSize: (...a) => (planted === 'surgeLimit' ? a[1] : real.surgeLimitedSize(...a)),
    instanceBudget: (...a) => (planted === 'surgeLimit' ? Infinity : real.instanceBudget(...a)),
  };
}

/** Plants `bug` until `removePlantedBug()`; throws when the test file did not mock the module. */
export function plantBug(bug: PlantedBug): void {
  if (!installed)
    throw new Error(
      "plantBug: this test file does not mock '../engine/safety-rules.js' with plantable() (see test/support/planted-bug.ts)",
    );
  planted = bug;
}

export function removePlantedBug(): void {
  planted = null;
}

/** Runs `fn` with `bug` planted (or with every rule in force when `bug` is null). */
export function withPlantedBug<T>(bug: PlantedBug | null, fn: () => T): T {
  if (bug !== null) plantBug(bug);
  try {
    return fn();
  } finally {
    removePlantedBug();
  }
}
