// Data.db and Index.db are a logical byte stream cut into fixed-size chunks, each stored with its
// CRC32 right after it: chunk i lives at physical offset i * (chunk + 4). The checksum is checked
// when a chunk is written (recomputed from the bytes handed to the file) and on every load; a
// mismatch is a StorageCorruptionError naming the file and the chunk's offset. Compression can
// later replace the fixed physical stride with a chunk-offset table.
import { crc32 } from 'node:zlib';
import { assert } from '../../lib/index.ts';
import type { ReadableFile, WritableFile } from '../../io/index.ts';
import { StorageCorruptionError } from '../errors.ts';
import { CHUNK_CRC_BYTES, chunkedPhysicalBytes } from './sstable-format.ts';

/** Chunks gathered before one append syscall. */
export const CHUNKS_PER_APPEND = 16;
/** Verified chunks kept per reader (sequential scans and repeated lookups hit them). */
export const CHUNK_CACHE_ENTRIES = 4;

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
  private readonly cacheIndexes: number[] = [];
  private readonly cacheChunks: Buffer[] = [];

  constructor(file: ReadableFile, options: { logicalLengthBytes: number; chunkLengthBytes: number }) {
    this.file = file;
    this.logicalLengthBytes = options.logicalLengthBytes;
    this.chunkLengthBytes = options.chunkLengthBytes;
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

  private chunk(index: number): Buffer {
    for (let i = 0; i < this.cacheIndexes.length; i++) {
      if (this.cacheIndexes[i] === index) return this.cacheChunks[i]!;
    }
    const size = this.chunkLengthBytes;
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
    if (this.cacheIndexes.length >= CHUNK_CACHE_ENTRIES) {
      this.cacheIndexes.shift();
      this.cacheChunks.shift();
    }
    this.cacheIndexes.push(index);
    this.cacheChunks.push(data);
    return data;
  }

  close(): void {
    this.file.close();
  }
}
