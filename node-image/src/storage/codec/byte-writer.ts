// A growable output buffer with the primitive encodings of our formats: fixed big-endian
// integers, IEEE doubles, unsigned LEB128 varints (exact up to 2^53) and length-prefixed bytes.
// One writer is reused across many records (commit-log batches, SSTable blocks) to avoid churn.
import { assert } from '../../lib/index.ts';

/** Largest value a varint may carry: every integer up to it is exact in a double. */
export const VARINT_MAX = Number.MAX_SAFE_INTEGER;

/** Bytes of ByteWriter.varint(n). */
export function varintLength(n: number): number {
  let length = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    length++;
  }
  return length;
}

export class ByteWriter {
  buffer: Buffer;
  length = 0;

  constructor(initialCapacityBytes: number) {
    this.buffer = Buffer.allocUnsafe(initialCapacityBytes);
  }

  ensure(extraBytes: number): void {
    const needed = this.length + extraBytes;
    if (needed <= this.buffer.length) return;
    let capacity = this.buffer.length * 2;
    while (capacity < needed) capacity *= 2;
    const grown = Buffer.allocUnsafe(capacity);
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }

  reset(): void {
    this.length = 0;
  }

  /** Drops everything written after `length`. */
  truncate(length: number): void {
    assert(length >= 0 && length <= this.length, 'truncate beyond written bytes');
    this.length = length;
  }

  view(start = 0, end = this.length): Buffer {
    return this.buffer.subarray(start, end);
  }

  u8(value: number): void {
    this.ensure(1);
    this.buffer[this.length++] = value;
  }

  u16(value: number): void {
    this.ensure(2);
    this.buffer.writeUInt16BE(value, this.length);
    this.length += 2;
  }

  u32(value: number): void {
    this.ensure(4);
    // Byte stores: Buffer.writeUInt32BE's range checks cost more than the write (hot: every row
    // body length and commit-log entry header).
    const b = this.buffer;
    const o = this.length;
    b[o] = value >>> 24;
    b[o + 1] = (value >>> 16) & 0xff;
    b[o + 2] = (value >>> 8) & 0xff;
    b[o + 3] = value & 0xff;
    this.length = o + 4;
  }

  /** Overwrites a u32 already written at `offset` (length prefixes filled in afterwards). */
  u32At(offset: number, value: number): void {
    assert(offset + 4 <= this.length, 'u32At beyond written bytes');
    const b = this.buffer;
    b[offset] = value >>> 24;
    b[offset + 1] = (value >>> 16) & 0xff;
    b[offset + 2] = (value >>> 8) & 0xff;
    b[offset + 3] = value & 0xff;
  }

  f64(value: number): void {
    this.ensure(8);
    this.buffer.writeDoubleBE(value, this.length);
    this.length += 8;
  }

  i64(value: bigint): void {
    if (value < INT64_MIN || value > INT64_MAX) throw new RangeError(`${value} is outside the signed 64-bit range`);
    this.ensure(8);
    // Through a DataView: Buffer#writeBigInt64BE allocates BigInts for the halves.
    I64_VIEW.setBigInt64(0, value);
    const b = this.buffer;
    const at = this.length;
    for (let i = 0; i < 8; i++) b[at + i] = I64_BYTES[i]!;
    this.length += 8;
  }

  /** A signed 64-bit integer given as its signed high and unsigned low 32 bits (no BigInt). */
  i64Halves(high: number, low: number): void {
    this.ensure(8);
    this.buffer.writeInt32BE(high, this.length);
    this.buffer.writeUInt32BE(low, this.length + 4);
    this.length += 8;
  }

  varint(value: number): void {
    assert(Number.isInteger(value) && value >= 0 && value <= VARINT_MAX, 'varint out of range');
    this.ensure(8);
    let v = value;
    if (v < 0x80) {
      this.buffer[this.length++] = v;
      return;
    }
    while (v >= 0x80000000) {
      this.buffer[this.length++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    while (v >= 0x80) {
      this.buffer[this.length++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buffer[this.length++] = v;
  }

  bytes(value: Uint8Array): void {
    this.ensure(value.length);
    this.buffer.set(value, this.length);
    this.length += value.length;
  }

  /** source[start, end) (no view object made). */
  copyFrom(source: Buffer, start: number, end: number): void {
    const n = end - start;
    this.ensure(n);
    source.copy(this.buffer, this.length, start, end);
    this.length += n;
  }

  /** varint length, then the bytes. */
  varBytes(value: Uint8Array): void {
    this.varint(value.length);
    this.bytes(value);
  }

  /** varint UTF-8 byte length, then the UTF-8 bytes. */
  string(value: string): void {
    const n = Buffer.byteLength(value, 'utf8');
    this.varint(n);
    this.ensure(n);
    this.length += this.buffer.write(value, this.length, n, 'utf8');
  }
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const I64_VIEW = new DataView(new ArrayBuffer(8));
const I64_BYTES = new Uint8Array(I64_VIEW.buffer);
