import { describe, expect, it } from 'vitest';
import { MemoryDisk } from '../../io/index.ts';
import type { Disk } from '../../io/index.ts';
import { murmur3Token } from '../../lib/index.ts';
import { StorageCorruptionError } from '../errors.ts';
import type { Row } from '../model.ts';
import { comparePartitionKeys } from '../memtable/memtable.ts';
import { tableLayoutOf } from '../table-layout.ts';
import { TABLE_MAIN, int, liveCell, marker, pkOf, row, text } from '../testing/fixtures.ts';
import { compressionParamsOf } from './compression.ts';
import type { CompressionParams } from './compression.ts';
import { PartitionIndexBudget } from './partition-index-budget.ts';
import { PartitionIndexScan, SSTableReader, readSSTableMetadata } from './sstable-reader.ts';
import type { SSTablePartitionInput } from './sstable-writer.ts';
import { writeSSTable } from './sstable-writer.ts';
import { Component, ROW_INDEX_BLOCK_BYTES } from './sstable-format.ts';

const layout = tableLayoutOf(TABLE_MAIN);
const DIR = '/data/t';
const LZ4 = compressionParamsOf({ class: 'LZ4Compressor', chunk_length_in_kb: '16' }).params;
const NONE = compressionParamsOf({ enabled: 'false' }).params;
const CHUNK = 16 * 1024;

function partitions(count: number, rowsPer: (pk: number) => number): SSTablePartitionInput[] {
  const out: SSTablePartitionInput[] = [];
  for (let pk = 0; pk < count; pk++) {
    const { key, token } = pkOf(pk);
    const rows: Row[] = [];
    for (let ck = 0; ck < rowsPer(pk); ck++) {
      rows.push(row([int(ck)], { liveness: marker(1000 + ck), cells: [liveCell('v', int(pk * 1000 + ck), 1000 + ck), liveCell('w', text(`${'x'.repeat(30)}${ck % 97}`), 1000)] }));
    }
    out.push({ key, token, partitionDeletion: null, staticRow: pk % 7 === 0 ? row([], { cells: [liveCell('s', int(pk), 5)] }) : null, rows, rangeTombstones: [] });
  }
  return out.sort(comparePartitionKeys);
}

async function write(disk: Disk, input: SSTablePartitionInput[], options: { generation?: number; compression?: CompressionParams } = {}): Promise<SSTableReader> {
  const reader = await writeSSTable({
    disk, directory: DIR, generation: options.generation ?? 1, layout, compression: options.compression ?? LZ4, partitions: input, partitionCountEstimate: input.length,
    commitLogPosition: { segmentId: 3, offsetBytes: 77 }, timestampRange: { minMicros: 0, maxMicros: 10_000 }, level: 0, createdAtSeconds: 1,
    yieldToEventLoop: () => Promise.resolve(),
  });
  return reader!;
}

function allRows(reader: SSTableReader, pk: number, reversed = false): number[] {
  const { key, token } = pkOf(pk);
  const entry = reader.find(token, key);
  if (entry === null) return [];
  const cursor = reader.readPartition(layout, entry).rows(reversed, null);
  const out: number[] = [];
  for (let r = cursor.next(); r !== null; r = cursor.next()) out.push(r.clustering[0]!.readInt32BE(0));
  return out;
}

/** A disk that counts the bytes read through files it opens. */
function countingDisk(disk: MemoryDisk): { disk: Disk; readBytes: () => number } {
  let bytes = 0;
  const counted: Disk = {
    ...disk.processView(),
    openRead(path) {
      const file = disk.openRead(path);
      return {
        path: file.path,
        sizeBytes: file.sizeBytes,
        read(o) {
          const n = file.read(o);
          bytes += n;
          return n;
        },
        close: () => file.close(),
      };
    },
  };
  return { disk: counted, readBytes: () => bytes };
}

