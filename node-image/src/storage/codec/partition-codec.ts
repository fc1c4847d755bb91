// The binary encoding of a partition's contents (deletion, static row, rows, range tombstones),
// shared by commit-log mutations and SSTable Data. Timestamps are zigzag varint deltas from a
// per-partition base (one byte for the common "same write" case), or absolute doubles when a
// delta would not be exact. Rows carry a u32 body length so readers can skip them unparsed.
// Layout: docs/formats/commit-log.md ("Partition body"), docs/formats/sstable.md.
import { assert } from '../../lib/index.ts';
import { NO_DELETION_TIME } from '../model.ts';
import type { Cell, ClusteringBound, ComplexDeletion, DeletionTime, LivenessInfo, RangeTombstone, Row } from '../model.ts';
import type { ByteReader } from './byte-reader.ts';
import { DecodeError } from './byte-reader.ts';
import type { ByteWriter } from './byte-writer.ts';

export const PartitionFlag = {
  HAS_DELETION: 0x01,
  HAS_STATIC_ROW: 0x02,
  HAS_RANGE_TOMBSTONES: 0x04,
  ABSOLUTE_TIMESTAMPS: 0x08,
} as const;

export const RowFlag = {
  HAS_LIVENESS: 0x01,
  LIVENESS_EXPIRING: 0x02,
  HAS_DELETION: 0x04,
  HAS_COMPLEX_DELETIONS: 0x08,
} as const;

export const CellFlag = {
  TOMBSTONE: 0x01,
  EXPIRING: 0x02,
  HAS_PATH: 0x04,
  HAS_VALUE: 0x08,
} as const;

/** Deltas at or beyond this magnitude switch the partition to absolute timestamps. */
export const TIMESTAMP_DELTA_MAX = 2 ** 51;
/** Bytes of the fixed row body length that follows a row's clustering. */
export const ROW_BODY_LENGTH_BYTES = 4;

/** How column names are written: inline strings (commit log) or dictionary indexes (SSTables). */
export interface ColumnNameWriter {
  write(writer: ByteWriter, name: string): void;
}

export interface ColumnNameReader {
  read(reader: ByteReader): string;
}

export const inlineColumnNames: ColumnNameWriter & ColumnNameReader = {
  write(writer, name) {
    writer.string(name);
  },
  read(reader) {
    return reader.string();
  },
};

/** What a partition body holds; the key and token are stored by the container. */
export interface PartitionContents {
  readonly partitionDeletion: DeletionTime | null;
  readonly staticRow: Row | null;
  readonly rows: readonly Row[];
  readonly rangeTombstones: readonly RangeTombstone[];
}

class TimestampRangeSignal {}
const TIMESTAMP_RANGE = new TimestampRangeSignal();

/** Encodes rows and deletions of one partition with a shared timestamp base. */
export class PartitionEncoder {
  private base = 0;
  private absolute = false;
  private readonly names: ColumnNameWriter;

  constructor(names: ColumnNameWriter) {
    this.names = names;
  }

  /** Writes a whole partition body; on a timestamp delta too large for a varint, rewrites it with absolute timestamps. */
  writePartition(writer: ByteWriter, contents: PartitionContents): void {
    const start = writer.length;
    const base = firstTimestamp(contents);
    try {
      this.writePartitionWith(writer, contents, base, false);
    } catch (signal) {
      if (signal !== TIMESTAMP_RANGE) throw signal;
      writer.truncate(start);
      this.writePartitionWith(writer, contents, base, true);
    }
  }

  /** Header, partition deletion and static row; range tombstones and rows follow. */
  private beginPartition(writer: ByteWriter, partitionDeletion: DeletionTime | null, staticRow: Row | null, hasRangeTombstones: boolean, absoluteTimestamps: boolean, baseTimestampMicros: number): void {
    this.base = baseTimestampMicros;
    this.absolute = absoluteTimestamps;
    let flags = 0;
    if (partitionDeletion !== null) flags |= PartitionFlag.HAS_DELETION;
    if (staticRow !== null) flags |= PartitionFlag.HAS_STATIC_ROW;
    if (hasRangeTombstones) flags |= PartitionFlag.HAS_RANGE_TOMBSTONES;
    if (absoluteTimestamps) flags |= PartitionFlag.ABSOLUTE_TIMESTAMPS;
    writer.u8(flags);
    writer.f64(baseTimestampMicros);
    if (partitionDeletion !== null) this.writeDeletion(writer, partitionDeletion);
    if (staticRow !== null) this.writeRow(writer, staticRow);
  }

