// The discrete-event kernel: an integer-millisecond clock and a binary-heap event queue.
//
// Events are ordered by (time, priority, sequence): equal times run in priority order, and equal
// priorities in the order they were pushed, so ties are stable and runs are reproducible. `now` moves
// only when an event is popped (SimPy's rule). Events are stored as parallel typed arrays (a kind and
// two numeric arguments) so that millions of request events allocate no objects.
//
// Lanes: an event source that never has more than one event pending (the next arrival, the serving
// model's next batch event) can keep it in a lane, a single slot beside the heap, instead of pushing it
// through the heap. A lane event gets its (time, priority, sequence) key exactly as `push` gives one, and
// `pop` takes the smallest key among the heap's top and the lanes, so the order of events is the same as
// with the heap alone. Pushing to a busy lane replaces its event (the caller no longer wants the old one).
// Most events of a large fleet are arrivals and batch events: a lane saves them a heap of thousands.

/** Lanes available (pushLane's `lane` is 0 .. LANES − 1). */
export const LANES = 2;

/** Largest priority (the sequence number is packed below it in one float64). */
export const PRIORITY_MAX = 4095;
const SEQ_SPAN = 2 ** 40;

export class EventQueue {
  /** Simulated time in integer milliseconds; moves only on `pop`. */
  now = 0;
  /** The popped event: kind and its two arguments. */
  kind = 0;
  argA = 0;
  argB = 0;
  /** Events popped so far (for benchmarks and progress). */
  popped = 0;

  private heap: Int32Array;
  private size = 0;
  private timeMs: Float64Array;
  private order: Float64Array;
  private kinds: Uint8Array;
  private argsA: Float64Array;
  private argsB: Float64Array;
  private freeSlots: Int32Array;
  private freeCount: number;
  private seq = 0;
  private readonly laneTime = new Float64Array(LANES).fill(Infinity);
  private readonly laneOrder = new Float64Array(LANES);
  private readonly laneKind = new Uint8Array(LANES);
  private readonly laneA = new Float64Array(LANES);
  private readonly laneB = new Float64Array(LANES);
  /** Events pending in lanes. */
  private laneCount = 0;

  constructor(capacity = 1024) {
    this.heap = new Int32Array(capacity);
    this.timeMs = new Float64Array(capacity);
    this.order = new Float64Array(capacity);
    this.kinds = new Uint8Array(capacity);
    this.argsA = new Float64Array(capacity);
    this.argsB = new Float64Array(capacity);
    this.freeSlots = new Int32Array(capacity);
    for (let i = 0; i < capacity; i++) this.freeSlots[i] = capacity - 1 - i;
    this.freeCount = capacity;
  }

  get length(): number {
    return this.size + this.laneCount;
  }

  /** Time of the next event, or Infinity when the queue is empty. */
  peekTimeMs(): number {
    let t = this.size === 0 ? Infinity : this.timeMs[this.heap[0]!]!;
    for (let l = 0; l < LANES; l++) if (this.laneTime[l]! < t) t = this.laneTime[l]!;
    return t;
  }

  /** Schedules an event; `timeMs` must be an integer not before `now`. */
  push(timeMs: number, priority: number, kind: number, argA = 0, argB = 0): void {
    this.check(timeMs, priority);
    if (this.freeCount === 0) this.grow();
    const slot = this.freeSlots[--this.freeCount]!;
    this.timeMs[slot] = timeMs;
    this.order[slot] = priority * SEQ_SPAN + this.seq++;
    this.kinds[slot] = kind;
    this.argsA[slot] = argA;
    this.argsB[slot] = argB;
    this.siftUp(this.size++, slot);
  }

  /** Schedules the one event of `lane`, replacing the one pending there (same rules as `push`). */
  pushLane(lane: number, timeMs: number, priority: number, kind: number, argA = 0, argB = 0): void {
    this.check(timeMs, priority);
    if (this.laneTime[lane] === Infinity) this.laneCount++;
    this.laneTime[lane] = timeMs;
    this.laneOrder[lane] = priority * SEQ_SPAN + this.seq++;
    this.laneKind[lane] = kind;
    this.laneA[lane] = argA;
    this.laneB[lane] = argB;
  }