describe('SSTable write and read', () => {
  it('uses a dense partition index built elsewhere (structured-cloned from a worker), sampled when the budget says so', async () => {
    const disk = new MemoryDisk();
    await write(disk, partitions(500, (pk) => 1 + (pk % 2)));
    const built = SSTableReader.open(disk, DIR, 1).partitionIndex;
    const { statistics, filter, info } = readSSTableMetadata(disk, DIR, 1);
    for (const [budget, interval] of [[new PartitionIndexBudget(), 1], [new PartitionIndexBudget(1000), 16]] as const) {
      const reader = SSTableReader.fromWritten({
        disk, prepared: { directory: DIR, generation: 1, statistics, filter, dataTable: info.data, indexTable: info.index, compression: info, partitionIndex: structuredClone(built) },
        chunkCache: null, keyCache: null, indexBudget: budget,
      });
      expect(reader.partitionIndexInterval).toBe(interval);
      for (let pk = 0; pk < 520; pk += 3) expect(allRows(reader, pk)).toEqual(pk < 500 ? [...Array(1 + (pk % 2)).keys()] : []);
      reader.close();
      expect(budget.usedBytes).toBe(0);
    }
  });

  it('builds the same partition index in steps of a few entries as in one go, and checks the count', async () => {
    const disk = new MemoryDisk();
    // Keys long enough that entries straddle Index.db chunks (the general parser between steps).
    await write(disk, partitions(2000, (pk) => 1 + (pk % 2)), { compression: compressionParamsOf({ class: 'LZ4Compressor', chunk_length_in_kb: '4' }).params });
    const whole = SSTableReader.open(disk, DIR, 1).partitionIndex;
    const { statistics, info } = readSSTableMetadata(disk, DIR, 1);
    const sampled = SSTableReader.open(disk, DIR, 1, { indexBudget: new PartitionIndexBudget(2000) }).partitionIndex;
    expect(sampled.interval).toBeGreaterThan(1);
    for (const expected of [whole, sampled]) {
      const interval = expected.interval;
      const file = disk.openRead(`${DIR}/cb-1-${Component.Index}`);
      const scan = new PartitionIndexScan({
        file, indexTable: info.index, compressor: info.compressor, partitionCount: statistics.partitionCount, dataEndBytes: info.data.logicalLengthBytes, interval,
      });
      let steps = 1;
      while (!scan.step(7)) steps++;
      expect(steps).toBeGreaterThanOrEqual(Math.ceil(2000 / 7));
      expect(scan.finish()).toEqual(expected);
      file.close();
    }
    const file = disk.openRead(`${DIR}/cb-1-${Component.Index}`);
    const short = new PartitionIndexScan({
      file, indexTable: info.index, compressor: info.compressor, partitionCount: 2001, dataEndBytes: info.data.logicalLengthBytes, interval: 1,
    });
    while (!short.step(100));
    expect(() => short.finish()).toThrow(StorageCorruptionError);
  });

  it('makes a sampled index dense in scheduled steps once another SSTable frees the budget, reads right throughout', async () => {
    const disk = new MemoryDisk();
    await write(disk, partitions(3000, () => 1), { generation: 1 });
    await write(disk, partitions(3000, () => 1), { generation: 2 });
    const oneDense = SSTableReader.open(disk, DIR, 1).partitionIndex.sizeBytes;
    const budget = new PartitionIndexBudget(oneDense + 1000);
    const turns: Array<() => void> = [];
    budget.setScheduler((run) => turns.push(run));
    const first = SSTableReader.open(disk, DIR, 1, { indexBudget: budget });
    const second = SSTableReader.open(disk, DIR, 2, { indexBudget: budget });
    expect([first.partitionIndexInterval, second.partitionIndexInterval > 1]).toEqual([1, true]);
    first.close();
    expect(second.partitionIndexInterval).toBeGreaterThan(1); // not rebuilt in the closing call
    let ran = 0;
    while (turns.length > 0 && ran < 1000) {
      turns.shift()!();
      ran++;
      for (let pk = ran % 7; pk < 3010; pk += 97) expect(allRows(second, pk)).toEqual(pk < 3000 ? [0] : []);
    }
    expect(second.partitionIndexInterval).toBe(1);
    expect(ran).toBe(2); // 3000 entries: one step, then a turn that finds nothing more to upgrade
    expect(budget.usedBytes).toBe(second.partitionIndex.sizeBytes);
    for (let pk = 0; pk < 3010; pk += 7) expect(allRows(second, pk)).toEqual(pk < 3000 ? [0] : []);
  });

  it('finds every partition through filter, partition index (dense and sampled) and Index.db, and no absent one', async () => {
    const disk = new MemoryDisk();
    const input = partitions(3000, (pk) => 1 + (pk % 3));
    const written = await write(disk, input);
    const reopened = SSTableReader.open(disk, DIR, 1);
    expect(reopened.partitionIndex.dense).toBe(true);
    expect(reopened.partitionIndex.count).toBe(3000);
    // A budget that only fits a sampled index: lookups scan Index.db from the samples.
    const sampled = SSTableReader.open(disk, DIR, 1, { indexBudget: new PartitionIndexBudget(3000) });
    expect(sampled.partitionIndexInterval).toBe(32);
    expect(sampled.partitionIndex.sizeBytes).toBeLessThanOrEqual(3000);
    expect(reopened.statistics.partitionCount).toBe(3000);
    expect(reopened.statistics.commitLogPosition).toEqual({ segmentId: 3, offsetBytes: 77 });
    for (const reader of [written, reopened, sampled]) {
      for (let pk = 0; pk < 3000; pk += 37) expect(allRows(reader, pk)).toEqual([...Array(1 + (pk % 3)).keys()]);
      for (let pk = 3000; pk < 3100; pk++) expect(allRows(reader, pk)).toEqual([]);
    }
  });

  for (const name of ['LZ4Compressor', 'ZstdCompressor', 'DeflateCompressor', 'SnappyCompressor', 'none']) {
    it(`round-trips with ${name} chunks and compresses repetitive data`, async () => {
      const disk = new MemoryDisk();
      const compression = compressionParamsOf(name === 'none' ? { enabled: 'false' } : { class: name, chunk_length_in_kb: '4' }).params;
      const input = partitions(300, () => 20);
      const reader = await write(disk, input, { compression });
      const reopened = SSTableReader.open(disk, DIR, 1);
      for (let pk = 0; pk < 300; pk += 7) expect(allRows(reopened, pk)).toEqual([...Array(20).keys()]);
      const ratio = reader.dataLogicalBytes / reader.dataPhysicalBytes;
      if (name === 'none') expect(ratio).toBeLessThan(1);
      else expect(ratio).toBeGreaterThan(2);
    });
  }

  it('finds keys of every length, including entries longer than the padding allows', async () => {
    const disk = new MemoryDisk();
    const input: SSTablePartitionInput[] = [];
    for (let i = 0; i < 2000; i++) {
      const key = Buffer.alloc(2 + ((i * 7919) % 700), i % 251);
      key.writeUInt16BE(i, 0);
      input.push({ key, token: murmur3Token(key), partitionDeletion: null, staticRow: null, rows: [row([int(i)], { liveness: marker(1) })], rangeTombstones: [] });
    }
    // A few keys longer than an index chunk: their entries must straddle chunks.
    for (let i = 0; i < 5; i++) {
      const key = Buffer.alloc(CHUNK + 100 * i, 0x41 + i);
      input.push({ key, token: murmur3Token(key), partitionDeletion: null, staticRow: null, rows: [row([int(i)], { liveness: marker(1) })], rangeTombstones: [] });
    }
    const unique = [...new Map(input.map((p) => [p.key.toString('hex'), p])).values()].sort(comparePartitionKeys);
    for (const reader of [await write(disk, unique), SSTableReader.open(disk, DIR, 1)]) {
      for (const p of unique) expect(reader.find(p.token, p.key)?.key.equals(p.key)).toBe(true);
      for (const p of unique.slice(0, 200)) {
        const other = Buffer.concat([p.key, Buffer.from([0])]);
        expect(reader.find(p.token, other)).toBeNull();
        expect(reader.find(murmur3Token(other), other)).toBeNull();
      }
    }
  });

  it('scans partitions in token order from any start', async () => {
    const disk = new MemoryDisk();
    const input = partitions(1000, () => 1);
    const reader = await write(disk, input);
    for (const startIndex of [0, 1, 127, 128, 129, 500, 999]) {
      const start = input[startIndex]!;
      const scanner = reader.scan((t, k) => comparePartitionKeys({ token: t, key: k }, start));
      const seen: bigint[] = [];
      for (let e = scanner.next(); e !== null; e = scanner.next()) seen.push(e.token);
      expect(seen).toEqual(input.slice(startIndex).map((p) => p.token));
    }
  });

  it('reads a partition spanning many row-index blocks, forward, reversed and from a position', async () => {
    const disk = new MemoryDisk();
    const input = partitions(3, () => 2000);
    const reader = await write(disk, input);
    const { key, token } = pkOf(2);
    const entry = reader.find(token, key)!;
    expect(entry.rowIndexOffsetBytes).toBeGreaterThan(0);
    expect(entry.dataLengthBytes).toBeGreaterThan(ROW_INDEX_BLOCK_BYTES * 4);
    const expected = [...Array(2000).keys()];
    expect(allRows(reader, 1)).toEqual(expected);
    expect(allRows(reader, 1, true)).toEqual([...expected].reverse());
    const partition = reader.readPartition(layout, entry);
    for (const at of [0, 1, 399, 400, 1500, 1998]) {
      const from = partition.rows(false, { values: [int(at)], side: 1 });
      expect(from.next()!.clustering[0]!.readInt32BE(0)).toBe(at + 1);
      const back = partition.rows(true, { values: [int(at)], side: 0 });
      expect(back.next()!.clustering[0]!.readInt32BE(0)).toBe(at);
      if (at > 0) expect(back.next()!.clustering[0]!.readInt32BE(0)).toBe(at - 1);
    }
    expect(partition.rows(false, { values: [int(1999)], side: 1 }).next()).toBeNull();
    expect(partition.rows(true, { values: [int(0)], side: -1 }).next()).toBeNull();
  });

  it('reads a small slice of a 100 MB partition by reading kilobytes, not the partition', async () => {
    const memory = new MemoryDisk();
    const big = Buffer.alloc(1000, 0x5a);
    const rows: Row[] = [];
    for (let ck = 0; ck < 100_000; ck++) rows.push(row([int(ck)], { liveness: marker(1000), cells: [liveCell('w', big, 1000)] }));
    const { key, token } = pkOf(1);
    await write(memory, [{ key, token, partitionDeletion: null, staticRow: null, rows, rangeTombstones: [] }], { compression: NONE });
    const counting = countingDisk(memory);
    const reader = SSTableReader.open(counting.disk, DIR, 1);
    const entry = reader.find(token, key)!;
    expect(entry.dataLengthBytes).toBeGreaterThan(100_000_000);
    const before = counting.readBytes();
    const partition = reader.readPartition(layout, entry);
    const forward = partition.rows(false, { values: [int(73_210)], side: -1 });
    for (let i = 0; i < 10; i++) expect(forward.next()!.clustering[0]!.readInt32BE(0)).toBe(73_210 + i);
    const backward = partition.rows(true, { values: [int(51_000)], side: 1 });
    for (let i = 0; i < 10; i++) expect(backward.next()!.clustering[0]!.readInt32BE(0)).toBe(51_000 - i);
    const read = counting.readBytes() - before;
    // Two lookups, each about six 16 KiB chunks: partition header, row-index trailer and samples,
    // one entry group and its offsets, one or two data blocks (measured: ~190 KB for both).
    expect(read).toBeLessThan(256 * 1024);
  });

  it('throws a corruption error naming the file and offset when a Data chunk is damaged', async () => {
    const disk = new MemoryDisk();
    const reader = await write(disk, partitions(50, () => 200), { compression: NONE });
    const dataPath = reader.path(Component.Data);
    const chunkIndex = 2;
    const physical = chunkIndex * (NONE.chunkLengthBytes + 4);
    disk.corrupt(dataPath, physical + 100, Buffer.from([disk.peek(dataPath)![physical + 100]! ^ 0x01]));
    const fresh = SSTableReader.open(disk, DIR, 1);
    let error: unknown = null;
    for (let pk = 0; pk < 50 && error === null; pk++) {
      try {
        allRows(fresh, pk);
      } catch (e) {
        error = e;
      }
    }
    expect(error).toBeInstanceOf(StorageCorruptionError);
    expect((error as StorageCorruptionError).path).toBe(dataPath);
    expect((error as StorageCorruptionError).offsetBytes).toBe(physical);
    expect((error as StorageCorruptionError).message).toMatch(/chunk 2 checksum mismatch/);
  });

  it('refuses to open an SSTable whose index, statistics, compression info or size is damaged', async () => {
    const disk = new MemoryDisk();
    const reader = await write(disk, partitions(500, () => 1));
    const indexPath = reader.path(Component.Index);
    disk.corrupt(indexPath, 5, Buffer.from([disk.peek(indexPath)![5]! ^ 0x80]));
    expect(() => SSTableReader.open(disk, DIR, 1)).toThrow(StorageCorruptionError);

    const disk2 = new MemoryDisk();
    const reader2 = await write(disk2, partitions(10, () => 1));
    disk2.corrupt(reader2.path(Component.Statistics), 20, Buffer.from('#'));
    expect(() => SSTableReader.open(disk2, DIR, 1)).toThrow(/statistics/);

    const disk3 = new MemoryDisk();
    const reader3 = await write(disk3, partitions(10, () => 1));
    const dataPath = reader3.path(Component.Data);
    const bytes = disk3.peek(dataPath)!;
    const f = disk3.openWrite(dataPath, { truncate: true });
    f.append(bytes.subarray(0, bytes.length - 3));
    expect(() => SSTableReader.open(disk3, DIR, 1)).toThrow(/size/);

    const disk4 = new MemoryDisk();
    const reader4 = await write(disk4, partitions(10, () => 1));
    disk4.corrupt(reader4.path(Component.CompressionInfo), 12, Buffer.from([0xff]));
    expect(() => SSTableReader.open(disk4, DIR, 1)).toThrow(/compression info/);
  });

  it('cuts uncompressed tables into 4 KiB chunks unless the table names a length', () => {
    expect(NONE.chunkLengthBytes).toBe(4096);
    expect(compressionParamsOf({}).params.chunkLengthBytes).toBe(4096);
    expect(compressionParamsOf({ enabled: 'false', chunk_length_in_kb: '64' }).params.chunkLengthBytes).toBe(65536);
    expect(compressionParamsOf({ class: 'LZ4Compressor' }).params.chunkLengthBytes).toBe(CHUNK);
  });

  it('writes nothing for an empty input', async () => {
    const disk = new MemoryDisk();
    const reader = await writeSSTable({
      disk, directory: DIR, generation: 1, layout, compression: LZ4, partitions: [], partitionCountEstimate: 0, commitLogPosition: { segmentId: 1, offsetBytes: 20 },
      timestampRange: { minMicros: 0, maxMicros: 0 }, level: 0, createdAtSeconds: 0, yieldToEventLoop: () => Promise.resolve(),
    });
    expect(reader).toBeNull();
    expect(disk.list(DIR)).toEqual([]);
  });

  it('makes the TOC visible last, and only after the data components are durable', async () => {
    const disk = new MemoryDisk();
    await write(disk, partitions(5, () => 1));
    disk.crash({ seed: 1, unsyncedBytes: 'none' });
    expect(disk.list(DIR).filter((n) => !n.startsWith('tmp-'))).toEqual([
      'cb-1-CompressionInfo.db', 'cb-1-Data.db', 'cb-1-Filter.db', 'cb-1-Index.db', 'cb-1-Statistics.db', 'cb-1-TOC.txt',
    ]);
    expect(() => SSTableReader.open(disk, DIR, 1)).not.toThrow();
  });

  it('records statistics the planner uses: deletion times, sizes, timestamps', async () => {
    const disk = new MemoryDisk();
    const { key, token } = pkOf(1);
    const reader = await write(disk, [{
      key, token, partitionDeletion: null, staticRow: null, rangeTombstones: [],
      rows: [
        row([int(1)], { cells: [{ column: 'v', path: null, value: int(1), timestampMicros: 500, ttlSeconds: 10, localDeletionTimeSeconds: 1010, tombstone: false }] }),
        row([int(2)], { cells: [{ column: 'v', path: null, value: Buffer.alloc(0), timestampMicros: 600, ttlSeconds: 0, localDeletionTimeSeconds: 2000, tombstone: true }] }),
      ],
    }]);
    const s = reader.statistics;
    expect(s.maxLocalDeletionTimeSeconds).toBe(2000);
    expect(s.minTimestampMicros).toBe(500);
    expect(s.maxTimestampMicros).toBe(600);
    expect(s.tombstoneCount).toBe(1);
    expect(s.cellCount).toBe(2);
    expect(s.dropTimes.reduce((n, [, c]) => n + c, 0)).toBe(2);
    const withLive = await write(disk, partitions(3, () => 2), { generation: 2 });
    expect(withLive.statistics.maxLocalDeletionTimeSeconds).toBe(2147483647);
  });
});