  /**
   * SSTable streaming (docs/formats/sstable.md): the header (flags, base, deletion, static row,
   * range tombstones) without a row count; rows follow with writeFramedRow and end with
   * writeEndOfRows. The caller guarantees every timestamp of the partition is within
   * TIMESTAMP_DELTA_MAX of `baseTimestampMicros`, or passes `absolute`.
   */
  beginStreamedPartition(writer: ByteWriter, contents: { partitionDeletion: DeletionTime | null; staticRow: Row | null; rangeTombstones: readonly RangeTombstone[] }, options: { baseTimestampMicros: number; absolute: boolean }): void {
    try {
      this.beginPartition(writer, contents.partitionDeletion, contents.staticRow, contents.rangeTombstones.length > 0, options.absolute, options.baseTimestampMicros);
      if (contents.rangeTombstones.length > 0) this.writeRangeTombstones(writer, contents.rangeTombstones);
    } catch (signal) {
      if (signal === TIMESTAMP_RANGE) assert(false, 'streamed partition timestamps within the delta range of their base');
      throw signal;
    }
  }

  /** beginStreamedPartition of a partition with no deletion, static row or range tombstone, with timestamp deltas from `baseTimestampMicros`. */
  beginPlainStreamedPartition(writer: ByteWriter, baseTimestampMicros: number): void {
    this.beginPartition(writer, null, null, false, false, baseTimestampMicros);
  }

  /** Sets the delta base of rows written next with writeFramedRow (rows encoded apart from their header). */
  setBase(baseTimestampMicros: number): void {
    this.base = baseTimestampMicros;
    this.absolute = false;
  }

  /** A row of a streamed partition: varint (clustering size + 1), the clustering, the body. */
  writeFramedRow(writer: ByteWriter, row: Row): void {
    try {
      writer.varint(row.clustering.length + 1);
      this.writeRowAfterSize(writer, row);
    } catch (signal) {
      if (signal === TIMESTAMP_RANGE) assert(false, 'streamed partition timestamps within the delta range of their base');
      throw signal;
    }
  }

  /** Ends the rows of a streamed partition. */
  writeEndOfRows(writer: ByteWriter): void {
    writer.varint(0);
  }

  private writeRow(writer: ByteWriter, row: Row): void {
    writer.varint(row.clustering.length);
    this.writeRowAfterSize(writer, row);
  }

  private writeRowAfterSize(writer: ByteWriter, row: Row): void {
    for (const value of row.clustering) writer.varBytes(value);
    const lengthAt = writer.length;
    writer.u32(0);
    const bodyStart = writer.length;
    let flags = 0;
    const liveness = row.liveness;
    if (liveness !== null) {
      flags |= RowFlag.HAS_LIVENESS;
      if (liveness.ttlSeconds > 0) flags |= RowFlag.LIVENESS_EXPIRING;
    }
    if (row.deletion !== null) flags |= RowFlag.HAS_DELETION;
    if (row.complexDeletions.length > 0) flags |= RowFlag.HAS_COMPLEX_DELETIONS;
    writer.u8(flags);
    if (liveness !== null) {
      this.writeTimestamp(writer, liveness.timestampMicros);
      if (liveness.ttlSeconds > 0) {
        writer.varint(liveness.ttlSeconds);
        writer.varint(liveness.localExpirationTimeSeconds);
      } else {
        assert(liveness.localExpirationTimeSeconds === NO_DELETION_TIME, 'non-expiring liveness with an expiration time');
      }
    }
    if (row.deletion !== null) this.writeDeletion(writer, row.deletion);
    if (row.complexDeletions.length > 0) {
      writer.varint(row.complexDeletions.length);
      for (const cd of row.complexDeletions) {
        this.names.write(writer, cd.column);
        this.writeDeletion(writer, cd.deletion);
      }
    }
    writer.varint(row.cells.length);
    for (const cell of row.cells) this.writeCell(writer, cell);
    writer.u32At(lengthAt, writer.length - bodyStart);
  }

