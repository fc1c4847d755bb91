// Partitions copied as bytes by a compaction: the outputs read exactly as a compaction that decodes
// and encodes every partition, with the same statistics, whatever the inputs hold (live, expiring,
// expired, deleted, static, dropped-column data, partitions in several inputs); and the partitions
// that qualify really are copied.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryDisk } from '../../io/index.ts';
import type { Disk } from '../../io/index.ts';
import type { TableMetadata } from '../../schema/index.ts';
import { NO_DELETION_TIME } from '../model.ts';
import type { Cell, DeletionTime, Row } from '../model.ts';
import { comparePartitionKeys } from '../memtable/memtable.ts';
import { compressionParamsOf } from '../sstable/compression.ts';
import type { IndexEntry, SSTableReader } from '../sstable/sstable-reader.ts';
import type { SSTablePartitionInput } from '../sstable/sstable-writer.ts';
import { publishSSTables, writeSSTable } from '../sstable/sstable-writer.ts';
import { tableLayoutOf } from '../table-layout.ts';
import type { TableLayout } from '../table-layout.ts';
import { TABLE_MAIN, expiringCell, int, liveCell, marker, pkOf, row, text, tombstoneCell } from '../testing/fixtures.ts';
import { CompactionMerger } from './compaction-merger.ts';
import { CompactionOutput } from './compaction-output.ts';
import { CopyScan, copyColumnsOf, isDictionaryPrefix } from './partition-copy.ts';

const NOW = 1_700_000_000;
const DIR = '/data/t';
const LZ4 = compressionParamsOf({ class: 'LZ4Compressor', chunk_length_in_kb: '4' }).params;
/** A column dropped at this time: its cells written at or before it are gone after a merge. */
const W_DROPPED_AT = 1500;
const WITH_DROPPED: TableMetadata = { ...TABLE_MAIN, droppedColumns: [{ name: 'w', type: TABLE_MAIN.columns.find((c) => c.name === 'w')!.type, droppedAtMicros: W_DROPPED_AT, kind: 'regular' }] };

type Kind = 'live' | 'onlyW' | 'noMarker' | 'ttlFuture' | 'ttlPast' | 'tombstone' | 'rowDeletion' | 'collection' | 'oldW';

function rowOf(ck: number, kind: Kind, ts: number): Row {
  const v = liveCell('v', int(ck * 7), ts);
  switch (kind) {
    case 'live': return row([int(ck)], { liveness: marker(ts), cells: [v, liveCell('w', text(`w${ck}`), ts)] });
    case 'onlyW': return row([int(ck)], { cells: [liveCell('w', text(`w${ck}`), ts)] });
    case 'noMarker': return row([int(ck)], { cells: [v] });
    case 'ttlFuture': return row([int(ck)], { liveness: marker(ts, 600, NOW + 600), cells: [expiringCell('v', int(ck), ts, 600, NOW + 600 + ck)] });
    case 'ttlPast': return row([int(ck)], { liveness: marker(ts), cells: [expiringCell('v', int(ck), ts, 60, NOW - 30)] });
    case 'tombstone': return row([int(ck)], { liveness: marker(ts), cells: [tombstoneCell('v', ts, NOW - 5)] });
    case 'rowDeletion': return row([int(ck)], { deletion: { markedForDeleteAtMicros: ts, localDeletionTimeSeconds: NOW - 5 } });
    case 'collection': return row([int(ck)], { cells: [liveCell('tags', Buffer.alloc(0), ts, int(1)), liveCell('tags', Buffer.alloc(0), ts, int(2)), v] });
    case 'oldW': return row([int(ck)], { liveness: marker(ts), cells: [v, liveCell('w', text('old'), W_DROPPED_AT - 1)] });
  }
}

/** Whether a merge leaves a row of this kind unchanged (`wDropped`: the table dropped column w at W_DROPPED_AT). */
function leftAlone(kind: Kind, ts: number, wDropped: boolean): boolean {
  switch (kind) {
    case 'noMarker': case 'ttlFuture': case 'collection': return true;
    case 'live': case 'onlyW': return !wDropped || ts > W_DROPPED_AT;
    case 'oldW': return !wDropped;
    case 'ttlPast': case 'tombstone': case 'rowDeletion': return false;
  }
}

