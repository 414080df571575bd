// The engine's instance table (engine/instance-table.ts) against a plain Map as the model: after any
// sequence of writes it holds the same entries in the same order with the same counts, it leaves every
// earlier version untouched, and it declines exactly the writes a Map would order differently.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InstanceTable, seqOf } from '../engine/instance-table.js';
import type { InstanceState } from '../engine/state.js';
import { readyInstance } from './support/instance-state.js';
import { fcParams } from './support/arbitraries.js';

const inst = readyInstance;

/** The counts the table keeps, recomputed by a scan. */
function scanCensus(m: ReadonlyMap<string, InstanceState>) {
  const by = (pred: (i: InstanceState) => boolean) => {
    const out = new Map<number, number>();
    for (const i of m.values()) if (pred(i)) out.set(i.revision, (out.get(i.revision) ?? 0) + 1);
    return out;
  };
  const all = [...m.values()];
  return {
    live: by((i) => !i.terminating),
    availableByRevision: by((i) => !i.terminating && i.available),
    terminatingByRevision: by((i) => i.terminating),
    liveTotal: all.filter((i) => !i.terminating).length,
    available: all.filter((i) => !i.terminating && i.available).length,
    terminating: all.filter((i) => i.terminating).length,
    ready: all.filter((i) => !i.terminating && i.phase === 'ready').length,
  };
}

function sorted(m: ReadonlyMap<number, number>): [number, number][] {
  return [...m].sort((a, b) => a[0] - b[0]);
}

type Op =
  | { kind: 'add'; revision: number; patch: Partial<InstanceState> }
  | { kind: 'update'; pick: number; patch: Partial<InstanceState> }
  | { kind: 'delete'; pick: number }
  | { kind: 'step' };

const patchArb: fc.Arbitrary<Partial<InstanceState>> = fc.record(
  {
    phase: fc.constantFrom<InstanceState['phase']>('pending', 'loading', 'ready', 'draining'),
    available: fc.boolean(),
    terminating: fc.boolean(),
    revision: fc.integer({ min: 1, max: 4 }),
  },
  { requiredKeys: [] },
);

function opsArb(weights: { add: number; update: number; del: number }): fc.Arbitrary<Op> {
  return fc.oneof(
    {
      weight: weights.add,
      arbitrary: fc.record({
        kind: fc.constant('add' as const),
        revision: fc.integer({ min: 1, max: 4 }),
        patch: patchArb,
      }),
    },
    {
      weight: weights.update,
      arbitrary: fc.record({ kind: fc.constant('update' as const), pick: fc.nat(), patch: patchArb }),
    },
    { weight: weights.del, arbitrary: fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'step' as const }) },
  );
}

// Mostly growing and changing, or mostly shrinking (so chunks empty out and merge).
const sequenceArb = fc.oneof(
  fc.array(opsArb({ add: 4, update: 4, del: 3 }), { maxLength: 400 }),
  fc.array(opsArb({ add: 1, update: 2, del: 8 }), { minLength: 100, maxLength: 600 }),
);

describe('InstanceTable', () => {
  it('agrees with a Map on entries, order, lookups and counts after any writes, and never changes an earlier version', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: 0, max: 10 }), fc.integer({ min: 100, max: 300 })),
        sequenceArb,
        (start, ops) => {
          const model = new Map<string, InstanceState>();
          for (let k = 0; k < start; k++) model.set(`r1-${k}`, inst(`r1-${k}`, 1));
          let table = InstanceTable.from(model)!;
          expect(table).not.toBeNull();
          let builder = table.edit();
          let seq = start;
          // Every frozen version with a snapshot of what it held.
          const versions: [InstanceTable, [string, InstanceState][]][] = [[table, [...model]]];
          for (const op of ops) {
            if (op.kind === 'step') {
              table = builder.freeze();
              versions.push([table, [...model]]);
              builder = table.edit();
              continue;
            }
            const ids = [...model.keys()];
            if (op.kind === 'add') {
              const id = `r${op.revision}-${seq++}`;
              const i = inst(id, op.revision, op.patch);
              expect(builder.set(i)).toBe(true);
              model.set(id, i);
            } else if (ids.length > 0) {
              const id = ids[op.pick % ids.length]!;
              if (op.kind === 'update') {
                const i = { ...model.get(id)!, ...op.patch };
                expect(builder.set(i)).toBe(true);
                model.set(id, i);
              } else {
                expect(builder.delete(id)).toBe(true);
                model.delete(id);
                expect(builder.delete(id)).toBe(false);
              }
            }
            expect(builder.size).toBe(model.size);
          }
          table = builder.freeze();
          versions.push([table, [...model]]);
          expect([...table]).toEqual([...model]);
          expect([...table.keys()]).toEqual([...model.keys()]);
          for (const [id, i] of model) expect(table.get(id)).toBe(i);
          expect(table.has(`r1-${seq + 5}`)).toBe(false);
          const want = scanCensus(model);
          const got = table.census;
          expect(sorted(got.live)).toEqual(sorted(want.live));
          expect(sorted(got.availableByRevision)).toEqual(sorted(want.availableByRevision));
          expect(sorted(got.terminatingByRevision)).toEqual(sorted(want.terminatingByRevision));
          expect([got.liveTotal, got.available, got.terminating, got.ready]).toEqual([
            want.liveTotal,
            want.available,
            want.terminating,
            want.ready,
          ]);
          // Persistence: every earlier version still holds exactly what it held when it was frozen.
          for (const [v, entries] of versions) {
            expect([...v]).toEqual(entries);
            expect(v.size).toBe(entries.length);
          }
        },
      ),
      fcParams(200),
    );
  });

  it('declines what a Map would order differently: ids of another shape and new ids below the highest', () => {
    const table = InstanceTable.from(new Map([['r1-5', inst('r1-5', 1)]]))!;
    const b = table.edit();
    expect(b.set(inst('pod-a', 1))).toBe(false);
    expect(b.set(inst('r2-3', 2))).toBe(false); // a Map would put it last, after r1-5
    expect(b.set(inst('r2-5', 2))).toBe(false); // same seq, another id
    expect(b.set(inst('r2-6', 2))).toBe(true);
    expect(b.freeze().size).toBe(2);
    expect(
      InstanceTable.from(
        new Map([
          ['r1-2', inst('r1-2', 1)],
          ['r1-1', inst('r1-1', 1)],
        ]),
      ),
    ).toBeNull();
    expect(table.size).toBe(1);
  });

  it('reads engine ids only', () => {
    expect(seqOf('r1-0')).toBe(0);
    expect(seqOf('r12-345')).toBe(345);
    for (const id of ['r1-', 'r-1', 'x1-1', 'r1-01', 'r1-1a', 'ra-1', 'r1-9007199254740993'])
      expect(seqOf(id), id).toBe(-1);
  });

  it('serialises as a Map of its instances would', () => {
    const table = InstanceTable.from(new Map([['r1-0', inst('r1-0', 1)]]))!;
    expect(JSON.stringify({ instances: table })).toBe(
      JSON.stringify({ instances: { 'r1-0': inst('r1-0', 1) } }),
    );
  });
});
