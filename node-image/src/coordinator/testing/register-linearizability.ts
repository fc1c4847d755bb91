// Test and simulator support: a linearizability checker for one register under compare-and-set,
// in the style of Wing & Gong / Lowe's WGL search: depth-first over the operations that may take
// effect next (invoked before the earliest completion among the pending ones), memoizing
// (set of linearized operations, register value). Operations with an unknown outcome (timed out)
// may take effect at any point after their invocation, or never. Bounded by OPERATIONS_MAX and a
// search-step budget (the answer is then 'unknown').

export const OPERATIONS_MAX = 200;
export const SEARCH_STEPS_MAX = 2_000_000;

export type RegisterOperation =
  /** Compare-and-set: applied when the value equals `expected` (null: absent, IF NOT EXISTS). */
  | {
      readonly kind: 'cas';
      readonly invokeMs: number;
      /** null: unknown outcome (timeout), the operation may or may not have happened. */
      readonly completeMs: number | null;
      readonly expected: string | null;
      readonly value: string;
      /** null when unknown. */
      readonly applied: boolean | null;
      /** For a CAS that did not apply: the value it saw. */
      readonly observed?: string | null;
    }
  /** A linearizable read (SERIAL) that returned `value`. */
  | { readonly kind: 'read'; readonly invokeMs: number; readonly completeMs: number; readonly value: string | null };

export type LinearizabilityVerdict =
  | { readonly linearizable: true; readonly order: readonly number[] }
  | { readonly linearizable: false; readonly reason: string }
  | { readonly linearizable: 'unknown'; readonly reason: string };

export function checkRegisterHistory(operations: readonly RegisterOperation[], initial: string | null): LinearizabilityVerdict {
  if (operations.length > OPERATIONS_MAX) return { linearizable: 'unknown', reason: `more than ${OPERATIONS_MAX} operations` };
  const n = operations.length;
  const complete = operations.map((o) => o.completeMs ?? Infinity);
  const mustLinearize = operations.map((o) => o.completeMs !== null);
  const required = mustLinearize.filter(Boolean).length;
  const memo = new Set<string>();
  const order: number[] = [];
  let steps = 0;
  const done = new Array<boolean>(n).fill(false);

  const search = (state: string | null, linearizedRequired: number): boolean | 'budget' => {
    if (linearizedRequired === required) return true;
    if (++steps > SEARCH_STEPS_MAX) return 'budget';
    let key = '';
    for (let i = 0; i < n; i++) key += done[i] ? '1' : '0';
    key += `|${state ?? '\u0000'}`;
    if (memo.has(key)) return false;
    memo.add(key);
    let horizon = Infinity;
    for (let i = 0; i < n; i++) if (!done[i] && complete[i]! < horizon) horizon = complete[i]!;
    for (let i = 0; i < n; i++) {
      if (done[i]) continue;
      const op = operations[i]!;
      if (op.invokeMs > horizon) continue;
      const next = apply(op, state);
      if (next === INVALID) continue;
      done[i] = true;
      order.push(i);
      const r = search(next, linearizedRequired + (mustLinearize[i] ? 1 : 0));
      if (r !== false) return r;
      order.pop();
      done[i] = false;
    }
    return false;
  };
  const result = search(initial, 0);
  if (result === 'budget') return { linearizable: 'unknown', reason: `search exceeded ${SEARCH_STEPS_MAX} steps` };
  if (result) return { linearizable: true, order: [...order] };
  return { linearizable: false, reason: `no linearization of ${n} operations (${memo.size} states explored)` };
}

const INVALID = Symbol('invalid');

/** The register after `op` takes effect on `state`, or INVALID when `op` cannot have seen `state`. */
function apply(op: RegisterOperation, state: string | null): string | null | typeof INVALID {
  if (op.kind === 'read') return op.value === state ? state : INVALID;
  const matches = state === op.expected;
  if (op.applied === true) return matches ? op.value : INVALID;
  if (op.applied === false) {
    if (matches) return INVALID;
    if (op.observed !== undefined && op.observed !== state) return INVALID;
    return state;
  }
  // Unknown: if it takes effect, it applies only when its expectation held.
  return matches ? op.value : INVALID;
}
