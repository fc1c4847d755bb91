// The seeded scheduler: one priority queue of events ordered by (virtual time, sequence) holds
// every timer and I/O completion of every simulated process. The run loop pops the next event,
// sets virtual time to it, runs it, then lets all promise continuations drain (one real
// macrotask turn: no real timer or I/O is ever pending, so nothing else can run) before the next.
// A run is therefore a pure function of the seed; the trace hash proves it.
import type { Clock, TimerHandle, Timers } from '../io/index.ts';
import { realTimers } from '../io/real/index.ts';
import { assert } from '../lib/index.ts';
import { EventHeap } from './event-heap.ts';
import type { SimEvent } from './event-heap.ts';
import type { SimProcess } from './sim-process.ts';
import { TraceHash } from './trace-hash.ts';

/** Wall clock at virtual time 0 (2023-11-14T22:13:20Z), so timestamps look like real ones. */
export const SIM_EPOCH_MS = 1_700_000_000_000;
/** Default bound on events in one run (a runaway timer loop fails instead of hanging). */
export const SIM_EVENTS_MAX_DEFAULT = 5_000_000;
/** Cancelled events are purged when they exceed this share of the queue. */
const COMPACT_CANCELLED_RATIO = 0.5;
const COMPACT_SIZE_MIN = 4096;

interface QueuedEvent extends SimEvent {
  readonly owner: SimProcess | null;
  readonly label: string;
  readonly fn: () => void;
  readonly intervalMs: number | null;
}

export interface RunStats {
  readonly eventsRun: number;
  readonly eventsSkipped: number;
  readonly virtualMs: number;
}

/** Thrown out of `runMain` when the run cannot go on; carries what the seed did up to there. */
export class SimStuckError extends Error {
  override readonly name = 'SimStuckError';
}

export class SimScheduler {
  readonly trace = new TraceHash();
  private readonly heap = new EventHeap<QueuedEvent>();
  private seq = 0;
  private now = 0;
  private cancelledInHeap = 0;
  private eventsRun = 0;
  private eventsSkipped = 0;
  private readonly eventsMax: number;
  /** Exceptions thrown by event callbacks (an uncaught exception would kill a real process). */
  readonly uncaught: Array<{ readonly atMs: number; readonly owner: string; readonly error: unknown }> = [];

  constructor(options: { eventsMax?: number } = {}) {
    this.eventsMax = options.eventsMax ?? SIM_EVENTS_MAX_DEFAULT;
  }

  /** Virtual monotonic milliseconds since the start of the run. */
  get nowMs(): number {
    return this.now;
  }

  stats(): RunStats {
    return { eventsRun: this.eventsRun, eventsSkipped: this.eventsSkipped, virtualMs: this.now };
  }

  /** Schedules `fn` at now + delayMs; it does not run if cancelled or if `owner` died. */
  schedule(options: { delayMs: number; owner: SimProcess | null; label: string; intervalMs?: number }, fn: () => void): TimerHandle {
    assert(Number.isFinite(options.delayMs), `sim: non-finite delay for ${options.label}`);
    const event: QueuedEvent = {
      atMs: this.now + Math.max(0, options.delayMs),
      seq: this.seq++,
      cancelled: false,
      owner: options.owner,
      label: options.label,
      fn,
      intervalMs: options.intervalMs ?? null,
    };
    this.heap.push(event);
    return {
      cancel: () => {
        if (event.cancelled) return;
        event.cancelled = true;
        this.cancelledInHeap++;
      },
    };
  }

  /** Clock of a process: shared virtual time, wall clock offset by `skewMs`. */
  clock(options: { skewMs: number }): Clock {
    const skewMs = options.skewMs;
    return {
      nowMs: () => SIM_EPOCH_MS + this.now + skewMs,
      monotonicMs: () => this.now,
    };
  }