  private writeRangeTombstones(writer: ByteWriter, rangeTombstones: readonly RangeTombstone[]): void {
    writer.varint(rangeTombstones.length);
    for (const rt of rangeTombstones) {
      writeBound(writer, rt.start);
      writeBound(writer, rt.end);
      this.writeDeletion(writer, rt.deletion);
    }
  }

  private writePartitionWith(writer: ByteWriter, contents: PartitionContents, base: number, absolute: boolean): void {
    this.beginPartition(writer, contents.partitionDeletion, contents.staticRow, contents.rangeTombstones.length > 0, absolute, base);
    if (contents.rangeTombstones.length > 0) this.writeRangeTombstones(writer, contents.rangeTombstones);
    writer.varint(contents.rows.length);
    for (const row of contents.rows) this.writeRow(writer, row);
  }

  private writeCell(writer: ByteWriter, cell: Cell): void {
    assert(cell.counterDelta !== true, 'counter deltas are resolved to totals before they are stored');
    let flags = 0;
    if (cell.tombstone) flags |= CellFlag.TOMBSTONE;
    else if (cell.ttlSeconds > 0) flags |= CellFlag.EXPIRING;
    // (The message is built only on failure: a template literal argument would allocate per cell.)
    else if (cell.localDeletionTimeSeconds !== NO_DELETION_TIME) assert(false, `live non-expiring cell ${cell.column} with a deletion time`);
    if (cell.path !== null) flags |= CellFlag.HAS_PATH;
    if (cell.value.length > 0) flags |= CellFlag.HAS_VALUE;
    writer.u8(flags);
    this.names.write(writer, cell.column);
    this.writeTimestamp(writer, cell.timestampMicros);
    if (cell.path !== null) writer.varBytes(cell.path);
    if (cell.value.length > 0) writer.varBytes(cell.value);
    if (cell.tombstone) {
      writer.varint(cell.localDeletionTimeSeconds);
    } else if (cell.ttlSeconds > 0) {
      writer.varint(cell.ttlSeconds);
      writer.varint(cell.localDeletionTimeSeconds);
    }
  }

  private writeDeletion(writer: ByteWriter, deletion: DeletionTime): void {
    this.writeTimestamp(writer, deletion.markedForDeleteAtMicros);
    writer.varint(deletion.localDeletionTimeSeconds);
  }

  private writeTimestamp(writer: ByteWriter, timestampMicros: number): void {
    assert(Number.isSafeInteger(timestampMicros), 'timestamps are safe integers (micros)');
    if (this.absolute) {
      writer.f64(timestampMicros);
      return;
    }
    const delta = timestampMicros - this.base;
    if (delta >= TIMESTAMP_DELTA_MAX || delta <= -TIMESTAMP_DELTA_MAX) throw TIMESTAMP_RANGE;
    writer.varint(delta >= 0 ? delta * 2 : -delta * 2 - 1);
  }
}

function writeBound(writer: ByteWriter, bound: ClusteringBound): void {
  writer.u8(bound.inclusive ? 1 : 0);
  writer.varint(bound.values.length);
  for (const v of bound.values) writer.varBytes(v);
}

/** The first timestamp of a partition's contents: the base its deltas are taken from. */
export function firstTimestamp(contents: PartitionContents): number {
  if (contents.partitionDeletion !== null) return contents.partitionDeletion.markedForDeleteAtMicros;
  if (contents.staticRow !== null) {
    const t = rowTimestamp(contents.staticRow);
    if (t !== null) return t;
  }
  for (const row of contents.rows) {
    const t = rowTimestamp(row);
    if (t !== null) return t;
  }
  for (const rt of contents.rangeTombstones) return rt.deletion.markedForDeleteAtMicros;
  return 0;
}

export function rowTimestamp(row: Row): number | null {
  if (row.liveness !== null) return row.liveness.timestampMicros;
  if (row.deletion !== null) return row.deletion.markedForDeleteAtMicros;
  if (row.cells.length > 0) return row.cells[0]!.timestampMicros;
  if (row.complexDeletions.length > 0) return row.complexDeletions[0]!.deletion.markedForDeleteAtMicros;
  return null;
}

