// A shard's cache of verified (and decompressed) SSTable chunks (Cassandra's chunk cache),
// bounded in bytes with CLOCK eviction (cache/clock-cache.ts). Chunks are checksum-verified
// before they enter, so a hit skips the read, the CRC and the decompression. A file registers
// once and gets a namespace; its chunks are keyed by index and all dropped when it is closed.
// A recycling cache (the shard's shared one) reuses the buffers of evicted chunks for later loads,
// so steady-state reads allocate no chunk memory (no external-memory growth, hence no major GCs
// and no page faults on fresh memory). Its invariant: a view of a cached chunk is valid only until
// the next chunk load through the cache; whatever outlives that is copied (ChunkedFileReader.readStable).
// It also carries the shard's partition-index budget, which every reader of the shard shares.
import { ClockCache } from '../cache/clock-cache.ts';
import type { CacheNamespace } from '../cache/clock-cache.ts';
import { PartitionIndexBudget } from './partition-index-budget.ts';
import type { PartitionIndexStats } from './partition-index-budget.ts';

/**
 * Default bound of one shard's chunk cache (Cassandra: file_cache_size = min(1/4 heap, 512 MiB)).
 * 32 MiB held a tenth of a million-row stress table and most point reads missed.
 */
export const CHUNK_CACHE_BYTES_DEFAULT = 128 * 1024 * 1024;
/** Evicted buffers kept for reuse per buffer size (a load takes one, an eviction returns one). */
export const CHUNK_FREE_BUFFERS_MAX = 64;
/**
 * New chunk buffers are carved from stores of this size (one per size, cut into equal slots): a
 * native allocation per chunk cost 20-30 us while the cache filled (the collector accounts for
 * each external allocation, and fresh pages fault in), against a slot of a store allocated once
 * per 256 chunks.
 */
export const CHUNK_STORE_BYTES = 1024 * 1024;

export type ChunkCacheFile = CacheNamespace<Buffer>;

export class ChunkCache {
  readonly capacityBytes: number;
  /** Evicted chunk buffers are reused (see the header for the invariant this needs). */
  readonly recycles: boolean;
  /**
   * Bumped whenever a buffer becomes reusable: a reader that kept a chunk reference across loads
   * checks it is unchanged before using the chunk again without a lookup.
   */
  recycleEpoch = 0;
  /** The in-memory partition indexes' budget of the readers sharing this cache (index_summary_capacity). */
  readonly indexBudget: PartitionIndexBudget;
  private readonly cache: ClockCache<Buffer>;
  /** Backing stores this cache allocated, with the length of their slots (only those are ever reused). */
  private readonly owned = new WeakMap<ArrayBufferLike, number>();
  /** Reusable slots by byte length, as buffers of the whole slot. */
  private readonly free = new Map<number, Buffer[]>();
  /** Per slot length: the store being carved and its next free offset. */
  private readonly carving = new Map<number, { store: ArrayBuffer; next: number }>();
  private hitCount = 0;
  private missCount = 0;

  constructor(capacityBytes: number, options: { recycle?: boolean; indexSummaryCapacityBytes?: number } = {}) {
    this.capacityBytes = capacityBytes;
    this.indexBudget = new PartitionIndexBudget(options.indexSummaryCapacityBytes);
    this.recycles = options.recycle ?? true;
    this.cache = new ClockCache<Buffer>(capacityBytes, this.recycles ? (chunk) => this.release(chunk) : null);
  }

  /** A namespace for a file whose chunks will be cached. */
  registerFile(): ChunkCacheFile {
    return this.cache.namespace();
  }

  get(file: ChunkCacheFile, chunkIndex: number): Buffer | undefined {
    const chunk = this.cache.get(file, chunkIndex);
    if (chunk === undefined) this.missCount++;
    else this.hitCount++;
    return chunk;
  }

  put(file: ChunkCacheFile, chunkIndex: number, chunk: Buffer): void {
    this.cache.put(file, chunkIndex, chunk, chunk.length);
  }

  /**
   * A buffer of `sizeBytes` to load a chunk into: a reused one when the cache recycles and has
   * one of that size, else a new one (never from Node's shared pool, so it can be reused whole).
   */
  allocate(sizeBytes: number): Buffer {
    if (!this.recycles) return Buffer.allocUnsafe(sizeBytes);
    const reused = this.free.get(sizeBytes)?.pop();
    if (reused !== undefined) return reused;
    if (sizeBytes * 4 > CHUNK_STORE_BYTES) {
      const buffer = Buffer.allocUnsafeSlow(sizeBytes);
      this.owned.set(buffer.buffer, sizeBytes);
      return buffer;
    }
    let carving = this.carving.get(sizeBytes);
    if (carving === undefined || carving.next + sizeBytes > carving.store.byteLength) {
      const store = new ArrayBuffer(Math.floor(CHUNK_STORE_BYTES / sizeBytes) * sizeBytes);
      this.owned.set(store, sizeBytes);
      carving = { store, next: 0 };
      this.carving.set(sizeBytes, carving);
    }
    const buffer = Buffer.from(carving.store, carving.next, sizeBytes);
    carving.next += sizeBytes;
    return buffer;
  }

  /**
   * Hands back a buffer from `allocate` (or a view starting where one starts) that nothing
   * references any more.
   */
  release(chunk: Buffer): void {
    const store = chunk.buffer;
    const slot = this.owned.get(store);
    if (slot === undefined) return;
    this.recycleEpoch++;
    let list = this.free.get(slot);
    if (list === undefined) {
      list = [];
      this.free.set(slot, list);
    }
    if (list.length < CHUNK_FREE_BUFFERS_MAX) list.push(chunk.length === slot ? chunk : Buffer.from(store, chunk.byteOffset, slot));
  }

  /** Drops every chunk of a file (closed or deleted). */
  evictFile(file: ChunkCacheFile): void {
    this.cache.drop(file);
  }

  /** Chunk counters, and the partition-index budget's (it rides on this cache, so cache stats show it). */
  stats(): { bytes: number; chunks: number; hits: number; misses: number; partitionIndex: PartitionIndexStats } {
    return { bytes: this.cache.sizeBytes, chunks: this.cache.entryCount, hits: this.hitCount, misses: this.missCount, partitionIndex: this.indexBudget.stats() };
  }
}
