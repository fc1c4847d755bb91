// Append-only writer for the native-protocol notation types. It owns one Buffer that starts with
// room for the frame header, so a response is built as a whole frame in one allocation when the
// caller's size hint is right (it grows by doubling otherwise). A connection also uses one as its
// output buffer: replies are appended back to back (skip the header, write the body, patch the
// header) and the buffer is reused after each socket write. Invariant: [string] fits 65535
// bytes and [short] counts fit 16 bits; violating that is a programmer error (assert).
import { assert } from '../lib/index.ts';
import { FRAME_HEADER_BYTES, HEADER_FLAGS_OFFSET, HEADER_LENGTH_OFFSET, HEADER_OPCODE_OFFSET, HEADER_STREAM_OFFSET, HEADER_VERSION_OFFSET, RESPONSE_VERSION_V4 } from './frame-header.ts';

/** The header fields of a response frame (its length is what follows the header). */
export interface ResponseHeaderFields {
  flags: number;
  stream: number;
  opcode: number;
}

export const SHORT_MAX = 0xffff;
/** Below this many bytes a JS byte loop copies faster than TypedArray.set (measured: ~2x on 1-64 B). */
const SMALL_COPY_BYTES_MAX = 64;

export class BodyWriter {
  private buffer: Buffer;
  private position: number;
  private readonly start: number;

  /** `reserveBytes` are left at the front (for the frame header); the body starts after them. */
  constructor(capacityHintBytes: number, reserveBytes = 0) {
    this.buffer = Buffer.allocUnsafe(Math.max(capacityHintBytes, reserveBytes + 16));
    this.position = reserveBytes;
    this.start = reserveBytes;
  }

  /** Bytes written after the reserved front. */
  get bodyLength(): number {
    return this.position - this.start;
  }

  /** Bytes written, reserved front included (the offset of the next byte). */
  get length(): number {
    return this.position;
  }

  get capacityBytes(): number {
    return this.buffer.length;
  }

  /** Starts over after the reserved front, keeping the buffer (its bytes were handed off). */
  reset(): void {
    this.position = this.start;
  }

  /** Drops what was written after `position` (a reply that failed half-way). */
  truncate(position: number): void {
    assert(position >= this.start && position <= this.position, `truncate to ${position} outside [${this.start}, ${this.position}]`);
    this.position = position;
  }

  /** Reserves `byteCount` bytes to fill later (a frame header); returns their offset. */
  skip(byteCount: number): number {
    return this.ensure(byteCount);
  }

  /**
   * Writes a v4 response header at `at`, reserved there with skip(FRAME_HEADER_BYTES), for the
   * body written since: everything up to the current end.
   */
  patchResponseHeader(at: number, header: ResponseHeaderFields): void {
    assert(at >= 0 && at + FRAME_HEADER_BYTES <= this.position, `no header room at ${at}`);
    const buffer = this.buffer;
    buffer[at + HEADER_VERSION_OFFSET] = RESPONSE_VERSION_V4;
    buffer[at + HEADER_FLAGS_OFFSET] = header.flags;
    buffer.writeInt16BE(header.stream, at + HEADER_STREAM_OFFSET);
    buffer[at + HEADER_OPCODE_OFFSET] = header.opcode;
    buffer.writeInt32BE(this.position - at - FRAME_HEADER_BYTES, at + HEADER_LENGTH_OFFSET);
  }

  /** Reserves `byteCount` bytes and returns their offset. It may replace `this.buffer`, so take the
   *  offset first and only then touch the buffer. */
  private ensure(byteCount: number): number {
    const at = this.position;
    const needed = at + byteCount;
    if (needed > this.buffer.length) {
      let capacity = this.buffer.length * 2;
      while (capacity < needed) capacity *= 2;
      const grown = Buffer.allocUnsafe(capacity);
      this.buffer.copy(grown, 0, 0, at);
      this.buffer = grown;
    }
    this.position = needed;
    return at;
  }

  writeByte(value: number): void {
    const at = this.ensure(1);
    this.buffer[at] = value & 0xff;
  }

  writeShort(value: number): void {
    assert(value >= 0 && value <= SHORT_MAX, `[short] out of range: ${value}`);
    const at = this.ensure(2);
    this.buffer.writeUInt16BE(value, at);
  }

