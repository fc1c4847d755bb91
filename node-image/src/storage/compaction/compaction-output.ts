// The output side of a compaction: SSTable writers created on demand, a new one started at a
// partition boundary once the current one reaches the task's output size (never between two
// partitions of the same token, so the outputs of one task never overlap). Finished writers fsync
// in the background while the next one fills; `finish` waits for all and returns them prepared
// (written, durable, invisible); `abort` removes everything written.
import type { Disk } from '../../io/index.ts';
import { ColumnDictionary } from '../codec/column-dictionary.ts';
import type { CommitLogPosition } from '../commit-log/commit-log-position.ts';
import type { Row } from '../model.ts';
import type { CompressionParams } from '../sstable/compression.ts';
import { SSTableWriter } from '../sstable/sstable-writer.ts';
import type { PartitionHeader, PreparedSSTable } from '../sstable/sstable-writer.ts';
import type { TableLayout } from '../table-layout.ts';
import type { CompactionSink } from './compaction-merger.ts';
import type { CopiedPartitionStats } from './partition-copy.ts';

export interface CompactionOutputOptions {
  readonly disk: Disk;
  readonly directory: string;
  readonly layout: TableLayout;
  readonly compression: CompressionParams;
  readonly level: number;
  readonly maxOutputBytes: number;
  readonly commitLogPosition: CommitLogPosition;
  readonly timestampRange: { readonly minMicros: number; readonly maxMicros: number };
  /** Bloom filter sizing of one output. */
  readonly partitionsPerOutputEstimate: number;
  readonly createdAtSeconds: number;
  /** A fresh generation for each output. */
  readonly nextGeneration: () => number;
  /** The column dictionary every output starts with (partitions copied as bytes refer to it: partition-copy.ts). */
  readonly columns?: readonly string[];
}

export class CompactionOutput implements CompactionSink {
  private readonly options: CompactionOutputOptions;
  private writer: SSTableWriter | null = null;
  private readonly finishing: Array<Promise<PreparedSSTable | null>> = [];
  private readonly writers: SSTableWriter[] = [];
  private lastToken: bigint | null = null;
  private closedBytes = 0;

  constructor(options: CompactionOutputOptions) {
    this.options = options;
  }

  /** Physical Data bytes written so far by every output. */
  get writtenBytes(): number {
    return this.closedBytes + (this.writer?.dataPhysicalBytes ?? 0);
  }

  get outputCount(): number {
    return this.writers.length;
  }

  /** Whether the next partition may start a new output (taking a generation). */
  get mayRotateAtNextPartition(): boolean {
    const w = this.writer;
    return w === null || w.dataPhysicalBytes >= this.options.maxOutputBytes;
  }

  beginPartition(key: Buffer, token: bigint, header: PartitionHeader): void {
    this.writerFor(token).beginPartition(key, token, header);
  }

  /** A partition copied as bytes from an input whose dictionary is a prefix of `columns` (partition-copy.ts). */
  copyPartition(key: Buffer, token: bigint, bytes: Buffer, rowIndexRelative: number, rowsRelative: number, stats: CopiedPartitionStats): void {
    this.writerFor(token).copyPartitionBytes(key, token, bytes, rowIndexRelative, rowsRelative, stats);
  }

  /** The writer of a partition of `token`: a new one once the current one is full, at a token boundary. */
  private writerFor(token: bigint): SSTableWriter {
    const w = this.writer;
    if (w === null || (w.dataPhysicalBytes >= this.options.maxOutputBytes && token !== this.lastToken)) this.rotate();
    this.lastToken = token;
    return this.writer!;
  }

  addRow(row: Row): void {
    this.writer!.addRow(row);
  }

  endPartition(): void {
    this.writer!.endPartition();
  }

  /** Waits for every output to be sealed and fsynced; empty outputs are dropped. */
  async finish(): Promise<PreparedSSTable[]> {
    this.seal();
    const settled = await Promise.allSettled(this.finishing);
    const failure = settled.find((s) => s.status === 'rejected');
    if (failure !== undefined) {
      this.abort();
      throw (failure as PromiseRejectedResult).reason;
    }
    const out: PreparedSSTable[] = [];
    for (const s of settled) {
      const value = (s as PromiseFulfilledResult<PreparedSSTable | null>).value;
      if (value !== null) out.push(value);
    }
    return out;
  }

  /** Removes every output's files (temp names: nothing was published). */
  abort(): void {
    for (const w of this.writers) w.abort();
    this.writer = null;
  }

  private rotate(): void {
    this.seal();
    const o = this.options;
    const writer = new SSTableWriter({
      disk: o.disk,
      directory: o.directory,
      generation: o.nextGeneration(),
      layout: o.layout,
      compression: o.compression,
      partitionCountEstimate: o.partitionsPerOutputEstimate,
      commitLogPosition: o.commitLogPosition,
      timestampRange: o.timestampRange,
      level: o.level,
      createdAtSeconds: o.createdAtSeconds,
      ...(o.columns === undefined ? {} : { columns: new ColumnDictionary(o.columns) }),
    });
    this.writers.push(writer);
    this.writer = writer;
  }

  private seal(): void {
    const w = this.writer;
    if (w === null) return;
    this.writer = null;
    this.closedBytes += w.dataPhysicalBytes;
    const done = w.finish();
    // Observed by finish(); never left to reject unhandled meanwhile.
    done.catch(() => undefined);
    this.finishing.push(done);
  }
}
