import { describe, expect, it } from 'vitest';
import type { ReadPartition } from '../model.ts';
import { tableLayoutOf } from '../table-layout.ts';
import { TABLE_MAIN, deletion, expiringCell, int, liveCell, marker, pkOf, row, tombstoneCell } from '../testing/fixtures.ts';
import { isPartitionEmpty, mergeReadPartitions, toLivePartition } from './partition-merger.ts';

const layout = tableLayoutOf(TABLE_MAIN);
const { key, token } = pkOf(1);
const NOW = 1000;

function partition(parts: Partial<ReadPartition>): ReadPartition {
  return { key, token, partitionDeletion: null, staticRow: null, rows: [], rangeTombstones: [], ...parts };
}

describe('mergeReadPartitions (coordinator-side merge of replica results)', () => {
  it('reconciles row versions and applies deletions from any replica', () => {
    const a = partition({
      rows: [
        row([int(1)], { liveness: marker(10), cells: [liveCell('v', int(1), 10)] }),
        row([int(2)], { liveness: marker(10), cells: [liveCell('v', int(2), 10)] }),
        row([int(3)], { cells: [liveCell('v', int(3), 30)] }),
      ],
    });
    const b = partition({
      rows: [
        row([int(1)], { cells: [liveCell('v', int(100), 20)] }),
        row([int(2)], { deletion: deletion(15) }),
      ],
      rangeTombstones: [{ start: { values: [int(3)], inclusive: true }, end: { values: [int(5)], inclusive: true }, deletion: deletion(25) }],
    });
    const merged = mergeReadPartitions(layout, [a, b], { reversed: false, nowSeconds: NOW })!;
    expect(merged.rows.map((r) => r.clustering[0]!.readInt32BE(0))).toEqual([1, 2, 3]);
    expect(merged.rows[0]!.cells[0]!.value).toEqual(int(100));
    expect(merged.rows[1]!.deletion).toEqual(deletion(15));
    expect(merged.rows[1]!.cells).toEqual([]);
    expect(merged.rows[2]!.cells[0]!.value).toEqual(int(3));
    expect(merged.rangeTombstones.length).toBe(1);
    const live = toLivePartition(merged, NOW);
    expect(live.rows.map((r) => r.clustering[0]!.readInt32BE(0))).toEqual([1, 3]);
    expect(live.rangeTombstones).toEqual([]);
  });

  it('keeps query order for reversed results and lets a partition deletion win', () => {
    const a = partition({ rows: [row([int(2)], { liveness: marker(10) }), row([int(1)], { liveness: marker(10) })] });
    const b = partition({ rows: [row([int(3)], { liveness: marker(30) })], partitionDeletion: deletion(20) });
    const merged = mergeReadPartitions(layout, [a, b], { reversed: true, nowSeconds: NOW })!;
    expect(merged.partitionDeletion).toEqual(deletion(20));
    expect(merged.rows.map((r) => r.clustering[0]!.readInt32BE(0))).toEqual([3]);
  });

  it('merges static rows and reports emptiness at a point in time', () => {
    const a = partition({ staticRow: row([], { cells: [expiringCell('s', int(1), 10, 60, NOW + 10)] }) });
    const b = partition({ staticRow: row([], { cells: [tombstoneCell('s', 5, NOW)] }) });
    const merged = mergeReadPartitions(layout, [a, b], { reversed: false, nowSeconds: NOW })!;
    expect(merged.staticRow!.cells[0]!.value).toEqual(int(1));
    expect(isPartitionEmpty(merged, NOW)).toBe(false);
    expect(isPartitionEmpty(merged, NOW + 10)).toBe(true);
    expect(mergeReadPartitions(layout, [], { reversed: false, nowSeconds: NOW })).toBeNull();
  });
});
