// A memtable's point-lookup index: partitions (numbers, as PartitionKeys reads them) by token, in
// an open-addressing hash table keyed on the token's double (Number(token)) with linear probing.
// A Map keyed on BigInt tokens cost about 0.6 us per lookup (BigInt hashing); this hashes the
// double's two 32-bit halves. Tokens above 2^53 share doubles with their neighbours, and distinct
// keys can share a token (a Murmur3 collision): the slot holds one partition and the rest chain
// through `next`, compared exactly. A slot's double and its first partition sit side by side (one
// cache line: a lookup in a table far larger than the cache misses once, not twice). Typed arrays
// only: nothing for the garbage collector to trace.
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
  /** Slot i: its double at 2i, its first partition at 2i + 1 (NONE: empty, and the double means nothing). */
  private slots: Float64Array;
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
    this.slots = new Float64Array(2 * slots).fill(NONE);
    this.mask = slots - 1;
  }

  /** The partition with this token and key, or -1. */
  get(token: bigint, key: Buffer): number {
    const approx = Number(token);
    const slots = this.slots;
    for (let i = hashOf(approx) & this.mask; ; i = (i + 1) & this.mask) {
      const head = slots[2 * i + 1]!;
      if (head === NONE) return NONE;
      if (slots[2 * i] !== approx) continue;
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
    if ((this.used + 1) * 2 > this.mask + 1) this.grow();
    if (this.place(id, tokenApproxOf(this.partitions, id), true)) this.used++;
  }

  /** Puts `id` in its slot (chained before the partitions there when `link`); true when the slot was empty. */
  private place(id: number, approx: number, link: boolean): boolean {
    const slots = this.slots;
    for (let i = hashOf(approx) & this.mask; ; i = (i + 1) & this.mask) {
      const head = slots[2 * i + 1]!;
      if (head === NONE) {
        slots[2 * i] = approx;
        slots[2 * i + 1] = id;
        return true;
      }
      if (link && slots[2 * i] === approx) {
        this.next[id] = head;
        slots[2 * i + 1] = id;
        return false;
      }
    }
  }

  private grow(): void {
    const old = this.slots;
    const size = old.length; // twice the slots, each two numbers
    this.slots = new Float64Array(2 * size).fill(NONE);
    this.mask = size - 1;
    // A chain moves as a whole: its head keeps the links.
    for (let i = 1; i < old.length; i += 2) {
      if (old[i] !== NONE) this.place(old[i]!, old[i - 1]!, false);
    }
  }
}
