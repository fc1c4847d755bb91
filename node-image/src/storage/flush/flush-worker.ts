// Runs inside a flush worker thread (spawned through io's WorkerSpawner; io/real/worker-entry.ts
// calls runWorker): for each flush job it feeds the main thread's encoded batches to an
// SSTableComponentWriter (chunking, compression, CRCs, Index, summary, bloom filter), and on
// 'finish' writes the small components, fsyncs everything under temp names and builds the dense
// partition index from the temp Index.db (shipped with the prepared SSTable). Data pieces and keys
// in a memtable's shared slabs are read there (flush-worker-protocol.ts). It never renames,
// publishes or deletes a live file: the main thread publishes. A failed or aborted job leaves no
// temp file. Jobs of several tables may interleave; each job's messages arrive in order.
import type { WorkerHost } from '../../io/index.ts';
import { toWirePrepared } from '../compaction/compaction-worker-protocol.ts';
import { indexPreparedOutputs } from '../compaction/output-partition-index.ts';
import { ENCODED_KEY, encodedBaseAt, encodedKeyAt, encodedKeyView } from '../memtable/encoded-rows.ts';
import { CELLS, DROP_TIME, EXPIRING, HIGH, LENGTH, LOW, MAX_DELTA, MIN_DELTA, NO_SLAB, ROWS_AT, SLAB, START, STRIDE } from '../memtable/partition-fields.ts';
import { compressionParamsOf } from '../sstable/compression.ts';
import { SSTableComponentWriter } from '../sstable/sstable-component-writer.ts';
import type { IndexEntryFields } from '../sstable/sstable-component-writer.ts';
import { StatsCollector } from '../sstable/sstable-writer.ts';
import { ENTRY_FIELDS, INLINE } from './flush-worker-protocol.ts';
import type { FlushBatch, FlushWalk, FromFlushWorker, ToFlushWorker } from './flush-worker-protocol.ts';

/**
 * How far below the node's priority flush threads run (nice +5: about a third of the CPU weight
 * of the event loop, three times a compaction thread's). When the cores are busy the event loop
 * goes first and a flush takes the CPU it leaves; a flush that falls behind is bounded by the
 * memtable space limit, which slows writers. Flushes still go before compactions, whose input
 * they are. 1M sequential writes: 369-399k -> 403-431k writes/s; 3M random writes, sustained
 * with flushes and compactions: 321-330k -> 334-339k (scratch harness, alternating).
 */
export const FLUSH_NICE_INCREMENT = 5;

