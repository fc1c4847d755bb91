import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UNSET } from '../cql/index.ts';
import type { BoundValue } from '../cql/index.ts';
import { CqlError, ErrorCode } from '../lib/index.ts';
import { BodyReader, MalformedBodyError } from './body-reader.ts';
import { BodyWriter } from './body-writer.ts';
import { readBatch, readExecute, readQuery, readRegister } from './request-decoders.ts';
import { executeBody, queryBody, stringListBody } from './testing/test-frames.ts';

const reader = (body: Buffer): BodyReader => new BodyReader().reset(body);

const valueArb: fc.Arbitrary<BoundValue> = fc.oneof(
  fc.uint8Array({ maxLength: 20 }).map((a) => Buffer.from(a)),
  fc.constant(null),
  fc.constant(UNSET),
);

describe('request decoders', () => {
  it('decode every v4 query parameter flag', () => {
    fc.assert(
      fc.property(
        fc.record({
          consistency: fc.integer({ min: 0, max: 10 }),
          values: fc.option(fc.array(valueArb, { maxLength: 6 }), { nil: undefined }),
          named: fc.boolean(),
          skipMetadata: fc.boolean(),
          pageSize: fc.option(fc.integer({ min: -1, max: 100000 }), { nil: undefined }),
          pagingState: fc.option(fc.uint8Array({ maxLength: 10 }).map((a) => Buffer.from(a)), { nil: undefined }),
          serialConsistency: fc.option(fc.constantFrom(8, 9), { nil: undefined }),
          timestampMicros: fc.option(fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }), { nil: undefined }),
        }),
        fc.string(),
        (p, text) => {
          const names = p.values !== undefined && p.named ? p.values.map((_, i) => `n${i}`) : undefined;
          const body = queryBody(text, {
            consistency: p.consistency,
            ...(p.values === undefined ? {} : { values: p.values }),
            ...(names === undefined ? {} : { names }),
            skipMetadata: p.skipMetadata,
            ...(p.pageSize === undefined ? {} : { pageSize: p.pageSize }),
            ...(p.pagingState === undefined ? {} : { pagingState: p.pagingState }),
            ...(p.serialConsistency === undefined ? {} : { serialConsistency: p.serialConsistency }),
            ...(p.timestampMicros === undefined ? {} : { timestampMicros: BigInt(p.timestampMicros) }),
          });
          const request = readQuery(reader(body));
          expect(request.text).toBe(text);
          expect(request.options).toEqual({
            consistency: p.consistency,
            values: p.values ?? null,
            valueNames: names ?? null,
            skipMetadata: p.skipMetadata,
            pageSize: p.pageSize ?? null,
            pagingState: p.pagingState ?? null,
            serialConsistency: p.serialConsistency ?? null,
            timestampMicros: p.timestampMicros ?? null,
            keyspace: null,
            nowInSeconds: null,
          });
        },
      ),
      { numRuns: 500 },
    );
  });

  it('decodes values as views of the frame body', () => {
    const body = queryBody('x', { values: [Buffer.from('abc')] });
    const value = readQuery(reader(body)).options.values![0] as Buffer;
    expect(value.buffer).toBe(body.buffer);
  });

  it('refuses invalid consistency codes and unknown flags with Protocol error', () => {
    const bad = queryBody('x', { consistency: 11 });
    expect(() => readQuery(reader(bad))).toThrow(expect.objectContaining({ code: ErrorCode.ProtocolError }));
    const flags = queryBody('x');
    flags[flags.length - 1] = 0x80;
    expect(() => readQuery(reader(flags))).toThrow(CqlError);
  });

  it('refuses out-of-range default timestamps with Invalid', () => {
    const body = queryBody('x', { timestampMicros: -(2n ** 63n) });
    expect(() => readQuery(reader(body))).toThrow(expect.objectContaining({ code: ErrorCode.Invalid }));
  });

  it('decodes EXECUTE id and parameters', () => {
    const id = Buffer.from('beef', 'hex');
    const request = readExecute(reader(executeBody(id, { skipMetadata: true, values: [UNSET] })));
    expect(request.id).toEqual(id);
    expect(request.options.skipMetadata).toBe(true);
    expect(request.options.values).toEqual([UNSET]);
  });

  it('decodes BATCH with string and prepared children, serial CL and timestamp', () => {
    const writer = new BodyWriter(64);
    writer.writeByte(1); // unlogged
    writer.writeShort(2);
    writer.writeByte(0);
    writer.writeLongString('INSERT INTO t (k) VALUES (?)');
    writer.writeShort(1);
    writer.writeBytes(Buffer.from([1]));
    writer.writeByte(1);
    writer.writeShortBytes(Buffer.from('id'));
    writer.writeShort(2);
    writer.writeInt(-1);
    writer.writeInt(-2);
    writer.writeShort(4); // QUORUM
    writer.writeByte(0x30);
    writer.writeShort(9); // LOCAL_SERIAL
    writer.writeRaw(Buffer.from('0000000000000064', 'hex'));
    expect(readBatch(reader(writer.finish()))).toEqual({
      batchType: 'unlogged',
      children: [
        { kind: 'query', text: 'INSERT INTO t (k) VALUES (?)', values: [Buffer.from([1])], valueNames: null },
        { kind: 'prepared', id: Buffer.from('id'), values: [null, UNSET], valueNames: null },
      ],
      consistency: 4,
      serialConsistency: 9,
      timestampMicros: 100,
      keyspace: null,
      nowInSeconds: null,
    });
  });

  it('refuses bad batch types, child kinds and named values', () => {
    expect(() => readBatch(reader(Buffer.from([3, 0, 0, 0, 1, 0])))).toThrow(CqlError);
    expect(() => readBatch(reader(Buffer.from([0, 0, 1, 7, 0, 0, 0, 0, 0, 0])))).toThrow(MalformedBodyError);
    expect(() => readBatch(reader(Buffer.from([0, 0, 0, 0, 1, 0x40])))).toThrow(/Named values/);
    expect(() => readBatch(reader(Buffer.from([0, 0xff, 0xff])))).toThrow(MalformedBodyError);
  });

  it('REGISTER accepts the three event types only', () => {
    expect(readRegister(reader(stringListBody(['TOPOLOGY_CHANGE', 'STATUS_CHANGE', 'SCHEMA_CHANGE'])))).toHaveLength(3);
    expect(() => readRegister(reader(stringListBody(['NOPE'])))).toThrow(CqlError);
  });
});
