// nodetool verify and scrub. Verify reads every chunk of an SSTable's Data and Index (checksums,
// decompression) and decodes every partition and row (structure, order, index/data agreement,
// bloom filter), stopping at the first problem, which it reports with the file and offset.
// Scrub rewrites each SSTable of a table through its index, keeping every partition it can read
// and skipping those in corrupt blocks (a partition cut by corruption keeps the rows before it),
// then salvages quarantined SSTables the same way. Both run in bounded slices.
import type { Clock, Disk, Logger, Timers } from '../../io/index.ts';
import type { TableStore } from '../engine/table-store.ts';
import { StorageCorruptionError } from '../errors.ts';
import type { Row } from '../model.ts';
import type { ChunkCache } from '../sstable/chunk-cache.ts';
import { quarantineDirectoryOf, quarantinedGenerations } from '../sstable/quarantine.ts';
import { ALL_COMPONENTS, componentFileName } from '../sstable/sstable-format.ts';
import { openSSTableScanner, readSSTableMetadata } from '../sstable/sstable-reader.ts';
import type { IndexEntry, SSTableKeyCache, SSTableReader, SSTableScanner } from '../sstable/sstable-reader.ts';
import { publishSSTables } from '../sstable/sstable-writer.ts';
import type { TableLayout } from '../table-layout.ts';
import { CompactionOutput } from './compaction-output.ts';
import { InputsGone, replaceSSTables } from './sstable-replacement.ts';

/** Work between two yields to the event loop. */
export const MAINTENANCE_SLICE_MS = 4;

export interface VerifyOutcome {
  readonly tableId: string;
  readonly generation: number;
  readonly dataPath: string;
  readonly partitions: number;
  readonly rows: number;
  /** The first problem found, null when the SSTable is sound. */
  readonly error: StorageCorruptionError | null;
}

class Slicer {
  private readonly clock: Clock;
  private readonly timers: Timers;
  private sliceStart: number;

  constructor(clock: Clock, timers: Timers) {
    this.clock = clock;
    this.timers = timers;
    this.sliceStart = clock.monotonicMs();
  }

  /** Yields to the event loop once the current slice has run MAINTENANCE_SLICE_MS. */
  async maybeYield(): Promise<void> {
    if (this.clock.monotonicMs() - this.sliceStart < MAINTENANCE_SLICE_MS) return;
    await new Promise<void>((resolve) => {
      this.timers.setImmediate(resolve);
    });
    this.sliceStart = this.clock.monotonicMs();
  }
}

export async function verifySSTable(options: { disk: Disk; reader: SSTableReader; layout: TableLayout; clock: Clock; timers: Timers }): Promise<VerifyOutcome> {
  const { reader, layout } = options;
  const slicer = new Slicer(options.clock, options.timers);
  let scanner: SSTableScanner;
  try {
    // The metadata components again, as on disk now (they were checked at open only).
    readSSTableMetadata(options.disk, reader.directory, reader.generation);
    scanner = reader.openScanner();
  } catch (error) {
    if (!(error instanceof StorageCorruptionError)) throw error;
    return { tableId: layout.tableId, generation: reader.generation, dataPath: reader.path('Data.db'), partitions: 0, rows: 0, error };
  }
  let partitions = 0;
  let rows = 0;
  try {
    for (let i = 0; i < scanner.dataChunkCount; i++) {
      scanner.verifyDataChunk(i);
      await slicer.maybeYield();
    }
    for (let i = 0; i < scanner.indexChunkCount; i++) {
      scanner.verifyIndexChunk(i);
      await slicer.maybeYield();
    }
    let previous: IndexEntry | null = null;
    for (let entry = scanner.nextEntry(); entry !== null; entry = scanner.nextEntry()) {
      if (previous !== null && compareEntries(previous, entry) >= 0) {
        throw new StorageCorruptionError({ path: scanner.indexPath, offsetBytes: scanner.indexOffsetBytes, reason: 'index entries out of order' });
      }
      if (!reader.filter.mightContain(entry.token)) {
        throw new StorageCorruptionError({ path: reader.path('Filter.db'), offsetBytes: 0, reason: `bloom filter misses partition token ${entry.token}` });
      }
      const partition = scanner.open(layout, entry);
      let last: Row | null = null;
      const cursor = partition.rows(false, null);
      for (let row = cursor.next(); row !== null; row = cursor.next()) {
        if (last !== null && layout.compareClusterings(last.clustering, row.clustering) >= 0) {
          throw new StorageCorruptionError({ path: scanner.dataPath, offsetBytes: entry.dataOffsetBytes, reason: 'rows out of clustering order' });
        }
        last = row;
        rows++;
        if ((rows & 63) === 0) await slicer.maybeYield();
      }
      previous = entry;
      partitions++;
      await slicer.maybeYield();
    }
    if (partitions !== reader.statistics.partitionCount) {
      throw new StorageCorruptionError({ path: scanner.indexPath, offsetBytes: 0, reason: `${partitions} partitions, statistics say ${reader.statistics.partitionCount}` });
    }
    return { tableId: layout.tableId, generation: reader.generation, dataPath: scanner.dataPath, partitions, rows, error: null };
  } catch (error) {
    if (!(error instanceof StorageCorruptionError)) throw error;
    return { tableId: layout.tableId, generation: reader.generation, dataPath: scanner.dataPath, partitions, rows, error };
  } finally {
    scanner.close();
  }
}