export function runWorker(host: WorkerHost): void {
  // Between the event loop and compaction (COMPACTION_NICE_INCREMENT): see FLUSH_NICE_INCREMENT.
  host.lowerPriority?.(FLUSH_NICE_INCREMENT);
  const jobs = new Map<number, SSTableComponentWriter>();
  /** Each job's slabs by id and its slab partitions' timestamp bounds (dropped with the job). */
  const slabsOf = new Map<number, SlabState>();
  const entry: IndexEntryFields = {
    key: Buffer.alloc(0), tokenHigh: 0, tokenLow: 0, partitionStartBytes: 0, dataLengthBytes: 0, rowIndexRelativeBytes: 0, rowsRelativeBytes: 0,
  };
  const fail = (jobId: number, error: unknown): void => {
    const writer = jobs.get(jobId);
    jobs.delete(jobId);
    slabsOf.delete(jobId);
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
          slabsOf.set(m.jobId, { slabs: [], minTimestampMicros: Infinity, maxTimestampMicros: -Infinity, walked: null });
        } catch (error) {
          fail(m.jobId, error);
        }
        return;
      case 'batch': {
        const writer = jobs.get(m.jobId);
        if (writer === undefined) return; // failed or aborted already
        try {
          const state = slabsOf.get(m.jobId)!;
          for (const shared of m.slabs) state.slabs.push(Buffer.from(shared));
          writeBatch(writer, m, state, entry);
        } catch (error) {
          fail(m.jobId, error);
          return;
        }
        host.post({ type: 'batch-done', jobId: m.jobId, data: m.data, physicalBytes: writer.dataPhysicalBytes } satisfies FromFlushWorker, [m.data.buffer as ArrayBuffer]);
        return;
      }
      case 'walk': {
        const writer = jobs.get(m.jobId);
        if (writer === undefined) return;
        try {
          walkEncoded(writer, m, slabsOf.get(m.jobId)!, entry);
        } catch (error) {
          fail(m.jobId, error);
        }
        return;
      }
      case 'finish': {
        const writer = jobs.get(m.jobId);
        if (writer === undefined) return;
        // The slab partitions' timestamp bounds (and a walk's statistics) join the encoder's.
        const state = slabsOf.get(m.jobId)!;
        let encoded = m.statistics;
        if (state.walked !== null) {
          state.walked.absorb(encoded);
          encoded = state.walked.encoded(encoded.columns);
        }
        const statistics = {
          ...encoded,
          minTimestampMicros: Math.min(encoded.minTimestampMicros, state.minTimestampMicros),
          maxTimestampMicros: Math.max(encoded.maxTimestampMicros, state.maxTimestampMicros),
        };
        // The dense partition index is built here from the temp Index.db (off the main thread),
        // so publishing the SSTable scans nothing on the event loop.
        writer.finish(statistics)
          .then((prepared) => (prepared === null ? null : indexPreparedOutputs({ disk: host.disk, prepared: [prepared], stepEntries: Infinity, pause: null }).then((indexed) => indexed[0]!)))
          .then((prepared) => {
            jobs.delete(m.jobId);
            slabsOf.delete(m.jobId);
            const transfer: ArrayBuffer[] = [];
            const wire = prepared === null ? null : toWirePrepared(prepared, transfer);
            host.post({ type: 'done', jobId: m.jobId, prepared: wire } satisfies FromFlushWorker, transfer);
          }, (error: unknown) => fail(m.jobId, error));
        return;
      }
      case 'abort': {
        const writer = jobs.get(m.jobId);
        jobs.delete(m.jobId);
        slabsOf.delete(m.jobId);
        writer?.abort();
        host.post({ type: 'aborted', jobId: m.jobId } satisfies FromFlushWorker);
        return;
      }
    }
  });
}

interface SlabState {
  readonly slabs: Buffer[];
  minTimestampMicros: number;
  maxTimestampMicros: number;
  /** The statistics of a walk's partitions but their timestamps (null: no walk). */
  walked: StatsCollector | null;
}

/** Widens the job's timestamp bounds by a slab partition's (deltas from the base its header ends with). */
function countTimestampBounds(state: SlabState, slab: Buffer, start: number, rowsAt: number, minDelta: number, maxDelta: number): void {
  const base = encodedBaseAt(slab, start, rowsAt);
  if (base + minDelta < state.minTimestampMicros) state.minTimestampMicros = base + minDelta;
  if (base + maxDelta > state.maxTimestampMicros) state.maxTimestampMicros = base + maxDelta;
}

/** A walk's partition (the fields StatsCollector counts of an encoded one), reused. */
const WALKED = { cellCount: 0, dropTimeSeconds: 0, expiringCount: 0 };

/**
 * Writes a memtable's partitions, all one encoded row, from its fields and slabs (what the main
 * thread's SSTableWriter.writeEncodedWalk handed over): the same Data bytes, index entries and
 * statistics as the writer's writeEncoded of each, in `ids` order.
 */
