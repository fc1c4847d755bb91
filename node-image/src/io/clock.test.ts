import { describe, expect, it } from 'vitest';
import type { Clock, TimerHandle, Timers } from './clock.ts';
import { pollUntil } from './clock.ts';

/** Timers that run each timeout on the next microtask, advancing the clock by its delay (or not). */
function fakeIo(advance: boolean): { clock: Clock; timers: Timers; sleeps: number } {
  let nowMs = 0;
  const io = {
    sleeps: 0,
    clock: { nowMs: () => nowMs, monotonicMs: () => nowMs },
    timers: {
      setTimeout(fn: () => void, delayMs: number): TimerHandle {
        io.sleeps++;
        if (advance) nowMs += delayMs;
        queueMicrotask(fn);
        return { cancel: () => undefined };
      },
      setInterval: () => ({ cancel: () => undefined }),
      setImmediate: () => ({ cancel: () => undefined }),
    },
  };
  return io;
}

describe('pollUntil', () => {
  it('does not sleep when the condition already holds', async () => {
    const io = fakeIo(true);
    expect(await pollUntil(io, { pollMs: 100, timeoutMs: 1000 }, () => true)).toEqual({ done: true, elapsedMs: 0 });
    expect(io.sleeps).toBe(0);
  });

  it('polls until the condition holds', async () => {
    const io = fakeIo(true);
    let calls = 0;
    expect(await pollUntil(io, { pollMs: 100, timeoutMs: 1000 }, () => ++calls === 4)).toEqual({ done: true, elapsedMs: 300 });
    expect(io.sleeps).toBe(3);
  });

  it('gives up at the timeout, and after a bounded number of polls when the clock does not move', async () => {
    const moving = fakeIo(true);
    expect(await pollUntil(moving, { pollMs: 100, timeoutMs: 1000 }, () => false)).toEqual({ done: false, elapsedMs: 1000 });
    const frozen = fakeIo(false);
    expect(await pollUntil(frozen, { pollMs: 100, timeoutMs: 1000 }, () => false)).toEqual({ done: false, elapsedMs: 0 });
    expect(frozen.sleeps).toBe(11);
  });
});
