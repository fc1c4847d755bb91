// A fixed-bucket histogram of durations or counts (Cassandra's EstimatedHistogram shape): bucket
// bounds grow by HISTOGRAM_GROWTH from 1, so recording is a short search and two array writes, no
// allocation, and any percentile is answered within ~20%. Used for local read/write latency
// (microseconds), tombstones per read and SSTables per read.

/** Ratio between consecutive bucket bounds. */
export const HISTOGRAM_GROWTH = 1.2;
/** Buckets: bounds from 1 up to about 1.2^100 (8e7: 80 s in microseconds); the last is open. */
export const HISTOGRAM_BUCKETS = 101;

const BOUNDS: Float64Array = (() => {
  const bounds = new Float64Array(HISTOGRAM_BUCKETS - 1);
  let b = 1;
  for (let i = 0; i < bounds.length; i++) {
    bounds[i] = Math.ceil(b);
    const next = b * HISTOGRAM_GROWTH;
    b = Math.ceil(next) === Math.ceil(b) ? b + 1 : next;
  }
  return bounds;
})();

export class Histogram {
  private readonly counts = new Float64Array(HISTOGRAM_BUCKETS);
  private total = 0;
  private sum = 0;

  record(value: number): void {
    let lo = 0;
    let hi = BOUNDS.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (BOUNDS[mid]! < value) lo = mid + 1;
      else hi = mid;
    }
    this.counts[lo]!++;
    this.total++;
    this.sum += value;
  }

  get count(): number {
    return this.total;
  }

  get mean(): number {
    return this.total === 0 ? 0 : this.sum / this.total;
  }

  /** The bucket bound at or above the `fraction` quantile; null when empty. */
  quantile(fraction: number): number | null {
    if (this.total === 0) return null;
    const target = Math.max(1, Math.ceil(this.total * fraction));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]!;
      if (seen >= target) return i < BOUNDS.length ? BOUNDS[i]! : BOUNDS[BOUNDS.length - 1]! * HISTOGRAM_GROWTH;
    }
    return BOUNDS[BOUNDS.length - 1]!;
  }
}
