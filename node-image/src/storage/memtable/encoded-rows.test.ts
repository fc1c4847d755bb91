import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { MemoryDisk } from '../../io/index.ts';
import type { Cell, PartitionUpdate, Row } from '../model.ts';
import { compressionParamsOf } from '../sstable/compression.ts';
import { readSSTableMetadata } from '../sstable/sstable-reader.ts';
import type { SSTableReader } from '../sstable/sstable-reader.ts';
import { writeSSTable } from '../sstable/sstable-writer.ts';
import { nativeType } from '../../schema/index.ts';
import { tableLayoutOf } from '../table-layout.ts';
import { TABLE_MAIN, deletion, makeTable, expiringCell, int, liveCell, marker, pkOf, row, text, tombstoneCell, update } from '../testing/fixtures.ts';
import { EncodedRow, EncodedRows, SMALL_DELTA_MAX, encodedBase } from './encoded-rows.ts';
import { Memtable, MemtablePartition } from './memtable.ts';
import { memtableOf, partitionsOf } from '../testing/memtable-fixtures.ts';

const layout = tableLayoutOf(TABLE_MAIN);
const source = { layout };
const T = TABLE_MAIN.id;
const BASE = 1_700_000_000_000_000;

/** Cells in the layout's order (m, tags, v, w): some plain, some with TTL or tombstones when `plain` is false. */
const cellsArb = (plain: boolean): fc.Arbitrary<Cell[]> => fc.record({
  tags: fc.uniqueArray(fc.integer({ min: 0, max: 9 }), { maxLength: 3 }),
  v: fc.option(fc.integer(), { nil: undefined }),
  w: fc.option(fc.string({ maxLength: 40 }), { nil: undefined }),
  ts: fc.integer({ min: 0, max: 1000 }),
  kind: plain ? fc.constant(0) : fc.integer({ min: 0, max: 3 }),
}).map(({ tags, v, w, ts, kind }) => {
  const cells: Cell[] = [];
  for (const t of [...tags].sort((a, b) => a - b)) cells.push(liveCell('tags', Buffer.alloc(0), BASE + ts, int(t)));
  if (v !== undefined) {
    cells.push(kind === 1 || kind === 3 ? expiringCell('v', int(v), BASE + ts + 1, 60, 1_800_000_000) : kind === 2 ? tombstoneCell('v', BASE + ts + 1, 1_700_000_000) : liveCell('v', int(v), BASE + ts + 1));
  }
  if (w !== undefined) cells.push(kind === 3 ? expiringCell('w', text(w), BASE + ts + 2, 60, 1_800_000_000) : liveCell('w', text(w), BASE + ts + 2));
  return cells;
});

const rowArb = (plain: boolean): fc.Arbitrary<Row> => fc.record({
  ck: fc.integer({ min: 0, max: 3 }),
  cells: cellsArb(plain),
  withMarker: fc.boolean(),
  ts: fc.integer({ min: 0, max: 1000 }),
  expiringMarker: fc.boolean(),
}).map(({ ck, cells, withMarker, ts, expiringMarker }) => row([int(ck)], {
  liveness: withMarker || cells.length === 0 ? (expiringMarker && !plain ? marker(BASE + ts, 60, 1_800_000_000) : marker(BASE + ts)) : null, cells,
}));

/** 1-5 rows of distinct clusterings, in order. */
const rowsArb = (plain: boolean): fc.Arbitrary<Row[]> => fc.uniqueArray(rowArb(plain), { minLength: 1, maxLength: 5, selector: (r) => r.clustering[0]!.readInt32BE(0) })
  .map((rows) => rows.sort((a, b) => a.clustering[0]!.readInt32BE(0) - b.clustering[0]!.readInt32BE(0)));

