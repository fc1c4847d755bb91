import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryDisk } from '../../io/index.ts';
import type { PartitionUpdate, Row } from '../model.ts';
import { compressionParamsOf } from '../sstable/compression.ts';
import type { SSTableReader } from '../sstable/sstable-reader.ts';
import { writeSSTable } from '../sstable/sstable-writer.ts';
import { tableLayoutOf } from '../table-layout.ts';
import { TABLE_MAIN, deletion, expiringCell, int, liveCell, marker, pkOf, row, update } from '../testing/fixtures.ts';
import { EncodedRow } from './encoded-rows.ts';
import type { Memtable } from './memtable.ts';
import { memtableOf, partitionsOf } from '../testing/memtable-fixtures.ts';
import type { MemtablePartition } from './memtable.ts';
import { MemtablePartitionSource } from './memtable-source.ts';
import { RowRun } from './row-run.ts';

const layout = tableLayoutOf(TABLE_MAIN);
const T = TABLE_MAIN.id;
const BASE = 1_700_000_000_000_000;

/** A time-series point: clustering `ck`, one cell, the marker and the cell expiring together when `ttl`. */
function point(ck: number, ts: number, ttl: boolean): Row {
  return ttl
    ? row([int(ck)], { liveness: marker(ts, 60, 1_800_000_000), cells: [expiringCell('v', int(ck), ts, 60, 1_800_000_000)] })
    : row([int(ck)], { liveness: marker(ts), cells: [liveCell('v', int(ck), ts)] });
}

function memtable(updates: readonly PartitionUpdate[], encodeRows: boolean): Memtable {
  return memtableOf({ layout }, updates, encodeRows);
}

/** Rows a read from `from` (null: an end) gives, either way. */
function readRows(p: MemtablePartition, reversed: boolean, from: { values: Buffer[]; side: -1 | 0 | 1 } | null): Row[] {
  const cursor = new MemtablePartitionSource(layout, p).rows(reversed, from);
  const out: Row[] = [];
  for (let r = cursor.next(); r !== null; r = cursor.next()) out.push(r);
  return out;
}

async function flushed(m: Memtable, disk: MemoryDisk, generation: number): Promise<unknown[]> {
  const reader: SSTableReader | null = await writeSSTable({
    disk, directory: '/d', generation, layout, compression: compressionParamsOf({ enabled: 'false' }).params,
    partitions: m.flushSource(), partitionCountEstimate: m.partitionCount, commitLogPosition: { segmentId: 1, offsetBytes: 0 },
    timestampRange: { minMicros: m.minTimestampMicros, maxMicros: m.maxTimestampMicros }, level: 0, createdAtSeconds: 1,
    yieldToEventLoop: () => Promise.resolve(), columns: m.encodedRows.columns,
  });
  const out: unknown[] = [];
  const scanner = reader!.scan(() => 1);
  for (let entry = scanner.next(); entry !== null; entry = scanner.next()) {
    const p = reader!.readPartition(layout, entry);
    const rows: Row[] = [];
    const cursor = p.rows(false, null);
    for (let r = cursor.next(); r !== null; r = cursor.next()) rows.push(r);
    out.push({ key: entry.key, partitionDeletion: p.partitionDeletion, rows });
  }
  return out;
}

/**
 * A write to one of three partitions, each going up or down in clustering (its series): mostly
 * the next point of the series, sometimes a point anywhere, an overwrite of the newest point, a
 * row whose TTLs expire apart (it stays objects) or a partition deletion.
 */
type Step = { pk: number; kind: 'next' | 'anywhere' | 'overwrite' | 'mixed' | 'delete'; ck: number; ttl: boolean; ts: number };
const stepArb: fc.Arbitrary<Step> = fc.record({
  pk: fc.integer({ min: 0, max: 2 }),
  kind: fc.oneof(
    { weight: 12, arbitrary: fc.constant('next' as const) },
    { weight: 1, arbitrary: fc.constant('anywhere' as const) },
    { weight: 1, arbitrary: fc.constant('overwrite' as const) },
    { weight: 1, arbitrary: fc.constant('mixed' as const) },
    { weight: 1, arbitrary: fc.constant('delete' as const) },
  ),
  ck: fc.integer({ min: 0, max: 2000 }),
  ttl: fc.boolean(),
  ts: fc.integer({ min: 0, max: 10_000 }),
});