  writeInt(value: number): void {
    const at = this.ensure(4);
    this.buffer.writeInt32BE(value, at);
  }

  /** [string]: the UTF-8 form must fit 65535 bytes. */
  writeString(value: string): void {
    const length = Buffer.byteLength(value, 'utf8');
    this.writeShort(length);
    const at = this.ensure(length);
    this.buffer.write(value, at, length, 'utf8');
  }

  /** [string], cutting the text at a character boundary so it fits (for free-text messages). */
  writeStringTruncated(value: string): void {
    let length = Buffer.byteLength(value, 'utf8');
    if (length <= SHORT_MAX) {
      this.writeString(value);
      return;
    }
    const bytes = Buffer.from(value, 'utf8');
    length = SHORT_MAX;
    while (length > 0 && (bytes[length]! & 0xc0) === 0x80) length--; // do not split a code point
    this.writeShort(length);
    const at = this.ensure(length);
    bytes.copy(this.buffer, at, 0, length);
  }

  writeLongString(value: string): void {
    const length = Buffer.byteLength(value, 'utf8');
    this.writeInt(length);
    const at = this.ensure(length);
    this.buffer.write(value, at, length, 'utf8');
  }

  /** [bytes]: null is length -1. */
  writeBytes(value: Uint8Array | null): void {
    if (value === null) {
      this.writeInt(-1);
      return;
    }
    this.writeInt(value.length);
    const at = this.ensure(value.length);
    this.buffer.set(value, at);
  }

  writeShortBytes(value: Uint8Array): void {
    this.writeShort(value.length);
    const at = this.ensure(value.length);
    this.buffer.set(value, at);
  }

  /**
   * Every cell of `rows` as [bytes], row by row: the hot loop of a Rows result. `cellsBytes` is
   * the exact encoded size (4 + length per cell, 4 per null), reserved in one step.
   */
  writeCells(rows: ReadonlyArray<ReadonlyArray<Buffer | null>>, cellsBytes: number): void {
    let at = this.ensure(cellsBytes);
    const end = at + cellsBytes;
    const buffer = this.buffer;
    for (const row of rows) {
      for (const value of row) {
        if (value === null) {
          buffer[at] = 0xff;
          buffer[at + 1] = 0xff;
          buffer[at + 2] = 0xff;
          buffer[at + 3] = 0xff;
          at += 4;
          continue;
        }
        const length = value.length;
        buffer[at] = length >>> 24;
        buffer[at + 1] = (length >>> 16) & 0xff;
        buffer[at + 2] = (length >>> 8) & 0xff;
        buffer[at + 3] = length & 0xff;
        at += 4;
        if (length < SMALL_COPY_BYTES_MAX) {
          for (let i = 0; i < length; i++) buffer[at + i] = value[i]!;
        } else {
          buffer.set(value, at);
        }
        at += length;
      }
    }
    assert(at === end, `cells took ${at - (end - cellsBytes)} bytes, ${cellsBytes} were reserved`);
  }

  /** Raw bytes with no length prefix (pre-encoded fragments). */
  writeRaw(value: Uint8Array): void {
    const at = this.ensure(value.length);
    this.buffer.set(value, at);
  }

  writeStringList(values: readonly string[]): void {
    this.writeShort(values.length);
    for (const value of values) this.writeString(value);
  }

  /** [string multimap]: [short] n + n ([string] key, [string list] values). */
  writeStringMultimap(entries: ReadonlyArray<readonly [string, readonly string[]]>): void {
    this.writeShort(entries.length);
    for (const [key, values] of entries) {
      this.writeString(key);
      this.writeStringList(values);
    }
  }

  /** [inet]: [byte] size (4 or 16) + address bytes + [int] port. */
  writeInet(address: Uint8Array, port: number): void {
    assert(address.length === 4 || address.length === 16, `[inet] address must be 4 or 16 bytes, got ${address.length}`);
    this.writeByte(address.length);
    this.writeRaw(address);
    this.writeInt(port);
  }

  /** The whole buffer (reserved front + body), trimmed to what was written. */
  finish(): Buffer {
    return this.buffer.subarray(0, this.position);
  }
}
