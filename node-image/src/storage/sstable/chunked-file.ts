// Data.db and Index.db are a logical byte stream cut into chunks of a fixed logical length. Each
// chunk is stored compressed (or raw, when compression does not make it strictly shorter)
// followed by the CRC32 of the stored bytes; the chunk table (CompressionInfo.db) lists every
// chunk's stored length. The checksum is computed when a chunk is written and checked on every
// load; a mismatch, a short read or a decompression failure is a StorageCorruptionError naming
// the file and the chunk's physical offset, and no byte of that chunk is returned. With a
// recycling cache (chunk-cache.ts) `read` and `chunkAt` views are valid only until the next chunk
// load through that cache: bytes kept longer come from `readStable`.
import { crc32 } from 'node:zlib';
import { assert } from '../../lib/index.ts';
import type { ReadableFile, WritableFile } from '../../io/index.ts';
import { StorageCorruptionError } from '../errors.ts';
import { ChunkCache } from './chunk-cache.ts';
import type { ChunkCacheFile } from './chunk-cache.ts';
import type { Compressor } from './compression.ts';

export const CHUNK_CRC_BYTES = 4;
/** Stored bytes gathered before one append syscall. */
export const APPEND_BUFFER_BYTES = 256 * 1024;
/** Verified chunks kept per reader when no shared cache is given. */
export const PRIVATE_CHUNK_CACHE_ENTRIES = 4;

/** Where each chunk of a file is: chunk i occupies [offsets[i], offsets[i+1]) physically. */
export interface ChunkTable {
  readonly logicalLengthBytes: number;
  readonly chunkLengthBytes: number;
  /** chunkCount + 1 entries; the last is the physical file size. */
  readonly offsets: Float64Array;
}

export function chunkCountOf(table: ChunkTable): number {
  return table.offsets.length - 1;
}

export class ChunkedFileWriter {
  readonly file: WritableFile;
  readonly chunkLengthBytes: number;
  private readonly compressor: Compressor;
  private readonly chunk: Buffer;
  private chunkFill = 0;
  private readonly out: Buffer;
  private outLength = 0;
  private logical = 0;
  private physical = 0;
  private offsets = new Float64Array(64);
  private chunkCount = 0;

  constructor(file: WritableFile, options: { chunkLengthBytes: number; compressor: Compressor }) {
    this.file = file;
    this.chunkLengthBytes = options.chunkLengthBytes;
    this.compressor = options.compressor;
    this.chunk = Buffer.allocUnsafe(options.chunkLengthBytes);
    this.out = Buffer.allocUnsafe(Math.max(APPEND_BUFFER_BYTES, 2 * (options.chunkLengthBytes + CHUNK_CRC_BYTES)));
  }

  get logicalLengthBytes(): number {
    return this.logical;
  }

  /** Physical bytes produced so far (appended or buffered). */
  get physicalLengthBytes(): number {
    return this.physical;
  }

  /**
   * write(source.subarray(start, end)) without the view; Buffer#copy also copies out of shared
   * memory at memcpy speed, where TypedArray#set took twice as long (a flush worker reading a
   * memtable's slabs).
   */
  writeFrom(source: Buffer, start: number, end: number): void {
    const size = this.chunkLengthBytes;
    while (start < end) {
      const n = Math.min(size - this.chunkFill, end - start);
      source.copy(this.chunk, this.chunkFill, start, start + n);
      this.chunkFill += n;
      this.logical += n;
      start += n;
      if (this.chunkFill === size) this.sealChunk();
    }
  }

  write(bytes: Uint8Array): void {
    let done = 0;
    const size = this.chunkLengthBytes;
    while (done < bytes.length) {
      const n = Math.min(size - this.chunkFill, bytes.length - done);
      this.chunk.set(n === bytes.length ? bytes : bytes.subarray(done, done + n), this.chunkFill);
      this.chunkFill += n;
      this.logical += n;
      done += n;
      if (this.chunkFill === size) this.sealChunk();
    }
  }

  /** Seals the last partial chunk, hands everything to the file and returns the chunk table. */
  finish(): ChunkTable {
    if (this.chunkFill > 0) this.sealChunk();
    this.drain();
    const offsets = this.offsets.slice(0, this.chunkCount + 1);
    offsets[this.chunkCount] = this.physical;
    assert(this.file.positionBytes === this.physical, 'chunked file size');
    return { logicalLengthBytes: this.logical, chunkLengthBytes: this.chunkLengthBytes, offsets };
  }

