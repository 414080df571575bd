// The GPU cluster: pools of identical nodes, GPUs held by this deployment, by other tenants and by
// capacity squeezes, failed GPUs and nodes, and node autoscaling.
//
// Placement rules (documented because they decide whether a rollout finds room):
// - An instance needs `count` free GPUs of its type on ONE node. The scheduler picks the best fit: the
//   node with the fewest free GPUs that still fits, ties to the lowest node index (GPU bin-packing keeps
//   whole nodes free for large instances).
// - Other holders (tenants, squeezes) take only free GPUs, packing onto the fullest nodes first (ties
//   to the highest index) and releasing where a node can become emptiest. They never preempt the
//   deployment.
//   When their target rises (or a failure took theirs: their pods reschedule at once) they take what
//   is free at that instant; a holder still short WAITS for the rest and takes GPUs as they are freed.
// - Who gets a freed GPU first (GPUs freed by the deployment, a holder stepping down, a squeeze ending,
//   a repair or a new node): every waiter in the order it started waiting, first come first served.
//   Waiters are the deployment's pending instances (waiting since they were asked for) and holders
//   short of their target (waiting since they first fell short). At the same instant the deployment's
//   instances go first. An instance that does not fit is passed over (no head-of-line blocking); a
//   holder takes what it can and keeps waiting for the rest.
// - Node autoscaling adds a node for pending instances that no node, existing or on its way, can hold,
//   up to maxNodes; an added node empty for NODE_SCALE_DOWN_IDLE_MS is removed (cluster-autoscaler's
//   scale-down-unneeded-time default is 10 min).
import type { PoolConfig } from '../scenario/types.js';
import type { Uniform } from './random.js';

export const NODE_SCALE_DOWN_IDLE_MS = 10 * 60_000;

export interface Node {
  readonly pool: number;
  readonly gpus: number;
  /** Whether the node counts toward the pool's initial size (never scaled down). */
  readonly initial: boolean;
  up: boolean;
  provisioning: boolean;
  removed: boolean;
  /** Failed GPUs on an up node. */
  failedGpus: number;
  /** GPUs held by this deployment's instances. */
  deploymentGpus: number;
  /** GPUs held by other holders (sum of `Holder.perNode`). */
  otherGpus: number;
  /** Since when the node has been empty (added nodes only), or -1. */
  idleSinceMs: number;
}

export interface Pool {
  readonly config: PoolConfig;
  readonly nodes: number[];
}

/** Another workload holding GPUs in a pool: a tenant (step function) or a capacity squeeze. */
export interface Holder {
  readonly name: string;
  readonly pool: number;
  target: number;
  held: number;
  readonly perNode: number[];
  /** Since when the holder has been short of its target, or -1 when it holds all of it. */
  waitingSinceMs: number;
}

export interface PoolUsage {
  deployment: number;
  tenants: number;
  free: number;
  down: number;
}

export class Cluster {
  readonly pools: Pool[] = [];
  readonly nodes: Node[] = [];
  readonly holders: Holder[] = [];

  constructor(configs: readonly PoolConfig[]) {
    configs.forEach((config, p) => {
      this.pools.push({ config, nodes: [] });
      for (let i = 0; i < config.nodes; i++) this.addNode(p, true);
    });
  }

  poolIndex(name: string): number {
    return this.pools.findIndex((p) => p.config.name === name);
  }

  freeOn(n: number): number {
    const node = this.nodes[n]!;
    if (!node.up || node.provisioning || node.removed) return 0;
    return node.gpus - node.failedGpus - node.deploymentGpus - node.otherGpus;
  }

  /** Best-fit node for `count` GPUs of a type, or -1 when none has room. */
  findNode(gpuType: string, count: number): number {
    let best = -1;
    let bestFree = Infinity;
    for (const pool of this.pools) {
      if (pool.config.gpu !== gpuType) continue;
      for (const n of pool.nodes) {
        const free = this.freeOn(n);
        if (free >= count && (free < bestFree || (free === bestFree && n < best))) {
          best = n;
          bestFree = free;
        }
      }
    }
    return best;
  }

  allocate(n: number, count: number): void {
    if (this.freeOn(n) < count) throw new Error(`allocate: node ${n} has no ${count} free GPUs`);
    const node = this.nodes[n]!;
    node.deploymentGpus += count;
    node.idleSinceMs = -1;
  }

