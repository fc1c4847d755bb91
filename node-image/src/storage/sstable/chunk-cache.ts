// A shard's cache of verified SSTable chunks (Cassandra's chunk cache), bounded in bytes, with
// CLOCK (second-chance) eviction: a hit only sets a flag, eviction gives flagged chunks another
// round. Chunks are checksum-verified before they enter, so a hit skips the read and the CRC.
// Keys are (file id, chunk index); a file's chunks are dropped when it is closed.
import { assert } from '../../lib/index.ts';

/** Default bound of one shard's chunk cache. */
export const CHUNK_CACHE_BYTES_DEFAULT = 32 * 1024 * 1024;
/** Chunk indexes per file id in the combined key (2^32 chunks of 16 KiB: 64 TiB files). */
const CHUNKS_PER_FILE = 2 ** 32;

interface CachedChunk {
  readonly chunk: Buffer;
  referenced: boolean;
}

export class ChunkCache {
  readonly capacityBytes: number;
  /** Insertion order is the clock hand's order. */
  private readonly chunks = new Map<number, CachedChunk>();
  private bytes = 0;
  private nextFileId = 1;
  private hitCount = 0;
  private missCount = 0;

  constructor(capacityBytes: number) {
    assert(capacityBytes >= 0, 'chunk cache capacity');
    this.capacityBytes = capacityBytes;
  }

  /** A new id for a file whose chunks will be cached. */
  registerFile(): number {
    const id = this.nextFileId++;
    assert(id * CHUNKS_PER_FILE < Number.MAX_SAFE_INTEGER, 'chunk cache file ids exhausted');
    return id;
  }

  get(fileId: number, chunkIndex: number): Buffer | undefined {
    const key = fileId * CHUNKS_PER_FILE + chunkIndex;
    const entry = this.chunks.get(key);
    if (entry === undefined) {
      this.missCount++;
      return undefined;
    }
    this.hitCount++;
    entry.referenced = true;
    return entry.chunk;
  }

  put(fileId: number, chunkIndex: number, chunk: Buffer): void {
    if (chunk.length > this.capacityBytes) return;
    const key = fileId * CHUNKS_PER_FILE + chunkIndex;
    const previous = this.chunks.get(key);
    if (previous !== undefined) {
      this.bytes -= previous.chunk.length;
      this.chunks.delete(key);
    }
    this.chunks.set(key, { chunk, referenced: false });
    this.bytes += chunk.length;
    // Each chunk gets at most one second chance, so this loop ends within 2 passes.
    while (this.bytes > this.capacityBytes) {
      const [oldestKey, oldest] = this.chunks.entries().next().value!;
      this.chunks.delete(oldestKey);
      if (oldest.referenced && oldestKey !== key) {
        oldest.referenced = false;
        this.chunks.set(oldestKey, oldest);
      } else {
        this.bytes -= oldest.chunk.length;
      }
    }
  }

  /** Drops every chunk of a file (closed or deleted). */
  evictFile(fileId: number): void {
    const low = fileId * CHUNKS_PER_FILE;
    const high = low + CHUNKS_PER_FILE;
    for (const [key, entry] of this.chunks) {
      if (key >= low && key < high) {
        this.chunks.delete(key);
        this.bytes -= entry.chunk.length;
      }
    }
  }

  stats(): { bytes: number; chunks: number; hits: number; misses: number } {
    return { bytes: this.bytes, chunks: this.chunks.size, hits: this.hitCount, misses: this.missCount };
  }
}
