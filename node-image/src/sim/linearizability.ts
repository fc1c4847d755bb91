// A linearizability checker in the style of Wing & Gong with Lowe's memoization (the algorithm of
// Knossos and Porcupine): depth-first search for an order of operations that respects real time
// (an operation that returned before another was invoked comes first) and that the sequential
// model accepts. Indeterminate operations (the client never learned the outcome) may take effect
// at any point after their invocation, or never. Histories are checked one key at a time.
import { assert } from '../lib/index.ts';

export interface Operation<I, O> {
  readonly id: number;
  readonly input: I;
  /** Undefined when the outcome is unknown (timeout, connection lost): may or may not have happened. */
  readonly output: O | undefined;
  /** Position of the invocation in the global order of history events. */
  readonly callOrder: number;
  /** Position of the response; Infinity when indeterminate. */
  readonly returnOrder: number;
}

export interface Model<S, I, O> {
  readonly init: S;
  /** The state after applying `input` with observed `output` (undefined: unknown), or undefined if impossible. */
  step(state: S, input: I, output: O | undefined): S | undefined;
  /** A string identifying the state, for memoization. */
  key(state: S): string;
}

export type LinearizabilityResult =
  | { readonly kind: 'ok'; readonly order: readonly number[] }
  | { readonly kind: 'violation'; readonly longestPrefix: readonly number[]; readonly stuckAt: readonly number[] }
  | { readonly kind: 'unknown'; readonly reason: string };

/** Default bound on search steps for one history. */
export const SEARCH_STEPS_MAX_DEFAULT = 2_000_000;

interface Entry {
  readonly op: number;
  readonly isCall: boolean;
  readonly order: number;
  prev: Entry | null;
  next: Entry | null;
  /** For a call entry, its return entry (null for an indeterminate operation). */
  match: Entry | null;
}