  private check(timeMs: number, priority: number): void {
    if (!(timeMs >= this.now) || Math.floor(timeMs) !== timeMs) {
      throw new Error(`EventQueue.push: time ${timeMs} is not an integer at or after now=${this.now}`);
    }
    if (priority < 0 || priority > PRIORITY_MAX) throw new Error(`EventQueue.push: bad priority ${priority}`);
  }

  /** Removes the earliest event into (now, kind, argA, argB); false when the queue is empty. */
  pop(): boolean {
    if (this.laneCount > 0) {
      // The lane with the smallest key, if it comes before the heap's top.
      let best = -1;
      let bt = Infinity;
      let bo = 0;
      if (this.size > 0) {
        const top = this.heap[0]!;
        bt = this.timeMs[top]!;
        bo = this.order[top]!;
      }
      for (let l = 0; l < LANES; l++) {
        const t = this.laneTime[l]!;
        if (t < bt || (t === bt && t !== Infinity && this.laneOrder[l]! < bo)) {
          best = l;
          bt = t;
          bo = this.laneOrder[l]!;
        }
      }
      if (best >= 0) {
        this.now = bt;
        this.kind = this.laneKind[best]!;
        this.argA = this.laneA[best]!;
        this.argB = this.laneB[best]!;
        this.laneTime[best] = Infinity;
        this.laneCount--;
        this.popped++;
        return true;
      }
    }
    if (this.size === 0) return false;
    const heap = this.heap;
    const slot = heap[0]!;
    const last = heap[--this.size]!;
    if (this.size > 0) this.siftDown(0, last);
    this.now = this.timeMs[slot]!;
    this.kind = this.kinds[slot]!;
    this.argA = this.argsA[slot]!;
    this.argB = this.argsB[slot]!;
    this.freeSlots[this.freeCount++] = slot;
    this.popped++;
    return true;
  }

  private less(x: number, y: number): boolean {
    const tx = this.timeMs[x]!;
    const ty = this.timeMs[y]!;
    return tx < ty || (tx === ty && this.order[x]! < this.order[y]!);
  }

  private siftUp(pos: number, slot: number): void {
    const heap = this.heap;
    while (pos > 0) {
      const parentPos = (pos - 1) >> 1;
      const parent = heap[parentPos]!;
      if (!this.less(slot, parent)) break;
      heap[pos] = parent;
      pos = parentPos;
    }
    heap[pos] = slot;
  }

  private siftDown(pos: number, slot: number): void {
    const heap = this.heap;
    const size = this.size;
    for (;;) {
      let child = 2 * pos + 1;
      if (child >= size) break;
      const right = child + 1;
      if (right < size && this.less(heap[right]!, heap[child]!)) child = right;
      const childSlot = heap[child]!;
      if (!this.less(childSlot, slot)) break;
      heap[pos] = childSlot;
      pos = child;
    }
    heap[pos] = slot;
  }

  private grow(): void {
    const oldCap = this.heap.length;
    const cap = oldCap * 2;
    this.heap = growInt32(this.heap, cap);
    this.timeMs = growFloat64(this.timeMs, cap);
    this.order = growFloat64(this.order, cap);
    const kinds = new Uint8Array(cap);
    kinds.set(this.kinds);
    this.kinds = kinds;
    this.argsA = growFloat64(this.argsA, cap);
    this.argsB = growFloat64(this.argsB, cap);
    this.freeSlots = growInt32(this.freeSlots, cap);
    for (let i = cap - 1; i >= oldCap; i--) this.freeSlots[this.freeCount++] = i;
  }
}

export function growInt32(a: Int32Array, cap: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(cap);
  b.set(a);
  return b;
}

export function growFloat64(a: Float64Array, cap: number): Float64Array<ArrayBuffer> {
  const b = new Float64Array(cap);
  b.set(a);
  return b;
}
