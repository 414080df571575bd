// Instance lifecycle in the world: pending (no GPUs) → loading (image pull, weights, engine init) →
// ready (probed; routable once readiness passes) → draining → gone, or crashed → gone. Every transition
// the engine cares about is reported to it as an event.
import type { CrashCause, InstanceTemplate } from '../engine/types.js';
import { Ev } from './events.js';
import { coldStartOf, LOAD_SIGMA, performanceOf } from './performance.js';
import { exponential, lognormalFactor } from './random.js';
import type { World, WorldInstance } from './world.js';

/** A draining instance gets this long for its in-flight requests, then it is killed. */
export const DRAIN_TIMEOUT_MS = 60_000;

export function newInstance(
  w: World,
  id: string,
  revision: number,
  template: InstanceTemplate,
): WorldInstance {
  const model = w.catalog.models[template.model];
  const gpu = w.catalog.gpus[template.accelerator.type];
  if (model === undefined || gpu === undefined) {
    throw new Error(`instance ${id}: unknown model ${template.model} or GPU ${template.accelerator.type}`);
  }
  const refGpu = w.catalog.gpus[model.reference.gpu];
  if (refGpu === undefined)
    throw new Error(`model ${model.id}: unknown reference GPU ${model.reference.gpu}`);
  // A replayed trace's mean token counts replace the typical lengths for slots and capacity.
  const perf = performanceOf(model, gpu, template.accelerator.count, refGpu, w.traceTokenMeans);
  const inst: WorldInstance = {
    id,
    idx: w.instances.length,
    revision,
    model: model.id,
    gpuType: gpu.id,
    gpus: template.accelerator.count,
    perf,
    phase: 'pending',
    node: -1,
    gpusHeld: 0,
    passes: 0,
    failures: 0,
    reportedUnschedulable: false,
    pendingSinceMs: -1,
    bad: null,
  };
  w.instances.push(inst);
  w.byId.set(id, inst.idx);
  w.alive.add(inst.idx);
  w.serving.addInstance(inst.idx, {
    slots: perf.slots,
    capacityRps: perf.capacityRps,
    serving: perf.serving,
  });
  return inst;
}

/** The engine asked for an instance: place it now, or queue it until GPUs free up. */
export function createInstance(w: World, id: string, revision: number, template: InstanceTemplate): void {
  const inst = newInstance(w, id, revision, template);
  if (!tryPlace(w, inst)) {
    inst.reportedUnschedulable = true;
    w.tell({ type: 'instance/unschedulable', atMs: w.clock.now, instanceId: id });
    inst.pendingSinceMs = w.clock.now;
    w.pending.push(inst.idx);
    planNodes(w);
  }
  w.onCountsChanged();
}

/** The deployment as deployed at t=0: the engine's ready instances, placed and serving. */
export function placeInitial(w: World): void {
  const revision = w.engine.revisions[w.engine.revision];
  if (revision === undefined) return;
  for (const state of w.engine.instances.values()) {
    const template = { model: revision.spec.model, accelerator: revision.spec.accelerator };
    const inst = newInstance(w, state.id, state.revision, template);
    const node = w.cluster.findNode(inst.gpuType, inst.gpus);
    if (node < 0) {
      // The scenario's cluster cannot hold the deployment it says is running: it crashes at once and
      // the engine replaces it (which then waits for GPUs like any other instance).
      inst.phase = 'crashed';
      w.tell({ type: 'instance/crashed', atMs: 0, instanceId: inst.id, cause: 'noCapacityAtStart' });
      continue;
    }
    hold(w, inst, node);
    w.noteImage(node, inst.perf.imageKey);
    inst.phase = 'ready';
    inst.passes = w.scenario.rollout.healthCheck.successThreshold;
    setRoutable(w, inst, true);
    w.schedule(w.scenario.rollout.healthCheck.periodMs, Ev.probe, inst.idx);
    scheduleCrashUnderLoad(w, inst);
  }
  w.onCountsChanged();
}

function hold(w: World, inst: WorldInstance, node: number): void {
  w.cluster.allocate(node, inst.gpus);
  inst.node = node;
  inst.gpusHeld = inst.gpus;
  w.setDeploymentGpus(inst.gpus, inst.gpuType);
}

