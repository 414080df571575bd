// Proves the engine's safety rules for generated worlds: every invariant after every step of random,
// world-consistent event sequences, locked fields as created, rollbacks restoring the prior spec, and
// every rollout ending within its deadlines plus a bounded cleanup once the world heals; coverage
// probes show the generated worlds reach every rollback reason and rejection the properties speak of.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fcParams } from './support/arbitraries.js';
import type { StepCheck } from './support/chaos-world.js';
import { allStepChecks, runWorldCase, worldCaseArb } from './support/engine-properties.js';

/** Names the rare paths a step takes (FoundationDB-style coverage probes). */
function probe(seen: Set<string>): StepCheck {
  return ({ prev, next, effects }) => {
    for (const e of effects) {
      if (e.type === 'action/ended') {
        seen.add(
          `${e.kind} ${e.outcome}${e.reason !== null ? ` ${e.reason}` : ''}${e.inPlace ? ' in place' : ''}`,
        );
        for (const issue of e.errors) seen.add(`rejected ${issue.code}`);
      }
      if (e.type === 'deployment/degraded') seen.add('degraded');
    }
    if (
      next.rollout.phase === 'rollingBack' &&
      next.rollout.forced &&
      prev.rollout.phase === 'rollingBack' &&
      !prev.rollout.forced
    )
      seen.add('rollback forced at its deadline');
    if (next.rollout.phase === 'monitoring' && prev.rollout.phase === 'rolling')
      seen.add('monitoring window entered');
    if (next.revision >= 3) seen.add('third revision');
    return null;
  };
}

describe('engine properties over random worlds', () => {
  it('holds every invariant at every step, and every rollout ends once the world heals', () => {
    fc.assert(
      fc.property(worldCaseArb(), (c) => {
        runWorldCase(c);
      }),
      fcParams(2_000),
    );
  });

  it('coverage: a fixed sample of worlds reaches every outcome, rollback reason and rejection', () => {
    const counts = new Map<string, number>();
    for (const c of fc.sample(worldCaseArb(), { numRuns: 400, seed: 20_240_601 })) {
      const seen = new Set<string>();
      runWorldCase(c, [...allStepChecks(), probe(seen)]);
      for (const s of seen) counts.set(s, (counts.get(s) ?? 0) + 1);
    }
    const expected = [
      'edit completed',
      'edit completed in place',
      'edit rolledBack RESOURCE_UNAVAILABLE',
      'edit rolledBack HEALTH_CHECK_FAILED',
      'edit rolledBack PROGRESS_DEADLINE_EXCEEDED',
      'edit rolledBack MANUAL_ABORT',
      'edit rolledBack RESOURCE_UNAVAILABLE in place',
      'rollback completed',
      'rollback rejected',
      'rejected LOCKED_FIELD',
      'rejected MODEL_TYPE_MISMATCH',
      'rejected EDIT_IN_PROGRESS',
      'rejected NOT_EDITABLE',
      'rejected MANUAL_ROLLBACK_UNSUPPORTED',
      'rejected INVALID_SCALING_RANGE',
      'rejected UNKNOWN_MODEL',
      'rejected MODEL_ACCELERATOR_INCOMPATIBLE',
      'rollback forced at its deadline',
      'monitoring window entered',
      'third revision',
      'degraded',
    ];
    const missing = expected.filter((k) => (counts.get(k) ?? 0) === 0);
    expect(missing, `probes never hit; all counts: ${JSON.stringify(Object.fromEntries(counts))}`).toEqual(
      [],
    );
  });
});
