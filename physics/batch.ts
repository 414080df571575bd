// One serving instance as a continuous batch, driven in event time.
//
// vLLM-style step model: every engine step each running decode sequence produces one token and the rest of
// the step's token budget goes to prompt chunks, first come first served (chunked prefill). A step costs
//   overhead + max(weights read, linear compute) + max(KV read, attention compute)
// its GEMMs and its attention being kernels that run one after the other, each at its own roofline: the
// GEMMs memory-bound at small batch and compute-bound for big prefill chunks and very large batches, the
// attention memory-bound in decode (reading the KV cache) and compute-bound over long prompt chunks.
//
// No per-token events: between changes of batch composition (a prompt finishes, a sequence finishes, a
// request is admitted) the steps differ only linearly (KV grows by one token per decoder per step, the
// prompt chunk's attention context by one chunk), so a whole run of steps is one segment whose boundary
// times have a closed form (the GEMM term is the same for every step of a segment, and the attention term
// is a max of two arithmetic series, which switches between memory- and compute-bound at most once).
// Each request costs O(log n) (a heap of decode end counters) and a handful of segments.
//
// Admission reserves the whole sequence (prompt + output) of KV cache, so there is no preemption; what does
// not fit waits in the instance's FIFO queue. Times are float milliseconds.
//
// An engine without chunked prefill (`perf.prefillFirst`, vLLM's V0 scheduler by default) runs a different
// step: while prompts wait, a step takes whole prompts only (up to the step's token budget, at least one)
// and the running decodes wait for a step without prompts.
import { expectedMaxLognormal, type BatchPerf, type LlmPerf } from './perf.js';

/** Receives what happens inside an instance, in time order. */
export interface BatchSink {
  firstToken(id: number, atMs: number): void;
  complete(id: number, atMs: number): void;
}

interface Seq {
  id: number;
  order: number;
  input: number;
  output: number;
  prefilled: number;
  /** Decode counter value when it joined the decoders; it ends when the counter reaches `endAt`. */
  joinAt: number;
  endAt: number;
}

const enum SegKind {
  Uniform,
  Single,
  /** One Single step that finishes every prompt in prefill, then a decode-only Uniform run (see lead). */
  Lead,
}

/**
 * A FIFO of sequences in a ring buffer (capacity a power of two, doubled when full). It holds only what
 * waits or prefills on one instance, a handful of entries, so it stays within a cache line or two: an
 * array with a moving head walked through thousands of slots per instance, which at 1,000 instances
 * meant a cache miss on nearly every access.
 */
class Fifo {
  private items: (Seq | undefined)[] = new Array<Seq | undefined>(8).fill(undefined);
  private mask = 7;
  private head = 0;
  private size = 0;
  get length(): number {
    return this.size;
  }
  at(i: number): Seq {
    return this.items[(this.head + i) & this.mask]!;
  }
  push(s: Seq): void {
    if (this.size > this.mask) this.grow();
    this.items[(this.head + this.size) & this.mask] = s;
    this.size++;
  }
  shift(): Seq {
    const s = this.items[this.head]!;
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.size--;
    return s;
  }
  drain(): Seq[] {
    const out: Seq[] = [];
    for (let i = 0; i < this.size; i++) out.push(this.at(i));
    this.items.fill(undefined);
    this.head = 0;
    this.size = 0;
    return out;
  }
  private grow(): void {
    const next = new Array<Seq | undefined>(this.items.length * 2).fill(undefined);
    for (let i = 0; i < this.size; i++) next[i] = this.at(i);
    this.items = next;
    this.mask = next.length - 1;
    this.head = 0;
  }
}

/**
 * Binary min-heap of decoding sequences by (endAt, order). Its array only grows (`size` marks the end):
 * Array.prototype.push and pop were calls into the runtime here, on every decode end.
 */
