// A shard's cache of verified (and decompressed) SSTable chunks (Cassandra's chunk cache),
// bounded in bytes with CLOCK eviction (cache/clock-cache.ts). Chunks are checksum-verified
// before they enter, so a hit skips the read, the CRC and the decompression. A file registers
// once and gets a namespace; its chunks are keyed by index and all dropped when it is closed.
import { ClockCache } from '../cache/clock-cache.ts';
import type { CacheNamespace } from '../cache/clock-cache.ts';

/** Default bound of one shard's chunk cache. */
export const CHUNK_CACHE_BYTES_DEFAULT = 32 * 1024 * 1024;

export type ChunkCacheFile = CacheNamespace<Buffer>;

export class ChunkCache {
  readonly capacityBytes: number;
  private readonly cache: ClockCache<Buffer>;
  private hitCount = 0;
  private missCount = 0;

  constructor(capacityBytes: number) {
    this.capacityBytes = capacityBytes;
    this.cache = new ClockCache<Buffer>(capacityBytes);
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

  /** Drops every chunk of a file (closed or deleted). */
  evictFile(file: ChunkCacheFile): void {
    this.cache.drop(file);
  }

  stats(): { bytes: number; chunks: number; hits: number; misses: number } {
    return { bytes: this.cache.sizeBytes, chunks: this.cache.entryCount, hits: this.hitCount, misses: this.missCount };
  }
}
