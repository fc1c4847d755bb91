// compaction_throughput: a token bucket shared by a shard's compactions. Each slice of work
// reports the bytes it read; the caller then waits until the bucket has paid for them. A rate of
// 0 means unthrottled. Up to THROTTLE_BURST_MS of credit accumulates while idle.
import type { Clock, Timers } from '../../io/index.ts';

/** Unused credit kept while compactions are idle or slower than the rate. */
export const THROTTLE_BURST_MS = 100;
/** Longest single wait, so a rate change takes effect promptly. */
export const THROTTLE_WAIT_MAX_MS = 1000;

export class ThroughputThrottle {
  private readonly clock: Clock;
  private readonly timers: Timers;
  private bytesPerSecond: number;
  /** Monotonic ms when the bytes charged so far are paid for. */
  private paidUntilMs = -Infinity;

  constructor(options: { clock: Clock; timers: Timers; bytesPerSecond: number }) {
    this.clock = options.clock;
    this.timers = options.timers;
    this.bytesPerSecond = Math.max(0, options.bytesPerSecond);
  }

  get rateBytesPerSecond(): number {
    return this.bytesPerSecond;
  }

  setRate(bytesPerSecond: number): void {
    this.bytesPerSecond = Math.max(0, bytesPerSecond);
    this.paidUntilMs = -Infinity;
  }

  /** Milliseconds to wait after charging `bytes` (0 when within the rate). */
  charge(bytes: number): number {
    if (this.bytesPerSecond === 0 || bytes <= 0) return 0;
    const now = this.clock.monotonicMs();
    this.paidUntilMs = Math.max(this.paidUntilMs, now - THROTTLE_BURST_MS) + (bytes / this.bytesPerSecond) * 1000;
    return Math.max(0, Math.min(THROTTLE_WAIT_MAX_MS, this.paidUntilMs - now));
  }

  /** Charges `bytes` and resolves once they are within the rate. */
  async acquire(bytes: number): Promise<void> {
    const waitMs = this.charge(bytes);
    if (waitMs <= 0) return;
    await new Promise<void>((resolve) => {
      this.timers.setTimeout(resolve, waitMs);
    });
  }
}