interface PartitionSpec {
  readonly pk: number;
  readonly rows: ReadonlyArray<{ readonly ck: number; readonly kind: Kind; readonly ts: number }>;
  readonly staticCell: boolean;
  readonly deletedAt: number | null;
}

const kindArb = fc.constantFrom<Kind>('live', 'live', 'live', 'noMarker', 'ttlFuture', 'ttlPast', 'tombstone', 'rowDeletion', 'collection', 'oldW');
const partitionArb: fc.Arbitrary<PartitionSpec> = fc.record({
  pk: fc.integer({ min: 0, max: 23 }),
  rows: fc.uniqueArray(fc.record({ ck: fc.integer({ min: 0, max: 9 }), kind: kindArb, ts: fc.integer({ min: 1000, max: 3000 }) }), { minLength: 1, maxLength: 4, selector: (r) => r.ck }),
  staticCell: fc.boolean().map((b) => b && Math.random() < 0.3),
  deletedAt: fc.option(fc.integer({ min: 1000, max: 3000 }), { freq: 8 }),
});
const inputsArb = fc.array(fc.uniqueArray(partitionArb, { minLength: 1, maxLength: 12, selector: (p) => p.pk }), { minLength: 1, maxLength: 4 });

function partitionOf(spec: PartitionSpec): SSTablePartitionInput {
  const { key, token } = pkOf(spec.pk);
  const rows = [...spec.rows].sort((a, b) => a.ck - b.ck).map((r) => rowOf(r.ck, r.kind, r.ts));
  const deletion: DeletionTime | null = spec.deletedAt === null ? null : { markedForDeleteAtMicros: spec.deletedAt, localDeletionTimeSeconds: NOW - 5 };
  return { key, token, partitionDeletion: deletion, staticRow: spec.staticCell ? row([], { cells: [liveCell('s', int(spec.pk), 1200)] }) : null, rows, rangeTombstones: [] };
}

async function writeInputs(disk: Disk, layout: TableLayout, inputs: ReadonlyArray<readonly PartitionSpec[]>): Promise<SSTableReader[]> {
  const readers: SSTableReader[] = [];
  for (let i = 0; i < inputs.length; i++) {
    const partitions = inputs[i]!.map(partitionOf).sort(comparePartitionKeys);
    const reader = await writeSSTable({
      disk, directory: DIR, generation: i + 1, layout, compression: LZ4, partitions, partitionCountEstimate: partitions.length,
      commitLogPosition: { segmentId: 1, offsetBytes: 0 }, timestampRange: { minMicros: 0, maxMicros: 10_000 }, level: 0, createdAtSeconds: NOW - 100,
      yieldToEventLoop: () => Promise.resolve(),
    });
    readers.push(reader!);
  }
  return readers;
}

/** Compacts `inputs` (generations) into new generations from `firstOutput`; returns the outputs and the partitions copied. */
async function compact(disk: Disk, layout: TableLayout, inputs: readonly SSTableReader[], firstOutput: number, copies: boolean, maxOutputBytes = 1 << 30): Promise<{ outputs: SSTableReader[]; copied: number }> {
  const scanners = inputs.map((r) => r.openScanner());
  const columns = copyColumnsOf(scanners.map((s) => s.statistics));
  let generation = firstOutput;
  const out = new CompactionOutput({
    disk, directory: DIR, layout, compression: LZ4, level: 0, maxOutputBytes, commitLogPosition: { segmentId: 1, offsetBytes: 0 },
    timestampRange: { minMicros: 0, maxMicros: 10_000 }, partitionsPerOutputEstimate: 64, createdAtSeconds: NOW, nextGeneration: () => generation++,
    ...(copies ? { columns } : {}),
  });
  let copied = 0;
  const copy = out.copyPartition.bind(out);
  out.copyPartition = (...args) => {
    copied++;
    copy(...args);
  };
  const merger = new CompactionMerger({
    layout, inputs: scanners, nowSeconds: NOW, gcBeforeSeconds: NOW - 10, maxPurgeableTimestamp: () => Infinity, sink: out,
    ...(copies ? { copyColumns: columns } : {}),
  });
  while (merger.work(7));
  for (const s of scanners) s.close();
  const prepared = await out.finish();
  return { outputs: publishSSTables({ disk, prepared, chunkCache: null, keyCache: null }), copied };
}

