// The fault model and other workloads: node and GPU failures (with optional repair), capacity squeezes,
// bad model versions, flaky health probes, and other tenants' GPU holdings over time. Which node or GPU
// fails is drawn from the `faults` stream, except for a node failure aimed at the busiest nodes.
import { countOf } from '../scenario/excerpt.js';
import type { FaultSpec, NodeFailureTarget } from '../scenario/types.js';
import { formatHumanDurationMs } from '../result/duration.js';
import { Ev } from './events.js';
import { crash, retryPending } from './lifecycle.js';
import type { World, WorldInstance } from './world.js';

/** Holders: one per tenant entry (index = tenant index), then one per squeeze as it happens. */
export function setupTenants(w: World): void {
  w.scenario.cluster.tenants.forEach((tenant, t) => {
    const pool = w.cluster.poolIndex(tenant.pool);
    if (pool < 0) throw new Error(`tenant ${t}: unknown pool ${tenant.pool}`);
    w.cluster.addHolder(`tenant ${t} (${tenant.pool})`, pool);
    tenant.gpus.forEach((stepAt, s) => {
      if (stepAt.atMs === 0) tenantStep(w, t, s);
      else w.schedule(stepAt.atMs, Ev.tenantStep, t, s);
    });
  });
}

export function tenantStep(w: World, t: number, s: number): void {
  const tenant = w.scenario.cluster.tenants[t]!;
  const target = tenant.gpus[s]!.count;
  const short = w.cluster.setHolderTarget(t, target, w.clock.now);
  w.log('world', { type: 'tenant/target', tenant: t, pool: tenant.pool, target, short });
  if (short > 0) {
    w.mark(
      'fault',
      `tenant ${t} wants ${target} GPUs in ${tenant.pool} but only ${target - short} are free; it waits for the rest`,
    );
  }
  retryPending(w);
}

export function applyFault(w: World, fault: FaultSpec): void {
  w.log('world', { type: 'fault', fault });
  switch (fault.kind) {
    case 'nodeFailure':
      return failNodes(w, fault.pool, fault.count, fault.repairMs, fault.target);
    case 'gpuFailure':
      return failGpus(w, fault.pool, fault.count, fault.repairMs);
    case 'capacitySqueeze':
      return squeeze(w, fault.pool, fault.count, fault.forMs);
    case 'badVersion':
      w.badVersions.push({ ...fault, fromMs: w.clock.now });
      w.mark('fault', `bad version of ${fault.model}: ${fault.mode}`);
      return;
    case 'flakyHealth':
      w.flaky.push({ probability: fault.probability, untilMs: w.clock.now + fault.forMs });
      w.schedule(w.clock.now + fault.forMs, Ev.flakyEnd);
      w.mark(
        'fault',
        `flaky health probes (p=${fault.probability}) for ${formatHumanDurationMs(fault.forMs)}`,
      );
      return;
    case 'revisionFailsHealth':
      w.failingRevisions.add(fault.revision);
      w.mark('fault', `revision ${fault.revision} starts failing its health checks`);
      return;
  }
}

function poolOf(w: World, name: string): number {
  const pool = w.cluster.poolIndex(name);
  if (pool < 0) throw new Error(`fault: unknown pool ${name}`);
  return pool;
}

function failNodes(
  w: World,
  poolName: string,
  count: number,
  repairMs: number | null,
  target: NodeFailureTarget,
): void {
  const pool = poolOf(w, poolName);
  const candidates = w.cluster.upNodes(pool);
  const chosen: number[] = [];
  if (target === 'busiest') {
    // The nodes holding most of the deployment's GPUs, ties to the earlier node; no random draw.
    const held = new Map<number, number>();
    for (const idx of w.alive) {
      const inst = w.instances[idx]!;
      if (inst.gpusHeld > 0) held.set(inst.node, (held.get(inst.node) ?? 0) + inst.gpusHeld);
    }
    const gpusOn = (n: number) => held.get(n) ?? 0;
    chosen.push(...candidates.sort((a, b) => gpusOn(b) - gpusOn(a) || a - b).slice(0, count));
  } else {
    for (let k = 0; k < count && candidates.length > 0; k++) {
      const pick = Math.floor(w.streams.faults() * candidates.length);
      chosen.push(candidates.splice(pick, 1)[0]!);
    }
  }
  for (const n of chosen) {
    const victims = instancesOn(w, n);
    for (const inst of victims) {
      w.setDeploymentGpus(-inst.gpusHeld, inst.gpuType);
      inst.gpusHeld = 0;
      inst.node = -1;
    }
    w.cluster.failNode(n);
    for (const inst of victims) crash(w, inst, 'nodeFailure');
    if (repairMs !== null) w.schedule(w.clock.now + repairMs, Ev.nodeRepair, n);
  }
  w.mark('fault', `node failure in ${poolName}: ${countOf(chosen.length, 'node')}${repairedText(repairMs)}`);
  topUpHolders(w, pool);
}