function walkEncoded(writer: SSTableComponentWriter, walk: FlushWalk, state: SlabState, entry: IndexEntryFields): void {
  if (writer.dataLogicalBytes !== 0 || state.walked !== null) throw new Error('a walk comes first and once in its flush');
  const fields = new Int32Array(walk.fields);
  const slabs = walk.slabs.map((shared) => Buffer.from(shared));
  const stats = new StatsCollector();
  state.walked = stats;
  const ids = walk.ids;
  let previousHigh = 0;
  let previousLow = 0;
  let previousKey: Buffer | null = null;
  for (let i = 0; i < ids.length; i++) {
    const at = ids[i]! * STRIDE;
    if (at < 0 || at + STRIDE > fields.length) throw new Error(`walk refers to partition ${ids[i]}, beyond the memtable's fields`);
    const slabNumber = fields[at + SLAB]!;
    if (slabNumber === NO_SLAB) throw new Error(`walk partition ${ids[i]} is not one encoded row`);
    const slab = slabOf(slabs, slabNumber);
    const start = fields[at + START]!;
    const length = fields[at + LENGTH]!;
    const rowsAt = fields[at + ROWS_AT]!;
    if (start < 0 || start + length > slab.length || rowsAt < 8 || rowsAt > length) throw new Error(`walk partition ${ids[i]} runs past its slab of ${slab.length} bytes`);
    const high = fields[at + HIGH]!;
    const low = fields[at + LOW]! >>> 0;
    const keyAt = encodedKeyAt(slab, start);
    const key = slab.subarray(keyAt, keyAt + ENCODED_KEY.length);
    if (previousKey !== null) {
      const order = high !== previousHigh ? (high > previousHigh ? 1 : -1) : low !== previousLow ? (low > previousLow ? 1 : -1) : Buffer.compare(key, previousKey);
      if (order <= 0) throw new Error('walk partitions not in strictly increasing (token, key) order');
    }
    previousHigh = high;
    previousLow = low;
    previousKey = key;
    countTimestampBounds(state, slab, start, rowsAt, fields[at + MIN_DELTA]!, fields[at + MAX_DELTA]!);
    entry.key = key;
    entry.tokenHigh = high;
    entry.tokenLow = low;
    entry.partitionStartBytes = writer.dataLogicalBytes;
    entry.dataLengthBytes = length;
    entry.rowIndexRelativeBytes = 0;
    entry.rowsRelativeBytes = rowsAt;
    writer.writeDataFrom(slab, start, start + length);
    writer.addEntry(entry);
    WALKED.cellCount = fields[at + CELLS]!;
    WALKED.dropTimeSeconds = fields[at + DROP_TIME]!;
    WALKED.expiringCount = fields[at + EXPIRING]!;
    stats.encodedPartitionUntimed(WALKED);
    stats.partitionSize(length);
  }
}

function writeBatch(writer: SSTableComponentWriter, batch: FlushBatch, state: SlabState, entry: IndexEntryFields): void {
  const slabs = state.slabs;
  const { entries, keys, keyOffsets } = batch;
  const keyBytes = Buffer.from(keys.buffer, keys.byteOffset, keys.byteLength);
  // Entries and Data pieces interleaved: a slab partition's key and base are read first (its
  // bytes' first touch), then its bytes are copied while they are in the cache, then its entry
  // follows its last Data byte.
  let segment = 0;
  for (let i = 0; i < batch.entryCount; i++) {
    const at = i * ENTRY_FIELDS;
    const keySource = entries[at + 6]!;
    if (keySource === INLINE) {
      entry.key = keyBytes.subarray(keyOffsets[i]!, keyOffsets[i + 1]!);
    } else {
      const slab = slabOf(slabs, keySource);
      const start = entries[at + 7]!;
      entry.key = encodedKeyView(slab, start);
      countTimestampBounds(state, slab, start, entries[at + 5]!, entries[at + 8]!, entries[at + 9]!);
    }
    const partitionEnd = entries[at + 2]! + entries[at + 3]!;
    while (segment < batch.segmentCount && writer.dataLogicalBytes < partitionEnd) writeSegment(writer, batch, slabs, segment++);
    entry.tokenHigh = entries[at]!;
    entry.tokenLow = entries[at + 1]!;
    entry.partitionStartBytes = entries[at + 2]!;
    entry.dataLengthBytes = entries[at + 3]!;
    entry.rowIndexRelativeBytes = entries[at + 4]!;
    entry.rowsRelativeBytes = entries[at + 5]!;
    writer.addEntry(entry);
  }
  // The start of a partition whose entry comes in a later batch.
  while (segment < batch.segmentCount) writeSegment(writer, batch, slabs, segment++);
}

function writeSegment(writer: SSTableComponentWriter, batch: FlushBatch, slabs: readonly Buffer[], i: number): void {
  const segments = batch.segments;
  const at = i * 3;
  const source = segments[at]!;
  const start = segments[at + 1]!;
  const end = start + segments[at + 2]!;
  if (source === INLINE) {
    writer.writeData(batch.data.subarray(start, end));
    return;
  }
  const slab = slabOf(slabs, source);
  if (start < 0 || end > slab.length) throw new Error(`flush batch piece [${start}, ${end}) runs past its slab of ${slab.length} bytes`);
  writer.writeDataFrom(slab, start, end);
}

function slabOf(slabs: readonly Buffer[], id: number): Buffer {
  const slab = slabs[id];
  if (slab === undefined) throw new Error(`flush batch refers to slab ${id}, not sent`);
  return slab;
}