/** Puts an instance on a node and starts its cold start; false when no node has room. */
function tryPlace(w: World, inst: WorldInstance): boolean {
  const node = w.cluster.findNode(inst.gpuType, inst.gpus);
  if (node < 0) return false;
  hold(w, inst, node);
  inst.phase = 'loading';
  inst.bad = activeBadVersion(w, inst.model);
  w.tell({ type: 'instance/scheduled', atMs: w.clock.now, instanceId: inst.id });
  const slow = inst.bad?.mode === 'slowLoad' ? inst.bad.slowdown : 1;
  const pool = w.cluster.pools[w.cluster.nodes[node]!.pool]!.config;
  const phases = coldStartOf(inst.perf, pool.coldStart, w.hasImage(node, inst.perf.imageKey));
  // One jitter factor for the whole start (one draw per load, as before), applied to every phase.
  const f = lognormalFactor(w.streams.loads, LOAD_SIGMA) * slow;
  const load = {
    imagePullMs: Math.round(phases.imagePullMs * f),
    weightsMs: Math.round(phases.weightsMs * f),
    engineStartMs: Math.round(phases.engineStartMs * f),
  };
  const totalMs = Math.max(1, load.imagePullMs + load.weightsMs + load.engineStartMs);
  w.log('world', { type: 'instance/loading', instance: inst.id, node, ...load, totalMs });
  w.onLoadStarted({ ...load, totalMs });
  w.schedule(w.clock.now + totalMs, Ev.loadDone, inst.idx);
  return true;
}

function activeBadVersion(w: World, model: string): WorldInstance['bad'] {
  let found: WorldInstance['bad'] = null;
  for (const b of w.badVersions) if (b.model === model && b.fromMs <= w.clock.now) found = b;
  return found;
}

/**
 * GPUs freed up: serve the waiters first come first served — pending instances (in creation order, no
 * head-of-line blocking) and holders short of their target, by when they started waiting; at the same
 * instant the deployment's instances first (the rule is stated in sim/cluster.ts).
 */
export function retryPending(w: World): void {
  const holders = w.cluster.holders;
  const waitingHolders: number[] = [];
  for (let h = 0; h < holders.length; h++) if (holders[h]!.held < holders[h]!.target) waitingHolders.push(h);
  if (w.pending.length === 0 && waitingHolders.length === 0) return;
  const still: number[] = [];
  let k = 0;
  const serveHoldersUntil = (sinceMs: number): void => {
    while (k < waitingHolders.length && holders[waitingHolders[k]!]!.waitingSinceMs < sinceMs) {
      w.cluster.topUp(waitingHolders[k]!, w.clock.now);
      k++;
    }
  };
  waitingHolders.sort((a, b) => holders[a]!.waitingSinceMs - holders[b]!.waitingSinceMs || a - b);
  for (const idx of w.pending) {
    const inst = w.instances[idx]!;
    if (inst.phase !== 'pending') continue;
    serveHoldersUntil(inst.pendingSinceMs);
    if (!tryPlace(w, inst)) still.push(idx);
  }
  serveHoldersUntil(Infinity);
  w.pending = still;
  if (still.length > 0) planNodes(w);
}

/** Node autoscaling: ask for nodes that pending instances need. */
function planNodes(w: World): void {
  const wants = w.pending.map((idx) => w.instances[idx]!).map((i) => ({ gpuType: i.gpuType, count: i.gpus }));
  for (const n of w.cluster.planScaleUp(wants)) {
    const pool = w.cluster.pools[w.cluster.nodes[n]!.pool]!.config;
    w.log('world', { type: 'node/provisioning', pool: pool.name, node: n });
    w.schedule(w.clock.now + pool.nodeProvisioningMs, Ev.nodeProvisioned, n);
  }
}

export function onLoadDone(w: World, idx: number): void {
  const inst = w.instances[idx]!;
  if (inst.phase !== 'loading') return;
  // The image is on the node once the instance has loaded (even one that then crashes pulled it).
  if (inst.node >= 0) w.noteImage(inst.node, inst.perf.imageKey);
  if (inst.bad?.mode === 'crashOnLoad') {
    crash(w, inst, 'crashOnLoad');
    return;
  }
  inst.phase = 'ready';
  inst.passes = 0;
  inst.failures = 0;
  w.tell({ type: 'instance/ready', atMs: w.clock.now, instanceId: inst.id });
  w.schedule(w.clock.now + w.scenario.rollout.healthCheck.initialDelayMs, Ev.probe, idx);
  scheduleCrashUnderLoad(w, inst);
}

function scheduleCrashUnderLoad(w: World, inst: WorldInstance): void {
  if (inst.bad?.mode !== 'crashUnderLoad') return;
  const afterMs = Math.max(1, Math.round(exponential(w.streams.faults, inst.bad.crashAfterMs)));
  w.schedule(w.clock.now + afterMs, Ev.crashUnderLoad, inst.idx);
}

