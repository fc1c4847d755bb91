import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UNSET } from '../cql/index.ts';
import { BodyReader, MalformedBodyError } from './body-reader.ts';
import { BodyWriter, SHORT_MAX } from './body-writer.ts';

type Item =
  | { t: 'byte'; v: number }
  | { t: 'short'; v: number }
  | { t: 'int'; v: number }
  | { t: 'long'; v: bigint }
  | { t: 'string'; v: string }
  | { t: 'longString'; v: string }
  | { t: 'bytes'; v: Buffer | null }
  | { t: 'shortBytes'; v: Buffer }
  | { t: 'value'; v: Buffer | null | typeof UNSET }
  | { t: 'stringList'; v: string[] };

const bytesArb = fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a));
const itemArb: fc.Arbitrary<Item> = fc.oneof(
  fc.integer({ min: 0, max: 255 }).map((v) => ({ t: 'byte' as const, v })),
  fc.integer({ min: 0, max: SHORT_MAX }).map((v) => ({ t: 'short' as const, v })),
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }).map((v) => ({ t: 'int' as const, v })),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((v) => ({ t: 'long' as const, v })),
  fc.string({ unit: 'grapheme', maxLength: 30 }).map((v) => ({ t: 'string' as const, v })),
  fc.string({ unit: 'grapheme', maxLength: 30 }).map((v) => ({ t: 'longString' as const, v })),
  fc.option(bytesArb, { nil: null }).map((v) => ({ t: 'bytes' as const, v })),
  bytesArb.map((v) => ({ t: 'shortBytes' as const, v })),
  fc.oneof(bytesArb, fc.constant(null), fc.constant('unset' as const))
    .map((v): Item => ({ t: 'value', v: v === 'unset' ? UNSET : v })),
  fc.array(fc.string({ maxLength: 10 }), { maxLength: 5 }).map((v) => ({ t: 'stringList' as const, v })),
);

function write(writer: BodyWriter, item: Item): void {
  switch (item.t) {
    case 'byte': return writer.writeByte(item.v);
    case 'short': return writer.writeShort(item.v);
    case 'int': return writer.writeInt(item.v);
    case 'long': {
      const b = Buffer.alloc(8);
      b.writeBigInt64BE(item.v);
      return writer.writeRaw(b);
    }
    case 'string': return writer.writeString(item.v);
    case 'longString': return writer.writeLongString(item.v);
    case 'bytes': return writer.writeBytes(item.v);
    case 'shortBytes': return writer.writeShortBytes(item.v);
    case 'value':
      if (item.v === UNSET) return writer.writeInt(-2);
      return writer.writeBytes(item.v);
    case 'stringList': return writer.writeStringList(item.v);
  }
}

function read(reader: BodyReader, item: Item): unknown {
  switch (item.t) {
    case 'byte': return reader.readByte();
    case 'short': return reader.readShort();
    case 'int': return reader.readInt();
    case 'long': return reader.readLong();
    case 'string': return reader.readString();
    case 'longString': return reader.readLongString();
    case 'bytes': return reader.readBytes();
    case 'shortBytes': return reader.readShortBytes();
    case 'value': return reader.readValue();
    case 'stringList': return reader.readStringList();
  }
}

