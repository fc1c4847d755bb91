// A rate-limited, de-duplicating work queue (client-go's semantics): a key is queued at most once;
// a key being processed is never handed to a second worker, and if it is added meanwhile it is
// queued again when the first worker calls done(). Delayed adds keep the earliest deadline.
import type { Clock, TimerHandle } from './clock.ts';
import type { RateLimiter } from './rate-limiter.ts';

/** Keys waiting (queued + delayed); adds beyond it are dropped and counted. */
export const QUEUE_ITEMS_MAX = 100_000;

export class WorkQueue {
  private readonly clock: Clock;
  private readonly limiter: RateLimiter;
  private queue: string[] = [];
  private head = 0;
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly waiting = new Map<string, { atMs: number; timer: TimerHandle }>();
  private readonly getters: Array<(key: string | undefined) => void> = [];
  private shuttingDown = false;
  /** Adds refused at QUEUE_ITEMS_MAX. */
  dropped = 0;
  /** Adds merged into an already queued or delayed key. */
  deduplicated = 0;

  constructor(options: { clock: Clock; rateLimiter: RateLimiter }) {
    this.clock = options.clock;
    this.limiter = options.rateLimiter;
  }

  /** Keys ready to be processed. */
  get length(): number {
    return this.queue.length - this.head;
  }

  get delayed(): number {
    return this.waiting.size;
  }

  get inFlight(): number {
    return this.processing.size;
  }

  add(key: string): void {
    if (this.shuttingDown) return;
    if (this.dirty.has(key)) {
      this.deduplicated++;
      return;
    }
    if (this.dirty.size + this.waiting.size >= QUEUE_ITEMS_MAX) {
      this.dropped++;
      return;
    }
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    const getter = this.getters.shift();
    if (getter !== undefined) {
      getter(key);
      return;
    }
    this.queue.push(key);
  }

  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) return this.add(key);
    const atMs = this.clock.monotonicMs() + delayMs;
    const existing = this.waiting.get(key);
    if (existing !== undefined) {
      this.deduplicated++;
      if (existing.atMs <= atMs) return;
      existing.timer.cancel();
    }
    const timer = this.clock.setTimeout(() => {
      this.waiting.delete(key);
      this.add(key);
    }, delayMs);
    this.waiting.set(key, { atMs, timer });
  }

  addRateLimited(key: string): void {
    this.addAfter(key, this.limiter.when(key));
  }

  forget(key: string): void {
    this.limiter.forget(key);
  }

  numRequeues(key: string): number {
    return this.limiter.numRequeues(key);
  }

  /** Next key, waiting if none; undefined once shut down. */
  get(): Promise<string | undefined> {
    if (this.length > 0) {
      const key = this.queue[this.head++]!;
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      return Promise.resolve(this.take(key));
    }
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.getters.push((key) => resolve(key === undefined ? undefined : this.take(key)));
    });
  }

  /** The worker finished `key`; re-queues it if it was added while processing. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key) && !this.shuttingDown) {
      const getter = this.getters.shift();
      if (getter !== undefined) getter(key);
      else this.queue.push(key);
    }
  }

  shutdown(): void {
    this.shuttingDown = true;
    for (const w of this.waiting.values()) w.timer.cancel();
    this.waiting.clear();
    for (const g of this.getters.splice(0)) g(undefined);
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  private take(key: string): string {
    this.dirty.delete(key);
    this.processing.add(key);
    return key;
  }
}
