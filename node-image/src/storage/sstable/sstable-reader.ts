// Reads one SSTable: the bloom filter and token bounds rule partitions out without I/O; the key
// cache, else the in-memory partition index (partition-index.ts, sized by the shard's budget)
// finds a partition: dense, by a binary search and one Data read; sampled, by a short Index.db
// scan. Data chunks are checksum-verified (and decompressed) on every load. A small partition is
// read whole; a large one reads its header, then its row index and only the blocks a query
// touches. Rows decode lazily in either direction (a row outside the query is skipped by its length).
import type { Disk, ReadableFile } from '../../io/index.ts';
import { assert } from '../../lib/index.ts';
import { ByteReader, DecodeError, bigInt64At } from '../codec/byte-reader.ts';
import { varintLength } from '../codec/byte-writer.ts';
import type { ColumnNameReader } from '../codec/partition-codec.ts';
import { PartitionDecoder } from '../codec/partition-codec.ts';
import { comparePositions } from '../clustering-position.ts';
import { StorageCorruptionError } from '../errors.ts';
import type { DeletionTime, RangeTombstone, Row } from '../model.ts';
import { ArrayRowCursor, EMPTY_CURSOR } from '../read/partition-source.ts';
import type { ClusteringPosition, PartitionSource, RowCursor } from '../read/partition-source.ts';
import type { CopyScan } from '../compaction/partition-copy.ts';
import type { TableLayout } from '../table-layout.ts';
import { BloomFilter } from './bloom-filter.ts';
import type { ChunkCache } from './chunk-cache.ts';
import { ChunkedFileReader } from './chunked-file.ts';
import type { ChunkTable } from './chunked-file.ts';
import { deserializeCompressionInfo } from './compression-info.ts';
import type { Compressor } from './compression.ts';
import type { CompressionInfo } from './compression-info.ts';
import type { KeyCache, KeyCacheEntry, KeyCacheSpace } from './key-cache.ts';
import { PartitionIndex, PartitionIndexBuilder, downsample, tokenHighOf, tokenLowOf } from './partition-index.ts';
import { PartitionIndexBudget } from './partition-index-budget.ts';
import type { PartitionIndexHolder, PartitionIndexRebuild } from './partition-index-budget.ts';
import { RowIndexReader } from './row-index.ts';
import {
  ALL_COMPONENTS, Component, DATA_COMPONENTS, INDEX_ENTRY_BYTES_MAX, INDEX_ENTRY_WINDOW_BYTES, SSTABLE_FORMAT_VERSION, componentFileName,
} from './sstable-format.ts';
import type { ComponentName } from './sstable-format.ts';
import { deserializeStatistics } from './sstable-statistics.ts';
import type { SSTableStatistics } from './sstable-statistics.ts';

/** The TOC of this format, byte for byte (the writer writes exactly this). */
export const TOC_CONTENTS = Buffer.from(`${ALL_COMPONENTS.join('\n')}\n`, 'utf8');

export interface IndexEntry {
  readonly key: Buffer;
  readonly token: bigint;
  readonly dataOffsetBytes: number;
  readonly dataLengthBytes: number;
  /** Offset of the row index from the partition start; 0 when the partition has none. */
  readonly rowIndexOffsetBytes: number;
  /** Offset of the first row from the partition start (only with a row index; else 0). */
  readonly rowsOffsetBytes: number;
}

export type SSTableKeyCache = KeyCache<IndexEntry>;

/** Sign of a partition (token, key) relative to a target: negative when it sorts before. */
export type PartitionProbe = (token: bigint, key: Buffer) => number;

/** Counters a reader keeps for tablestats and the compaction planner (STCS hotness). */
export interface SSTableReadCounters {
  /** Lookups that found the partition. */
  reads: number;
  /** Lookups the bloom filter passed. */
  filterPositives: number;
  /** Of those, lookups the index did not confirm. */
  filterFalsePositives: number;
}

interface ReaderParts {
  disk: Disk;
  directory: string;
  generation: number;
  statistics: SSTableStatistics;
  filter: BloomFilter;
  compressor: Compressor;
  dataTable: ChunkTable;
  indexTable: ChunkTable;
  chunkCache: ChunkCache | null;
  keyCache: SSTableKeyCache | null;
  indexBudget: PartitionIndexBudget | null;
  /** A dense index built while writing (the reader samples it when the budget says so). */
  partitionIndex: PartitionIndex | null;
}

/** Caches and budgets a reader shares with the shard's other readers. */
export interface SSTableReaderCaches {
  readonly chunkCache?: ChunkCache | null;
  readonly keyCache?: SSTableKeyCache | null;
  /** Default: the chunk cache's budget (one per shard), else a private one. */
  readonly indexBudget?: PartitionIndexBudget | null;
}

export class SSTableReader implements PartitionIndexHolder {
  readonly directory: string;
  readonly generation: number;
  readonly statistics: SSTableStatistics;
  readonly filter: BloomFilter;
  readonly sizeBytes: number;
  readonly counters: SSTableReadCounters = { reads: 0, filterPositives: 0, filterFalsePositives: 0 };
  private readonly disk: Disk;
  private readonly parts: ReaderParts;
  private readonly data: ChunkedFileReader;
  private readonly index: ChunkedFileReader;
  private readonly names: ColumnNameReader;
  private readonly keyCache: SSTableKeyCache | null;
  private readonly keySpace: KeyCacheSpace;
  private readonly budget: PartitionIndexBudget;
  private index_: PartitionIndex;
  private closed = false;

  private constructor(parts: ReaderParts) {
    this.parts = parts;
    this.disk = parts.disk;
    this.directory = parts.directory;
    this.generation = parts.generation;
    this.statistics = parts.statistics;
    this.filter = parts.filter;
    this.keyCache = parts.keyCache;
    this.keySpace = parts.keyCache?.register() ?? 0;
    const files = openDataAndIndex(parts, parts.chunkCache);
    this.data = files.data;
    this.index = files.index;
    this.names = dictionaryReader(parts.statistics.columns, this.data.file.path);
    this.budget = parts.indexBudget ?? parts.chunkCache?.indexBudget ?? new PartitionIndexBudget();
    const interval = this.budget.intervalFor(parts.statistics.partitionCount);
    const written = parts.partitionIndex === null ? null : PartitionIndex.fromFields(parts.partitionIndex);
    try {
      this.index_ = written !== null && written.count === parts.statistics.partitionCount && written.dataEndBytes === this.data.logicalLengthBytes
        ? (interval === 1 ? written : downsample(written, interval))
        : this.buildPartitionIndex(interval);
    } catch (error) {
      this.data.close();
      this.index.close();
      this.keyCache?.drop(this.keySpace);
      throw error;
    }
    this.budget.register(this, this.index_.sizeBytes);
    let size = 0;
    for (const c of ALL_COMPONENTS) size += parts.disk.stat(this.path(c))?.sizeBytes ?? 0;
    this.sizeBytes = size;
  }

