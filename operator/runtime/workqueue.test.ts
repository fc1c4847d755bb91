import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.ts';
import { BucketRateLimiter, ItemExponentialRateLimiter, MaxOfRateLimiter, defaultControllerRateLimiter } from './rate-limiter.ts';
import { WorkQueue } from './workqueue.ts';

function queue(clock = new ManualClock()): { q: WorkQueue; clock: ManualClock } {
  return { q: new WorkQueue({ clock, rateLimiter: defaultControllerRateLimiter(clock) }), clock };
}

describe('WorkQueue', () => {
  it('de-duplicates queued keys and keeps FIFO order', async () => {
    const { q } = queue();
    q.add('a');
    q.add('b');
    q.add('a');
    expect(q.length).toBe(2);
    expect(q.deduplicated).toBe(1);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBe('b');
  });

  it('never hands a key being processed to a second worker; re-queues it on done', async () => {
    const { q } = queue();
    q.add('a');
    const key = await q.get();
    q.add('a');
    expect(q.length).toBe(0);
    let second: string | undefined = 'none';
    const waiting = q.get().then((k) => { second = k; });
    await Promise.resolve();
    expect(second).toBe('none');
    q.done(key!);
    await waiting;
    expect(second).toBe('a');
  });

  it('keeps the earliest deadline for delayed adds', async () => {
    const { q, clock } = queue();
    q.addAfter('a', 1000);
    q.addAfter('a', 300);
    q.addAfter('a', 5000);
    expect(q.delayed).toBe(1);
    await clock.advance(299);
    expect(q.length).toBe(0);
    await clock.advance(1);
    expect(q.length).toBe(1);
    await clock.advance(10_000);
    expect(q.length).toBe(1);
  });

  it('backs off exponentially per key and resets on forget', async () => {
    const clock = new ManualClock();
    const q = new WorkQueue({ clock, rateLimiter: new ItemExponentialRateLimiter({ baseMs: 10, maxMs: 1000 }) });
    const delays: number[] = [];
    for (let i = 0; i < 9; i++) {
      const before = clock.monotonicMs();
      q.addRateLimited('a');
      for (let t = 0; t < 2000 && q.length === 0; t++) await clock.advance(1);
      delays.push(clock.monotonicMs() - before);
      const k = await q.get();
      q.done(k!);
    }
    expect(delays).toEqual([10, 20, 40, 80, 160, 320, 640, 1000, 1000]);
    expect(q.numRequeues('a')).toBe(9);
    q.forget('a');
    expect(q.numRequeues('a')).toBe(0);
  });

  it('wakes waiting getters with undefined on shutdown and drops later adds', async () => {
    const { q } = queue();
    const got = q.get();
    q.shutdown();
    expect(await got).toBe(undefined);
    q.add('x');
    expect(q.length).toBe(0);
    expect(await q.get()).toBe(undefined);
  });
});

describe('rate limiters', () => {
  it('token bucket allows the burst then spaces items at qps', async () => {
    const clock = new ManualClock();
    const bucket = new BucketRateLimiter({ clock, qps: 10, burst: 3 });
    expect([bucket.when('a'), bucket.when('b'), bucket.when('c')]).toEqual([0, 0, 0]);
    expect(bucket.when('d')).toBe(100);
    expect(bucket.when('e')).toBe(200);
    await clock.advance(1000);
    expect(bucket.when('f')).toBe(0);
  });

  it('max-of takes the larger delay', () => {
    const clock = new ManualClock();
    const l = new MaxOfRateLimiter(new ItemExponentialRateLimiter({ baseMs: 5, maxMs: 100 }), new BucketRateLimiter({ clock, qps: 1, burst: 1 }));
    expect(l.when('a')).toBe(5);
    expect(l.when('a')).toBe(1000);
  });
});
