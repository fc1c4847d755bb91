// Cursor over one frame body that reads the native-protocol notation types ([int], [string],
// [bytes], [value], maps, lists). Invariant: never reads past `end`; a body that is too short or
// carries an impossible length throws MalformedBodyError, which closes the connection.
import { UNSET } from '../cql/index.ts';
import type { BoundValue } from '../cql/index.ts';

/** A frame body that cannot be decoded (truncated, negative length, bad marker). */
export class MalformedBodyError extends Error {
  override readonly name = 'MalformedBodyError';
}

/** [value] length markers (protocol v4 section 3). */
export const VALUE_LENGTH_NULL = -1;
export const VALUE_LENGTH_UNSET = -2;

export class BodyReader {
  private buffer: Buffer = Buffer.alloc(0);
  private position = 0;

  /** Points the reader at a new body; the reader is reused across frames. */
  reset(body: Buffer): this {
    this.buffer = body;
    this.position = 0;
    return this;
  }

  get offset(): number {
    return this.position;
  }

  get remaining(): number {
    return this.buffer.length - this.position;
  }

  private need(byteCount: number, what: string): number {
    const start = this.position;
    if (byteCount < 0 || start + byteCount > this.buffer.length) {
      throw new MalformedBodyError(`Not enough bytes to read ${what} (need ${byteCount}, have ${this.buffer.length - start})`);
    }
    this.position = start + byteCount;
    return start;
  }

  readByte(): number {
    return this.buffer[this.need(1, 'a [byte]')]!;
  }

  /** [short]: unsigned 16-bit. */
  readShort(): number {
    return this.buffer.readUInt16BE(this.need(2, 'a [short]'));
  }

  readInt(): number {
    return this.buffer.readInt32BE(this.need(4, 'an [int]'));
  }

  /** [long] as a bigint (exact). */
  readLong(): bigint {
    return this.buffer.readBigInt64BE(this.need(8, 'a [long]'));
  }

  /**
   * [long] as a number without allocating a bigint. Exact whenever the value is a safe integer;
   * otherwise the result is not a safe integer either (callers check Number.isSafeInteger).
   */
  readLongAsNumber(): number {
    const start = this.need(8, 'a [long]');
    return this.buffer.readInt32BE(start) * 0x1_0000_0000 + this.buffer.readUInt32BE(start + 4);
  }

  /** [string]: [short] n + n bytes of UTF-8. */
  readString(): string {
    const length = this.readShort();
    const start = this.need(length, 'a [string]');
    return this.buffer.toString('utf8', start, start + length);
  }

  /** [long string]: [int] n + n bytes of UTF-8. */
  readLongString(): string {
    const length = this.readInt();
    if (length < 0) throw new MalformedBodyError(`Negative [long string] length ${length}`);
    const start = this.need(length, 'a [long string]');
    return this.buffer.toString('utf8', start, start + length);
  }

  /** [bytes]: [int] n + n bytes, n < 0 is null. The result is a view into the body (no copy). */
  readBytes(): Buffer | null {
    const length = this.readInt();
    if (length < 0) return null;
    const start = this.need(length, '[bytes]');
    return this.buffer.subarray(start, start + length);
  }

  /** [short bytes]: [short] n + n bytes, as a view into the body. */
  readShortBytes(): Buffer {
    const length = this.readShort();
    const start = this.need(length, '[short bytes]');
    return this.buffer.subarray(start, start + length);
  }

  /** [value]: like [bytes] but -2 is "unset" and any other negative length is malformed. */
  readValue(): BoundValue {
    const length = this.readInt();
    if (length >= 0) {
      const start = this.need(length, 'a [value]');
      return this.buffer.subarray(start, start + length);
    }
    if (length === VALUE_LENGTH_NULL) return null;
    if (length === VALUE_LENGTH_UNSET) return UNSET;
    throw new MalformedBodyError(`Invalid [value] length ${length}`);
  }

  /** [string list]: [short] n + n [string]. */
  readStringList(): string[] {
    const count = this.readShort();
    // Each [string] takes at least 2 bytes: refuse counts the body cannot hold before allocating.
    if (count * 2 > this.remaining) throw new MalformedBodyError(`[string list] of ${count} does not fit the body`);
    const list: string[] = [];
    for (let i = 0; i < count; i++) list.push(this.readString());
    return list;
  }

  /** [string map]: [short] n + n ([string] key, [string] value). Later duplicates win. */
  readStringMap(): Map<string, string> {
    const count = this.readShort();
    if (count * 4 > this.remaining) throw new MalformedBodyError(`[string map] of ${count} does not fit the body`);
    const map = new Map<string, string>();
    for (let i = 0; i < count; i++) {
      const key = this.readString();
      map.set(key, this.readString());
    }
    return map;
  }

  /** Skips a [bytes map] ([short] n + n ([string], [bytes])), e.g. a request's custom payload. */
  skipBytesMap(): void {
    const count = this.readShort();
    for (let i = 0; i < count; i++) {
      this.need(this.readShort(), 'a [bytes map] key');
      const length = this.readInt();
      if (length > 0) this.need(length, 'a [bytes map] value');
    }
  }
}
