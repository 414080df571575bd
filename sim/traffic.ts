// Offered load: request arrival times from a rate profile (Poisson process) or a replayed trace.
//
// Generated profiles draw exponential gaps from the `traffic` stream in continuous time; an arrival
// happens at the integer millisecond it falls in. Steps are exact (a gap that crosses a step boundary
// is redrawn from the boundary: the process is memoryless). Diurnal uses thinning against the peak
// rate. A trace replays its rows one by one; its rate (for the degraded metric) is its arrival count per
// sampling window.
import type { TrafficConfig } from '../scenario/types.js';
import { exponential, type Uniform } from './random.js';
import type { ParsedTrace } from '../scenario/trace.js';

export interface Arrival {
  /** Integer ms. */
  timeMs: number;
  /** Trace row, or -1 for generated traffic. */
  row: number;
}

export interface ArrivalSource {
  /** The next arrival after the previous one, or null when there are no more. Reuses one object. */
  next(): Arrival | null;
  /** Expected offered load at a time, in requests/s. */
  rateAt(tMs: number): number;
  /** Times at which the rate jumps (for the downtime and degraded clocks). */
  readonly rateChangesMs: readonly number[];
}

export function makeArrivals(
  traffic: TrafficConfig,
  trace: ParsedTrace | null,
  rand: Uniform,
  sampleIntervalMs: number,
): ArrivalSource {
  switch (traffic.profile) {
    case 'constant':
      return new PiecewisePoisson([{ atMs: 0, rps: traffic.rps }], rand);
    case 'steps':
      return new PiecewisePoisson(traffic.steps, rand);
    case 'diurnal':
      return new DiurnalPoisson(traffic.baseRps, traffic.peakRps, traffic.peakAtMs, traffic.periodMs, rand);
    case 'trace':
      if (trace === null) throw new Error('makeArrivals: a trace profile needs the parsed trace');
      return new TraceReplay(trace, sampleIntervalMs);
  }
}

/** Poisson arrivals with a rate that is constant between steps (the rate before the first step is 0). */
class PiecewisePoisson implements ArrivalSource {
  private tMs = 0;
  private stepIndex = 0;
  private readonly out: Arrival = { timeMs: 0, row: -1 };
  readonly rateChangesMs: readonly number[];
  private readonly steps: readonly { readonly atMs: number; readonly rps: number }[];

  constructor(
    steps: readonly { readonly atMs: number; readonly rps: number }[],
    private readonly rand: Uniform,
  ) {
    this.steps = [...steps].sort((a, b) => a.atMs - b.atMs);
    this.rateChangesMs = this.steps.map((s) => s.atMs);
    this.tMs = this.steps[0]?.atMs ?? 0;
  }

  rateAt(tMs: number): number {
    let rps = 0;
    for (const s of this.steps) if (s.atMs <= tMs) rps = s.rps;
    return rps;
  }

  next(): Arrival | null {
    for (;;) {
      const step = this.steps[this.stepIndex];
      if (!step) return null;
      const endMs = this.steps[this.stepIndex + 1]?.atMs ?? Infinity;
      if (step.rps > 0) {
        const t = this.tMs + exponential(this.rand, 1000 / step.rps);
        if (t < endMs) {
          this.tMs = t;
          this.out.timeMs = Math.floor(t);
          return this.out;
        }
      }
      if (endMs === Infinity) return null;
      this.tMs = endMs;
      this.stepIndex++;
    }
  }
}

/** rate(t) = base + (peak − base) · (1 + cos(2π (t − peakAt) / period)) / 2: peak at peakAt, base half a period away. */
class DiurnalPoisson implements ArrivalSource {
  private tMs = 0;
  private readonly maxRps: number;
  private readonly out: Arrival = { timeMs: 0, row: -1 };
  readonly rateChangesMs: readonly number[] = [];

  constructor(
    private readonly baseRps: number,
    private readonly peakRps: number,
    private readonly peakAtMs: number,
    private readonly periodMs: number,
    private readonly rand: Uniform,
  ) {
    this.maxRps = Math.max(baseRps, peakRps);
  }

  rateAt(tMs: number): number {
    const phase = (2 * Math.PI * (tMs - this.peakAtMs)) / this.periodMs;
    return this.baseRps + ((this.peakRps - this.baseRps) * (1 + Math.cos(phase))) / 2;
  }

  next(): Arrival | null {
    if (!(this.maxRps > 0)) return null;
    for (;;) {
      this.tMs += exponential(this.rand, 1000 / this.maxRps);
      if (this.rand() * this.maxRps <= this.rateAt(this.tMs)) {
        this.out.timeMs = Math.floor(this.tMs);
        return this.out;
      }
    }
  }
}

class TraceReplay implements ArrivalSource {
  private index = 0;
  private readonly out: Arrival = { timeMs: 0, row: -1 };
  private readonly windowRps: Float64Array;
  readonly rateChangesMs: readonly number[] = [];

  constructor(
    private readonly trace: ParsedTrace,
    private readonly windowMs: number,
  ) {
    const n = trace.arrivalsMs.length;
    const last = n > 0 ? trace.arrivalsMs[n - 1]! : 0;
    const counts = new Float64Array(Math.floor(last / windowMs) + 1);
    for (let i = 0; i < n; i++) counts[Math.floor(trace.arrivalsMs[i]! / windowMs)]! += 1;
    this.windowRps = counts.map((c) => (c * 1000) / windowMs);
  }

  rateAt(tMs: number): number {
    return this.windowRps[Math.floor(tMs / this.windowMs)] ?? 0;
  }

  next(): Arrival | null {
    if (this.index >= this.trace.arrivalsMs.length) return null;
    this.out.row = this.index;
    this.out.timeMs = Math.floor(this.trace.arrivalsMs[this.index]!);
    this.index++;
    return this.out;
  }
}
