// Model-based test: random sequences of writes, deletions, flushes, compactions (background,
// major, garbagecollect) and reopen/replay against a deliberately naive model that keeps every
// version of every atom and decides liveness from first principles at read time. Live views of
// reads must agree: every live cell survives compaction, and nothing a tombstone shadowed comes
// back once the tombstone is purged (tables with gc_grace_seconds 0 purge at every compaction).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { realTimers } from '../../io/real/index.ts';
import { TOKEN_MAX, TOKEN_MIN } from '../../lib/index.ts';
import { NO_DELETION_TIME } from '../model.ts';
import type { Cell, DeletionTime, LivenessInfo, Mutation, ReadCommand, ReadPartition, Row, Slice } from '../model.ts';
import { toLivePartition } from '../read/partition-merger.ts';
import { harness } from '../testing/engine-harness.ts';
import { TABLE_MAIN, int, makeSchema, mutationOf, pkOf, update } from '../testing/fixtures.ts';
import type { TableMetadata } from '../../schema/index.ts';
import type { StorageEngineWithStats } from './storage-engine.ts';

const NOW = 1_700_000_000;
const PKS = 2;
const CKS = 5;

type Ttl = 'none' | 'expired' | 'expiresSoon';
type Op =
  | { kind: 'write'; pk: number; ck: number; ts: number; marker: boolean; markerTtl: Ttl; v: { value: number; ttl: Ttl; tombstone: boolean } | null; tag: { element: number; tombstone: boolean } | null }
  | { kind: 'static'; pk: number; ts: number; value: number; tombstone: boolean }
  | { kind: 'deleteRow'; pk: number; ck: number; ts: number }
  | { kind: 'deletePartition'; pk: number; ts: number }
  | { kind: 'deleteRange'; pk: number; lo: number; loInclusive: boolean; hi: number; hiInclusive: boolean; ts: number }
  | { kind: 'deleteTags'; pk: number; ck: number; ts: number }
  | { kind: 'flush' }
  | { kind: 'compact' }
  | { kind: 'garbagecollect' }
  | { kind: 'settle' }
  | { kind: 'advance' }
  | { kind: 'reopen' }
  | { kind: 'truncate' }
  | { kind: 'check'; reversed: boolean; rows: number; lo: number; hi: number };

const ts = fc.integer({ min: 1, max: 4 });
const ttl = fc.constantFrom<Ttl>('none', 'none', 'expired', 'expiresSoon');
const pk = fc.integer({ min: 0, max: PKS - 1 });
const ck = fc.integer({ min: 0, max: CKS - 1 });

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('write' as const), pk, ck, ts, marker: fc.boolean(), markerTtl: ttl, v: fc.option(fc.record({ value: fc.integer({ min: 0, max: 2 }), ttl, tombstone: fc.boolean() })), tag: fc.option(fc.record({ element: fc.integer({ min: -2, max: 2 }), tombstone: fc.boolean() })) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('static' as const), pk, ts, value: fc.integer({ min: 0, max: 2 }), tombstone: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('deleteRow' as const), pk, ck, ts }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('deletePartition' as const), pk, ts }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('deleteRange' as const), pk, lo: ck, loInclusive: fc.boolean(), hi: ck, hiInclusive: fc.boolean(), ts }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('deleteTags' as const), pk, ck, ts }) },
  { weight: 3, arbitrary: fc.constant({ kind: 'flush' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'compact' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'garbagecollect' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'settle' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'advance' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'reopen' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'truncate' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('check' as const), reversed: fc.boolean(), rows: fc.integer({ min: 1, max: 8 }), lo: ck, hi: ck }) },
);

function ldtOf(t: Ttl): { ttlSeconds: number; localDeletionTimeSeconds: number } {
  if (t === 'none') return { ttlSeconds: 0, localDeletionTimeSeconds: NO_DELETION_TIME };
  return { ttlSeconds: 60, localDeletionTimeSeconds: t === 'expired' ? NOW - 1 : NOW + 1 };
}

function cellOf(column: string, value: Buffer, timestampMicros: number, t: Ttl, tombstone: boolean, path: Buffer | null = null): Cell {
  if (tombstone) return { column, path, value: Buffer.alloc(0), timestampMicros, ttlSeconds: 0, localDeletionTimeSeconds: NOW - 5, tombstone: true };
  return { column, path, value, timestampMicros, ...ldtOf(t), tombstone: false };
}

