// Encoded memtable rows: a partition of one plain row (live cells, TTLs all expiring at one
// second, no deletion of any kind, no static row) is kept as its SSTable Data bytes in slab
// memory instead of row objects, and so are the rows of many-row partitions, one by one.
// The bytes are encoded at apply, while the row's objects are still in the CPU cache; a flush
// copies them as they are (the SSTable continues the memtable's column dictionary), and a read
// decodes them. Such rows never reach the old generation as objects, and the flush no longer
// walks scattered row objects (about half of the event loop's cost per write before).
// docs/design/storage.md, "Encoded rows".
import { ByteReader } from '../codec/byte-reader.ts';
import { ByteWriter } from '../codec/byte-writer.ts';
import { ColumnDictionary } from '../codec/column-dictionary.ts';
import { PartitionDecoder, PartitionEncoder } from '../codec/partition-codec.ts';
import { NO_DELETION_TIME } from '../model.ts';
import type { Clustering, Row } from '../model.ts';

/** Encoded rows are packed into slabs: the first this large, each next one twice the last, up to ENCODED_SLAB_BYTES. */
export const ENCODED_FIRST_SLAB_BYTES = 4 * 1024;
export const ENCODED_SLAB_BYTES = 256 * 1024;
/**
 * Timestamps further than this from their base keep a row as objects: the bounds are kept as
 * deltas, and integers in this range stay unboxed in V8 objects (a double field costs a heap
 * number per object, which the collector then copies). About 18 minutes of microseconds.
 */
export const SMALL_DELTA_MAX = 2 ** 30 - 1;
/** Rows estimated larger than this stay objects (a slab holds many rows). */
export const ENCODED_ROW_BYTES_MAX = 16 * 1024;

const NO_VALUES: Clustering = [];

/**
 * One partition's Data bytes: header (key, token, flags, base), one framed row, end of rows. The
 * memtable's partition object carries these fields itself (one object fewer per partition).
 */
export interface EncodedPartition {
  readonly codec: EncodedRows;
  readonly slab: Buffer;
  readonly start: number;
  readonly length: number;
  /** Offset of the framed row from `start` (the index entry's rows offset). */
  readonly rowsAt: number;
  /** Cells for the SSTable statistics: the liveness counts as one, as the writer counts it. */
  readonly cellCount: number;
  /** Its timestamp bounds as deltas from the header's base (small integers: no boxed doubles). */
  readonly minTimestampDelta: number;
  readonly maxTimestampDelta: number;
  /** The local expiration time of its expiring liveness and cells (NO_DELETION_TIME: none), and how many there are. */
  readonly dropTimeSeconds: number;
  readonly expiringCount: number;
}

/** Where EncodedRows.encode puts the fields of an encoding (a memtable partition). */
export interface EncodedPartitionTarget {
  codec: EncodedRows | null;
  slab: Buffer | null;
  start: number;
  length: number;
  rowsAt: number;
  cellCount: number;
  minTimestampDelta: number;
  maxTimestampDelta: number;
  dropTimeSeconds: number;
  expiringCount: number;
}

/** What a flush reads of an encoded row of a many-row partition (EncodedRow, or a row run's reused view). */
export interface EncodedRowView {
  /** Its clustering (a run's view decodes it from the slab on each read: a flush reads it once per row-index block). */
  readonly clustering: Clustering;
  readonly slab: Buffer;
  readonly start: number;
  readonly length: number;
  readonly cellCount: number;
  readonly minTimestampDelta: number;
  readonly maxTimestampDelta: number;
  readonly dropTimeSeconds: number;
  readonly expiringCount: number;
}

/**
 * One row of a many-row partition, encoded as a framed SSTable row whose timestamps are deltas
 * from its partition's base (MemtablePartition.base, the header base its flush writes). Plain
 * rows, and rows whose TTLs all expire at the same second, qualify.
 */
