// Requests and the router: who serves what, who waits, who is dropped.
//
// - Requests live in typed arrays (a slot pool), so millions of them allocate no objects.
// - Each instance is a physics/ batch: an LLM a continuous batch (TokenBatch: chunked prefill and decode
//   sharing steps, KV-bounded), other models fixed batches (FixedBatch). The instances' next batch events
//   share one kernel event, at the millisecond of the earliest (a calendar by millisecond, see evAt);
//   TTFT, ITL and latency use the batch's exact float times. What an instance cannot run yet (KV cache or
//   sequence limit full) waits in its own queue.
// - The router sends a request to the routable instance (ready, passed readiness, not draining) with the
//   fewest outstanding requests below its slot count (the KV/sequence bound at typical lengths). Instances sit in buckets by outstanding count
//   (intrusive linked lists), so routing is O(1) whatever the fleet size; ties go to the instance that
//   has waited longest at that count.
// - When every slot is busy requests wait in one FIFO queue. Sync: a request arriving with no routable
//   instance fails at once (dropped); one not started within the timeout fails (timedOut); requests on
//   a killed instance are dropped. Async: the queue is durable, nothing is ever dropped, and requests
//   on a killed instance go back to the head of the queue in arrival order.
import {
  HistogramSince,
  latencyBucket,
  TimeIntegral,
  type RunMetricsAccumulator,
} from '../result/metrics.js';
import { FixedBatch, TokenBatch, type BatchSink } from '../physics/batch.js';
import { Ev, Lane, priorityOf } from './events.js';
import { growFloat64, growInt32, type EventQueue } from './kernel.js';
import type { ServingModel } from './performance.js';

const EV_COMPLETE = Ev.complete;
const EV_QUEUE_EXPIRY = Ev.queueExpiry;
const LANE_BATCH = Lane.batch;
/** The calendar of batch events covers this many milliseconds ahead of now (a power of two). */
const CAL_MS = 1 << 14;
const CAL_MASK = CAL_MS - 1;
const CAL_WORDS = CAL_MS >>> 5;
/**
 * A request's record in Serving.req: REQ_FIELDS numbers at r × REQ_FIELDS (64 bytes: one cache line, or two
 * where the buffer's alignment splits it). Two of the eight are unused; 40 bytes a request before.
 */
const REQ_FIELDS = 8;
const R_ARRIVAL = 0;
const R_WORK = 1;
/** Row of the trace's token columns, or -1. */
const R_ROW = 2;
const R_INST = 3;
/** Time of the first token (token-aware requests). */
const R_FIRST = 4;
/** Output tokens (token-aware requests), else 0. */
const R_OUT = 5;
const WHERE_NONE = 0;
const WHERE_NEAR = 1;
const WHERE_FAR = 2;
const PRIORITY_COMPLETE = priorityOf(Ev.complete);
const PRIORITY_QUEUE_EXPIRY = priorityOf(Ev.queueExpiry);
const bucketOfLatency = latencyBucket;

export interface InstancePerf {
  readonly slots: number;
  readonly capacityRps: number;
  readonly serving: ServingModel;
}

export interface ServingOptions {
  readonly async: boolean;
  readonly timeoutMs: number;
  readonly inputTokens: Float64Array | null;
  readonly outputTokens: Float64Array | null;
  /** Called when a draining instance's last request ends. */
  readonly onDrained: (inst: number) => void;
}

/** Counts over the current timeline window and autoscaler interval (the owner resets them). */
export class WindowCounts {
  offered = 0;
  served = 0;
  failed = 0;
  readonly latency: HistogramSince;
  readonly ttft: HistogramSince;
  /** Latencies and times to first token are those the run's `metrics` gained since the last reset. */
  constructor(metrics: RunMetricsAccumulator) {
    this.latency = new HistogramSince(metrics.latency);
    this.ttft = new HistogramSince(metrics.ttft);
  }
}