function mutationFor(op: Op): Mutation | null {
  const del = (t: number): DeletionTime => ({ markedForDeleteAtMicros: t, localDeletionTimeSeconds: NOW - 5 });
  switch (op.kind) {
    case 'write': {
      const cells: Cell[] = [];
      if (op.tag !== null) cells.push(cellOf('tags', Buffer.alloc(0), op.ts, 'none', op.tag.tombstone, int(op.tag.element)));
      if (op.v !== null) cells.push(cellOf('v', int(op.v.value), op.ts, op.v.ttl, op.v.tombstone));
      const liveness: LivenessInfo | null = op.marker ? { timestampMicros: op.ts, ttlSeconds: ldtOf(op.markerTtl).ttlSeconds, localExpirationTimeSeconds: ldtOf(op.markerTtl).localDeletionTimeSeconds } : null;
      if (cells.length === 0 && liveness === null) return null;
      return mutationOf(update(TABLE_MAIN.id, op.pk, { rows: [{ clustering: [int(op.ck)], liveness, deletion: null, cells, complexDeletions: [] }] }));
    }
    case 'static':
      return mutationOf(update(TABLE_MAIN.id, op.pk, { staticRow: { clustering: [], liveness: null, deletion: null, cells: [cellOf('s', int(op.value), op.ts, 'none', op.tombstone)], complexDeletions: [] } }));
    case 'deleteRow':
      return mutationOf(update(TABLE_MAIN.id, op.pk, { rows: [{ clustering: [int(op.ck)], liveness: null, deletion: del(op.ts), cells: [], complexDeletions: [] }] }));
    case 'deletePartition':
      return mutationOf(update(TABLE_MAIN.id, op.pk, { partitionDeletion: del(op.ts) }));
    case 'deleteRange': {
      const [lo, hi] = op.lo <= op.hi ? [op.lo, op.hi] : [op.hi, op.lo];
      return mutationOf(update(TABLE_MAIN.id, op.pk, { rangeTombstones: [{ start: { values: [int(lo)], inclusive: op.loInclusive }, end: { values: [int(hi)], inclusive: op.hiInclusive }, deletion: del(op.ts) }] }));
    }
    case 'deleteTags':
      return mutationOf(update(TABLE_MAIN.id, op.pk, { rows: [{ clustering: [int(op.ck)], liveness: null, deletion: null, cells: [], complexDeletions: [{ column: 'tags', deletion: del(op.ts) }] }] }));
    default:
      return null;
  }
}

// ---------------------------------------------------------------------------------------------
// The naive model: every version of everything, resolved at read time.

/** Live cells per clustering (and static cells), as "col/path=value@ts" strings. */
interface LiveView {
  statics: string[];
  rows: Map<number, string[]>;
}

/** Prefix of an expected cell that may legitimately be missing (see Model.live). */
const OPTIONAL = '?';

function isOptional(cell: string): boolean {
  return cell.startsWith(OPTIONAL);
}

function stripOptional(cell: string): string {
  return isOptional(cell) ? cell.slice(OPTIONAL.length) : cell;
}

/**
 * The expected view with each optional cell kept exactly when `actual` has it; a row made of
 * optional cells only is expected only when `actual` has it. Everything else must match exactly.
 */
function resolveOptional(expected: LiveView, actual: LiveView): LiveView {
  const keep = (cells: readonly string[], have: readonly string[] | undefined): string[] =>
    cells.filter((c) => !isOptional(c) || (have?.includes(stripOptional(c)) ?? false)).map(stripOptional);
  const rows = new Map<number, string[]>();
  for (const [ckValue, cells] of expected.rows) {
    const kept = keep(cells, actual.rows.get(ckValue));
    if (kept.length > 0) rows.set(ckValue, kept);
  }
  return { statics: keep(expected.statics, actual.statics), rows };
}

class Model {
  readonly mutations: Mutation[] = [];

  apply(m: Mutation): void {
    this.mutations.push(m);
  }

  truncate(): void {
    this.mutations.length = 0;
  }

