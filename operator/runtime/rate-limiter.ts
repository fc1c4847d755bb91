// Rate limiters for the workqueue, as client-go's defaults: per-item exponential backoff on
// failures (5 ms doubling to 1000 s) combined with an overall token bucket (10 qps, burst 100);
// the delay of an item is the larger of the two.
import type { Clock } from './clock.ts';

export interface RateLimiter {
  /** Delay before `key` may be processed again after a failure. */
  when(key: string): number;
  /** The item succeeded: reset its backoff. */
  forget(key: string): void;
  numRequeues(key: string): number;
}

/** Items whose failure counts are remembered (oldest forgotten first beyond this). */
export const TRACKED_ITEMS_MAX = 100_000;

export class ItemExponentialRateLimiter implements RateLimiter {
  private readonly failures = new Map<string, number>();
  private readonly baseMs: number;
  private readonly maxMs: number;

  constructor(options: { baseMs: number; maxMs: number } = { baseMs: 5, maxMs: 1_000_000 }) {
    this.baseMs = options.baseMs;
    this.maxMs = options.maxMs;
  }

  when(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.delete(key);
    this.failures.set(key, n + 1);
    if (this.failures.size > TRACKED_ITEMS_MAX) this.failures.delete(this.failures.keys().next().value!);
    return Math.min(this.maxMs, this.baseMs * 2 ** Math.min(n, 52));
  }

  forget(key: string): void {
    this.failures.delete(key);
  }

  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }
}

export class BucketRateLimiter implements RateLimiter {
  private readonly clock: Clock;
  private readonly qps: number;
  private readonly burst: number;
  private tokens: number;
  private lastMs: number;

  constructor(options: { clock: Clock; qps: number; burst: number }) {
    this.clock = options.clock;
    this.qps = options.qps;
    this.burst = options.burst;
    this.tokens = options.burst;
    this.lastMs = options.clock.monotonicMs();
  }

  when(_key: string): number {
    const now = this.clock.monotonicMs();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.lastMs) / 1000) * this.qps);
    this.lastMs = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.qps) * 1000);
  }

  forget(_key: string): void {}

  numRequeues(_key: string): number {
    return 0;
  }
}

export class MaxOfRateLimiter implements RateLimiter {
  private readonly limiters: readonly RateLimiter[];

  constructor(...limiters: RateLimiter[]) {
    this.limiters = limiters;
  }

  when(key: string): number {
    let delay = 0;
    for (const l of this.limiters) delay = Math.max(delay, l.when(key));
    return delay;
  }

  forget(key: string): void {
    for (const l of this.limiters) l.forget(key);
  }

  numRequeues(key: string): number {
    let n = 0;
    for (const l of this.limiters) n = Math.max(n, l.numRequeues(key));
    return n;
  }
}

export function defaultControllerRateLimiter(clock: Clock): RateLimiter {
  return new MaxOfRateLimiter(
    new ItemExponentialRateLimiter({ baseMs: 5, maxMs: 1_000_000 }),
    new BucketRateLimiter({ clock, qps: 10, burst: 100 }),
  );
}