export class Serving {
  // Per instance.
  private slots = new Int32Array(16);
  inFlight = new Int32Array(16);
  private routable = new Uint8Array(16);
  private draining = new Uint8Array(16);
  private capRps = new Float64Array(16);
  private bucketOf = new Int32Array(16);
  private bPrev = new Int32Array(16);
  private bNext = new Int32Array(16);
  /**
   * Instances with a batch event ahead (at the exact time evAt), so that one kernel event, at the
   * millisecond of the earliest, serves them all: no stale per-instance events, and the events of one
   * millisecond coalesce. The kernel event of millisecond T serves every instance with evAt ≤ T in
   * (evAt, instance) order.
   *
   * Near events (within CAL_MS of now) sit in a calendar: one unsorted list per millisecond,
   * ceil(evAt), in a ring of CAL_MS buckets with a bitmap of the non-empty ones. Moving an instance's
   * event is O(1) whatever the fleet size; the sweep of millisecond T sorts its bucket (a few entries)
   * by (evAt, instance). A bucket holds one millisecond only: every near entry lies in
   * [now, now + CAL_MS), because an entry is placed at or after now and the kernel event of its
   * millisecond (never later than the earliest entry) serves it before the clock passes it.
   * Later events wait in a min-heap by (evAt, instance) and move to the calendar when they come within
   * reach (at the start of every sweep, so always before their millisecond is served).
   */
  private evAt = new Float64Array(16);
  /** The millisecond whose bucket holds a near entry (ceil(evAt), or now if that were earlier). */
  private evMs = new Float64Array(16);
  private evWhere = new Uint8Array(16);
  private calPrev = new Int32Array(16);
  private calNext = new Int32Array(16);
  private calHead = new Int32Array(CAL_MS).fill(-1);
  private calBits = new Uint32Array(CAL_WORDS);
  private nearCount = 0;
  /** Instances due in the current sweep, sorted. */
  private dueList = new Int32Array(16);
  // The far heap: instance and key by position, position by instance.
  private heapPos = new Int32Array(16).fill(-1);
  private evHeap = new Int32Array(16);
  private evKey = new Float64Array(16);
  private evCount = 0;
  private kernelAt = -1;
  private kernelToken = 0;
  /** Inside the sweep of due instances: the kernel event is armed once at its end. */
  private sweeping = false;
  private tokenBatch: (TokenBatch | null)[] = [];
  private fixedBatch: (FixedBatch | null)[] = [];
  private typicalInput = new Float64Array(16);
  private typicalOutput = new Float64Array(16);
  private instCap = 16;
  /** Instances registered so far (indexes 0 .. instCount − 1). */
  private instCount = 0;
  private bucketHead = new Int32Array(1).fill(-1);
  private bucketTail = new Int32Array(1).fill(-1);
  private minBucket = 0;

  // Per request: one record of REQ_FIELDS numbers (arrival, work, trace row, instance, first token,
  // output tokens) per slot, side by side, so a request's fields share one cache line: in separate arrays
  // each field was its own miss at 1,000 instances.
  private req = new Float64Array(1024 * REQ_FIELDS);
  private freeReq = new Int32Array(1024);
  private freeCount = 0;
  private reqCap = 0;

  // The FIFO queue (a ring buffer of request slots).
  private ring = new Int32Array(1024);
  private ringHead = 0;
  queueLength = 0;
  private expiryPending = false;
  /** A request finished on a routable instance: queued requests may start. */
  private freed = false;

  routableCount = 0;
  routableSlots = 0;
  routableInFlight = 0;
  /** Outstanding (in flight on routable instances + queued), busy slots, slots, queue: for the autoscaler. */
  readonly outstandingInt = new TimeIntegral();
  readonly busyInt = new TimeIntegral();
  readonly slotsInt = new TimeIntegral();
  readonly queueInt = new TimeIntegral();
  readonly window: WindowCounts;
  readonly scrape: WindowCounts;
  private readonly sink: BatchSink;

