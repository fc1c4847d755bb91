// Reads through a recycling chunk cache far smaller than the data (every load evicts and reuses a
// buffer) return exactly what was written, even when partitions, rows and index entries are held
// across later loads as merges and range scans hold them.
import { describe, expect, it } from 'vitest';
import { MemoryDisk } from '../../io/index.ts';
import type { Disk } from '../../io/index.ts';
import type { Row } from '../model.ts';
import { comparePartitionKeys } from '../memtable/memtable.ts';
import type { SSTablePartition } from './sstable-reader.ts';
import { tableLayoutOf } from '../table-layout.ts';
import { TABLE_MAIN, int, liveCell, marker, pkOf, row, text } from '../testing/fixtures.ts';
import { ChunkCache } from './chunk-cache.ts';
import { compressionParamsOf } from './compression.ts';
import type { CompressionParams } from './compression.ts';
import { KeyCache } from './key-cache.ts';
import type { IndexEntry } from './sstable-reader.ts';
import { SSTableReader } from './sstable-reader.ts';
import type { SSTablePartitionInput } from './sstable-writer.ts';
import { writeSSTable } from './sstable-writer.ts';

const layout = tableLayoutOf(TABLE_MAIN);
const DIR = '/data/t';
const CHUNK_BYTES = 4096;

/** Partition pk: rowsPer(pk) rows; row ck holds v = pk * 100000 + ck and a text that names both. */
function partitions(count: number, rowsPer: (pk: number) => number): SSTablePartitionInput[] {
  const out: SSTablePartitionInput[] = [];
  for (let pk = 0; pk < count; pk++) {
    const { key, token } = pkOf(pk);
    const rows: Row[] = [];
    for (let ck = 0; ck < rowsPer(pk); ck++) {
      rows.push(row([int(ck)], { liveness: marker(1000), cells: [liveCell('v', int(pk * 100_000 + ck), 1000), liveCell('w', text(`p${pk}r${ck}${'x'.repeat(40)}`), 1000)] }));
    }
    out.push({ key, token, partitionDeletion: null, staticRow: null, rows, rangeTombstones: [] });
  }
  return out.sort(comparePartitionKeys);
}

async function writeAndOpen(disk: Disk, input: SSTablePartitionInput[], compression: CompressionParams, cache: ChunkCache): Promise<SSTableReader> {
  await writeSSTable({
    disk, directory: DIR, generation: 1, layout, compression, partitions: input, partitionCountEstimate: input.length,
    commitLogPosition: { segmentId: 1, offsetBytes: 1 }, timestampRange: { minMicros: 0, maxMicros: 10_000 }, level: 0, createdAtSeconds: 1,
    yieldToEventLoop: () => Promise.resolve(),
  });
  return SSTableReader.open(disk, DIR, 1, { chunkCache: cache, keyCache: new KeyCache<IndexEntry>(64 * 1024) });
}

function decode(rows: Row[]): string[] {
  return rows.map((r) => `${r.clustering[0]!.readInt32BE(0)}:${r.cells[0]!.value!.readInt32BE(0)}:${r.cells[1]!.value!.toString('utf8')}`);
}

function expected(pk: number, count: number): string[] {
  return [...Array(count).keys()].map((ck) => `${ck}:${pk * 100_000 + ck}:p${pk}r${ck}${'x'.repeat(40)}`);
}