  release(n: number, count: number, nowMs: number): void {
    const node = this.nodes[n]!;
    if (!node.up) return; // a failed node's GPUs were already written off
    if (node.deploymentGpus < count) throw new Error(`release: node ${n} holds only ${node.deploymentGpus}`);
    node.deploymentGpus -= count;
    this.markIdle(n, nowMs);
  }

  addHolder(name: string, pool: number): number {
    this.holders.push({ name, pool, target: 0, held: 0, perNode: [], waitingSinceMs: -1 });
    return this.holders.length - 1;
  }

  /** Sets a holder's target; it takes only free GPUs. Returns how many it is short of its target. */
  setHolderTarget(h: number, target: number, nowMs: number): number {
    const holder = this.holders[h]!;
    holder.target = target;
    if (holder.held > target) this.holderRelease(holder, holder.held - target, nowMs);
    return this.topUp(h, nowMs);
  }

  /** Takes free GPUs toward the holder's target; returns the remaining shortfall (and waits for it). */
  topUp(h: number, nowMs: number): number {
    const holder = this.holders[h]!;
    let want = holder.target - holder.held;
    while (want > 0) {
      const n = this.fullestWithFree(holder.pool);
      if (n < 0) break;
      const take = Math.min(want, this.freeOn(n));
      holder.perNode[n] = (holder.perNode[n] ?? 0) + take;
      this.nodes[n]!.otherGpus += take;
      this.nodes[n]!.idleSinceMs = -1;
      holder.held += take;
      want -= take;
    }
    const short = holder.target - holder.held;
    if (short <= 0) holder.waitingSinceMs = -1;
    else if (holder.waitingSinceMs < 0) holder.waitingSinceMs = nowMs;
    return short;
  }

  private fullestWithFree(pool: number): number {
    let best = -1;
    let bestFree = Infinity;
    for (const n of this.pools[pool]!.nodes) {
      const free = this.freeOn(n);
      if (free > 0 && (free < bestFree || (free === bestFree && n > best))) {
        best = n;
        bestFree = free;
      }
    }
    return best;
  }

  private holderRelease(holder: Holder, count: number, nowMs: number): void {
    let left = count;
    while (left > 0) {
      // Give back first where the node can end up emptiest (free + held here), ties to the highest index.
      let pick = -1;
      let best = -1;
      for (let n = 0; n < holder.perNode.length; n++) {
        const held = holder.perNode[n] ?? 0;
        if (held > 0 && this.freeOn(n) + held >= best) {
          pick = n;
          best = this.freeOn(n) + held;
        }
      }
      if (pick < 0) break;
      const give = Math.min(left, holder.perNode[pick]!);
      holder.perNode[pick] = holder.perNode[pick]! - give;
      this.nodes[pick]!.otherGpus -= give;
      holder.held -= give;
      left -= give;
      this.markIdle(pick, nowMs);
    }
  }

  /** Takes a node down: every GPU on it is lost (holders lose theirs; the caller crashes instances). */
  failNode(n: number): void {
    const node = this.nodes[n]!;
    node.up = false;
    node.deploymentGpus = 0;
    for (const holder of this.holders) {
      holder.held -= holder.perNode[n] ?? 0;
      holder.perNode[n] = 0;
    }
    node.otherGpus = 0;
    node.failedGpus = 0;
  }

  repairNode(n: number, nowMs: number): void {
    const node = this.nodes[n]!;
    node.up = true;
    this.markIdle(n, nowMs);
  }

  /**
   * Fails one GPU chosen uniformly among the healthy GPUs of a pool. Returns what it hit: one of the
   * deployment's GPUs on a node (`offset` among them, in instance order: the caller finds which
   * instance), a holder's, or a free one.
   */
  failGpu(
    pool: number,
    rand: Uniform,
  ): { node: number; hit: 'deployment' | 'holder' | 'free'; offset: number } | null {
    const healthy = this.pools[pool]!.nodes.filter((n) => this.nodes[n]!.up && !this.nodes[n]!.provisioning);
    const total = healthy.reduce((s, n) => s + this.nodes[n]!.gpus - this.nodes[n]!.failedGpus, 0);
    if (total === 0) return null;
    let u = Math.floor(rand() * total);
    for (const n of healthy) {
      const node = this.nodes[n]!;
      const good = node.gpus - node.failedGpus;
      if (u >= good) {
        u -= good;
        continue;
      }
      node.failedGpus += 1;
      if (u < node.deploymentGpus) return { node: n, hit: 'deployment', offset: u };
      u -= node.deploymentGpus;
      if (u < node.otherGpus) {
        this.holderLosesGpu(n, u);
        return { node: n, hit: 'holder', offset: u };
      }
      return { node: n, hit: 'free', offset: u - node.otherGpus };
    }
    return null;
  }