  constructor(
    private readonly clock: EventQueue,
    private readonly metrics: RunMetricsAccumulator,
    private readonly opts: ServingOptions,
  ) {
    this.growRequests(1024);
    this.window = new WindowCounts(metrics);
    this.scrape = new WindowCounts(metrics);
    this.sink = {
      firstToken: (id, atMs) => {
        this.req[id * REQ_FIELDS + R_FIRST] = atMs;
      },
      complete: (id, atMs) => this.finish(id, atMs),
    };
  }

  /** Registers an instance (index chosen by the caller, dense from 0). */
  addInstance(i: number, perf: InstancePerf): void {
    while (i >= this.instCap) this.growInstances();
    if (i >= this.instCount) this.instCount = i + 1;
    this.slots[i] = perf.slots;
    this.inFlight[i] = 0;
    this.routable[i] = 0;
    this.draining[i] = 0;
    this.capRps[i] = perf.capacityRps;
    this.bucketOf[i] = -1;
    this.heapPos[i] = -1;
    this.evWhere[i] = WHERE_NONE;
    const m = perf.serving;
    this.tokenBatch[i] = m.kind === 'llm' ? new TokenBatch(m.perf) : null;
    // Instance events fire on whole milliseconds: what is handed over at a batch's end joins the next.
    this.fixedBatch[i] = m.kind === 'batch' ? new FixedBatch(m.perf, { joinWithinMs: 1 }) : null;
    this.typicalInput[i] = m.kind === 'llm' ? m.typicalInput : 0;
    this.typicalOutput[i] = m.kind === 'llm' ? m.typicalOutput : 0;
    if (perf.slots >= this.bucketHead.length) {
      const n = perf.slots + 1;
      const head = new Int32Array(n).fill(-1);
      const tail = new Int32Array(n).fill(-1);
      head.set(this.bucketHead);
      tail.set(this.bucketTail);
      this.bucketHead = head;
      this.bucketTail = tail;
    }
  }

  isRoutable(i: number): boolean {
    return this.routable[i] === 1;
  }

  capacityRpsOf(i: number): number {
    return this.capRps[i]!;
  }

  setRoutable(i: number, on: boolean): void {
    if ((this.routable[i] === 1) === on) return;
    const sign = on ? 1 : -1;
    this.routable[i] = on ? 1 : 0;
    this.routableCount += sign;
    this.routableSlots += sign * this.slots[i]!;
    this.routableInFlight += sign * this.inFlight[i]!;
    if (on) this.bucketInsert(i);
    else if (this.bucketOf[i]! >= 0) this.bucketRemove(i);
    this.touch();
    if (on) this.dispatch();
  }

  /** Stops routing to it; returns true when it has nothing in flight (it can terminate now). */
  startDrain(i: number): boolean {
    this.advanceInstance(i);
    this.reschedule(i);
    this.setRoutable(i, false);
    this.draining[i] = 1;
    if (this.freed) this.dispatch();
    return this.inFlight[i] === 0;
  }

  /** Kills an instance's requests, running or in its queue (sync: dropped; async: back to the queue head). */
  kill(i: number): void {
    // Not draining any more: what finishes before now is served, without reporting the instance drained.
    this.draining[i] = 0;
    this.advanceInstance(i);
    this.setRoutable(i, false);
    const victims = this.abortInstance(i);
    this.inFlight[i] = 0;
    if (this.opts.async) {
      victims.sort((a, b) => this.arrivalOf(b) - this.arrivalOf(a) || b - a);
      for (const r of victims) this.pushFront(r);
      this.dispatch();
    } else {
      for (const r of victims) this.fail(r, 'dropped');
      if (this.freed) this.dispatch();
    }
    this.touch();
  }

