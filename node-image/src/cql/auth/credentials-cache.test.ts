import { describe, expect, it } from 'vitest';
import { CredentialsCache } from './credentials-cache.ts';
import { SeededRandom } from '../../lib/index.ts';
import { ManualClock } from './testing/auth-harness.ts';

describe('CredentialsCache', () => {
  const make = (entriesMax = 4, ttlMs = 1000): { cache: CredentialsCache; clock: ManualClock } => {
    const clock = new ManualClock();
    return { cache: new CredentialsCache({ clock, random: new SeededRandom(1), entriesMax, ttlMs }), clock };
  };

  it('answers only for the same password and stored hash', () => {
    const { cache } = make();
    cache.add('alice', 'hash1', 'pw');
    expect(cache.has('alice', 'hash1', 'pw')).toBe(true);
    expect(cache.has('alice', 'hash1', 'pw2')).toBe(false);
    expect(cache.has('bob', 'hash1', 'pw')).toBe(false);
    // A changed stored hash (ALTER ROLE ... PASSWORD elsewhere) drops the entry.
    expect(cache.has('alice', 'hash2', 'pw')).toBe(false);
    expect(cache.has('alice', 'hash1', 'pw')).toBe(false);
  });

  it('expires entries after the TTL', () => {
    const { cache, clock } = make(4, 1000);
    cache.add('alice', 'h', 'pw');
    clock.advance(999);
    expect(cache.has('alice', 'h', 'pw')).toBe(true);
    clock.advance(1);
    expect(cache.has('alice', 'h', 'pw')).toBe(false);
    expect(cache.size).toBe(0);
  });

  it('keeps at most entriesMax roles, evicting the least recently used', () => {
    const { cache } = make(2);
    cache.add('a', 'h', 'p');
    cache.add('b', 'h', 'p');
    expect(cache.has('a', 'h', 'p')).toBe(true);
    cache.add('c', 'h', 'p');
    expect(cache.size).toBe(2);
    expect(cache.has('b', 'h', 'p')).toBe(false);
    expect(cache.has('a', 'h', 'p')).toBe(true);
    expect(cache.has('c', 'h', 'p')).toBe(true);
  });

  it('forgets an invalidated role', () => {
    const { cache } = make();
    cache.add('a', 'h', 'p');
    cache.invalidate('a');
    expect(cache.has('a', 'h', 'p')).toBe(false);
  });
});