export class EncodedRow implements EncodedRowView {
  readonly clustering: Clustering;
  readonly slab: Buffer;
  readonly start: number;
  readonly length: number;
  /** rowSizeBytes of the row it encodes (the memtable counts it so). */
  readonly sizeBytes: number;
  readonly cellCount: number;
  /** Its timestamp bounds as deltas from the partition's base (small integers: no boxed doubles). */
  readonly minTimestampDelta: number;
  readonly maxTimestampDelta: number;
  /** The local expiration time of its expiring liveness and cells (NO_DELETION_TIME: none). */
  readonly dropTimeSeconds: number;
  /** Its expiring liveness and cells (each is a drop-time histogram entry). */
  readonly expiringCount: number;

  constructor(clustering: Clustering, slab: Buffer, start: number, length: number, sizeBytes: number, cellCount: number, minTimestampDelta: number, maxTimestampDelta: number, dropTimeSeconds: number, expiringCount: number) {
    this.clustering = clustering;
    this.slab = slab;
    this.start = start;
    this.length = length;
    this.sizeBytes = sizeBytes;
    this.cellCount = cellCount;
    this.minTimestampDelta = minTimestampDelta;
    this.maxTimestampDelta = maxTimestampDelta;
    this.dropTimeSeconds = dropTimeSeconds;
    this.expiringCount = expiringCount;
  }
}

/** Where EncodedRows.encodeRowTo puts the fields of a row's encoding. */
export interface EncodedRowTarget {
  slab: Buffer;
  /** The slab's number in its EncodedRows (slabAt). */
  slabNumber: number;
  start: number;
  length: number;
  cellCount: number;
  minTimestampDelta: number;
  maxTimestampDelta: number;
  dropTimeSeconds: number;
  expiringCount: number;
}

/** A many-row partition whose rows are partly encoded (SSTablePartitionInput.encodedTree). */
export interface EncodedTree {
  readonly codec: EncodedRows | null;
  /** The timestamp base of its encoded rows: its flush writes the partition header with it. */
  readonly base: number;
  /** Its rows in clustering order, each to `row` (objects) or `encoded` (a view valid during the call). */
  writeRows(row: (r: Row) => void, encoded: (e: EncodedRowView) => void): void;
}

/** A memtable's encoder, decoder, column dictionary and slabs. */
export class EncodedRows {
  readonly columns = new ColumnDictionary();
  private readonly encoder = new PartitionEncoder(this.columns);
  private readonly decoder = new PartitionDecoder(this.columns);
  private slab: Buffer | null = null;
  private slabUsed = 0;
  /** Every slab handed out, by number (a row run keeps a row's slab as its number). */
  private readonly slabs: Buffer[] = [];
  /** The current slab's number. */
  private slabNumber = -1;
  /** Slab bytes handed out (live or overwritten): what the memtable holds beyond its objects. */
  slabBytes = 0;

  /**
   * Encodes the partition into `target`; false when the row must stay objects: a deletion, TTL,
   * tombstone or counter delta anywhere in it (the statistics would need them), no timestamp at
   * all, a row larger than ENCODED_ROW_BYTES_MAX (`estimatedBytes`), or timestamps too far apart
   * for deltas.
   */
  encode(target: EncodedPartitionTarget, key: Buffer, tokenHigh: number, tokenLow: number, row: Row, estimatedBytes: number): boolean {
    if (!encodable(row, key, estimatedBytes)) return false;
    const w = this.slabWriter(estimatedBytes + key.length + ENCODING_SLACK_BYTES);
    this.encodeSummarized(w, target, key, tokenHigh, tokenLow, row);
    const { slab, start } = this.claim(w, target.start);
    target.codec = this;
    target.slab = slab;
    target.start = start;
    return true;
  }

  /**
   * encode() into `w` at its end instead of a slab (the commit log writes a write's entry in the
   * memtable's encoding; copyIn then takes the bytes): `target.slab` is the writer's buffer and
   * `target.start` where the encoding begins in it. False, with nothing written, when the row must
   * stay objects.
   */
  encodeTo(w: ByteWriter, target: EncodedPartitionTarget, key: Buffer, tokenHigh: number, tokenLow: number, row: Row, estimatedBytes: number): boolean {
    if (!encodable(row, key, estimatedBytes)) return false;
    this.encodeSummarized(w, target, key, tokenHigh, tokenLow, row);
    target.codec = this;
    target.slab = w.buffer;
    return true;
  }

