// Coarse request deadlines for the coordinator's hot paths: one interval timer (running only while
// something waits) sweeps a binary heap of deadlines, so a write or read costs a heap insert
// instead of a timer of its own. Cancelled entries are dropped lazily. Deadlines fire at most
// `tickMs` late, never early. Bounded by DEADLINES_MAX pending entries.
import type { Clock, TimerHandle, Timers } from '../io/index.ts';
import { MinHeap, assert, timeThenSeq } from '../lib/index.ts';

/** Pending deadlines at most (in-flight requests are bounded well below this by the protocol layer). */
export const DEADLINES_MAX = 1_000_000;
/** Default sweep period: deadlines fire up to this late. */
export const DEADLINE_TICK_MS = 5;

export interface Deadline {
  cancel(): void;
}

interface Entry {
  readonly atMs: number;
  readonly seq: number;
  fn: (() => void) | null;
}

export class DeadlineQueue {
  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly tickMs: number;
  private readonly heap = new MinHeap<Entry>(timeThenSeq);
  private seq = 0;
  private live = 0;
  private ticker: TimerHandle | null = null;

  constructor(options: { clock: Clock; timers: Timers; tickMs?: number }) {
    this.clock = options.clock;
    this.timers = options.timers;
    this.tickMs = options.tickMs ?? DEADLINE_TICK_MS;
  }

  get pending(): number {
    return this.live;
  }

  /** Runs `fn` once `delayMs` have passed (monotonic clock), unless cancelled first. */
  schedule(delayMs: number, fn: () => void): Deadline {
    assert(this.heap.size < DEADLINES_MAX, 'too many pending deadlines');
    const entry: Entry = { atMs: this.clock.monotonicMs() + Math.max(0, delayMs), seq: this.seq++, fn };
    this.heap.push(entry);
    this.live++;
    if (this.ticker === null) this.ticker = this.timers.setInterval(() => this.sweep(), this.tickMs);
    return {
      cancel: () => {
        if (entry.fn === null) return;
        entry.fn = null;
        this.live--;
        if (this.live === 0) this.stopTicker();
      },
    };
  }

  /** Fires every due deadline; stops the ticker when nothing waits. */
  sweep(): void {
    const now = this.clock.monotonicMs();
    for (let top = this.heap.peek(); top !== undefined; top = this.heap.peek()) {
      if (top.fn !== null && top.atMs > now) break;
      this.heap.pop();
      const fn = top.fn;
      if (fn === null) continue;
      top.fn = null;
      this.live--;
      fn();
    }
    if (this.live === 0) this.stopTicker();
  }

  close(): void {
    this.stopTicker();
    for (const e of this.heap) e.fn = null;
    this.heap.clear();
    this.live = 0;
  }

  private stopTicker(): void {
    this.ticker?.cancel();
    this.ticker = null;
    this.heap.clear();
  }
}
