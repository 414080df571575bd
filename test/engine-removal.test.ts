// Which instances a scale-down removes (engine/rolling.ts removalVictims): the first `count` of the live
// instances of a revision in removal order, picked without sorting the fleet. Checked against a sort by
// the order as written out here (not-yet-available first: pending, loading, unready; then newest; then
// the greater id), on plain Maps and instance tables, ties in creation time included.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InstanceTable } from '../engine/instance-table.js';
import { removalVictims } from '../engine/rolling.js';
import type { InstanceState } from '../engine/state.js';
import { fcParams } from './support/arbitraries.js';
import { readyInstance } from './support/instance-state.js';

const RANK = { pending: 0, loading: 1, unready: 2 } as const;

function oracle(instances: readonly InstanceState[], revision: number, count: number): string[] {
  const rank = (i: InstanceState): number =>
    i.available
      ? 3
      : i.phase === 'pending'
        ? RANK.pending
        : i.phase === 'loading'
          ? RANK.loading
          : RANK.unready;
  return instances
    .filter((i) => i.revision === revision && !i.terminating)
    .sort((a, b) => rank(a) - rank(b) || b.createdAtMs - a.createdAtMs || (a.id < b.id ? 1 : -1))
    .slice(0, Math.max(0, count))
    .map((i) => i.id);
}

const instanceArb = fc.record({
  revision: fc.integer({ min: 1, max: 2 }),
  phase: fc.constantFrom<InstanceState['phase']>('pending', 'loading', 'ready'),
  available: fc.boolean(),
  terminating: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
  // Few distinct times: ties are common, so the id decides (as text: r1-10 sorts before r1-9).
  createdAtMs: fc.integer({ min: 0, max: 3 }).map((t) => t * 1000),
});

const fleetArb = fc.array(instanceArb, { maxLength: 120 }).map((rows) =>
  rows.map((r, seq): InstanceState => ({
    id: `r${r.revision}-${seq}`,
    revision: r.revision,
    phase: r.phase,
    createdAtMs: r.createdAtMs,
    scheduledAtMs: null,
    readyAtMs: null,
    passedAtMs: null,
    consecutivePasses: 0,
    consecutiveFailures: 0,
    available: r.available && r.phase === 'ready',
    terminating: r.terminating,
  })),
);

describe('removalVictims', () => {
  it('is the sorted live instances of the revision cut to the count, for a Map and a table', () => {
    fc.assert(
      fc.property(
        fleetArb,
        fc.integer({ min: 1, max: 2 }),
        fc.integer({ min: -1, max: 130 }),
        (fleet, rev, count) => {
          const map = new Map(fleet.map((i) => [i.id, i]));
          const table = InstanceTable.from(map);
          expect(table).not.toBeNull();
          const want = oracle(fleet, rev, count);
          expect(removalVictims(map, rev, count).map((i) => i.id)).toEqual(want);
          expect(removalVictims(table!, rev, count).map((i) => i.id)).toEqual(want);
        },
      ),
      fcParams(400),
    );
  });

  it('takes the newest of a tie by id as text, every instance when the count exceeds them, none for a count of 0', () => {
    const at = (seq: number): InstanceState => readyInstance(`r1-${seq}`, 1);
    const map = new Map([9, 10, 11, 2].map((s) => [`r1-${s}`, at(s)]));
    expect(removalVictims(map, 1, 2).map((i) => i.id)).toEqual(['r1-9', 'r1-2']);
    expect(removalVictims(map, 1, 40).map((i) => i.id)).toEqual(['r1-9', 'r1-2', 'r1-11', 'r1-10']);
    expect(removalVictims(map, 2, 3)).toEqual([]);
    expect(removalVictims(map, 1, 0)).toEqual([]);
    expect(removalVictims(map, 1, -1)).toEqual([]);
  });
});
