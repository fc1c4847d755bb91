import { describe, expect, it } from 'vitest';
import { SimScheduler, SimStuckError, SIM_EPOCH_MS } from './scheduler.ts';
import { SimProcess } from './sim-process.ts';

describe('SimScheduler', () => {
  it('runs events in (time, sequence) order and advances virtual time to each', async () => {
    const s = new SimScheduler();
    const seen: string[] = [];
    const timers = s.timers(null);
    timers.setTimeout(() => seen.push(`b@${s.nowMs}`), 10);
    timers.setTimeout(() => seen.push(`a@${s.nowMs}`), 5);
    timers.setTimeout(() => seen.push(`c@${s.nowMs}`), 10);
    timers.setImmediate(() => seen.push(`i@${s.nowMs}`));
    await s.advance(20);
    expect(seen).toEqual(['i@0', 'a@5', 'b@10', 'c@10']);
    expect(s.nowMs).toBe(20);
  });

  it('drains promise continuations between events', async () => {
    const s = new SimScheduler();
    const seen: string[] = [];
    const timers = s.timers(null);
    timers.setTimeout(() => {
      void (async () => {
        for (let i = 0; i < 100; i++) await Promise.resolve();
        seen.push('deep continuation');
      })();
    }, 1);
    timers.setTimeout(() => seen.push('next event'), 1);
    await s.advance(1);
    expect(seen).toEqual(['deep continuation', 'next event']);
  });

  it('re-arms intervals until cancelled and ignores cancel after a one-shot fired', async () => {
    const s = new SimScheduler();
    const timers = s.timers(null);
    let ticks = 0;
    const handle = timers.setInterval(() => {
      ticks++;
      if (ticks === 3) handle.cancel();
    }, 100);
    const once = timers.setTimeout(() => {}, 1);
    await s.advance(1000);
    once.cancel();
    expect(ticks).toBe(3);
    expect(s.pendingEvents()).toBe(0);
  });

  it('never runs events of a dead process', async () => {
    const s = new SimScheduler();
    const p = new SimProcess({ name: 'n1', incarnation: 1 });
    let fired = 0;
    s.timers(p).setTimeout(() => fired++, 10);
    s.timers(p).setInterval(() => fired++, 3);
    p.kill();
    await s.advance(100);
    expect(fired).toBe(0);
    expect(s.stats().eventsSkipped).toBe(2);
  });

  it('gives each process a skewed wall clock over one monotonic time', async () => {
    const s = new SimScheduler();
    const clock = s.clock({ skewMs: -7 });
    await s.advance(42);
    expect(clock.monotonicMs()).toBe(42);
    expect(clock.nowMs()).toBe(SIM_EPOCH_MS + 42 - 7);
  });

  it('runMain ends when the main promise settles and reports a deadlock when nothing is left', async () => {
    const s = new SimScheduler();
    const value = await s.runMain(async () => {
      await s.sleep(1234);
      return s.nowMs;
    }, { virtualMsMax: 10_000 });
    expect(value).toBe(1234);
    const stuck = new SimScheduler();
    await expect(stuck.runMain(() => new Promise<void>(() => {}), { virtualMsMax: 10_000 })).rejects.toBeInstanceOf(SimStuckError);
    const slow = new SimScheduler();
    await expect(slow.runMain(() => slow.sleep(20_000), { virtualMsMax: 10_000 })).rejects.toThrow(/virtual time bound/);
  });

  it('records exceptions thrown by event callbacks instead of dying', async () => {
    const s = new SimScheduler();
    const p = new SimProcess({ name: 'n2', incarnation: 3 });
    s.timers(p).setTimeout(() => {
      throw new Error('boom');
    }, 1);
    await s.advance(5);
    expect(s.uncaught).toHaveLength(1);
    expect(s.uncaught[0]!.owner).toBe('n2#3');
  });

  it('hashes the same schedule to the same trace and a different one differently', async () => {
    const run = async (delays: number[]): Promise<string> => {
      const s = new SimScheduler();
      for (const d of delays) s.timers(null).setTimeout(() => {}, d);
      await s.advance(100);
      return s.trace.hex();
    };
    expect(await run([1, 2, 3])).toBe(await run([1, 2, 3]));
    expect(await run([1, 2, 3])).not.toBe(await run([1, 2, 4]));
  });
});
