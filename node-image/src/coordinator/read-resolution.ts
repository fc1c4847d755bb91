// Resolving replicas' answers to one read (pure): merging their versions with storage's reconcile
// rules, short-read protection (a replica that hit a limit only vouches for data up to its last
// row, so the merged result is cut there and the caller continues from the cut), the per-replica
// repair updates of read repair (what each replica lacks of the merged result), and the
// accumulation of results under the command's limits, counted as storage counts them (live rows;
// a partition with only a live static row counts one when the static row is asked for).
import { assert } from '../lib/index.ts';
import { isRowLive, mergeReadPartitions } from '../storage/index.ts';
import type {
  Cell, Clustering, ComplexDeletion, DataLimits, DeletionTime, PartitionUpdate, RangeTombstone, ReadCommand, ReadPartition,
  ReadResult, Row, TableLayout,
} from '../storage/index.ts';

/** Where a truncated replica stopped: inside `key` after `afterClustering`, or after the whole partition. */
export interface ReadCut {
  readonly token: bigint;
  readonly key: Buffer;
  /** Last row the replica returned (query order); null: the partition itself was complete. */
  readonly afterClustering: Clustering | null;
}

export function comparePartitionPositions(a: { token: bigint; key: Buffer }, b: { token: bigint; key: Buffer }): number {
  if (a.token !== b.token) return a.token < b.token ? -1 : 1;
  return Buffer.compare(a.key, b.key);
}

/** Live rows of a partition as storage counts them against limits. */
export function liveRowCount(partition: ReadPartition, nowSeconds: number, countStatic: boolean): number {
  let n = 0;
  for (const r of partition.rows) if (isRowLive(r, nowSeconds)) n++;
  if (n === 0 && countStatic && partition.staticRow !== null && isRowLive(partition.staticRow, nowSeconds)) n = 1;
  return n;
}

/** Compares clusterings in query order. */
function queryOrder(layout: TableLayout, reversed: boolean): (a: Clustering, b: Clustering) => number {
  const compare = layout.compareClusterings;
  return reversed ? (a, b) => compare(b, a) : compare;
}

function isSingle(command: ReadCommand): boolean {
  return command.partitions.kind === 'single';
}

/**
 * Where one replica's answer stops vouching for the data, or null when it returned everything the
 * command selects (it did not reach a limit).
 */
export function truncationOf(command: ReadCommand, result: ReadResult): ReadCut | null {
  const { limits, nowSeconds } = command;
  const parts = result.partitions;
  if (parts.length === 0) return null;
  if (isSingle(command)) {
    const p = parts[0]!;
    const limit = Math.min(limits.rows, limits.perPartitionRows);
    if (!Number.isFinite(limit)) return null;
    let live = 0;
    for (const r of p.rows) if (isRowLive(r, nowSeconds)) live++;
    if (live < limit) return null;
    return { token: p.token, key: p.key, afterClustering: p.rows[p.rows.length - 1]!.clustering };
  }
  let rows = 0;
  let partitions = 0;
  for (const p of parts) {
    const live = liveRowCount(p, nowSeconds, command.includeStaticRow);
    if (live > 0) {
      rows += live;
      partitions++;
    }
  }
  const last = parts[parts.length - 1]!;
  if (rows >= limits.rows) {
    const lastRow = last.rows[last.rows.length - 1];
    return { token: last.token, key: last.key, afterClustering: lastRow === undefined ? null : lastRow.clustering };
  }
  if (partitions >= limits.partitions) return { token: last.token, key: last.key, afterClustering: null };
  return null;
}

/** The earliest of two cuts (ring order, then query order inside a partition; a whole partition is last). */
export function earlierCut(layout: TableLayout, reversed: boolean, a: ReadCut | null, b: ReadCut | null): ReadCut | null {
  if (a === null) return b;
  if (b === null) return a;
  const c = comparePartitionPositions(a, b);
  if (c !== 0) return c < 0 ? a : b;
  if (a.afterClustering === null) return b;
  if (b.afterClustering === null) return a;
  return queryOrder(layout, reversed)(a.afterClustering, b.afterClustering) <= 0 ? a : b;
}

/** One partition merged from the versions of the replicas that returned it (index = replica). */
export interface MergedPartition {
  readonly merged: ReadPartition;
  /** versions[i]: replica i's version, or null when replica i returned nothing for the key. */
  readonly versions: ReadonlyArray<ReadPartition | null>;
}

/**
 * Merges replicas' results into ring-ordered partitions, cut at `cut` (data after it is dropped:
 * a truncated replica cannot vouch for it). Partitions merging to nothing are omitted.
 */