  /** Timers owned by `owner`: they never fire once it is dead. */
  timers(owner: SimProcess | null): Timers {
    const name = owner === null ? 'sim' : owner.name;
    const timeoutLabel = `${name}:timeout`;
    const intervalLabel = `${name}:interval`;
    const immediateLabel = `${name}:immediate`;
    return {
      setTimeout: (fn, delayMs) => this.schedule({ delayMs, owner, label: timeoutLabel }, fn),
      setInterval: (fn, intervalMs) => {
        assert(intervalMs > 0, 'sim: interval must be positive');
        return this.schedule({ delayMs: intervalMs, owner, label: intervalLabel, intervalMs }, fn);
      },
      setImmediate: (fn) => this.schedule({ delayMs: 0, owner, label: immediateLabel }, fn),
    };
  }

  /** Resolves after `delayMs` of virtual time. */
  sleep(delayMs: number, owner: SimProcess | null = null): Promise<void> {
    return new Promise((resolve) => {
      this.schedule({ delayMs, owner, label: 'sleep' }, resolve);
    });
  }

  /**
   * Runs `main` to completion under virtual time: events run until its promise settles. Fails
   * (SimStuckError) when the queue empties while `main` still waits (a deadlock), or past
   * `virtualMsMax` or the event bound.
   */
  async runMain<T>(main: () => Promise<T>, options: { virtualMsMax: number }): Promise<T> {
    let settled = false;
    let value: T | undefined;
    let failure: { error: unknown } | null = null;
    main().then(
      (v) => {
        settled = true;
        value = v;
      },
      (error: unknown) => {
        settled = true;
        failure = { error };
      },
    );
    await drainMicrotasks();
    while (!settled) {
      const event = this.nextLive();
      if (event === undefined) throw new SimStuckError(`sim: deadlock at ${this.now.toFixed(3)} ms: no events left while the scenario waits`);
      if (event.atMs > options.virtualMsMax) {
        throw new SimStuckError(`sim: virtual time bound ${options.virtualMsMax} ms reached while the scenario waits`);
      }
      this.runOne(event);
      await drainMicrotasks();
    }
    if (failure !== null) throw (failure as { error: unknown }).error;
    return value as T;
  }

  /** Runs every event due up to now + `ms` (used by tests of the scheduler itself). */
  async advance(ms: number): Promise<void> {
    const target = this.now + ms;
    await drainMicrotasks();
    for (;;) {
      const event = this.nextLive();
      if (event === undefined || event.atMs > target) break;
      this.runOne(event);
      await drainMicrotasks();
    }
    this.now = Math.max(this.now, target);
  }

  /** Events still queued and live. */
  pendingEvents(): number {
    return this.heap.size - this.cancelledInHeap;
  }

  private nextLive(): QueuedEvent | undefined {
    for (;;) {
      const top = this.heap.peek();
      if (top === undefined) return undefined;
      if (top.cancelled) {
        this.heap.pop();
        this.cancelledInHeap--;
        continue;
      }
      if (top.owner !== null && !top.owner.alive) {
        this.heap.pop();
        top.cancelled = true;
        this.eventsSkipped++;
        continue;
      }
      return top;
    }
  }

  private runOne(event: QueuedEvent): void {
    this.heap.pop();
    assert(this.eventsRun < this.eventsMax, `sim: more than ${this.eventsMax} events (runaway loop?)`);
    this.eventsRun++;
    this.now = event.atMs;
    this.trace.addNumber(event.atMs);
    this.trace.addString(event.label);
    if (event.intervalMs !== null) {
      // Re-armed before running, as a real interval is; cancel() inside fn still stops it.
      event.atMs += event.intervalMs;
      this.heap.push(event);
    } else {
      // A later cancel() of a fired timer is a no-op.
      event.cancelled = true;
    }
    try {
      event.fn();
    } catch (error) {
      this.uncaught.push({ atMs: this.now, owner: event.owner?.toString() ?? 'sim', error });
    }
    if (this.cancelledInHeap > COMPACT_SIZE_MIN && this.cancelledInHeap > this.heap.size * COMPACT_CANCELLED_RATIO) {
      this.heap.compact();
      this.cancelledInHeap = 0;
    }
  }
}

/**
 * Lets every pending promise continuation run. A real setImmediate fires only once the microtask
 * queue is empty, and the simulation never has real timers or I/O pending, so this is exact.
 */
function drainMicrotasks(): Promise<void> {
  return new Promise((resolve) => {
    realTimers.setImmediate(resolve);
  });
}
