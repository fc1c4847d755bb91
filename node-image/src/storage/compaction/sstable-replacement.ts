// Replaces SSTables of a table by others atomically on disk and in memory (compaction, scrub,
// expired drops): compaction record, publish the outputs, swap the table's list in one
// synchronous step, delete the inputs (all at once, or one per event-loop turn), remove the record
// (compaction-transaction.ts has the crash-recovery argument). Throws InputsGone, with nothing changed, when an input already left
// the table (quarantined, truncated, dropped).
import type { Disk, Logger } from '../../io/index.ts';
import type { TableStore } from '../engine/table-store.ts';
import type { ChunkCache } from '../sstable/chunk-cache.ts';
import type { SSTableKeyCache, SSTableReader } from '../sstable/sstable-reader.ts';
import { publishSSTables, publishSSTablesInBackground } from '../sstable/sstable-writer.ts';
import type { PreparedSSTable } from '../sstable/sstable-writer.ts';
import {
  removeCompactionRecord, removeCompactionRecordInBackground, syncDirectoryInBackground, writeCompactionRecord, writeCompactionRecordInBackground,
} from './compaction-transaction.ts';
import type { CompactionRecord } from './compaction-transaction.ts';

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
 * loop where the disk can (up to 93 ms per large Data.db was measured on it), and the record's,
 * the publication's and the deletion's fsyncs (five, 15-25 ms together in one event-loop turn
 * while compactions write) wait off the event loop too. The record stays until the last input is
 * gone, so a crash in between still completes the compaction at open; the caller holds the
 * compaction open until this resolves (truncate, drop and close wait for it).
 */
export async function replaceSSTablesStepwise(o: ReplacementOptions, pause: () => Promise<void>): Promise<SSTableReader[]> {
  const { readers, id } = await swapInBackground(o);
  for (const r of o.inputs) {
    await pause();
    await r.deleteInBackground();
  }
  await syncDirectoryInBackground(o.disk, o.store.directory);
  await removeCompactionRecordInBackground(o.disk, o.store.directory, id);
  return readers;
}

/**
 * swap() with the record's and the publication's fsyncs awaited. Inputs that left the table
 * while they ran (a quarantine) undo it: the outputs are deleted (TOC first), the directory
 * synced and the record removed, as recovery would after a crash at that point, and InputsGone
 * is thrown with the inputs untouched.
 */
async function swapInBackground(o: ReplacementOptions): Promise<{ readers: SSTableReader[]; id: number }> {
  const { disk, store, inputs, prepared } = o;
  checkInputsLive(store, inputs);
  const id = store.nextGeneration++;
  await writeCompactionRecordInBackground(disk, store.directory, recordOf(o, id));
  const readers = await publishSSTablesInBackground({ disk, prepared, chunkCache: o.chunkCache, keyCache: o.keyCache });
  try {
    checkInputsLive(store, inputs);
  } catch (error) {
    for (const r of readers) r.delete();
    disk.syncDirectory(store.directory);
    removeCompactionRecord(disk, store.directory, id);
    throw error;
  }
  install(o, readers);
  return { readers, id };
}

function checkInputsLive(store: TableStore, inputs: readonly SSTableReader[]): void {
  const live = store.sstables;
  for (const r of inputs) {
    if (r.isClosed || !live.includes(r)) throw new InputsGone(`input generation ${r.generation} left the table (quarantined, truncated or dropped)`);
  }
}

/** Steps 2 and 3 of the record protocol and the in-memory swap; the inputs stay on disk. */
function swap(o: ReplacementOptions): { readers: SSTableReader[]; id: number } {
  const { disk, store, inputs, prepared } = o;
  checkInputsLive(store, inputs);
  const id = store.nextGeneration++;
  writeCompactionRecord(disk, store.directory, recordOf(o, id));
  const readers = publishSSTables({ disk, prepared, chunkCache: o.chunkCache, keyCache: o.keyCache });
  install(o, readers);
  return { readers, id };
}

function recordOf(o: ReplacementOptions, id: number): CompactionRecord {
  return { id, inputs: o.inputs.map((r) => r.generation), outputs: o.prepared.map((p) => p.generation) };
}

/** The in-memory swap: the table's list loses the inputs and gains `readers` in one synchronous step. */
function install(o: ReplacementOptions, readers: readonly SSTableReader[]): void {
  const gone = new Set(o.inputs);
  o.store.setSSTables([...o.store.sstables.filter((r) => !gone.has(r)), ...readers], o.logger);
  o.onReplaced(o.inputs);
}

/** Steps 4 (the directory sync after the inputs' deletion) and 5. */
function retired(o: ReplacementOptions, id: number): void {
  o.disk.syncDirectory(o.store.directory);
  removeCompactionRecord(o.disk, o.store.directory, id);
}