export function mergeResults(layout: TableLayout, command: ReadCommand, results: readonly ReadResult[], cut: ReadCut | null): MergedPartition[] {
  const reversed = command.clustering.reversed;
  const byKey = new Map<string, { token: bigint; key: Buffer; versions: Array<ReadPartition | null> }>();
  results.forEach((result, replica) => {
    for (const p of result.partitions) {
      const id = `${p.token}:${p.key.toString('hex')}`;
      let entry = byKey.get(id);
      if (entry === undefined) {
        entry = { token: p.token, key: p.key, versions: new Array<ReadPartition | null>(results.length).fill(null) };
        byKey.set(id, entry);
      }
      entry.versions[replica] = p;
    }
  });
  const entries = [...byKey.values()].sort(comparePartitionPositions);
  const out: MergedPartition[] = [];
  const order = queryOrder(layout, reversed);
  for (const e of entries) {
    if (cut !== null) {
      const c = comparePartitionPositions(e, cut);
      if (c > 0) break;
    }
    const present = e.versions.filter((v): v is ReadPartition => v !== null);
    let merged = mergeReadPartitions(layout, present, { reversed, nowSeconds: command.nowSeconds });
    if (merged === null) continue;
    if (cut !== null && cut.afterClustering !== null && comparePartitionPositions(e, cut) === 0) {
      const after = cut.afterClustering;
      const rows = merged.rows.filter((r) => order(r.clustering, after) <= 0);
      if (rows.length !== merged.rows.length) merged = { ...merged, rows };
    }
    out.push({ merged, versions: e.versions });
  }
  return out;
}

/**
 * Per-partition short reads: a replica that returned `perPartitionRows` live rows of a partition
 * vouches for it only up to its last row. Returns the cut inside `entry` (query order), or null.
 */
export function partitionCut(layout: TableLayout, command: ReadCommand, entry: MergedPartition): Clustering | null {
  const limit = isSingle(command) ? Math.min(command.limits.rows, command.limits.perPartitionRows) : command.limits.perPartitionRows;
  if (!Number.isFinite(limit)) return null;
  const order = queryOrder(layout, command.clustering.reversed);
  let cut: Clustering | null = null;
  for (const v of entry.versions) {
    if (v === null || v.rows.length === 0) continue;
    let live = 0;
    for (const r of v.rows) if (isRowLive(r, command.nowSeconds)) live++;
    if (live < limit) continue;
    const last = v.rows[v.rows.length - 1]!.clustering;
    if (cut === null || order(last, cut) < 0) cut = last;
  }
  return cut;
}

/** `partition` without rows after `after` (query order). */
export function cutRows(layout: TableLayout, reversed: boolean, partition: ReadPartition, after: Clustering): ReadPartition {
  const order = queryOrder(layout, reversed);
  const rows = partition.rows.filter((r) => order(r.clustering, after) <= 0);
  return rows.length === partition.rows.length ? partition : { ...partition, rows };
}

// ---- read repair ---------------------------------------------------------------------------------

function cellsEqual(a: Cell, b: Cell): boolean {
  return a.timestampMicros === b.timestampMicros && a.tombstone === b.tombstone && a.ttlSeconds === b.ttlSeconds
    && a.localDeletionTimeSeconds === b.localDeletionTimeSeconds && a.value.equals(b.value);
}

function deletionEqual(a: DeletionTime | null, b: DeletionTime | null): boolean {
  if (a === null || b === null) return a === b;
  return a.markedForDeleteAtMicros === b.markedForDeleteAtMicros && a.localDeletionTimeSeconds === b.localDeletionTimeSeconds;
}

function cellKey(c: Cell): string {
  return c.path === null ? c.column : `${c.column}\u0000${c.path.toString('hex')}`;
}

/** What `have` lacks of `want` (same clustering), or null when it lacks nothing. */
export function rowDiff(want: Row, have: Row | null): Row | null {
  if (have === null) return want;
  const liveness = want.liveness !== null && (have.liveness === null || have.liveness.timestampMicros !== want.liveness.timestampMicros
    || have.liveness.localExpirationTimeSeconds !== want.liveness.localExpirationTimeSeconds || have.liveness.ttlSeconds !== want.liveness.ttlSeconds)
    ? want.liveness : null;
  const deletion = want.deletion !== null && !deletionEqual(want.deletion, have.deletion) ? want.deletion : null;
  const haveCells = new Map<string, Cell>();
  for (const c of have.cells) haveCells.set(cellKey(c), c);
  const cells: Cell[] = [];
  for (const c of want.cells) {
    const h = haveCells.get(cellKey(c));
    if (h === undefined || !cellsEqual(c, h)) cells.push(c);
  }
  const complexDeletions: ComplexDeletion[] = [];
  for (const cd of want.complexDeletions) {
    const h = have.complexDeletions.find((x) => x.column === cd.column);
    if (h === undefined || !deletionEqual(h.deletion, cd.deletion)) complexDeletions.push(cd);
  }
  if (liveness === null && deletion === null && cells.length === 0 && complexDeletions.length === 0) return null;
  return { clustering: want.clustering, liveness, deletion, cells, complexDeletions };
}

