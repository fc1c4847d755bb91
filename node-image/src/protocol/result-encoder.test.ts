import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { QueryResponse, ResultMetadata } from '../cql/index.ts';
import { nativeType } from '../schema/index.ts';
import { BodyReader } from './body-reader.ts';
import { ResultKind, RowsFlag } from './message-codes.ts';
import { encodeResultFrame } from './result-encoder.ts';
import { readRows } from './testing/test-frames.ts';
import { readTypeOption } from './type-option-codec.ts';

const SAME_TABLE: ResultMetadata = {
  columns: [
    { keyspace: 'ks', table: 't', name: 'k', type: nativeType('text') },
    { keyspace: 'ks', table: 't', name: 'v', type: { kind: 'list', element: nativeType('int'), frozen: false } },
  ],
};

function frameOf(response: QueryResponse, skipMetadata = false): { opcode: number; flags: number; stream: number; version: number; body: Buffer } {
  const frame = encodeResultFrame(response, skipMetadata);
  return { version: 0x84, flags: response.warnings.length > 0 ? 0x08 : 0, stream: 0, opcode: 0x08, body: frame.subarray(9) };
}

describe('result encoder', () => {
  it('Void is the kind alone', () => {
    expect(encodeResultFrame({ result: { kind: 'void' }, warnings: [] }, false).subarray(9).toString('hex')).toBe('00000001');
  });

  it('Rows with every column in one table use Global_tables_spec', () => {
    const rows = [[Buffer.from('a'), Buffer.from('0000000100000004', 'hex')], [Buffer.from('b'), null]];
    const decoded = readRows(frameOf({ result: { kind: 'rows', metadata: SAME_TABLE, rows, pagingState: null }, warnings: [] }));
    expect(decoded.flags).toBe(RowsFlag.GlobalTablesSpec);
    expect(decoded.columns).toEqual([
      { keyspace: 'ks', table: 't', name: 'k', type: nativeType('text') },
      { keyspace: 'ks', table: 't', name: 'v', type: { kind: 'list', element: nativeType('int'), frozen: false } },
    ]);
    expect(decoded.rows).toEqual(rows);
  });

  it('Rows spanning tables carry a table spec per column', () => {
    const metadata: ResultMetadata = {
      columns: [
        { keyspace: 'ks', table: 'a', name: 'x', type: nativeType('int') },
        { keyspace: 'ks', table: 'b', name: 'y', type: nativeType('int') },
      ],
    };
    const decoded = readRows(frameOf({ result: { kind: 'rows', metadata, rows: [], pagingState: null }, warnings: [] }));
    expect(decoded.flags).toBe(0);
    expect(decoded.columns.map((c) => `${c.table}.${c.name}`)).toEqual(['a.x', 'b.y']);
  });

  it('sets Has_more_pages with the paging state, and No_metadata for skip_metadata', () => {
    const state = Buffer.from('00ff00ff', 'hex');
    const response: QueryResponse = { result: { kind: 'rows', metadata: SAME_TABLE, rows: [[null, null]], pagingState: state }, warnings: [] };
    const full = readRows(frameOf(response));
    expect(full.flags).toBe(RowsFlag.GlobalTablesSpec | RowsFlag.HasMorePages);
    expect(full.pagingState).toEqual(state);
    const skipped = readRows(frameOf(response, true));
    expect(skipped.flags).toBe(RowsFlag.NoMetadata | RowsFlag.HasMorePages);
    expect(skipped.columnCount).toBe(2);
    expect(skipped.columns).toEqual([]);
    expect(skipped.rows).toEqual([[null, null]]);
  });

  it('round-trips any rows (cells of any size, nulls, empty values)', () => {
    const cell = fc.option(fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)), { nil: null, freq: 5 });
    fc.assert(
      fc.property(fc.array(fc.tuple(cell, cell), { maxLength: 30 }), (pairs) => {
        const rows = pairs.map(([a, b]) => [a, b]);
        expect(readRows(frameOf({ result: { kind: 'rows', metadata: SAME_TABLE, rows, pagingState: null }, warnings: [] })).rows).toEqual(rows);
      }),
      { numRuns: 300 },
    );
  });

  it('sizes Rows exactly (the frame buffer is not regrown)', () => {
    const rows = Array.from({ length: 1000 }, (_, i) => [Buffer.from(`key-${i}`), Buffer.alloc(i % 50)]);
    const frame = encodeResultFrame({ result: { kind: 'rows', metadata: SAME_TABLE, rows, pagingState: null }, warnings: [] }, false);
    // One allocation: the frame is a view at offset 0 of a buffer not much larger than it.
    expect(frame.byteOffset === 0 || frame.buffer.byteLength >= frame.length).toBe(true);
    expect(frame.buffer.byteLength - frame.length).toBeLessThan(200);
  });

  it('refuses a row whose width does not match the metadata', () => {
    expect(() => encodeResultFrame({ result: { kind: 'rows', metadata: SAME_TABLE, rows: [[null]], pagingState: null }, warnings: [] }, false))
      .toThrow(/row has 1 values for 2 columns/);
  });

  it('puts warnings first', () => {
    const frame = encodeResultFrame({ result: { kind: 'void' }, warnings: ['Batch too large', 'w2'] }, false);
    const reader = new BodyReader().reset(frame.subarray(9));
    expect(reader.readStringList()).toEqual(['Batch too large', 'w2']);
    expect(reader.readInt()).toBe(ResultKind.Void);
  });

  it('Set_keyspace and Schema_change bodies', () => {
    const ks = new BodyReader().reset(encodeResultFrame({ result: { kind: 'setKeyspace', keyspace: 'Ks' }, warnings: [] }, false).subarray(9));
    expect([ks.readInt(), ks.readString()]).toEqual([3, 'Ks']);
    const change = (event: Parameters<typeof encodeResultFrame>[0]['result']): BodyReader =>
      new BodyReader().reset(encodeResultFrame({ result: event, warnings: [] }, false).subarray(9));
    const keyspace = change({ kind: 'schemaChange', event: { change: 'CREATED', target: 'KEYSPACE', keyspace: 'ks' } });
    expect([keyspace.readInt(), keyspace.readString(), keyspace.readString(), keyspace.readString(), keyspace.remaining])
      .toEqual([5, 'CREATED', 'KEYSPACE', 'ks', 0]);
    const table = change({ kind: 'schemaChange', event: { change: 'UPDATED', target: 'TABLE', keyspace: 'ks', name: 't' } });
    expect([table.readInt(), table.readString(), table.readString(), table.readString(), table.readString(), table.remaining])
      .toEqual([5, 'UPDATED', 'TABLE', 'ks', 't', 0]);
    const fn = change({ kind: 'schemaChange', event: { change: 'DROPPED', target: 'FUNCTION', keyspace: 'ks', name: 'f', argumentTypes: ['int'] } });
    expect([fn.readInt(), fn.readString(), fn.readString(), fn.readString(), fn.readString(), fn.readStringList(), fn.remaining])
      .toEqual([5, 'DROPPED', 'FUNCTION', 'ks', 'f', ['int'], 0]);
  });

  it('Prepared (v4): id, bind metadata with pk indexes, result metadata', () => {
    const id = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
    const frame = encodeResultFrame({
      result: {
        kind: 'prepared',
        id,
        resultMetadataId: Buffer.alloc(16),
        bindMetadata: { columns: SAME_TABLE.columns, partitionKeyIndexes: [0] },
        resultMetadata: { columns: [] },
      },
      warnings: [],
    }, false);
    const reader = new BodyReader().reset(frame.subarray(9));
    expect(reader.readInt()).toBe(ResultKind.Prepared);
    expect(reader.readShortBytes()).toEqual(id);
    expect(reader.readInt()).toBe(RowsFlag.GlobalTablesSpec);
    expect(reader.readInt()).toBe(2); // columns
    expect(reader.readInt()).toBe(1); // pk count
    expect(reader.readShort()).toBe(0);
    expect([reader.readString(), reader.readString()]).toEqual(['ks', 't']);
    expect(reader.readString()).toBe('k');
    expect(readTypeOption(reader)).toEqual(nativeType('text'));
    expect(reader.readString()).toBe('v');
    readTypeOption(reader);
    // Result metadata of a statement without rows: No_metadata, 0 columns.
    expect([reader.readInt(), reader.readInt(), reader.remaining]).toEqual([RowsFlag.NoMetadata, 0, 0]);
  });
});
