import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PodIpAllocator, podIpCapacity } from './pod-ip-allocator.ts';

describe('PodIpAllocator', () => {
  it('gives unique, stable loopback addresses outside 127.0.0.x', () => {
    const a = new PodIpAllocator();
    const ip1 = a.allocate('u1');
    expect(ip1).toBe('127.0.10.1');
    expect(a.allocate('u1')).toBe(ip1);
    expect(a.allocate('u2')).toBe('127.0.10.2');
    a.release('u1');
    expect(a.allocate('u3')).toBe('127.0.10.3');
  });

  it('uses the run\'s address block as second octet', () => {
    const a = new PodIpAllocator({ secondOctet: 101 });
    expect(a.allocate('u1')).toBe('127.101.10.1');
    a.release('u1');
    expect(a.allocate('u2')).toBe('127.101.10.2');
    expect(() => new PodIpAllocator({ secondOctet: 256 })).toThrow();
  });

  it('never hands out a used address and never .0/.255 hosts', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 40 })), { maxLength: 300 }), (ops) => {
        const a = new PodIpAllocator();
        const live = new Map<number, string>();
        for (const [alloc, owner] of ops) {
          if (alloc) {
            const ip = a.allocate(String(owner));
            const last = Number(ip.split('.')[3]);
            expect(last).toBeGreaterThanOrEqual(1);
            expect(last).toBeLessThanOrEqual(254);
            for (const [o, other] of live) if (o !== owner) expect(other).not.toBe(ip);
            live.set(owner, ip);
          } else {
            a.release(String(owner));
            live.delete(owner);
          }
        }
      }),
    );
  });

  it('wraps around and throws when full', () => {
    const a = new PodIpAllocator();
    for (let i = 0; i < podIpCapacity; i++) a.allocate(`o${i}`);
    expect(a.allocate('o5')).toBe('127.0.10.6');
    expect(() => a.allocate('extra')).toThrow(/exhausted/);
    a.release('o7');
    expect(a.allocate('extra')).toBe('127.0.10.8');
  });
});