  /** Opens a complete SSTable (its TOC exists); throws StorageCorruptionError on bad or missing components. */
  static open(disk: Disk, directory: string, generation: number, caches: SSTableReaderCaches = {}): SSTableReader {
    const { statistics, filter, info } = readSSTableMetadata(disk, directory, generation);
    return new SSTableReader({
      disk, directory, generation, statistics, filter, compressor: info.compressor, dataTable: info.data, indexTable: info.index,
      chunkCache: caches.chunkCache ?? null, keyCache: caches.keyCache ?? null, indexBudget: caches.indexBudget ?? null, partitionIndex: null,
    });
  }

  /**
   * A reader on an SSTable just written, reusing the filter and chunk tables built while writing
   * (and its dense partition index when the writer built one; else Index.db is scanned once).
   */
  static fromWritten(options: {
    disk: Disk;
    prepared: {
      directory: string; generation: number; statistics: SSTableStatistics; filter: BloomFilter; dataTable: ChunkTable; indexTable: ChunkTable;
      compression: { compressor: Compressor }; partitionIndex?: PartitionIndex | null;
    };
    chunkCache: ChunkCache | null;
    keyCache: SSTableKeyCache | null;
    indexBudget?: PartitionIndexBudget | null;
  }): SSTableReader {
    const p = options.prepared;
    return new SSTableReader({
      disk: options.disk, directory: p.directory, generation: p.generation, statistics: p.statistics, filter: p.filter,
      compressor: p.compression.compressor, dataTable: p.dataTable, indexTable: p.indexTable, chunkCache: options.chunkCache, keyCache: options.keyCache,
      indexBudget: options.indexBudget ?? null, partitionIndex: p.partitionIndex ?? null,
    });
  }