  /** A copy of an encodeTo() encoding in this codec's slabs: where it is (valid until the next call). */
  copyIn(bytes: Buffer, start: number, length: number): { slab: Buffer; slabNumber: number; start: number } {
    const w = this.slabWriter(length);
    w.copyFrom(bytes, start, start + length);
    return this.claim(w, w.length - length);
  }

  /** The encoding of a row encodable() accepted, at the end of `w` (target.start: where in w's buffer). */
  private encodeSummarized(w: ByteWriter, target: EncodedPartitionTarget, key: Buffer, tokenHigh: number, tokenLow: number, row: Row): void {
    const liveness = row.liveness;
    const cells = row.cells;
    const base = baseOf(row);
    const begin = w.length;
    w.varBytes(key);
    w.i64Halves(tokenHigh, tokenLow);
    this.encoder.beginPlainStreamedPartition(w, base);
    const rowsAt = w.length - begin;
    this.encoder.writeFramedRow(w, row);
    this.encoder.writeEndOfRows(w);
    target.start = begin;
    target.length = w.length - begin;
    target.rowsAt = rowsAt;
    target.cellCount = (liveness === null ? 0 : 1) + cells.length;
    target.minTimestampDelta = SUMMARY.min - base;
    target.maxTimestampDelta = SUMMARY.max - base;
    target.dropTimeSeconds = SUMMARY.dropTime;
    target.expiringCount = SUMMARY.expiring;
  }

  /**
   * `row` as an EncodedRow with deltas from `base`, or null when it must stay objects: a deletion
   * or tombstone, expiring parts that do not all expire at one second, a row larger than
   * ENCODED_ROW_BYTES_MAX, or a timestamp too far from `base`.
   */
  encodeRow(row: Row, clustering: Clustering, base: number, sizeBytes: number): EncodedRow | null {
    const t = ROW_TARGET;
    if (!this.encodeRowTo(t, row, base, sizeBytes)) return null;
    return new EncodedRow(clustering, t.slab, t.start, t.length, sizeBytes, t.cellCount, t.minTimestampDelta, t.maxTimestampDelta, t.dropTimeSeconds, t.expiringCount);
  }

  /**
   * encodeRow without the object: the encoding's fields go to `target` (overwritten by the next
   * call). False, with nothing written, when the row must stay objects.
   */
  encodeRowTo(target: EncodedRowTarget, row: Row, base: number, sizeBytes: number): boolean {
    if (sizeBytes > ENCODED_ROW_BYTES_MAX || !summarize(row)) return false;
    const minDelta = SUMMARY.min - base;
    const maxDelta = SUMMARY.max - base;
    if (minDelta < -SMALL_DELTA_MAX || maxDelta > SMALL_DELTA_MAX) return false;
    const w = this.slabWriter(sizeBytes + ENCODING_SLACK_BYTES);
    const begin = w.length;
    this.encoder.setBase(base);
    this.encoder.writeFramedRow(w, row);
    const { slab, start, slabNumber } = this.claim(w, begin);
    target.slab = slab;
    target.slabNumber = slabNumber;
    target.start = start;
    target.length = w.length - begin;
    target.cellCount = (row.liveness === null ? 0 : 1) + row.cells.length;
    target.minTimestampDelta = minDelta;
    target.maxTimestampDelta = maxDelta;
    target.dropTimeSeconds = SUMMARY.dropTime;
    target.expiringCount = SUMMARY.expiring;
    return true;
  }

  /** The clustering of the framed row at `slab[start..end)` (views of the slab). */
  clusteringAt(slab: Buffer, start: number, end: number): Clustering {
    const clustering: Buffer[] = [];
    this.decoder.readFramedRowClustering(new ByteReader(slab, start, end), clustering);
    return clustering.length === 0 ? NO_VALUES : clustering;
  }

