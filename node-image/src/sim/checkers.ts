// Checkers over a finished (or paused) simulation. Each returns human-readable failures, empty when
// the property holds; the scenario turns them into a failed seed with its log and trace.
import { checkLinearizable, registerModel } from './linearizability.ts';
import { describeOperation } from './history.ts';
import type { History, RegisterOperation } from './history.ts';

/** Operations printed around a violation. */
const VIOLATION_CONTEXT_OPS = 40;

export interface RegisterCheckOptions {
  readonly stepsMax?: number;
  readonly keys?: readonly number[];
  /**
   * Leave out observations (reads, failed compare-and-sets) of values written by operations whose
   * outcome is unknown. Used only while a known issue lets a node expose a write before it is
   * durable (see docs/design/simulator.md, "Known issues"); acknowledged writes are still checked.
   */
  readonly ignoreObservationsOfUnacknowledgedWrites?: boolean;
  /** Counts the observations left out. */
  readonly onIgnored?: (count: number) => void;
}

/** Every key's history must be linearizable as a register (reads, writes, compare-and-sets). */
export function checkRegisterLinearizable(history: History, options: RegisterCheckOptions = {}): string[] {
  const failures: string[] = [];
  for (const key of options.keys ?? history.keys()) {
    let ops = history.operations(key);
    if (options.ignoreObservationsOfUnacknowledgedWrites === true) {
      const kept = withoutObservationsOfUnacknowledgedWrites(ops);
      options.onIgnored?.(ops.length - kept.length);
      ops = kept;
    }
    const result = checkLinearizable(ops, registerModel, options.stepsMax === undefined ? {} : { stepsMax: options.stepsMax });
    if (result.kind === 'ok') continue;
    if (result.kind === 'unknown') {
      failures.push(`key ${key}: linearizability undecided: ${result.reason}`);
      continue;
    }
    failures.push(`key ${key}: history of ${ops.length} operations is not linearizable\n${explain(ops, result.longestPrefix)}`);
  }
  return failures;
}

/** The history minus reads and failed compare-and-sets that saw a value of an unacknowledged write. */
export function withoutObservationsOfUnacknowledgedWrites(ops: readonly RegisterOperation[]): RegisterOperation[] {
  const unacknowledged = new Set<number>();
  for (const op of ops) if (op.output === undefined && op.input.kind !== 'read') unacknowledged.add(op.input.value);
  if (unacknowledged.size === 0) return [...ops];
  return ops.filter((op) => {
    const o = op.output;
    if (o === undefined) return true;
    if (o.kind === 'read') return o.value === null || !unacknowledged.has(o.value);
    if (o.kind === 'cas' && !o.applied && o.current !== undefined && o.current !== null) return !unacknowledged.has(o.current);
    return true;
  });
}

function explain(ops: readonly RegisterOperation[], longestPrefix: readonly number[]): string {
  // The search got furthest with `longestPrefix` linearized; the trouble is right after it.
  const placed = new Set(longestPrefix);
  const sorted = [...ops].sort((a, b) => a.callOrder - b.callOrder);
  const firstUnplaced = sorted.findIndex((op) => !placed.has(op.id));
  const from = Math.max(0, firstUnplaced - VIOLATION_CONTEXT_OPS / 2);
  const lines = sorted.slice(from, from + VIOLATION_CONTEXT_OPS).map((op) => `${placed.has(op.id) ? '   ' : ' ? '}#${op.id} ${describeOperation(op)}`);
  const lastPlaced = longestPrefix.at(-1);
  return [
    `  furthest linearization: ${longestPrefix.length} of ${ops.length} operations, ending with #${lastPlaced ?? '-'} (state after it: ${stateAfter(ops, longestPrefix)});`,
    '  operations marked ? could not be placed after it (call order, virtual ms):',
    ...lines,
  ].join('\n');
}

function stateAfter(ops: readonly RegisterOperation[], order: readonly number[]): string {
  const byId = new Map(ops.map((op) => [op.id, op]));
  let state = registerModel.init;
  for (const id of order) state = registerModel.step(state, byId.get(id)!.input, byId.get(id)!.output) ?? state;
  return registerModel.key(state);
}
