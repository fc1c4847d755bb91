import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NO_DELETION_TIME } from '../model.ts';
import type { Cell, Mutation, Row } from '../model.ts';
import { KEYSPACE, int, pkOf } from '../testing/fixtures.ts';
import { ByteReader } from './byte-reader.ts';
import { ByteWriter } from './byte-writer.ts';
import { MutationDecoder, MutationEncoder } from './mutation-codec.ts';

const timestamp = fc.oneof(
  fc.integer({ min: 0, max: 2_000_000 }),
  fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }),
  fc.constant(1_700_000_000_000_000),
);
const ldt = fc.oneof(fc.integer({ min: 0, max: 2 ** 31 - 2 }), fc.constant(NO_DELETION_TIME));
const bytes = fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a));
const deletionArb = fc.record({ markedForDeleteAtMicros: timestamp, localDeletionTimeSeconds: fc.integer({ min: 0, max: 2 ** 31 - 1 }) });

const cellArb: fc.Arbitrary<Cell> = fc.oneof(
  fc.record({ column: fc.constantFrom('a', 'b', 'éé'), path: fc.option(bytes), value: bytes, timestampMicros: timestamp, ttlSeconds: fc.constant(0), localDeletionTimeSeconds: fc.constant(NO_DELETION_TIME), tombstone: fc.constant(false) }),
  fc.record({ column: fc.constantFrom('a', 'b'), path: fc.option(bytes), value: bytes, timestampMicros: timestamp, ttlSeconds: fc.integer({ min: 1, max: 10_000_000 }), localDeletionTimeSeconds: fc.integer({ min: 0, max: 2 ** 31 - 2 }), tombstone: fc.constant(false) }),
  fc.record({ column: fc.constantFrom('a', 'b'), path: fc.option(bytes), value: fc.constant(Buffer.alloc(0)), timestampMicros: timestamp, ttlSeconds: fc.constant(0), localDeletionTimeSeconds: ldt, tombstone: fc.constant(true) }),
);

const rowArb: fc.Arbitrary<Row> = fc.record({
  clustering: fc.array(bytes, { maxLength: 3 }),
  liveness: fc.option(
    fc.oneof(
      fc.record({ timestampMicros: timestamp, ttlSeconds: fc.constant(0), localExpirationTimeSeconds: fc.constant(NO_DELETION_TIME) }),
      fc.record({ timestampMicros: timestamp, ttlSeconds: fc.integer({ min: 1, max: 100000 }), localExpirationTimeSeconds: fc.integer({ min: 0, max: 2 ** 31 - 2 }) }),
    ),
  ),
  deletion: fc.option(deletionArb),
  cells: fc.array(cellArb, { maxLength: 5 }),
  complexDeletions: fc.array(fc.record({ column: fc.constantFrom('a', 'b'), deletion: deletionArb }), { maxLength: 2 }),
});

const boundArb = fc.record({ values: fc.array(bytes, { maxLength: 2 }), inclusive: fc.boolean() });

const mutationArb: fc.Arbitrary<Mutation> = fc.integer().chain((pk) => {
  const { key, token } = pkOf(pk);
  return fc.record({
    keyspace: fc.constant(KEYSPACE),
    key: fc.constant(key),
    token: fc.constant(token),
    updates: fc.array(
      fc.record({
        tableId: fc.uuid(),
        key: fc.constant(key),
        token: fc.constant(token),
        partitionDeletion: fc.option(deletionArb),
        staticRow: fc.option(rowArb.map((r) => ({ ...r, clustering: [] }))),
        rows: fc.array(rowArb, { maxLength: 4 }),
        rangeTombstones: fc.array(fc.record({ start: boundArb, end: boundArb, deletion: deletionArb }), { maxLength: 2 }),
      }),
      { minLength: 1, maxLength: 3 },
    ),
  });
});

describe('mutation codec', () => {
  it('round-trips every mutation', () => {
    const encoder = new MutationEncoder();
    const decoder = new MutationDecoder();
    const writer = new ByteWriter(64);
    fc.assert(
      fc.property(mutationArb, (mutation) => {
        writer.reset();
        encoder.write(writer, mutation);
        const reader = new ByteReader(Buffer.from(writer.view()));
        const decoded = decoder.read(reader);
        expect(reader.remaining).toBe(0);
        expect(decoded).toEqual(mutation);
      }),
      { numRuns: 500 },
    );
  });

  it('encodes a simple one-cell write compactly', () => {
    const { key, token } = pkOf(1);
    const mutation: Mutation = {
      keyspace: KEYSPACE,
      key,
      token,
      updates: [{
        tableId: '00000000-0000-4000-8000-000000000001',
        key,
        token,
        partitionDeletion: null,
        staticRow: null,
        rows: [{ clustering: [int(1)], liveness: { timestampMicros: 1_700_000_000_000_000, ttlSeconds: 0, localExpirationTimeSeconds: NO_DELETION_TIME }, deletion: null, cells: [{ column: 'v', path: null, value: int(7), timestampMicros: 1_700_000_000_000_000, ttlSeconds: 0, localDeletionTimeSeconds: NO_DELETION_TIME, tombstone: false }], complexDeletions: [] }],
        rangeTombstones: [],
      }],
    };
    const writer = new ByteWriter(64);
    new MutationEncoder().write(writer, mutation);
    // keyspace 3 + key 5 + token 8 + count 1 + table id 37 + flags 1 + base 8 + rows 1 + row 22.
    expect(writer.length).toBeLessThan(90);
  });
});
