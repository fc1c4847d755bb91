// Time as an injected dependency (STYLE.md rule 5). Real time lives in io/real; the simulator
// provides a virtual clock. Durations use the monotonic clock; timestamps use the wall clock.

export interface Clock {
  /** Wall-clock milliseconds since the Unix epoch. May jump; never use it to measure durations. */
  nowMs(): number;
  /** Monotonic milliseconds (arbitrary origin) for measuring elapsed time and deadlines. */
  monotonicMs(): number;
}

export interface TimerHandle {
  cancel(): void;
}

export interface Timers {
  /** Runs `fn` once after `delayMs`. The caller owns the handle and cancels it on close. */
  setTimeout(fn: () => void, delayMs: number): TimerHandle;
  /** Runs `fn` every `intervalMs` until cancelled. */
  setInterval(fn: () => void, intervalMs: number): TimerHandle;
  /** Runs `fn` after pending I/O callbacks (batching point for group commit and replies). */
  setImmediate(fn: () => void): TimerHandle;
}

/**
 * Write timestamps in microseconds: wall clock based and strictly increasing per source, as
 * Cassandra's per-coordinator monotonic timestamps are. Micros stay below 2^53 until year 2255.
 */
export class MicrosTimestampSource {
  private lastMicros = 0;
  private readonly clock: Clock;

  constructor(clock: Clock) {
    this.clock = clock;
  }

  next(): number {
    const now = Math.floor(this.clock.nowMs() * 1000);
    this.lastMicros = now > this.lastMicros ? now : this.lastMicros + 1;
    return this.lastMicros;
  }
}

/**
 * Checks `done` every `pollMs` until it holds or `timeoutMs` passed on the monotonic clock (also
 * bounded in polls, so a clock that never advances cannot loop forever). Resolves with whether it
 * held and how long it waited.
 */
export async function pollUntil(
  io: { readonly clock: Clock; readonly timers: Timers },
  bounds: { readonly pollMs: number; readonly timeoutMs: number },
  done: () => boolean,
): Promise<{ done: boolean; elapsedMs: number }> {
  const startMs = io.clock.monotonicMs();
  const pollsMax = Math.ceil(bounds.timeoutMs / bounds.pollMs) + 1;
  let held = done();
  for (let polls = 0; polls < pollsMax && !held && io.clock.monotonicMs() - startMs < bounds.timeoutMs; polls++) {
    await new Promise<void>((resolve) => io.timers.setTimeout(resolve, bounds.pollMs));
    held = done();
  }
  return { done: held, elapsedMs: io.clock.monotonicMs() - startMs };
}