describe('reads through a recycling chunk cache', () => {
  for (const [name, options] of [['none', { enabled: 'false', chunk_length_in_kb: '4' }], ['LZ4Compressor', { class: 'LZ4Compressor', chunk_length_in_kb: '4' }]] as const) {
    it(`hold partitions, rows and entries across loads intact (${name})`, async () => {
      const compression = compressionParamsOf(options).params;
      const rowsPer = (pk: number): number => (pk % 50 === 0 ? 600 : 1 + (pk % 4));
      const input = partitions(2000, rowsPer);
      // Two chunks' worth: nearly every load evicts one and reuses its buffer.
      const cache = new ChunkCache(2 * CHUNK_BYTES);
      const reader = await writeAndOpen(new MemoryDisk(), input, compression, cache);

      // Merge-like: find and open many partitions first, then decode them all.
      const held: Array<{ pk: number; partition: SSTablePartition; entry: IndexEntry }> = [];
      for (let pk = 0; pk < 2000; pk += 13) {
        const { key, token } = pkOf(pk);
        const entry = reader.find(token, key)!;
        held.push({ pk, entry, partition: reader.readPartition(layout, entry) });
      }
      const decoded: Array<{ pk: number; rows: Row[] }> = [];
      for (const { pk, partition, entry } of held) {
        expect(entry.key.equals(pkOf(pk).key)).toBe(true);
        const rows: Row[] = [];
        const cursor = partition.rows(pk % 2 === 1, null);
        for (let r = cursor.next(); r !== null; r = cursor.next()) rows.push(r);
        if (pk % 2 === 1) rows.reverse();
        decoded.push({ pk, rows });
      }
      // Rows decoded first are still intact after all the later loads.
      for (const { pk, rows } of decoded) expect(decode(rows)).toEqual(expected(pk, rowsPer(pk)));

      // Range scan: entries held while partitions are read, keys compared afterwards.
      const scanner = reader.scan(() => 1);
      const entries: IndexEntry[] = [];
      for (let e = scanner.next(); e !== null; e = scanner.next()) {
        entries.push(e);
        reader.readPartition(layout, e);
      }
      expect(entries.map((e) => e.key.toString('hex'))).toEqual(input.map((p) => p.key.toString('hex')));

      // Key cache hits return the same entries as index scans.
      for (let pk = 0; pk < 2000; pk += 13) {
        const { key, token } = pkOf(pk);
        expect(reader.find(token, key)!.key.equals(key)).toBe(true);
      }
      expect(cache.stats().misses).toBeGreaterThan(100);
      expect(cache.stats().bytes).toBeLessThanOrEqual(2 * CHUNK_BYTES);
    });
  }
});

describe('ChunkCache buffer recycling', () => {
  it('reuses an evicted buffer for the next allocation and bumps the epoch', () => {
    const cache = new ChunkCache(2 * 100);
    const f = cache.registerFile();
    const a = cache.allocate(104);
    const b = cache.allocate(104);
    cache.put(f, 0, a.subarray(0, 100));
    cache.put(f, 1, b.subarray(0, 100));
    const epoch = cache.recycleEpoch;
    cache.put(f, 2, cache.allocate(104).subarray(0, 100));
    expect(cache.recycleEpoch).toBe(epoch + 1);
    // a's slot, whole again, though the cache held a shorter view of it.
    const again = cache.allocate(104);
    expect([again.buffer, again.byteOffset, again.length]).toEqual([a.buffer, a.byteOffset, 104]);
  });

  it('carves new buffers from shared stores in disjoint slots, one store per size', () => {
    const cache = new ChunkCache(1 << 20);
    const slots = Array.from({ length: 300 }, () => cache.allocate(4100));
    const stores = new Set(slots.map((b) => b.buffer));
    // 1 MiB stores hold 255 slots of 4100 bytes.
    expect(stores.size).toBe(2);
    slots.forEach((b, i) => b.fill(i & 0xff));
    slots.forEach((b, i) => expect(b.every((x) => x === (i & 0xff))).toBe(true));
    expect(cache.allocate(512).buffer).not.toBe(slots[0]!.buffer);
    // A chunk too large to share a store gets one of its own.
    const big = cache.allocate(300 * 1024);
    expect([big.byteOffset, big.buffer.byteLength]).toEqual([0, 300 * 1024]);
  });

  it('never reuses buffers it did not allocate, nor any when it does not recycle', () => {
    const recycling = new ChunkCache(100);
    const f = recycling.registerFile();
    const foreign = Buffer.allocUnsafeSlow(100);
    recycling.put(f, 0, foreign);
    recycling.put(f, 1, Buffer.allocUnsafeSlow(100));
    expect(recycling.allocate(100).buffer).not.toBe(foreign.buffer);

    const plain = new ChunkCache(100, { recycle: false });
    const g = plain.registerFile();
    const first = plain.allocate(100).fill(7);
    plain.put(g, 0, first);
    plain.put(g, 1, plain.allocate(100).fill(8));
    expect(plain.recycleEpoch).toBe(0);
    plain.allocate(100).fill(9);
    expect(first.every((b) => b === 7)).toBe(true);
  });
});
