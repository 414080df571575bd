// The engine's instances, kept so that a step costs what it changes, not the size of the fleet.
//
// An `InstanceTable` is an immutable map from instance id to InstanceState that iterates in insertion
// order (as a Map does). The engine names instances `r<revision>-<seq>` with a sequence number that
// only grows, so insertion order is ascending `seq` order: the table keeps its entries in chunks of at
// most CHUNK entries sorted by seq, and finds an id by binary search. A step edits the table through
// an `InstanceTableBuilder`, which copies the list of chunks (about size / CHUNK pointers) and only
// the chunks it writes to, once each per step; everything else is shared with the previous state.
//
// The table also keeps its census (instances per revision that are live, available or terminating,
// and how many are ready) up to date on every write, so the rollout's arithmetic never scans the
// fleet. A map the table cannot hold in the same order (ids of another shape, or a new id that is not
// the highest) is left to the caller as a plain Map: `InstanceTable.from` returns null for it, and
// `InstanceTableBuilder.set` returns false.
import type { InstanceState } from './state.js';
import type { InstanceId } from './types.js';

const CHUNK = 64;

/** Counts over the instances (terminating ones apart). */
export interface InstanceCensus {
  /** Instances not on their way out, per revision. */
  readonly live: ReadonlyMap<number, number>;
  /** Available instances not on their way out, per revision. */
  readonly availableByRevision: ReadonlyMap<number, number>;
  /** Terminating instances, per revision. */
  readonly terminatingByRevision: ReadonlyMap<number, number>;
  readonly liveTotal: number;
  readonly available: number;
  readonly terminating: number;
  /** Instances not on their way out whose phase is `ready`. */
  readonly ready: number;
}

/** Entries sorted by seq (internal; exported for the builder's signature only). */
export interface Chunk {
  readonly seqs: number[];
  readonly items: InstanceState[];
}

