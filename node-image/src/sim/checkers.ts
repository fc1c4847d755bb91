// Checkers over a finished (or paused) simulation. Each returns human-readable failures, empty when
// the property holds; the scenario turns them into a failed seed with its log and trace.
import { checkLinearizable, registerModel } from './linearizability.ts';
import { describeOperation } from './history.ts';
import type { History, RegisterOperation } from './history.ts';
import type { PlainWrite } from './register-workload.ts';

/** Operations printed around a violation. */
const VIOLATION_CONTEXT_OPS = 40;

export interface RegisterCheckOptions {
  readonly stepsMax?: number;
  readonly keys?: readonly number[];
}

/** Every key's history must be linearizable as a register (reads, writes, compare-and-sets). */
export function checkRegisterLinearizable(history: History, options: RegisterCheckOptions = {}): string[] {
  const failures: string[] = [];
  for (const key of options.keys ?? history.keys()) {
    const ops = history.operations(key);
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

/**
 * After the faults heal, each key's read at QUORUM returns a write at least as new (by client
 * timestamp) as every write acknowledged at a quorum-or-stronger level, and never a value no write
 * wrote or a write that certainly failed.
 */
export function checkAcknowledgedWritesVisible(options: {
  readonly writes: ReadonlyMap<number, PlainWrite>;
  /** key -> value read (null: no row); keys absent were not read successfully. */
  readonly finalReads: ReadonlyMap<number, number | null>;
  /** Consistency levels whose acknowledgement promises visibility to a QUORUM read. */
  readonly strongLevels: ReadonlySet<number>;
}): string[] {
  const failures: string[] = [];
  const newestAcked = new Map<number, PlainWrite>();
  for (const w of options.writes.values()) {
    if (w.outcome !== 'acknowledged' || !options.strongLevels.has(w.consistency)) continue;
    if (w.timestampMicros === null) {
      failures.push(`write ${w.value} has no client timestamp: the visibility check needs client timestamps`);
      continue;
    }
    const best = newestAcked.get(w.key);
    if (best === undefined || w.timestampMicros > best.timestampMicros!) newestAcked.set(w.key, w);
  }
  for (const [key, value] of options.finalReads) {
    const newest = newestAcked.get(key);
    if (value === null) {
      if (newest !== undefined) failures.push(`key ${key}: read finds no row, but write ${newest.value} (ts ${newest.timestampMicros}) was acknowledged`);
      continue;
    }
    const seen = options.writes.get(value);
    if (seen === undefined || seen.key !== key) {
      failures.push(`key ${key}: read returns ${value}, which no write to this key wrote`);
      continue;
    }
    if (seen.outcome === 'failed') failures.push(`key ${key}: read returns ${value}, a write that was refused (${seen.outcome})`);
    if (newest !== undefined && (seen.timestampMicros ?? -Infinity) < newest.timestampMicros!) {
      failures.push(`key ${key}: read returns write ${value} (ts ${seen.timestampMicros}), older than acknowledged write ${newest.value} (ts ${newest.timestampMicros})`);
    }
  }
  return failures;
}

/** A replica's copy of a register: value and write timestamp (null: no live row). */
export interface ReplicaCell {
  readonly value: number | null;
  readonly timestampMicros: number | null;
}

/** Every replica holds the same value and timestamp for every key. */
export function checkReplicasConverged(replicas: ReadonlyMap<string, ReadonlyMap<number, ReplicaCell>>, keys: readonly number[]): string[] {
  const failures: string[] = [];
  for (const key of keys) {
    const seen = new Map<string, string[]>();
    for (const [replica, cells] of replicas) {
      const cell = cells.get(key);
      const text = cell === undefined || cell.value === null ? 'absent' : `${cell.value}@${cell.timestampMicros}`;
      const list = seen.get(text) ?? [];
      list.push(replica);
      seen.set(text, list);
    }
    if (seen.size > 1) failures.push(`key ${key}: replicas differ: ${[...seen].map(([v, r]) => `${r.join(',')}=${v}`).join('; ')}`);
  }
  return failures;
}
