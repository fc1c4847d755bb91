import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkRegisterHistory } from './register-linearizability.ts';
import type { RegisterOperation } from './register-linearizability.ts';

const cas = (invokeMs: number, completeMs: number | null, expected: string | null, value: string, applied: boolean | null, observed?: string | null): RegisterOperation =>
  ({ kind: 'cas', invokeMs, completeMs, expected, value, applied, ...(observed === undefined ? {} : { observed }) });
const read = (invokeMs: number, completeMs: number, value: string | null): RegisterOperation => ({ kind: 'read', invokeMs, completeMs, value });

describe('register linearizability checker', () => {
  it('accepts sequential and overlapping histories that have an order', () => {
    expect(checkRegisterHistory([cas(0, 1, null, 'a', true), cas(2, 3, 'a', 'b', true), read(4, 5, 'b')], null).linearizable).toBe(true);
    // Two overlapping IF NOT EXISTS: exactly one wins.
    expect(checkRegisterHistory([cas(0, 10, null, 'a', true), cas(1, 9, null, 'b', false, 'a')], null).linearizable).toBe(true);
    // A read overlapping a write may see either value.
    expect(checkRegisterHistory([cas(0, 10, null, 'a', true), read(1, 2, null), read(3, 4, 'a')], null).linearizable).toBe(true);
  });

  it('rejects known violations', () => {
    // Both IF NOT EXISTS applied.
    expect(checkRegisterHistory([cas(0, 10, null, 'a', true), cas(1, 9, null, 'b', true)], null).linearizable).toBe(false);
    // A stale read after a completed write.
    expect(checkRegisterHistory([cas(0, 1, null, 'a', true), read(2, 3, null)], null).linearizable).toBe(false);
    // Reads going back in time.
    expect(checkRegisterHistory([cas(0, 100, null, 'a', true), read(1, 2, 'a'), read(3, 4, null)], null).linearizable).toBe(false);
    // A failed CAS that claims to have seen a value nobody wrote.
    expect(checkRegisterHistory([cas(0, 1, 'x', 'y', false, 'z')], null).linearizable).toBe(false);
  });

  it('lets an operation with an unknown outcome take effect late or never', () => {
    expect(checkRegisterHistory([cas(0, null, null, 'a', null), read(5, 6, null), read(7, 8, 'a')], null).linearizable).toBe(true);
    expect(checkRegisterHistory([cas(0, null, null, 'a', null), read(5, 6, null)], null).linearizable).toBe(true);
    expect(checkRegisterHistory([cas(0, null, null, 'a', null), read(5, 6, 'a'), read(7, 8, null)], null).linearizable).toBe(false);
  });

  it('agrees with brute force over all orders on small random histories', () => {
    fc.assert(fc.property(fc.array(fc.record({
      invoke: fc.integer({ min: 0, max: 20 }), length: fc.integer({ min: 1, max: 10 }), isRead: fc.boolean(),
      expected: fc.constantFrom(null, 'a', 'b'), value: fc.constantFrom('a', 'b', 'c'), applied: fc.boolean(),
    }), { maxLength: 5 }), (specs) => {
      const ops: RegisterOperation[] = specs.map((s) => (s.isRead
        ? read(s.invoke, s.invoke + s.length, s.expected)
        : cas(s.invoke, s.invoke + s.length, s.expected, s.value, s.applied)));
      const verdict = checkRegisterHistory(ops, null);
      expect(verdict.linearizable).toBe(bruteForce(ops));
    }), { numRuns: 300 });
  });
});

function bruteForce(ops: readonly RegisterOperation[]): boolean {
  const perm = (rest: number[], prefix: number[]): boolean => {
    if (rest.length === 0) {
      // Real-time order: an op that completed before another was invoked comes first.
      for (let i = 0; i < prefix.length; i++) {
        for (let j = i + 1; j < prefix.length; j++) {
          const a = ops[prefix[i]!]!;
          const b = ops[prefix[j]!]!;
          if ((b.completeMs ?? Infinity) < a.invokeMs) return false;
        }
      }
      let state: string | null = null;
      for (const i of prefix) {
        const op = ops[i]!;
        if (op.kind === 'read') {
          if (op.value !== state) return false;
        } else if (op.applied === true) {
          if (state !== op.expected) return false;
          state = op.value;
        } else if (state === op.expected) {
          return false;
        }
      }
      return true;
    }
    return rest.some((x, k) => perm([...rest.slice(0, k), ...rest.slice(k + 1)], [...prefix, x]));
  };
  return perm(ops.map((_, i) => i), []);
}