  /**
   * Expected live view of partition `pk` read at `now` while the engine's clock (the time of any
   * compaction so far) is at most `clockSeconds`: ck -> sorted "col/path=value@ts" strings, plus a
   * marker tag. A string starting with OPTIONAL may be missing (see liveCells).
   */
  live(pkValue: number, now: number, clockSeconds: number): LiveView {
    const { key } = pkOf(pkValue);
    const updates = this.mutations.flatMap((m) => m.updates).filter((u) => u.key.equals(key));
    let partitionDeletion = -Infinity;
    for (const u of updates) if (u.partitionDeletion !== null) partitionDeletion = Math.max(partitionDeletion, u.partitionDeletion.markedForDeleteAtMicros);
    const rowDeletion = (ckValue: number): number => {
      let d = partitionDeletion;
      for (const u of updates) {
        for (const r of u.rows) if (r.deletion !== null && r.clustering[0]!.readInt32BE(0) === ckValue) d = Math.max(d, r.deletion.markedForDeleteAtMicros);
        for (const rt of u.rangeTombstones) {
          const lo = rt.start.values[0]!.readInt32BE(0);
          const hi = rt.end.values[0]!.readInt32BE(0);
          const inside = (ckValue > lo || (ckValue === lo && rt.start.inclusive)) && (ckValue < hi || (ckValue === hi && rt.end.inclusive));
          if (inside) d = Math.max(d, rt.deletion.markedForDeleteAtMicros);
        }
      }
      return d;
    };
    const liveCells = (rows: Row[], deletionTs: number, complexTs: (column: string) => number): string[] => {
      const versions = new Map<string, Cell[]>();
      for (const r of rows) {
        for (const c of r.cells) {
          const k = `${c.column}/${c.path === null ? '' : c.path.readInt32BE(0)}`;
          versions.set(k, [...(versions.get(k) ?? []), c]);
        }
      }
      const out: string[] = [];
      for (const [k, cells] of versions) {
        const winner = cells.reduce((a, b) => (naiveWins(b, a) ? b : a));
        if (winner.tombstone) continue;
        if (winner.localDeletionTimeSeconds !== NO_DELETION_TIME && now >= winner.localDeletionTimeSeconds) continue;
        if (winner.timestampMicros <= deletionTs || winner.timestampMicros <= complexTs(winner.column)) continue;
        // Cassandra 4.0 (Cells.resolveRegular): at equal timestamps a tombstone beats an expiring
        // cell, and compaction (AbstractCell.purge) rewrites an expired expiring cell as a tombstone
        // with the same timestamp, or drops it once purgeable (cassandra-internals 4.7 rule 2, 4.8).
        // So an expired cell tied with the live winner shadows it if a compaction converted it
        // before the two met, and not if they met first. This model does not follow (background)
        // compaction timing: the winner may then be either live or gone. Only cells expired by the
        // engine's clock can have been converted.
        const mayBeShadowed = cells.some((c) => c !== winner && !c.tombstone && c.ttlSeconds > 0 &&
          c.timestampMicros === winner.timestampMicros && c.localDeletionTimeSeconds <= clockSeconds);
        out.push(`${mayBeShadowed ? OPTIONAL : ''}${k}=${winner.value.toString('hex')}@${winner.timestampMicros}`);
      }
      return out.sort((a, b) => (stripOptional(a) < stripOptional(b) ? -1 : 1));
    };
    const statics = liveCells(updates.flatMap((u) => (u.staticRow === null ? [] : [u.staticRow])), partitionDeletion, () => -Infinity);
    const rows = new Map<number, string[]>();
    for (let ckValue = 0; ckValue < CKS; ckValue++) {
      const versions = updates.flatMap((u) => u.rows.filter((r) => r.clustering[0]!.readInt32BE(0) === ckValue));
      const d = rowDeletion(ckValue);
      let complex = -Infinity;
      for (const r of versions) for (const cd of r.complexDeletions) complex = Math.max(complex, cd.deletion.markedForDeleteAtMicros);
      const cells = liveCells(versions, d, (column) => (column === 'tags' ? complex : -Infinity));
      const markers = versions.flatMap((r) => (r.liveness === null ? [] : [r.liveness]));
      let marker: LivenessInfo | null = null;
      for (const m of markers) {
        if (marker === null || m.timestampMicros > marker.timestampMicros ||
            (m.timestampMicros === marker.timestampMicros && (m.ttlSeconds > 0 && marker.ttlSeconds === 0 || (m.ttlSeconds > 0) === (marker.ttlSeconds > 0) && m.localExpirationTimeSeconds > marker.localExpirationTimeSeconds))) {
          marker = m;
        }
      }
      const markerLive = marker !== null && marker.timestampMicros > d && (marker.localExpirationTimeSeconds === NO_DELETION_TIME || now < marker.localExpirationTimeSeconds);
      if (markerLive) cells.unshift(`marker@${marker!.timestampMicros}`);
      if (cells.length > 0) rows.set(ckValue, cells);
    }
    return { statics, rows };
  }
}