  /** A new request. `work` scales its size; `row` indexes the trace's token columns or -1. */
  arrive(work: number, row: number): void {
    this.metrics.offered++;
    this.window.offered++;
    this.scrape.offered++;
    const r = this.allocRequest(work, row);
    const i = this.pickInstance();
    if (i >= 0) this.start(r, i);
    else if (this.routableCount === 0 && !this.opts.async) this.fail(r, 'dropped');
    else this.enqueue(r);
    if (this.freed) this.dispatch();
    this.touch();
  }

  /** The batch events due by now, on every instance (first tokens, completions); stale calls are ignored. */
  complete(_unused: number, token: number): void {
    if (token !== this.kernelToken || this.kernelAt < 0) return;
    this.kernelAt = -1;
    const now = this.clock.now;
    this.pullFar(now);
    this.sweeping = true;
    // Due: the bucket of now (nothing earlier is left, see evAt). Serving an instance moves only its own
    // entry, to a later millisecond (advance leaves its next event after now), so the list stays valid.
    let n = 0;
    const due = this.dueList;
    const evAt = this.evAt;
    for (let i = this.calHead[now & CAL_MASK]!; i >= 0; i = this.calNext[i]!) {
      // Insertion sort by (evAt, instance): the order the instances are served in.
      const t = evAt[i]!;
      let k = n++;
      while (k > 0) {
        const j = due[k - 1]!;
        const tj = evAt[j]!;
        if (tj < t || (tj === t && j < i)) break;
        due[k] = j;
        k--;
      }
      due[k] = i;
    }
    for (let k = 0; k < n; k++) {
      const i = due[k]!;
      this.advanceInstance(i);
      this.reschedule(i);
    }
    this.sweeping = false;
    this.armKernel(Infinity, true);
    if (this.freed) this.dispatch();
    this.touch();
  }

  /**
   * Requests still queued or in flight at `endMs` that arrived at least the traffic timeout earlier:
   * they can no longer be answered in time, so they count as failed in droppedPercent.
   */
  overdueAt(endMs: number): number {
    const limit = endMs - this.opts.timeoutMs;
    let overdue = 0;
    for (let k = 0; k < this.queueLength; k++) {
      const r = this.ring[(this.ringHead + k) % this.ring.length]!;
      if (this.arrivalOf(r) <= limit) overdue++;
    }
    // In flight inside an instance's batch: every live request (not on the free list) that is not queued.
    const notLive = new Uint8Array(this.reqCap);
    for (let k = 0; k < this.freeCount; k++) notLive[this.freeReq[k]!] = 1;
    const queued = new Uint8Array(this.reqCap);
    for (let k = 0; k < this.queueLength; k++) queued[this.ring[(this.ringHead + k) % this.ring.length]!] = 1;
    for (let r = 0; r < this.reqCap; r++) {
      if (notLive[r] === 0 && queued[r] === 0 && this.arrivalOf(r) <= limit) overdue++;
    }
    return overdue;
  }

  /** Sync: fails queued requests whose timeout has passed. */
  expire(): void {
    this.expiryPending = false;
    const now = this.clock.now;
    while (this.queueLength > 0) {
      const r = this.ring[this.ringHead]!;
      if (this.arrivalOf(r) + this.opts.timeoutMs > now) break;
      this.popFront();
      this.fail(r, 'timedOut');
    }
    this.scheduleExpiry();
    this.touch();
  }

  /** Everything the instance's batch did up to now (first tokens, completions). */
  private advanceInstance(i: number): void {
    const now = this.clock.now;
    const t = this.tokenBatch[i];
    if (t) t.advance(now, this.sink);
    else this.fixedBatch[i]?.advance(now, this.sink);
  }

  private abortInstance(i: number): number[] {
    this.unschedule(i);
    const t = this.tokenBatch[i];
    if (t) return t.abortAll();
    return this.fixedBatch[i]?.abortAll() ?? [];
  }

