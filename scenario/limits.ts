// Limits on what a run may cost, checked from the scenario before any work: a file that passes the
// schema can still ask for a run that cannot finish (1,000,000 requests/s for 30 days) or cannot fit
// in memory (1 ms timeline samples over a month). Each limit can be raised with --allow-large by a
// user who means it; the schema's own limits (SCENARIO_LIMITS) cannot.
import { excerpt, formatCount as fmt } from './excerpt.js';
import { TraceCache } from './trace.js';
import type { Scenario } from './types.js';

export interface RunLimits {
  /** Simulated requests, estimated from the traffic profile and the duration. */
  readonly requests: number;
  /** Timeline samples (duration / sampleInterval). */
  readonly timelineSamples: number;
  /** Scenario events (edits, rollbacks, faults, ...). */
  readonly events: number;
  /** Data rows of a replayed trace. */
  readonly traceRows: number;
  /** Time from a trace's first to its last row (after speedup), in ms. */
  readonly traceSpanMs: number;
  /** Runs of one sweep (seeds × grid combinations). */
  readonly sweepRuns: number;
}

/** The defaults: a run of a few minutes at most on a laptop, and a result.json of tens of MB. */
export const DEFAULT_RUN_LIMITS: RunLimits = {
  requests: 20_000_000,
  timelineSamples: 300_000,
  events: 2_000,
  traceRows: 20_000_000,
  traceSpanMs: 31 * 24 * 3_600_000,
  sweepRuns: 1_000_000,
};

/** No limit (`--allow-large`); the schema's limits still hold. */
export const NO_RUN_LIMITS: RunLimits = {
  requests: Infinity,
  timelineSamples: Infinity,
  events: Infinity,
  traceRows: Infinity,
  traceSpanMs: Infinity,
  sweepRuns: Infinity,
};

const HOW_TO_RAISE = 'raise the limit with --allow-large if you mean it (see "Limits" in the README)';

/** Expected requests: the rate integrated over the duration (a trace: its rows). */
export function estimatedRequests(scenario: Scenario, traces: TraceCache = new TraceCache()): number {
  const t = scenario.traffic;
  const d = scenario.durationMs;
  switch (t.profile) {
    case 'constant':
      return (t.rps * d) / 1000;
    case 'diurnal': {
      // rate(t) = base + (peak − base)(1 + cos(2π(t − peakAt)/period))/2, integrated from 0 to d. The
      // peak × duration counted before read "about 36,288,000" for a week that offers 18.7 M.
      const w = (2 * Math.PI) / t.periodMs;
      const cosIntegral = (Math.sin(w * (d - t.peakAtMs)) - Math.sin(w * -t.peakAtMs)) / w;
      return (t.baseRps * d + ((t.peakRps - t.baseRps) / 2) * (d + cosIntegral)) / 1000;
    }
    case 'steps': {
      let total = 0;
      const steps = [...t.steps].sort((a, b) => a.atMs - b.atMs);
      steps.forEach((s, i) => {
        const from = Math.min(Math.max(s.atMs, 0), d);
        const to = Math.min(steps[i + 1]?.atMs ?? d, d);
        if (to > from) total += (s.rps * (to - from)) / 1000;
      });
      return total;
    }
    case 'trace': {
      const parsed = traces.load(t.trace);
      return parsed.ok ? parsed.trace.arrivalsMs.length : 0;
    }
  }
}

/**
 * Every limit the scenario breaks, as messages naming the limit and the figure; empty when none. A
 * replayed trace is parsed once, through `traces` (pass the cache the run will use, so it is parsed once
 * in all).
 */
export function limitProblems(
  scenario: Scenario,
  limits: RunLimits = DEFAULT_RUN_LIMITS,
  traces: TraceCache = new TraceCache(),
): string[] {
  const problems: string[] = [];
  const requests = estimatedRequests(scenario, traces);
  if (requests > limits.requests) {
    problems.push(
      `about ${fmt(requests)} simulated requests (traffic × duration); the limit is ${fmt(limits.requests)}: shorten the duration or lower the traffic, or ${HOW_TO_RAISE}`,
    );
  }
  const samples = Math.ceil(scenario.durationMs / scenario.sampleIntervalMs) + 1;
  if (samples > limits.timelineSamples) {
    problems.push(
      `${fmt(samples)} timeline samples (duration / sampleInterval); the limit is ${fmt(limits.timelineSamples)}: raise sampleInterval, or ${HOW_TO_RAISE}`,
    );
  }
  if (scenario.events.length > limits.events) {
    problems.push(
      `${fmt(scenario.events.length)} events; the limit is ${fmt(limits.events)}: ${HOW_TO_RAISE}`,
    );
  }
  if (scenario.traffic.profile === 'trace') {
    const parsed = traces.load(scenario.traffic.trace);
    if (parsed.ok) {
      const arrivals = parsed.trace.arrivalsMs;
      const rows = arrivals.length;
      const span = rows === 0 ? 0 : arrivals[rows - 1]!;
      const name = `trace ${excerpt(scenario.traffic.trace.file, 120)}`;
      if (rows > limits.traceRows) {
        problems.push(
          `${name} has ${fmt(rows)} rows; the limit is ${fmt(limits.traceRows)}: ${HOW_TO_RAISE}`,
        );
      }
      if (span > limits.traceSpanMs) {
        problems.push(
          `${name} spans ${fmt(span / 3_600_000)} hours from its first to its last row; the limit is ${fmt(limits.traceSpanMs / 3_600_000)} hours: check its timeColumn and timeUnit, or ${HOW_TO_RAISE}`,
        );
      }
      // The replay keeps one rate figure per sample interval over the trace's whole span.
      const windows = span / scenario.sampleIntervalMs;
      if (windows > limits.timelineSamples * 10) {
        problems.push(
          `${name} spans ${fmt(windows)} sample intervals; the limit is ${fmt(limits.timelineSamples * 10)}: raise sampleInterval, or ${HOW_TO_RAISE}`,
        );
      }
    }
  }
  return problems;
}