  /** The instance on the failed GPU lost it: the node's deployment count drops, the GPU stays failed. */
  writeOffDeploymentGpu(n: number): void {
    this.nodes[n]!.deploymentGpus -= 1;
  }

  private holderLosesGpu(n: number, u: number): void {
    for (const holder of this.holders) {
      const h = holder.perNode[n] ?? 0;
      if (u < h) {
        holder.perNode[n] = h - 1;
        holder.held -= 1;
        this.nodes[n]!.otherGpus -= 1;
        return;
      }
      u -= h;
    }
  }

  repairGpu(n: number, nowMs: number): void {
    const node = this.nodes[n]!;
    if (node.failedGpus > 0) node.failedGpus -= 1;
    this.markIdle(n, nowMs);
  }

  /** Up, non-provisioning nodes of a pool, for failure draws. */
  upNodes(pool: number): number[] {
    return this.pools[pool]!.nodes.filter((n) => this.nodes[n]!.up && !this.nodes[n]!.provisioning);
  }

  addNode(pool: number, initial: boolean): number {
    const config = this.pools[pool]!.config;
    this.nodes.push({
      pool,
      gpus: config.gpusPerNode,
      initial,
      up: true,
      provisioning: !initial,
      removed: false,
      failedGpus: 0,
      deploymentGpus: 0,
      otherGpus: 0,
      idleSinceMs: -1,
    });
    const n = this.nodes.length - 1;
    this.pools[pool]!.nodes.push(n);
    return n;
  }

  /**
   * Adds nodes for pending instances (in order) that neither a free slot nor a node on its way can hold.
   * Returns the nodes added (now provisioning).
   */
  planScaleUp(pending: readonly { readonly gpuType: string; readonly count: number }[]): number[] {
    const incoming = new Map<number, number>(); // provisioning node -> GPUs not yet promised
    this.nodes.forEach((node, n) => {
      if (node.provisioning && !node.removed) incoming.set(n, node.gpus);
    });
    const added: number[] = [];
    for (const want of pending) {
      const promised = [...incoming].find(
        ([n, free]) => this.pools[this.nodes[n]!.pool]!.config.gpu === want.gpuType && free >= want.count,
      );
      if (promised) {
        incoming.set(promised[0], promised[1] - want.count);
        continue;
      }
      const p = this.pools.findIndex(
        (pool) =>
          pool.config.gpu === want.gpuType &&
          pool.config.gpusPerNode >= want.count &&
          this.liveNodeCount(pool) < pool.config.maxNodes,
      );
      if (p < 0) continue;
      const n = this.addNode(p, false);
      incoming.set(n, this.nodes[n]!.gpus - want.count);
      added.push(n);
    }
    return added;
  }

  private liveNodeCount(pool: Pool): number {
    return pool.nodes.filter((n) => !this.nodes[n]!.removed).length;
  }

  nodeProvisioned(n: number, nowMs: number): void {
    this.nodes[n]!.provisioning = false;
    this.markIdle(n, nowMs);
  }

  /** Removes added nodes that have been empty long enough; returns them. */
  scaleDownIdle(nowMs: number): number[] {
    const removed: number[] = [];
    this.nodes.forEach((node, n) => {
      if (node.initial || node.removed || node.idleSinceMs < 0) return;
      if (nowMs - node.idleSinceMs >= NODE_SCALE_DOWN_IDLE_MS) {
        node.removed = true;
        node.up = false;
        removed.push(n);
      }
    });
    return removed;
  }

  private markIdle(n: number, nowMs: number): void {
    const node = this.nodes[n]!;
    if (node.initial || !node.up || node.provisioning) return;
    const empty = node.deploymentGpus === 0 && node.otherGpus === 0;
    if (empty && node.idleSinceMs < 0) node.idleSinceMs = nowMs;
    if (!empty) node.idleSinceMs = -1;
  }

  usage(pool: number): PoolUsage {
    const u: PoolUsage = { deployment: 0, tenants: 0, free: 0, down: 0 };
    for (const n of this.pools[pool]!.nodes) {
      const node = this.nodes[n]!;
      if (node.removed || node.provisioning) continue;
      if (!node.up) {
        u.down += node.gpus;
        continue;
      }
      u.deployment += node.deploymentGpus;
      u.tenants += node.otherGpus;
      u.down += node.failedGpus;
      u.free += this.freeOn(n);
    }
    return u;
  }
}
