// Replaces SSTables of a table by others atomically on disk and in memory (compaction, scrub,
// expired drops): compaction record, publish the outputs, swap the table's list in one
// synchronous step, delete the inputs (all at once, or one per event-loop turn), remove the record
// (compaction-transaction.ts has the crash-recovery argument). Throws InputsGone, with nothing changed, when an input already left
// the table (quarantined, truncated, dropped).
import type { Disk, Logger } from '../../io/index.ts';
import type { TableStore } from '../engine/table-store.ts';
import type { ChunkCache } from '../sstable/chunk-cache.ts';
import type { SSTableKeyCache, SSTableReader } from '../sstable/sstable-reader.ts';
import { publishSSTables } from '../sstable/sstable-writer.ts';
import type { PreparedSSTable } from '../sstable/sstable-writer.ts';
import { removeCompactionRecord, writeCompactionRecord } from './compaction-transaction.ts';

export class InputsGone extends Error {
  override readonly name = 'InputsGone';
}

export interface ReplacementOptions {
  readonly disk: Disk;
  readonly logger: Logger;
  readonly chunkCache: ChunkCache | null;
  readonly keyCache: SSTableKeyCache | null;
  readonly store: TableStore;
  readonly inputs: readonly SSTableReader[];
  /** Written, fsynced, under temp names. */
  readonly prepared: readonly PreparedSSTable[];
  /** Called after the swap, before the inputs are deleted (the caller retires their counters). */
  readonly onReplaced: (removed: readonly SSTableReader[]) => void;
}

/** Returns readers on the published outputs. */
export function replaceSSTables(o: ReplacementOptions): SSTableReader[] {
  const { readers, id } = swap(o);
  for (const r of o.inputs) r.delete();
  retired(o, id);
  return readers;
}

/**
 * replaceSSTables, but the inputs are deleted one per `pause` (dropping an SSTable's cached chunks
 * costs milliseconds: not all in one event-loop turn), their data files unlinked off the event
 * loop where the disk can (up to 93 ms per large Data.db was measured on it). The record
 * stays until the last is gone, so a crash in between still completes the compaction at open;
 * the caller holds the compaction open until this resolves (truncate, drop and close wait for it).
 */
export async function replaceSSTablesStepwise(o: ReplacementOptions, pause: () => Promise<void>): Promise<SSTableReader[]> {
  const { readers, id } = swap(o);
  for (const r of o.inputs) {
    await pause();
    await r.deleteInBackground();
  }
  retired(o, id);
  return readers;
}

/** Steps 2 and 3 of the record protocol and the in-memory swap; the inputs stay on disk. */
function swap(o: ReplacementOptions): { readers: SSTableReader[]; id: number } {
  const { disk, store, inputs, prepared } = o;
  const live = store.sstables;
  for (const r of inputs) {
    if (r.isClosed || !live.includes(r)) throw new InputsGone(`input generation ${r.generation} left the table (quarantined, truncated or dropped)`);
  }
  const id = store.nextGeneration++;
  writeCompactionRecord(disk, store.directory, { id, inputs: inputs.map((r) => r.generation), outputs: prepared.map((p) => p.generation) });
  const readers = publishSSTables({ disk, prepared, chunkCache: o.chunkCache, keyCache: o.keyCache });
  const gone = new Set(inputs);
  store.setSSTables([...live.filter((r) => !gone.has(r)), ...readers], o.logger);
  o.onReplaced(inputs);
  return { readers, id };
}

/** Steps 4 (the directory sync after the inputs' deletion) and 5. */
function retired(o: ReplacementOptions, id: number): void {
  o.disk.syncDirectory(o.store.directory);
  removeCompactionRecord(o.disk, o.store.directory, id);
}