/** Mostly one plain row into a few partitions; sometimes a deletion, a static row, TTLs or two rows. */
const updateArb: fc.Arbitrary<PartitionUpdate> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.integer({ min: 0, max: 12 }), rowArb(true)).map(([pk, r]) => update(T, pk, { rows: [r] })) },
  { weight: 2, arbitrary: fc.tuple(fc.integer({ min: 0, max: 12 }), rowArb(false)).map(([pk, r]) => update(T, pk, { rows: [r] })) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 1000 })).map(([pk, ts]) => update(T, pk, { partitionDeletion: deletion(BASE + ts) })) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 0, max: 12 }), fc.integer()).map(([pk, s]) => update(T, pk, { staticRow: row([], { cells: [liveCell('s', int(s), BASE + 5)] }) })) },
  { weight: 3, arbitrary: fc.tuple(fc.integer({ min: 0, max: 12 }), rowsArb(true)).map(([pk, rows]) => update(T, pk, { rows })) },
  { weight: 2, arbitrary: fc.tuple(fc.integer({ min: 0, max: 12 }), rowsArb(false)).map(([pk, rows]) => update(T, pk, { rows })) },
);

function apply(updates: readonly PartitionUpdate[], encodeRows: boolean): Memtable {
  return memtableOf(source, updates, encodeRows);
}

const contentsOf = (p: MemtablePartition) => ({
  key: p.key, partitionDeletion: p.partitionDeletion, staticRow: p.staticRow, rows: p.rowsInOrder(), rangeTombstones: p.rangeTombstones,
});

async function flush(m: Memtable, disk: MemoryDisk, generation: number, shareColumns: boolean): Promise<SSTableReader | null> {
  return writeSSTable({
    disk, directory: '/d', generation, layout, compression: compressionParamsOf({ enabled: 'false' }).params,
    partitions: m.flushSource(), partitionCountEstimate: m.partitionCount, commitLogPosition: { segmentId: 1, offsetBytes: 0 },
    timestampRange: { minMicros: m.minTimestampMicros, maxMicros: m.maxTimestampMicros }, level: 0, createdAtSeconds: 1,
    yieldToEventLoop: () => Promise.resolve(),
    ...(shareColumns ? { columns: m.encodedRows.columns } : {}),
  });
}

function readAll(reader: SSTableReader): unknown[] {
  const out: unknown[] = [];
  const scanner = reader.scan(() => 1);
  for (let entry = scanner.next(); entry !== null; entry = scanner.next()) {
    const p = reader.readPartition(layout, entry);
    const rows: Row[] = [];
    const cursor = p.rows(false, null);
    for (let r = cursor.next(); r !== null; r = cursor.next()) rows.push(r);
    out.push({ key: entry.key, partitionDeletion: p.partitionDeletion, staticRow: p.staticRow, rows, rangeTombstones: p.rangeTombstones });
  }
  return out;
}