  get level(): number {
    return this.statistics.level;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  path(component: ComponentName): string {
    return `${this.directory}/${componentFileName(this.generation, component)}`;
  }

  componentPaths(): string[] {
    return ALL_COMPONENTS.map((c) => this.path(c));
  }

  /** Does a file path belong to this SSTable? */
  owns(path: string): boolean {
    return path.startsWith(`${this.directory}/${componentFileName(this.generation, Component.Data).slice(0, -Component.Data.length)}`);
  }

  mayContainToken(token: bigint): boolean {
    return token >= this.statistics.minToken && token <= this.statistics.maxToken;
  }

  /** Bounds and filter only: might the SSTable hold the partition? (purge overlap checks) */
  mayContainKey(token: bigint): boolean {
    return this.mayContainToken(token) && this.filter.mightContain(token);
  }

  /** The in-memory partition index (dense or sampled, as the budget allowed). */
  get partitionIndex(): PartitionIndex {
    return this.index_;
  }

  get partitionCount(): number {
    return this.statistics.partitionCount;
  }

  get partitionIndexInterval(): number {
    return this.index_.interval;
  }

  get readCount(): number {
    return this.counters.reads;
  }

  /**
   * The index entry of the partition, or null (filter, token bounds and index say no). `high` and
   * `low` are the token's 32-bit halves when the caller has them (one conversion per read).
   */
  find(token: bigint, key: Buffer, high = tokenHighOf(token), low = tokenLowOf(token)): IndexEntry | null {
    if (!this.mayContainToken(token) || !this.filter.mightContainHalves(high, low)) return null;
    const counters = this.counters;
    counters.filterPositives++;
    const pi = this.index_;
    const i = pi.dense ? pi.exact(high, low) : -1;
    if (pi.dense && (i < 0 || pi.isDirect(i))) {
      // The dense index places the partition, or knows it is absent: no key cache (findPartition).
      if (i >= 0) {
        const dataOffsetBytes = pi.dataOffsetOf(i);
        const dataLengthBytes = pi.dataLengthOf(i);
        if (this.dataKeyEquals(dataOffsetBytes, dataLengthBytes, key)) {
          counters.reads++;
          return { key, token, dataOffsetBytes, dataLengthBytes, rowIndexOffsetBytes: 0, rowsOffsetBytes: 0 };
        }
      }
      counters.filterFalsePositives++;
      return null;
    }
    const keyCache = this.keyCache;
    if (keyCache !== null && keyCache.get(this.keySpace, high, low, hit) && this.dataKeyEquals(hit.dataOffsetBytes, hit.dataLengthBytes, key)) {
      counters.reads++;
      return { key, token, dataOffsetBytes: hit.dataOffsetBytes, dataLengthBytes: hit.dataLengthBytes, rowIndexOffsetBytes: hit.rowIndexOffsetBytes, rowsOffsetBytes: hit.rowsOffsetBytes };
    }
    const entry = new IndexScanner(this.index, pi.scanStartFor(high, low)).findExact(key, high, low, pi.count);
    if (entry === null) {
      counters.filterFalsePositives++;
      return null;
    }
    counters.reads++;
    keyCache?.put(this.keySpace, high, low, entry);
    return entry;
  }

  /**
   * The partition as a merge source, or null: `find` then `readPartition`, but a partition found
   * through a dense index or the key cache is read once (its key is checked in the bytes read).
   * The key cache serves only partitions the index cannot place by itself: a sampled index, or a
   * dense one's row-indexed or token-sharing partitions (which it sends through Index.db).
   */
  findPartition(layout: TableLayout, token: bigint, key: Buffer, high: number, low: number): SSTablePartition | null {
    if (!this.mayContainToken(token) || !this.filter.mightContainHalves(high, low)) return null;
    const counters = this.counters;
    counters.filterPositives++;
    const pi = this.index_;
    if (pi.dense) {
      const i = pi.exact(high, low);
      if (i < 0) {
        counters.filterFalsePositives++;
        return null;
      }
      if (pi.isDirect(i)) {
        // The dense index holds the Data extent itself: the key cache would only repeat it (its
        // lookup and insert cost about 0.5 us a read in the storage benchmark's profile).
        const entry: IndexEntry = { key, token, dataOffsetBytes: pi.dataOffsetOf(i), dataLengthBytes: pi.dataLengthOf(i), rowIndexOffsetBytes: 0, rowsOffsetBytes: 0 };
        const partition = readPartitionFrom(this.data, this.names, layout, entry, true);
        if (partition === null) counters.filterFalsePositives++;
        else counters.reads++;
        return partition;
      }
    }
    const keyCache = this.keyCache;
    if (keyCache !== null && keyCache.get(this.keySpace, high, low, hit)) {
      const entry: IndexEntry = {
        key, token, dataOffsetBytes: hit.dataOffsetBytes, dataLengthBytes: hit.dataLengthBytes, rowIndexOffsetBytes: hit.rowIndexOffsetBytes, rowsOffsetBytes: hit.rowsOffsetBytes,
      };
      const partition = readPartitionFrom(this.data, this.names, layout, entry, true);
      if (partition !== null) {
        counters.reads++;
        return partition;
      }
      // Another key with this token: the index decides.
    }
    const entry = new IndexScanner(this.index, pi.scanStartFor(high, low)).findExact(key, high, low, pi.count);
    if (entry === null) {
      counters.filterFalsePositives++;
      return null;
    }
    counters.reads++;
    keyCache?.put(this.keySpace, high, low, entry);
    return readPartitionFrom(this.data, this.names, layout, entry, false);
  }

  /** Does the partition at a Data offset have this key? (Its first bytes: varint length, key.) */
  private dataKeyEquals(offsetBytes: number, lengthBytes: number, key: Buffer): boolean {
    const head = Math.min(lengthBytes, varintLength(key.length) + key.length);
    const bytes = this.data.read(offsetBytes, head);
    let p = 0;
    let n = 0;
    let shift = 1;
    for (;;) {
      if (p >= bytes.length) return false;
      const b = bytes[p++]!;
      n += (b & 0x7f) * shift;
      if (b < 0x80) break;
      shift *= 128;
    }
    return n === key.length && p + n <= bytes.length && bytes.compare(key, 0, n, p, p + n) === 0;
  }

  /**
   * Index entries in order from the first with probe(token, key) >= 0. `startToken`, when given,
   * is a token no later than the first such entry's: the scan starts near it, not at the start.
   */
  scan(probe: PartitionProbe, startToken?: bigint): IndexScanner {
    const startOffset = startToken === undefined ? 0 : this.index_.scanStartFor(tokenHighOf(startToken), tokenLowOf(startToken));
    const scanner = new IndexScanner(this.index, startOffset);
    scanner.skipWhile(probe);
    return scanner;
  }

  /** Decodes a partition's header; rows decode lazily from the returned source. */
  readPartition(layout: TableLayout, entry: IndexEntry): SSTablePartition {
    return readPartitionFrom(this.data, this.names, layout, entry);
  }

  /**
   * A sequential scanner over every partition with its own file handles and a private chunk
   * cache, so compaction, verify and scrub neither pollute the shared caches nor depend on this
   * reader staying open.
   */
  openScanner(): SSTableScanner {
    return new SSTableScanner(this.parts);
  }

  /** Physical bytes of Data (compressed): what compaction reads. */
  get dataPhysicalBytes(): number {
    const o = this.parts.dataTable.offsets;
    return o[o.length - 1]!;
  }

  get dataLogicalBytes(): number {
    return this.parts.dataTable.logicalLengthBytes;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.data.close();
    this.index.close();
    this.keyCache?.drop(this.keySpace);
    this.budget.release(this);
  }

  /** Closes the files and removes the SSTable, TOC first so a crash midway leaves no half table visible. */
  delete(): void {
    this.close();
    this.disk.remove(this.path(Component.TOC));
    for (const c of DATA_COMPONENTS) this.disk.remove(this.path(c));
  }

  /**
   * delete(), with the data components (Data.db can be gigabytes: its unlink takes the filesystem
   * milliseconds) removed off the event loop where the disk can. The TOC goes first, at once, as
   * in delete(): without it the rest is an incomplete SSTable that open ignores and removes.
   */
  async deleteInBackground(): Promise<void> {
    const disk = this.disk;
    if (disk.removeInBackground === undefined) {
      this.delete();
      return;
    }
    this.close();
    disk.remove(this.path(Component.TOC));
    await Promise.all(DATA_COMPONENTS.map((c) => disk.removeInBackground!(this.path(c))));
  }

  /** Rebuilds the partition index at another interval (the budget upgrading it); false on failure. */
  rebuildPartitionIndex(interval: number): boolean {
    if (this.closed) return false;
    try {
      this.index_ = this.buildPartitionIndex(interval);
    } catch {
      // A corrupt index is reported by the reads that meet it; the old index stays.
      return false;
    }
    this.budget.register(this, this.index_.sizeBytes);
    return true;
  }

  /** rebuildPartitionIndex in steps (the budget's upgrades, one step per event-loop turn). */
  beginPartitionIndexRebuild(interval: number): PartitionIndexRebuild | null {
    if (this.closed) return null;
    let scan: PartitionIndexScan;
    try {
      scan = this.partitionIndexScan(interval);
    } catch {
      return null;
    }
    return {
      step: (entries: number): boolean => {
        // Closed meanwhile (compacted away, dropped): the rebuild is abandoned.
        if (this.closed) return true;
        try {
          if (!scan.step(entries)) return false;
          this.index_ = scan.finish();
        } catch {
          // A corrupt index is reported by the reads that meet it; the old index stays.
          return true;
        }
        this.budget.register(this, this.index_.sizeBytes);
        return true;
      },
    };
  }

  /** Scans Index.db into a partition index at `interval` in one go (PartitionIndexScan). */
  private buildPartitionIndex(interval: number): PartitionIndex {
    const scan = this.partitionIndexScan(interval);
    while (!scan.step(Infinity));
    return scan.finish();
  }

  /** A scan of this SSTable's Index.db into a partition index at `interval`. */
  private partitionIndexScan(interval: number): PartitionIndexScan {
    return new PartitionIndexScan({
      file: this.index.file, indexTable: this.parts.indexTable, compressor: this.parts.compressor,
      partitionCount: this.statistics.partitionCount, dataEndBytes: this.data.logicalLengthBytes, interval,
    });
  }
}

/** Index entries a PartitionIndexScan step of a caller that yields between steps should parse (~1-2 ms). */
export const PARTITION_INDEX_SCAN_STEP_ENTRIES = 16_384;

/**
 * Scans an SSTable's Index.db (through a private chunk cache: no shared-cache pollution) into a
 * partition index, parsing entries in place, in steps of a bounded number of entries so a caller
 * can yield between them (or run it where stalls do not matter: a compaction worker builds its
 * outputs' indexes so the main thread's reader gets them ready-made). Checks order and count
 * (StorageCorruptionError). The file stays the caller's to close.
 */
export class PartitionIndexScan {
  private readonly index: ChunkedFileReader;
  private readonly path: string;
  private readonly partitionCount: number;
  private readonly dataEndBytes: number;
  /** Sampled when the interval says so: the dense arrays are never held. */
  private readonly builder: PartitionIndexBuilder;
  private readonly end: number;
  private offset = 0;
  private prevHigh = 0;
  private prevLow = 0;
  // The previous key as a range of a buffer (a chunk: the private cache never recycles, so it
  // stays valid across steps), compared only when two tokens are equal.
  private prevKey: Buffer | null = null;
  private prevKeyStart = 0;
  private prevKeyEnd = 0;
  private done = false;

