import { describe, expect, it } from 'vitest';
import { buildTableMetadata, nativeType } from '../../schema/index.ts';
import type { Cell, Mutation, PartitionUpdate } from '../../storage/index.ts';
import { NO_DELETION_TIME } from '../../storage/index.ts';
import { mergeMutationsByPartition, mergePartitionMutations } from './mutation-merge.ts';

const counters = buildTableMetadata({
  keyspace: 'ks', name: 'ctr', id: '00000000-0000-4000-8000-000000000001',
  partitionKey: [{ name: 'k', type: nativeType('int') }],
  columns: [{ name: 'a', type: nativeType('counter') }, { name: 'b', type: nativeType('counter') }],
});
const wide = buildTableMetadata({
  keyspace: 'ks', name: 'wide', id: '00000000-0000-4000-8000-000000000002',
  partitionKey: [{ name: 'k', type: nativeType('int') }],
  clustering: [{ name: 'c', type: nativeType('int') }],
  columns: [{ name: 'v', type: nativeType('text') }, { name: 'm', type: { kind: 'map', key: nativeType('text'), value: nativeType('int'), frozen: false } }],
});
const tables = (id: string) => (id === counters.id ? counters : wide);
const KEY = Buffer.from([0, 0, 0, 1]);

function int(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n, 0);
  return b;
}

function delta(column: string, n: bigint, ts = 1): Cell {
  const value = Buffer.alloc(8);
  value.writeBigInt64BE(n, 0);
  return { column, path: null, value, timestampMicros: ts, ttlSeconds: 0, localDeletionTimeSeconds: NO_DELETION_TIME, tombstone: false, counterDelta: true };
}

function cell(column: string, value: string, ts: number, path: Buffer | null = null): Cell {
  return { column, path, value: Buffer.from(value), timestampMicros: ts, ttlSeconds: 0, localDeletionTimeSeconds: NO_DELETION_TIME, tombstone: false };
}

function update(tableId: string, rows: PartitionUpdate['rows'], staticRow: PartitionUpdate['staticRow'] = null): PartitionUpdate {
  return { tableId, key: KEY, token: 1n, partitionDeletion: null, staticRow, rows, rangeTombstones: [] };
}

function mutation(...updates: PartitionUpdate[]): Mutation {
  return { keyspace: 'ks', key: KEY, token: 1n, updates };
}

describe('mergePartitionMutations', () => {
  it('adds counter deltas of the same cell and keeps other cells', () => {
    const merged = mergePartitionMutations([
      mutation(update(counters.id, [{ clustering: [], liveness: null, deletion: null, cells: [delta('a', 1n)], complexDeletions: [] }])),
      mutation(update(counters.id, [{ clustering: [], liveness: null, deletion: null, cells: [delta('a', 2n), delta('b', -5n)], complexDeletions: [] }])),
    ], tables);
    expect(merged.updates).toHaveLength(1);
    const cells = merged.updates[0]!.rows[0]!.cells;
    expect(cells.map((c) => [c.column, c.value.readBigInt64BE(0)])).toEqual([['a', 3n], ['b', -5n]]);
  });

  it('reconciles regular cells by timestamp, sorts rows and map paths', () => {
    const merged = mergePartitionMutations([
      mutation(update(wide.id, [
        { clustering: [int(1)], liveness: null, deletion: null, cells: [cell('m', '', 5, Buffer.from('b'))], complexDeletions: [] },
        { clustering: [int(2)], liveness: null, deletion: null, cells: [cell('v', 'old', 1)], complexDeletions: [] },
      ])),
      mutation(update(wide.id, [
        { clustering: [int(1)], liveness: null, deletion: null, cells: [cell('m', '', 5, Buffer.from('a'))], complexDeletions: [] },
        { clustering: [int(2)], liveness: { timestampMicros: 3, ttlSeconds: 0, localExpirationTimeSeconds: NO_DELETION_TIME }, deletion: null, cells: [cell('v', 'new', 3)], complexDeletions: [] },
      ])),
    ], tables);
    const rows = merged.updates[0]!.rows;
    expect(rows.map((r) => r.clustering[0]!.readInt32BE(0))).toEqual([1, 2]);
    expect(rows[0]!.cells.map((c) => c.path!.toString())).toEqual(['a', 'b']);
    expect(rows[1]!.cells.map((c) => c.value.toString())).toEqual(['new']);
    expect(rows[1]!.liveness?.timestampMicros).toBe(3);
  });

  it('keeps one update per table and one mutation per partition key', () => {
    const other: Mutation = { keyspace: 'ks', key: Buffer.from([9]), token: 9n, updates: [update(wide.id, [])] };
    const out = mergeMutationsByPartition([
      mutation(update(wide.id, [])), other, mutation(update(counters.id, [])), mutation(update(wide.id, [])),
    ], tables);
    expect(out).toHaveLength(2);
    expect(out[0]!.updates.map((u) => u.tableId)).toEqual([wide.id, counters.id]);
    expect(out[1]).toBe(other);
  });
});
