// Bounded histograms kept in Statistics.db: tombstone drop times (a streaming histogram with at
// most DROP_TIME_BINS_MAX bins, merging the two closest bins when full, as Cassandra's
// StreamingTombstoneHistogramBuilder does) to estimate droppable tombstones at any gcBefore, and
// partition sizes in power-of-two buckets for percentiles (nodetool tablestats).
import { assert } from '../../lib/index.ts';

/** Bins of the drop-time histogram. */
export const DROP_TIME_BINS_MAX = 100;
/** Drop times are rounded up to this many seconds before binning (cheap dedup of close values). */
export const DROP_TIME_ROUND_SECONDS = 60;
/** Power-of-two size buckets: 2^0 .. 2^52 bytes. */
export const PARTITION_SIZE_BUCKETS = 53;

/** [second, count] pairs sorted by second. */
export type DropTimeBins = ReadonlyArray<readonly [number, number]>;

export class DropTimeHistogramBuilder {
  private readonly counts = new Map<number, number>();

  add(localDeletionTimeSeconds: number, count = 1): void {
    const key = Math.ceil(localDeletionTimeSeconds / DROP_TIME_ROUND_SECONDS) * DROP_TIME_ROUND_SECONDS;
    this.counts.set(key, (this.counts.get(key) ?? 0) + count);
    // Compact occasionally so the map stays small while writing huge SSTables.
    if (this.counts.size > DROP_TIME_BINS_MAX * 8) this.compactTo(DROP_TIME_BINS_MAX);
  }

  addAll(bins: DropTimeBins): void {
    for (const [second, count] of bins) this.add(second, count);
  }

  build(): DropTimeBins {
    this.compactTo(DROP_TIME_BINS_MAX);
    return [...this.counts.entries()].sort((a, b) => a[0] - b[0]);
  }

  private compactTo(binsMax: number): void {
    if (this.counts.size <= binsMax) return;
    const bins = [...this.counts.entries()].sort((a, b) => a[0] - b[0]);
    while (bins.length > binsMax) {
      // Merge the closest neighbours into their weighted mean (rounded up: never earlier).
      let best = 0;
      for (let i = 1; i < bins.length - 1; i++) if (bins[i + 1]![0] - bins[i]![0] < bins[best + 1]![0] - bins[best]![0]) best = i;
      const [a, ca] = bins[best]!;
      const [b, cb] = bins[best + 1]!;
      bins.splice(best, 2, [Math.ceil((a * ca + b * cb) / (ca + cb)), ca + cb]);
    }
    this.counts.clear();
    for (const [s, c] of bins) this.counts.set(s, (this.counts.get(s) ?? 0) + c);
  }
}

/** Estimated entries whose drop time is before `gcBeforeSeconds`. */
export function droppableBefore(bins: DropTimeBins, gcBeforeSeconds: number): number {
  let n = 0;
  for (const [second, count] of bins) {
    if (second < gcBeforeSeconds) n += count;
    else break;
  }
  return n;
}

/** ceil(log2(size)) capped at the last bucket; 0 for sizes of at most one byte. Called once per partition written. */
export function partitionSizeBucket(sizeBytes: number): number {
  assert(sizeBytes >= 0, 'partition size');
  if (sizeBytes <= 1) return 0;
  // For a whole size below 2^32, ceil(log2(n)) is the bit length of n - 1 (no Math.log2 call).
  const bits = sizeBytes <= 0xffffffff && Number.isInteger(sizeBytes) ? 32 - Math.clz32(sizeBytes - 1) : Math.ceil(Math.log2(sizeBytes));
  return Math.min(PARTITION_SIZE_BUCKETS - 1, bits);
}

/** The upper bound (bytes) of the bucket holding the `fraction` quantile of `counts`, or null when empty. */
export function sizeQuantile(counts: readonly number[], fraction: number): number | null {
  let total = 0;
  for (const c of counts) total += c;
  if (total === 0) return null;
  const target = Math.max(1, Math.ceil(total * fraction));
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    seen += counts[i]!;
    if (seen >= target) return 2 ** i;
  }
  return 2 ** (counts.length - 1);
}
