// A token bucket limiting the bytes a node streams per second (stream_throughput_outbound),
// shared by every outgoing stream of the node. Callers await `acquire(bytes)` before sending.
// Invariants: at most one second's worth of credit accumulates; 0 bytes/s means unthrottled; a
// waiter is released in FIFO order and the bucket never holds a timer when nobody waits.
import type { Clock, TimerHandle, Timers } from '../io/index.ts';

/** Longest single wait, so a huge acquire cannot stall a stream forever. */
export const THROTTLE_WAIT_MS_MAX = 10_000;

export class StreamThrottle {
  private readonly clock: Clock;
  private readonly timers: Timers;
  private bytesPerSecond: number;
  private credit: number;
  private lastRefillMs: number;
  private tail: Promise<void> = Promise.resolve();
  private readonly waiting = new Map<TimerHandle, () => void>();

  constructor(options: { clock: Clock; timers: Timers; bytesPerSecond: number }) {
    this.clock = options.clock;
    this.timers = options.timers;
    this.bytesPerSecond = Math.max(0, options.bytesPerSecond);
    this.credit = this.bytesPerSecond;
    this.lastRefillMs = options.clock.monotonicMs();
  }

  /** Changes the rate (nodetool setstreamthroughput); 0 removes the limit. */
  setRate(bytesPerSecond: number): void {
    this.bytesPerSecond = Math.max(0, bytesPerSecond);
  }

  rate(): number {
    return this.bytesPerSecond;
  }

  /** Resolves once `bytes` may be sent; waits run one after another. */
  acquire(bytes: number): Promise<void> {
    if (this.bytesPerSecond === 0) return Promise.resolve();
    const next = this.tail.then(() => this.take(bytes));
    this.tail = next;
    return next;
  }

  /** Cancels waits (service close): waiters resolve at once. */
  close(): void {
    this.bytesPerSecond = 0;
    for (const [handle, resolve] of this.waiting) {
      handle.cancel();
      resolve();
    }
    this.waiting.clear();
  }

  private refill(): void {
    const now = this.clock.monotonicMs();
    const elapsedMs = Math.max(0, now - this.lastRefillMs);
    this.lastRefillMs = now;
    this.credit = Math.min(this.bytesPerSecond, this.credit + (elapsedMs * this.bytesPerSecond) / 1000);
  }

  private async take(bytes: number): Promise<void> {
    if (this.bytesPerSecond === 0) return;
    this.refill();
    this.credit -= bytes;
    if (this.credit >= 0) return;
    const waitMs = Math.min(THROTTLE_WAIT_MS_MAX, Math.ceil((-this.credit * 1000) / this.bytesPerSecond));
    await new Promise<void>((resolve) => {
      const handle = this.timers.setTimeout(() => {
        this.waiting.delete(handle);
        resolve();
      }, waitMs);
      this.waiting.set(handle, resolve);
    });
  }
}
