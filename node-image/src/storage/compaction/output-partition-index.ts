// The partition index of a compaction's prepared outputs, built from their temp Index.db before
// the commit, so publishing them builds no index on the event loop: a worker builds it whole
// (off the main thread), the in-process path in steps that yield. Invariant: an index handed over
// is dense and the reader takes it only if its count and Data length match the SSTable.
import type { Disk } from '../../io/index.ts';
import type { PartitionIndex } from '../sstable/partition-index.ts';
import { PartitionIndexScan } from '../sstable/sstable-reader.ts';
import { Component, tempFileName } from '../sstable/sstable-format.ts';
import type { PreparedSSTable } from '../sstable/sstable-writer.ts';

/** A prepared SSTable with its dense partition index (SSTableReader.fromWritten takes it). */
export interface IndexedPreparedSSTable extends PreparedSSTable {
  readonly partitionIndex: PartitionIndex | null;
}

/**
 * Builds each output's dense index; `pause` runs between steps of a bounded number of entries
 * (the in-process path yields there; a worker passes null and runs each scan whole).
 */
export async function indexPreparedOutputs(options: {
  disk: Disk;
  prepared: readonly PreparedSSTable[];
  stepEntries: number;
  pause: (() => Promise<void>) | null;
}): Promise<IndexedPreparedSSTable[]> {
  const { disk, pause } = options;
  const out: IndexedPreparedSSTable[] = [];
  for (const p of options.prepared) {
    const file = disk.openRead(`${p.directory}/${tempFileName(p.generation, Component.Index)}`);
    try {
      const scan = new PartitionIndexScan({
        file, indexTable: p.indexTable, compressor: p.compression.compressor, partitionCount: p.statistics.partitionCount,
        dataEndBytes: p.dataTable.logicalLengthBytes, interval: 1,
      });
      while (!scan.step(options.stepEntries)) if (pause !== null) await pause();
      out.push({ ...p, partitionIndex: scan.finish() });
    } finally {
      file.close();
    }
  }
  return out;
}
