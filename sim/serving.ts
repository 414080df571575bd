// Requests and the router: who serves what, who waits, who is dropped.
//
// - Requests live in typed arrays (a slot pool), so millions of them allocate no objects.
// - The router sends a request to the routable instance (ready, passed readiness, not draining) with the
//   fewest outstanding requests and a free batch slot. Instances sit in buckets by outstanding count
//   (intrusive linked lists), so routing is O(1) whatever the fleet size; ties go to the instance that
//   has waited longest at that count.
// - When every slot is busy requests wait in one FIFO queue. Sync: a request arriving with no routable
//   instance fails at once (dropped); one not started within the timeout fails (timedOut); requests on
//   a killed instance are dropped. Async: the queue is durable, nothing is ever dropped, and requests
//   on a killed instance go back to the head of the queue in arrival order.
import {
  latencyBucket,
  LatencyHistogram,
  TimeIntegral,
  type RunMetricsAccumulator,
} from '../result/metrics.js';
import { Ev, priorityOf } from './events.js';
import { growFloat64, growInt32, type EventQueue } from './kernel.js';

const EV_COMPLETE = Ev.complete;
const EV_QUEUE_EXPIRY = Ev.queueExpiry;
const PRIORITY_COMPLETE = priorityOf(Ev.complete);
const PRIORITY_QUEUE_EXPIRY = priorityOf(Ev.queueExpiry);
const bucketOfLatency = latencyBucket;

export interface InstancePerf {
  readonly slots: number;
  readonly serviceMsMean: number;
  /** Per-request decode / prefill rates in tokens/s, or 0 when the model has no token figures. */
  readonly decodeTokPerSec: number;
  readonly prefillTokPerSec: number;
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
  readonly latency = new LatencyHistogram();
}

export class Serving {
  // Per instance.
  private slots = new Int32Array(16);
  inFlight = new Int32Array(16);
  private routable = new Uint8Array(16);
  private draining = new Uint8Array(16);
  private serviceMean = new Float64Array(16);
  private decodeRate = new Float64Array(16);
  private prefillRate = new Float64Array(16);
  private bucketOf = new Int32Array(16);
  private bPrev = new Int32Array(16);
  private bNext = new Int32Array(16);
  private reqHead = new Int32Array(16);
  private instCap = 16;
  /** Instances registered so far (indexes 0 .. instCount − 1). */
  private instCount = 0;
  private bucketHead = new Int32Array(1).fill(-1);
  private bucketTail = new Int32Array(1).fill(-1);
  private minBucket = 0;

  // Per request.
  private arrival = new Float64Array(1024);
  private work = new Float64Array(1024);
  private row = new Int32Array(1024);
  private reqInst = new Int32Array(1024);
  private token = new Float64Array(1024);
  private rPrev = new Int32Array(1024);
  private rNext = new Int32Array(1024);
  private freeReq = new Int32Array(1024);
  private freeCount = 0;
  private reqCap = 0;
  private nextToken = 1;

  // The FIFO queue (a ring buffer of request slots).
  private ring = new Int32Array(1024);
  private ringHead = 0;
  queueLength = 0;
  private expiryPending = false;

  routableCount = 0;
  routableSlots = 0;
  routableInFlight = 0;
  /** Outstanding (in flight on routable instances + queued), busy slots, slots, queue: for the autoscaler. */
  readonly outstandingInt = new TimeIntegral();
  readonly busyInt = new TimeIntegral();
  readonly slotsInt = new TimeIntegral();
  readonly queueInt = new TimeIntegral();
  readonly window = new WindowCounts();
  readonly scrape = new WindowCounts();

  constructor(
    private readonly clock: EventQueue,
    private readonly metrics: RunMetricsAccumulator,
    private readonly opts: ServingOptions,
  ) {
    this.growRequests(1024);
  }

  /** Registers an instance (index chosen by the caller, dense from 0). */
  addInstance(i: number, perf: InstancePerf): void {
    while (i >= this.instCap) this.growInstances();
    if (i >= this.instCount) this.instCount = i + 1;
    this.slots[i] = perf.slots;
    this.inFlight[i] = 0;
    this.routable[i] = 0;
    this.draining[i] = 0;
    this.serviceMean[i] = perf.serviceMsMean;
    this.decodeRate[i] = perf.decodeTokPerSec;
    this.prefillRate[i] = perf.prefillTokPerSec;
    this.bucketOf[i] = -1;
    this.reqHead[i] = -1;
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
    return (this.slots[i]! * 1000) / this.serviceMean[i]!;
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
    this.setRoutable(i, false);
    this.draining[i] = 1;
    return this.inFlight[i] === 0;
  }

  /** Kills an instance's in-flight requests (sync: dropped; async: back to the queue head). */
  kill(i: number): void {
    this.setRoutable(i, false);
    this.draining[i] = 0;
    const victims: number[] = [];
    for (let r = this.reqHead[i]!; r >= 0; r = this.rNext[r]!) victims.push(r);
    this.reqHead[i] = -1;
    this.inFlight[i] = 0;
    if (this.opts.async) {
      victims.sort((a, b) => this.arrival[b]! - this.arrival[a]! || b - a);
      for (const r of victims) {
        this.token[r] = 0;
        this.pushFront(r);
      }
      this.dispatch();
    } else {
      for (const r of victims) this.fail(r, 'dropped');
    }
    this.touch();
  }

  /** A new request. `work` scales the mean service time; `row` indexes the trace's token columns or -1. */
  arrive(work: number, row: number): void {
    this.metrics.offered++;
    this.window.offered++;
    this.scrape.offered++;
    const r = this.allocRequest(work, row);
    const i = this.pickInstance();
    if (i >= 0) this.start(r, i);
    else if (this.routableCount === 0 && !this.opts.async) this.fail(r, 'dropped');
    else this.enqueue(r);
    this.touch();
  }

