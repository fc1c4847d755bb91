// Runs inside a flush worker thread (spawned through io's WorkerSpawner; io/real/worker-entry.ts
// calls runWorker): for each flush job it feeds the main thread's encoded batches to an
// SSTableComponentWriter (chunking, compression, CRCs, Index, summary, bloom filter), and on
// 'finish' writes the small components, fsyncs everything under temp names and builds the dense
// partition index from the temp Index.db (shipped with the prepared SSTable). It never renames,
// publishes or deletes a live file: the main thread publishes. A failed or aborted job leaves no
// temp file. Jobs of several tables may interleave; each job's messages arrive in order.
import type { WorkerHost } from '../../io/index.ts';
import { toWirePrepared } from '../compaction/compaction-worker-protocol.ts';
import { indexPreparedOutputs } from '../compaction/output-partition-index.ts';
import { compressionParamsOf } from '../sstable/compression.ts';
import { SSTableComponentWriter } from '../sstable/sstable-component-writer.ts';
import type { IndexEntryFields } from '../sstable/sstable-component-writer.ts';
import { ENTRY_FIELDS } from './flush-worker-protocol.ts';
import type { FlushBatch, FromFlushWorker, ToFlushWorker } from './flush-worker-protocol.ts';

export function runWorker(host: WorkerHost): void {
  const jobs = new Map<number, SSTableComponentWriter>();
  const entry: IndexEntryFields = {
    key: Buffer.alloc(0), tokenHigh: 0, tokenLow: 0, partitionStartBytes: 0, dataLengthBytes: 0, rowIndexRelativeBytes: 0, rowsRelativeBytes: 0,
  };
  const fail = (jobId: number, error: unknown): void => {
    const writer = jobs.get(jobId);
    jobs.delete(jobId);
    writer?.abort();
    host.post({ type: 'failed', jobId, message: (error as Error).message ?? String(error) } satisfies FromFlushWorker);
  };
  host.onMessage((raw) => {
    const m = raw as ToFlushWorker;
    switch (m.type) {
      case 'begin':
        try {
          jobs.set(m.jobId, new SSTableComponentWriter({
            disk: host.disk, directory: m.directory, generation: m.generation, tableId: m.tableId,
            compression: compressionParamsOf(m.compressionOptions).params, partitionCountEstimate: m.partitionCountEstimate,
            bloomFilterFpChance: m.bloomFilterFpChance, maxIndexInterval: m.maxIndexInterval, commitLogPosition: m.commitLogPosition,
            level: m.level, createdAtSeconds: m.createdAtSeconds,
          }));
        } catch (error) {
          fail(m.jobId, error);
        }
        return;
      case 'batch': {
        const writer = jobs.get(m.jobId);
        if (writer === undefined) return; // failed or aborted already
        try {
          writeBatch(writer, m, entry);
        } catch (error) {
          fail(m.jobId, error);
          return;
        }
        host.post({ type: 'batch-done', jobId: m.jobId, data: m.data, physicalBytes: writer.dataPhysicalBytes } satisfies FromFlushWorker, [m.data.buffer as ArrayBuffer]);
        return;
      }
      case 'finish': {
        const writer = jobs.get(m.jobId);
        if (writer === undefined) return;
        // The dense partition index is built here from the temp Index.db (off the main thread),
        // so publishing the SSTable scans nothing on the event loop.
        writer.finish(m.statistics)
          .then((prepared) => (prepared === null ? null : indexPreparedOutputs({ disk: host.disk, prepared: [prepared], stepEntries: Infinity, pause: null }).then((indexed) => indexed[0]!)))
          .then((prepared) => {
            jobs.delete(m.jobId);
            const transfer: ArrayBuffer[] = [];
            const wire = prepared === null ? null : toWirePrepared(prepared, transfer);
            host.post({ type: 'done', jobId: m.jobId, prepared: wire } satisfies FromFlushWorker, transfer);
          }, (error: unknown) => fail(m.jobId, error));
        return;
      }
      case 'abort': {
        const writer = jobs.get(m.jobId);
        jobs.delete(m.jobId);
        writer?.abort();
        host.post({ type: 'aborted', jobId: m.jobId } satisfies FromFlushWorker);
        return;
      }
    }
  });
}

function writeBatch(writer: SSTableComponentWriter, batch: FlushBatch, entry: IndexEntryFields): void {
  writer.writeData(batch.data);
  const { entries, keys, keyOffsets } = batch;
  const keyBytes = Buffer.from(keys.buffer, keys.byteOffset, keys.byteLength);
  for (let i = 0; i < batch.entryCount; i++) {
    const at = i * ENTRY_FIELDS;
    const high = entries[at]!;
    const low = entries[at + 1]!;
    entry.key = keyBytes.subarray(keyOffsets[i]!, keyOffsets[i + 1]!);
    entry.tokenHigh = high;
    entry.tokenLow = low;
    entry.partitionStartBytes = entries[at + 2]!;
    entry.dataLengthBytes = entries[at + 3]!;
    entry.rowIndexRelativeBytes = entries[at + 4]!;
    entry.rowsRelativeBytes = entries[at + 5]!;
    writer.addEntry(entry);
  }
}