function updatesOf(steps: readonly Step[], upwards: readonly boolean[]): PartitionUpdate[] {
  const newest = [1000, 1000, 1000];
  return steps.map((s) => {
    const ts = BASE + s.ts;
    if (s.kind === 'delete') return update(T, s.pk, { partitionDeletion: deletion(ts) });
    let ck = newest[s.pk]!;
    if (s.kind === 'next') ck = newest[s.pk] = ck + (upwards[s.pk] ? 1 : -1);
    else if (s.kind === 'anywhere') ck = s.ck;
    if (s.kind === 'mixed') {
      return update(T, s.pk, { rows: [row([int(ck)], { cells: [expiringCell('v', int(1), ts, 60, 1_800_000_000), expiringCell('w', int(2), ts, 70, 1_800_000_010)] })] });
    }
    return update(T, s.pk, { rows: [point(ck, ts, s.ttl)] });
  });
}

describe('row runs', () => {
  it('keep a series written in clustering order, or in its reverse, as one run of encoded rows', () => {
    for (const upwards of [true, false]) {
      const updates = Array.from({ length: 500 }, (_, i) => update(T, 1, { rows: [point(upwards ? i : 1000 - i, BASE + i, i % 2 === 0)] }));
      const m = memtable(updates, true);
      const p = m.get(pkOf(1))!;
      expect(p.tree).toBeInstanceOf(RowRun);
      expect(p.rowCount).toBe(500);
      const cks = p.rowsInOrder().map((r) => r.clustering[0]!.readInt32BE(0));
      expect(cks).toEqual([...cks].sort((a, b) => a - b));
      expect(p.rowsInOrder()).toEqual(memtable(updates, false).get(pkOf(1))!.rowsInOrder());
      let encoded = 0;
      p.forEachRow((v) => { if (v instanceof EncodedRow) encoded++; });
      expect(encoded).toBe(500);
      // The rows counted as the row objects they replace, and the first row's encoding as a
      // one-row partition, left in its slab, as the bytes it holds.
      const firstEncoding = memtable(updates.slice(0, 1), true).get(pkOf(1))!.encoded!.length;
      expect(m.sizeBytes).toBe(memtable(updates, false).sizeBytes + firstEncoding);
    }
  });

  it('turn into a tree, keeping every row, at the first write that does not continue the run', () => {
    const updates = [1, 2, 3, 4].map((ck) => update(T, 1, { rows: [point(ck, BASE + ck, false)] }));
    const m = memtable([...updates, update(T, 1, { rows: [point(0, BASE + 9, false)] })], true);
    const p = m.get(pkOf(1))!;
    expect(p.tree).not.toBeInstanceOf(RowRun);
    expect(p.rowsInOrder().map((r) => r.clustering[0]!.readInt32BE(0))).toEqual([0, 1, 2, 3, 4]);
    const overwritten = memtable([...updates, update(T, 1, { rows: [point(4, BASE + 99, false)] })], true).get(pkOf(1))!;
    expect(overwritten.tree).not.toBeInstanceOf(RowRun);
    expect(overwritten.rowsInOrder().map((r) => r.cells[0]!.timestampMicros)).toEqual([BASE + 1, BASE + 2, BASE + 3, BASE + 99]);
  });

  it('hold, read and flush what row objects do, under series writes with any interruption', async () => {
    await fc.assert(fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 120 }), fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }), fc.integer({ min: 950, max: 1050 }), async (steps, upwards, at) => {
      const updates = updatesOf(steps, upwards);
      const encoded = memtable(updates, true);
      const objects = memtable(updates, false);
      const a = partitionsOf(encoded);
      const b = partitionsOf(objects);
      expect(a.length).toBe(b.length);
      for (let i = 0; i < a.length; i++) {
        expect(a[i]!.rowsInOrder()).toEqual(b[i]!.rowsInOrder());
        expect(a[i]!.partitionDeletion).toEqual(b[i]!.partitionDeletion);
        for (const reversed of [false, true]) {
          for (const from of [null, { values: [int(at)], side: 0 as const }, { values: [int(at)], side: -1 as const }, { values: [int(at)], side: 1 as const }]) {
            expect(readRows(a[i]!, reversed, from)).toEqual(readRows(b[i]!, reversed, from));
          }
        }
      }
      expect(encoded.sizeBytes).toBeGreaterThan(0);
      const disk = new MemoryDisk();
      expect(await flushed(encoded, disk, 1)).toEqual(await flushed(objects, disk, 2));
    }), { numRuns: 200 });
  });
});