export interface ScrubOutcome {
  readonly tableId: string;
  readonly generation: number;
  /** 'live': a live SSTable rewritten; 'quarantined': a quarantined one salvaged back. */
  readonly source: 'live' | 'quarantined';
  readonly partitionsKept: number;
  /** Partitions lost to corruption (whole, or cut short: counted in partitionsTruncated). */
  readonly partitionsSkipped: number;
  readonly partitionsTruncated: number;
  readonly badIndexChunks: number;
  /** Generation written (null when nothing was readable). */
  readonly output: number | null;
  /** Why nothing could be salvaged, when so. */
  readonly failure: string | null;
}

export interface ScrubOptions {
  readonly store: TableStore;
  readonly disk: Disk;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly logger: Logger;
  readonly chunkCache: ChunkCache | null;
  readonly keyCache: SSTableKeyCache | null;
  readonly onReplaced: (removed: readonly SSTableReader[]) => void;
}

/** Scrubs every live SSTable of the table, then salvages its quarantined ones. */
export async function scrubTable(options: ScrubOptions): Promise<ScrubOutcome[]> {
  const { store, disk, logger } = options;
  const outcomes: ScrubOutcome[] = [];
  for (const reader of [...store.sstables]) {
    if (store.compacting.has(reader.generation) || !store.sstables.includes(reader)) continue;
    store.compacting.add(reader.generation);
    try {
      let scanner: SSTableScanner;
      try {
        scanner = reader.openScanner();
      } catch (error) {
        outcomes.push(failed(store, reader.generation, 'live', error));
        continue;
      }
      const salvage = await salvageInto(options, scanner, reader.level);
      try {
        replaceSSTables({
          disk, logger, chunkCache: options.chunkCache, keyCache: options.keyCache, store, inputs: [reader], prepared: salvage.prepared,
          onReplaced: options.onReplaced,
        });
      } catch (error) {
        salvage.output.abort();
        if (error instanceof InputsGone) continue;
        throw error;
      }
      outcomes.push({ ...salvage.counts, tableId: store.tableId, generation: reader.generation, source: 'live', output: salvage.prepared[0]?.generation ?? null, failure: null });
    } finally {
      store.compacting.delete(reader.generation);
    }
  }
  const quarantine = quarantineDirectoryOf(store.directory);
  for (const generation of quarantinedGenerations(disk, store.directory)) {
    let scanner: SSTableScanner;
    try {
      scanner = openSSTableScanner(disk, quarantine, generation);
    } catch (error) {
      outcomes.push(failed(store, generation, 'quarantined', error));
      continue;
    }
    const salvage = await salvageInto(options, scanner, 0);
    const readers = publishSSTables({ disk, prepared: salvage.prepared, chunkCache: options.chunkCache, keyCache: options.keyCache });
    store.setSSTables([...store.sstables, ...readers], logger);
    for (const c of ALL_COMPONENTS) disk.remove(`${quarantine}/${componentFileName(generation, c)}`);
    disk.syncDirectory(quarantine);
    logger.warn({ table: store.tableId, generation, salvagedInto: readers.map((r) => r.generation), ...salvage.counts }, 'quarantined SSTable salvaged by scrub');
    outcomes.push({ ...salvage.counts, tableId: store.tableId, generation, source: 'quarantined', output: readers[0]?.generation ?? null, failure: null });
  }
  return outcomes;
}

