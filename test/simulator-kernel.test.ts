// Proves the kernel orders by (time, priority, sequence), moves `now` only on pop, and random streams are independent.
import { describe, expect, it } from 'vitest';
import { EventQueue, LANES } from '../sim/kernel.js';
import { makeStream, makeStreams } from '../sim/random.js';

function drain(q: EventQueue): [number, number, number][] {
  const out: [number, number, number][] = [];
  while (q.pop()) out.push([q.now, q.kind, q.argA]);
  return out;
}

describe('EventQueue', () => {
  it('pops by time, then priority, then push order', () => {
    const q = new EventQueue(2);
    q.push(10, 5, 1, 0);
    q.push(5, 9, 2, 0);
    q.push(10, 1, 3, 0);
    q.push(10, 5, 4, 0);
    q.push(10, 5, 5, 0);
    q.push(0, 0, 6, 0);
    expect(drain(q).map(([t, kind]) => [t, kind])).toEqual([
      [0, 6],
      [5, 2],
      [10, 3],
      [10, 1],
      [10, 4],
      [10, 5],
    ]);
  });

  it('keeps ties stable across growth and many interleaved pushes', () => {
    const q = new EventQueue(4);
    const rand = makeStream(7, 'kernel-test');
    const pushed: { t: number; pri: number; seq: number }[] = [];
    for (let seq = 0; seq < 5000; seq++) {
      const t = Math.floor(rand() * 50);
      const pri = Math.floor(rand() * 3);
      q.push(t, pri, 1, seq);
      pushed.push({ t, pri, seq });
    }
    pushed.sort((a, b) => a.t - b.t || a.pri - b.pri || a.seq - b.seq);
    expect(drain(q).map(([, , seq]) => seq)).toEqual(pushed.map((p) => p.seq));
  });

  it('moves now only when an event is popped, and refuses the past and fractions', () => {
    const q = new EventQueue();
    q.push(100, 0, 1);
    q.push(40, 0, 2);
    expect(q.now).toBe(0);
    expect(q.peekTimeMs()).toBe(40);
    q.pop();
    expect(q.now).toBe(40);
    expect(() => q.push(39, 0, 3)).toThrow(/not an integer at or after now/);
    expect(() => q.push(50.5, 0, 3)).toThrow(/not an integer/);
    q.push(40, 0, 4); // the same millisecond is fine
    q.pop();
    expect([q.now, q.kind]).toEqual([40, 4]);
    q.pop();
    expect(q.now).toBe(100);
    expect(q.pop()).toBe(false);
    expect(q.now).toBe(100);
  });

  it('orders lane events among heap events exactly as if they were in the heap, a new lane event replacing the old', () => {
    const q = new EventQueue(4);
    const rand = makeStream(11, 'kernel-lanes');
    // The reference: every pending event in a list, the smallest (time, priority, push order) first.
    type Ref = { t: number; pri: number; seq: number; lane: number; tag: number };
    let pending: Ref[] = [];
    let seq = 0;
    const popped: number[] = [];
    const expected: number[] = [];
    let lanePushes = 0;
    for (let tag = 0; tag < 20_000; tag++) {
      const roll = rand();
      if (roll < 0.35) {
        const t = q.now + Math.floor(rand() * 20);
        const pri = Math.floor(rand() * 3);
        q.push(t, pri, 1, tag);
        pending.push({ t, pri, seq: seq++, lane: -1, tag });
      } else if (roll < 0.7) {
        const lane = Math.floor(rand() * LANES);
        const t = q.now + Math.floor(rand() * 20);
        const pri = Math.floor(rand() * 3);
        q.pushLane(lane, t, pri, 2, tag);
        pending = pending.filter((e) => e.lane !== lane);
        pending.push({ t, pri, seq: seq++, lane, tag });
        lanePushes++;
      } else {
        pending.sort((a, b) => a.t - b.t || a.pri - b.pri || a.seq - b.seq);
        const next = pending.shift();
        expect(q.length).toBe(next === undefined ? 0 : pending.length + 1);
        expect(q.peekTimeMs()).toBe(next?.t ?? Infinity);
        expect(q.pop()).toBe(next !== undefined);
        if (next === undefined) continue;
        expected.push(next.tag);
        popped.push(q.argA);
        expect(q.now).toBe(next.t);
        expect(q.kind).toBe(next.lane < 0 ? 1 : 2);
      }
    }
    expect(lanePushes).toBeGreaterThan(5000);
    expect(popped.length).toBeGreaterThan(5000);
    expect(popped).toEqual(expected);
  });

  it('checks lane events like heap events', () => {
    const q = new EventQueue();
    q.push(10, 0, 1);
    q.pop();
    expect(() => q.pushLane(0, 9, 0, 1)).toThrow(/not an integer at or after now/);
    expect(() => q.pushLane(1, 10.5, 0, 1)).toThrow(/not an integer/);
    expect(() => q.pushLane(1, 10, -1, 1)).toThrow(/bad priority/);
  });

  it('reuses slots: a long push/pop loop keeps working past the initial capacity', () => {
    const q = new EventQueue(8);
    for (let i = 0; i < 8; i++) q.push(i, 0, 1, i);
    let last = -1;
    for (let i = 0; i < 10_000; i++) {
      q.pop();
      expect(q.now).toBeGreaterThanOrEqual(last);
      last = q.now;
      q.push(q.now + 1 + (i % 7), 0, 1, i);
    }
    expect(q.length).toBe(8);
    expect(q.popped).toBe(10_000);
  });
});

describe('random streams', () => {
  it('are reproducible per seed and name, and differ across names and seeds', () => {
    const a = makeStreams(42);
    const b = makeStreams(42);
    const seqA = [a.traffic(), a.traffic(), a.loads()];
    expect([b.traffic(), b.traffic(), b.loads()]).toEqual(seqA);
    expect(makeStreams(42).faults()).not.toBe(makeStreams(42).traffic());
    expect(makeStreams(43).traffic()).not.toBe(makeStreams(42).traffic());
  });

  it('are independent: drawing from one does not shift another', () => {
    const quiet = makeStreams(5);
    const busy = makeStreams(5);
    for (let i = 0; i < 1000; i++) busy.faults();
    expect([busy.traffic(), busy.traffic()]).toEqual([quiet.traffic(), quiet.traffic()]);
  });
});