export function checkLinearizable<S, I, O>(
  operations: ReadonlyArray<Operation<I, O>>,
  model: Model<S, I, O>,
  options: { stepsMax?: number } = {},
): LinearizabilityResult {
  const stepsMax = options.stepsMax ?? SEARCH_STEPS_MAX_DEFAULT;
  const ops = operations;
  const n = ops.length;
  // Entries in history order; at equal order a call sorts before a return (never happens with
  // unique event orders, but keeps the check conservative).
  const entries: Entry[] = [];
  for (let i = 0; i < n; i++) {
    const op = ops[i]!;
    assert(op.returnOrder > op.callOrder, `operation ${op.id} returns before it is called`);
    const call: Entry = { op: i, isCall: true, order: op.callOrder, prev: null, next: null, match: null };
    entries.push(call);
    if (op.output !== undefined && Number.isFinite(op.returnOrder)) {
      const ret: Entry = { op: i, isCall: false, order: op.returnOrder, prev: null, next: null, match: null };
      call.match = ret;
      entries.push(ret);
    }
  }
  entries.sort((a, b) => a.order - b.order || (a.isCall === b.isCall ? 0 : a.isCall ? -1 : 1));
  const head: Entry = { op: -1, isCall: false, order: -Infinity, prev: null, next: null, match: null };
  let last = head;
  for (const e of entries) {
    last.next = e;
    e.prev = last;
    last = e;
  }
  let remainingReturns = entries.filter((e) => !e.isCall).length;

  const linearizedBits = new Uint32Array(Math.ceil(n / 32) || 1);
  const cache = new Set<string>();
  const stack: Array<{ entry: Entry; state: S }> = [];
  let state = model.init;
  let entry: Entry | null = head.next;
  let longest: number[] = [];
  let steps = 0;

  const lift = (e: Entry): void => {
    e.prev!.next = e.next;
    if (e.next !== null) e.next.prev = e.prev;
    const m = e.match;
    if (m !== null) {
      m.prev!.next = m.next;
      if (m.next !== null) m.next.prev = m.prev;
    }
  };
  const unlift = (e: Entry): void => {
    const m = e.match;
    if (m !== null) {
      m.prev!.next = m;
      if (m.next !== null) m.next.prev = m;
    }
    e.prev!.next = e;
    if (e.next !== null) e.next.prev = e;
  };

  while (remainingReturns > 0) {
    if (++steps > stepsMax) return { kind: 'unknown', reason: `search exceeded ${stepsMax} steps (${n} operations)` };
    if (entry !== null && entry.isCall) {
      const op = ops[entry.op]!;
      const next = model.step(state, op.input, op.output);
      if (next !== undefined) {
        const word = entry.op >>> 5;
        const bit = 1 << (entry.op & 31);
        linearizedBits[word] = linearizedBits[word]! | bit;
        const key = `${bitsKey(linearizedBits)}|${model.key(next)}`;
        if (!cache.has(key)) {
          cache.add(key);
          stack.push({ entry, state });
          if (entry.match !== null) remainingReturns--;
          state = next;
          lift(entry);
          if (stack.length > longest.length) longest = stack.map((s) => ops[s.entry.op]!.id);
          entry = head.next;
          continue;
        }
        linearizedBits[word] = linearizedBits[word]! & ~bit;
      }
      entry = entry.next;
      continue;
    }
    // A return entry of an operation not yet linearized (or the end of the list): backtrack.
    const top = stack.pop();
    if (top === undefined) {
      const stuck: number[] = [];
      for (let e = head.next; e !== null && stuck.length < 8; e = e.next) if (e.isCall) stuck.push(ops[e.op]!.id);
      return { kind: 'violation', longestPrefix: longest, stuckAt: stuck };
    }
    const e = top.entry;
    unlift(e);
    linearizedBits[e.op >>> 5] = linearizedBits[e.op >>> 5]! & ~(1 << (e.op & 31));
    if (e.match !== null) remainingReturns++;
    state = top.state;
    entry = e.next;
  }
  return { kind: 'ok', order: stack.map((s) => ops[s.entry.op]!.id) };
}

function bitsKey(bits: Uint32Array): string {
  let s = '';
  for (let i = 0; i < bits.length; i++) s += bits[i]!.toString(36) + ',';
  return s;
}

// ---- a register per partition -----------------------------------------------------------------

/** The value of a register; null when the row does not exist. */
export type RegisterValue = number | null;

export type RegisterInput =
  | { readonly kind: 'read' }
  | { readonly kind: 'write'; readonly value: number }
  /** Compare-and-set; `expected` null is INSERT ... IF NOT EXISTS. */
  | { readonly kind: 'cas'; readonly expected: RegisterValue; readonly value: number };

export type RegisterOutput =
  | { readonly kind: 'read'; readonly value: RegisterValue }
  | { readonly kind: 'write' }
  /** `current` is the value the server reported when not applied (undefined when it reported none). */
  | { readonly kind: 'cas'; readonly applied: boolean; readonly current?: RegisterValue };

export const registerModel: Model<RegisterValue, RegisterInput, RegisterOutput> = {
  init: null,
  step(state, input, output) {
    switch (input.kind) {
      case 'read':
        if (output === undefined) return state;
        return output.kind === 'read' && output.value === state ? state : undefined;
      case 'write':
        return input.value;
      case 'cas': {
        const matches = state === input.expected;
        if (output === undefined) return matches ? input.value : undefined;
        if (output.kind !== 'cas') return undefined;
        if (output.applied) return matches ? input.value : undefined;
        if (matches) return undefined;
        if (output.current !== undefined && output.current !== state) return undefined;
        return state;
      }
      default:
        return assertNeverInput(input);
    }
  },
  key(state) {
    return state === null ? 'null' : String(state);
  },
};

function assertNeverInput(input: never): never {
  throw new Error(`unknown register input ${JSON.stringify(input)}`);
}
