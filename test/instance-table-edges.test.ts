// Proves the instance table at its edges (found by mutation testing): a builder reads like the Map it
// stands for, ids are matched whole (not only by their sequence number), ids of another shape are
// declined, and a table handed to `from` comes back as is.
import { describe, expect, it } from 'vitest';
import { InstanceTable, seqOf } from '../engine/instance-table.js';
import type { InstanceState } from '../engine/state.js';
import { readyInstance } from './support/instance-state.js';

const inst = readyInstance;

function table(...items: InstanceState[]): InstanceTable {
  const b = InstanceTable.empty.edit();
  for (const i of items) expect(b.set(i)).toBe(true);
  return b.freeze();
}

describe('a builder reads like the Map it stands for', () => {
  it('has, get, keys, values, entries, iteration and forEach see its own writes', () => {
    const b = table(inst('r1-0', 1), inst('r1-1', 1)).edit();
    b.set(inst('r2-2', 2, { available: false }));
    expect(b.delete('r1-0')).toBe(true);
    const model = new Map([
      ['r1-1', inst('r1-1', 1)],
      ['r2-2', inst('r2-2', 2, { available: false })],
    ]);
    expect(b.has('r2-2')).toBe(true);
    expect(b.has('r1-0')).toBe(false);
    expect(b.get('r1-1')).toEqual(model.get('r1-1'));
    expect([...b.keys()]).toEqual([...model.keys()]);
    expect([...b.values()]).toEqual([...model.values()]);
    expect([...b.entries()]).toEqual([...model.entries()]);
    expect([...b]).toEqual([...model]);
    const seen: [string, number, unknown][] = [];
    const self = {};
    b.forEach(function (this: unknown, v, k, m) {
      seen.push([k, v.revision, m]);
      expect(this).toBe(self);
    }, self);
    expect(seen).toEqual([
      ['r1-1', 1, b],
      ['r2-2', 2, b],
    ]);
    expect(b.size).toBe(2);
  });

  it('and so does a table: forEach visits every entry in order, with the table as the map', () => {
    const t = table(inst('r1-0', 1), inst('r2-1', 2));
    const seen: [string, number, unknown][] = [];
    t.forEach((v, k, m) => seen.push([k, v.revision, m]));
    expect(seen).toEqual([
      ['r1-0', 1, t],
      ['r2-1', 2, t],
    ]);
  });

  it('names itself like a Map does', () => {
    const t = table(inst('r1-0', 1));
    expect(Object.prototype.toString.call(t)).toBe('[object InstanceTable]');
    expect(Object.prototype.toString.call(t.edit())).toBe('[object InstanceTableBuilder]');
  });
});

describe('ids', () => {
  it('are matched whole: another revision with the same sequence number is not the same instance', () => {
    const t = table(inst('r1-5', 1));
    expect(t.get('r2-5')).toBeUndefined();
    expect(t.has('r2-5')).toBe(false);
    const b = t.edit();
    expect(b.has('r2-5')).toBe(false);
    // Neither replaced nor removed under the other id.
    expect(b.set(inst('r2-5', 2))).toBe(false);
    expect(b.delete('r2-5')).toBe(false);
    expect([...b.freeze().values()]).toEqual([inst('r1-5', 1)]);
  });

  it('of another shape are declined by set and delete, and found by neither get nor has', () => {
    const b = table(inst('r1-0', 1)).edit();
    for (const id of ['x1-0', 'r1-', 'r-1', 'r1-07', 'r1-/', 'r/-1', 'r1-:']) {
      expect(seqOf(id)).toBe(-1);
      expect(b.set(inst(id, 1))).toBe(false);
      expect(b.delete(id)).toBe(false);
      expect(b.get(id)).toBeUndefined();
    }
    expect(b.size).toBe(1);
    expect(seqOf('r12-34')).toBe(34);
    // An empty table declines them too (there is no entry for the new one to come after).
    const empty = InstanceTable.empty.edit();
    expect(empty.set(inst('x1-0', 1))).toBe(false);
    expect(empty.size).toBe(0);
    expect([...empty.freeze().keys()]).toEqual([]);
  });
});

describe('InstanceTable.from', () => {
  it('returns a table as is, and a Map as an equal table', () => {
    const t = table(inst('r1-0', 1), inst('r1-1', 1));
    expect(InstanceTable.from(t)).toBe(t);
    const m = new Map([...t.entries()]);
    const again = InstanceTable.from(m);
    expect(again).not.toBe(t);
    expect([...again!.entries()]).toEqual([...m.entries()]);
    expect(again!.census).toEqual(t.census);
  });
});

describe('deleting down to small chunks', () => {
  // Three full chunks of 64 entries, r1-0 .. r1-191.
  const ids = Array.from({ length: 192 }, (_, k) => `r1-${k}`);

  /** Deletes `gone` in that order from the full table; checks every entry left is there, in order. */
  function thinned(gone: readonly string[]): { full: InstanceTable; t: InstanceTable; left: string[] } {
    const full = table(...ids.map((id) => inst(id, 1)));
    const b = full.edit();
    for (const id of gone) expect(b.delete(id)).toBe(true);
    const left = ids.filter((id) => !gone.includes(id));
    const t = b.freeze();
    expect([...t.keys()]).toEqual(left);
    for (const id of left) expect(t.get(id)?.id).toBe(id);
    return { full, t, left };
  }

  it('joins a small first chunk with a small next one and keeps every entry in order', () => {
    // The second chunk thinned to 16, then the first until the two fit in half a chunk: the first, with
    // no chunk before it, joins the one after it (not the last one).
    const { full, t, left } = thinned([...ids.slice(64, 112), ...ids.slice(0, 48)]);
    expect(t.size).toBe(96);
    expect(t.census.live.get(1)).toBe(96);
    // The table it came from is untouched, and the joined table takes further writes in order.
    expect([...full.keys()]).toEqual(ids);
    const more = t.edit();
    expect(more.delete('r1-120')).toBe(true);
    expect(more.set(inst('r1-200', 1))).toBe(true);
    expect([...more.freeze().keys()]).toEqual([...left.filter((id) => id !== 'r1-120'), 'r1-200']);
  });

  it('joins a small chunk with a small one before it, not the one after', () => {
    // The first chunk thinned to 16 (nothing before it, 64 after), then the second down to 16: it joins
    // the first.
    expect(thinned([...ids.slice(0, 48), ...ids.slice(64, 112)]).t.size).toBe(96);
  });
});