  /** Puts the instance's next batch event in the calendar or the far heap (or takes it out when idle). */
  private reschedule(i: number): void {
    const t = this.tokenBatch[i];
    const next = t ? t.nextEventMs() : (this.fixedBatch[i]?.nextEventMs() ?? Infinity);
    const now = this.clock.now;
    if (!Number.isFinite(next)) {
      this.unschedule(i);
      return;
    }
    const ms = Math.max(Math.ceil(next), now);
    if (this.evWhere[i] === WHERE_NEAR && this.evMs[i] === ms) {
      this.evAt[i] = next; // same bucket
    } else {
      this.unschedule(i);
      this.evAt[i] = next;
      if (ms < now + CAL_MS) this.calInsert(i, ms);
      else this.farInsert(i, next);
    }
    this.armKernel(ms, false);
  }

  private unschedule(i: number): void {
    const where = this.evWhere[i];
    if (where === WHERE_NEAR) this.calRemove(i);
    else if (where === WHERE_FAR) this.heapRemove(i);
    this.evWhere[i] = WHERE_NONE;
  }

  private calInsert(i: number, ms: number): void {
    const b = ms & CAL_MASK;
    const head = this.calHead[b]!;
    this.calPrev[i] = -1;
    this.calNext[i] = head;
    if (head >= 0) this.calPrev[head] = i;
    else this.calBits[b >>> 5]! |= 1 << (b & 31);
    this.calHead[b] = i;
    this.evMs[i] = ms;
    this.evWhere[i] = WHERE_NEAR;
    this.nearCount++;
  }

  private calRemove(i: number): void {
    const p = this.calPrev[i]!;
    const n = this.calNext[i]!;
    if (p >= 0) this.calNext[p] = n;
    else {
      const b = this.evMs[i]! & CAL_MASK;
      this.calHead[b] = n;
      if (n < 0) this.calBits[b >>> 5]! &= ~(1 << (b & 31));
    }
    if (n >= 0) this.calPrev[n] = p;
    this.nearCount--;
  }

  /** The millisecond of the earliest near entry (they all lie in [now, now + CAL_MS)), or Infinity. */
  private calFirst(now: number): number {
    if (this.nearCount === 0) return Infinity;
    const bits = this.calBits;
    const start = now & CAL_MASK;
    let w = start >>> 5;
    let word = bits[w]! & (-1 << (start & 31));
    // At most one full turn: the last word read is the first one again, whole (its low bits are the
    // farthest milliseconds of the ring).
    for (let turn = 0; word === 0 && turn < CAL_WORDS; turn++) {
      w = (w + 1) & (CAL_WORDS - 1);
      word = bits[w]!;
    }
    const b = (w << 5) | (31 - Math.clz32(word & -word));
    return now + ((b - start) & CAL_MASK);
  }

  private farInsert(i: number, key: number): void {
    const at = this.evCount++;
    if (at === this.evHeap.length) {
      this.evHeap = growInt32(this.evHeap, at * 2);
      this.evKey = growFloat64(this.evKey, at * 2);
    }
    this.evHeap[at] = i;
    this.evKey[at] = key;
    this.heapPos[i] = at;
    this.evWhere[i] = WHERE_FAR;
    this.siftUp(at);
  }

  /** Far entries that have come within reach of the calendar move into it. */
  private pullFar(now: number): void {
    while (this.evCount > 0 && Math.ceil(this.evKey[0]!) < now + CAL_MS) {
      const i = this.evHeap[0]!;
      this.heapRemove(i);
      this.calInsert(i, Math.max(Math.ceil(this.evAt[i]!), now));
    }
  }

