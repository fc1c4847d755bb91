// A table's SSTables arranged for reads: level 0 (flushed, size-tiered, time-window) is a plain
// list, and each higher level (leveled compaction) is a non-overlapping run sorted by token, so a
// single-partition read touches every L0 SSTable but at most one SSTable per higher level (found
// by binary search). An SSTable whose level overlaps a neighbour (never written so, but trusted
// from disk) is read as level 0, which is always correct, only slower. Level 0 is kept newest
// first (max timestamp), the order timestamp-ordered point reads consult SSTables in.
import type { SSTableReader } from '../sstable/sstable-reader.ts';

export class SSTableSet {
  static readonly EMPTY = new SSTableSet([], [], []);
  readonly all: readonly SSTableReader[];
  readonly level0: readonly SSTableReader[];
  /** levels[i] is one level above 0, sorted by min token, non-overlapping. */
  readonly levels: ReadonlyArray<readonly SSTableReader[]>;

  private constructor(all: readonly SSTableReader[], level0: readonly SSTableReader[], levels: ReadonlyArray<readonly SSTableReader[]>) {
    this.all = all;
    this.level0 = level0;
    this.levels = levels;
  }

  static of(readers: readonly SSTableReader[], onDemote: (reader: SSTableReader, reason: string) => void = () => {}): SSTableSet {
    if (readers.length === 0) return SSTableSet.EMPTY;
    const level0: SSTableReader[] = [];
    const byLevel = new Map<number, SSTableReader[]>();
    for (const r of readers) {
      if (r.level <= 0) level0.push(r);
      else {
        const list = byLevel.get(r.level) ?? [];
        list.push(r);
        byLevel.set(r.level, list);
      }
    }
    const levels: SSTableReader[][] = [];
    for (const level of [...byLevel.keys()].sort((a, b) => a - b)) {
      const sorted = byLevel.get(level)!.sort((a, b) => (a.statistics.minToken < b.statistics.minToken ? -1 : a.statistics.minToken > b.statistics.minToken ? 1 : a.generation - b.generation));
      const run: SSTableReader[] = [];
      for (const r of sorted) {
        const previous = run[run.length - 1];
        if (previous !== undefined && r.statistics.minToken <= previous.statistics.maxToken) {
          onDemote(r, `overlaps generation ${previous.generation} in level ${level}`);
          level0.push(r);
        } else {
          run.push(r);
        }
      }
      levels.push(run);
    }
    level0.sort((a, b) => b.statistics.maxTimestampMicros - a.statistics.maxTimestampMicros);
    return new SSTableSet(readers, level0, levels);
  }

  /** Appends to `out` the SSTables a read of `token` must consult (level 0 newest first, then one per level). */
  forToken(token: bigint, out: SSTableReader[]): void {
    for (const r of this.level0) out.push(r);
    for (const run of this.levels) {
      // The last SSTable whose min token is at or before the token.
      let lo = 0;
      let hi = run.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (run[mid]!.statistics.minToken <= token) lo = mid + 1;
        else hi = mid;
      }
      const candidate = run[lo - 1];
      if (candidate !== undefined && candidate.statistics.maxToken >= token) out.push(candidate);
    }
  }
}