class EndHeap {
  private readonly items: Seq[] = [];
  size = 0;
  peek(): Seq | undefined {
    return this.size > 0 ? this.items[0] : undefined;
  }
  private less(a: Seq, b: Seq): boolean {
    return a.endAt < b.endAt || (a.endAt === b.endAt && a.order < b.order);
  }
  push(s: Seq): void {
    const h = this.items;
    let i = this.size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const hp = h[p]!;
      if (!this.less(s, hp)) break;
      h[i] = hp;
      i = p;
    }
    h[i] = s;
  }
  pop(): Seq {
    const h = this.items;
    const top = h[0]!;
    const n = --this.size;
    const last = h[n]!;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        let c = l;
        let hc = h[l]!;
        if (r < n) {
          const hr = h[r]!;
          if (this.less(hr, hc)) {
            c = r;
            hc = hr;
          }
        }
        if (!this.less(hc, last)) break;
        h[i] = hc;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
  /** Removes and returns every sequence (in no particular order). */
  drain(): Seq[] {
    const out = this.items.slice(0, this.size);
    this.size = 0;
    return out;
  }
}

export class TokenBatch {
  private readonly waiting = new Fifo();
  private readonly prefilling = new Fifo();
  private readonly decoding = new EndHeap();
  /** Finished sequences kept for reuse (a stack of `spareCount`; the array only grows). */
  private readonly spare: Seq[] = [];
  private spareCount = 0;
  /** Decode steps taken so far (each decoder gains one token per step). */
  private decodeSteps = 0;
  /** KV tokens held by decoders (prompt + generated so far). */
  private decodeKv = 0;
  private reservedKv = 0;
  private order = 0;
  // The current segment: `steps` steps from `segStartMs`; step j costs
  // overhead + fixed + max(mem0 + mem1 × j, cmp0 + cmp1 × j): `fixed` is the GEMMs (weights read or linear
  // compute), the max the attention (KV read or its compute).
  private segActive = false;
  /** End of the current segment (cached: asked for on every event and admission). */
  private segEndMs = Infinity;
  private segKind = SegKind.Uniform;
  private segStartMs = 0;
  private steps = 0;
  /** The step's GEMM time, the same for every step of a segment. */
  private fixed = 0;
  private mem0 = 0;
  private mem1 = 0;
  private cmp0 = 0;
  private cmp1 = 0;
  /** Whether the memory branch is the max at step 0, and the step from which the other one is (or Infinity). */
  private segMemFirst = true;
  private segSwitch = Infinity;
  /** Prompt tokens per step given to the head of `prefilling` in a uniform segment. */
  private segChunk = 0;
  /** False for a prefill-only step (prefillFirst engines): the decoders do not move in it. */
  private segDecodes = true;
  /** In a Lead segment: the end of its first step; `steps` and the step costs are those of the run after. */
  private leadEndMs = 0;
  /** Engine steps simulated (for tests and benchmarks). */
  stepsTaken = 0;

  constructor(readonly perf: LlmPerf) {}

  get running(): number {
    return this.prefilling.length + this.decoding.size;
  }
  get queued(): number {
    return this.waiting.length;
  }
  get kvReservedTokens(): number {
    return this.reservedKv;
  }

  /** When the next first token or completion happens (Infinity when idle). */
  nextEventMs(): number {
    return this.segActive ? this.segEndMs : Infinity;
  }

  /** Fixes the segment's branch order and switch step (they do not depend on k; elapsed() asks often). */
  private prepareElapsed(): void {
    const dm = this.mem0 - this.cmp0;
    const slope = this.mem1 - this.cmp1;
    // The difference of the two branches is linear in j, so the max switches branch at most once.
    const memFirst = dm >= 0;
    this.segMemFirst = memFirst;
    this.segSwitch =
      (memFirst && slope < 0) || (!memFirst && slope > 0) ? Math.max(0, Math.ceil(-dm / slope)) : Infinity;
  }

  /** Time of the segment's first k steps. */
  private elapsed(k: number): number {
    // Two arithmetic series, Σ_{j=from}^{to−1} (x0 + x1 × j) = n × x0 + x1 × n × (from + to − 1) / 2 with
    // n = to − from, written out here: this runs millions of times per simulated hour, and as a separate
    // function V8 did not inline it, so each result was a boxed number.
    const split = Math.min(k, this.segSwitch);
    const memFirst = this.segMemFirst;
    const a0 = memFirst ? this.mem0 : this.cmp0;
    const a1 = memFirst ? this.mem1 : this.cmp1;
    const b0 = memFirst ? this.cmp0 : this.mem0;
    const b1 = memFirst ? this.cmp1 : this.mem1;
    const first = split <= 0 ? 0 : split * a0 + (a1 * split * (0 + split - 1)) / 2;
    const n = k - split;
    const rest = n <= 0 ? 0 : n * b0 + (b1 * n * (split + k - 1)) / 2;
    return (this.perf.stepOverheadMs + this.fixed) * k + first + rest;
  }