/** A periodic probe: readiness for routing in the world, and a fact for the engine. */
export function onProbe(w: World, idx: number): void {
  const inst = w.instances[idx]!;
  if (inst.phase !== 'ready') return;
  const hc = w.scenario.rollout.healthCheck;
  const passed = probePasses(w, inst);
  if (passed) {
    inst.passes++;
    inst.failures = 0;
    if (inst.passes >= hc.successThreshold) setRoutable(w, inst, true);
  } else {
    // A failing probe stands for one that timed out after hc.timeoutMs; it is reported at its tick.
    inst.failures++;
    inst.passes = 0;
    if (inst.failures >= hc.failureThreshold) setRoutable(w, inst, false);
  }
  const type = passed ? 'health/probePassed' : 'health/probeFailed';
  w.tell({ type, atMs: w.clock.now, instanceId: inst.id });
  w.schedule(w.clock.now + hc.periodMs, Ev.probe, idx);
}

function probePasses(w: World, inst: WorldInstance): boolean {
  // A rehearsal's failing revision: the instances created for it (an in-place edit relabels older ones
  // into it, but they run what they ran before).
  if (inst.bad?.mode === 'failHealth' || w.failingRevisions.has(inst.revision)) return false;
  const now = w.clock.now;
  for (const f of w.flaky) {
    if (now < f.untilMs && w.streams.health() < f.probability) return false;
  }
  return true;
}

export function setRoutable(w: World, inst: WorldInstance, on: boolean): void {
  if (w.serving.isRoutable(inst.idx) === on) return;
  w.serving.setRoutable(inst.idx, on);
  w.onCountsChanged();
}

/** Engine: stop routing to it, let in-flight requests finish (up to DRAIN_TIMEOUT_MS), then terminate. */
export function drain(w: World, id: string): void {
  const inst = w.instance(id);
  if (inst === undefined || inst.phase === 'gone') return;
  if (inst.phase !== 'ready') {
    terminate(w, id);
    return;
  }
  inst.phase = 'draining';
  if (w.serving.startDrain(inst.idx)) finishTermination(w, inst);
  else w.schedule(w.clock.now + DRAIN_TIMEOUT_MS, Ev.drainTimeout, inst.idx);
  w.onCountsChanged();
}

/** The serving layer reports a draining instance empty. */
export function onDrained(w: World, idx: number): void {
  const inst = w.instances[idx]!;
  if (inst.phase === 'draining') finishTermination(w, inst);
}

export function onDrainTimeout(w: World, idx: number): void {
  const inst = w.instances[idx]!;
  if (inst.phase !== 'draining') return;
  w.serving.kill(idx);
  finishTermination(w, inst);
}

/** Engine: kill now. In-flight requests are dropped (sync) or requeued (async). */
export function terminate(w: World, id: string): void {
  const inst = w.instance(id);
  if (inst === undefined || inst.phase === 'gone') return;
  if (inst.phase === 'pending') w.pending = w.pending.filter((i) => i !== inst.idx);
  w.serving.kill(inst.idx);
  finishTermination(w, inst);
}

function finishTermination(w: World, inst: WorldInstance): void {
  inst.phase = 'gone';
  w.alive.delete(inst.idx);
  const freed = inst.node >= 0 && inst.gpusHeld > 0;
  if (freed) {
    w.cluster.release(inst.node, inst.gpusHeld, w.clock.now);
    w.setDeploymentGpus(-inst.gpusHeld, inst.gpuType);
  }
  inst.gpusHeld = 0;
  inst.node = -1;
  w.tell({ type: 'instance/terminated', atMs: w.clock.now, instanceId: inst.id });
  w.onCountsChanged();
  if (freed) retryPending(w);
}

/**
 * The process died. Its requests are lost (sync) or requeued (async). It keeps its GPUs until the
 * engine asks to terminate it, except a draining one, which the engine already let go of.
 */
export function crash(w: World, inst: WorldInstance, cause: CrashCause): void {
  if (inst.phase === 'gone' || inst.phase === 'crashed' || inst.phase === 'pending') return;
  w.serving.kill(inst.idx);
  const wasDraining = inst.phase === 'draining';
  inst.phase = 'crashed';
  w.tell({ type: 'instance/crashed', atMs: w.clock.now, instanceId: inst.id, cause });
  if (wasDraining) finishTermination(w, inst);
  w.onCountsChanged();
}

export function onCrashUnderLoad(w: World, idx: number): void {
  const inst = w.instances[idx]!;
  if (inst.phase === 'ready') crash(w, inst, 'crashUnderLoad');
}
