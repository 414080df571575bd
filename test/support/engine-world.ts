// A tiny deterministic world for driving the engine in tests: instances load, pass or fail probes,
// and terminate on request, per revision behaviour. Invariants are checked after every step.
import { BUILTIN_CATALOG, DEFAULT_PLATFORM_LIMITS, DEFAULT_ROLLOUT_OPTIONS } from '../../engine/index.js';
import { initialState } from '../../engine/step.js';
import { applyEffect, stepEngine } from '../../sim/driver.js';
import type { DeploymentSpec } from '../../catalog/spec.js';
import type { ValidationContext } from '../../engine/validate.js';
import type { EngineState } from '../../engine/state.js';
import type { EngineEffect, EngineEvent, EngineOptions, RolloutOptions } from '../../engine/types.js';

export type Behaviour =
  'healthy' | 'neverReady' | 'unschedulable' | 'failHealth' | 'crashOnLoad' | 'slowLoad' | 'crashLater';

export const baseSpec: DeploymentSpec = {
  name: 'llama-chat',
  cloud: 'aws',
  cluster: 'us-east-1-gpu',
  processingType: 'sync',
  status: 'deployed',
  warmpool: false,
  model: 'llama-3.1-8b',
  accelerator: { type: 'H100', count: 1 },
  scaling: { minInstances: 2, maxInstances: 8, metrics: [{ metric: 'concurrency', threshold: 16 }] },
  tags: { env: 'production', team: 'ml-platform' },
};

/** Validation against the built-in catalog and default limits, with no edit in progress. */
export const validationContext: ValidationContext = {
  catalog: BUILTIN_CATALOG,
  limits: DEFAULT_PLATFORM_LIMITS,
  editInProgress: false,
};

export function engineOptions(rollout: Partial<RolloutOptions> = {}): EngineOptions {
  return {
    rollout: { ...DEFAULT_ROLLOUT_OPTIONS, ...rollout },
    catalog: BUILTIN_CATALOG,
    limits: DEFAULT_PLATFORM_LIMITS,
  };
}

interface Queued {
  readonly event: EngineEvent;
  readonly seq: number;
}

export class EngineWorld {
  readonly options: EngineOptions;
  state: EngineState;
  readonly log: { event: EngineEvent; effects: readonly EngineEffect[] }[] = [];
  readonly broken: string[] = [];
  /** Behaviour of new instances by revision (default healthy). */
  readonly behaviour = new Map<number, Behaviour>();
  loadMs = 60_000;
  /** Free GPU slots (instances) beyond the initial ones; Infinity = unlimited. */
  spareSlots = Infinity;
  private queue: Queued[] = [];
  private seq = 0;
  private readonly placed = new Set<string>();
  peakTotal = 0;
  minAvailable = Infinity;

  constructor(
    readonly initialSpec: DeploymentSpec = baseSpec,
    rollout: Partial<RolloutOptions> = {},
  ) {
    const spec = initialSpec;
    this.options = engineOptions(rollout);
    this.state = initialState(spec, this.options);
    for (const id of [...this.state.instances.keys()]) this.placed.add(id);
    this.initialCount = this.placed.size;
  }

  private readonly initialCount: number;

  get nowMs(): number {
    return this.state.nowMs;
  }

  push(event: EngineEvent): void {
    this.queue.push({ event, seq: this.seq++ });
    this.queue.sort((a, b) => a.event.atMs - b.event.atMs || a.seq - b.seq);
  }

  /** Run events until the queue is empty or `untilMs` is reached. */
  run(untilMs = Infinity, maxSteps = 100_000): void {
    let steps = 0;
    while (this.queue.length > 0 && (this.queue[0]?.event.atMs ?? Infinity) <= untilMs) {
      const next = this.queue.shift();
      if (next === undefined) break;
      this.apply(next.event);
      if (++steps > maxSteps) throw new Error('EngineWorld: too many steps');
    }
  }

  apply(event: EngineEvent): void {
    const { state, effects, broken } = stepEngine(this.options, this.state, event, true);
    for (const b of broken) this.broken.push(`${event.type}@${event.atMs}: ${b}`);
    this.state = state;
    if (event.type === 'instance/terminated') this.placed.delete(event.instanceId);
    this.log.push({ event, effects });
    this.peakTotal = Math.max(this.peakTotal, state.instances.size);
    this.minAvailable = Math.min(this.minAvailable, available(state));
    const t = event.atMs;
    for (const effect of effects)
      applyEffect(effect, {
        create: (e) => this.place(e.instanceId, e.revision, t),
        drain: (instanceId) => this.push({ type: 'instance/terminated', atMs: t + 5_000, instanceId }),
        terminate: (instanceId) => this.push({ type: 'instance/terminated', atMs: t + 1, instanceId }),
        timer: (key, atMs) => this.push({ type: 'timer/fired', atMs, key }),
      });
  }

  private place(id: string, revision: number, t: number): void {
    const behaviour = this.behaviour.get(revision) ?? 'healthy';
    if (behaviour === 'unschedulable' || this.placed.size >= this.initialCount + this.spareSlots) {
      this.push({ type: 'instance/unschedulable', atMs: t, instanceId: id });
      return;
    }
    this.placed.add(id);
    this.push({ type: 'instance/scheduled', atMs: t + 1_000, instanceId: id });
    const loadMs = behaviour === 'slowLoad' ? this.loadMs * 60 : this.loadMs;
    if (behaviour === 'neverReady') return;
    if (behaviour === 'crashOnLoad') {
      this.push({ type: 'instance/crashed', atMs: t + loadMs, instanceId: id, cause: 'crashOnLoad' });
      return;
    }
    const readyAt = t + 1_000 + loadMs;
    this.push({ type: 'instance/ready', atMs: readyAt, instanceId: id });
    const pass = behaviour !== 'failHealth';
    for (let k = 1; k <= 4; k++) {
      this.push({
        type: pass ? 'health/probePassed' : 'health/probeFailed',
        atMs: readyAt + k * 10_000,
        instanceId: id,
      });
    }
    if (behaviour === 'crashLater')
      this.push({
        type: 'instance/crashed',
        atMs: readyAt + 120_000,
        instanceId: id,
        cause: 'crashUnderLoad',
      });
  }

  effectsOf<T extends EngineEffect['type']>(type: T): Extract<EngineEffect, { type: T }>[] {
    return this.log.flatMap((l) =>
      l.effects.filter((e): e is Extract<EngineEffect, { type: T }> => e.type === type),
    );
  }
}

export function available(state: EngineState): number {
  return [...state.instances.values()].filter((i) => i.available && !i.terminating).length;
}
