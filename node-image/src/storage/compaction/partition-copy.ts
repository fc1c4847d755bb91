// Partitions a compaction copies as bytes. A partition found in one input only, holding nothing a
// merge would change (live cells and row markers only: no deletion or tombstone of any kind, no
// static row, no TTL already expired, no cell of a dropped column), comes out of the merge exactly
// as it went in. Its Data bytes are then copied to the output as they are, instead of being
// decoded to rows and encoded again; a scan without allocation checks those conditions and
// gathers what the output's statistics need. Cell column names are indexes into the input's
// dictionary, so the output's dictionary starts with the input's names (copyColumnsOf).
// docs/design/compaction.md, "Copied partitions".
import { ByteReader } from '../codec/byte-reader.ts';
import { CellFlag, PartitionFlag, RowFlag } from '../codec/partition-codec.ts';
import type { TableLayout } from '../table-layout.ts';

/** Partitions larger than this are merged row by row (a copy reads the whole partition at once). */
export const COPY_PARTITION_BYTES_MAX = 256 * 1024;

/** What the output's statistics take from a copied partition (CopyScan.scan fills it). */
export interface CopiedPartitionStats {
  rows: number;
  /** Cells and row markers, as the writer counts them. */
  cells: number;
  minTimestampMicros: number;
  maxTimestampMicros: number;
  /** Expiring cells and row markers: their local expiration times, one entry each. */
  readonly dropTimes: number[];
  /** Cells and row markers that never expire. */
  permanent: number;
}

/**
 * The dictionary compaction outputs start with: of the inputs' dictionaries, the one that the
 * dictionaries of the most partitions are a prefix of (inputs whose dictionary is not are merged
 * only). `inputs` are the inputs' dictionaries and partition counts.
 */
export function copyColumnsOf(inputs: ReadonlyArray<{ readonly columns: readonly string[]; readonly partitionCount: number }>): readonly string[] {
  let best: readonly string[] = [];
  let bestCovered = -1;
  for (const candidate of inputs) {
    let covered = 0;
    for (const input of inputs) if (isDictionaryPrefix(input.columns, candidate.columns)) covered += input.partitionCount;
    if (covered > bestCovered || (covered === bestCovered && candidate.columns.length > best.length)) {
      best = candidate.columns;
      bestCovered = covered;
    }
  }
  return best;
}

/** Whether `names` is a prefix of `columns` (an input whose partitions may be copied under `columns`). */
export function isDictionaryPrefix(names: readonly string[], columns: readonly string[]): boolean {
  if (names.length > columns.length) return false;
  for (let i = 0; i < names.length; i++) if (names[i] !== columns[i]) return false;
  return true;
}

/** Checks partitions for copying and summarizes them (one per merger: it keeps a reader and a summary). */
export class CopyScan {
  readonly stats: CopiedPartitionStats = { rows: 0, cells: 0, minTimestampMicros: Infinity, maxTimestampMicros: -Infinity, dropTimes: [], permanent: 0 };
  private readonly layout: TableLayout;
  private readonly nowSeconds: number;
  private base = 0;
  private absolute = false;
  private columns: readonly string[] = [];

  constructor(layout: TableLayout, nowSeconds: number) {
    this.layout = layout;
    this.nowSeconds = nowSeconds;
  }

  /**
   * True when `bytes` (a whole Data partition: key, token, body) would leave a merge of it alone
   * unchanged; `stats` then describes it. `columns` is its SSTable's dictionary. Malformed bytes
   * throw DecodeError.
   */
  scan(bytes: Buffer, columns: readonly string[]): boolean {
    const s = this.stats;
    s.rows = 0;
    s.cells = 0;
    s.minTimestampMicros = Infinity;
    s.maxTimestampMicros = -Infinity;
    s.dropTimes.length = 0;
    s.permanent = 0;
    this.columns = columns;
    const r = new ByteReader(bytes);
    r.skip(r.varint());
    r.skip(8);
    const flags = r.u8();
    if ((flags & ~PartitionFlag.ABSOLUTE_TIMESTAMPS) !== 0) return false;
    this.absolute = (flags & PartitionFlag.ABSOLUTE_TIMESTAMPS) !== 0;
    this.base = r.f64();
    for (;;) {
      const n = r.varint();
      if (n === 0) return true;
      for (let i = 1; i < n; i++) r.skip(r.varint());
      const bodyLength = r.u32();
      const end = r.offset + bodyLength;
      r.need(bodyLength);
      if (!this.row(r)) return false;
      if (r.offset !== end) return false;
      s.rows++;
    }
  }

  private row(r: ByteReader): boolean {
    const flags = r.u8();
    if ((flags & (RowFlag.HAS_DELETION | RowFlag.HAS_COMPLEX_DELETIONS)) !== 0) return false;
    if ((flags & RowFlag.HAS_LIVENESS) !== 0) {
      this.timestamp(this.readTimestamp(r));
      if (!this.counted(r, (flags & RowFlag.LIVENESS_EXPIRING) !== 0)) return false;
    }
    const cellCount = r.varint();
    // A row of nothing (no marker, no cell) is dropped by a merge.
    if ((flags & RowFlag.HAS_LIVENESS) === 0 && cellCount === 0) return false;
    const dropped = this.layout.droppedAtMicros;
    for (let i = 0; i < cellCount; i++) {
      const cellFlags = r.u8();
      if ((cellFlags & CellFlag.TOMBSTONE) !== 0) return false;
      const column = r.varint();
      if (column >= this.columns.length) return false;
      const timestamp = this.readTimestamp(r);
      if (dropped.size > 0) {
        const at = dropped.get(this.columns[column]!);
        if (at !== undefined && timestamp <= at) return false;
      }
      this.timestamp(timestamp);
      if ((cellFlags & CellFlag.HAS_PATH) !== 0) r.skip(r.varint());
      if ((cellFlags & CellFlag.HAS_VALUE) !== 0) r.skip(r.varint());
      if (!this.counted(r, (cellFlags & CellFlag.EXPIRING) !== 0)) return false;
    }
    return true;
  }

  /**
   * Counts a cell or row marker, reading its TTL and expiration time when it is `expiring`: false
   * when it has expired (a merge would turn it into a tombstone).
   */
  private counted(r: ByteReader, expiring: boolean): boolean {
    const s = this.stats;
    if (expiring) {
      r.varint();
      const localExpirationTimeSeconds = r.varint();
      if (localExpirationTimeSeconds <= this.nowSeconds) return false;
      s.dropTimes.push(localExpirationTimeSeconds);
    } else {
      s.permanent++;
    }
    s.cells++;
    return true;
  }

  private timestamp(t: number): void {
    const s = this.stats;
    if (t < s.minTimestampMicros) s.minTimestampMicros = t;
    if (t > s.maxTimestampMicros) s.maxTimestampMicros = t;
  }

  private readTimestamp(r: ByteReader): number {
    if (this.absolute) return r.f64();
    const z = r.varint();
    return this.base + (z % 2 === 0 ? z / 2 : -(z + 1) / 2);
  }
}
