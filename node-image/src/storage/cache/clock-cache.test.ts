import { describe, expect, it } from 'vitest';
import { ClockCache } from './clock-cache.ts';

describe('ClockCache', () => {
  it('drops a namespace at once: its bytes and entries leave the totals, the ring skips them, other namespaces keep theirs', () => {
    const evicted: string[] = [];
    const cache = new ClockCache<string>(100, (v) => evicted.push(v));
    const a = cache.namespace();
    const b = cache.namespace();
    for (let i = 0; i < 4; i++) cache.put(a, i, `a${i}`, 10);
    for (let i = 0; i < 3; i++) cache.put(b, i, `b${i}`, 10);
    cache.put(a, 0, 'a0bis', 15);
    expect(cache.sizeBytes).toBe(75);
    expect(cache.entryCount).toBe(7);
    cache.drop(a);
    cache.drop(a);
    expect(cache.sizeBytes).toBe(30);
    expect(cache.entryCount).toBe(3);
    expect(cache.get(a, 1)).toBeUndefined();
    cache.put(a, 9, 'late', 10);
    expect(cache.get(a, 9)).toBeUndefined();
    expect(cache.entryCount).toBe(3);
    // Filling past the bound evicts only live entries (b's, oldest first), never a dropped one.
    for (let i = 0; i < 8; i++) cache.put(b, 10 + i, `b${10 + i}`, 10);
    expect(cache.sizeBytes).toBeLessThanOrEqual(100);
    expect(evicted).toEqual(['b0']);
    expect(cache.entryCount).toBe(10);
    expect(cache.get(b, 1)).toBe('b1');
  });
});
