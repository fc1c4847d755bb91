// Prepared statements by id, bounded, looked up on every EXECUTE without allocating: ids (MD5
// digests) are bucketed by their first 32 bits and compared bytewise, and recency is a reference
// bit (CLOCK, second-chance eviction) instead of moving a Map entry on each hit. Invariants: at
// most `capacity` entries; an id maps to at most one entry; eviction skips an entry used since the
// hand last passed it, so hot statements survive a burst of one-off prepares.
import { assert } from '../lib/index.ts';

export interface PreparedCacheEntry {
  readonly id: Buffer;
}

interface Slot<E> {
  readonly entry: E;
  referenced: boolean;
}

export class PreparedCache<E extends PreparedCacheEntry> {
  private readonly capacity: number;
  /** First 32 bits of the id -> the slots with that prefix (almost always one). */
  private readonly buckets = new Map<number, Array<Slot<E>>>();
  /** Every slot in insertion order; the clock hand walks it from the front. */
  private ring: Array<Slot<E>> = [];
  private hand = 0;

  constructor(capacity: number) {
    assert(Number.isInteger(capacity) && capacity > 0, `prepared cache capacity ${capacity}`);
    this.capacity = capacity;
  }

  get size(): number {
    return this.ring.length;
  }

  get(id: Buffer): E | undefined {
    const bucket = this.buckets.get(prefixOf(id));
    if (bucket === undefined) return undefined;
    for (let i = 0; i < bucket.length; i++) {
      const slot = bucket[i]!;
      if (slot.entry.id.equals(id)) {
        slot.referenced = true;
        return slot.entry;
      }
    }
    return undefined;
  }

  /** Stores `entry`, replacing an entry with the same id; evicts one when full. */
  set(entry: E): void {
    const prefix = prefixOf(entry.id);
    let bucket = this.buckets.get(prefix);
    if (bucket !== undefined) {
      const at = bucket.findIndex((s) => s.entry.id.equals(entry.id));
      if (at >= 0) {
        const replaced = bucket[at]!;
        const slot: Slot<E> = { entry, referenced: true };
        bucket[at] = slot;
        this.ring[this.ring.indexOf(replaced)] = slot;
        return;
      }
    }
    if (this.ring.length >= this.capacity) this.evictOne();
    bucket = this.buckets.get(prefix);
    if (bucket === undefined) {
      bucket = [];
      this.buckets.set(prefix, bucket);
    }
    const slot: Slot<E> = { entry, referenced: false };
    bucket.push(slot);
    this.ring.push(slot);
  }

  /** Second chance: clears reference bits until it finds an unreferenced slot (at most two laps). */
  private evictOne(): void {
    const ring = this.ring;
    for (let steps = 0; steps <= 2 * ring.length; steps++) {
      if (this.hand >= ring.length) this.hand = 0;
      const slot = ring[this.hand]!;
      if (slot.referenced) {
        slot.referenced = false;
        this.hand++;
        continue;
      }
      ring.splice(this.hand, 1);
      const prefix = prefixOf(slot.entry.id);
      const bucket = this.buckets.get(prefix)!;
      bucket.splice(bucket.indexOf(slot), 1);
      if (bucket.length === 0) this.buckets.delete(prefix);
      return;
    }
    assert(false, 'prepared cache eviction found no slot');
  }
}

function prefixOf(id: Buffer): number {
  if (id.length >= 4) return id.readUInt32LE(0);
  let prefix = 0;
  for (let i = 0; i < id.length; i++) prefix = (prefix << 8) | id[i]!;
  return prefix;
}