  constructor(options: {
    file: ReadableFile; indexTable: ChunkTable; compressor: Compressor; partitionCount: number; dataEndBytes: number; interval: number;
  }) {
    this.index = new ChunkedFileReader(options.file, { table: options.indexTable, compressor: options.compressor, cache: null });
    this.path = options.file.path;
    this.partitionCount = options.partitionCount;
    this.dataEndBytes = options.dataEndBytes;
    this.builder = new PartitionIndexBuilder(options.partitionCount, options.interval);
    this.end = this.index.logicalLengthBytes;
  }

  /** Parses up to `entriesMax` more entries; true once the whole file is scanned. */
  step(entriesMax: number): boolean {
    if (this.done) return true;
    const { index, builder, path, end } = this;
    const chunkLength = index.chunkLengthBytes;
    let offset = this.offset;
    let prevHigh = this.prevHigh;
    let prevLow = this.prevLow;
    let prevKey = this.prevKey;
    let prevKeyStart = this.prevKeyStart;
    let prevKeyEnd = this.prevKeyEnd;
    const e = scratchEntry;
    let parsed = 0;
    while (offset < end && parsed < entriesMax) {
      const chunk = index.chunkAt(offset);
      const start = offset % chunkLength;
      if (chunk[start] === 0) {
        // Padding to the next chunk (an entry never starts with a zero key length).
        offset += chunk.length - start;
        continue;
      }
      const entryOffset = offset;
      let keyBuffer: Buffer = chunk;
      const stop = parseIndexEntryInPlace(chunk, start, e);
      if (stop > 0) {
        offset += stop - start;
      } else {
        // Straddles a chunk boundary (or is malformed): the general parser.
        const scanner = new IndexScanner(index, offset);
        const entry = scanner.next();
        if (entry === null) {
          offset = end;
          break;
        }
        e.high = tokenHighOf(entry.token);
        e.low = tokenLowOf(entry.token);
        keyBuffer = entry.key;
        e.keyStart = 0;
        e.keyEnd = entry.key.length;
        e.dataOffsetBytes = entry.dataOffsetBytes;
        e.dataLengthBytes = entry.dataLengthBytes;
        e.direct = entry.rowIndexOffsetBytes === 0;
        offset = scanner.offsetBytes;
      }
      const high = e.high;
      const low = e.low;
      if (prevKey !== null && (high < prevHigh || (high === prevHigh && (low < prevLow || (low === prevLow
        // Buffer#compare orders the receiver's range against the target's: the key must sort after the previous one.
        && keyBuffer.compare(prevKey, prevKeyStart, prevKeyEnd, e.keyStart, e.keyEnd) <= 0))))) {
        throw new StorageCorruptionError({ path, offsetBytes: entryOffset, reason: 'index entries out of order' });
      }
      if (builder.count >= this.partitionCount) {
        throw new StorageCorruptionError({ path, offsetBytes: entryOffset, reason: `more index entries than the ${this.partitionCount} statistics say` });
      }
      e.indexOffsetBytes = entryOffset;
      builder.add(high, low, e);
      parsed++;
      prevHigh = high;
      prevLow = low;
      prevKey = keyBuffer;
      prevKeyStart = e.keyStart;
      prevKeyEnd = e.keyEnd;
    }
    this.offset = offset;
    this.prevHigh = prevHigh;
    this.prevLow = prevLow;
    this.prevKey = prevKey;
    this.prevKeyStart = prevKeyStart;
    this.prevKeyEnd = prevKeyEnd;
    this.done = offset >= end;
    return this.done;
  }