/** Cassandra's rules written out case by case (independent of reconcile.ts). */
function naiveWins(challenger: Cell, holder: Cell): boolean {
  if (challenger.timestampMicros !== holder.timestampMicros) return challenger.timestampMicros > holder.timestampMicros;
  const rank = (c: Cell): number => (c.tombstone ? 2 : c.localDeletionTimeSeconds !== NO_DELETION_TIME ? 1 : 0);
  if (rank(challenger) !== rank(holder)) return rank(challenger) > rank(holder);
  if (rank(challenger) > 0 && challenger.localDeletionTimeSeconds !== holder.localDeletionTimeSeconds) {
    return challenger.localDeletionTimeSeconds > holder.localDeletionTimeSeconds;
  }
  return Buffer.compare(challenger.value, holder.value) > 0;
}

function describeLive(partition: ReadPartition | undefined, now: number): LiveView {
  const rows = new Map<number, string[]>();
  if (partition === undefined) return { statics: [], rows };
  const live = toLivePartition(partition, now);
  const render = (r: Row): string[] => r.cells.map((c) => `${c.column}/${c.path === null ? '' : c.path.readInt32BE(0)}=${c.value.toString('hex')}@${c.timestampMicros}`).sort();
  for (const r of live.rows) {
    const cells = render(r);
    if (r.liveness !== null) cells.unshift(`marker@${r.liveness.timestampMicros}`);
    rows.set(r.clustering[0]!.readInt32BE(0), cells);
  }
  return { statics: live.staticRow === null ? [] : render(live.staticRow), rows };
}

function readCommand(pkValue: number | null, options: { reversed: boolean; rows: number; slice: Slice; now: number; includeStaticRow: boolean }): ReadCommand {
  const { key, token } = pkOf(pkValue ?? 0);
  return {
    tableId: TABLE_MAIN.id,
    partitions: pkValue === null
      ? { kind: 'range', start: { token: TOKEN_MIN, key: null }, startInclusive: true, end: { token: TOKEN_MAX, key: null }, endInclusive: true }
      : { kind: 'single', key, token },
    clustering: { kind: 'slices', slices: [options.slice], reversed: options.reversed },
    columns: 'all',
    limits: { rows: options.rows, perPartitionRows: Infinity, partitions: Infinity },
    nowSeconds: options.now,
    resumeAfterClustering: null,
    includeStaticRow: options.includeStaticRow,
  };
}

const FULL: Slice = { start: { values: [], inclusive: true }, end: { values: [], inclusive: true } };

/** Runs what the planner wants and waits for it. */
async function settle(engine: StorageEngineWithStats): Promise<void> {
  await engine.settleCompactions();
}

function withOptions(compaction: Record<string, string>, gcGraceSeconds: number): TableMetadata {
  return { ...TABLE_MAIN, options: { ...TABLE_MAIN.options, compaction, gcGraceSeconds } };
}

/**
 * With gc_grace_seconds 0 every compaction may purge, and a write older than a purged tombstone
 * legitimately comes back (that is what gc_grace guards against). Those variants therefore write
 * with increasing timestamps, as clients do: what they check is that purging never brings back
 * data that existed when the tombstone went, wherever that data sits.
 */
const TABLES: Array<{ name: string; table: TableMetadata; runs: number; increasingTimestamps: boolean }> = [
  {
    name: 'single-SSTable tombstone compactions only, gc_grace 0',
    table: withOptions({ class: 'SizeTieredCompactionStrategy', min_threshold: '32', tombstone_threshold: '0', tombstone_compaction_interval: '0', unchecked_tombstone_compaction: 'true' }, 0),
    runs: 120, increasingTimestamps: true,
  },
  { name: 'size-tiered, default gc_grace', table: TABLE_MAIN, runs: 200, increasingTimestamps: false },
  { name: 'size-tiered, gc_grace 0 (purging)', table: withOptions({ class: 'SizeTieredCompactionStrategy', min_threshold: '2' }, 0), runs: 120, increasingTimestamps: true },
  { name: 'leveled, gc_grace 0', table: withOptions({ class: 'LeveledCompactionStrategy', sstable_size_in_mb: '0.0005', min_threshold: '2' }, 0), runs: 120, increasingTimestamps: true },
  { name: 'time-window, gc_grace 0', table: withOptions({ class: 'TimeWindowCompactionStrategy', compaction_window_unit: 'MINUTES', compaction_window_size: '1', min_threshold: '2' }, 0), runs: 100, increasingTimestamps: true },
];

