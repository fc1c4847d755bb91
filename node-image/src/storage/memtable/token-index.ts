// A memtable's point-lookup index: partitions (numbers, as PartitionKeys reads them) by token, in
// an open-addressing hash table keyed on the token's double (Number(token)) with linear probing.
// A Map keyed on BigInt tokens cost about 0.6 us per lookup (BigInt hashing); this hashes the
// double's two 32-bit halves. Tokens above 2^53 share doubles with their neighbours, and distinct
// keys can share a token (a Murmur3 collision): the slot holds one partition and the rest chain
// through `next`, compared exactly. Typed arrays only: nothing for the garbage collector to trace.
// Insert-only, like the memtable (a truncate drops the whole memtable).
import { tokenLowOf } from '../sstable/partition-index.ts';
import { tokenApproxOf } from './partition-runs.ts';
import type { PartitionKeys } from './partition-runs.ts';

const INITIAL_SLOTS = 1024;
/** A size hint never allocates more slots than this up front (16 MiB of keys). */
const MAX_PRESIZED_SLOTS = 1 << 21;
const NONE = -1;
const halves = new Float64Array(1);
const halvesInt = new Int32Array(halves.buffer);

function hashOf(approx: number): number {
  halves[0] = approx;
  let h = halvesInt[0]! ^ Math.imul(halvesInt[1]!, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

export class TokenIndex {
  private readonly partitions: PartitionKeys<unknown>;
  /** Each slot's double; meaningful where `heads` is not NONE. */
  private approxes: Float64Array;
  /** Each slot's first partition (NONE: empty). */
  private heads: Int32Array;
  /** Per partition: the next one in its slot (same double), or NONE. */
  private next = new Int32Array(INITIAL_SLOTS).fill(NONE);
  private mask: number;
  /** Occupied slots (distinct doubles). */
  private used = 0;

  /** Sized so that `expected` partitions fit without growing (at most half the slots used). */
  constructor(partitions: PartitionKeys<unknown>, expected = 0) {
    this.partitions = partitions;
    let slots = INITIAL_SLOTS;
    while (slots < expected * 2 && slots < MAX_PRESIZED_SLOTS) slots *= 2;
    this.approxes = new Float64Array(slots);
    this.heads = new Int32Array(slots).fill(NONE);
    this.mask = slots - 1;
  }

  /** The partition with this token and key, or -1. */
  get(token: bigint, key: Buffer): number {
    const approx = Number(token);
    const approxes = this.approxes;
    const heads = this.heads;
    for (let i = hashOf(approx) & this.mask; ; i = (i + 1) & this.mask) {
      const head = heads[i]!;
      if (head === NONE) return NONE;
      if (approxes[i] !== approx) continue;
      // One double and one low half: one token (two tokens sharing a double differ by less than 2^32).
      const low = tokenLowOf(token);
      const partitions = this.partitions;
      for (let p = head; p !== NONE; p = this.next[p]!) {
        if (partitions.tokenLow(p) === low && partitions.keyEquals(p, key)) return p;
      }
      return NONE;
    }
  }

  /** Adds partition `id` (numbers are given out in order, from 0), which `get` does not find. */
  add(id: number): void {
    if (id >= this.next.length) {
      const grown = new Int32Array(Math.max(id + 1, this.next.length * 2)).fill(NONE);
      grown.set(this.next);
      this.next = grown;
    }
    if ((this.used + 1) * 2 > this.heads.length) this.grow();
    if (this.place(id, tokenApproxOf(this.partitions, id), true)) this.used++;
  }

  /** Puts `id` in its slot (chained before the partitions there when `link`); true when the slot was empty. */
  private place(id: number, approx: number, link: boolean): boolean {
    const approxes = this.approxes;
    const heads = this.heads;
    for (let i = hashOf(approx) & this.mask; ; i = (i + 1) & this.mask) {
      const head = heads[i]!;
      if (head === NONE) {
        approxes[i] = approx;
        heads[i] = id;
        return true;
      }
      if (link && approxes[i] === approx) {
        this.next[id] = head;
        heads[i] = id;
        return false;
      }
    }
  }

  private grow(): void {
    const oldHeads = this.heads;
    const oldApproxes = this.approxes;
    const size = oldHeads.length * 2;
    this.approxes = new Float64Array(size);
    this.heads = new Int32Array(size).fill(NONE);
    this.mask = size - 1;
    // A chain moves as a whole: its head keeps the links.
    for (let i = 0; i < oldHeads.length; i++) {
      if (oldHeads[i] !== NONE) this.place(oldHeads[i]!, oldApproxes[i]!, false);
    }
  }
}