describe('body reader/writer', () => {
  it('round-trips any sequence of notation values', () => {
    fc.assert(
      fc.property(fc.array(itemArb, { maxLength: 20 }), fc.integer({ min: 0, max: 64 }), (items, reserve) => {
        const writer = new BodyWriter(1, reserve); // tiny hint: exercises growth
        for (const item of items) write(writer, item);
        const frame = writer.finish();
        expect(writer.bodyLength).toBe(frame.length - reserve);
        const reader = new BodyReader().reset(frame.subarray(reserve));
        for (const item of items) expect(read(reader, item)).toEqual(item.v);
        expect(reader.remaining).toBe(0);
      }),
      { numRuns: 500 },
    );
  });

  it('throws MalformedBodyError (never reads past the end) on every truncation', () => {
    fc.assert(
      fc.property(fc.array(itemArb, { minLength: 1, maxLength: 8 }), fc.nat(), (items, cut) => {
        const writer = new BodyWriter(16);
        for (const item of items) write(writer, item);
        const full = writer.finish();
        const length = cut % full.length;
        const reader = new BodyReader().reset(full.subarray(0, length));
        let threw = false;
        try {
          for (const item of items) read(reader, item);
        } catch (error) {
          expect(error).toBeInstanceOf(MalformedBodyError);
          threw = true;
        }
        // Zero-length items at the end may legitimately fit; otherwise it must throw.
        if (!threw) expect(reader.remaining).toBe(0);
      }),
      { numRuns: 500 },
    );
  });

  it('reads [long] as an exact number when safe and a non-safe number otherwise', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (value) => {
        const b = Buffer.alloc(8);
        b.writeBigInt64BE(value);
        const n = new BodyReader().reset(b).readLongAsNumber();
        const safe = value >= -(2n ** 53n - 1n) && value <= 2n ** 53n - 1n;
        expect(Number.isSafeInteger(n)).toBe(safe);
        if (safe) expect(BigInt(n)).toBe(value);
      }),
      { numRuns: 1000 },
    );
    for (const edge of [2n ** 53n - 1n, 2n ** 53n, -(2n ** 53n) + 1n, -(2n ** 53n), -1n, 0n]) {
      const b = Buffer.alloc(8);
      b.writeBigInt64BE(edge);
      const n = new BodyReader().reset(b).readLongAsNumber();
      expect(Number.isSafeInteger(n)).toBe(edge > -(2n ** 53n) && edge < 2n ** 53n);
    }
  });

  it('returns views, not copies, for [bytes] and [value]', () => {
    const body = Buffer.from([0, 0, 0, 2, 7, 8]);
    const value = new BodyReader().reset(body).readValue() as Buffer;
    body[4] = 9;
    expect(value[0]).toBe(9);
  });

  it('maps [value] markers: -1 null, -2 unset, below -2 malformed', () => {
    const at = (n: number): Buffer => {
      const b = Buffer.alloc(4);
      b.writeInt32BE(n);
      return b;
    };
    expect(new BodyReader().reset(at(-1)).readValue()).toBeNull();
    expect(new BodyReader().reset(at(-2)).readValue()).toBe(UNSET);
    expect(() => new BodyReader().reset(at(-3)).readValue()).toThrow(MalformedBodyError);
    expect(new BodyReader().reset(at(-7)).readBytes()).toBeNull();
    expect(() => new BodyReader().reset(at(-1)).readLongString()).toThrow(MalformedBodyError);
  });

  it('refuses list and map counts the body cannot hold before allocating', () => {
    expect(() => new BodyReader().reset(Buffer.from([0xff, 0xff, 0, 0])).readStringList()).toThrow(MalformedBodyError);
    expect(() => new BodyReader().reset(Buffer.from([0xff, 0xff, 0, 0])).readStringMap()).toThrow(MalformedBodyError);
  });

  it('reads string maps (later duplicates win) and skips bytes maps', () => {
    const writer = new BodyWriter(32);
    writer.writeShort(2);
    writer.writeString('A');
    writer.writeString('1');
    writer.writeString('A');
    writer.writeString('2');
    writer.writeShort(2);
    writer.writeString('k');
    writer.writeBytes(Buffer.from('xyz'));
    writer.writeString('n');
    writer.writeBytes(null);
    writer.writeInt(77);
    const reader = new BodyReader().reset(writer.finish());
    expect([...reader.readStringMap()]).toEqual([['A', '2']]);
    reader.skipBytesMap();
    expect(reader.readInt()).toBe(77);
  });

  it('cuts over-long free-text strings at a character boundary', () => {
    const text = 'é'.repeat(40000); // 80000 UTF-8 bytes
    const writer = new BodyWriter(16);
    writer.writeStringTruncated(text);
    const out = new BodyReader().reset(writer.finish()).readString();
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(SHORT_MAX);
    expect(out).toBe('é'.repeat(32767));
    expect(() => new BodyWriter(16).writeString(text)).toThrow();
  });
});
