import { describe, expect, it } from 'vitest';
import { VirtualTime } from '../messaging/testing/virtual-time.ts';
import { StreamThrottle } from './stream-throttle.ts';

describe('StreamThrottle', () => {
  it('lets one second of credit through at once, then paces at the rate', async () => {
    const time = new VirtualTime();
    const throttle = new StreamThrottle({ clock: time, timers: time, bytesPerSecond: 1000 });
    const done: number[] = [];
    for (let i = 0; i < 5; i++) void throttle.acquire(500).then(() => done.push(time.monotonicMs()));
    await time.advance(0);
    expect(done).toEqual([0, 0]);
    await time.advance(2000);
    expect(done.length).toBe(5);
    expect(done[4]).toBeGreaterThanOrEqual(1500);
  });

  it('rate 0 is unthrottled and close releases waiters', async () => {
    const time = new VirtualTime();
    const free = new StreamThrottle({ clock: time, timers: time, bytesPerSecond: 0 });
    await free.acquire(10 ** 9);
    const slow = new StreamThrottle({ clock: time, timers: time, bytesPerSecond: 10 });
    await slow.acquire(10);
    let released = false;
    void slow.acquire(1000).then(() => {
      released = true;
    });
    await time.advance(0);
    expect(released).toBe(false);
    slow.close();
    await time.advance(0);
    expect(released).toBe(true);
  });
});