  /** A completion event; stale ones (their instance was killed) are ignored. */
  complete(r: number, token: number): void {
    if (this.token[r] !== token) return;
    const i = this.reqInst[r]!;
    this.unlink(r, i);
    this.inFlight[i]!--;
    const bucket = bucketOfLatency(this.clock.now - this.arrival[r]!);
    this.metrics.served++;
    this.metrics.latency.addBucket(bucket);
    this.window.served++;
    this.window.latency.addBucket(bucket);
    this.scrape.served++;
    this.scrape.latency.addBucket(bucket);
    this.freeRequest(r);
    if (this.routable[i] === 1) {
      this.routableInFlight--;
      if (this.bucketOf[i]! >= 0) this.bucketRemove(i);
      this.bucketInsert(i);
      this.dispatch();
    } else if (this.draining[i] === 1 && this.inFlight[i] === 0) {
      this.draining[i] = 0;
      this.opts.onDrained(i);
    }
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
      if (this.arrival[r]! <= limit) overdue++;
    }
    for (let i = 0; i < this.instCount; i++) {
      for (let r = this.reqHead[i]!; r >= 0; r = this.rNext[r]!) if (this.arrival[r]! <= limit) overdue++;
    }
    return overdue;
  }

  /** Sync: fails queued requests whose timeout has passed. */
  expire(): void {
    this.expiryPending = false;
    const now = this.clock.now;
    while (this.queueLength > 0) {
      const r = this.ring[this.ringHead]!;
      if (this.arrival[r]! + this.opts.timeoutMs > now) break;
      this.popFront();
      this.fail(r, 'timedOut');
    }
    this.scheduleExpiry();
    this.touch();
  }

  private start(r: number, i: number): void {
    const row = this.row[r]!;
    let serviceMs: number;
    if (row >= 0 && this.decodeRate[i]! > 0 && this.opts.outputTokens) {
      const prefill = this.prefillRate[i]!;
      const input = this.opts.inputTokens ? this.opts.inputTokens[row]! : 0;
      serviceMs = (this.opts.outputTokens[row]! / this.decodeRate[i]!) * 1000;
      if (prefill > 0) serviceMs += (input / prefill) * 1000;
    } else {
      serviceMs = this.work[r]! * this.serviceMean[i]!;
    }
    const token = this.nextToken++;
    this.token[r] = token;
    this.reqInst[r] = i;
    this.rPrev[r] = -1;
    const head = this.reqHead[i]!;
    this.rNext[r] = head;
    if (head >= 0) this.rPrev[head] = r;
    this.reqHead[i] = r;
    if (this.bucketOf[i]! >= 0) this.bucketRemove(i);
    this.inFlight[i]!++;
    if (this.routable[i] === 1) {
      this.routableInFlight++;
      if (this.inFlight[i]! < this.slots[i]!) this.bucketInsert(i);
    }
    const at = this.clock.now + Math.max(1, Math.round(serviceMs));
    this.clock.push(at, PRIORITY_COMPLETE, EV_COMPLETE, r, token);
  }

  /** Starts queued requests on free slots, fewest outstanding first. */
  private dispatch(): void {
    while (this.queueLength > 0) {
      const i = this.pickInstance();
      if (i < 0) return;
      this.start(this.popFront(), i);
    }
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
    const deadline = this.arrival[this.ring[this.ringHead]!]! + this.opts.timeoutMs;
    this.clock.push(Math.max(deadline, this.clock.now), PRIORITY_QUEUE_EXPIRY, EV_QUEUE_EXPIRY);
    this.expiryPending = true;
  }

  /** Records the new levels of the autoscaler's time-weighted signals. */
  private touch(): void {
    const now = this.clock.now;
    this.outstandingInt.set(now, this.routableInFlight + this.queueLength);
    this.busyInt.set(now, this.routableInFlight);
    this.slotsInt.set(now, this.routableSlots);
    this.queueInt.set(now, this.queueLength);
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

  private unlink(r: number, i: number): void {
    const p = this.rPrev[r]!;
    const n = this.rNext[r]!;
    if (p >= 0) this.rNext[p] = n;
    else this.reqHead[i] = n;
    if (n >= 0) this.rPrev[n] = p;
  }

  private allocRequest(work: number, row: number): number {
    if (this.freeCount === 0) this.growRequests(this.reqCap * 2);
    const r = this.freeReq[--this.freeCount]!;
    this.arrival[r] = this.clock.now;
    this.work[r] = work;
    this.row[r] = row;
    this.token[r] = 0;
    return r;
  }

  private freeRequest(r: number): void {
    this.token[r] = 0;
    this.freeReq[this.freeCount++] = r;
  }

  private growRequests(cap: number): void {
    const old = this.reqCap;
    if (cap > this.arrival.length) {
      this.arrival = growFloat64(this.arrival, cap);
      this.work = growFloat64(this.work, cap);
      this.row = growInt32(this.row, cap);
      this.reqInst = growInt32(this.reqInst, cap);
      this.token = growFloat64(this.token, cap);
      this.rPrev = growInt32(this.rPrev, cap);
      this.rNext = growInt32(this.rNext, cap);
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
    this.serviceMean = growFloat64(this.serviceMean, cap);
    this.decodeRate = growFloat64(this.decodeRate, cap);
    this.prefillRate = growFloat64(this.prefillRate, cap);
    this.bucketOf = growInt32(this.bucketOf, cap);
    this.bPrev = growInt32(this.bPrev, cap);
    this.bNext = growInt32(this.bNext, cap);
    this.reqHead = growInt32(this.reqHead, cap);
    this.instCap = cap;
  }
}
