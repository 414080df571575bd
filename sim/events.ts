// The kinds of kernel events and their priorities. At equal times lower priorities run first: the sample
// closes its window before anything else happens at that millisecond; world changes come before the
// facts they cause reach the engine; requests come last so they see the instances of that moment.

export const Ev = {
  end: 0,
  sample: 1,
  tenantStep: 2,
  nodeRepair: 3,
  gpuRepair: 4,
  nodeProvisioned: 5,
  squeezeEnd: 6,
  flakyEnd: 7,
  scenario: 8,
  engine: 9,
  timer: 10,
  loadDone: 11,
  probe: 12,
  drainTimeout: 13,
  crashUnderLoad: 14,
  complete: 15,
  queueExpiry: 16,
  arrival: 17,
  rateChange: 18,
  autoscale: 19,
} as const;

export type EvKind = (typeof Ev)[keyof typeof Ev];

/**
 * Kernel lanes (kernel.ts): the two event sources that never have more than one event pending and make
 * most of a run's events, each in its own slot beside the heap.
 */
export const Lane = {
  /** The next arrival (the traffic source yields one at a time). */
  arrival: 0,
  /** The serving model's one kernel event for the earliest batch event (sim/serving.ts). */
  batch: 1,
} as const;

const PRIORITY: Readonly<Record<EvKind, number>> = {
  [Ev.end]: 0,
  [Ev.sample]: 1,
  [Ev.tenantStep]: 10,
  [Ev.nodeRepair]: 10,
  [Ev.gpuRepair]: 10,
  [Ev.nodeProvisioned]: 10,
  [Ev.squeezeEnd]: 10,
  [Ev.flakyEnd]: 10,
  [Ev.scenario]: 20,
  [Ev.engine]: 30,
  [Ev.timer]: 31,
  [Ev.loadDone]: 40,
  [Ev.probe]: 41,
  [Ev.drainTimeout]: 42,
  [Ev.crashUnderLoad]: 43,
  [Ev.rateChange]: 45,
  [Ev.complete]: 50,
  [Ev.queueExpiry]: 51,
  [Ev.arrival]: 52,
  [Ev.autoscale]: 60,
};

export function priorityOf(kind: EvKind): number {
  return PRIORITY[kind];
}

/** One line of trace.ndjson: an engine event or effect, or a world happening, at a simulated time. */
export interface TraceEntry {
  readonly tMs: number;
  readonly kind: 'event' | 'effect' | 'world';
  readonly data: unknown;
}