  /** Processes everything that happens up to and including `toMs`. */
  advance(toMs: number, sink: BatchSink): void {
    while (this.segActive) {
      const end = this.segEndMs;
      if (end > toMs) return;
      if (this.segKind === SegKind.Lead) this.takeLead(sink);
      this.applySteps(this.steps);
      this.finishEvents(end, sink);
      this.plan(end);
    }
  }

  /** A request reaches the instance at `nowMs`; it runs from the next step boundary if it fits. */
  admit(nowMs: number, id: number, inputTokens: number, outputTokens: number, sink: BatchSink): void {
    this.advance(nowMs, sink);
    const input = Math.max(1, Math.round(inputTokens));
    const output = Math.max(1, Math.round(outputTokens));
    // Finished sequences are reused: millions of requests allocate a handful of objects.
    if (this.spareCount === 0) {
      this.waiting.push({ id, order: this.order++, input, output, prefilled: 0, joinAt: 0, endAt: 0 });
    } else {
      const spare = this.spare[--this.spareCount]!;
      spare.id = id;
      spare.order = this.order++;
      spare.input = input;
      spare.output = output;
      spare.prefilled = 0;
      spare.joinAt = 0;
      spare.endAt = 0;
      this.waiting.push(spare);
    }
    if (!this.segActive) {
      this.plan(nowMs);
      return;
    }
    if (this.waiting.length > 1 || !this.fits(this.waiting.at(0))) return;
    if (this.segKind === SegKind.Lead) {
      // As if the lead step were a Single segment of its own: before it starts, the request joins it; while
      // it runs, the request waits for its end (where the run after it is planned again with the request);
      // after it, the run after it is split like any Uniform segment.
      if (nowMs < this.leadEndMs) {
        if (nowMs > this.segStartMs) this.takeLead(sink); // then segStartMs is the lead step's end
        this.plan(this.segStartMs);
        return;
      }
      this.takeLead(sink);
    }
    // The first step boundary at or after now. Boundary times grow with k and steps in a segment differ
    // only linearly, so interpolating between the segment's ends lands within a step or two; walk from there.
    const span = this.segEndMs - this.segStartMs;
    const into = nowMs - this.segStartMs;
    let lo = span > 0 ? Math.min(this.steps, Math.max(0, Math.floor((this.steps * into) / span))) : 0;
    // The first k with elapsed(k) ≥ into; each elapsed value is computed once.
    let at = lo < this.steps ? this.elapsed(lo) : Infinity;
    if (at < into) {
      do lo++;
      while (lo < this.steps && (at = this.elapsed(lo)) < into);
    } else {
      while (lo > 0) {
        const before = this.elapsed(lo - 1);
        if (before < into) break;
        lo--;
        at = before;
      }
    }
    if (lo >= this.steps) return; // the segment's own end is the next boundary: admitted there
    const boundary = this.segStartMs + at;
    if (lo > 0) this.applySteps(lo);
    this.plan(boundary);
  }

  /** Removes everything (instance killed); returns the ids in flight, then queued, in arrival order. */
  abortAll(): number[] {
    const running = [...this.prefilling.drain(), ...this.decoding.drain()];
    running.sort((a, b) => a.order - b.order);
    const ids = [...running, ...this.waiting.drain()].map((s) => s.id);
    this.decodeKv = 0;
    this.reservedKv = 0;
    this.segActive = false;
    return ids;
  }

  private fits(s: Seq): boolean {
    if (this.running >= this.perf.maxNumSeqs) return false;
    // A sequence larger than the whole cache runs alone rather than never.
    return this.reservedKv + s.input + s.output <= this.perf.kvCapacityTokens || this.running === 0;
  }

  private plan(t: number): void {
    this.planSegment(t);
    if (!this.segActive) {
      this.segEndMs = Infinity;
      return;
    }
    if (this.segKind === SegKind.Lead) return; // lead() has set the end
    this.prepareElapsed();
    this.segEndMs = this.segStartMs + this.elapsed(this.steps);
  }

