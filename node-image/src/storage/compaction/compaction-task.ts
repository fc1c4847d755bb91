// What the compaction planner reads (SSTable metadata) and writes (tasks): plain data, so the
// planner is a pure function and its decisions can be tested as tables and properties.

export interface SSTableInfo {
  readonly generation: number;
  /** On-disk Data bytes (compressed): what size tiers and level sizes compare. */
  readonly sizeBytes: number;
  readonly level: number;
  readonly minToken: bigint;
  readonly maxToken: bigint;
  readonly minTimestampMicros: number;
  readonly maxTimestampMicros: number;
  /** NO_DELETION_TIME when anything in it never expires. */
  readonly maxLocalDeletionTimeSeconds: number;
  /** Droppable tombstones / cells at the plan's gcBefore (0..1). */
  readonly droppableTombstoneRatio: number;
  readonly createdAtSeconds: number;
  readonly partitionCount: number;
  /** Reads per partition key since open (STCS prefers hot buckets). */
  readonly hotness: number;
  /** Already an input of a running compaction. */
  readonly compacting: boolean;
}

export type CompactionTaskKind =
  /** Merge the inputs into new SSTables (background strategies, major, tombstone, scrub). */
  | 'compact'
  /** Delete whole SSTables whose data is all expired past gc_grace and shadows nothing (TWCS). */
  | 'drop';

export interface CompactionTask {
  readonly kind: CompactionTaskKind;
  /** Why, for logs and compactionstats: e.g. "size-tiered bucket of 4", "L1 -> L2". */
  readonly reason: string;
  readonly inputs: readonly number[];
  /** LCS level of the outputs (0 for the other strategies). */
  readonly outputLevel: number;
  /** Start a new output SSTable once one reaches this many bytes (Infinity: one output). */
  readonly maxOutputBytes: number;
}

/** Planner state that survives between plans of one table (LCS round robin and starvation). */
export interface PlannerState {
  /** Per level: the max token of the last SSTable compacted out of it (round robin start). */
  readonly lastCompactedToken: ReadonlyArray<bigint | null>;
  /** Wall second of the last TWCS fully-expired check. */
  readonly lastExpiredCheckSeconds: number;
}

export const INITIAL_PLANNER_STATE: PlannerState = { lastCompactedToken: [], lastExpiredCheckSeconds: -Infinity };

export interface PlannerInput {
  readonly sstables: readonly SSTableInfo[];
  readonly nowSeconds: number;
  /** nowSeconds - gc_grace_seconds: tombstones older than this may be purged. */
  readonly gcBeforeSeconds: number;
  /** Smallest timestamp in the table's memtables (Infinity when empty). */
  readonly memtableMinTimestampMicros: number;
  /** How many tasks may start now (free compactor slots). */
  readonly tasksMax: number;
}

export interface Plan {
  readonly state: PlannerState;
  readonly tasks: readonly CompactionTask[];
  /** Estimate of the compactions still to run (nodetool compactionstats "pending tasks"). */
  readonly pendingEstimate: number;
}

export function overlaps(a: { minToken: bigint; maxToken: bigint }, b: { minToken: bigint; maxToken: bigint }): boolean {
  return a.minToken <= b.maxToken && b.minToken <= a.maxToken;
}

export function totalBytes(sstables: readonly SSTableInfo[]): number {
  let n = 0;
  for (const s of sstables) n += s.sizeBytes;
  return n;
}
