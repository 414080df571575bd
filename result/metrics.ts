// Every run metric, defined once: pure functions and small accumulators that the simulator feeds and the
// reports read. Nothing here knows about events or instances, only numbers over simulated time.
import type { RunMetrics } from './result.js';

/** Rounds to 3 decimals (results must be byte-identical across runs; this also keeps them readable). */
export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

export const MS_PER_HOUR = 3_600_000;

/** Nearest-rank quantile (q from 0 to 1) of values sorted ascending; undefined for none. */
export function nearestRank(sorted: readonly number[], q: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

// ---------------------------------------------------------------------------------------------
// Latency: a fixed log-bucket histogram, so p50/p95/p99 of millions of requests take constant memory.

/** Relative width of a bucket: values are reported within ±0.5 % of the true quantile. */
export const LATENCY_BUCKET_GROWTH = 1.01;
/** Buckets cover 1 ms to ~25 hours; values below 1 ms go to bucket 0, above the top to the last. */
export const LATENCY_BUCKETS = 1700;
const LOG_GROWTH = Math.log(LATENCY_BUCKET_GROWTH);

/**
 * Bucket of a latency: 0 below 1 ms, else floor(ln(ms) / ln(1.01)) + 1, at most the last bucket. This is
 * the definition; `latencyBucket` gives the same without a logarithm per call.
 */
export function latencyBucketByLog(ms: number): number {
  if (!(ms >= 1)) return 0;
  const b = Math.floor(Math.log(ms) / LOG_GROWTH) + 1;
  return b < LATENCY_BUCKETS ? b : LATENCY_BUCKETS - 1;
}

// The fast path. LOWER[b] is the smallest double whose bucket by the definition is b (found once by
// bisection with the definition itself), so bucket b holds exactly [LOWER[b], LOWER[b + 1]). A value's
// power of two and the first 8 bits of its fraction pick a cell of relative width at most 1/256,
// narrower than a bucket (1 %): CELL gives the bucket of the cell's low end, and the value is there or
// one bucket up. Three of these per simulated request (latency, time to first token, inter-token
// latency) made the logarithm a few per cent of a fleet run.
const LOWER = new Float64Array(LATENCY_BUCKETS + 1);
/** Cells cover 1 ms to 2^31 ms; the last bucket starts well below that. */
const CELL_EXPONENTS = 31;
const CELL = new Int16Array(CELL_EXPONENTS << 8);
/** 256 / 2^e: scales a value of [2^e, 2^(e + 1)) to [256, 512). */
const CELL_SCALE = new Float64Array(CELL_EXPONENTS);
{
  LOWER[0] = -Infinity;
  LOWER[1] = 1;
  for (let b = 2; b < LATENCY_BUCKETS; b++) {
    let lo = LOWER[b - 1]!; // in bucket b - 1
    let hi = lo * LATENCY_BUCKET_GROWTH * 1.001; // in bucket b or above
    while (latencyBucketByLog(hi) < b) hi *= 1.001;
    for (;;) {
      const mid = lo + (hi - lo) / 2;
      if (mid === lo || mid === hi) break;
      if (latencyBucketByLog(mid) >= b) hi = mid;
      else lo = mid;
    }
    LOWER[b] = hi;
  }
  LOWER[LATENCY_BUCKETS] = Infinity;
  for (let e = 0; e < CELL_EXPONENTS; e++) {
    CELL_SCALE[e] = 256 / 2 ** e;
    for (let m = 0; m < 256; m++) CELL[(e << 8) | m] = latencyBucketByLog(2 ** e * (1 + m / 256));
  }
}

/** Bucket of a latency (exported so a caller feeding several histograms computes it once). */
export function latencyBucket(ms: number): number {
  if (!(ms >= 1)) return 0;
  if (ms >= LOWER[LATENCY_BUCKETS - 1]!) return LATENCY_BUCKETS - 1;
  const e = 31 - Math.clz32(ms); // ms < 2^31 here: its power of two
  // Exact: multiplying by a power of two and truncating; 256 ≤ ms × scale < 512.
  const b = CELL[(e << 8) | ((ms * CELL_SCALE[e]!) & 0xff)]!;
  return ms >= LOWER[b + 1]! ? b + 1 : b;
}

/** The value a bucket stands for: the geometric middle of its range (0 for bucket 0). */
export function bucketValueMs(b: number): number {
  if (b === 0) return 0;
  return Math.pow(LATENCY_BUCKET_GROWTH, b - 0.5);
}

export class LatencyHistogram {
  readonly counts = new Float64Array(LATENCY_BUCKETS);
  total = 0;

  add(ms: number): void {
    this.addBucket(latencyBucket(ms));
  }

  addBucket(b: number): void {
    this.counts[b]! += 1;
    this.total += 1;
  }

  reset(): void {
    if (this.total === 0) return;
    this.counts.fill(0);
    this.total = 0;
  }

  /** The q-quantile (0..1), nearest-rank over buckets; 0 when empty. */
  quantile(q: number): number {
    return bucketQuantile(this.counts, null, this.total, q);
  }
}

/** The q-quantile of bucket `counts` (less `base` where given) holding `total` values, nearest rank; 0 when empty. */
function bucketQuantile(counts: Float64Array, base: Float64Array | null, total: number, q: number): number {
  if (total === 0) return 0;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (let b = 0; b < LATENCY_BUCKETS; b++) {
    seen += base === null ? counts[b]! : counts[b]! - base[b]!;
    if (seen >= rank) return bucketValueMs(b);
  }
  return bucketValueMs(LATENCY_BUCKETS - 1);
}

/**
 * What a histogram has gained since the last `reset`: the latencies of a timeline window or an autoscaler
 * interval. The values go to the run's histogram only, and this keeps a copy of its counts at the reset: a
 * finished request used to add to three histograms of 13.6 kB each, which at 1,000 instances kept
 * pushing the rest of the simulation out of the CPU's first-level cache.
 */
export class HistogramSince {
  private readonly base = new Float64Array(LATENCY_BUCKETS);
  private baseTotal = 0;

  constructor(private readonly of: LatencyHistogram) {}

  get total(): number {
    return this.of.total - this.baseTotal;
  }

  reset(): void {
    if (this.total === 0) return;
    this.base.set(this.of.counts);
    this.baseTotal = this.of.total;
  }

  /** The q-quantile (0..1) of what was added since the reset, as LatencyHistogram.quantile. */
  quantile(q: number): number {
    return bucketQuantile(this.of.counts, this.base, this.total, q);
  }
}

// ---------------------------------------------------------------------------------------------
// Quantities over simulated time.

/** The time integral of a piecewise-constant value (in value·ms), for averages over an interval. */
export class TimeIntegral {
  private value = 0;
  private lastMs: number;
  private integral = 0;

  constructor(startMs = 0) {
    this.lastMs = startMs;
  }

  set(nowMs: number, value: number): void {
    this.integral += this.value * (nowMs - this.lastMs);
    this.lastMs = nowMs;
    this.value = value;
  }

  get current(): number {
    return this.value;
  }

  /** The integral since the last `take`, up to now; restarts it. */
  take(nowMs: number): number {
    this.set(nowMs, this.value);
    const out = this.integral;
    this.integral = 0;
    return out;
  }
}

/** Total time a condition held (downtime, degraded time), from its changes. */
export class ConditionTimer {
  private on = false;
  private sinceMs = 0;
  private totalMs = 0;

  set(nowMs: number, on: boolean): void {
    if (on === this.on) return;
    if (this.on) this.totalMs += nowMs - this.sinceMs;
    this.on = on;
    this.sinceMs = nowMs;
  }

  totalUntil(nowMs: number): number {
    return this.totalMs + (this.on ? nowMs - this.sinceMs : 0);
  }
}

// ---------------------------------------------------------------------------------------------
// Definitions.

/** Down: someone wants service (sync: offered load > 0; async: backlog > 0) and no instance serves. */
export function isDown(demand: boolean, readyInstances: number): boolean {
  return demand && readyInstances === 0;
}

/** Degraded: the ready instances' capacity is below the offered load (down counts as degraded too). */
export function isDegraded(offeredRps: number, capacityRps: number): boolean {
  return offeredRps > 0 && capacityRps < offeredRps;
}

/**
 * Requests that failed, per offered: dropped (no instance, or killed in flight), timed out, and
 * overdue (still queued or in flight when the run ended although they arrived at least the traffic
 * timeout before the end). Unfinished requests younger than the timeout are reported but not
 * counted: a request that arrived in the run's last second has not failed.
 */
export function droppedPercent(offered: number, dropped: number, timedOut: number, overdue = 0): number {
  return offered === 0 ? 0 : round3(((dropped + timedOut + overdue) / offered) * 100);
}

/** GPU-hours from the time integral of GPUs held (GPU·ms). */
export function gpuHours(gpuMs: number): number {
  return round3(gpuMs / MS_PER_HOUR);
}

/** Per-second rate of a count over a window. */
export function ratePerSecond(count: number, windowMs: number): number {
  return windowMs > 0 ? round3((count * 1000) / windowMs) : 0;
}

/** p50 / p95 / p99 of a histogram, or null when it is empty. */
export function quantiles(h: LatencyHistogram): { p50: number; p95: number; p99: number } | null {
  if (h.total === 0) return null;
  return { p50: round3(h.quantile(0.5)), p95: round3(h.quantile(0.95)), p99: round3(h.quantile(0.99)) };
}

/** Everything RunMetrics is made of, accumulated over a run. */
export class RunMetricsAccumulator {
  offered = 0;
  served = 0;
  dropped = 0;
  timedOut = 0;
  peakGpus = 0;
  peakBacklog = 0;
  readonly latency = new LatencyHistogram();
  /** Token-aware requests (LLMs): time to first token and mean inter-token latency per request. */
  readonly ttft = new LatencyHistogram();
  readonly itl = new LatencyHistogram();
  readonly gpus = new TimeIntegral();
  readonly down = new ConditionTimer();
  readonly degraded = new ConditionTimer();
  private gpuMs = 0;
  /** Per GPU type: GPUs held now and their integral, and the peak. */
  private readonly byType = new Map<string, { held: TimeIntegral; peak: number }>();

  setGpus(nowMs: number, gpus: number): void {
    this.gpus.set(nowMs, gpus);
    if (gpus > this.peakGpus) this.peakGpus = gpus;
  }

  /** GPUs of one type held by the deployment changed by `delta` (the total is set by setGpus). */
  addGpusOfType(nowMs: number, gpuType: string, delta: number): void {
    let t = this.byType.get(gpuType);
    if (t === undefined) this.byType.set(gpuType, (t = { held: new TimeIntegral(), peak: 0 }));
    const now = t.held.current + delta;
    t.held.set(nowMs, now);
    if (now > t.peak) t.peak = now;
  }

  noteBacklog(backlog: number): void {
    if (backlog > this.peakBacklog) this.peakBacklog = backlog;
  }

  /** `overdue`: unfinished requests that arrived at least the traffic timeout before `endMs`. */
  finish(endMs: number, overdue = 0): RunMetrics {
    this.gpuMs += this.gpus.take(endMs);
    // Every offered request is served, dropped, timed out, or still waiting or in flight at the end.
    const unfinished = Math.max(0, this.offered - this.served - this.dropped - this.timedOut);
    return {
      downtimeMs: this.down.totalUntil(endMs),
      degradedMs: this.degraded.totalUntil(endMs),
      requests: {
        offered: this.offered,
        served: this.served,
        dropped: this.dropped,
        timedOut: this.timedOut,
        unfinished,
        overdue: Math.min(overdue, unfinished),
      },
      droppedPercent: droppedPercent(
        this.offered,
        this.dropped,
        this.timedOut,
        Math.min(overdue, unfinished),
      ),
      latencyMs: {
        p50: round3(this.latency.quantile(0.5)),
        p95: round3(this.latency.quantile(0.95)),
        p99: round3(this.latency.quantile(0.99)),
      },
      ttftMs: quantiles(this.ttft),
      itlMs: quantiles(this.itl),
      gpuHours: gpuHours(this.gpuMs),
      peakGpus: this.peakGpus,
      byGpuType: Object.fromEntries(
        [...this.byType.keys()].sort().map((type) => {
          const t = this.byType.get(type)!;
          return [type, { peakGpus: t.peak, gpuHours: gpuHours(t.held.take(endMs)) }];
        }),
      ),
      peakBacklog: this.peakBacklog,
    };
  }
}