interface Contents {
  readonly partitions: Array<{ key: string; deletion: DeletionTime | null; staticRow: Row | null; rows: Row[] }>;
}

function contentsOf(layout: TableLayout, readers: readonly SSTableReader[]): Contents {
  const partitions: Contents['partitions'] = [];
  for (const reader of readers) {
    const scanner = reader.openScanner();
    for (let e = scanner.nextEntry(); e !== null; e = scanner.nextEntry()) {
      const p = scanner.open(layout, e);
      const rows: Row[] = [];
      const cursor = p.rows(false, null);
      for (let r = cursor.next(); r !== null; r = cursor.next()) rows.push(plainRow(r));
      partitions.push({ key: e.key.toString('hex'), deletion: p.partitionDeletion, staticRow: p.staticRow === null ? null : plainRow(p.staticRow), rows });
    }
    scanner.close();
  }
  return { partitions };
}

/** The row with its buffers as plain copies (views of recycled chunks compare by content). */
function plainRow(r: Row): Row {
  const cell = (c: Cell): Cell => ({ ...c, value: Buffer.from(c.value), path: c.path === null ? null : Buffer.from(c.path) });
  return { ...r, clustering: r.clustering.map((v) => Buffer.from(v)), cells: r.cells.map(cell) };
}

function statisticsOf(readers: readonly SSTableReader[]): object[] {
  return readers.map((r) => {
    const s = r.statistics;
    return {
      partitionCount: s.partitionCount, rowCount: s.rowCount, cellCount: s.cellCount, tombstoneCount: s.tombstoneCount,
      minTimestampMicros: s.minTimestampMicros, maxTimestampMicros: s.maxTimestampMicros, maxLocalDeletionTimeSeconds: s.maxLocalDeletionTimeSeconds,
      dropTimes: s.dropTimes, minToken: s.minToken, maxToken: s.maxToken,
    };
  });
}

