// Time for the operator as an injected dependency (STYLE.md rule 5): the runtime and the reconciler
// read time and schedule timers only through these interfaces. ManualClock drives tests.

export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Wall-clock milliseconds since the epoch (timestamps written to the API). */
  nowMs(): number;
  /** Monotonic milliseconds for durations and deadlines. */
  monotonicMs(): number;
  /** Runs fn once after delayMs; the caller owns the handle. */
  setTimeout(fn: () => void, delayMs: number): TimerHandle;
  /** Resolves after delayMs, or at once when the signal aborts. */
  sleep(delayMs: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: Clock = {
  nowMs: () => Date.now(),
  monotonicMs: () => performance.now(),
  setTimeout(fn, delayMs) {
    const t = setTimeout(fn, Math.max(0, delayMs));
    return { cancel: () => clearTimeout(t) };
  },
  sleep(delayMs, signal) {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const t = setTimeout(done, Math.max(0, delayMs));
      function done(): void {
        clearTimeout(t);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    });
  },
};

interface PendingTimer { atMs: number; seq: number; fn: () => void; cancelled: boolean }

/** A clock that moves only when told to; timers fire in deadline order during advance(). */
export class ManualClock implements Clock {
  private wallMs: number;
  private monoMs = 0;
  private seq = 0;
  private timers: PendingTimer[] = [];

  constructor(startWallMs = Date.UTC(2026, 0, 1)) {
    this.wallMs = startWallMs;
  }

  nowMs(): number {
    return this.wallMs + this.monoMs;
  }

  monotonicMs(): number {
    return this.monoMs;
  }

  setTimeout(fn: () => void, delayMs: number): TimerHandle {
    const timer: PendingTimer = { atMs: this.monoMs + Math.max(0, delayMs), seq: this.seq++, fn, cancelled: false };
    this.timers.push(timer);
    return { cancel: () => { timer.cancelled = true; } };
  }

  sleep(delayMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const handle = this.setTimeout(() => resolve(), delayMs);
      signal?.addEventListener('abort', () => { handle.cancel(); resolve(); }, { once: true });
    });
  }

  /** Pending (not cancelled) timers. */
  get pendingTimers(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  /** Moves time forward, firing due timers in order (including ones they schedule within the window). */
  async advance(ms: number): Promise<void> {
    const target = this.monoMs + ms;
    for (let fired = 0; fired < 1_000_000; fired++) {
      this.timers = this.timers.filter((t) => !t.cancelled);
      this.timers.sort((a, b) => a.atMs - b.atMs || a.seq - b.seq);
      const next = this.timers[0];
      if (next === undefined || next.atMs > target) break;
      this.timers.shift();
      this.monoMs = next.atMs;
      next.fn();
      await flushMicrotasks();
    }
    this.monoMs = target;
    await flushMicrotasks();
  }
}

/** Lets pending promise callbacks run (a few macrotask-free turns). */
export async function flushMicrotasks(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await Promise.resolve();
}