  private planSegment(t: number): void {
    while (this.waiting.length > 0 && this.fits(this.waiting.at(0))) {
      const s = this.waiting.shift();
      this.reservedKv += s.input + s.output;
      this.prefilling.push(s);
    }
    if (this.running === 0) {
      this.segActive = false;
      return;
    }
    const p = this.perf;
    this.segActive = true;
    this.segStartMs = t;
    if (p.prefillFirst && this.prefilling.length > 0) {
      this.prefillOnly();
      return;
    }
    const d = this.decoding.size;
    const budget = Math.max(0, p.chunkTokens - d);
    const toDecodeEnd = d > 0 ? this.decoding.peek()!.endAt - this.decodeSteps : Infinity;
    if (this.prefilling.length > 0 && budget > 0) {
      const head = this.prefilling.at(0);
      const rest = head.input - head.prefilled;
      if (rest > budget) {
        // Whole chunks that leave the head's prompt unfinished: alike steps.
        const n = Math.min(Math.floor((rest - 1) / budget), toDecodeEnd);
        this.uniform(n, budget, head.prefilled, d, this.decodeKv);
        return;
      }
      this.single(budget);
      if (toDecodeEnd >= 2) this.lead(toDecodeEnd);
      return;
    }
    this.uniform(toDecodeEnd, 0, 0, d, this.decodeKv);
  }

  /**
   * After single(): when its step finishes every prompt in prefill, none of them ends at its first token
   * and no decoder ends in it (`toDecodeEnd` ≥ 2), nothing outside the instance happens at its end: the
   * waiting queue cannot move either (no KV is freed), so the segment that would be planned there, a
   * decode-only run to the next decode end, is known now. The two become one Lead segment, and the
   * instance needs no event at the end of the first step (about half of a fleet's batch events). The times
   * are those of the two segments, computed the same way; takeLead() turns it back into the second.
   */
  private lead(toDecodeEnd: number): void {
    let left = this.segChunk;
    let joinKv = 0;
    let minOutput = Infinity;
    const n = this.prefilling.length;
    for (let i = 0; i < n; i++) {
      const s = this.prefilling.at(i);
      const rest = s.input - s.prefilled;
      if (rest > left || s.output <= 1) return;
      left -= rest;
      joinKv += s.input;
      if (s.output < minOutput) minOutput = s.output;
    }
    this.prepareElapsed();
    this.leadEndMs = this.segStartMs + this.elapsed(1);
    const d = this.decoding.size;
    // After the lead step: every decoder one token on, the prompts joined with their first token.
    this.uniform(Math.min(toDecodeEnd - 1, minOutput - 1), 0, 0, d + n, this.decodeKv + d + joinKv);
    this.segKind = SegKind.Lead;
    this.prepareElapsed();
    this.segEndMs = this.leadEndMs + this.elapsed(this.steps);
  }

  /**
   * Runs a Lead segment's first step and its end: what applySteps(1) and finishEvents do for the Single
   * segment it stands for, without their general cases (every prompt finishes, nothing completes).
   */
  private takeLead(sink: BatchSink): void {
    const at = this.leadEndMs;
    this.stepsTaken++;
    this.decodeKv += this.decoding.size;
    this.decodeSteps++;
    while (this.prefilling.length > 0) {
      const s = this.prefilling.shift();
      s.prefilled = s.input;
      sink.firstToken(s.id, at);
      this.joinDecoders(s);
    }
    this.segKind = SegKind.Uniform;
    this.segChunk = 0;
    this.segStartMs = at;
  }

  private uniform(n: number, chunk: number, headPos: number, d: number, kv: number): void {
    const p = this.perf;
    this.segKind = SegKind.Uniform;
    this.segDecodes = true;
    this.segChunk = chunk;
    this.steps = n;
    this.fixed = Math.max(p.weightReadMs, p.linearMsPerToken * (d + chunk));
    this.mem0 = p.kvReadMsPerToken * kv;
    this.mem1 = p.kvReadMsPerToken * d;
    this.cmp0 = p.attnMsPerTokenCtx * (chunk * headPos + (chunk * (chunk - 1)) / 2);
    this.cmp1 = p.attnMsPerTokenCtx * chunk * chunk;
  }