  private sealChunk(): void {
    const raw = this.chunk.subarray(0, this.chunkFill);
    const compressed = this.compressor.compress(raw);
    const stored = compressed.length < raw.length ? compressed : raw;
    const need = stored.length + CHUNK_CRC_BYTES;
    if (this.outLength + need > this.out.length) this.drain();
    if (this.chunkCount + 1 >= this.offsets.length) {
      const grown = new Float64Array(this.offsets.length * 2);
      grown.set(this.offsets);
      this.offsets = grown;
    }
    this.offsets[this.chunkCount++] = this.physical;
    stored.copy(this.out, this.outLength);
    this.out.writeUInt32BE(crc32(stored) >>> 0, this.outLength + stored.length);
    this.outLength += need;
    this.physical += need;
    this.chunkFill = 0;
  }

  private drain(): void {
    if (this.outLength === 0) return;
    this.file.append(this.out.subarray(0, this.outLength));
    this.outLength = 0;
  }
}

export class ChunkedFileReader {
  readonly file: ReadableFile;
  readonly table: ChunkTable;
  readonly logicalLengthBytes: number;
  readonly chunkLengthBytes: number;
  private readonly compressor: Compressor;
  private readonly cache: ChunkCache;
  private readonly cacheFile: ChunkCacheFile;
  /**
   * The last chunk handed out: sequential reads (index scans) stay on it without a cache lookup
   * while the cache has recycled no buffer since (`lastEpoch`).
   */
  private lastIndex = -1;
  private lastChunk: Buffer | null = null;
  private lastEpoch = 0;
  /** Capacity of a chunk buffer: the longest stored chunk plus its CRC. */
  private readonly bufferBytes: number;

  constructor(file: ReadableFile, options: { table: ChunkTable; compressor: Compressor; cache: ChunkCache | null }) {
    this.file = file;
    this.table = options.table;
    this.logicalLengthBytes = options.table.logicalLengthBytes;
    this.chunkLengthBytes = options.table.chunkLengthBytes;
    this.compressor = options.compressor;
    // A private cache serves scans (compaction, verify, scrub) that keep views across loads: no recycling.
    this.cache = options.cache ?? new ChunkCache(PRIVATE_CHUNK_CACHE_ENTRIES * options.table.chunkLengthBytes, { recycle: false });
    this.bufferBytes = options.table.chunkLengthBytes + CHUNK_CRC_BYTES;
    this.cacheFile = this.cache.registerFile();
    const offsets = options.table.offsets;
    const expected = offsets[offsets.length - 1]!;
    if (file.sizeBytes !== expected) {
      throw new StorageCorruptionError({ path: file.path, offsetBytes: Math.min(file.sizeBytes, expected), reason: `size ${file.sizeBytes} bytes, expected ${expected}` });
    }
    const chunks = offsets.length - 1;
    if (chunks !== Math.ceil(this.logicalLengthBytes / this.chunkLengthBytes)) {
      throw new StorageCorruptionError({ path: file.path, offsetBytes: 0, reason: `${chunks} chunks for ${this.logicalLengthBytes} logical bytes` });
    }
  }

  get chunkCount(): number {
    return this.table.offsets.length - 1;
  }

  /** Do views from `read` and `chunkAt` go stale at the next chunk load (a recycling cache)? */
  get viewsAreTransient(): boolean {
    return this.cache.recycles;
  }

  /** The verified bytes [offset, offset + length); a view when they sit in one chunk. */
  read(offsetBytes: number, lengthBytes: number): Buffer {
    if (offsetBytes < 0 || lengthBytes < 0 || offsetBytes + lengthBytes > this.logicalLengthBytes) {
      throw new StorageCorruptionError({ path: this.file.path, offsetBytes, reason: `read of ${lengthBytes} bytes beyond the logical end ${this.logicalLengthBytes}` });
    }
    const size = this.chunkLengthBytes;
    const first = Math.floor(offsetBytes / size);
    const last = Math.floor((offsetBytes + Math.max(lengthBytes, 1) - 1) / size);
    if (first === last) {
      const chunk = this.chunk(first);
      const start = offsetBytes - first * size;
      return chunk.subarray(start, start + lengthBytes);
    }
    const out = Buffer.allocUnsafe(lengthBytes);
    let done = 0;
    for (let i = first; i <= last; i++) {
      const chunk = this.chunk(i);
      const start = i === first ? offsetBytes - first * size : 0;
      const n = Math.min(chunk.length - start, lengthBytes - done);
      chunk.copy(out, done, start, start + n);
      done += n;
    }
    return out;
  }