  /**
   * One kernel event at the millisecond of the earliest batch event; an earlier pending one is kept (it
   * finds nothing due and re-arms). `placedMs` is where the entry just placed went (Infinity for none):
   * while a kernel event is pending, it is never later than any entry, so only the new entry can bring
   * it forward, and no search is needed. `full` searches for the earliest (after a sweep).
   */
  private armKernel(placedMs: number, full: boolean): void {
    if (this.sweeping) return;
    let at: number;
    if (full || this.kernelAt < 0) {
      const now = this.clock.now;
      const far = this.evCount > 0 ? Math.max(now, Math.ceil(this.evKey[0]!)) : Infinity;
      at = Math.min(this.calFirst(now), far);
      if (at === Infinity) return;
    } else {
      at = placedMs;
    }
    if (this.kernelAt >= 0 && this.kernelAt <= at) return;
    this.kernelAt = at;
    // In its lane an earlier event replaces the later one, which the token would have made a no-op anyway.
    this.clock.pushLane(LANE_BATCH, at, PRIORITY_COMPLETE, EV_COMPLETE, 0, ++this.kernelToken);
  }

  // The heap keeps each entry's time beside its instance (evKey[pos] for evHeap[pos]), so a comparison
  // reads it directly instead of through the instance index. Ties go to the lower instance index.
  private less(ka: number, a: number, kb: number, b: number): boolean {
    return ka < kb || (ka === kb && a < b);
  }

  private siftUp(pos: number): void {
    const h = this.evHeap;
    const k = this.evKey;
    const i = h[pos]!;
    const key = k[pos]!;
    while (pos > 0) {
      const parent = (pos - 1) >> 1;
      const p = h[parent]!;
      const pk = k[parent]!;
      if (!this.less(key, i, pk, p)) break;
      h[pos] = p;
      k[pos] = pk;
      this.heapPos[p] = pos;
      pos = parent;
    }
    h[pos] = i;
    k[pos] = key;
    this.heapPos[i] = pos;
  }

  private siftDown(pos: number): void {
    const h = this.evHeap;
    const k = this.evKey;
    const n = this.evCount;
    const i = h[pos]!;
    const key = k[pos]!;
    for (;;) {
      const l = 2 * pos + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      let ck = k[l]!;
      if (r < n) {
        const rk = k[r]!;
        if (this.less(rk, h[r]!, ck, h[l]!)) {
          c = r;
          ck = rk;
        }
      }
      const ci = h[c]!;
      if (!this.less(ck, ci, key, i)) break;
      h[pos] = ci;
      k[pos] = ck;
      this.heapPos[ci] = pos;
      pos = c;
    }
    h[pos] = i;
    k[pos] = key;
    this.heapPos[i] = pos;
  }

  private heapRemove(i: number): void {
    const pos = this.heapPos[i]!;
    this.heapPos[i] = -1;
    const end = --this.evCount;
    const last = this.evHeap[end]!;
    if (last === i) return;
    this.evHeap[pos] = last;
    this.evKey[pos] = this.evKey[end]!;
    this.heapPos[last] = pos;
    this.siftUp(pos);
    this.siftDown(this.heapPos[last]);
  }

  private arrivalOf(r: number): number {
    return this.req[r * REQ_FIELDS + R_ARRIVAL]!;
  }

  /** A request ends inside its instance (its record's R_INST) at `atMs` (≤ now). */
  private finish(r: number, atMs: number): void {
    const req = this.req;
    const at = r * REQ_FIELDS;
    const i = req[at + R_INST]!;
    this.inFlight[i]!--;
    const arrival = req[at + R_ARRIVAL]!;
    const bucket = bucketOfLatency(atMs - arrival);
    const m = this.metrics;
    m.served++;
    m.latency.addBucket(bucket);
    const out = req[at + R_OUT]!;
    if (out > 0) {
      const first = req[at + R_FIRST]!;
      const ttftBucket = bucketOfLatency(first - arrival);
      m.ttft.addBucket(ttftBucket);
      if (out > 1) m.itl.add((atMs - first) / (out - 1));
    }
    this.window.served++;
    this.scrape.served++;
    this.freeRequest(r);
    if (this.routable[i] === 1) {
      this.routableInFlight--;
      if (this.bucketOf[i]! >= 0) this.bucketRemove(i);
      this.bucketInsert(i);
      this.freed = true;
    } else if (this.draining[i] === 1 && this.inFlight[i] === 0) {
      this.draining[i] = 0;
      this.opts.onDrained(i);
    }
  }