  /** One step in which at least one prompt finishes; its chunks are spread over the prefill queue. */
  private single(budget: number): void {
    const p = this.perf;
    const d = this.decoding.size;
    let left = budget;
    let tokens = 0;
    let ctx = 0;
    for (let i = 0; i < this.prefilling.length && left > 0; i++) {
      const s = this.prefilling.at(i);
      const c = Math.min(left, s.input - s.prefilled);
      tokens += c;
      ctx += c * s.prefilled + (c * (c - 1)) / 2;
      left -= c;
    }
    this.singleStep(
      true,
      budget,
      Math.max(p.weightReadMs, p.linearMsPerToken * (d + tokens)),
      p.kvReadMsPerToken * this.decodeKv,
      p.attnMsPerTokenCtx * ctx,
    );
  }

  /**
   * A prefill-only step (prefillFirst): whole prompts from the head of the prefill queue while they fit the
   * step's token budget (the first always runs); no decoder is in the batch, so no KV cache is read.
   */
  private prefillOnly(): void {
    const p = this.perf;
    let left = p.chunkTokens;
    let tokens = 0;
    let ctx = 0;
    for (let i = 0; i < this.prefilling.length; i++) {
      const s = this.prefilling.at(i);
      const c = s.input - s.prefilled;
      if (i > 0 && c > left) break;
      tokens += c;
      ctx += c * s.prefilled + (c * (c - 1)) / 2;
      left -= c;
    }
    this.singleStep(
      false,
      tokens,
      Math.max(p.weightReadMs, p.linearMsPerToken * tokens),
      0,
      p.attnMsPerTokenCtx * ctx,
    );
  }

  /** A segment of one step that gives `chunk` prompt tokens to the prefill queue, head first. */
  private singleStep(decodes: boolean, chunk: number, gemm: number, mem: number, compute: number): void {
    this.segKind = SegKind.Single;
    this.segDecodes = decodes;
    this.segChunk = chunk;
    this.steps = 1;
    this.fixed = gemm;
    this.mem0 = mem;
    this.mem1 = 0;
    this.cmp0 = compute;
    this.cmp1 = 0;
  }

  private applySteps(k: number): void {
    this.stepsTaken += k;
    // A prefill-only step (prefillFirst) moves no decoder.
    if (this.segDecodes) {
      this.decodeKv += this.decoding.size * k;
      this.decodeSteps += k;
    }
    if (this.segKind === SegKind.Uniform) {
      if (this.segChunk > 0) this.prefilling.at(0).prefilled += this.segChunk * k;
      return;
    }
    let left = this.segChunk;
    for (let i = 0; i < this.prefilling.length && left > 0; i++) {
      const s = this.prefilling.at(i);
      const c = Math.min(left, s.input - s.prefilled);
      s.prefilled += c;
      left -= c;
    }
  }

  /** At a segment end: finished decoders complete, finished prompts emit their first token and join. */
  private finishEvents(atMs: number, sink: BatchSink): void {
    while (this.decoding.size > 0 && this.decoding.peek()!.endAt <= this.decodeSteps) {
      const s = this.decoding.pop();
      this.decodeKv -= s.input + (this.decodeSteps - s.joinAt);
      this.reservedKv -= s.input + s.output;
      this.spare[this.spareCount++] = s;
      sink.complete(s.id, atMs);
    }
    while (this.prefilling.length > 0 && this.prefilling.at(0).prefilled >= this.prefilling.at(0).input) {
      const s = this.prefilling.shift();
      sink.firstToken(s.id, atMs);
      if (s.output <= 1) {
        this.reservedKv -= s.input + s.output;
        this.spare[this.spareCount++] = s;
        sink.complete(s.id, atMs);
        continue;
      }
      this.joinDecoders(s);
    }
  }

  /** A sequence whose prompt is done (first token out) starts decoding its remaining output − 1 tokens. */
  private joinDecoders(s: Seq): void {
    s.joinAt = this.decodeSteps;
    s.endAt = this.decodeSteps + s.output - 1;
    this.decodeKv += s.input;
    this.decoding.push(s);
  }
}

/**
 * A compute-bound model served in fixed batches: when idle it takes up to `maxBatch` queued requests and
 * finishes them together after singleMs × (f × max work + (1 − f) × Σ work). A request admitted at the
 * instant a batch starts joins it while there is room: requests that reach an idle instance together (a
 * backlog handed over when its last batch ends, trace rows with one timestamp) run as one batch, as a
 * batching server takes what is queued, not the first alone and the rest after it.
 */
