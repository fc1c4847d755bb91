// Runs inside a compaction worker thread (spawned through io's WorkerSpawner; io/real/worker-entry.ts
// calls runWorker): opens the task's input SSTables itself, merges them with the same
// CompactionMerger and CompactionOutput as the in-process path, and hands back the outputs
// written and fsynced under temp names. It never publishes, renames or deletes a live file: the
// main thread commits (compaction record, atomic swap) or removes the temp outputs.
import { assert } from '../../lib/index.ts';
import type { Disk, WorkerHost } from '../../io/index.ts';
import { StorageCorruptionError } from '../errors.ts';
import { compressionParamsOf } from '../sstable/compression.ts';
import { SSTableReader } from '../sstable/sstable-reader.ts';
import type { SSTableScanner } from '../sstable/sstable-reader.ts';
import { tableLayoutOf } from '../table-layout.ts';
import { COMPACTION_SLICE_ROWS, rangeContains } from './compaction-manager.ts';
import { CompactionMerger } from './compaction-merger.ts';
import { CompactionOutput } from './compaction-output.ts';
import { copyColumnsOf } from './partition-copy.ts';
import type { FromWorker, PurgeSnapshot, ToWorker, WirePrepared, WorkerTask } from './compaction-worker-protocol.ts';
import { filterFromWire, toWirePrepared } from './compaction-worker-protocol.ts';
import { indexPreparedOutputs } from './output-partition-index.ts';

/** Work between two progress reports (each waits for the main thread's throttle). */
export const WORKER_SLICE_MS = 20;
/** Generations asked for at once when the task's reservation runs out. */
export const WORKER_GENERATIONS_REFILL = 4;

class Cancelled extends Error {
  override readonly name = 'Cancelled';
}

/**
 * How far below the node's priority compaction threads run (nice +10: about a tenth of the CPU
 * weight of a normal thread when both want a core).
 */
export const COMPACTION_NICE_INCREMENT = 10;

export function runWorker(host: WorkerHost): void {
  // Compaction is background work: when the cores are busy, the event loop's requests go first
  // (Cassandra runs its compaction threads at the lowest priority too).
  host.lowerPriority?.(COMPACTION_NICE_INCREMENT);
  let waiting: ((m: ToWorker) => void) | null = null;
  let busy = false;
  host.onMessage((raw) => {
    const m = raw as ToWorker;
    if (m.type === 'task') {
      assert(!busy, 'one compaction per worker at a time');
      busy = true;
      void runTask(host, m, () => new Promise<ToWorker>((resolve) => {
        waiting = resolve;
      })).finally(() => {
        busy = false;
      });
      return;
    }
    const w = waiting;
    waiting = null;
    w?.(m);
  });
}

async function runTask(host: WorkerHost, task: WorkerTask, reply: () => Promise<ToWorker>): Promise<void> {
  const disk: Disk = host.disk;
  const readers: SSTableReader[] = [];
  const scanners: SSTableScanner[] = [];
  let output: CompactionOutput | null = null;
  try {
    const layout = tableLayoutOf(task.metadata);
    const compression = compressionParamsOf(task.metadata.options.compression).params;
    for (const g of task.inputs) readers.push(SSTableReader.open(disk, task.directory, g));
    for (const r of readers) scanners.push(r.openScanner());
    const generations = [...task.generations];
    const columns = copyColumnsOf(scanners.map((sc) => sc.statistics));
    const out = new CompactionOutput({
      disk, directory: task.directory, layout, compression, level: task.level, maxOutputBytes: task.maxOutputBytes,
      commitLogPosition: task.commitLogPosition, timestampRange: task.timestampRange, partitionsPerOutputEstimate: task.partitionsPerOutputEstimate,
      createdAtSeconds: task.createdAtSeconds,
      nextGeneration: () => {
        const g = generations.shift();
        assert(g !== undefined, 'a reserved generation for every output');
        return g;
      },
      columns,
    });
    output = out;
    const keep = task.keep;
    const merger = new CompactionMerger({
      layout, inputs: scanners, nowSeconds: task.nowSeconds, gcBeforeSeconds: task.gcBeforeSeconds,
      maxPurgeableTimestamp: purgeLimitOf(task.purge),
      ...(keep === null ? {} : { keepToken: (token: bigint) => keep.some((r) => r.left === r.right || rangeContains(r, token)) }),
      sink: out,
      copyColumns: columns,
    });
    while (!merger.done) {
      if (generations.length === 0 && out.mayRotateAtNextPartition) {
        host.post({ type: 'need-generations', count: WORKER_GENERATIONS_REFILL } satisfies FromWorker);
        const m = await reply();
        if (m.type === 'cancel') throw new Cancelled();
        assert(m.type === 'generations' && m.generations.length > 0, 'generations answer');
        generations.push(...m.generations);
      }
      const sliceStart = host.monotonicMs();
      // work(n) begins at most n partitions, so at most n outputs: never more than reserved. With
      // none left, one step at a time while the current output has room (it begins no new one).
      do merger.work(generations.length > 0 ? Math.min(COMPACTION_SLICE_ROWS, generations.length) : 1);
      while (!merger.done && (generations.length > 0 || !out.mayRotateAtNextPartition) && host.monotonicMs() - sliceStart < WORKER_SLICE_MS);
      host.post({ type: 'progress', bytesRead: merger.counters.bytesRead, writtenBytes: out.writtenBytes } satisfies FromWorker);
      const m = await reply();
      if (m.type === 'cancel') throw new Cancelled();
      assert(m.type === 'continue', 'progress answer');
    }
    // The outputs' partition indexes, built here so the main thread's readers scan no Index.db.
    const prepared = await indexPreparedOutputs({ disk, prepared: await out.finish(), stepEntries: Infinity, pause: null });
    const transfer: ArrayBuffer[] = [];
    const wire: WirePrepared[] = prepared.map((p) => toWirePrepared(p, transfer));
    host.post({ type: 'done', prepared: wire, counters: { ...merger.counters } } satisfies FromWorker, transfer);
  } catch (error) {
    output?.abort();
    if (error instanceof Cancelled) {
      host.post({ type: 'cancelled' } satisfies FromWorker);
    } else {
      const e = error as Error;
      const corruption = error instanceof StorageCorruptionError ? { path: error.path, offsetBytes: error.offsetBytes, reason: reasonOf(error) } : null;
      host.post({ type: 'failed', message: e.message ?? String(error), corruption } satisfies FromWorker);
    }
  } finally {
    for (const s of scanners) s.close();
    for (const r of readers) r.close();
  }
}

/**
 * maxPurgeableTimestamp from the snapshot: the memtables' floor, then each other SSTable whose
 * token range and filter admit the partition (what compaction-manager.ts consults, minus writes
 * after task start; docs/design/compaction.md argues why that is safe).
 */
export function purgeLimitOf(purge: PurgeSnapshot): (token: bigint, key: Buffer) => number {
  const others = purge.others.map((o) => ({ ...o, bloom: o.filter === null ? null : filterFromWire(o.filter) }));
  return (token) => {
    let min = purge.memtableFloorMicros;
    for (const o of others) {
      if (o.minTimestampMicros < min && token >= o.minToken && token <= o.maxToken && (o.bloom === null || o.bloom.mightContain(token))) {
        min = o.minTimestampMicros;
      }
    }
    return min;
  };
}

function reasonOf(error: StorageCorruptionError): string {
  const prefix = `corrupt storage file ${error.path} at offset ${error.offsetBytes}: `;
  return error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
}
