// Reads one SSTable: the bloom filter and token bounds rule partitions out without I/O, the
// in-memory summary (every Nth index entry) narrows an index lookup to one short scan, and Data
// chunks are checksum-verified on every load. Partitions decode lazily: deletions and the static
// row up front, rows one at a time (a row outside the query is skipped by its length).
import type { Disk } from '../../io/index.ts';
import { ByteReader, DecodeError } from '../codec/byte-reader.ts';
import type { ColumnNameReader } from '../codec/partition-codec.ts';
import { PartitionDecoder } from '../codec/partition-codec.ts';
import { comparePositions } from '../clustering-position.ts';
import { StorageCorruptionError } from '../errors.ts';
import type { DeletionTime, RangeTombstone, Row } from '../model.ts';
import { ArrayRowCursor, EMPTY_CURSOR } from '../read/partition-source.ts';
import type { ClusteringPosition, PartitionSource, RowCursor } from '../read/partition-source.ts';
import type { TableLayout } from '../table-layout.ts';
import { BloomFilter } from './bloom-filter.ts';
import type { ChunkCache } from './chunk-cache.ts';
import { ChunkedFileReader } from './chunked-file.ts';
import {
  Component, DATA_COMPONENTS, INDEX_ENTRY_BYTES_MAX, INDEX_ENTRY_WINDOW_BYTES, SSTABLE_FORMAT_VERSION, componentFileName,
} from './sstable-format.ts';
import type { ComponentName } from './sstable-format.ts';
import { deserializeStatistics } from './sstable-statistics.ts';
import type { SSTableStatistics } from './sstable-statistics.ts';

export interface SummaryEntry {
  readonly token: bigint;
  readonly key: Buffer;
  readonly indexOffsetBytes: number;
}

export interface IndexEntry {
  readonly key: Buffer;
  readonly token: bigint;
  readonly dataOffsetBytes: number;
  readonly dataLengthBytes: number;
}

/** Sign of a partition (token, key) relative to a target: negative when it sorts before. */
export type PartitionProbe = (token: bigint, key: Buffer) => number;

export class SSTableReader {
  readonly directory: string;
  readonly generation: number;
  readonly statistics: SSTableStatistics;
  readonly filter: BloomFilter;
  readonly summary: readonly SummaryEntry[];
  readonly sizeBytes: number;
  private readonly disk: Disk;
  private readonly data: ChunkedFileReader;
  private readonly index: ChunkedFileReader;
  private readonly names: ColumnNameReader;

  private constructor(options: {
    disk: Disk; directory: string; generation: number; statistics: SSTableStatistics; filter: BloomFilter; summary: readonly SummaryEntry[] | null;
    chunkCache: ChunkCache | null;
  }) {
    this.disk = options.disk;
    this.directory = options.directory;
    this.generation = options.generation;
    this.statistics = options.statistics;
    this.filter = options.filter;
    const dataFile = options.disk.openRead(this.path(Component.Data));
    let indexFile = null;
    try {
      indexFile = options.disk.openRead(this.path(Component.Index));
      const chunkLengthBytes = options.statistics.chunkLengthBytes;
      this.data = new ChunkedFileReader(dataFile, { logicalLengthBytes: options.statistics.dataLengthBytes, chunkLengthBytes, cache: options.chunkCache });
      this.index = new ChunkedFileReader(indexFile, { logicalLengthBytes: options.statistics.indexLengthBytes, chunkLengthBytes, cache: options.chunkCache });
    } catch (error) {
      dataFile.close();
      indexFile?.close();
      throw error;
    }
    const columns = options.statistics.columns;
    const dataPath = this.path(Component.Data);
    this.names = {
      read(reader) {
        const i = reader.varint();
        const name = columns[i];
        if (name === undefined) throw new StorageCorruptionError({ path: dataPath, offsetBytes: reader.offset, reason: `column index ${i} not in the dictionary` });
        return name;
      },
    };
    this.summary = options.summary ?? this.buildSummary();
    let size = 0;
    for (const c of [...DATA_COMPONENTS, Component.TOC]) size += options.disk.stat(this.path(c))?.sizeBytes ?? 0;
    this.sizeBytes = size;
  }

  /** Opens a complete SSTable (its TOC exists); throws StorageCorruptionError on bad metadata. */
  static open(disk: Disk, directory: string, generation: number, chunkCache: ChunkCache | null = null): SSTableReader {
    const path = (c: ComponentName): string => `${directory}/${componentFileName(generation, c)}`;
    const toc = disk.readFile(path(Component.TOC)).toString('utf8').split('\n').filter((l) => l.length > 0);
    for (const c of DATA_COMPONENTS) {
      if (!toc.includes(c) || disk.stat(path(c)) === null) {
        throw new StorageCorruptionError({ path: path(Component.TOC), offsetBytes: 0, reason: `component ${c} missing` });
      }
    }
    const statistics = deserializeStatistics(disk.readFile(path(Component.Statistics)), path(Component.Statistics));
    if (statistics.formatVersion !== SSTABLE_FORMAT_VERSION || statistics.generation !== generation) {
      throw new StorageCorruptionError({ path: path(Component.Statistics), offsetBytes: 0, reason: `format ${statistics.formatVersion} generation ${statistics.generation}` });
    }
    const filter = BloomFilter.deserialize(disk.readFile(path(Component.Filter)), path(Component.Filter));
    return new SSTableReader({ disk, directory, generation, statistics, filter, summary: null, chunkCache });
  }