export class FixedBatch {
  private readonly waitingIds: number[] = [];
  private readonly waitingWork: number[] = [];
  private head = 0;
  private runningIds: number[] = [];
  private endMs = Infinity;
  /** The running batch: when it started, and its largest and total work. */
  private startMs = -Infinity;
  private maxWork = 0;
  private sumWork = 0;

  private readonly spreadSigma: number;
  private readonly joinWithinMs: number;

  /**
   * `spreadSigma` > 0 prices each batch at its expected time when the works given stand for works spread
   * log-normally with that sigma (a closed loop of typical requests, as `rollsim perf` runs): the shared
   * part lasts E[largest of n] times the largest given. The simulator draws each request's work and
   * leaves it 0.
   *
   * `joinWithinMs`: how long after a batch starts a request admitted may still join it (while there is
   * room and nothing waits). 0, the default, is the same instant. The simulator's instance events fire on
   * whole milliseconds while a batch ends at a fractional one, so the requests it hands over when a batch
   * ends (the completions free their slots) reach the instance up to a millisecond after the next batch
   * started with what was waiting; it passes 1 so that they join it, as a backlog handed over at a batch's
   * end does.
   */
  constructor(
    readonly perf: BatchPerf,
    options: { readonly spreadSigma?: number; readonly joinWithinMs?: number } = {},
  ) {
    this.spreadSigma = options.spreadSigma ?? 0;
    this.joinWithinMs = options.joinWithinMs ?? 0;
  }

  get running(): number {
    return this.runningIds.length;
  }
  get queued(): number {
    return this.waitingIds.length - this.head;
  }

  nextEventMs(): number {
    return this.endMs;
  }

  advance(toMs: number, sink: BatchSink): void {
    while (this.endMs <= toMs) {
      const end = this.endMs;
      for (const id of this.runningIds) sink.complete(id, end);
      this.runningIds = [];
      this.endMs = Infinity;
      this.start(end);
    }
  }

  /** `work` scales the single-request service time (1 = a typical request). */
  admit(nowMs: number, id: number, work: number, sink: BatchSink): void {
    this.advance(nowMs, sink);
    const w = work > 0 ? work : 1;
    const n = this.runningIds.length;
    const joinable = nowMs === this.startMs || nowMs - this.startMs < this.joinWithinMs;
    if (n > 0 && joinable && n < this.perf.maxBatch && this.queued === 0) {
      // The batch started at this instant (or within joinWithinMs) and has room: the request joins it.
      this.runningIds.push(id);
      this.sumWork += w;
      if (w > this.maxWork) this.maxWork = w;
      this.endMs = this.batchEnd();
      return;
    }
    this.waitingIds.push(id);
    this.waitingWork.push(w);
    if (n === 0) this.start(nowMs);
  }

  abortAll(): number[] {
    const ids = [...this.runningIds, ...this.waitingIds.slice(this.head)];
    this.runningIds = [];
    this.waitingIds.length = 0;
    this.waitingWork.length = 0;
    this.head = 0;
    this.endMs = Infinity;
    return ids;
  }

  private start(t: number): void {
    const n = Math.min(this.perf.maxBatch, this.waitingIds.length - this.head);
    if (n === 0) return;
    let sum = 0;
    let max = 0;
    for (let i = 0; i < n; i++) {
      const w = this.waitingWork[this.head + i]!;
      sum += w;
      if (w > max) max = w;
      this.runningIds.push(this.waitingIds[this.head + i]!);
    }
    this.head += n;
    if (this.head > 1024 && this.head * 2 > this.waitingIds.length) {
      this.waitingIds.splice(0, this.head);
      this.waitingWork.splice(0, this.head);
      this.head = 0;
    }
    this.startMs = t;
    this.maxWork = max;
    this.sumWork = sum;
    this.endMs = this.batchEnd();
  }

  private batchEnd(): number {
    const f = this.perf.sharedFraction;
    const largest =
      this.spreadSigma > 0
        ? this.maxWork * expectedMaxLognormal(this.runningIds.length, this.spreadSigma)
        : this.maxWork;
    return this.startMs + this.perf.singleMs * (f * largest + (1 - f) * this.sumWork);
  }
}
