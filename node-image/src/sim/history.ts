// The record of a workload: every client operation with its invocation and response positions in
// one global order (the real-time order the linearizability checker needs), per key. Operations
// that certainly had no effect (refused, unavailable) are not recorded; operations whose outcome
// the client never learned are recorded as indeterminate.
import { assert } from '../lib/index.ts';
import type { Operation, RegisterInput, RegisterOutput } from './linearizability.ts';
import type { TraceHash } from './trace-hash.ts';

/** Bound on recorded operations per run (the checker's cost grows with it). */
export const HISTORY_OPERATIONS_MAX = 100_000;

export type RegisterOperation = Operation<RegisterInput, RegisterOutput> & {
  readonly key: number;
  readonly client: string;
  readonly node: string;
  readonly consistency: string;
  readonly startMs: number;
  readonly endMs: number;
};

interface Pending {
  readonly id: number;
  readonly key: number;
  readonly input: RegisterInput;
  readonly callOrder: number;
  readonly client: string;
  readonly node: string;
  readonly consistency: string;
  readonly startMs: number;
}

export class History {
  private order = 0;
  private nextId = 1;
  private readonly byKey = new Map<number, RegisterOperation[]>();
  private readonly trace: TraceHash;
  private readonly now: () => number;
  private count = 0;

  constructor(options: { trace: TraceHash; now: () => number }) {
    this.trace = options.trace;
    this.now = options.now;
  }

  invoke(options: { key: number; input: RegisterInput; client: string; node: string; consistency: string }): Pending {
    assert(this.count < HISTORY_OPERATIONS_MAX, `sim: more than ${HISTORY_OPERATIONS_MAX} operations in one history`);
    this.count++;
    return { ...options, id: this.nextId++, callOrder: this.order++, startMs: this.now() };
  }

  /** The operation completed with `output`. */
  complete(pending: Pending, output: RegisterOutput): void {
    this.add(pending, output, this.order++);
  }

  /** The client never learned whether the operation happened. */
  indeterminate(pending: Pending): void {
    if (pending.input.kind === 'read') return;
    this.add(pending, undefined, Infinity);
  }

  /** The operation certainly had no effect: nothing is recorded. */
  failed(pending: Pending): void {
    this.trace.addString(`fail ${pending.id}`);
  }

  keys(): number[] {
    return [...this.byKey.keys()].sort((a, b) => a - b);
  }

  operations(key: number): readonly RegisterOperation[] {
    return this.byKey.get(key) ?? [];
  }

  size(): number {
    let n = 0;
    for (const ops of this.byKey.values()) n += ops.length;
    return n;
  }

  private add(pending: Pending, output: RegisterOutput | undefined, returnOrder: number): void {
    const op: RegisterOperation = {
      id: pending.id, key: pending.key, input: pending.input, output, callOrder: pending.callOrder, returnOrder,
      client: pending.client, node: pending.node, consistency: pending.consistency, startMs: pending.startMs, endMs: output === undefined ? Infinity : this.now(),
    };
    this.trace.addString(`op ${op.id} ${describeOperation(op)}`);
    let list = this.byKey.get(pending.key);
    if (list === undefined) {
      list = [];
      this.byKey.set(pending.key, list);
    }
    list.push(op);
  }
}

export function describeOperation(op: RegisterOperation): string {
  const i = op.input;
  const input = i.kind === 'read' ? 'read' : i.kind === 'write' ? `write(${i.value})` : `cas(${i.expected}->${i.value})`;
  const o = op.output;
  const output = o === undefined ? '?' : o.kind === 'read' ? String(o.value) : o.kind === 'write' ? 'ok' : o.applied ? 'applied' : `not-applied${o.current === undefined ? '' : `(${o.current})`}`;
  const end = Number.isFinite(op.endMs) ? op.endMs.toFixed(3) : '...';
  return `k${op.key} ${input} = ${output} [${op.startMs.toFixed(3)}, ${end}] ${op.client}@${op.node} ${op.consistency}`;
}