  private start(r: number, i: number): void {
    const now = this.clock.now;
    this.advanceInstance(i);
    const req = this.req;
    const at = r * REQ_FIELDS;
    req[at + R_INST] = i;
    if (this.bucketOf[i]! >= 0) this.bucketRemove(i);
    this.inFlight[i]!++;
    if (this.routable[i] === 1) {
      this.routableInFlight++;
      if (this.inFlight[i]! < this.slots[i]!) this.bucketInsert(i);
    }
    const t = this.tokenBatch[i];
    if (t) {
      const row = req[at + R_ROW]!;
      const fromTrace = row >= 0 && this.opts.outputTokens !== null;
      const input = fromTrace && this.opts.inputTokens ? this.opts.inputTokens[row]! : this.typicalInput[i]!;
      const output = fromTrace ? this.opts.outputTokens[row]! : this.typicalOutput[i]! * req[at + R_WORK]!;
      const out = Math.max(1, Math.round(output));
      req[at + R_OUT] = out;
      t.admit(now, r, input, out, this.sink);
    } else {
      req[at + R_OUT] = 0;
      this.fixedBatch[i]!.admit(now, r, req[at + R_WORK]!, this.sink);
    }
    this.reschedule(i);
  }

  /** Starts queued requests on free slots, fewest outstanding first. */
  private dispatch(): void {
    this.freed = false;
    while (this.queueLength > 0) {
      const i = this.pickInstance();
      if (i < 0) break;
      this.start(this.popFront(), i);
    }
    this.freed = false;
  }

  private fail(r: number, how: 'dropped' | 'timedOut'): void {
    if (how === 'dropped') this.metrics.dropped++;
    else this.metrics.timedOut++;
    this.window.failed++;
    this.scrape.failed++;
    this.freeRequest(r);
  }

  private enqueue(r: number): void {
    if (this.queueLength === this.ring.length) this.growRing();
    this.ring[(this.ringHead + this.queueLength) % this.ring.length] = r;
    this.queueLength++;
    this.metrics.noteBacklog(this.queueLength);
    if (!this.opts.async) this.scheduleExpiry();
  }

  private pushFront(r: number): void {
    if (this.queueLength === this.ring.length) this.growRing();
    this.ringHead = (this.ringHead - 1 + this.ring.length) % this.ring.length;
    this.ring[this.ringHead] = r;
    this.queueLength++;
    this.metrics.noteBacklog(this.queueLength);
  }

  private popFront(): number {
    const r = this.ring[this.ringHead]!;
    this.ringHead = (this.ringHead + 1) % this.ring.length;
    this.queueLength--;
    return r;
  }

  private scheduleExpiry(): void {
    if (this.expiryPending || this.queueLength === 0 || this.opts.async) return;
    const deadline = this.arrivalOf(this.ring[this.ringHead]!) + this.opts.timeoutMs;
    this.clock.push(Math.max(deadline, this.clock.now), PRIORITY_QUEUE_EXPIRY, EV_QUEUE_EXPIRY);
    this.expiryPending = true;
  }

  /** Records the new levels of the autoscaler's time-weighted signals. */
  private touch(): void {
    const now = this.clock.now;
    const busy = this.routableInFlight;
    const queued = this.queueLength;
    const slots = this.routableSlots;
    // Levels and times are whole numbers, so every product and sum in an integral is exact (far below
    // 2^53): skipping an unchanged level and adding the whole stretch at the next change (or at `take`)
    // gives the same number as adding it piece by piece. Most touches change one or two of the four.
    if (busy + queued !== this.outstandingInt.current) this.outstandingInt.set(now, busy + queued);
    if (busy !== this.busyInt.current) this.busyInt.set(now, busy);
    if (slots !== this.slotsInt.current) this.slotsInt.set(now, slots);
    if (queued !== this.queueInt.current) this.queueInt.set(now, queued);
  }

