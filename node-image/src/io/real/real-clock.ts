// Real wall and monotonic clocks and Node timers.
import { performance } from 'node:perf_hooks';
import type { Clock, TimerHandle, Timers } from '../clock.ts';

export const realClock: Clock = {
  nowMs: () => Date.now(),
  monotonicMs: () => performance.now(),
};

export const realTimers: Timers = {
  setTimeout(fn, delayMs): TimerHandle {
    const t = setTimeout(fn, delayMs);
    return { cancel: () => clearTimeout(t) };
  },
  setInterval(fn, intervalMs): TimerHandle {
    const t = setInterval(fn, intervalMs);
    return { cancel: () => clearInterval(t) };
  },
  setImmediate(fn): TimerHandle {
    const t = setImmediate(fn);
    return { cancel: () => clearImmediate(t) };
  },
};
