import { describe, expect, it } from 'vitest';
import { nativeType } from '../schema/index.ts';
import { buildTableMetadata } from '../schema/index.ts';
import { NO_DELETION_TIME, tableLayoutOf } from '../storage/index.ts';
import type { ReadCommand, ReadPartition, Row } from '../storage/index.ts';
import { ResultAccumulator, earlierCut, mergeResults, repairUpdate, rowDiff, truncationOf } from './read-resolution.ts';

const table = buildTableMetadata({
  keyspace: 'ks', name: 't', id: '00000000-0000-4000-8000-000000000001', partitionKey: [{ name: 'k', type: nativeType('int') }],
  clustering: [{ name: 'c', type: nativeType('int') }], columns: [{ name: 'v', type: nativeType('text') }],
});
const layout = tableLayoutOf(table);
const int = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const row = (c: number, v: string | null, ts: number): Row => ({
  clustering: [int(c)],
  liveness: v === null ? null : { timestampMicros: ts, ttlSeconds: 0, localExpirationTimeSeconds: NO_DELETION_TIME },
  deletion: v === null ? { markedForDeleteAtMicros: ts, localDeletionTimeSeconds: 10 } : null,
  cells: v === null ? [] : [{ column: 'v', path: null, value: Buffer.from(v), timestampMicros: ts, ttlSeconds: 0, localDeletionTimeSeconds: NO_DELETION_TIME, tombstone: false }],
  complexDeletions: [],
});
const partition = (k: number, rows: Row[]): ReadPartition => ({ key: int(k), token: BigInt(k), partitionDeletion: null, staticRow: null, rows, rangeTombstones: [] });
const command = (limits: Partial<ReadCommand['limits']>, single: boolean): ReadCommand => ({
  tableId: table.id,
  partitions: single ? { kind: 'single', key: int(1), token: 1n } : { kind: 'range', start: { token: -100n, key: null }, startInclusive: true, end: { token: 100n, key: null }, endInclusive: true },
  clustering: { kind: 'slices', slices: [{ start: { values: [], inclusive: true }, end: { values: [], inclusive: true } }], reversed: false },
  columns: 'all', limits: { rows: Infinity, perPartitionRows: Infinity, partitions: Infinity, ...limits }, nowSeconds: 100, resumeAfterClustering: null, includeStaticRow: true,
});

describe('read resolution', () => {
  it('a replica that reached the limit vouches only up to its last row', () => {
    const cmd = command({ rows: 2 }, true);
    const a = { partitions: [partition(1, [row(1, 'a', 1), row(2, 'b', 1)])] };
    const b = { partitions: [partition(1, [row(1, null, 5), row(2, 'b', 1), row(3, 'c', 1)])] };
    expect(truncationOf(cmd, a)?.afterClustering).toEqual([int(2)]);
    expect(truncationOf(cmd, b)?.afterClustering).toEqual([int(3)]);
    const cut = earlierCut(layout, false, truncationOf(cmd, a), truncationOf(cmd, b));
    const merged = mergeResults(layout, cmd, [a, b], cut);
    expect(merged).toHaveLength(1);
    expect(merged[0]!.merged.rows.map((r) => r.clustering[0]!.readInt32BE(0))).toEqual([1, 2]);
    expect(truncationOf(command({ rows: 5 }, true), a)).toBeNull();
  });

  it('repair updates carry exactly what a replica lacks, in clustering order', () => {
    const cmd = command({}, false);
    const a = { partitions: [partition(1, [row(1, 'new', 5), row(2, 'same', 1)])] };
    const b = { partitions: [partition(1, [row(1, 'old', 1), row(2, 'same', 1), row(3, null, 9)])] };
    const [m] = mergeResults(layout, cmd, [a, b], null);
    const forA = repairUpdate({ layout, reversed: false, merged: m!.merged, version: m!.versions[0]! })!;
    expect(forA.rows.map((r) => r.clustering[0]!.readInt32BE(0))).toEqual([3]);
    const forB = repairUpdate({ layout, reversed: false, merged: m!.merged, version: m!.versions[1]! })!;
    expect(forB.rows.map((r) => r.clustering[0]!.readInt32BE(0))).toEqual([1]);
    expect(forB.rows[0]!.cells[0]!.value.toString()).toBe('new');
    expect(rowDiff(row(2, 'same', 1), row(2, 'same', 1))).toBeNull();
    // A replica that returned nothing gets the whole merged partition.
    expect(repairUpdate({ layout, reversed: false, merged: m!.merged, version: null })!.rows).toHaveLength(3);
  });

  it('accumulates under row, partition and per-partition limits and joins a resumed partition', () => {
    const acc = new ResultAccumulator(command({ rows: 4, perPartitionRows: 2 }, false));
    expect(acc.add(partition(1, [row(1, 'a', 1), row(2, 'b', 1), row(3, 'c', 1)]))).toBe(true);
    expect(acc.partitions[0]!.rows).toHaveLength(2);
    expect(acc.add(partition(2, [row(1, null, 1), row(2, 'x', 1)]))).toBe(true);
    expect(acc.add(partition(2, [row(3, 'y', 1), row(4, 'z', 1)]))).toBe(false);
    expect(acc.partitions).toHaveLength(2);
    expect(acc.partitions[1]!.rows.map((r) => r.clustering[0]!.readInt32BE(0))).toEqual([1, 2, 3]);
    expect(acc.liveRows).toBe(4);
    const byPartitions = new ResultAccumulator(command({ partitions: 1 }, false));
    expect(byPartitions.add(partition(1, [row(1, 'a', 1)]))).toBe(false);
    expect(byPartitions.add(partition(2, [row(1, 'a', 1)]))).toBe(false);
    expect(byPartitions.partitions).toHaveLength(1);
  });
});
