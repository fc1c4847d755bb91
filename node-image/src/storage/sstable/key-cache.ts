// The shard's key cache (Cassandra's key cache): (SSTable, partition token) -> where the partition
// is in Data, so a repeated lookup skips the partition index search and any Index.db scan. Typed
// arrays, 8-way set associative with CLOCK (second-chance) replacement inside a set: an entry is
// KEY_CACHE_ENTRY_BYTES, no objects. Keys are not stored: a hit is confirmed by the partition key
// at the Data offset (readers check it), and a mismatch (two keys sharing a token) is only a miss.
// Each SSTable reader registers a never-reused id; dropping it clears its entries.
import { assert } from '../../lib/index.ts';

/** Default bound (Cassandra: min(5% of heap, 100 MiB); shards share a node's budget). */
export const KEY_CACHE_BYTES_DEFAULT = 16 * 1024 * 1024;
/** Bytes per entry: token halves, SSTable id (12), four Float64 positions (32), the CLOCK bit (1). */
export const KEY_CACHE_ENTRY_BYTES = 45;
/** Entries per set (a power of two). */
export const KEY_CACHE_WAYS = 8;
/** Bound on SSTable ids handed out (ids are never reused; 2^31 readers). */
export const KEY_CACHE_SPACES_MAX = 0x7fffffff;

/** A registered SSTable's id (never 0: 0 marks an empty slot). */
export type KeyCacheSpace = number;

/** Where a partition is: what a cache hit yields (filled in place by `get`). */
export interface KeyCacheEntry {
  dataOffsetBytes: number;
  dataLengthBytes: number;
  rowIndexOffsetBytes: number;
  rowsOffsetBytes: number;
}

export interface CacheStats {
  readonly capacityBytes: number;
  readonly bytes: number;
  readonly entries: number;
  readonly hits: number;
  readonly requests: number;
}

/** `V` is kept for callers typing the cache by what their readers store; entries are positions. */
export class KeyCache<V = unknown> {
  readonly capacityBytes: number;
  private readonly setMask: number;
  private readonly space: Int32Array;
  private readonly high: Int32Array;
  private readonly low: Uint32Array;
  /** Per slot: data offset, data length, row index offset, rows offset. */
  private readonly positions: Float64Array;
  private readonly referenced: Uint8Array;
  /** Per set: the CLOCK hand. */
  private readonly hands: Uint8Array;
  private nextSpace = 1;
  private entries = 0;
  private hits = 0;
  private requests = 0;
  /** Phantom: ties the cache to its readers' entry type. */
  declare readonly valueType?: V;

  constructor(capacityBytes: number) {
    assert(capacityBytes >= 0, 'key cache capacity');
    this.capacityBytes = capacityBytes;
    const slots = Math.floor(capacityBytes / KEY_CACHE_ENTRY_BYTES);
    let sets = 1;
    while (sets * 2 * KEY_CACHE_WAYS <= slots) sets *= 2;
    if (slots < KEY_CACHE_WAYS) sets = 0;
    this.setMask = sets - 1;
    const n = sets * KEY_CACHE_WAYS;
    this.space = new Int32Array(n);
    this.high = new Int32Array(n);
    this.low = new Uint32Array(n);
    this.positions = new Float64Array(4 * n);
    this.referenced = new Uint8Array(n);
    this.hands = new Uint8Array(sets);
  }

  /** An id for a new SSTable reader. */
  register(): KeyCacheSpace {
    assert(this.nextSpace < KEY_CACHE_SPACES_MAX, 'key cache ids exhausted');
    return this.nextSpace++;
  }

  /** Fills `out` and returns true on a hit. */
  get(space: KeyCacheSpace, high: number, low: number, out: KeyCacheEntry): boolean {
    this.requests++;
    if (this.setMask < 0) return false;
    const first = this.setOf(space, high, low) * KEY_CACHE_WAYS;
    for (let s = first; s < first + KEY_CACHE_WAYS; s++) {
      if (this.space[s] === space && this.high[s] === high && this.low[s] === low) {
        this.referenced[s] = 1;
        const p = 4 * s;
        const positions = this.positions;
        out.dataOffsetBytes = positions[p]!;
        out.dataLengthBytes = positions[p + 1]!;
        out.rowIndexOffsetBytes = positions[p + 2]!;
        out.rowsOffsetBytes = positions[p + 3]!;
        this.hits++;
        return true;
      }
    }
    return false;
  }

  put(space: KeyCacheSpace, high: number, low: number, entry: KeyCacheEntry): void {
    if (this.setMask < 0) return;
    const set = this.setOf(space, high, low);
    const first = set * KEY_CACHE_WAYS;
    let slot = -1;
    for (let s = first; s < first + KEY_CACHE_WAYS; s++) {
      if (this.space[s] === space && this.high[s] === high && this.low[s] === low) {
        slot = s;
        break;
      }
      if (slot < 0 && this.space[s] === 0) slot = s;
    }
    if (slot < 0) {
      // CLOCK inside the set: a referenced entry gets a second chance (at most one round).
      let hand = this.hands[set]!;
      for (let i = 0; i < 2 * KEY_CACHE_WAYS; i++) {
        const s = first + hand;
        hand = (hand + 1) & (KEY_CACHE_WAYS - 1);
        if (this.referenced[s] === 0) {
          slot = s;
          break;
        }
        this.referenced[s] = 0;
      }
      this.hands[set] = hand;
      if (slot < 0) slot = first + hand;
    } else if (this.space[slot] === 0) {
      this.entries++;
    }
    this.space[slot] = space;
    this.high[slot] = high;
    this.low[slot] = low;
    this.referenced[slot] = 0;
    const p = 4 * slot;
    const positions = this.positions;
    positions[p] = entry.dataOffsetBytes;
    positions[p + 1] = entry.dataLengthBytes;
    positions[p + 2] = entry.rowIndexOffsetBytes;
    positions[p + 3] = entry.rowsOffsetBytes;
  }

  /** Forgets a closed SSTable's entries (one pass over the slots). */
  drop(space: KeyCacheSpace): void {
    const spaces = this.space;
    for (let s = 0; s < spaces.length; s++) {
      if (spaces[s] === space) {
        spaces[s] = 0;
        this.entries--;
      }
    }
  }

  stats(): CacheStats {
    return { capacityBytes: this.capacityBytes, bytes: this.entries * KEY_CACHE_ENTRY_BYTES, entries: this.entries, hits: this.hits, requests: this.requests };
  }

  private setOf(space: number, high: number, low: number): number {
    // Token bits are already uniform (Murmur3); mix in the SSTable id.
    return (Math.imul(low ^ Math.imul(space, 0x9e3779b1), 0x85ebca6b) ^ high) >>> 0 & this.setMask;
  }
}
