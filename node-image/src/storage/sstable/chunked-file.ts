// Data.db and Index.db are a logical byte stream cut into fixed-size chunks, each stored with its
// CRC32 right after it: chunk i lives at physical offset i * (chunk + 4). The checksum is checked
// when a chunk is written (recomputed from the bytes handed to the file) and on every load; a
// mismatch is a StorageCorruptionError naming the file and the chunk's offset. Compression can
// later replace the fixed physical stride with a chunk-offset table.
import { crc32 } from 'node:zlib';
import { assert } from '../../lib/index.ts';
import type { ReadableFile, WritableFile } from '../../io/index.ts';
import { StorageCorruptionError } from '../errors.ts';
import { ChunkCache } from './chunk-cache.ts';
import { CHUNK_CRC_BYTES, chunkedPhysicalBytes } from './sstable-format.ts';

/** Chunks gathered before one append syscall. */
export const CHUNKS_PER_APPEND = 16;
/** Verified chunks kept per reader when no shared cache is given. */
export const PRIVATE_CHUNK_CACHE_ENTRIES = 4;

export class ChunkedFileWriter {
  readonly file: WritableFile;
  readonly chunkLengthBytes: number;
  private readonly out: Buffer;
  private outLength = 0;
  private chunkStart = 0;
  private logical = 0;

  constructor(file: WritableFile, chunkLengthBytes: number) {
    this.file = file;
    this.chunkLengthBytes = chunkLengthBytes;
    this.out = Buffer.allocUnsafe((chunkLengthBytes + CHUNK_CRC_BYTES) * CHUNKS_PER_APPEND);
  }

  get logicalLengthBytes(): number {
    return this.logical;
  }

  write(bytes: Uint8Array): void {
    let done = 0;
    while (done < bytes.length) {
      const room = this.chunkLengthBytes - (this.outLength - this.chunkStart);
      const n = Math.min(room, bytes.length - done);
      this.out.set(bytes.subarray(done, done + n), this.outLength);
      this.outLength += n;
      this.logical += n;
      done += n;
      if (this.outLength - this.chunkStart === this.chunkLengthBytes) this.sealChunk();
    }
  }

  /** Seals the last partial chunk and hands everything to the file. */
  finish(): void {
    if (this.outLength > this.chunkStart) this.sealChunk();
    this.drain();
    assert(this.file.positionBytes === chunkedPhysicalBytes(this.logical, this.chunkLengthBytes), 'chunked file size');
  }

  private sealChunk(): void {
    const crc = crc32(this.out.subarray(this.chunkStart, this.outLength));
    this.out.writeUInt32BE(crc >>> 0, this.outLength);
    this.outLength += CHUNK_CRC_BYTES;
    this.chunkStart = this.outLength;
    if (this.outLength + this.chunkLengthBytes + CHUNK_CRC_BYTES > this.out.length) this.drain();
  }

  private drain(): void {
    if (this.outLength === 0) return;
    assert(this.chunkStart === this.outLength, 'drain only whole chunks');
    this.file.append(this.out.subarray(0, this.outLength));
    this.outLength = 0;
    this.chunkStart = 0;
  }
}

export class ChunkedFileReader {
  readonly file: ReadableFile;
  readonly logicalLengthBytes: number;
  readonly chunkLengthBytes: number;
  private readonly cache: ChunkCache;
  private readonly cacheFileId: number;
  /** The last chunk handed out: sequential reads (index scans) stay on it without a cache lookup. */
  private lastIndex = -1;
  private lastChunk: Buffer | null = null;

  constructor(file: ReadableFile, options: { logicalLengthBytes: number; chunkLengthBytes: number; cache: ChunkCache | null }) {
    this.file = file;
    this.logicalLengthBytes = options.logicalLengthBytes;
    this.chunkLengthBytes = options.chunkLengthBytes;
    this.cache = options.cache ?? new ChunkCache(PRIVATE_CHUNK_CACHE_ENTRIES * options.chunkLengthBytes);
    this.cacheFileId = this.cache.registerFile();
    const expected = chunkedPhysicalBytes(options.logicalLengthBytes, options.chunkLengthBytes);
    if (file.sizeBytes !== expected) {
      throw new StorageCorruptionError({ path: file.path, offsetBytes: Math.min(file.sizeBytes, expected), reason: `size ${file.sizeBytes} bytes, expected ${expected}` });
    }
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

  /** The verified chunk holding logical `offsetBytes` (for scans that parse in place). */
  chunkAt(offsetBytes: number): Buffer {
    return this.chunk(Math.floor(offsetBytes / this.chunkLengthBytes));
  }

  private chunk(index: number): Buffer {
    if (index === this.lastIndex) return this.lastChunk!;
    const cached = this.cache.get(this.cacheFileId, index) ?? this.load(index);
    this.lastIndex = index;
    this.lastChunk = cached;
    return cached;
  }

  private load(index: number): Buffer {    const size = this.chunkLengthBytes;
    const length = Math.min(size, this.logicalLengthBytes - index * size);
    const physical = index * (size + CHUNK_CRC_BYTES);
    // A fresh buffer per chunk: views handed out stay valid after the cache evicts it.
    const buffer = Buffer.allocUnsafe(length + CHUNK_CRC_BYTES);
    const n = this.file.read({ target: buffer, targetOffset: 0, length: buffer.length, position: physical });
    if (n !== buffer.length) {
      throw new StorageCorruptionError({ path: this.file.path, offsetBytes: physical, reason: `short read: ${n} of ${buffer.length} bytes` });
    }
    const data = buffer.subarray(0, length);
    const stored = buffer.readUInt32BE(length);
    if ((crc32(data) >>> 0) !== stored) {
      throw new StorageCorruptionError({ path: this.file.path, offsetBytes: physical, reason: `chunk ${index} checksum mismatch` });
    }
    this.cache.put(this.cacheFileId, index, data);
    return data;
  }

  close(): void {
    this.lastChunk = null;
    this.cache.evictFile(this.cacheFileId);
    this.file.close();
  }
}