  /** The row of an EncodedRow of a partition with timestamp base `base` (values are views of the slab). */
  decodeRow(e: EncodedRow, base: number): Row {
    this.decoder.setBase(base, false);
    const reader = new ByteReader(e.slab, e.start, e.start + e.length);
    const bodyLength = this.decoder.readFramedRowClustering(reader, DISCARDED);
    return this.decoder.readRowBody(reader, e.clustering, bodyLength);
  }

  /**
   * A writer positioned at the free end of the current slab (or of a new one) with at least
   * `reserve` bytes of room: an encoding goes straight to the slab (copying it from a scratch
   * buffer cost a quarter of a microsecond in Buffer.copy). claim() then takes its bytes.
   */
  private slabWriter(reserve: number): ByteWriter {
    let slab = this.slab;
    if (slab === null || this.slabUsed + reserve > slab.length) {
      // Small tables (most system tables) keep small slabs; busy ones reach full-size slabs fast.
      const size = Math.max(reserve, slab === null ? ENCODED_FIRST_SLAB_BYTES : Math.min(ENCODED_SLAB_BYTES, slab.length * 2));
      slab = this.slab = sharedSlab(size);
      this.slabNumber = this.slabs.push(slab) - 1;
      this.slabUsed = 0;
    }
    const w = SLAB_WRITER;
    w.buffer = slab;
    w.length = this.slabUsed;
    return w;
  }

  /** Takes the bytes written since `begin` through slabWriter: where they are. */
  private claim(w: ByteWriter, begin: number): { slab: Buffer; slabNumber: number; start: number } {
    const length = w.length - begin;
    let slab = this.slab!;
    let start = begin;
    if (w.buffer !== slab) {
      // The encoding outgrew its reservation (the writer moved everything to a bigger buffer):
      // rare, as the reservation is the row's estimated size. It goes to a slab of its own.
      const own = sharedSlab(length);
      w.buffer.copy(own, 0, begin, w.length);
      slab = own;
      start = 0;
      PLACE.slabNumber = this.slabs.push(own) - 1;
    } else {
      this.slabUsed = w.length;
      PLACE.slabNumber = this.slabNumber;
    }
    w.buffer = EMPTY_SLAB;
    this.slabBytes += length;
    PLACE.slab = slab;
    PLACE.start = start;
    return PLACE;
  }

  /** Slab number `n` (EncodedRowTarget.slabNumber). */
  slabAt(n: number): Buffer {
    return this.slabs[n]!;
  }

  decode(e: EncodedPartition): Row {
    const rowsAt = e.start + e.rowsAt;
    this.decoder.setBase(encodedBase(e), false);
    const reader = new ByteReader(e.slab, rowsAt, e.start + e.length);
    const clustering: Buffer[] = [];
    const bodyLength = this.decoder.readFramedRowClustering(reader, clustering);
    return this.decoder.readRowBody(reader, clustering.length === 0 ? NO_VALUES : clustering, bodyLength);
  }
}

/** The header base of an encoded partition: the header ends with it (no deletion, static row or range tombstones follow). */
export function encodedBase(e: EncodedPartition): number {
  return encodedBaseAt(e.slab, e.start, e.rowsAt);
}

/** encodedBase of the encoded partition at `start` of `bytes` whose row starts `rowsAt` further (a flush worker reading a slab). */
export function encodedBaseAt(bytes: Buffer, start: number, rowsAt: number): number {
  return bytes.readDoubleBE(start + rowsAt - 8);
}

/** A one-row partition's header base: its liveness timestamp, else its first cell's. */
function baseOf(row: Row): number {
  return row.liveness !== null ? row.liveness.timestampMicros : row.cells[0]!.timestampMicros;
}

/**
 * Whether a one-row partition of `row` under `key` is encoded (EncodedRows.encode), its summary
 * left in SUMMARY: not too large, summarize() accepts it, and its timestamps are within
 * SMALL_DELTA_MAX of its base.
 */
function encodable(row: Row, key: Buffer, estimatedBytes: number): boolean {
  if (estimatedBytes + key.length > ENCODED_ROW_BYTES_MAX || !summarize(row)) return false;
  const base = baseOf(row);
  return SUMMARY.min - base >= -SMALL_DELTA_MAX && SUMMARY.max - base <= SMALL_DELTA_MAX;
}