function rangeTombstonesEqual(a: RangeTombstone, b: RangeTombstone): boolean {
  const boundEqual = (x: RangeTombstone['start'], y: RangeTombstone['start']): boolean =>
    x.inclusive === y.inclusive && x.values.length === y.values.length && x.values.every((v, i) => v.equals(y.values[i]!));
  return boundEqual(a.start, b.start) && boundEqual(a.end, b.end) && deletionEqual(a.deletion, b.deletion);
}

/**
 * The update that brings a replica's version up to the merged partition (rows in clustering
 * order, as mutations want them), or null when it already has everything.
 */
export function repairUpdate(options: {
  readonly layout: TableLayout;
  readonly reversed: boolean;
  readonly merged: ReadPartition;
  readonly version: ReadPartition | null;
}): PartitionUpdate | null {
  const { layout, merged, version } = options;
  const partitionDeletion = merged.partitionDeletion !== null && !deletionEqual(merged.partitionDeletion, version?.partitionDeletion ?? null)
    ? merged.partitionDeletion : null;
  const staticRow = merged.staticRow === null ? null : rowDiff(merged.staticRow, version?.staticRow ?? null);
  const haveRows = new Map<string, Row>();
  for (const r of version?.rows ?? []) haveRows.set(clusteringKey(r.clustering), r);
  const rows: Row[] = [];
  for (const r of merged.rows) {
    const d = rowDiff(r, haveRows.get(clusteringKey(r.clustering)) ?? null);
    if (d !== null) rows.push(d);
  }
  if (options.reversed) rows.reverse();
  const rangeTombstones = merged.rangeTombstones.filter((rt) => !(version?.rangeTombstones ?? []).some((h) => rangeTombstonesEqual(rt, h)));
  if (partitionDeletion === null && staticRow === null && rows.length === 0 && rangeTombstones.length === 0) return null;
  for (let i = 1; i < rows.length; i++) assert(layout.compareClusterings(rows[i - 1]!.clustering, rows[i]!.clustering) < 0, 'repair rows in clustering order');
  return { tableId: layout.tableId, key: merged.key, token: merged.token, partitionDeletion, staticRow, rows, rangeTombstones };
}

function clusteringKey(c: Clustering): string {
  let s = '';
  for (const v of c) s += `${v.length}:${v.toString('hex')};`;
  return s;
}

// ---- accumulating under limits -------------------------------------------------------------------

/**
 * Collects result partitions in ring order under the command's limits, counted as storage counts
 * them. A partition arriving with the key of the last one (a read resumed inside it) is appended to
 * it. `full` tells when nothing more may be added.
 */
export class ResultAccumulator {
  readonly partitions: ReadPartition[] = [];
  private readonly limits: DataLimits;
  private readonly nowSeconds: number;
  private readonly countStatic: boolean;
  private rows = 0;
  private livePartitions = 0;
  /** Live rows (storage counting) of the last partition. */
  private lastLive = 0;

  constructor(command: ReadCommand) {
    this.limits = command.limits;
    this.nowSeconds = command.nowSeconds;
    this.countStatic = command.includeStaticRow;
  }

  get full(): boolean {
    return this.rows >= this.limits.rows || this.livePartitions >= this.limits.partitions;
  }

  get liveRows(): number {
    return this.rows;
  }

  get partitionCount(): number {
    return this.livePartitions;
  }

  /** Live rows of the last partition so far. */
  get lastPartitionLiveRows(): number {
    return this.lastLive;
  }

  /** Adds a partition (or the continuation of the last one); returns false when the limits are reached. */
  add(partition: ReadPartition): boolean {
    const last = this.partitions[this.partitions.length - 1];
    const continuing = last !== undefined && last.token === partition.token && last.key.equals(partition.key);
    let liveBefore = continuing ? this.lastLive : 0;
    const perPartition = this.limits.perPartitionRows;
    const rows: Row[] = continuing ? [...last.rows] : [];
    let added = 0;
    for (const r of partition.rows) {
      if (this.rows + added >= this.limits.rows || liveBefore + added >= perPartition) break;
      rows.push(r);
      if (isRowLive(r, this.nowSeconds)) added++;
    }
    let live = liveBefore + added;
    if (!continuing && live === 0 && this.countStatic && partition.staticRow !== null && isRowLive(partition.staticRow, this.nowSeconds)
      && this.rows < this.limits.rows) {
      live = 1;
      added = 1;
    }
    if (continuing) {
      this.partitions[this.partitions.length - 1] = { ...last, rows };
      if (liveBefore === 0 && added > 0) this.livePartitions++;
    } else {
      if (this.livePartitions >= this.limits.partitions) return false;
      this.partitions.push(rows.length === partition.rows.length ? partition : { ...partition, rows });
      if (added > 0) this.livePartitions++;
    }
    liveBefore = live;
    this.lastLive = liveBefore;
    this.rows += added;
    return !this.full;
  }

  result(): ReadResult {
    return { partitions: this.partitions };
  }
}