  /** A reader on an SSTable just written, reusing the summary and filter built while writing. */
  static fromWritten(options: {
    disk: Disk; directory: string; generation: number; statistics: SSTableStatistics; filter: BloomFilter; summary: readonly SummaryEntry[]; chunkCache: ChunkCache | null;
  }): SSTableReader {
    return new SSTableReader(options);
  }

  path(component: ComponentName): string {
    return `${this.directory}/${componentFileName(this.generation, component)}`;
  }

  componentPaths(): string[] {
    return [...DATA_COMPONENTS, Component.TOC].map((c) => this.path(c));
  }

  mayContainToken(token: bigint): boolean {
    return token >= this.statistics.minToken && token <= this.statistics.maxToken;
  }

  /** The index entry of the partition, or null (filter, token bounds and index say no). */
  find(token: bigint, key: Buffer): IndexEntry | null {
    if (!this.mayContainToken(token) || !this.filter.mightContain(token)) return null;
    // The last summary entry at or before (token, key); the scan starts there.
    let lo = 0;
    let hi = this.summary.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const s = this.summary[mid]!;
      const c = s.token !== token ? (s.token < token ? -1 : 1) : Buffer.compare(s.key, key);
      if (c <= 0) lo = mid + 1;
      else hi = mid;
    }
    if (lo === 0) return null;
    return new IndexScanner(this.index, this.summary[lo - 1]!.indexOffsetBytes).findExact(token, key, this.statistics.indexInterval);
  }

  /** Index entries in order from the first with probe(token, key) >= 0. */
  scan(probe: PartitionProbe): IndexScanner {
    // The last summary entry strictly before the target; scanning starts there.
    let lo = 0;
    let hi = this.summary.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const s = this.summary[mid]!;
      if (probe(s.token, s.key) < 0) lo = mid + 1;
      else hi = mid;
    }
    const startOffset = lo === 0 ? 0 : this.summary[lo - 1]!.indexOffsetBytes;
    const scanner = new IndexScanner(this.index, startOffset);
    scanner.skipWhile(probe);
    return scanner;
  }

  /** Decodes a partition's header; rows decode lazily from the returned source. */
  readPartition(layout: TableLayout, entry: IndexEntry): SSTablePartition {
    const bytes = this.data.read(entry.dataOffsetBytes, entry.dataLengthBytes);
    const dataPath = this.data.file.path;
    try {
      const reader = new ByteReader(bytes);
      const key = reader.varBytes();
      const token = reader.i64();
      if (token !== entry.token || !key.equals(entry.key)) {
        throw new StorageCorruptionError({ path: dataPath, offsetBytes: entry.dataOffsetBytes, reason: 'partition key does not match the index' });
      }
      const decoder = new PartitionDecoder(this.names);
      const header = decoder.readHeader(reader);
      return new SSTablePartition({
        layout, decoder, bytes, rowsOffset: reader.offset, header, dataPath, dataOffsetBytes: entry.dataOffsetBytes,
      });
    } catch (error) {
      throw asCorruption(error, dataPath, entry.dataOffsetBytes);
    }
  }

  close(): void {
    this.data.close();
    this.index.close();
  }

  /** Closes the files and removes the SSTable, TOC first so a crash midway leaves no half table visible. */
  delete(): void {
    this.close();
    this.disk.remove(this.path(Component.TOC));
    for (const c of DATA_COMPONENTS) this.disk.remove(this.path(c));
  }

  private buildSummary(): SummaryEntry[] {
    const interval = this.statistics.indexInterval;
    const scanner = new IndexScanner(this.index, 0);
    const summary: SummaryEntry[] = [];
    let n = 0;
    let previous: IndexEntry | null = null;
    for (;;) {
      const offset = scanner.offsetBytes;
      const entry = scanner.next();
      if (entry === null) break;
      if (previous !== null && (entry.token < previous.token || (entry.token === previous.token && Buffer.compare(entry.key, previous.key) <= 0))) {
        throw new StorageCorruptionError({ path: this.index.file.path, offsetBytes: offset, reason: 'index entries out of order' });
      }
      if (n % interval === 0) summary.push({ token: entry.token, key: Buffer.from(entry.key), indexOffsetBytes: offset });
      previous = entry;
      n++;
    }
    if (n !== this.statistics.partitionCount) {
      throw new StorageCorruptionError({ path: this.index.file.path, offsetBytes: 0, reason: `${n} index entries, statistics say ${this.statistics.partitionCount}` });
    }
    return summary;
  }
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
  findExact(token: bigint, key: Buffer, entriesMax: number): IndexEntry | null {
    const tokenHigh = Number(BigInt.asIntN(32, token >> 32n));
    const tokenLow = Number(BigInt.asUintN(32, token));
    const chunkLength = this.index.chunkLengthBytes;
    const end = this.index.logicalLengthBytes;
    for (let n = 0; n < entriesMax && this.offsetBytes < end; n++) {
      const chunk = this.index.chunkAt(this.offsetBytes);
      const start = this.offsetBytes % chunkLength;
      // Entry layout: varint key length, key, 8-byte token, varint offset, varint length.
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
      // Two varints of at most 8 bytes each follow the token.
      if (!ok || tokenAt + 8 + 16 > chunk.length) {
        // Straddles a chunk boundary (or is malformed): take the general path for this entry.
        const entry = this.next();
        if (entry === null) return null;
        const c = entry.token !== token ? (entry.token < token ? -1 : 1) : Buffer.compare(entry.key, key);
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
      // Skip the two varints.
      let q = tokenAt + 8;
      for (let v = 0; v < 2; v++) {
        while (chunk[q]! >= 0x80) q++;
        q++;
      }
      this.offsetBytes += q - start;
    }
    return null;
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
    const remaining = this.index.logicalLengthBytes - this.offsetBytes;
    if (remaining <= 0) return null;
    let window = Math.min(INDEX_ENTRY_WINDOW_BYTES, remaining);
    for (;;) {
      const bytes = this.index.read(this.offsetBytes, window);
      const reader = new ByteReader(bytes);
      try {
        const key = reader.varBytes();
        const token = reader.i64();
        const dataOffsetBytes = reader.varint();
        const dataLengthBytes = reader.varint();
        const entry: IndexEntry = { key, token, dataOffsetBytes, dataLengthBytes };
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
  return error;
}

/** One partition of an SSTable as a merge source. */
export class SSTablePartition implements PartitionSource {
  readonly partitionDeletion: DeletionTime | null;
  readonly staticRow: Row | null;
  readonly rangeTombstones: readonly RangeTombstone[];
  private readonly layout: TableLayout;
  private readonly decoder: PartitionDecoder;
  private readonly bytes: Buffer;
  private readonly rowsOffset: number;
  private readonly rowCount: number;
  private readonly dataPath: string;
  private readonly dataOffsetBytes: number;

  constructor(options: {
    layout: TableLayout; decoder: PartitionDecoder; bytes: Buffer; rowsOffset: number;
    header: { partitionDeletion: DeletionTime | null; staticRow: Row | null; rangeTombstones: readonly RangeTombstone[]; rowCount: number };
    dataPath: string; dataOffsetBytes: number;
  }) {
    this.layout = options.layout;
    this.decoder = options.decoder;
    this.bytes = options.bytes;
    this.rowsOffset = options.rowsOffset;
    this.partitionDeletion = options.header.partitionDeletion;
    this.staticRow = options.header.staticRow;
    this.rangeTombstones = options.header.rangeTombstones;
    this.rowCount = options.header.rowCount;
    this.dataPath = options.dataPath;
    this.dataOffsetBytes = options.dataOffsetBytes;
  }

  rows(reversed: boolean, from: ClusteringPosition | null): RowCursor {
    if (this.rowCount === 0) return EMPTY_CURSOR;
    if (!reversed) return new SSTableRowCursor(this, from);
    // Reversed: decode the rows at or before `from` (skipping the rest unparsed), then walk back.
    const rows: Row[] = [];
    const cursor = new SSTableRowCursor(this, null);
    cursor.stopAfter = from;
    for (let row = cursor.next(); row !== null; row = cursor.next()) rows.push(row);
    return new ArrayRowCursor(rows, rows.length - 1, true);
  }

  /** @internal */
  decodeRows(from: ClusteringPosition | null, stopAfter: ClusteringPosition | null, state: { reader: ByteReader | null; remaining: number }): Row | null {
    try {
      if (state.reader === null) {
        state.reader = new ByteReader(this.bytes, this.rowsOffset);
        state.remaining = this.rowCount;
      }
      const reader = state.reader;
      while (state.remaining > 0) {
        state.remaining--;
        const clustering: Buffer[] = [];
        const bodyLength = this.decoder.readRowClustering(reader, clustering);
        if (stopAfter !== null && comparePositions(this.layout, clustering, 0, stopAfter.values, stopAfter.side) > 0) {
          state.remaining = 0;
          return null;
        }
        if (from !== null && comparePositions(this.layout, clustering, 0, from.values, from.side) < 0) {
          reader.skip(bodyLength);
          continue;
        }
        return this.decoder.readRowBody(reader, clustering, bodyLength);
      }
      return null;
    } catch (error) {
      throw asCorruption(error, this.dataPath, this.dataOffsetBytes);
    }
  }
}

class SSTableRowCursor implements RowCursor {
  private readonly partition: SSTablePartition;
  private readonly from: ClusteringPosition | null;
  stopAfter: ClusteringPosition | null = null;
  private readonly state: { reader: ByteReader | null; remaining: number } = { reader: null, remaining: 0 };

  constructor(partition: SSTablePartition, from: ClusteringPosition | null) {
    this.partition = partition;
    this.from = from;
  }

  next(): Row | null {
    return this.partition.decodeRows(this.from, this.stopAfter, this.state);
  }
}