/** What summarize() found (reused: no allocation per row). */
const SUMMARY = { min: Infinity, max: -Infinity, dropTime: NO_DELETION_TIME, expiring: 0 };

/**
 * Whether `row` can be encoded, its timestamp bounds and expiry into SUMMARY: no deletion,
 * tombstone or counter delta, at least one timestamp, and every expiring part (liveness, cells)
 * expiring at the same second (the statistics then take one drop time and a count).
 */
function summarize(row: Row): boolean {
  if (row.deletion !== null || row.complexDeletions.length > 0) return false;
  let min = Infinity;
  let max = -Infinity;
  let dropTime = NO_DELETION_TIME;
  let expiring = 0;
  const liveness = row.liveness;
  if (liveness !== null) {
    min = max = liveness.timestampMicros;
    if (liveness.ttlSeconds !== 0) {
      dropTime = liveness.localExpirationTimeSeconds;
      expiring = 1;
    }
  }
  const cells = row.cells;
  for (let i = 0; i < cells.length; i++) {
    const c = cells[i]!;
    if (c.tombstone || c.counterDelta === true) return false;
    if (c.ttlSeconds !== 0) {
      if (expiring > 0 && c.localDeletionTimeSeconds !== dropTime) return false;
      dropTime = c.localDeletionTimeSeconds;
      expiring++;
    }
    const t = c.timestampMicros;
    if (t < min) min = t;
    if (t > max) max = t;
  }
  if (min === Infinity) return false;
  SUMMARY.min = min;
  SUMMARY.max = max;
  SUMMARY.dropTime = dropTime;
  SUMMARY.expiring = expiring;
  return true;
}

/** Encoding is synchronous: one writer, pointed at a slab for each encoding, serves every memtable. */
const EMPTY_SLAB = Buffer.alloc(0);
const SLAB_WRITER = new ByteWriter(0);
/** Room reserved beyond a row's estimated size (key length prefix, token, partition header). */
const ENCODING_SLACK_BYTES = 64;
/** place()'s answer, reused (no allocation per row). */
const PLACE: { slab: Buffer; slabNumber: number; start: number } = { slab: Buffer.alloc(0), slabNumber: 0, start: 0 };
/** encodeRow's target (reused: encoding is synchronous). */
const ROW_TARGET: EncodedRowTarget = { slab: EMPTY_SLAB, slabNumber: 0, start: 0, length: 0, cellCount: 0, minTimestampDelta: 0, maxTimestampDelta: 0, dropTimeSeconds: 0, expiringCount: 0 };
/** Where decodeRow reads a clustering it already has (the tree's key). */
const DISCARDED: Buffer[] = [];

/** encodedKeyAt()'s second answer, the key's length (reused: lookups allocate nothing). */
export const ENCODED_KEY = { length: 0 };

/**
 * Where the key of the partition whose Data bytes start at `at` begins, after its varint length
 * (left in ENCODED_KEY.length). Throws when the length or the key runs past `bytes`.
 */
export function encodedKeyAt(bytes: Uint8Array, at: number): number {
  let length = 0;
  for (let shift = 1; ; shift *= 128) {
    const b = bytes[at++];
    if (b === undefined) throw new Error('encoded partition key runs past its bytes');
    length += (b & 0x7f) * shift;
    if (b < 0x80) break;
  }
  if (at + length > bytes.length) throw new Error('encoded partition key runs past its bytes');
  ENCODED_KEY.length = length;
  return at;
}

/** A view of the key of the partition whose Data bytes start at `at` of `bytes` (encodedKeyAt's bounds checks). */
export function encodedKeyView(bytes: Buffer, at: number): Buffer {
  const start = encodedKeyAt(bytes, at);
  return bytes.subarray(start, start + ENCODED_KEY.length);
}

/**
 * Slab memory is shared (SharedArrayBuffer): a flush worker reads encoded partitions where they
 * are instead of receiving copies (flush-worker-pool.ts). Zero-filled on allocation (about 10 us
 * for a full-size slab).
 */
function sharedSlab(size: number): Buffer {
  return Buffer.from(new SharedArrayBuffer(size));
}
