import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DeadlineWheel } from './deadline-wheel.ts';

describe('DeadlineWheel', () => {
  it('expires every entry after its deadline and within one tick of the sweep that passes it', () => {
    fc.assert(fc.property(
      fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 1, maxLength: 200 }),
      fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 50 }),
      (deadlines, steps) => {
        const tick = 10;
        const wheel = new DeadlineWheel(tick);
        deadlines.forEach((d, id) => wheel.add(id, d));
        const expiredAt = new Map<number, number>();
        let now = 0;
        let i = 0;
        while (expiredAt.size < deadlines.length) {
          now += steps[i++ % steps.length]!;
          wheel.expire(now, { onExpired: (id) => expiredAt.set(id, now) });
        }
        for (const [id, at] of expiredAt) {
          expect(at).toBeGreaterThanOrEqual(deadlines[id]!);
        }
        expect(wheel.size).toBe(0);
      },
    ));
  });

  it('does not expire early after a long idle gap, and handles deadlines already past', () => {
    const wheel = new DeadlineWheel(10);
    wheel.expire(1000, { onExpired: () => { throw new Error('nothing to expire'); } });
    wheel.add(1, 500);
    wheel.add(2, 1_000_000);
    const out: number[] = [];
    wheel.expire(1010, { onExpired: (id) => out.push(id) });
    expect(out).toEqual([1]);
    wheel.expire(999_999, { onExpired: (id) => out.push(id) });
    expect(out).toEqual([1]);
    wheel.expire(1_000_000, { onExpired: (id) => out.push(id) });
    expect(out).toEqual([1, 2]);
  });
});
