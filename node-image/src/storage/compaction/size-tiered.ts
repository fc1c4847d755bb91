// SizeTieredCompactionStrategy's bucketing (cassandra-internals.md 7.4): SSTables sorted by size
// join the first bucket whose average is within [bucket_low, bucket_high] of their size (or both
// are below min_sstable_size); buckets of at least min_threshold are trimmed to max_threshold by
// hotness and the hottest bucket wins (ties: the smaller average size, compacting small first).
import type { SSTableInfo } from './compaction-task.ts';

export interface SizeTierParameters {
  readonly minSSTableSizeBytes: number;
  readonly bucketLow: number;
  readonly bucketHigh: number;
  readonly minThreshold: number;
  readonly maxThreshold: number;
}

export function sizeTieredBuckets(sstables: readonly SSTableInfo[], p: SizeTierParameters): SSTableInfo[][] {
  const sorted = [...sstables].sort((a, b) => a.sizeBytes - b.sizeBytes || a.generation - b.generation);
  const buckets: Array<{ members: SSTableInfo[]; average: number }> = [];
  for (const s of sorted) {
    const size = s.sizeBytes;
    let placed = false;
    for (const bucket of buckets) {
      const avg = bucket.average;
      if ((size > avg * p.bucketLow && size < avg * p.bucketHigh) || (size < p.minSSTableSizeBytes && avg < p.minSSTableSizeBytes)) {
        bucket.members.push(s);
        bucket.average = (avg * (bucket.members.length - 1) + size) / bucket.members.length;
        placed = true;
        break;
      }
    }
    if (!placed) buckets.push({ members: [s], average: size });
  }
  return buckets.map((b) => b.members);
}

function hotness(bucket: readonly SSTableInfo[]): number {
  let h = 0;
  for (const s of bucket) h += s.hotness;
  return h;
}

function averageSize(bucket: readonly SSTableInfo[]): number {
  let n = 0;
  for (const s of bucket) n += s.sizeBytes;
  return bucket.length === 0 ? 0 : n / bucket.length;
}

/** The bucket to compact, trimmed to max_threshold, or null when no bucket reaches min_threshold. */
export function mostInterestingBucket(buckets: readonly SSTableInfo[][], p: SizeTierParameters): SSTableInfo[] | null {
  let best: SSTableInfo[] | null = null;
  for (const bucket of buckets) {
    if (bucket.length < p.minThreshold) continue;
    const trimmed = [...bucket]
      .sort((a, b) => b.hotness - a.hotness || a.sizeBytes - b.sizeBytes || a.generation - b.generation)
      .slice(0, p.maxThreshold);
    if (best === null) {
      best = trimmed;
      continue;
    }
    const h = hotness(trimmed);
    const hb = hotness(best);
    if (h > hb || (h === hb && averageSize(trimmed) < averageSize(best))) best = trimmed;
  }
  return best;
}

/** Buckets that would compact now: the "pending tasks" estimate of size-tiered compaction. */
export function sizeTieredPending(buckets: readonly SSTableInfo[][], p: SizeTierParameters): number {
  let n = 0;
  for (const b of buckets) if (b.length >= p.minThreshold) n += Math.ceil(b.length / p.maxThreshold);
  return n;
}