  /** Like `read`, but the bytes stay valid whatever is loaded later (a copy when views are transient). */
  readStable(offsetBytes: number, lengthBytes: number): Buffer {
    const bytes = this.read(offsetBytes, lengthBytes);
    if (!this.cache.recycles) return bytes;
    const size = this.chunkLengthBytes;
    // A read across chunks is already a fresh buffer.
    if (Math.floor(offsetBytes / size) !== Math.floor((offsetBytes + Math.max(lengthBytes, 1) - 1) / size)) return bytes;
    const copy = Buffer.allocUnsafe(lengthBytes);
    bytes.copy(copy, 0, 0, lengthBytes);
    return copy;
  }

  /** The verified chunk holding logical `offsetBytes` (for scans that parse in place). */
  chunkAt(offsetBytes: number): Buffer {
    return this.chunk(Math.floor(offsetBytes / this.chunkLengthBytes));
  }

  /** Loads and verifies chunk `index` without the cache (verify, scrub). */
  verifyChunk(index: number): Buffer {
    return this.load(index, false);
  }

  private chunk(index: number): Buffer {
    const cache = this.cache;
    if (index === this.lastIndex && this.lastEpoch === cache.recycleEpoch) return this.lastChunk!;
    const cached = cache.get(this.cacheFile, index) ?? this.load(index, true);
    this.lastIndex = index;
    this.lastChunk = cached;
    this.lastEpoch = cache.recycleEpoch;
    return cached;
  }

  private load(index: number, cache: boolean): Buffer {
    const size = this.chunkLengthBytes;
    const length = Math.min(size, this.logicalLengthBytes - index * size);
    const offsets = this.table.offsets;
    const physical = offsets[index]!;
    const storedWithCrc = offsets[index + 1]! - physical;
    const path = this.file.path;
    if (storedWithCrc <= CHUNK_CRC_BYTES || storedWithCrc > length + CHUNK_CRC_BYTES) {
      throw new StorageCorruptionError({ path, offsetBytes: physical, reason: `chunk ${index} stored length ${storedWithCrc} out of range` });
    }
    // Cached loads take a (possibly reused) buffer from the cache; verify and scrub a fresh one.
    const buffer = cache ? this.cache.allocate(this.bufferBytes) : Buffer.allocUnsafe(storedWithCrc);
    const n = this.file.read({ target: buffer, targetOffset: 0, length: storedWithCrc, position: physical });
    if (n !== storedWithCrc) {
      throw new StorageCorruptionError({ path, offsetBytes: physical, reason: `short read: ${n} of ${storedWithCrc} bytes` });
    }
    const storedLength = storedWithCrc - CHUNK_CRC_BYTES;
    const stored = buffer.subarray(0, storedLength);
    if ((crc32(stored) >>> 0) !== buffer.readUInt32BE(storedLength)) {
      throw new StorageCorruptionError({ path, offsetBytes: physical, reason: `chunk ${index} checksum mismatch` });
    }
    let data: Buffer;
    const into = this.compressor.decompressInto;
    if (storedLength === length) {
      data = stored;
    } else if (cache && into !== undefined && this.cache.recycles) {
      // Into a buffer the cache recycles: no new native buffer per chunk kept in the cache.
      data = this.cache.allocate(length);
      try {
        into(stored, data, length);
      } catch (error) {
        this.cache.release(data);
        throw new StorageCorruptionError({ path, offsetBytes: physical, reason: `chunk ${index} does not decompress: ${(error as Error).message}` });
      } finally {
        this.cache.release(buffer);
      }
    } else {
      try {
        data = this.compressor.decompress(stored, length);
      } catch (error) {
        throw new StorageCorruptionError({ path, offsetBytes: physical, reason: `chunk ${index} does not decompress: ${(error as Error).message}` });
      } finally {
        // The stored bytes were only the decompressor's input.
        if (cache) this.cache.release(buffer);
      }
      if (data.length !== length) {
        throw new StorageCorruptionError({ path, offsetBytes: physical, reason: `chunk ${index} decompressed to ${data.length} bytes, expected ${length}` });
      }
    }
    if (cache) this.cache.put(this.cacheFile, index, data);
    return data;
  }

  close(): void {
    this.lastChunk = null;
    this.cache.evictFile(this.cacheFile);
    this.file.close();
  }
}
