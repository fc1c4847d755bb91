import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkLinearizable, registerModel } from './linearizability.ts';
import type { Operation, RegisterInput, RegisterOutput, RegisterValue } from './linearizability.ts';

type Op = Operation<RegisterInput, RegisterOutput>;

/** A tiny history builder: events are numbered in the order they are written. */
class History {
  readonly ops: Op[] = [];
  private order = 0;
  private readonly open = new Map<string, { id: number; input: RegisterInput; callOrder: number }>();

  call(name: string, input: RegisterInput): this {
    this.open.set(name, { id: this.open.size + this.ops.length, input, callOrder: this.order++ });
    return this;
  }

  ret(name: string, output: RegisterOutput | undefined): this {
    const o = this.open.get(name)!;
    this.open.delete(name);
    this.ops.push({ id: o.id, input: o.input, output, callOrder: o.callOrder, returnOrder: output === undefined ? Infinity : this.order++ });
    return this;
  }

  /** Operations still open at the end are indeterminate. */
  done(): Op[] {
    for (const [name] of this.open) this.ret(name, undefined);
    return this.ops;
  }
}

const read = { kind: 'read' } as const;
const write = (value: number): RegisterInput => ({ kind: 'write', value });
const cas = (expected: RegisterValue, value: number): RegisterInput => ({ kind: 'cas', expected, value });
const got = (value: RegisterValue): RegisterOutput => ({ kind: 'read', value });
const ok = { kind: 'write' } as const;
const applied = (a: boolean, current?: RegisterValue): RegisterOutput => (current === undefined ? { kind: 'cas', applied: a } : { kind: 'cas', applied: a, current });

const verdict = (ops: Op[]): string => checkLinearizable(ops, registerModel).kind;

describe('checkLinearizable on a register', () => {
  it('accepts sequential histories the register explains', () => {
    const h = new History().call('w', write(1)).ret('w', ok).call('r', read).ret('r', got(1)).call('c', cas(1, 2)).ret('c', applied(true))
      .call('r2', read).ret('r2', got(2)).call('c2', cas(1, 3)).ret('c2', applied(false, 2));
    expect(verdict(h.done())).toBe('ok');
  });

  it('rejects a read of a value older than a completed write (lost write)', () => {
    const h = new History().call('w', write(1)).ret('w', ok).call('r', read).ret('r', got(null));
    expect(verdict(h.done())).toBe('violation');
  });

  it('rejects a stale read after two sequential writes', () => {
    const h = new History().call('w1', write(1)).ret('w1', ok).call('w2', write(2)).ret('w2', ok).call('r', read).ret('r', got(1));
    expect(verdict(h.done())).toBe('violation');
  });

  it('accepts either value for a read concurrent with a write', () => {
    for (const value of [null, 1]) {
      const h = new History().call('w', write(1)).call('r', read).ret('r', got(value)).ret('w', ok);
      expect(verdict(h.done())).toBe('ok');
    }
  });

  it('rejects a new-then-old read inversion during one write', () => {
    // Both reads overlap the write, but the second starts after the first saw the new value.
    const h = new History().call('w', write(1)).call('r1', read).ret('r1', got(1)).call('r2', read).ret('r2', got(null)).ret('w', ok);
    expect(verdict(h.done())).toBe('violation');
  });

  it('lets an indeterminate write take effect later, or never, but not flicker', () => {
    const later = new History().call('w', write(1)).call('r1', read).ret('r1', got(null)).call('r2', read).ret('r2', got(1));
    expect(verdict(later.done())).toBe('ok');
    const never = new History().call('w', write(1)).call('r1', read).ret('r1', got(null));
    expect(verdict(never.done())).toBe('ok');
    const flicker = new History().call('w', write(1)).call('r1', read).ret('r1', got(1)).call('r2', read).ret('r2', got(null));
    expect(verdict(flicker.done())).toBe('violation');
  });

  it('rejects two compare-and-sets that both applied from the same value', () => {
    const h = new History().call('a', cas(null, 1)).call('b', cas(null, 2)).ret('a', applied(true)).ret('b', applied(true));
    expect(verdict(h.done())).toBe('violation');
  });

  it('rejects an applied compare-and-set whose expected value was not current', () => {
    const h = new History().call('w', write(5)).ret('w', ok).call('c', cas(4, 6)).ret('c', applied(true));
    expect(verdict(h.done())).toBe('violation');
  });

  it('rejects a failed compare-and-set that reports a value the register never had then', () => {
    const h = new History().call('w', write(5)).ret('w', ok).call('c', cas(4, 6)).ret('c', applied(false, 7));
    expect(verdict(h.done())).toBe('violation');
    const fine = new History().call('w', write(5)).ret('w', ok).call('c', cas(4, 6)).ret('c', applied(false, 5));
    expect(verdict(fine.done())).toBe('ok');
  });

  it('rejects a failed compare-and-set whose expected value was the only possible one', () => {
    const h = new History().call('w', write(4)).ret('w', ok).call('c', cas(4, 6)).ret('c', applied(false));
    expect(verdict(h.done())).toBe('violation');
  });

  it('handles an indeterminate compare-and-set that did apply', () => {
    const h = new History().call('c', cas(null, 1)).call('r', read).ret('r', got(1)).call('c2', cas(1, 2)).ret('c2', applied(true));
    expect(verdict(h.done())).toBe('ok');
  });

  it('agrees with a brute-force search on small random histories', () => {
    fc.assert(
      fc.property(smallHistory(), (ops) => {
        expect(verdict(ops)).toBe(bruteForce(ops) ? 'ok' : 'violation');
      }),
      { numRuns: 400, seed: 20240601 },
    );
  });

  it('accepts every history produced by a real register with effects inside the call windows', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(3), fc.nat(4), fc.nat(6), fc.nat(6), fc.boolean()), { minLength: 1, maxLength: 40 }), (spec) => {
        expect(verdict(executeOnRegister(spec))).toBe('ok');
      }),
      { numRuns: 200, seed: 7 },
    );
  });

  it('reports unknown rather than searching forever', () => {
    const ops: Op[] = [];
    // Many concurrent writes of distinct values and no information: the search space is wide.
    for (let i = 0; i < 40; i++) ops.push({ id: i, input: write(i), output: ok, callOrder: i, returnOrder: 1000 + i });
    ops.push({ id: 99, input: read, output: got(-1), callOrder: 2000, returnOrder: 2001 });
    expect(checkLinearizable(ops, registerModel, { stepsMax: 1000 }).kind).toBe('unknown');
  });
});