describe('compaction copies partitions as bytes', () => {
  it('reads and counts the same as decoding every partition, whatever the inputs hold', async () => {
    for (const metadata of [TABLE_MAIN, WITH_DROPPED]) {
      const layout = tableLayoutOf(metadata);
      await fc.assert(fc.asyncProperty(inputsArb, async (inputs) => {
        const disk = new MemoryDisk();
        disk.mkdirp(DIR);
        const readers = await writeInputs(disk, layout, inputs);
        const decoded = await compact(disk, layout, readers, 100, false);
        const copied = await compact(disk, layout, readers, 200, true);
        expect(decoded.copied).toBe(0);
        expect(contentsOf(layout, copied.outputs)).toEqual(contentsOf(layout, decoded.outputs));
        expect(statisticsOf(copied.outputs)).toEqual(statisticsOf(decoded.outputs));
        // A partition of live data found in one input only, whose dictionary the outputs continue, is always copied.
        const counts = new Map<number, number>();
        for (const input of inputs) for (const p of input) counts.set(p.pk, (counts.get(p.pk) ?? 0) + 1);
        const columns = copyColumnsOf(readers.map((r) => r.statistics));
        const plain = inputs.flatMap((input, i) => (isDictionaryPrefix(readers[i]!.statistics.columns, columns) ? input : [])).filter((p) => counts.get(p.pk) === 1 && !p.staticCell && p.deletedAt === null
          && p.rows.every((r) => leftAlone(r.kind, r.ts, metadata !== TABLE_MAIN)));
        expect(copied.copied).toBeGreaterThanOrEqual(plain.length);
        for (const r of [...readers, ...decoded.outputs, ...copied.outputs]) r.close();
      }), { numRuns: Number(process.env['CASSIA_PROPERTY_RUNS'] ?? 60) });
    }
  });

  it('copies every partition of disjoint live inputs, byte for byte, across output rotations', async () => {
    const layout = tableLayoutOf(TABLE_MAIN);
    const disk = new MemoryDisk();
    disk.mkdirp(DIR);
    const inputs: PartitionSpec[][] = [0, 1, 2].map((i) => Array.from({ length: 400 }, (_, n) => ({
      pk: n * 3 + i, rows: [{ ck: 1, kind: 'live' as Kind, ts: 1000 + n }, { ck: 2, kind: 'ttlFuture' as Kind, ts: 2000 }], staticCell: false, deletedAt: null,
    })));
    const readers = await writeInputs(disk, layout, inputs);
    const decoded = await compact(disk, layout, readers, 100, false, 8 * 1024);
    const copied = await compact(disk, layout, readers, 200, true, 8 * 1024);
    expect(copied.copied).toBe(1200);
    expect(copied.outputs.length).toBeGreaterThan(1);
    expect(contentsOf(layout, copied.outputs)).toEqual(contentsOf(layout, decoded.outputs));
    // Each copied partition is its input's bytes.
    const inputBytes = new Map<string, string>();
    for (const r of readers) {
      const s = r.openScanner();
      for (let e = s.nextEntry(); e !== null; e = s.nextEntry()) inputBytes.set(e.key.toString('hex'), rawPartition(r, e));
      s.close();
    }
    for (const r of copied.outputs) {
      const s = r.openScanner();
      for (let e = s.nextEntry(); e !== null; e = s.nextEntry()) expect(rawPartition(r, e)).toBe(inputBytes.get(e.key.toString('hex')));
      s.close();
    }
  });

  it('counts a copied partition in the statistics as a decoded one: one permanent cell, expiring ones', async () => {
    const layout = tableLayoutOf(TABLE_MAIN);
    const disk = new MemoryDisk();
    disk.mkdirp(DIR);
    const readers = await writeInputs(disk, layout, [[
      { pk: 1, rows: [{ ck: 1, kind: 'noMarker', ts: 1000 }], staticCell: false, deletedAt: null },
      { pk: 2, rows: [{ ck: 3, kind: 'ttlFuture', ts: 2000 }], staticCell: false, deletedAt: null },
    ]]);
    const decoded = await compact(disk, layout, readers, 100, false);
    const copied = await compact(disk, layout, readers, 200, true);
    expect(copied.copied).toBe(2);
    expect(statisticsOf(copied.outputs)).toEqual(statisticsOf(decoded.outputs));
    expect(copied.outputs[0]!.statistics).toMatchObject({ rowCount: 2, cellCount: 3, maxLocalDeletionTimeSeconds: NO_DELETION_TIME, minTimestampMicros: 1000, maxTimestampMicros: 2000 });
  });

  it('merges, not copies, the partitions of an input whose dictionary the outputs do not continue', async () => {
    const layout = tableLayoutOf(TABLE_MAIN);
    const disk = new MemoryDisk();
    disk.mkdirp(DIR);
    // Dictionaries are in order of first use: ['v', 'w'] for the first input, and for the second,
    // whose first partition (by token) names only w, ['w', 'v'].
    const [first, second] = [0, 1].map((n) => pkOf(n)).sort(comparePartitionKeys).map((k) => k.key.readInt32BE(0));
    const readers = await writeInputs(disk, layout, [
      [{ pk: 10, rows: [{ ck: 1, kind: 'live', ts: 1000 }], staticCell: false, deletedAt: null }],
      [{ pk: first!, rows: [{ ck: 1, kind: 'onlyW', ts: 1000 }], staticCell: false, deletedAt: null }, { pk: second!, rows: [{ ck: 1, kind: 'noMarker', ts: 1000 }], staticCell: false, deletedAt: null }],
    ]);
    expect(readers.map((r) => r.statistics.columns)).toEqual([['v', 'w'], ['w', 'v']]);
    const decoded = await compact(disk, layout, readers, 100, false);
    const out = await compact(disk, layout, readers, 200, true);
    // The outputs continue the dictionary of the most partitions (the second input's): its two are
    // copied, the first input's partition is merged.
    expect(copyColumnsOf(readers.map((r) => r.statistics))).toEqual(['w', 'v']);
    expect(out.copied).toBe(2);
    expect(contentsOf(layout, out.outputs)).toEqual(contentsOf(layout, decoded.outputs));
  });
});

/** The hex of a live partition's Data bytes (read as a compaction reads them). */
function rawPartition(reader: SSTableReader, entry: IndexEntry): string {
  const s = reader.openScanner();
  const bytes = s.copyable(entry, new CopyScan(tableLayoutOf(TABLE_MAIN), NOW));
  expect(bytes).not.toBeNull();
  const hex = bytes!.toString('hex');
  s.close();
  return hex;
}
