// The core of the shard's byte-bounded caches (chunk cache, key cache): values grouped in
// namespaces (a file, an SSTable) keyed by small integers, with CLOCK (second-chance) eviction
// over one ring. A hit only sets a flag; eviction gives flagged entries one more round. Keys stay
// small integers so map lookups hash fast, and dropping a namespace (a closed file) is O(1): its
// byte and entry totals leave the cache's at once, and the ring skips its entries (an entry is
// live while neither it is dead nor its namespace dropped).
import { assert } from '../../lib/index.ts';

/** Ring slots consumed before the ring is compacted (dead and moved entries dropped). */
const RING_COMPACT_MIN = 1024;

interface Entry<V> {
  readonly namespace: CacheNamespace<V>;
  readonly key: number;
  readonly value: V;
  readonly bytes: number;
  referenced: boolean;
  dead: boolean;
}

export class CacheNamespace<V> {
  /** @internal */
  readonly entries = new Map<number, Entry<V>>();
  /** @internal */
  dropped = false;
  /** @internal Bytes and count of its live entries. */
  bytes = 0;
  /** @internal */
  live = 0;
}

export class ClockCache<V> {
  readonly capacityBytes: number;
  /** Called with each value evicted for room (not for replaced or dropped ones). */
  private readonly onEvict: ((value: V) => void) | null;
  private ring: Array<Entry<V>> = [];
  private head = 0;
  private bytes = 0;
  private live = 0;

  constructor(capacityBytes: number, onEvict: ((value: V) => void) | null = null) {
    assert(capacityBytes >= 0, 'cache capacity');
    this.capacityBytes = capacityBytes;
    this.onEvict = onEvict;
  }

  get sizeBytes(): number {
    return this.bytes;
  }

  get entryCount(): number {
    return this.live;
  }

  namespace(): CacheNamespace<V> {
    return new CacheNamespace<V>();
  }

  get(namespace: CacheNamespace<V>, key: number): V | undefined {
    const entry = namespace.entries.get(key);
    if (entry === undefined) return undefined;
    entry.referenced = true;
    return entry.value;
  }

  put(namespace: CacheNamespace<V>, key: number, value: V, bytes: number): void {
    if (bytes > this.capacityBytes || namespace.dropped) return;
    const previous = namespace.entries.get(key);
    if (previous !== undefined) this.kill(previous);
    const entry: Entry<V> = { namespace, key, value, bytes, referenced: false, dead: false };
    namespace.entries.set(key, entry);
    this.ring.push(entry);
    this.bytes += bytes;
    this.live++;
    namespace.bytes += bytes;
    namespace.live++;
    while (this.bytes > this.capacityBytes) {
      const oldest = this.ring[this.head++]!;
      if (oldest.dead || oldest.namespace.dropped) continue;
      if (oldest.referenced && oldest !== entry) {
        oldest.referenced = false;
        this.ring.push(oldest);
      } else {
        oldest.namespace.entries.delete(oldest.key);
        this.kill(oldest);
        if (this.onEvict !== null) this.onEvict(oldest.value);
      }
    }
    if (this.head >= RING_COMPACT_MIN && this.head * 2 >= this.ring.length) this.compact();
  }

  /** Drops every entry of the namespace (a file closed, an SSTable gone): O(1), no pass over its entries. */
  drop(namespace: CacheNamespace<V>): void {
    if (namespace.dropped) return;
    namespace.dropped = true;
    this.bytes -= namespace.bytes;
    this.live -= namespace.live;
    namespace.bytes = 0;
    namespace.live = 0;
    namespace.entries.clear();
  }

  private kill(entry: Entry<V>): void {
    if (entry.dead) return;
    entry.dead = true;
    this.bytes -= entry.bytes;
    this.live--;
    entry.namespace.bytes -= entry.bytes;
    entry.namespace.live--;
  }

  private compact(): void {
    const kept: Array<Entry<V>> = [];
    const seen = new Set<Entry<V>>();
    for (let i = this.head; i < this.ring.length; i++) {
      const e = this.ring[i]!;
      if (!e.dead && !e.namespace.dropped && !seen.has(e)) {
        seen.add(e);
        kept.push(e);
      }
    }
    this.ring = kept;
    this.head = 0;
  }
}