// ---------------------------------------------------------------------------------------------
// Decoding

export interface PartitionHeader {
  readonly partitionDeletion: DeletionTime | null;
  readonly staticRow: Row | null;
  readonly rangeTombstones: readonly RangeTombstone[];
  readonly rowCount: number;
}

/** Decodes a partition body written by PartitionEncoder, row by row if the caller wants. */
export class PartitionDecoder {
  private base = 0;
  private absolute = false;
  private readonly names: ColumnNameReader;

  constructor(names: ColumnNameReader) {
    this.names = names;
  }

  readHeader(reader: ByteReader): PartitionHeader {
    const flags = reader.u8();
    if ((flags & ~0x0f) !== 0) throw new DecodeError(`unknown partition flags ${flags}`, reader.offset - 1);
    this.base = reader.f64();
    this.absolute = (flags & PartitionFlag.ABSOLUTE_TIMESTAMPS) !== 0;
    const partitionDeletion = (flags & PartitionFlag.HAS_DELETION) !== 0 ? this.readDeletion(reader) : null;
    const staticRow = (flags & PartitionFlag.HAS_STATIC_ROW) !== 0 ? this.readRow(reader) : null;
    const rangeTombstones = (flags & PartitionFlag.HAS_RANGE_TOMBSTONES) !== 0 ? this.readRangeTombstones(reader) : EMPTY;
    const rowCount = reader.varint();
    return { partitionDeletion, staticRow, rangeTombstones, rowCount };
  }

  /** Header of a streamed partition (beginStreamedPartition): no row count; rows are framed. */
  readStreamedHeader(reader: ByteReader): { partitionDeletion: DeletionTime | null; staticRow: Row | null; rangeTombstones: readonly RangeTombstone[] } {
    const flags = reader.u8();
    if ((flags & ~0x0f) !== 0) throw new DecodeError(`unknown partition flags ${flags}`, reader.offset - 1);
    this.base = reader.f64();
    this.absolute = (flags & PartitionFlag.ABSOLUTE_TIMESTAMPS) !== 0;
    const partitionDeletion = (flags & PartitionFlag.HAS_DELETION) !== 0 ? this.readDeletion(reader) : null;
    const staticRow = (flags & PartitionFlag.HAS_STATIC_ROW) !== 0 ? this.readRow(reader) : null;
    const rangeTombstones = (flags & PartitionFlag.HAS_RANGE_TOMBSTONES) !== 0 ? this.readRangeTombstones(reader) : EMPTY;
    return { partitionDeletion, staticRow, rangeTombstones };
  }

  /** Sets the timestamp base of a streamed partition read elsewhere (a row-index block decoded alone). */
  setBase(baseTimestampMicros: number, absolute: boolean): void {
    this.base = baseTimestampMicros;
    this.absolute = absolute;
  }

  get baseTimestampMicros(): number {
    return this.base;
  }

  get absoluteTimestamps(): boolean {
    return this.absolute;
  }

  /**
   * Reads a framed row's clustering (writeFramedRow) and leaves the reader at its body; returns
   * the body length, or -1 at the end of the rows.
   */
  readFramedRowClustering(reader: ByteReader, into: Buffer[]): number {
    into.length = 0;
    const n = reader.varint();
    if (n === 0) return -1;
    for (let i = 1; i < n; i++) into.push(reader.varBytes());
    return reader.u32();
  }

  /** Reads a row's clustering and leaves the reader at the start of its body; returns the body length. */
  readRowClustering(reader: ByteReader, into: Buffer[]): number {
    into.length = 0;
    const n = reader.varint();
    for (let i = 0; i < n; i++) into.push(reader.varBytes());
    return reader.u32();
  }

