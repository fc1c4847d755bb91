// The row index of a large partition (Cassandra's promoted column index): the partition's rows
// are cut into blocks of about ROW_INDEX_BLOCK_BYTES, and the index lists each block's first
// clustering, offset and length. It sits in Data.db right after the partition's rows. Offsets
// below are relative to the index start unless said otherwise:
//   entries:        per block: [varint n][n x varbytes first clustering][varint offset from the
//                   partition start][varint length]
//   entry offsets:  [u32] per block
//   samples:        per ROW_INDEX_SAMPLE_INTERVAL-th block: [varint n][n x varbytes first clustering]
//   sample offsets: [u32] per sample
//   trailer:        [u32 samples offset][u32 block count]
// A lookup binary-searches the samples (a few hundred contiguous bytes), then the entries of one
// sample group (contiguous too), so it touches two or three index chunks however large the
// partition: a slice of a 100 MB partition reads a few kilobytes of index and one or two blocks.
import { assert } from '../../lib/index.ts';
import { ByteReader } from '../codec/byte-reader.ts';
import type { ByteWriter } from '../codec/byte-writer.ts';
import { comparePositions } from '../clustering-position.ts';
import type { Clustering } from '../model.ts';
import type { ClusteringPosition } from '../read/partition-source.ts';
import type { TableLayout } from '../table-layout.ts';

/** Every this-many blocks one is sampled into the top level. */
export const ROW_INDEX_SAMPLE_INTERVAL = 32;
/** Bound on blocks of one partition (2^32 - 1 x 16 KiB: far beyond any partition). */
export const ROW_INDEX_BLOCKS_MAX = 0xffffffff;
const TRAILER_BYTES = 8;

export interface RowIndexBlock {
  readonly first: Clustering;
  /** Offset of the block's first row from the partition start, in logical Data bytes. */
  readonly offsetBytes: number;
  readonly lengthBytes: number;
}

/** Appends the row index of `blocks` (at least two) to `writer`. */
export function writeRowIndex(writer: ByteWriter, blocks: readonly RowIndexBlock[]): void {
  assert(blocks.length >= 2 && blocks.length <= ROW_INDEX_BLOCKS_MAX, 'row index block count');
  const start = writer.length;
  const entryOffsets: number[] = [];
  for (const b of blocks) {
    entryOffsets.push(writer.length - start);
    writeClustering(writer, b.first);
    writer.varint(b.offsetBytes);
    writer.varint(b.lengthBytes);
  }
  for (const o of entryOffsets) writer.u32(o);
  const samplesAt = writer.length - start;
  const sampleOffsets: number[] = [];
  for (let i = 0; i < blocks.length; i += ROW_INDEX_SAMPLE_INTERVAL) {
    sampleOffsets.push(writer.length - start);
    writeClustering(writer, blocks[i]!.first);
  }
  for (const o of sampleOffsets) writer.u32(o);
  writer.u32(samplesAt);
  writer.u32(blocks.length);
}

function writeClustering(writer: ByteWriter, clustering: Clustering): void {
  writer.varint(clustering.length);
  for (const v of clustering) writer.varBytes(v);
}

function readClustering(reader: ByteReader): Buffer[] {
  const out: Buffer[] = [];
  for (let n = reader.varint(); n > 0; n--) out.push(reader.varBytes());
  return out;
}

/** Reads bytes of the row index: 0 is its first byte. Throws RangeError beyond its length. */
export type RowIndexBytes = (offsetBytes: number, lengthBytes: number) => Buffer;

export class RowIndexReader {
  readonly count: number;
  private readonly read: RowIndexBytes;
  private readonly entryOffsetsAt: number;
  private readonly samplesAt: number;
  private readonly sampleCount: number;
  private readonly sampleOffsetsAt: number;

  constructor(read: RowIndexBytes, lengthBytes: number) {
    this.read = read;
    if (lengthBytes < TRAILER_BYTES) throw new RangeError(`row index of ${lengthBytes} bytes`);
    const trailer = read(lengthBytes - TRAILER_BYTES, TRAILER_BYTES);
    this.samplesAt = trailer.readUInt32BE(0);
    this.count = trailer.readUInt32BE(4);
    this.sampleCount = Math.ceil(this.count / ROW_INDEX_SAMPLE_INTERVAL);
    this.sampleOffsetsAt = lengthBytes - TRAILER_BYTES - 4 * this.sampleCount;
    this.entryOffsetsAt = this.samplesAt - 4 * this.count;
    if (this.count < 2 || this.entryOffsetsAt < 0 || this.sampleOffsetsAt < this.samplesAt) {
      throw new RangeError(`row index trailer (count ${this.count}, samples at ${this.samplesAt}) does not fit its ${lengthBytes} bytes`);
    }
  }

  block(i: number): RowIndexBlock {
    assert(i >= 0 && i < this.count, 'row index block out of range');
    const reader = this.entryReader(i);
    const first = readClustering(reader);
    const offsetBytes = reader.varint();
    const lengthBytes = reader.varint();
    return { first, offsetBytes, lengthBytes };
  }

  /** The last block whose first row is at or before `position`, or -1 when none is. */
  lastBlockAtOrBefore(layout: TableLayout, position: ClusteringPosition): number {
    // Samples first: the last sampled block at or before the position.
    let lo = 0;
    let hi = this.sampleCount;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.atOrBefore(layout, readClustering(this.sampleReader(mid)), position)) lo = mid + 1;
      else hi = mid;
    }
    if (lo === 0) return -1;
    // Then the blocks of that sample's group.
    let first = (lo - 1) * ROW_INDEX_SAMPLE_INTERVAL + 1;
    let last = Math.min(this.count, lo * ROW_INDEX_SAMPLE_INTERVAL);
    while (first < last) {
      const mid = (first + last) >>> 1;
      if (this.atOrBefore(layout, readClustering(this.entryReader(mid)), position)) first = mid + 1;
      else last = mid;
    }
    return first - 1;
  }

  private atOrBefore(layout: TableLayout, clustering: Clustering, position: ClusteringPosition): boolean {
    return comparePositions(layout, clustering, 0, position.values, position.side) <= 0;
  }

  private entryReader(i: number): ByteReader {
    const at = this.read(this.entryOffsetsAt + 4 * i, 4).readUInt32BE(0);
    const end = i + 1 < this.count ? this.read(this.entryOffsetsAt + 4 * (i + 1), 4).readUInt32BE(0) : this.entryOffsetsAt;
    if (at >= end || end > this.entryOffsetsAt) throw new RangeError(`row index entry ${i} at ${at}..${end} out of range`);
    return new ByteReader(this.read(at, end - at));
  }

  private sampleReader(j: number): ByteReader {
    const at = this.read(this.sampleOffsetsAt + 4 * j, 4).readUInt32BE(0);
    const end = j + 1 < this.sampleCount ? this.read(this.sampleOffsetsAt + 4 * (j + 1), 4).readUInt32BE(0) : this.sampleOffsetsAt;
    if (at < this.samplesAt || at >= end || end > this.sampleOffsetsAt) throw new RangeError(`row index sample ${j} at ${at}..${end} out of range`);
    return new ByteReader(this.read(at, end - at));
  }
}
