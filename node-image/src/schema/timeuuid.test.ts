import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Clock, Random } from '../io/index.ts';
import { comparatorFor } from './comparators.ts';
import { nativeType } from './cql-type.ts';
import {
  maxTimeuuid, minTimeuuid, parseUuid, randomUuid, TimeuuidGenerator, timeuuidToUnixMs, uuidToBytes, uuidToString, uuidVersion,
} from './timeuuid.ts';

/** A deterministic Random (xorshift32) for tests. */
function seededRandom(seed: number): Random {
  let state = seed >>> 0 || 1;
  const nextUint32 = (): number => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
  return {
    nextUint32,
    nextFloat: () => nextUint32() / 2 ** 32,
    fillBytes: (bytes) => {
      for (let i = 0; i < bytes.length; i++) bytes[i] = nextUint32() & 0xff;
    },
  };
}

function manualClock(start: number): Clock & { set(ms: number): void } {
  let now = start;
  return { nowMs: () => now, monotonicMs: () => now, set: (ms) => { now = ms; } };
}

describe('uuid text', () => {
  it('round-trips bytes <-> lowercase text', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
      const text = uuidToString(bytes);
      expect(text).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(uuidToBytes(text)).toEqual(Buffer.from(bytes));
    }));
    expect(uuidToString(uuidToBytes('550E8400-E29B-41D4-A716-446655440000'))).toBe('550e8400-e29b-41d4-a716-446655440000');
    expect(parseUuid('550e8400e29b41d4a716446655440000')).toBeUndefined();
    expect(() => uuidToBytes('nope')).toThrow("Unable to make UUID from 'nope'");
  });

  it('random uuids are version 4, IETF variant', () => {
    const random = seededRandom(7);
    for (let i = 0; i < 100; i++) {
      const u = randomUuid(random);
      expect(uuidVersion(u)).toBe(4);
      expect(u[8]! & 0xc0).toBe(0x80);
    }
  });
});

describe('TimeuuidGenerator', () => {
  it('yields unique, strictly increasing version 1 uuids, even when the clock stalls or goes back', () => {
    const clock = manualClock(1_700_000_000_000);
    const generator = new TimeuuidGenerator(clock, seededRandom(42));
    const compare = comparatorFor(nativeType('timeuuid'));
    let previous = generator.next();
    const seen = new Set<string>([previous.toString('hex')]);
    for (let i = 0; i < 20_000; i++) {
      if (i % 1000 === 0) clock.set(clock.nowMs() - 5); // clock steps back
      else if (i % 7 === 0) clock.set(clock.nowMs() + 1);
      const next = generator.next();
      expect(uuidVersion(next)).toBe(1);
      expect(compare(previous, next)).toBeLessThan(0);
      seen.add(next.toString('hex'));
      previous = next;
    }
    expect(seen.size).toBe(20_001);
  });

  it('carries the clock time and a fixed random clock sequence and node', () => {
    const clock = manualClock(1_704_164_645_678);
    const generator = new TimeuuidGenerator(clock, seededRandom(1));
    const a = generator.next();
    clock.set(1_704_164_645_999);
    const b = generator.next();
    expect(timeuuidToUnixMs(a)).toBe(1_704_164_645_678);
    expect(timeuuidToUnixMs(b)).toBe(1_704_164_645_999);
    expect(a.subarray(8)).toEqual(b.subarray(8));
    expect(a[8]! & 0xc0).toBe(0x80);
    expect(a[10]! & 0x01).toBe(1);
  });

  it('two generators with different seeds differ in clock sequence and node', () => {
    const clock = manualClock(1);
    expect(new TimeuuidGenerator(clock, seededRandom(1)).next().subarray(8))
      .not.toEqual(new TimeuuidGenerator(clock, seededRandom(2)).next().subarray(8));
  });
});

describe('min/max timeuuid', () => {
  it('encode the millisecond and the extreme clock sequence bytes', () => {
    expect(uuidToString(minTimeuuid(0))).toBe('13814000-1dd2-11b2-8080-808080808080');
    expect(uuidToString(maxTimeuuid(0))).toBe('1381670f-1dd2-11b2-7f7f-7f7f7f7f7f7f');
    fc.assert(fc.property(fc.integer({ min: -12_219_292_800_000, max: 2 ** 45 }), (ms) => {
      expect(timeuuidToUnixMs(minTimeuuid(ms))).toBe(ms);
      expect(timeuuidToUnixMs(maxTimeuuid(ms))).toBe(ms);
    }));
  });
});
