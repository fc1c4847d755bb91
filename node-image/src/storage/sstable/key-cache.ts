// The shard's key cache (Cassandra's key cache): (SSTable, partition key) -> index entry, so a
// repeated lookup skips the summary search and the index scan. Bounded in bytes, CLOCK eviction.
// The map key is a number mixing the reader's id and the token's low half; an entry stores its
// reader id, token and key and is checked on every hit, so a collision is only a miss. Entries
// of a closed reader are never hit again and age out (they hold no reference to the reader).
import { assert } from '../../lib/index.ts';

/** Default bound (Cassandra: min(5% of heap, 100 MiB); shards share a node's budget). */
export const KEY_CACHE_BYTES_DEFAULT = 16 * 1024 * 1024;
/** Approximate heap cost of one entry beyond its key bytes. */
export const KEY_CACHE_ENTRY_OVERHEAD_BYTES = 160;
/** Reader ids are folded into this many values in the map key (2^21 x 2^32 < 2^53). */
const READER_ID_SLOTS = 2 ** 21;

export interface KeyCacheOwner {
  readonly cacheId: number;
}

interface Slot<V> {
  readonly ownerId: number;
  readonly token: bigint;
  readonly key: Buffer;
  readonly value: V;
  readonly bytes: number;
  referenced: boolean;
}

export interface CacheStats {
  readonly capacityBytes: number;
  readonly bytes: number;
  readonly entries: number;
  readonly hits: number;
  readonly requests: number;
}

export class KeyCache<V = unknown> {
  readonly capacityBytes: number;
  private readonly slots = new Map<number, Slot<V>>();
  private bytes = 0;
  private hits = 0;
  private requests = 0;
  private nextOwnerId = 1;

  constructor(capacityBytes: number) {
    assert(capacityBytes >= 0, 'key cache capacity');
    this.capacityBytes = capacityBytes;
  }

  /** An id for a new SSTable reader. */
  newOwnerId(): number {
    return this.nextOwnerId++;
  }

  get(owner: KeyCacheOwner, token: bigint, key: Buffer): V | undefined {
    if (this.capacityBytes === 0) return undefined;
    this.requests++;
    const slot = this.slots.get(slotKey(owner, token));
    if (slot === undefined || slot.ownerId !== owner.cacheId || slot.token !== token || !slot.key.equals(key)) return undefined;
    slot.referenced = true;
    this.hits++;
    return slot.value;
  }

  put(owner: KeyCacheOwner, token: bigint, key: Buffer, value: V): void {
    const bytes = KEY_CACHE_ENTRY_OVERHEAD_BYTES + key.length;
    if (bytes > this.capacityBytes) return;
    const k = slotKey(owner, token);
    const previous = this.slots.get(k);
    if (previous !== undefined) {
      this.bytes -= previous.bytes;
      this.slots.delete(k);
    }
    this.slots.set(k, { ownerId: owner.cacheId, token, key, value, bytes, referenced: false });
    this.bytes += bytes;
    // Each entry gets at most one second chance, so this ends within two passes.
    while (this.bytes > this.capacityBytes) {
      const [oldestKey, oldest] = this.slots.entries().next().value!;
      this.slots.delete(oldestKey);
      if (oldest.referenced && oldestKey !== k) {
        oldest.referenced = false;
        this.slots.set(oldestKey, oldest);
      } else {
        this.bytes -= oldest.bytes;
      }
    }
  }

  stats(): CacheStats {
    return { capacityBytes: this.capacityBytes, bytes: this.bytes, entries: this.slots.size, hits: this.hits, requests: this.requests };
  }
}

function slotKey(owner: KeyCacheOwner, token: bigint): number {
  // Low 32 bits of the token; the owner check on a hit resolves any collision.
  const low = Number(BigInt.asUintN(32, token));
  return (owner.cacheId % READER_ID_SLOTS) * 2 ** 32 + low;
}