function withIncreasingTimestamps(ops: readonly Op[]): Op[] {
  let ts = 0;
  return ops.map((op) => ('ts' in op ? { ...op, ts: ++ts } : op));
}

/** Time-window variant: timestamps a window apart every few writes, so windows compact separately. */
function spreadOverWindows(ops: readonly Op[]): Op[] {
  let ts = 0;
  return ops.map((op) => ('ts' in op ? { ...op, ts: ++ts * 20_000_000 } : op));
}

describe.each(TABLES)('storage engine vs a naive model ($name)', ({ table, runs, increasingTimestamps }) => {
  it('agrees on live data after random writes, deletions, flushes, compactions and replays', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: 50 }).map((ops) => (!increasingTimestamps ? ops : table.options.compaction['class'] === 'TimeWindowCompactionStrategy' ? spreadOverWindows(ops) : withIncreasingTimestamps(ops))), async (ops) => {
        const h = harness({ timers: realTimers, schema: makeSchema([table]), config: { memtableFlushThresholdBytes: 3000, memtableSpaceMaxBytes: 1 << 20 } });
        let engine = await h.open();
        const model = new Model();
        // Compaction expires and purges at the clock's time: reads never look earlier than it.
        let now = NOW;
        try {
          const checkAll = (readNow: number): void => {
            for (let p = 0; p < PKS; p++) {
              const actual = describeLive(engine.read(readCommand(p, { reversed: false, rows: Infinity, slice: FULL, now: readNow, includeStaticRow: true })).partitions[0], readNow);
              const expected = resolveOptional(model.live(p, readNow, now), actual);
              expect(actual.rows).toEqual(expected.rows);
              // A partition's static row is returned with rows or alone (includeStaticRow).
              expect(actual.statics).toEqual(expected.statics);
            }
          };
          for (const op of ops) {
            if (op.kind === 'flush') {
              await engine.flush();
            } else if (op.kind === 'compact') {
              await engine.compact();
            } else if (op.kind === 'garbagecollect') {
              await engine.garbageCollect();
            } else if (op.kind === 'settle') {
              await settle(engine);
              checkAll(now);
            } else if (op.kind === 'advance') {
              h.clock.advance(1000);
              now += 1;
            } else if (op.kind === 'truncate') {
              await engine.truncate(TABLE_MAIN.id);
              model.truncate();
            } else if (op.kind === 'reopen') {
              await engine.close();
              engine = await h.open();
            } else if (op.kind === 'check') {
              const [lo, hi] = op.lo <= op.hi ? [op.lo, op.hi] : [op.hi, op.lo];
              const slice: Slice = { start: { values: [int(lo)], inclusive: true }, end: { values: [int(hi)], inclusive: true } };
              const result = engine.read(readCommand(null, { reversed: op.reversed, rows: op.rows, slice, now, includeStaticRow: false }));
              const got: string[] = [];
              for (const p of result.partitions) {
                for (const r of toLivePartition(p, now).rows) got.push(`${p.key.readInt32BE(0)}:${r.clustering[0]!.readInt32BE(0)}`);
              }
              // Expected: partitions in token order, rows in query order, first `rows` live rows.
              const order = [...Array(PKS).keys()].sort((a, b) => (pkOf(a).token < pkOf(b).token ? -1 : 1));
              const want: string[] = [];
              for (const p of order) {
                const rows = model.live(p, now, now).rows;
                const cks = [...rows.keys()].filter((c) => c >= lo && c <= hi).sort((a, b) => a - b);
                if (op.reversed) cks.reverse();
                // A row of optional cells only is expected when the engine returned it.
                for (const c of cks) if (!rows.get(c)!.every(isOptional) || got.includes(`${p}:${c}`)) want.push(`${p}:${c}`);
              }
              expect(got).toEqual(want.slice(0, op.rows));
            } else {
              const m = mutationFor(op);
              if (m !== null) {
                await engine.apply(m);
                model.apply(m);
              }
            }
          }
          checkAll(now);
          checkAll(now + 2);
          h.clock.advance(2000);
          now += 2;
          await settle(engine);
          await engine.compact();
          checkAll(now);
          await engine.garbageCollect();
          checkAll(now);
          await engine.close();
          engine = await h.open();
          checkAll(now);
        } finally {
          await engine.close();
        }
      }),
      { numRuns: runs },
    );
  });
});