/** Histories of up to 6 overlapping operations with arbitrary (often impossible) outputs. */
function smallHistory(): fc.Arbitrary<Op[]> {
  const input = fc.oneof(
    fc.constant<RegisterInput>(read),
    fc.integer({ min: 1, max: 2 }).map((v) => write(v)),
    fc.tuple(fc.constantFrom<RegisterValue>(null, 1, 2), fc.integer({ min: 1, max: 2 })).map(([e, v]) => cas(e, v)),
  );
  const output = (i: RegisterInput): fc.Arbitrary<RegisterOutput | undefined> => {
    if (i.kind === 'read') return fc.constantFrom<RegisterValue>(null, 1, 2).map((v) => got(v));
    if (i.kind === 'write') return fc.constantFrom<RegisterOutput | undefined>(ok, ok, undefined);
    return fc.constantFrom<RegisterOutput | undefined>(applied(true), applied(false), undefined);
  };
  return fc.array(input.chain((i) => output(i).map((o) => [i, o] as const)), { minLength: 1, maxLength: 6 }).chain((pairs) =>
    fc.array(fc.nat(100), { minLength: pairs.length * 2, maxLength: pairs.length * 2 }).map((times) => {
      return pairs.map(([i, o], k) => {
        const a = times[2 * k]! * 2;
        const b = times[2 * k + 1]! * 2 + 1;
        const call = Math.min(a, b);
        const ret = Math.max(a, b);
        // Reads without an outcome carry no information; keep them determinate.
        return { id: k, input: i, output: o, callOrder: call * 10 + k, returnOrder: o === undefined ? Infinity : ret * 10 + k };
      });
    }),
  );
}

/** Tries every order (and every subset of indeterminate operations). */
function bruteForce(ops: Op[]): boolean {
  const n = ops.length;
  const used = new Array<boolean>(n).fill(false);
  const search = (state: RegisterValue): boolean => {
    if (ops.every((o, i) => used[i] || o.output === undefined)) return true;
    for (let i = 0; i < n; i++) {
      if (used[i]) continue;
      const op = ops[i]!;
      // Real-time order: every unused determinate op must not have returned before op was called.
      if (ops.some((o, j) => !used[j] && j !== i && o.returnOrder < op.callOrder)) continue;
      const next = registerModel.step(state, op.input, op.output);
      if (next === undefined) continue;
      used[i] = true;
      if (search(next)) return true;
      used[i] = false;
    }
    return false;
  };
  return search(null);
}

/** Runs operations on a real register; each takes effect at a point inside its window. */
function executeOnRegister(spec: ReadonlyArray<readonly [number, number, number, number, boolean]>): Op[] {
  interface Pending { id: number; input: RegisterInput; call: number; effect: number; ret: number }
  const pending: Pending[] = [];
  let t = 0;
  spec.forEach(([kind, value, gap, length, lose], id) => {
    t += gap;
    const input: RegisterInput = kind === 0 ? read : kind === 1 ? write(value + 1) : cas(value === 0 ? null : value, value + 10);
    const call = t * 100 + id;
    const ret = (t + length) * 100 + 50 + id;
    const effect = call + 1 + ((value * 37 + id) % Math.max(1, ret - call - 1));
    pending.push({ id, input, call, effect, ret: lose && input.kind !== 'read' ? Infinity : ret });
  });
  let state: RegisterValue = null;
  const outputs = new Map<number, RegisterOutput>();
  for (const p of [...pending].sort((a, b) => a.effect - b.effect)) {
    if (p.input.kind === 'read') outputs.set(p.id, got(state));
    else if (p.input.kind === 'write') {
      state = p.input.value;
      outputs.set(p.id, ok);
    } else if (state === p.input.expected) {
      state = p.input.value;
      outputs.set(p.id, applied(true));
    } else outputs.set(p.id, applied(false, state));
  }
  return pending.map((p) => ({
    id: p.id, input: p.input, output: Number.isFinite(p.ret) ? outputs.get(p.id) : undefined, callOrder: p.call, returnOrder: p.ret,
  }));
}
