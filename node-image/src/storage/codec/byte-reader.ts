// Reads the encodings of ByteWriter from a Buffer with bounds checks. An overrun or malformed
// value throws DecodeError carrying the offset; file readers turn it into a corruption error
// naming the file.
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  readonly offsetBytes: number;

  constructor(message: string, offsetBytes: number) {
    super(`${message} at offset ${offsetBytes}`);
    this.offsetBytes = offsetBytes;
  }
}

const int64View = new DataView(new ArrayBuffer(8));
const int64Bytes = new Uint8Array(int64View.buffer);

/**
 * The big-endian signed 64-bit integer at `at` of `bytes` (the caller checked the bounds): one
 * BigInt made, where Buffer#readBigInt64BE makes four (its halves, the shift and the sum), and a
 * compaction reads two per partition of every input (the index entry's token and the Data's).
 */
export function bigInt64At(bytes: Uint8Array, at: number): bigint {
  for (let i = 0; i < 8; i++) int64Bytes[i] = bytes[at + i]!;
  return int64View.getBigInt64(0);
}

export class ByteReader {
  readonly buffer: Buffer;
  offset: number;
  readonly end: number;

  constructor(buffer: Buffer, offset = 0, end = buffer.length) {
    this.buffer = buffer;
    this.offset = offset;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  need(n: number): void {
    if (this.offset + n > this.end) throw new DecodeError(`need ${n} bytes, have ${this.end - this.offset}`, this.offset);
  }

  u8(): number {
    this.need(1);
    return this.buffer[this.offset++]!;
  }

  u16(): number {
    this.need(2);
    const v = this.buffer.readUInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.buffer.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  f64(): number {
    this.need(8);
    const v = this.buffer.readDoubleBE(this.offset);
    this.offset += 8;
    return v;
  }

  i64(): bigint {
    this.need(8);
    const v = bigInt64At(this.buffer, this.offset);
    this.offset += 8;
    return v;
  }

  varint(): number {
    let result = 0;
    let multiplier = 1;
    for (let i = 0; i < 8; i++) {
      if (this.offset >= this.end) throw new DecodeError('truncated varint', this.offset);
      const b = this.buffer[this.offset++]!;
      result += (b & 0x7f) * multiplier;
      if (b < 0x80) {
        if (result > Number.MAX_SAFE_INTEGER) throw new DecodeError('varint beyond 2^53', this.offset);
        return result;
      }
      multiplier *= 128;
    }
    throw new DecodeError('varint longer than 8 bytes', this.offset);
  }

  /** A view (no copy) of the next `n` bytes. */
  bytes(n: number): Buffer {
    this.need(n);
    const v = this.buffer.subarray(this.offset, this.offset + n);
    this.offset += n;
    return v;
  }

  varBytes(): Buffer {
    return this.bytes(this.varint());
  }

  string(): string {
    const n = this.varint();
    this.need(n);
    const s = this.buffer.toString('utf8', this.offset, this.offset + n);
    this.offset += n;
    return s;
  }

  skip(n: number): void {
    this.need(n);
    this.offset += n;
  }
}