  /** The index, once `step` returned true. */
  finish(): PartitionIndex {
    assert(this.done, 'partition index scan finished');
    if (this.builder.count !== this.partitionCount) {
      throw new StorageCorruptionError({ path: this.path, offsetBytes: 0, reason: `${this.builder.count} index entries, statistics say ${this.partitionCount}` });
    }
    return this.builder.finish(this.dataEndBytes);
  }
}

/**
 * Reads and checks the metadata components of an SSTable: the TOC lists every component and each
 * exists; Statistics, Filter and CompressionInfo pass their checksums. StorageCorruptionError
 * (naming the file) otherwise. Used at open and again by verify.
 */
export function readSSTableMetadata(disk: Disk, directory: string, generation: number): { statistics: SSTableStatistics; filter: BloomFilter; info: CompressionInfo } {
  const path = (c: ComponentName): string => `${directory}/${componentFileName(generation, c)}`;
  if (disk.stat(path(Component.TOC)) === null) throw new StorageCorruptionError({ path: path(Component.TOC), offsetBytes: 0, reason: 'component TOC.txt missing' });
  // The TOC has no checksum: it must be exactly what the writer writes for this format.
  const toc = disk.readFile(path(Component.TOC));
  if (!toc.equals(TOC_CONTENTS)) {
    let at = 0;
    while (at < toc.length && at < TOC_CONTENTS.length && toc[at] === TOC_CONTENTS[at]) at++;
    throw new StorageCorruptionError({ path: path(Component.TOC), offsetBytes: at, reason: `TOC differs from the component list: ${JSON.stringify(toc.toString('latin1').slice(0, 200))}` });
  }
  for (const c of DATA_COMPONENTS) {
    if (disk.stat(path(c)) === null) throw new StorageCorruptionError({ path: path(c), offsetBytes: 0, reason: `component ${c} missing` });
  }
  const statistics = deserializeStatistics(disk.readFile(path(Component.Statistics)), path(Component.Statistics));
  if (statistics.formatVersion !== SSTABLE_FORMAT_VERSION || statistics.generation !== generation) {
    throw new StorageCorruptionError({ path: path(Component.Statistics), offsetBytes: 0, reason: `format ${statistics.formatVersion} generation ${statistics.generation}` });
  }
  const filter = BloomFilter.deserialize(disk.readFile(path(Component.Filter)), path(Component.Filter));
  const info = deserializeCompressionInfo(disk.readFile(path(Component.CompressionInfo)), path(Component.CompressionInfo));
  return { statistics, filter, info };
}

function openDataAndIndex(parts: ReaderParts, cache: ChunkCache | null): { data: ChunkedFileReader; index: ChunkedFileReader } {
  const dataPath = `${parts.directory}/${componentFileName(parts.generation, Component.Data)}`;
  const indexPath = `${parts.directory}/${componentFileName(parts.generation, Component.Index)}`;
  const dataFile = openExisting(parts.disk, dataPath);
  let indexFile = null;
  try {
    indexFile = openExisting(parts.disk, indexPath);
    const data = new ChunkedFileReader(dataFile, { table: parts.dataTable, compressor: parts.compressor, cache });
    const index = new ChunkedFileReader(indexFile, { table: parts.indexTable, compressor: parts.compressor, cache });
    return { data, index };
  } catch (error) {
    dataFile.close();
    indexFile?.close();
    throw error;
  }
}

/** Opens a component; a missing file is corruption of the SSTable (deleted under it). */
function openExisting(disk: Disk, path: string): ReadableFile {
  try {
    return disk.openRead(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new StorageCorruptionError({ path, offsetBytes: 0, reason: 'component missing' });
    throw error;
  }
}

function dictionaryReader(columns: readonly string[], dataPath: string): ColumnNameReader {
  return {
    read(reader) {
      const i = reader.varint();
      const name = columns[i];
      if (name === undefined) throw new StorageCorruptionError({ path: dataPath, offsetBytes: reader.offset, reason: `column index ${i} not in the dictionary` });
      return name;
    },
  };
}

/**
 * The partition an index entry points at. `keyUnverified`: the entry's key came from the caller
 * (a dense index maps the token only), so a different key there means "not here" (null), not corruption.
 */
function readPartitionFrom(data: ChunkedFileReader, names: ColumnNameReader, layout: TableLayout, entry: IndexEntry, keyUnverified: true): SSTablePartition | null;
function readPartitionFrom(data: ChunkedFileReader, names: ColumnNameReader, layout: TableLayout, entry: IndexEntry, keyUnverified?: false): SSTablePartition;
function readPartitionFrom(data: ChunkedFileReader, names: ColumnNameReader, layout: TableLayout, entry: IndexEntry, keyUnverified = false): SSTablePartition | null {
  const dataPath = data.file.path;
  const headerLength = entry.rowIndexOffsetBytes === 0 ? entry.dataLengthBytes : entry.rowsOffsetBytes;
  if (headerLength <= 0 || headerLength > entry.dataLengthBytes || entry.rowIndexOffsetBytes > entry.dataLengthBytes) {
    throw new StorageCorruptionError({ path: dataPath, offsetBytes: entry.dataOffsetBytes, reason: 'index entry lengths out of range' });
  }
  // Rows decode lazily from these bytes, after other chunks may have been loaded.
  const bytes = data.readStable(entry.dataOffsetBytes, headerLength);
  try {
    const reader = new ByteReader(bytes);
    if (!startsWithIndexedKey(reader, entry)) {
      if (keyUnverified) return null;
      throw new StorageCorruptionError({ path: dataPath, offsetBytes: entry.dataOffsetBytes, reason: 'partition key does not match the index' });
    }
    const decoder = new PartitionDecoder(names);
    const header = decoder.readStreamedHeader(reader);
    if (entry.rowIndexOffsetBytes !== 0 && reader.offset !== headerLength) {
      throw new StorageCorruptionError({ path: dataPath, offsetBytes: entry.dataOffsetBytes, reason: 'partition header length does not match the index' });
    }
    return new SSTablePartition({ layout, decoder, data, entry, bytes, rowsOffset: reader.offset, header });
  } catch (error) {
    throw asCorruption(error, dataPath, entry.dataOffsetBytes);
  }
}

/** Whether a partition's Data bytes (at the reader) start with the key and token of its index entry; the reader is left after them. */
function startsWithIndexedKey(reader: ByteReader, entry: IndexEntry): boolean {
  // Compared where the bytes are (no view of the key: a compaction checks every copied partition).
  const key = entry.key;
  const length = reader.varint();
  reader.need(length + 8);
  if (length !== key.length) return false;
  const bytes = reader.buffer;
  const at = reader.offset;
  for (let i = 0; i < length; i++) if (bytes[at + i] !== key[i]) return false;
  reader.offset = at + length;
  return reader.i64() === entry.token;
}

/** Sequential index entries; an entry straddling chunks is read with a second, larger window. */
export class IndexScanner {
  private readonly index: ChunkedFileReader;
  offsetBytes: number;
  private pending: IndexEntry | null = null;

  constructor(index: ChunkedFileReader, offsetBytes: number) {
    this.index = index;
    this.offsetBytes = offsetBytes;
  }

  /**
   * The entry for (token, key) among the next `entriesMax` entries, parsing in place inside
   * chunks (no allocation per skipped entry); null once past it.
   */
  findExact(key: Buffer, tokenHigh: number, tokenLow: number, entriesMax: number): IndexEntry | null {
    const chunkLength = this.index.chunkLengthBytes;
    const end = this.index.logicalLengthBytes;
    for (let n = 0; n < entriesMax && this.offsetBytes < end; n++) {
      const chunk = this.index.chunkAt(this.offsetBytes);
      const start = this.offsetBytes % chunkLength;
      if (chunk[start] === 0) {
        // Padding to the next chunk (an entry never starts with a zero key length).
        this.offsetBytes += chunk.length - start;
        n--;
        continue;
      }
      // Entry layout: varint key length, key, 8-byte token, then three or four varints.
      let p = start;
      let keyLength = 0;
      let shift = 1;
      let ok = false;
      for (let i = 0; i < 3 && p < chunk.length; i++) {
        const b = chunk[p++]!;
        keyLength += (b & 0x7f) * shift;
        shift *= 128;
        if (b < 0x80) {
          ok = true;
          break;
        }
      }
      const tokenAt = p + keyLength;
      // At most four varints of at most 8 bytes each follow the token.
      if (!ok || tokenAt + 8 + 32 > chunk.length) {
        // Straddles a chunk boundary (or is malformed): take the general path for this entry.
        const entry = this.next();
        if (entry === null) return null;
        const eh = tokenHighOf(entry.token);
        const el = tokenLowOf(entry.token);
        const c = eh !== tokenHigh ? (eh < tokenHigh ? -1 : 1) : el !== tokenLow ? (el < tokenLow ? -1 : 1) : Buffer.compare(entry.key, key);
        if (c === 0) return entry;
        if (c > 0) return null;
        continue;
      }
      const high = chunk.readInt32BE(tokenAt);
      const low = chunk.readUInt32BE(tokenAt + 4);
      let c = high !== tokenHigh ? (high < tokenHigh ? -1 : 1) : low !== tokenLow ? (low < tokenLow ? -1 : 1) : 0;
      if (c === 0) c = chunk.compare(key, 0, key.length, p, tokenAt);
      if (c > 0) return null;
      if (c === 0) return this.next();
      // Skip offset, length and the row-index varint (and the rows offset when it is not 0).
      let q = tokenAt + 8;
      for (let v = 0; v < 2; v++) {
        while (chunk[q]! >= 0x80) q++;
        q++;
      }
      const hasRowIndex = chunk[q] !== 0;
      while (chunk[q]! >= 0x80) q++;
      q++;
      if (hasRowIndex) {
        while (chunk[q]! >= 0x80) q++;
        q++;
      }
      this.offsetBytes += q - start;
    }
    return null;
  }

  /** Moves to the start of the next index chunk (scrub, after a corrupt chunk); false at the end. */
  skipChunk(): boolean {
    const size = this.index.chunkLengthBytes;
    this.pending = null;
    this.offsetBytes = (Math.floor(this.offsetBytes / size) + 1) * size;
    return this.offsetBytes < this.index.logicalLengthBytes;
  }

  skipWhile(probe: PartitionProbe): void {
    for (;;) {
      const entry = this.next();
      if (entry === null) return;
      if (probe(entry.token, entry.key) >= 0) {
        this.pending = entry;
        return;
      }
    }
  }

  next(): IndexEntry | null {
    if (this.pending !== null) {
      const p = this.pending;
      this.pending = null;
      return p;
    }
    let remaining = this.index.logicalLengthBytes - this.offsetBytes;
    if (remaining <= 0) return null;
    const chunk = this.index.chunkAt(this.offsetBytes);
    const inChunk = this.offsetBytes % this.index.chunkLengthBytes;
    if (chunk[inChunk] === 0) {
      // Padding to the next chunk (an entry never starts with a zero key length).
      this.offsetBytes += chunk.length - inChunk;
      remaining = this.index.logicalLengthBytes - this.offsetBytes;
      if (remaining <= 0) return null;
    }
    // Common case: the entry lies in this chunk, parsed in place.
    const at = this.offsetBytes % this.index.chunkLengthBytes;
    const here = this.index.chunkAt(this.offsetBytes);
    const e = nextEntry;
    const stop = parseIndexEntryInPlace(here, at, e);
    if (stop > 0) {
      let key: Buffer;
      if (this.index.viewsAreTransient) {
        // An entry outlives later chunk loads (merges, key cache): its key must not be a transient view.
        key = Buffer.allocUnsafe(e.keyEnd - e.keyStart);
        here.copy(key, 0, e.keyStart, e.keyEnd);
      } else {
        key = here.subarray(e.keyStart, e.keyEnd);
      }
      const entry: IndexEntry = {
        key, token: bigInt64At(here, e.keyEnd), dataOffsetBytes: e.dataOffsetBytes, dataLengthBytes: e.dataLengthBytes,
        rowIndexOffsetBytes: e.rowIndexOffsetBytes, rowsOffsetBytes: e.rowsOffsetBytes,
      };
      this.offsetBytes += stop - at;
      return entry;
    }
    let window = Math.min(INDEX_ENTRY_WINDOW_BYTES, remaining);
    for (;;) {
      const bytes = this.index.read(this.offsetBytes, window);
      const reader = new ByteReader(bytes);
      try {
        const view = reader.varBytes();
        // An entry outlives later chunk loads (merges, key cache): its key must not be a transient view.
        const key = this.index.viewsAreTransient ? Buffer.from(view) : view;
        const token = reader.i64();
        const dataOffsetBytes = reader.varint();
        const dataLengthBytes = reader.varint();
        const rowIndexOffsetBytes = reader.varint();
        const rowsOffsetBytes = rowIndexOffsetBytes === 0 ? 0 : reader.varint();
        const entry: IndexEntry = { key, token, dataOffsetBytes, dataLengthBytes, rowIndexOffsetBytes, rowsOffsetBytes };
        this.offsetBytes += reader.offset;
        return entry;
      } catch (error) {
        if (error instanceof DecodeError && window < remaining && window < INDEX_ENTRY_BYTES_MAX) {
          window = Math.min(remaining, INDEX_ENTRY_BYTES_MAX);
          continue;
        }
        throw asCorruption(error, this.index.file.path, this.offsetBytes);
      }
    }
  }
}

function asCorruption(error: unknown, path: string, offsetBytes: number): unknown {
  if (error instanceof DecodeError) return new StorageCorruptionError({ path, offsetBytes: offsetBytes + error.offsetBytes, reason: error.message });
  if (error instanceof RangeError) return new StorageCorruptionError({ path, offsetBytes, reason: error.message });
  return error;
}

interface ParsedIndexEntry {
  high: number;
  low: number;
  keyStart: number;
  keyEnd: number;
  dataOffsetBytes: number;
  dataLengthBytes: number;
  indexOffsetBytes: number;
  rowIndexOffsetBytes: number;
  rowsOffsetBytes: number;
  /** No row index. */
  direct: boolean;
}

/** A key cache hit, filled in place (reads are synchronous: one is enough). */
const hit: KeyCacheEntry = { dataOffsetBytes: 0, dataLengthBytes: 0, rowIndexOffsetBytes: 0, rowsOffsetBytes: 0 };

const scratchEntry: ParsedIndexEntry = {
  high: 0, low: 0, keyStart: 0, keyEnd: 0, dataOffsetBytes: 0, dataLengthBytes: 0, indexOffsetBytes: 0, rowIndexOffsetBytes: 0, rowsOffsetBytes: 0, direct: true,
};
/** IndexScanner.next's (never used across a call). */
const nextEntry: ParsedIndexEntry = { ...scratchEntry };

/** Parse position of parseIndexEntryInPlace (module scratch: parsing is synchronous). */
let parseAt = 0;

/** The varint at parseAt (advancing it), or -1 when it runs past `end` or beyond 8 bytes. */
function varintAt(chunk: Buffer, end: number): number {
  let v = 0;
  let shift = 1;
  for (let i = 0; i < 8; i++) {
    if (parseAt >= end) return -1;
    const b = chunk[parseAt++]!;
    v += (b & 0x7f) * shift;
    if (b < 0x80) return v;
    shift *= 128;
  }
  return -1;
}

/**
 * Parses the index entry at `start` of a chunk into `out` (key as a range of the chunk, token at
 * keyEnd); returns the position after it, or -1 when it does not lie wholly in the chunk or is malformed.
 */
function parseIndexEntryInPlace(chunk: Buffer, start: number, out: ParsedIndexEntry): number {
  const end = chunk.length;
  parseAt = start;
  const keyLength = varintAt(chunk, end);
  if (keyLength <= 0 || parseAt + keyLength + 8 > end) return -1;
  out.keyStart = parseAt;
  out.keyEnd = parseAt + keyLength;
  parseAt += keyLength;
  out.high = chunk.readInt32BE(parseAt);
  out.low = chunk.readUInt32BE(parseAt + 4);
  parseAt += 8;
  const dataOffset = varintAt(chunk, end);
  const dataLength = varintAt(chunk, end);
  const rowIndexOffset = varintAt(chunk, end);
  if (dataOffset < 0 || dataLength < 0 || rowIndexOffset < 0) return -1;
  const rowsOffset = rowIndexOffset === 0 ? 0 : varintAt(chunk, end);
  if (rowsOffset < 0) return -1;
  out.dataOffsetBytes = dataOffset;
  out.dataLengthBytes = dataLength;
  out.rowIndexOffsetBytes = rowIndexOffset;
  out.rowsOffsetBytes = rowsOffset;
  out.direct = rowIndexOffset === 0;
  return parseAt;
}

/** One partition of an SSTable as a merge source. */
export class SSTablePartition implements PartitionSource {
  readonly key: Buffer;
  readonly token: bigint;
  readonly partitionDeletion: DeletionTime | null;
  readonly staticRow: Row | null;
  readonly rangeTombstones: readonly RangeTombstone[];
  readonly layout: TableLayout;
  readonly decoder: PartitionDecoder;
  readonly data: ChunkedFileReader;
  readonly entry: IndexEntry;
  /** Small partition: the whole partition. Large one: its header. */
  readonly bytes: Buffer;
  /** Where rows start in `bytes` (small partitions). */
  readonly rowsOffset: number;
  private rowIndex: RowIndexReader | null = null;

  constructor(options: {
    layout: TableLayout; decoder: PartitionDecoder; data: ChunkedFileReader; entry: IndexEntry; bytes: Buffer; rowsOffset: number;
    header: { partitionDeletion: DeletionTime | null; staticRow: Row | null; rangeTombstones: readonly RangeTombstone[] };
  }) {
    this.layout = options.layout;
    this.decoder = options.decoder;
    this.data = options.data;
    this.entry = options.entry;
    this.key = options.entry.key;
    this.token = options.entry.token;
    this.bytes = options.bytes;
    this.rowsOffset = options.rowsOffset;
    this.partitionDeletion = options.header.partitionDeletion;
    this.staticRow = options.header.staticRow;
    this.rangeTombstones = options.header.rangeTombstones;
  }

  get hasRowIndex(): boolean {
    return this.entry.rowIndexOffsetBytes !== 0;
  }

  rows(reversed: boolean, from: ClusteringPosition | null): RowCursor {
    try {
      if (!this.hasRowIndex) {
        if (!reversed) return new FramedRowCursor(this, new ByteReader(this.bytes, this.rowsOffset), from, null);
        // Reversed: decode the rows at or before `from` (skipping the rest unparsed), then walk back.
        const rows = new FramedRowCursor(this, new ByteReader(this.bytes, this.rowsOffset), null, from).drain();
        return rows.length === 0 ? EMPTY_CURSOR : new ArrayRowCursor(rows, rows.length - 1, true);
      }
      const index = this.index();
      // Forward: rows before `from` in the block found are skipped, then the cursor moves on.
      if (!reversed) return new BlockRowCursor(this, index, from === null ? 0 : Math.max(0, index.lastBlockAtOrBefore(this.layout, from)), from);
      const last = from === null ? index.count - 1 : index.lastBlockAtOrBefore(this.layout, from);
      return last < 0 ? EMPTY_CURSOR : new ReversedBlockRowCursor(this, index, last, from);
    } catch (error) {
      throw asCorruption(error, this.data.file.path, this.entry.dataOffsetBytes);
    }
  }

  /** Rows of block `i` at or after `from` (forward). */
  blockReader(i: number, index: RowIndexReader): ByteReader {
    const block = index.block(i);
    if (block.offsetBytes + block.lengthBytes > this.entry.rowIndexOffsetBytes || block.offsetBytes < this.entry.rowsOffsetBytes) {
      throw new StorageCorruptionError({ path: this.data.file.path, offsetBytes: this.entry.dataOffsetBytes, reason: `row index block ${i} out of the partition` });
    }
    return new ByteReader(this.data.readStable(this.entry.dataOffsetBytes + block.offsetBytes, block.lengthBytes));
  }

  index(): RowIndexReader {
    if (this.rowIndex === null) {
      const start = this.entry.dataOffsetBytes + this.entry.rowIndexOffsetBytes;
      const length = this.entry.dataLengthBytes - this.entry.rowIndexOffsetBytes;
      this.rowIndex = new RowIndexReader((offset, n) => {
        if (offset < 0 || offset + n > length) throw new RangeError(`row index read ${offset}+${n} beyond ${length}`);
        return this.data.readStable(start + offset, n);
      }, length);
    }
    return this.rowIndex;
  }

  corruption(error: unknown): unknown {
    return asCorruption(error, this.data.file.path, this.entry.dataOffsetBytes);
  }
}

/**
 * Framed rows from a byte reader: forward from `from` (skipping earlier rows unparsed), stopping
 * after `stopAfter` or at the end marker (or the end of the bytes, for a row-index block).
 */
class FramedRowCursor implements RowCursor {
  private readonly partition: SSTablePartition;
  private readonly reader: ByteReader;
  private readonly from: ClusteringPosition | null;
  private readonly stopAfter: ClusteringPosition | null;
  private done = false;

  constructor(partition: SSTablePartition, reader: ByteReader, from: ClusteringPosition | null, stopAfter: ClusteringPosition | null) {
    this.partition = partition;
    this.reader = reader;
    this.from = from;
    this.stopAfter = stopAfter;
  }

  next(): Row | null {
    if (this.done) return null;
    const { layout, decoder } = this.partition;
    const reader = this.reader;
    try {
      while (reader.offset < reader.end) {
        const clustering: Buffer[] = [];
        const bodyLength = decoder.readFramedRowClustering(reader, clustering);
        if (bodyLength < 0) break;
        if (this.stopAfter !== null && comparePositions(layout, clustering, 0, this.stopAfter.values, this.stopAfter.side) > 0) break;
        if (this.from !== null && comparePositions(layout, clustering, 0, this.from.values, this.from.side) < 0) {
          reader.skip(bodyLength);
          continue;
        }
        return decoder.readRowBody(reader, clustering, bodyLength);
      }
    } catch (error) {
      throw this.partition.corruption(error);
    }
    this.done = true;
    return null;
  }

  drain(): Row[] {
    const rows: Row[] = [];
    for (let row = this.next(); row !== null; row = this.next()) rows.push(row);
    return rows;
  }
}

/** Forward over row-index blocks from block `first`. */
class BlockRowCursor implements RowCursor {
  private readonly partition: SSTablePartition;
  private readonly rowIndex: RowIndexReader;
  private block: number;
  private cursor: FramedRowCursor;

  constructor(partition: SSTablePartition, rowIndex: RowIndexReader, first: number, from: ClusteringPosition | null) {
    this.partition = partition;
    this.rowIndex = rowIndex;
    this.block = first;
    this.cursor = new FramedRowCursor(partition, partition.blockReader(first, rowIndex), from, null);
  }

  next(): Row | null {
    for (;;) {
      const row = this.cursor.next();
      if (row !== null) return row;
      if (this.block + 1 >= this.rowIndex.count) return null;
      this.block++;
      try {
        this.cursor = new FramedRowCursor(this.partition, this.partition.blockReader(this.block, this.rowIndex), null, null);
      } catch (error) {
        throw this.partition.corruption(error);
      }
    }
  }
}

/** Backward over row-index blocks from block `last`: each block decoded, then walked back. */
class ReversedBlockRowCursor implements RowCursor {
  private readonly partition: SSTablePartition;
  private readonly rowIndex: RowIndexReader;
  private block: number;
  private rows: Row[];
  private at: number;

  constructor(partition: SSTablePartition, rowIndex: RowIndexReader, last: number, from: ClusteringPosition | null) {
    this.partition = partition;
    this.rowIndex = rowIndex;
    this.block = last;
    this.rows = new FramedRowCursor(partition, partition.blockReader(last, rowIndex), null, from).drain();
    this.at = this.rows.length - 1;
  }

  next(): Row | null {
    while (this.at < 0) {
      if (this.block === 0) return null;
      this.block--;
      try {
        this.rows = new FramedRowCursor(this.partition, this.partition.blockReader(this.block, this.rowIndex), null, null).drain();
      } catch (error) {
        throw this.partition.corruption(error);
      }
      this.at = this.rows.length - 1;
    }
    return this.rows[this.at--]!;
  }
}

/**
 * A scanner on an SSTable that is not open (quarantined, for scrub): only Statistics (the column
 * dictionary) and CompressionInfo (chunk tables) must be intact; the filter and TOC are not needed.
 */
export function openSSTableScanner(disk: Disk, directory: string, generation: number): SSTableScanner {
  const path = (c: ComponentName): string => `${directory}/${componentFileName(generation, c)}`;
  for (const c of [Component.Data, Component.Index, Component.Statistics, Component.CompressionInfo]) {
    if (disk.stat(path(c)) === null) throw new StorageCorruptionError({ path: path(c), offsetBytes: 0, reason: `component ${c} missing` });
  }
  const statistics = deserializeStatistics(disk.readFile(path(Component.Statistics)), path(Component.Statistics));
  if (statistics.formatVersion !== SSTABLE_FORMAT_VERSION) {
    throw new StorageCorruptionError({ path: path(Component.Statistics), offsetBytes: 0, reason: `format ${statistics.formatVersion}` });
  }
  const info = deserializeCompressionInfo(disk.readFile(path(Component.CompressionInfo)), path(Component.CompressionInfo));
  return new SSTableScanner({
    disk, directory, generation, statistics, filter: BloomFilter.create(1, 1), compressor: info.compressor, dataTable: info.data,
    indexTable: info.index, chunkCache: null, keyCache: null, indexBudget: null, partitionIndex: null,
  });
}

/**
 * Every partition of an SSTable in order, through private file handles and chunk cache
 * (compaction, verify, scrub). `close` releases them.
 */
export class SSTableScanner {
  readonly generation: number;
  readonly statistics: SSTableStatistics;
  private readonly data: ChunkedFileReader;
  private readonly index: ChunkedFileReader;
  private readonly names: ColumnNameReader;
  private readonly scanner: IndexScanner;

  constructor(parts: ReaderParts) {
    this.generation = parts.generation;
    this.statistics = parts.statistics;
    const files = openDataAndIndex(parts, null);
    this.data = files.data;
    this.index = files.index;
    this.names = dictionaryReader(parts.statistics.columns, this.data.file.path);
    this.scanner = new IndexScanner(this.index, 0);
  }

  get dataPath(): string {
    return this.data.file.path;
  }

  get indexPath(): string {
    return this.index.file.path;
  }

  /** Logical Data offset of the next partition's end so far (progress). */
  get indexOffsetBytes(): number {
    return this.scanner.offsetBytes;
  }

  get indexLengthBytes(): number {
    return this.index.logicalLengthBytes;
  }

  nextEntry(): IndexEntry | null {
    return this.scanner.next();
  }

  /** After a corrupt index chunk: continue with the entries of the next chunk; false at the end. */
  skipIndexChunk(): boolean {
    return this.scanner.skipChunk();
  }

  get dataLogicalBytes(): number {
    return this.data.logicalLengthBytes;
  }

  open(layout: TableLayout, entry: IndexEntry): SSTablePartition {
    return readPartitionFrom(this.data, this.names, layout, entry);
  }

  /**
   * The partition's Data bytes when `scan` finds a compaction may copy them as they are
   * (partition-copy.ts), else null. The bytes are valid until the next read of this scanner.
   */
  copyable(entry: IndexEntry, scan: CopyScan): Buffer | null {
    const path = this.data.file.path;
    const bytes = this.data.read(entry.dataOffsetBytes, entry.dataLengthBytes);
    try {
      if (!startsWithIndexedKey(new ByteReader(bytes), entry)) {
        throw new StorageCorruptionError({ path, offsetBytes: entry.dataOffsetBytes, reason: 'partition key does not match the index' });
      }
      return scan.scan(bytes, this.statistics.columns) ? bytes : null;
    } catch (error) {
      throw asCorruption(error, path, entry.dataOffsetBytes);
    }
  }

  /** Checks every stored chunk of Data and Index (checksums, decompression) without the cache. */
  verifyChunks(): void {
    for (let i = 0; i < this.data.chunkCount; i++) this.data.verifyChunk(i);
    for (let i = 0; i < this.index.chunkCount; i++) this.index.verifyChunk(i);
  }

  get dataChunkCount(): number {
    return this.data.chunkCount;
  }

  get indexChunkCount(): number {
    return this.index.chunkCount;
  }

  verifyDataChunk(i: number): void {
    this.data.verifyChunk(i);
  }

  verifyIndexChunk(i: number): void {
    this.index.verifyChunk(i);
  }

  close(): void {
    this.data.close();
    this.index.close();
  }
}
