import { describe, expect, it } from 'vitest';
import { BloomFilter } from '../sstable/bloom-filter.ts';
import { COMPRESSION_DEFAULT } from '../sstable/compression.ts';
import { PartitionIndexBuilder } from '../sstable/partition-index.ts';
import type { SSTableStatistics } from '../sstable/sstable-statistics.ts';
import type { PreparedSSTable } from '../sstable/sstable-writer.ts';
import { fromWirePrepared, toWirePrepared } from './compaction-worker-protocol.ts';

function prepared(): PreparedSSTable {
  const table = { logicalLengthBytes: 300, chunkLengthBytes: 4096, offsets: new Float64Array([0, 120]) };
  return {
    directory: '/d', generation: 7, statistics: { partitionCount: 3 } as unknown as SSTableStatistics, filter: new BloomFilter(3, 64, new Uint8Array(8)),
    dataTable: table, indexTable: table, compression: COMPRESSION_DEFAULT, sizeBytes: 500,
  };
}

describe('compaction worker wire', () => {
  it('carries the partition index a worker built, its arrays transferred, and none for a plain prepared SSTable', () => {
    const builder = new PartitionIndexBuilder(3);
    for (let i = 0; i < 3; i++) builder.add(i - 1, i * 7, { dataOffsetBytes: i * 100, dataLengthBytes: 100, indexOffsetBytes: i * 30, direct: i !== 1 });
    const index = builder.finish(300);
    const expected = structuredClone(index);
    const transfer: ArrayBuffer[] = [];
    const wire = toWirePrepared({ ...prepared(), partitionIndex: index }, transfer);
    expect(transfer).toHaveLength(5);
    const received = fromWirePrepared(structuredClone(wire, { transfer }), '/d', COMPRESSION_DEFAULT);
    expect(index.high.byteLength).toBe(0);
    expect(received.partitionIndex).toEqual(expected);
    expect(received.partitionIndex!.dataOffsetOf(2)).toBe(200);

    const plainTransfer: ArrayBuffer[] = [];
    const plain = fromWirePrepared(structuredClone(toWirePrepared(prepared(), plainTransfer), { transfer: plainTransfer }), '/d', COMPRESSION_DEFAULT);
    expect(plainTransfer).toHaveLength(1);
    expect(plain.partitionIndex).toBeNull();
  });
});
