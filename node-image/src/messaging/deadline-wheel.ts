// Request deadlines at a coarse granularity (undici's timers, STYLE.md rule 16): ids go into the
// bucket of ceil(deadline / tick); one periodic sweep expires whole buckets. Insertion and expiry
// are O(1) per entry; an id whose request already finished is skipped by the caller's sink.
// Invariant: an entry never expires before its deadline and at most one tick (plus the sweep's
// own lateness) after it.
import { assert } from '../lib/index.ts';

export interface ExpirySink {
  /** Called once per expired entry; the entry is already removed from the wheel. */
  onExpired(id: number): void;
}

export class DeadlineWheel {
  private readonly tickMs: number;
  private readonly buckets = new Map<number, number[]>();
  private entries = 0;
  /** The smallest bucket not yet swept; null until the first add or sweep. */
  private nextBucket: number | null = null;

  constructor(tickMs: number) {
    assert(Number.isInteger(tickMs) && tickMs > 0, `bad tick ${tickMs}`);
    this.tickMs = tickMs;
  }

  /** Entries held (including ones whose request already finished). */
  get size(): number {
    return this.entries;
  }

  add(id: number, deadlineMs: number): void {
    let bucket = Math.ceil(deadlineMs / this.tickMs);
    if (this.nextBucket !== null && bucket < this.nextBucket) bucket = this.nextBucket;
    const list = this.buckets.get(bucket);
    if (list === undefined) this.buckets.set(bucket, [id]);
    else list.push(id);
    this.entries++;
  }

  /** Expires every entry whose deadline is at or before nowMs (at tick granularity). */
  expire(nowMs: number, sink: ExpirySink): void {
    const upTo = Math.floor(nowMs / this.tickMs);
    const from = this.nextBucket ?? this.smallestBucket(upTo);
    if (upTo < from) return;
    this.nextBucket = upTo + 1;
    if (this.buckets.size === 0) return;
    if (upTo - from + 1 <= this.buckets.size * 4) {
      for (let b = from; b <= upTo; b++) this.expireBucket(b, sink);
      return;
    }
    // A long gap (idle wheel, or virtual time that jumped): visit the buckets that exist.
    const due = [...this.buckets.keys()].filter((b) => b <= upTo).sort((a, b) => a - b);
    for (const b of due) this.expireBucket(b, sink);
  }

  private smallestBucket(atMost: number): number {
    let min = atMost;
    for (const b of this.buckets.keys()) if (b < min) min = b;
    return min;
  }

  private expireBucket(bucket: number, sink: ExpirySink): void {
    const list = this.buckets.get(bucket);
    if (list === undefined) return;
    this.buckets.delete(bucket);
    this.entries -= list.length;
    for (const id of list) sink.onExpired(id);
  }

  clear(): void {
    this.buckets.clear();
    this.entries = 0;
    this.nextBucket = null;
  }
}
