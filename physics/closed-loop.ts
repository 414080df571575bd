// A closed loop of N clients on one instance (each sends its next request when the previous one ends),
// run on the same batch model the simulator uses. Deterministic: no randomness, no clock.
import { FixedBatch, TokenBatch, type BatchSink } from './batch.js';
import type { BatchPerf, LlmPerf } from './perf.js';

export interface LoadRow {
  readonly concurrency: number;
  /** Mean time to first token, ms (null for models without tokens). */
  readonly ttftMs: number | null;
  /** Mean inter-token latency ((e2e − ttft) / (output − 1)), ms (null for models without tokens). */
  readonly itlMs: number | null;
  readonly e2eMs: number;
  readonly outputTokPerSec: number | null;
  readonly requestsPerSec: number;
}

export interface ClosedLoopOptions {
  readonly concurrency: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Requests each client sends; the first and last rounds are warm-up and drain (default 6). */
  readonly rounds?: number;
}

interface Tally {
  readonly sent: Float64Array;
  readonly first: Float64Array;
  readonly done: Float64Array;
  readonly doneOrder: number[];
}

function tally(n: number): Tally {
  return {
    sent: new Float64Array(n),
    first: new Float64Array(n),
    done: new Float64Array(n),
    doneOrder: [],
  };
}

/** Runs the loop and averages over the requests sent after the first round, before the last. */
function summarise(t: Tally, n: number, rounds: number, outputTokens: number | null): LoadRow {
  const lo = n;
  const hi = n * (rounds - 1);
  let ttft = 0;
  let itl = 0;
  let e2e = 0;
  for (let r = lo; r < hi; r++) {
    ttft += t.first[r]! - t.sent[r]!;
    e2e += t.done[r]! - t.sent[r]!;
    if (outputTokens !== null && outputTokens > 1) itl += (t.done[r]! - t.first[r]!) / (outputTokens - 1);
  }
  const count = hi - lo;
  // Throughput over the window in which every client is still sending: the completions after the n-th's
  // time, up to and including the (hi)-th's. Counted by time, not by index: a fixed batch completes all its
  // requests at one instant, and counting hi − n of them credited the window with the batch-mates that
  // ended with the n-th, at its opening instant (7 clients on batches of 5 read 12 % above capacity).
  const from = t.done[t.doneOrder[n - 1]!]!;
  const to = t.done[t.doneOrder[hi - 1]!]!;
  let inWindow = 0;
  for (const id of t.doneOrder) {
    const d = t.done[id]!;
    if (d > from && d <= to) inWindow++;
  }
  const rps = (inWindow * 1000) / Math.max(to - from, 1e-9);
  return {
    concurrency: n,
    ttftMs: outputTokens === null ? null : ttft / count,
    itlMs: outputTokens === null ? null : outputTokens > 1 ? itl / count : 0,
    e2eMs: e2e / count,
    outputTokPerSec: outputTokens === null ? null : rps * outputTokens,
    requestsPerSec: rps,
  };
}

/**
 * Clients start spread evenly over `spreadMs` (one request's time alone), as a real closed loop desynchronises
 * through jitter; identical requests started together would otherwise stay in lockstep forever.
 */
function drive(
  n: number,
  rounds: number,
  spreadMs: number,
  admit: (nowMs: number, id: number, sink: BatchSink) => void,
  step: { nextEventMs(): number; advance(toMs: number, sink: BatchSink): void },
): Tally {
  const total = n * rounds;
  const t = tally(total);
  let nextId = 0;
  let started = 0;
  const resend: number[] = [];
  const sink: BatchSink = {
    firstToken(id, atMs) {
      t.first[id] = atMs;
    },
    complete(id, atMs) {
      t.done[id] = atMs;
      t.doneOrder.push(id);
      resend.push(atMs);
    },
  };
  const send = (at: number): void => {
    t.sent[nextId] = at;
    admit(at, nextId++, sink);
  };
  while (t.doneOrder.length < total) {
    const startAt = started < n ? (started * spreadMs) / n : Infinity;
    const eventAt = step.nextEventMs();
    if (startAt <= eventAt) {
      started++;
      send(startAt);
      continue;
    }
    if (!Number.isFinite(eventAt))
      throw new Error('closed loop: the instance went idle with requests outstanding');
    step.advance(eventAt, sink);
    for (const at of resend) if (nextId < total) send(at);
    resend.length = 0;
  }
  return t;
}

/** Time of one request alone on an idle instance. */
function aloneMs(
  admit: (nowMs: number, id: number, sink: BatchSink) => void,
  step: { nextEventMs(): number; advance(toMs: number, sink: BatchSink): void },
): number {
  let done = Infinity;
  const sink: BatchSink = {
    firstToken() {},
    complete(_id, atMs) {
      done = atMs;
    },
  };
  admit(0, 0, sink);
  while (!Number.isFinite(done)) step.advance(step.nextEventMs(), sink);
  return done;
}

/** ttft / itl / e2e / throughput for N clients of fixed-length requests on one LLM instance. */
export function closedLoopLlm(perf: LlmPerf, opts: ClosedLoopOptions): LoadRow {
  const n = Math.max(1, Math.floor(opts.concurrency));
  const rounds = Math.max(3, opts.rounds ?? 6);
  const probe = new TokenBatch(perf);
  const spread = aloneMs(
    (now, id, sink) => probe.admit(now, id, opts.inputTokens, opts.outputTokens, sink),
    probe,
  );
  const batch = new TokenBatch(perf);
  const t = drive(
    n,
    rounds,
    spread,
    (now, id, sink) => batch.admit(now, id, opts.inputTokens, opts.outputTokens, sink),
    batch,
  );
  return summarise(t, n, rounds, Math.max(1, Math.round(opts.outputTokens)));
}

/**
 * e2e and requests/s for N clients on a fixed-batch (non-token) instance. Every request is of work 1;
 * with `workSigma` > 0 each batch takes its expected time had the works spread log-normally with that
 * sigma around 1 (the simulator's spread), so a full batch serves at the instance's capacity figure.
 */
export function closedLoopBatch(perf: BatchPerf, concurrency: number, rounds = 6, workSigma = 0): LoadRow {
  const n = Math.max(1, Math.floor(concurrency));
  const r = Math.max(3, rounds);
  const batch = new FixedBatch(perf, { spreadSigma: workSigma });
  const t = drive(n, r, perf.singleMs, (now, id, sink) => batch.admit(now, id, 1, sink), batch);
  return summarise(t, n, r, null);
}