/** The sequence number in an engine id `r<revision>-<seq>`, or -1 for an id of another shape. */
export function seqOf(id: InstanceId): number {
  const dash = id.lastIndexOf('-');
  if (dash < 2 || id.charCodeAt(0) !== 114 /* r */) return -1;
  for (let k = 1; k < dash; k++) if (!isDigit(id.charCodeAt(k))) return -1;
  if (dash === id.length - 1) return -1;
  let seq = 0;
  for (let k = dash + 1; k < id.length; k++) {
    const c = id.charCodeAt(k);
    if (!isDigit(c)) return -1;
    seq = seq * 10 + (c - 48);
  }
  // A leading zero would give two ids one number ("r1-07" and "r1-7").
  return (id.charCodeAt(dash + 1) === 48 && dash + 2 < id.length) || !Number.isSafeInteger(seq) ? -1 : seq;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Index of the chunk that holds (or would hold) `seq`: the first whose last seq is ≥ seq. */
function chunkIndex(chunks: readonly Chunk[], seq: number): number {
  let lo = 0;
  let hi = chunks.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const c = chunks[mid]!;
    if (c.seqs[c.seqs.length - 1]! < seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Position of `seq` in a chunk's sorted seqs, or -1. */
function slotOf(seqs: readonly number[], seq: number): number {
  let lo = 0;
  let hi = seqs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (seqs[mid]! < seq) lo = mid + 1;
    else hi = mid;
  }
  return lo < seqs.length && seqs[lo] === seq ? lo : -1;
}

function find(chunks: readonly Chunk[], id: InstanceId): InstanceState | undefined {
  const seq = seqOf(id);
  if (seq < 0) return undefined;
  const c = chunks[chunkIndex(chunks, seq)];
  if (c === undefined) return undefined;
  const slot = slotOf(c.seqs, seq);
  if (slot < 0) return undefined;
  const inst = c.items[slot]!;
  return inst.id === id ? inst : undefined;
}

function* iterate(chunks: readonly Chunk[]): IterableIterator<InstanceState> {
  for (const c of chunks) yield* c.items;
}

/** The census as mutable maps, for a builder to update. */
class Counts implements InstanceCensus {
  live: Map<number, number>;
  availableByRevision: Map<number, number>;
  terminatingByRevision: Map<number, number>;
  liveTotal: number;
  available: number;
  terminating: number;
  ready: number;

  constructor(from?: InstanceCensus) {
    this.live = new Map(from?.live);
    this.availableByRevision = new Map(from?.availableByRevision);
    this.terminatingByRevision = new Map(from?.terminatingByRevision);
    this.liveTotal = from?.liveTotal ?? 0;
    this.available = from?.available ?? 0;
    this.terminating = from?.terminating ?? 0;
    this.ready = from?.ready ?? 0;
  }

  /** Adds (`sign` 1) or takes away (`sign` -1) one instance's part in the counts. */
  count(i: InstanceState, sign: 1 | -1): void {
    if (i.terminating) {
      this.terminating += sign;
      bump(this.terminatingByRevision, i.revision, sign);
      return;
    }
    this.liveTotal += sign;
    bump(this.live, i.revision, sign);
    if (i.available) {
      this.available += sign;
      bump(this.availableByRevision, i.revision, sign);
    }
    if (i.phase === 'ready') this.ready += sign;
  }
}

function bump(m: Map<number, number>, key: number, by: number): void {
  const n = (m.get(key) ?? 0) + by;
  if (n === 0) m.delete(key);
  else m.set(key, n);
}

export class InstanceTable implements ReadonlyMap<InstanceId, InstanceState> {
  private constructor(
    private readonly chunks: readonly Chunk[],
    readonly size: number,
    readonly census: InstanceCensus,
  ) {}

  static readonly empty = new InstanceTable([], 0, new Counts());

  /** For the builder only. */
  static fromParts(chunks: readonly Chunk[], size: number, census: InstanceCensus): InstanceTable {
    return new InstanceTable(chunks, size, census);
  }

  /** The same map as a table, or null when its ids are not engine ids in ascending seq order. */
  static from(map: ReadonlyMap<InstanceId, InstanceState>): InstanceTable | null {
    if (map instanceof InstanceTable) return map;
    const b = InstanceTable.empty.edit();
    for (const inst of map.values()) if (!b.set(inst)) return null;
    return b.freeze();
  }

  /** A builder that starts from this table and shares what it does not change. */
  edit(): InstanceTableBuilder {
    return new InstanceTableBuilder(this.chunks, this.size, this.census);
  }

  get(id: InstanceId): InstanceState | undefined {
    return find(this.chunks, id);
  }

  has(id: InstanceId): boolean {
    return find(this.chunks, id) !== undefined;
  }

  values(): IterableIterator<InstanceState> {
    return iterate(this.chunks);
  }

  *keys(): IterableIterator<InstanceId> {
    for (const i of iterate(this.chunks)) yield i.id;
  }

  *entries(): IterableIterator<[InstanceId, InstanceState]> {
    for (const i of iterate(this.chunks)) yield [i.id, i];
  }

  [Symbol.iterator](): IterableIterator<[InstanceId, InstanceState]> {
    return this.entries();
  }

  forEach(
    fn: (value: InstanceState, key: InstanceId, map: ReadonlyMap<InstanceId, InstanceState>) => void,
    thisArg?: unknown,
  ): void {
    // Plain loops, not the generator: the rollout walks the fleet this way on every scale-down.
    for (const c of this.chunks) for (const i of c.items) fn.call(thisArg, i, i.id, this);
  }

  get [Symbol.toStringTag](): string {
    return 'InstanceTable';
  }

  /** As JSON: an object of the instances by id, in iteration order (what a Map would give). */
  toJSON(): Record<InstanceId, InstanceState> {
    return Object.fromEntries(this.entries());
  }
}

/** One step's working copy of a table: copies a chunk the first time it writes to it. */
export class InstanceTableBuilder implements ReadonlyMap<InstanceId, InstanceState> {
  private chunks: Chunk[] | null = null;
  private readonly owned = new Set<Chunk>();
  private counts: Counts | null = null;

  constructor(
    private readonly base: readonly Chunk[],
    public size: number,
    private readonly baseCensus: InstanceCensus,
  ) {}

  get census(): InstanceCensus {
    return this.counts ?? this.baseCensus;
  }

  private get current(): readonly Chunk[] {
    return this.chunks ?? this.base;
  }

  private writable(): { chunks: Chunk[]; counts: Counts } {
    this.chunks ??= [...this.base];
    this.counts ??= new Counts(this.baseCensus);
    return { chunks: this.chunks, counts: this.counts };
  }

  /** The chunk at `k`, this builder's own copy. */
  private own(chunks: Chunk[], k: number): Chunk {
    const c = chunks[k]!;
    if (this.owned.has(c)) return c;
    const copy: Chunk = { seqs: [...c.seqs], items: [...c.items] };
    this.owned.add(copy);
    chunks[k] = copy;
    return copy;
  }

  /**
   * Puts `inst` in, replacing the instance of the same id in place or adding it at the end. Returns
   * false (and changes nothing) when the table cannot keep a Map's order for it: an id that is not an
   * engine id, or a new id whose seq is not above every seq in the table.
   */
  set(inst: InstanceState): boolean {
    const seq = seqOf(inst.id);
    if (seq < 0) return false;
    const cur = this.current;
    const k = chunkIndex(cur, seq);
    const at = cur[k];
    const slot = at === undefined ? -1 : slotOf(at.seqs, seq);
    if (slot >= 0) {
      const old = at!.items[slot]!;
      if (old.id !== inst.id) return false;
      const { chunks, counts } = this.writable();
      const c = this.own(chunks, k);
      counts.count(old, -1);
      c.items[slot] = inst;
      counts.count(inst, 1);
      return true;
    }
    if (k < cur.length) return false; // new, but not the highest seq: a Map would put it last
    const { chunks, counts } = this.writable();
    const lastIndex = chunks.length - 1;
    if (lastIndex >= 0 && chunks[lastIndex]!.seqs.length < CHUNK) {
      const c = this.own(chunks, lastIndex);
      c.seqs.push(seq);
      c.items.push(inst);
    } else {
      const c: Chunk = { seqs: [seq], items: [inst] };
      this.owned.add(c);
      chunks.push(c);
    }
    counts.count(inst, 1);
    this.size++;
    return true;
  }

  delete(id: InstanceId): boolean {
    const seq = seqOf(id);
    if (seq < 0) return false;
    const cur = this.current;
    const k = chunkIndex(cur, seq);
    const at = cur[k];
    const slot = at === undefined ? -1 : slotOf(at.seqs, seq);
    if (slot < 0 || at!.items[slot]!.id !== id) return false;
    const { chunks, counts } = this.writable();
    const c = this.own(chunks, k);
    counts.count(c.items[slot]!, -1);
    c.seqs.splice(slot, 1);
    c.items.splice(slot, 1);
    this.size--;
    if (c.seqs.length === 0) {
      chunks.splice(k, 1);
      return true;
    }
    // Keep chunks from thinning out: a small chunk joins its neighbour when both fit in half a chunk.
    if (k > 0 && chunks[k - 1]!.seqs.length + c.seqs.length <= CHUNK / 2) {
      const before = this.own(chunks, k - 1);
      before.seqs.push(...c.seqs);
      before.items.push(...c.items);
      chunks.splice(k, 1);
    } else if (k + 1 < chunks.length && c.seqs.length + chunks[k + 1]!.seqs.length <= CHUNK / 2) {
      const next = chunks[k + 1]!;
      c.seqs.push(...next.seqs);
      c.items.push(...next.items);
      chunks.splice(k + 1, 1);
    }
    return true;
  }

  /** The table as it is now; the builder must not be used after. */
  freeze(): InstanceTable {
    if (this.chunks === null) return InstanceTable.fromParts(this.base, this.size, this.baseCensus);
    return InstanceTable.fromParts(this.chunks, this.size, this.counts!);
  }

  get(id: InstanceId): InstanceState | undefined {
    return find(this.current, id);
  }

  has(id: InstanceId): boolean {
    return find(this.current, id) !== undefined;
  }

  values(): IterableIterator<InstanceState> {
    return iterate(this.current);
  }

  *keys(): IterableIterator<InstanceId> {
    for (const i of iterate(this.current)) yield i.id;
  }

  *entries(): IterableIterator<[InstanceId, InstanceState]> {
    for (const i of iterate(this.current)) yield [i.id, i];
  }

  [Symbol.iterator](): IterableIterator<[InstanceId, InstanceState]> {
    return this.entries();
  }

  forEach(
    fn: (value: InstanceState, key: InstanceId, map: ReadonlyMap<InstanceId, InstanceState>) => void,
    thisArg?: unknown,
  ): void {
    // Plain loops, not the generator: the rollout walks the fleet this way on every scale-down.
    for (const c of this.current) for (const i of c.items) fn.call(thisArg, i, i.id, this);
  }

  get [Symbol.toStringTag](): string {
    return 'InstanceTableBuilder';
  }
}