  readRowBody(reader: ByteReader, clustering: readonly Buffer[], bodyLength: number): Row {
    const end = reader.offset + bodyLength;
    reader.need(bodyLength);
    const flags = reader.u8();
    let liveness: LivenessInfo | null = null;
    if ((flags & RowFlag.HAS_LIVENESS) !== 0) {
      const timestampMicros = this.readTimestamp(reader);
      if ((flags & RowFlag.LIVENESS_EXPIRING) !== 0) {
        const ttlSeconds = reader.varint();
        liveness = { timestampMicros, ttlSeconds, localExpirationTimeSeconds: reader.varint() };
      } else {
        liveness = { timestampMicros, ttlSeconds: 0, localExpirationTimeSeconds: NO_DELETION_TIME };
      }
    }
    const deletion = (flags & RowFlag.HAS_DELETION) !== 0 ? this.readDeletion(reader) : null;
    let complexDeletions: readonly ComplexDeletion[] = EMPTY;
    if ((flags & RowFlag.HAS_COMPLEX_DELETIONS) !== 0) {
      const n = reader.varint();
      const list: ComplexDeletion[] = [];
      for (let i = 0; i < n; i++) {
        const column = this.names.read(reader);
        list.push({ column, deletion: this.readDeletion(reader) });
      }
      complexDeletions = list;
    }
    const cellCount = reader.varint();
    const cells: Cell[] = new Array<Cell>(cellCount);
    for (let i = 0; i < cellCount; i++) cells[i] = this.readCell(reader);
    if (reader.offset !== end) throw new DecodeError(`row body length ${bodyLength} does not match its contents`, reader.offset);
    return { clustering, liveness, deletion, cells, complexDeletions };
  }

  readRow(reader: ByteReader): Row {
    const clustering: Buffer[] = [];
    const bodyLength = this.readRowClustering(reader, clustering);
    return this.readRowBody(reader, clustering, bodyLength);
  }

  private readRangeTombstones(reader: ByteReader): RangeTombstone[] {
    const n = reader.varint();
    const out: RangeTombstone[] = [];
    for (let i = 0; i < n; i++) {
      const start = readBound(reader);
      const end = readBound(reader);
      out.push({ start, end, deletion: this.readDeletion(reader) });
    }
    return out;
  }

  /** Decodes a whole body (commit-log replay, tests). */
  readPartition(reader: ByteReader): PartitionContents {
    const header = this.readHeader(reader);
    const rows: Row[] = [];
    for (let i = 0; i < header.rowCount; i++) rows.push(this.readRow(reader));
    return { partitionDeletion: header.partitionDeletion, staticRow: header.staticRow, rows, rangeTombstones: header.rangeTombstones };
  }

  private readCell(reader: ByteReader): Cell {
    const flags = reader.u8();
    const column = this.names.read(reader);
    const timestampMicros = this.readTimestamp(reader);
    const path = (flags & CellFlag.HAS_PATH) !== 0 ? reader.varBytes() : null;
    const value = (flags & CellFlag.HAS_VALUE) !== 0 ? reader.varBytes() : EMPTY_VALUE;
    const tombstone = (flags & CellFlag.TOMBSTONE) !== 0;
    let ttlSeconds = 0;
    let localDeletionTimeSeconds = NO_DELETION_TIME;
    if (tombstone) {
      localDeletionTimeSeconds = reader.varint();
    } else if ((flags & CellFlag.EXPIRING) !== 0) {
      ttlSeconds = reader.varint();
      localDeletionTimeSeconds = reader.varint();
    }
    return { column, path, value, timestampMicros, ttlSeconds, localDeletionTimeSeconds, tombstone };
  }

  private readDeletion(reader: ByteReader): DeletionTime {
    const markedForDeleteAtMicros = this.readTimestamp(reader);
    return { markedForDeleteAtMicros, localDeletionTimeSeconds: reader.varint() };
  }

  private readTimestamp(reader: ByteReader): number {
    if (this.absolute) return reader.f64();
    const z = reader.varint();
    return this.base + (z % 2 === 0 ? z / 2 : -(z + 1) / 2);
  }
}

const EMPTY: readonly never[] = Object.freeze([]);
const EMPTY_VALUE = Buffer.alloc(0);

function readBound(reader: ByteReader): ClusteringBound {
  const inclusive = reader.u8() === 1;
  const n = reader.varint();
  const values: Buffer[] = [];
  for (let i = 0; i < n; i++) values.push(reader.varBytes());
  return { values, inclusive };
}