  private pickInstance(): number {
    const heads = this.bucketHead;
    let k = this.minBucket;
    while (k < heads.length && heads[k]! < 0) k++;
    this.minBucket = k;
    return k < heads.length ? heads[k]! : -1;
  }

  private bucketInsert(i: number): void {
    const k = this.inFlight[i]!;
    if (k >= this.slots[i]!) return;
    const tail = this.bucketTail[k]!;
    this.bPrev[i] = tail;
    this.bNext[i] = -1;
    if (tail >= 0) this.bNext[tail] = i;
    else this.bucketHead[k] = i;
    this.bucketTail[k] = i;
    this.bucketOf[i] = k;
    if (k < this.minBucket) this.minBucket = k;
  }

  private bucketRemove(i: number): void {
    const k = this.bucketOf[i]!;
    const p = this.bPrev[i]!;
    const n = this.bNext[i]!;
    if (p >= 0) this.bNext[p] = n;
    else this.bucketHead[k] = n;
    if (n >= 0) this.bPrev[n] = p;
    else this.bucketTail[k] = p;
    this.bucketOf[i] = -1;
  }

  private allocRequest(work: number, row: number): number {
    if (this.freeCount === 0) this.growRequests(this.reqCap * 2);
    const r = this.freeReq[--this.freeCount]!;
    const at = r * REQ_FIELDS;
    this.req[at + R_ARRIVAL] = this.clock.now;
    this.req[at + R_WORK] = work;
    this.req[at + R_ROW] = row;
    return r;
  }

  private freeRequest(r: number): void {
    this.freeReq[this.freeCount++] = r;
  }

  private growRequests(cap: number): void {
    const old = this.reqCap;
    if (cap * REQ_FIELDS > this.req.length) {
      this.req = growFloat64(this.req, cap * REQ_FIELDS);
      this.freeReq = growInt32(this.freeReq, cap);
    }
    for (let r = cap - 1; r >= old; r--) this.freeReq[this.freeCount++] = r;
    this.reqCap = cap;
  }

  private growRing(): void {
    const old = this.ring;
    const next = new Int32Array(old.length * 2);
    for (let k = 0; k < this.queueLength; k++) next[k] = old[(this.ringHead + k) % old.length]!;
    this.ring = next;
    this.ringHead = 0;
  }

  private growInstances(): void {
    const cap = this.instCap * 2;
    this.slots = growInt32(this.slots, cap);
    this.inFlight = growInt32(this.inFlight, cap);
    const grow8 = (a: Uint8Array): Uint8Array<ArrayBuffer> => {
      const b = new Uint8Array(cap);
      b.set(a);
      return b;
    };
    this.routable = grow8(this.routable);
    this.draining = grow8(this.draining);
    this.capRps = growFloat64(this.capRps, cap);
    this.evAt = growFloat64(this.evAt, cap);
    this.evMs = growFloat64(this.evMs, cap);
    this.evWhere = grow8(this.evWhere);
    this.calPrev = growInt32(this.calPrev, cap);
    this.calNext = growInt32(this.calNext, cap);
    this.dueList = growInt32(this.dueList, cap);
    const pos = new Int32Array(cap).fill(-1);
    pos.set(this.heapPos);
    this.heapPos = pos;
    this.typicalInput = growFloat64(this.typicalInput, cap);
    this.typicalOutput = growFloat64(this.typicalOutput, cap);
    this.bucketOf = growInt32(this.bucketOf, cap);
    this.bPrev = growInt32(this.bPrev, cap);
    this.bNext = growInt32(this.bNext, cap);
    this.instCap = cap;
  }
}