describe('encoded memtable rows', () => {
  it('keep a plain one-row partition as bytes and give back the row it was', () => {
    const r = row([int(4)], { liveness: marker(BASE), cells: [liveCell('tags', Buffer.alloc(0), BASE, int(2)), liveCell('v', int(7), BASE + 3), liveCell('w', text('hello'), BASE - 9)] });
    const m = apply([update(T, 1, { rows: [r] })], true);
    const p = m.get(pkOf(1))!;
    expect(p.encoded).not.toBeNull();
    expect(p.rowCount).toBe(1);
    expect(p.onlyRow).toEqual(r);
    expect(p.encoded!.cellCount).toBe(4);
    expect([encodedBase(p.encoded!), p.encoded!.minTimestampDelta, p.encoded!.maxTimestampDelta]).toEqual([BASE, -9, 3]);
  });

  it('keep rows as objects when a timestamp is further than SMALL_DELTA_MAX from the base', () => {
    const far = row([int(0)], { liveness: marker(BASE), cells: [liveCell('v', int(1), BASE + SMALL_DELTA_MAX + 1)] });
    const near = row([int(1)], { liveness: marker(BASE), cells: [liveCell('v', int(1), BASE + SMALL_DELTA_MAX)] });
    const m = apply([update(T, 1, { rows: [far] }), update(T, 2, { rows: [near] })], true);
    expect(m.get(pkOf(1))!.encoded).toBeNull();
    expect(m.get(pkOf(2))!.encoded).not.toBeNull();
  });

  it('encode a row larger than its estimate (many empty clustering values) in a buffer of its own', () => {
    // Each empty value costs a length byte the estimate does not count: 5000 of them outgrow both
    // the reservation and the first 4 KiB slab.
    const wide = makeTable({
      id: '00000000-0000-4000-8000-0000000000ff', name: 'wide', regulars: [{ name: 'v', type: nativeType('int') }],
      clustering: Array.from({ length: 5000 }, (_, i) => ({ name: `c${String(i).padStart(4, '0')}`, type: nativeType('text'), order: 'asc' as const })),
    });
    const m = new Memtable({ layout: tableLayoutOf(wide) });
    const clustering = (n: number) => Array.from({ length: 5000 }, (_, i) => (i === 0 ? int(n) : Buffer.alloc(0)));
    const rows = [0, 1, 2].map((n) => row(clustering(n), { liveness: marker(BASE + n), cells: [liveCell('v', int(n), BASE + n)] }));
    // Partition 1 gets one row (a whole-partition encoding), partition 2 three (a row run: each row encoded).
    m.apply(update(wide.id, 1, { rows: [rows[0]!] }));
    m.apply(update(wide.id, 2, { rows }));
    expect(m.get(pkOf(1))!.encoded).not.toBeNull();
    expect(m.get(pkOf(1))!.onlyRow).toEqual(rows[0]);
    expect(m.get(pkOf(2))!.rowsInOrder()).toEqual(rows);
    const encodedRows: EncodedRow[] = [];
    m.get(pkOf(2))!.forEachRow((v) => { if (v instanceof EncodedRow) encodedRows.push(v); });
    expect(encodedRows.length).toBe(3);
    const buffers = [m.get(pkOf(1))!.slab!, ...encodedRows.map((e) => e.slab)];
    expect(new Set(buffers).size).toBe(4);
    for (const b of buffers) expect(b.length).toBeGreaterThan(5000);
  });

  it('give a partition the token halves and approximation of its BigInt token', () => {
    fc.assert(fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (token) => {
      const p = MemtablePartition.of(token, int(1));
      expect(p.token).toBe(token);
      expect(p.tokenApprox).toBe(Number(token));
      expect(BigInt(p.tokenHigh) * 2n ** 32n + BigInt(p.tokenLow)).toBe(token);
      expect(p.tokenLow).toBeGreaterThanOrEqual(0);
    }));
  });

  it('keep rows with TTLs expiring at different seconds, a tombstone or a deletion as objects, and re-encode a merge that stays plain', () => {
    const m = apply([
      update(T, 1, { rows: [row([int(0)], { cells: [expiringCell('v', int(1), BASE, 60, 1_800_000_000), expiringCell('w', text('x'), BASE, 61, 1_800_000_001)] })] }),
      update(T, 2, { rows: [row([int(0)], { cells: [tombstoneCell('v', BASE, 1_700_000_000)] })] }),
      update(T, 3, { rows: [row([int(0)], { deletion: deletion(BASE) })] }),
      update(T, 4, { rows: [row([int(0)], { cells: [liveCell('v', int(1), BASE)] })] }),
      update(T, 4, { rows: [row([int(0)], { cells: [liveCell('v', int(2), BASE + 1), liveCell('w', text('x'), BASE)] })] }),
    ], true);
    for (const pk of [1, 2, 3]) expect(m.get(pkOf(pk))!.encoded).toBeNull();
    const merged = m.get(pkOf(4))!;
    expect(merged.encoded).not.toBeNull();
    expect(merged.onlyRow!.cells.map((c) => [c.column, c.value])).toEqual([['v', int(2)], ['w', text('x')]]);
    const expiring = apply([update(T, 5, { rows: [row([int(0)], { liveness: marker(BASE, 60, 1_800_000_000), cells: [expiringCell('v', int(1), BASE, 60, 1_800_000_000)] })] })], true).get(pkOf(5))!;
    expect([expiring.encoded?.expiringCount, expiring.encoded?.dropTimeSeconds]).toEqual([2, 1_800_000_000]);
  });

  it('keep the rows of a many-row partition encoded against one base, rows expiring at one second included', () => {
    const ttl = (ck: number, ts: number) => row([int(ck)], { liveness: marker(ts, 60, 1_800_000_000), cells: [expiringCell('v', int(ck), ts, 60, 1_800_000_000)] });
    const mixed = row([int(9)], { cells: [expiringCell('v', int(1), BASE, 60, 1_800_000_000), expiringCell('w', text('x'), BASE, 70, 1_800_000_010)] });
    const m = apply([update(T, 1, { rows: [ttl(0, BASE + 7), ttl(1, BASE - 3), ttl(2, BASE + 2 ** 20), mixed] })], true);
    const p = m.get(pkOf(1))!;
    expect(p.base).toBe(BASE + 7); // the first row's: the rows start a run with it
    const kinds: string[] = [];
    p.forEachRow((v) => kinds.push(v instanceof EncodedRow ? `encoded:${v.expiringCount}@${v.dropTimeSeconds}` : 'objects'));
    // The run's rows keep their encodings in the tree the mixed row turns it into.
    expect(kinds).toEqual(['encoded:2@1800000000', 'encoded:2@1800000000', 'encoded:2@1800000000', 'objects']);
    expect(p.rowsInOrder().map((r) => r.cells[0]!.timestampMicros)).toEqual([BASE + 7, BASE - 3, BASE + 2 ** 20, BASE]);
  });

  it('count the slab bytes an overwrite leaves behind', () => {
    const write = (v: number) => update(T, 1, { rows: [row([int(0)], { cells: [liveCell('v', int(v), BASE + v)] })] });
    const m = new Memtable(source);
    m.apply(write(0));
    const first = m.sizeBytes;
    const bytes = m.get(pkOf(1))!.encoded!.length;
    for (let v = 1; v <= 100; v++) m.apply(write(v));
    // Each overwrite leaves the previous encoding in its slab: the memtable's size says so.
    expect(m.sizeBytes).toBe(first + 100 * bytes);
    expect(m.encodedRows.slabBytes).toBe(101 * bytes);
  });

  it('hold what row objects would hold, under any mix of writes', () => {
    fc.assert(fc.property(fc.array(updateArb, { minLength: 1, maxLength: 40 }), (updates) => {
      const encoded = partitionsOf(apply(updates, true));
      const objects = partitionsOf(apply(updates, false));
      expect(encoded.map(contentsOf)).toEqual(objects.map(contentsOf));
    }), { numRuns: 300 });
  });

  it('flush to the SSTable (contents and statistics) that row objects flush to', async () => {
    await fc.assert(fc.asyncProperty(fc.array(updateArb, { minLength: 1, maxLength: 40 }), async (updates) => {
      const disk = new MemoryDisk();
      const withBytes = apply(updates, true);
      let encodedCount = 0;
      for (const p of partitionsOf(withBytes)) {
        if (p.encoded !== null) encodedCount++;
        else if (p.tree !== null) p.forEachRow((v) => { if (v instanceof EncodedRow) encodedCount++; });
      }
      const decodes = [vi.spyOn(EncodedRows.prototype, 'decode'), vi.spyOn(EncodedRows.prototype, 'decodeRow')];
      const decode = { calls: () => decodes[0]!.mock.calls.length + decodes[1]!.mock.calls.length };
      let copied: SSTableReader | null;
      let fallback: SSTableReader | null;
      try {
        copied = await flush(withBytes, disk, 1, true);
        expect(decode.calls()).toBe(0); // copied as they are
        fallback = await flush(withBytes, disk, 3, false); // another dictionary: every row is decoded and encoded again
        expect(decode.calls()).toBe(encodedCount);
      } finally {
        for (const d of decodes) d.mockRestore();
      }
      const reference = await flush(apply(updates, false), disk, 2, false);
      expect(readAll(copied!)).toEqual(readAll(reference!));
      expect(readAll(fallback!)).toEqual(readAll(reference!));
      const stats = (g: number) => {
        // Sizes may differ by a byte or so: an encoded tree's header base is its first encoded
        // row's timestamp, not the partition's first timestamp, so deltas can take other lengths.
        const { columns: _, generation: __, maxPartitionBytes: ___, partitionSizeCounts: ____, ...rest } = readSSTableMetadata(disk, '/d', g).statistics;
        return rest;
      };
      expect(stats(1)).toEqual(stats(2));
      expect(stats(3)).toEqual(stats(2));
    }), { numRuns: 150 });
  });

  it('flush through objects when the memtable needs absolute timestamps', async () => {
    const m = apply([
      update(T, 1, { rows: [row([int(0)], { cells: [liveCell('v', int(1), 5)] })] }),
      update(T, 2, { rows: [row([int(0)], { cells: [liveCell('v', int(2), 2 ** 52)] })] }),
    ], true);
    expect(m.get(pkOf(1))!.encoded).not.toBeNull();
    const disk = new MemoryDisk();
    const reader = await flush(m, disk, 1, true);
    const rows = readAll(reader!) as Array<{ rows: Row[] }>;
    expect(rows.flatMap((p) => p.rows.map((r) => r.cells[0]!.timestampMicros)).sort((a, b) => a - b)).toEqual([5, 2 ** 52]);
  });

  it('keep an encoded partition\'s key and token in its bytes only, through overwrites and lookups', async () => {
    const m = new Memtable(source);
    // Key lengths around the varint's one-byte limit; the last two share a token (a collision).
    const keys = [1, 127, 128, 300, 301].map((n) => Buffer.alloc(n, n % 251));
    const tokens = [-5n, 2n ** 62n + 1n, -(2n ** 63n), 77n, 77n];
    const write = (i: number, v: number): void => {
      m.apply({ tableId: T, key: Buffer.from(keys[i]!), token: tokens[i]!, partitionDeletion: null, staticRow: null, rangeTombstones: [], rows: [row([int(1)], { cells: [liveCell('v', int(v), BASE + v)] })] });
    };
    for (let i = 0; i < keys.length; i++) write(i, i);
    for (let i = 0; i < keys.length; i++) {
      const p = m.get({ token: tokens[i]!, key: keys[i]! })!;
      expect(p.encoded).not.toBeNull();
      expect(p.key).toEqual(keys[i]);
      expect(p.token).toBe(tokens[i]);
      // The same token with another key of the same length, and the same key under another token, are other partitions.
      const other = Buffer.from(keys[i]!);
      other[other.length - 1]! ^= 1;
      expect(m.get({ token: tokens[i]!, key: other })).toBeUndefined();
      expect(m.get({ token: tokens[i]! + 1n, key: keys[i]! })).toBeUndefined();
    }
    // Overwrites go through objects and are encoded again: key and token stay, and so do the others'.
    for (let i = 0; i < keys.length; i++) write(i, 100 + i);
    for (let i = 0; i < keys.length; i++) {
      const p = m.get({ token: tokens[i]!, key: keys[i]! })!;
      expect(p.encoded).not.toBeNull();
      expect(p.key).toEqual(keys[i]);
      expect(p.onlyRow!.cells[0]!.value.readInt32BE(0)).toBe(100 + i);
    }
    expect(m.partitionCount).toBe(keys.length);
    // A deletion keeps the partition as objects, with its key.
    m.apply({ tableId: T, key: Buffer.from(keys[3]!), token: tokens[3]!, partitionDeletion: deletion(BASE + 1), staticRow: null, rangeTombstones: [], rows: [] });
    const deleted = m.get({ token: tokens[3]!, key: keys[3]! })!;
    expect(deleted.encoded).toBeNull();
    expect(deleted.key).toEqual(keys[3]);
    expect(deleted.partitionDeletion).toEqual(deletion(BASE + 1));
    // The flush finds every key.
    const reader = await flush(m, new MemoryDisk(), 1, true);
    const flushed = readAll(reader!) as Array<{ key: Buffer }>;
    expect(flushed.map((p) => p.key.toString('hex')).sort()).toEqual(keys.map((k) => k.toString('hex')).sort());
  });
});
