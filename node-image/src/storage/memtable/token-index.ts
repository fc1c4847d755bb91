// A memtable's point-lookup index: partitions by token, in an open-addressing hash table keyed on
// the token's double (Number(token)) with linear probing. A Map keyed on BigInt tokens cost about
// 0.6 us per lookup (BigInt hashing); this hashes the double's two 32-bit halves. Tokens above
// 2^53 share doubles with their neighbours, and distinct keys can share a token (a Murmur3
// collision): the slot holds one partition and the rest chain through `next`, compared exactly.
// Insert-only, like the memtable (a truncate drops the whole memtable).
import { tokenLowOf } from '../sstable/partition-index.ts';

/** What the index holds: a partition's token (its double and low 32 bits), key and chain link. */
export interface TokenIndexed<V> {
  readonly tokenApprox: number;
  /** Unsigned low 32 bits: with the double, the exact token (two tokens with one double differ by less than 2^32). */
  readonly tokenLow: number;
  keyEquals(key: Buffer): boolean;
  /** Another partition in the same slot (same double). */
  sameSlot: V | null;
}

const INITIAL_SLOTS = 1024;
/** A size hint never allocates more slots than this up front (16 MiB of keys). */
const MAX_PRESIZED_SLOTS = 1 << 21;
const halves = new Float64Array(1);
const halvesInt = new Int32Array(halves.buffer);

function hashOf(approx: number): number {
  halves[0] = approx;
  let h = halvesInt[0]! ^ Math.imul(halvesInt[1]!, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

export class TokenIndex<V extends TokenIndexed<V>> {
  private keys: Float64Array;
  private values: Array<V | undefined>;
  private mask: number;
  /** Occupied slots (distinct doubles). */
  private used = 0;

  /** Sized so that `expected` partitions fit without growing (at most half the slots used). */
  constructor(expected = 0) {
    let slots = INITIAL_SLOTS;
    while (slots < expected * 2 && slots < MAX_PRESIZED_SLOTS) slots *= 2;
    this.keys = new Float64Array(slots);
    this.values = new Array<V | undefined>(slots).fill(undefined);
    this.mask = slots - 1;
  }

  /** The partition with this token and key, if any. */
  get(token: bigint, key: Buffer): V | undefined {
    const approx = Number(token);
    const keys = this.keys;
    const values = this.values;
    for (let i = hashOf(approx) & this.mask; ; i = (i + 1) & this.mask) {
      const head = values[i];
      if (head === undefined) return undefined;
      if (keys[i] !== approx) continue;
      const low = tokenLowOf(token);
      for (let p: V | null = head; p !== null; ) {
        if (p.tokenLow === low && p.keyEquals(key)) return p;
        p = p.sameSlot;
      }
      return undefined;
    }
  }

  /** Adds a partition that `get` does not find. */
  add(value: V): void {
    if ((this.used + 1) * 2 > this.values.length) this.grow();
    if (this.place(value)) this.used++;
  }

  /** Puts `value` in its slot; true when the slot was empty. */
  private place(value: V): boolean {
    const approx = value.tokenApprox;
    const keys = this.keys;
    const values = this.values;
    for (let i = hashOf(approx) & this.mask; ; i = (i + 1) & this.mask) {
      const head = values[i];
      if (head === undefined) {
        keys[i] = approx;
        values[i] = value;
        return true;
      }
      if (keys[i] === approx) {
        value.sameSlot = head;
        values[i] = value;
        return false;
      }
    }
  }

  private grow(): void {
    const old = this.values;
    const size = old.length * 2;
    this.keys = new Float64Array(size);
    this.values = new Array<V | undefined>(size).fill(undefined);
    this.mask = size - 1;
    for (const head of old) {
      if (head === undefined) continue;
      // The chain moves as a whole: its head keeps the links.
      const approx = head.tokenApprox;
      for (let i = hashOf(approx) & this.mask; ; i = (i + 1) & this.mask) {
        if (this.values[i] === undefined) {
          this.keys[i] = approx;
          this.values[i] = head;
          break;
        }
      }
    }
  }
}
