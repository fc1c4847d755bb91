// The shard's row cache (Cassandra's row cache, off by default): whole merged partitions, or the
// head of a partition (`caching = {'rows_per_partition': N}`), as every source holds them merged
// (shadowed data removed, deletions kept), so a hit answers a read without touching memtables or
// SSTables. Filled on read, invalidated by any write to the partition, bounded in bytes (CLOCK).
import { assert } from '../../lib/index.ts';
import type { ReadPartition, Row } from '../model.ts';
import { detachRow, rowSizeBytes } from '../memtable/memtable.ts';
import type { CacheStats } from '../sstable/key-cache.ts';

/** Approximate heap cost of one entry beyond its rows. */
export const ROW_CACHE_ENTRY_OVERHEAD_BYTES = 256;
/** A partition larger than this fraction of the cache is not cached. */
export const ROW_CACHE_ENTRY_FRACTION_MAX = 1 / 8;

export interface CachedPartition {
  /** Merged contents in clustering order; null: the partition has nothing (cached absence). */
  readonly partition: ReadPartition | null;
  /** False when only the head (the first rows_per_partition live rows) is held. */
  readonly complete: boolean;
}

interface Slot {
  readonly value: CachedPartition;
  readonly bytes: number;
  referenced: boolean;
}

export class RowCache {
  readonly capacityBytes: number;
  private readonly slots = new Map<string, Slot>();
  private bytes = 0;
  private hits = 0;
  private requests = 0;

  constructor(capacityBytes: number) {
    assert(capacityBytes >= 0, 'row cache capacity');
    this.capacityBytes = capacityBytes;
  }

  get enabled(): boolean {
    return this.capacityBytes > 0;
  }

  get(tableId: string, key: Buffer): CachedPartition | undefined {
    this.requests++;
    const slot = this.slots.get(slotKey(tableId, key));
    if (slot === undefined) return undefined;
    slot.referenced = true;
    this.hits++;
    return slot.value;
  }

  put(tableId: string, key: Buffer, cached: CachedPartition): void {
    // Rows read from a memtable hold views of its slabs: an entry must not keep those alive.
    const value = cached.partition === null ? cached : { partition: detachPartition(cached.partition), complete: cached.complete };
    const bytes = ROW_CACHE_ENTRY_OVERHEAD_BYTES + key.length + partitionBytes(value.partition);
    if (bytes > this.capacityBytes * ROW_CACHE_ENTRY_FRACTION_MAX) return;
    const k = slotKey(tableId, key);
    this.remove(k);
    this.slots.set(k, { value, bytes, referenced: false });
    this.bytes += bytes;
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

  invalidate(tableId: string, key: Buffer): void {
    if (this.slots.size > 0) this.remove(slotKey(tableId, key));
  }

  invalidateTable(tableId: string): void {
    const prefix = `${tableId}:`;
    for (const k of [...this.slots.keys()]) if (k.startsWith(prefix)) this.remove(k);
  }

  stats(): CacheStats {
    return { capacityBytes: this.capacityBytes, bytes: this.bytes, entries: this.slots.size, hits: this.hits, requests: this.requests };
  }

  private remove(k: string): void {
    const slot = this.slots.get(k);
    if (slot === undefined) return;
    this.slots.delete(k);
    this.bytes -= slot.bytes;
  }
}

function slotKey(tableId: string, key: Buffer): string {
  // latin1 maps each byte to one char: an exact, cheap string form of the key.
  return `${tableId}:${key.toString('latin1')}`;
}

function detachPartition(p: ReadPartition): ReadPartition {
  const staticRow = p.staticRow === null ? null : detachRow(p.staticRow);
  let rows = p.rows;
  for (let i = 0; i < rows.length; i++) {
    const row = detachRow(rows[i]!);
    if (row === rows[i]) continue;
    if (rows === p.rows) rows = rows.slice();
    (rows as Row[])[i] = row;
  }
  return staticRow === p.staticRow && rows === p.rows ? p : { ...p, staticRow, rows };
}

function partitionBytes(p: ReadPartition | null): number {
  if (p === null) return 0;
  let n = 0;
  if (p.staticRow !== null) n += rowSizeBytes(p.staticRow);
  for (const r of p.rows) n += rowSizeBytes(r);
  n += p.rangeTombstones.length * 120;
  return n;
}
