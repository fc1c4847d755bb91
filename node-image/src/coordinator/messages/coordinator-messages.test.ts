import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConsistencyLevel } from '../../lib/index.ts';
import { NO_DELETION_TIME } from '../../storage/index.ts';
import type { Cell, Mutation, ReadCommand, ReadResult, Row } from '../../storage/index.ts';
import { CoordinatorMessageError, MessageReader, MessageWriter } from './coordinator-messages.ts';

const buf = fc.uint8Array({ maxLength: 6 }).map((a) => Buffer.from(a));
const clustering = fc.array(buf, { maxLength: 3 });
const bound = fc.record({ values: clustering, inclusive: fc.boolean() });
const token = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
const limit = fc.oneof(fc.constant(Number.POSITIVE_INFINITY), fc.integer({ min: 0, max: 10_000 }));

const readCommand: fc.Arbitrary<ReadCommand> = fc.record({
  tableId: fc.string(),
  partitions: fc.oneof(
    fc.record({ kind: fc.constant('single' as const), key: buf, token }),
    fc.record({
      kind: fc.constant('range' as const),
      start: fc.record({ token, key: fc.option(buf, { nil: null }) }),
      startInclusive: fc.boolean(),
      end: fc.record({ token, key: fc.option(buf, { nil: null }) }),
      endInclusive: fc.boolean(),
    }),
  ),
  clustering: fc.oneof(
    fc.record({ kind: fc.constant('slices' as const), slices: fc.array(fc.record({ start: bound, end: bound }), { maxLength: 3 }), reversed: fc.boolean() }),
    fc.record({ kind: fc.constant('names' as const), clusterings: fc.array(clustering, { maxLength: 3 }), reversed: fc.boolean() }),
  ),
  columns: fc.oneof(fc.constant('all' as const), fc.array(fc.string(), { maxLength: 4 })),
  limits: fc.record({ rows: limit, perPartitionRows: limit, partitions: limit }),
  nowSeconds: fc.integer({ min: 0, max: 2 ** 31 }),
  resumeAfterClustering: fc.option(clustering, { nil: null }),
  includeStaticRow: fc.boolean(),
});

const cell = (column: string, value: Buffer, ts: number, extra: Partial<Cell> = {}): Cell => ({
  column, path: null, value, timestampMicros: ts, ttlSeconds: 0, localDeletionTimeSeconds: NO_DELETION_TIME, tombstone: false, ...extra,
});
const row = (ck: number, cells: Cell[]): Row => ({
  clustering: [Buffer.from([ck])], liveness: { timestampMicros: 10, ttlSeconds: 0, localExpirationTimeSeconds: NO_DELETION_TIME }, deletion: null, cells, complexDeletions: [],
});

describe('coordinator messages', () => {
  const writer = new MessageWriter();
  const reader = new MessageReader();

  it('read commands round-trip', () => {
    fc.assert(fc.property(readCommand, (command) => {
      expect(reader.readCommand(writer.readCommand(command))).toEqual(command);
    }), { numRuns: 300 });
  });

  it('read results round-trip, deletions included', () => {
    const result: ReadResult = {
      partitions: [
        {
          key: Buffer.from('k1'), token: 5n, partitionDeletion: { markedForDeleteAtMicros: 3, localDeletionTimeSeconds: 100 },
          staticRow: { ...row(0, [cell('s', Buffer.from('x'), 12)]), clustering: [] },
          rows: [row(2, [cell('v', Buffer.from('b'), 11)]), row(1, [cell('v', Buffer.alloc(0), 9, { tombstone: true, localDeletionTimeSeconds: 50 })])],
          rangeTombstones: [{ start: { values: [Buffer.from([7])], inclusive: true }, end: { values: [], inclusive: true }, deletion: { markedForDeleteAtMicros: 8, localDeletionTimeSeconds: 60 } }],
        },
        { key: Buffer.from('k2'), token: -9n, partitionDeletion: null, staticRow: null, rows: [], rangeTombstones: [] },
      ],
    };
    expect(reader.readResult(writer.readResult(result))).toEqual(result);
    expect(writer.readResultView(result).equals(writer.readResult(result))).toBe(true);
  });

  it('counter mutations keep their delta flags and consistency', () => {
    const delta = Buffer.alloc(8);
    delta.writeBigInt64BE(5n);
    const m: Mutation = {
      keyspace: 'ks', key: Buffer.from('k'), token: 1n,
      updates: [{
        tableId: 't', key: Buffer.from('k'), token: 1n, partitionDeletion: null,
        staticRow: { ...row(0, [cell('s', delta, 4, { counterDelta: true })]), clustering: [], liveness: null },
        rows: [row(1, [cell('a', delta, 4, { counterDelta: true }), cell('b', Buffer.alloc(0), 4, { tombstone: true, localDeletionTimeSeconds: 9 })])],
        rangeTombstones: [],
      }],
    };
    const decoded = reader.counterMutation(writer.counterMutation(m, ConsistencyLevel.QUORUM));
    expect(decoded.consistency).toBe(ConsistencyLevel.QUORUM);
    expect(decoded.mutation).toEqual(m);
  });

  it('rejects malformed payloads with a typed error', () => {
    const good = writer.readCommand({
      tableId: 't', partitions: { kind: 'single', key: Buffer.from('k'), token: 1n },
      clustering: { kind: 'slices', slices: [], reversed: false }, columns: 'all',
      limits: { rows: 1, perPartitionRows: 1, partitions: 1 }, nowSeconds: 0, resumeAfterClustering: null, includeStaticRow: false,
    });
    expect(() => reader.readCommand(good.subarray(0, good.length - 3))).toThrow(CoordinatorMessageError);
    expect(() => reader.readCommand(Buffer.concat([good, Buffer.from([0])]))).toThrow(CoordinatorMessageError);
    expect(() => reader.mutation(Buffer.from([1, 2, 3]))).toThrow(CoordinatorMessageError);
  });
});