function failed(store: TableStore, generation: number, source: 'live' | 'quarantined', error: unknown): ScrubOutcome {
  if (!(error instanceof StorageCorruptionError)) throw error;
  return {
    tableId: store.tableId, generation, source, partitionsKept: 0, partitionsSkipped: 0, partitionsTruncated: 0, badIndexChunks: 0, output: null,
    failure: error.message,
  };
}

interface SalvageCounts {
  partitionsKept: number;
  partitionsSkipped: number;
  partitionsTruncated: number;
  badIndexChunks: number;
}

/** Copies every readable partition of `scanner` into a new SSTable (prepared, not published). */
async function salvageInto(options: ScrubOptions, scanner: SSTableScanner, level: number): Promise<{ output: CompactionOutput; prepared: Awaited<ReturnType<CompactionOutput['finish']>>; counts: SalvageCounts }> {
  const { store, logger } = options;
  const layout = store.layout;
  const stats = scanner.statistics;
  const slicer = new Slicer(options.clock, options.timers);
  const counts: SalvageCounts = { partitionsKept: 0, partitionsSkipped: 0, partitionsTruncated: 0, badIndexChunks: 0 };
  const output = new CompactionOutput({
    disk: options.disk, directory: store.directory, layout, compression: store.compression, level, maxOutputBytes: Infinity,
    commitLogPosition: stats.commitLogPosition, timestampRange: { minMicros: stats.minTimestampMicros, maxMicros: stats.maxTimestampMicros },
    partitionsPerOutputEstimate: Math.max(1, stats.partitionCount), createdAtSeconds: Math.floor(options.clock.nowMs() / 1000),
    nextGeneration: () => store.nextGeneration++,
  });
  try {
    let previous: IndexEntry | null = null;
    for (;;) {
      let entry: IndexEntry | null;
      try {
        entry = scanner.nextEntry();
      } catch (error) {
        if (!(error instanceof StorageCorruptionError)) throw error;
        counts.badIndexChunks++;
        logger.warn({ table: store.tableId, generation: scanner.generation, file: error.path, offsetBytes: error.offsetBytes }, 'scrub: skipping a corrupt index chunk');
        if (!scanner.skipIndexChunk()) break;
        continue;
      }
      if (entry === null) break;
      // After a skipped chunk, an entry parsed from the middle of a huge one is garbage: skip it.
      if ((previous !== null && compareEntries(previous, entry) >= 0) || entry.dataOffsetBytes + entry.dataLengthBytes > scanner.dataLogicalBytes) {
        counts.partitionsSkipped++;
        continue;
      }
      previous = entry;
      let began = false;
      try {
        const partition = scanner.open(layout, entry);
        const cursor = partition.rows(false, null);
        output.beginPartition(entry.key, entry.token, partition);
        began = true;
        let last: Row | null = null;
        for (let row = cursor.next(); row !== null; row = cursor.next()) {
          if (last !== null && layout.compareClusterings(last.clustering, row.clustering) >= 0) {
            throw new StorageCorruptionError({ path: scanner.dataPath, offsetBytes: entry.dataOffsetBytes, reason: 'rows out of clustering order' });
          }
          output.addRow(row);
          last = row;
        }
        output.endPartition();
        counts.partitionsKept++;
      } catch (error) {
        if (!(error instanceof StorageCorruptionError)) throw error;
        logger.warn({ table: store.tableId, generation: scanner.generation, file: error.path, offsetBytes: error.offsetBytes, reason: error.message },
          began ? 'scrub: partition cut short by corruption; keeping the rows before it' : 'scrub: skipping an unreadable partition');
        if (began) {
          output.endPartition();
          counts.partitionsTruncated++;
          counts.partitionsKept++;
        } else {
          counts.partitionsSkipped++;
        }
      }
      await slicer.maybeYield();
    }
    const prepared = await output.finish();
    return { output, prepared, counts };
  } catch (error) {
    output.abort();
    throw error;
  } finally {
    scanner.close();
  }
}

function compareEntries(a: IndexEntry, b: IndexEntry): number {
  if (a.token !== b.token) return a.token < b.token ? -1 : 1;
  return Buffer.compare(a.key, b.key);
}
