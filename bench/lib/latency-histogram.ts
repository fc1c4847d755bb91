// HDR-style latency histogram: log-linear buckets over microseconds, exact below 128 us and within
// 1/64 (1.6 %) relative error above, fixed memory. Invariant: count equals the sum of all buckets.

/** Sub-bucket bits: 2^7 = 128 linear buckets per power of two (64 beyond the first). */
const SUB_BUCKET_BITS = 7;
const SUB_BUCKET_COUNT = 1 << SUB_BUCKET_BITS;
const SUB_BUCKET_HALF = SUB_BUCKET_COUNT >> 1;
/** Largest recordable latency; larger values clamp to it and count as overflow. */
export const LATENCY_MAX_MICROS = 2 ** 31 - 1;
const SHIFT_MAX = 31 - SUB_BUCKET_BITS + 1;
const BUCKET_COUNT = SUB_BUCKET_COUNT + SHIFT_MAX * SUB_BUCKET_HALF;

export interface LatencySummary {
  readonly count: number;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
}

export class LatencyHistogram {
  private readonly counts = new Float64Array(BUCKET_COUNT);
  private total = 0;
  private sumMicros = 0;
  private maxMicros = 0;
  private overflowCount = 0;

  /** Records one latency in microseconds (fractions are rounded). */
  recordMicros(valueMicros: number): void {
    let v = Math.round(valueMicros);
    if (v < 0) v = 0;
    if (v > LATENCY_MAX_MICROS) {
      v = LATENCY_MAX_MICROS;
      this.overflowCount++;
    }
    this.counts[bucketIndex(v)]! += 1;
    this.total++;
    this.sumMicros += v;
    if (v > this.maxMicros) this.maxMicros = v;
  }

  get count(): number {
    return this.total;
  }

  get overflow(): number {
    return this.overflowCount;
  }

  /** The highest value equivalent to the bucket holding quantile q (0 < q <= 1), in microseconds. */
  quantileMicros(q: number): number {
    if (this.total === 0) return 0;
    if (!(q > 0 && q <= 1)) throw new RangeError(`quantile ${q} outside (0, 1]`);
    const rank = Math.ceil(q * this.total);
    let seen = 0;
    for (let i = 0; i < BUCKET_COUNT; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(bucketUpperMicros(i), this.maxMicros);
    }
    return this.maxMicros;
  }

  merge(other: LatencyHistogram): void {
    for (let i = 0; i < BUCKET_COUNT; i++) this.counts[i]! += other.counts[i]!;
    this.total += other.total;
    this.sumMicros += other.sumMicros;
    this.overflowCount += other.overflowCount;
    if (other.maxMicros > this.maxMicros) this.maxMicros = other.maxMicros;
  }

  summary(): LatencySummary {
    const ms = (micros: number): number => Math.round(micros) / 1000;
    return {
      count: this.total,
      meanMs: this.total === 0 ? 0 : ms(this.sumMicros / this.total),
      p50Ms: ms(this.quantileMicros(0.5)),
      p90Ms: ms(this.quantileMicros(0.9)),
      p99Ms: ms(this.quantileMicros(0.99)),
      p999Ms: ms(this.quantileMicros(0.999)),
      maxMs: ms(this.maxMicros),
    };
  }
}

/** Bucket of a non-negative integer value <= LATENCY_MAX_MICROS. */
export function bucketIndex(valueMicros: number): number {
  if (valueMicros < SUB_BUCKET_COUNT) return valueMicros;
  const bitLength = 32 - Math.clz32(valueMicros);
  const shift = bitLength - SUB_BUCKET_BITS;
  return shift * SUB_BUCKET_HALF + (valueMicros >>> shift);
}

/** Largest value that falls into bucket `index`. */
export function bucketUpperMicros(index: number): number {
  if (index < SUB_BUCKET_COUNT) return index;
  const shift = Math.floor((index - SUB_BUCKET_COUNT) / SUB_BUCKET_HALF) + 1;
  const sub = index - shift * SUB_BUCKET_HALF;
  return (sub + 1) * 2 ** shift - 1;
}
