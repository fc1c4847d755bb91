// The shard's key cache (Cassandra's key cache): (SSTable, partition key) -> index entry, so a
// repeated lookup skips the summary search and the index scan. Bounded in bytes, CLOCK eviction
// (cache/clock-cache.ts). Each SSTable reader owns a namespace, dropped when it closes; inside it
// entries are keyed by 30 bits of the token (small integers hash fast) and carry their token and
// key, checked on every hit, so a collision is only a miss.
import { ClockCache } from '../cache/clock-cache.ts';
import type { CacheNamespace } from '../cache/clock-cache.ts';

/** Default bound (Cassandra: min(5% of heap, 100 MiB); shards share a node's budget). */
export const KEY_CACHE_BYTES_DEFAULT = 16 * 1024 * 1024;
/** Approximate heap cost of one entry beyond its key bytes. */
export const KEY_CACHE_ENTRY_OVERHEAD_BYTES = 160;

interface Slot<V> {
  readonly token: bigint;
  readonly key: Buffer;
  readonly value: V;
}

export type KeyCacheSpace<V> = CacheNamespace<Slot<V>>;

export interface CacheStats {
  readonly capacityBytes: number;
  readonly bytes: number;
  readonly entries: number;
  readonly hits: number;
  readonly requests: number;
}

export class KeyCache<V = unknown> {
  readonly capacityBytes: number;
  private readonly cache: ClockCache<Slot<V>>;
  private hits = 0;
  private requests = 0;

  constructor(capacityBytes: number) {
    this.capacityBytes = capacityBytes;
    this.cache = new ClockCache<Slot<V>>(capacityBytes);
  }

  /** A namespace for a new SSTable reader. */
  register(): KeyCacheSpace<V> {
    return this.cache.namespace();
  }

  get(space: KeyCacheSpace<V>, token: bigint, tokenLow: number, key: Buffer): V | undefined {
    this.requests++;
    const slot = this.cache.get(space, tokenLow >>> 2);
    if (slot === undefined || slot.token !== token || !slot.key.equals(key)) return undefined;
    this.hits++;
    return slot.value;
  }

  put(space: KeyCacheSpace<V>, token: bigint, tokenLow: number, key: Buffer, value: V): void {
    this.cache.put(space, tokenLow >>> 2, { token, key, value }, KEY_CACHE_ENTRY_OVERHEAD_BYTES + key.length);
  }

  /** Forgets a closed SSTable's entries. */
  drop(space: KeyCacheSpace<V>): void {
    this.cache.drop(space);
  }

  stats(): CacheStats {
    return { capacityBytes: this.capacityBytes, bytes: this.cache.sizeBytes, entries: this.cache.entryCount, hits: this.hits, requests: this.requests };
  }
}