function failGpus(w: World, poolName: string, count: number, repairMs: number | null): void {
  const pool = poolOf(w, poolName);
  let failed = 0;
  let deployment = 0;
  for (let k = 0; k < count; k++) {
    const hit = w.cluster.failGpu(pool, w.streams.faults);
    if (hit === null) break;
    failed++;
    if (hit.hit === 'deployment') {
      deployment++;
      const inst = instanceAtOffset(w, hit.node, hit.offset);
      w.cluster.writeOffDeploymentGpu(hit.node);
      inst.gpusHeld -= 1;
      w.setDeploymentGpus(-1, inst.gpuType);
      crash(w, inst, 'gpuFailure');
    }
    if (repairMs !== null) w.schedule(w.clock.now + repairMs, Ev.gpuRepair, hit.node);
  }
  // Whose GPUs they were: a failure of GPUs the deployment does not hold changes nothing it serves.
  const whose =
    failed === 0
      ? ''
      : deployment === failed
        ? failed === 1
          ? ", the deployment's"
          : ", all the deployment's"
        : deployment === 0
          ? failed === 1
            ? ", not the deployment's"
            : ", none of them the deployment's"
          : `, ${deployment} of them the deployment's`;
  w.mark('fault', `GPU failure in ${poolName}: ${countOf(failed, 'GPU')}${whose}${repairedText(repairMs)}`);
  topUpHolders(w, pool);
}

function squeeze(w: World, poolName: string, count: number, forMs: number): void {
  const pool = poolOf(w, poolName);
  const h = w.cluster.addHolder(`squeeze in ${poolName}`, pool);
  const short = w.cluster.setHolderTarget(h, count, w.clock.now);
  w.mark(
    'fault',
    `capacity squeeze in ${poolName}: ${count - short} of ${count} GPUs taken for ${formatHumanDurationMs(forMs)}`,
  );
  w.schedule(w.clock.now + forMs, Ev.squeezeEnd, h);
}

export function onSqueezeEnd(w: World, h: number): void {
  w.cluster.setHolderTarget(h, 0, w.clock.now);
  w.log('world', { type: 'squeeze/end', holder: h });
  retryPending(w);
}

export function onNodeRepair(w: World, n: number): void {
  w.cluster.repairNode(n, w.clock.now);
  w.log('world', { type: 'node/repaired', node: n });
  capacityAdded(w, w.cluster.nodes[n]!.pool);
}

export function onGpuRepair(w: World, n: number): void {
  w.cluster.repairGpu(n, w.clock.now);
  w.log('world', { type: 'gpu/repaired', node: n });
  capacityAdded(w, w.cluster.nodes[n]!.pool);
}

export function onNodeProvisioned(w: World, n: number): void {
  w.cluster.nodeProvisioned(n, w.clock.now);
  const pool = w.cluster.nodes[n]!.pool;
  w.mark('scale', `node added to pool ${w.cluster.pools[pool]!.config.name}`);
  capacityAdded(w, pool);
}

/** New capacity goes to the waiters, first come first served (see sim/cluster.ts). */
function capacityAdded(w: World, _pool: number): void {
  retryPending(w);
}

/** Holders that lost GPUs to a failure reschedule at once onto what is free. */
function topUpHolders(w: World, pool: number): void {
  w.cluster.holders.forEach((holder, h) => {
    if (holder.pool === pool && holder.held < holder.target) w.cluster.topUp(h, w.clock.now);
  });
}

/** Live instances holding GPUs on a node, in creation order. */
function instancesOn(w: World, n: number): WorldInstance[] {
  const out: WorldInstance[] = [];
  for (const idx of w.alive) {
    const inst = w.instances[idx]!;
    if (inst.node === n && inst.gpusHeld > 0) out.push(inst);
  }
  return out;
}

function instanceAtOffset(w: World, n: number, offset: number): WorldInstance {
  let u = offset;
  for (const inst of instancesOn(w, n)) {
    if (u < inst.gpusHeld) return inst;
    u -= inst.gpusHeld;
  }
  throw new Error(`failGpu: no instance at offset ${offset} on node ${n}`);
}

export function onFlakyEnd(w: World): void {
  const now = w.clock.now;
  for (let k = w.flaky.length - 1; k >= 0; k--) if (w.flaky[k]!.untilMs <= now) w.flaky.splice(k, 1);
}

function repairedText(repairMs: number | null): string {
  return repairMs === null ? '' : `, repaired after ${formatHumanDurationMs(repairMs)}`;
}
