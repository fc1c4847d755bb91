import { describe, expect, it } from 'vitest';
import { MemoryDisk } from '../../io/index.ts';
import { murmur3Token } from '../../lib/index.ts';
import { StorageCorruptionError } from '../errors.ts';
import type { Row } from '../model.ts';
import { comparePartitionKeys } from '../memtable/memtable.ts';
import { tableLayoutOf } from '../table-layout.ts';
import { TABLE_MAIN, int, liveCell, marker, pkOf, row, text } from '../testing/fixtures.ts';
import { SSTableReader } from './sstable-reader.ts';
import type { SSTablePartitionInput } from './sstable-writer.ts';
import { writeSSTable } from './sstable-writer.ts';
import { CHUNK_CRC_BYTES, CHUNK_LENGTH_BYTES, Component } from './sstable-format.ts';

const layout = tableLayoutOf(TABLE_MAIN);
const DIR = '/data/t';

function partitions(count: number, rowsPer: (pk: number) => number): SSTablePartitionInput[] {
  const out: SSTablePartitionInput[] = [];
  for (let pk = 0; pk < count; pk++) {
    const { key, token } = pkOf(pk);
    const rows: Row[] = [];
    for (let ck = 0; ck < rowsPer(pk); ck++) {
      rows.push(row([int(ck)], { liveness: marker(1000 + ck), cells: [liveCell('v', int(pk * 1000 + ck), 1000 + ck), liveCell('w', text('x'.repeat(40)), 1000)] }));
    }
    out.push({ key, token, partitionDeletion: null, staticRow: pk % 7 === 0 ? row([], { cells: [liveCell('s', int(pk), 5)] }) : null, rows, rangeTombstones: [] });
  }
  return out.sort(comparePartitionKeys);
}

async function write(disk: MemoryDisk, input: SSTablePartitionInput[], generation = 1): Promise<SSTableReader> {
  const reader = await writeSSTable({
    disk, directory: DIR, generation, layout, partitions: input, partitionCountEstimate: input.length,
    commitLogPosition: { segmentId: 3, offsetBytes: 77 }, yieldToEventLoop: () => Promise.resolve(),
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

describe('SSTable write and read', () => {
  it('finds every partition through filter, summary and index, and no absent one', async () => {
    const disk = new MemoryDisk();
    const input = partitions(3000, (pk) => 1 + (pk % 3));
    const written = await write(disk, input);
    const reopened = SSTableReader.open(disk, DIR, 1);
    expect(reopened.summary.length).toBe(Math.ceil(3000 / 128));
    expect(reopened.statistics.partitionCount).toBe(3000);
    expect(reopened.statistics.commitLogPosition).toEqual({ segmentId: 3, offsetBytes: 77 });
    expect(reopened.statistics.indexLengthBytes).toBeGreaterThan(CHUNK_LENGTH_BYTES);
    for (const reader of [written, reopened]) {
      for (let pk = 0; pk < 3000; pk += 37) expect(allRows(reader, pk)).toEqual([...Array(1 + (pk % 3)).keys()]);
      for (let pk = 3000; pk < 3100; pk++) expect(allRows(reader, pk)).toEqual([]);
    }
  });

  it('finds keys of every length, including index entries that straddle chunks', async () => {
    const disk = new MemoryDisk();
    const input: SSTablePartitionInput[] = [];
    for (let i = 0; i < 2000; i++) {
      const key = Buffer.alloc(2 + ((i * 7919) % 700), i % 251);
      key.writeUInt16BE(i, 0);
      input.push({ key, token: murmur3Token(key), partitionDeletion: null, staticRow: null, rows: [row([int(i)], { liveness: marker(1) })], rangeTombstones: [] });
    }
    const unique = [...new Map(input.map((p) => [p.key.toString('hex'), p])).values()].sort(comparePartitionKeys);
    const reader = await write(disk, unique);
    expect(reader.statistics.indexLengthBytes).toBeGreaterThan(CHUNK_LENGTH_BYTES * 10);
    for (const p of unique) expect(reader.find(p.token, p.key)?.key.equals(p.key)).toBe(true);
    for (const p of unique.slice(0, 200)) {
      const other = Buffer.concat([p.key, Buffer.from([0])]);
      expect(reader.find(p.token, other)).toBeNull();
      expect(reader.find(murmur3Token(other), other)).toBeNull();
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

  it('reads a partition spanning many chunks, forward, reversed and from a position', async () => {
    const disk = new MemoryDisk();
    const input = partitions(3, () => 2000);
    const reader = await write(disk, input);
    expect(reader.statistics.dataLengthBytes).toBeGreaterThan(CHUNK_LENGTH_BYTES * 4);
    const expected = [...Array(2000).keys()];
    expect(allRows(reader, 1)).toEqual(expected);
    expect(allRows(reader, 1, true)).toEqual([...expected].reverse());
    const { key, token } = pkOf(2);
    const partition = reader.readPartition(layout, reader.find(token, key)!);
    const from = partition.rows(false, { values: [int(1500)], side: 1 });
    expect(from.next()!.clustering[0]!.readInt32BE(0)).toBe(1501);
    const back = partition.rows(true, { values: [int(10)], side: 0 });
    expect(back.next()!.clustering[0]!.readInt32BE(0)).toBe(10);
    expect(back.next()!.clustering[0]!.readInt32BE(0)).toBe(9);
  });

  it('throws a corruption error naming the file and offset when a Data chunk is damaged', async () => {
    const disk = new MemoryDisk();
    const reader = await write(disk, partitions(50, () => 200));
    const dataPath = reader.path(Component.Data);
    const chunkIndex = 2;
    const offset = chunkIndex * (CHUNK_LENGTH_BYTES + CHUNK_CRC_BYTES) + 100;
    disk.corrupt(dataPath, offset, Buffer.from([disk.peek(dataPath)![offset]! ^ 0x01]));
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
    expect((error as StorageCorruptionError).offsetBytes).toBe(chunkIndex * (CHUNK_LENGTH_BYTES + CHUNK_CRC_BYTES));
  });

  it('refuses to open an SSTable whose index, statistics or size is damaged', async () => {
    const disk = new MemoryDisk();
    const reader = await write(disk, partitions(500, () => 1));
    const indexPath = reader.path(Component.Index);
    disk.corrupt(indexPath, 5, Buffer.from([disk.peek(indexPath)![5]! ^ 0x80]));
    expect(() => SSTableReader.open(disk, DIR, 1)).toThrow(StorageCorruptionError);

    const disk2 = new MemoryDisk();
    const reader2 = await write(disk2, partitions(10, () => 1));
    const statsPath = reader2.path(Component.Statistics);
    disk2.corrupt(statsPath, 20, Buffer.from('#'));
    expect(() => SSTableReader.open(disk2, DIR, 1)).toThrow(/statistics/);

    const disk3 = new MemoryDisk();
    const reader3 = await write(disk3, partitions(10, () => 1));
    const dataPath = reader3.path(Component.Data);
    const bytes = disk3.peek(dataPath)!;
    const f = disk3.openWrite(dataPath, { truncate: true });
    f.append(bytes.subarray(0, bytes.length - 3));
    expect(() => SSTableReader.open(disk3, DIR, 1)).toThrow(/size/);
  });

  it('writes nothing for an empty input', async () => {
    const disk = new MemoryDisk();
    const reader = await writeSSTable({
      disk, directory: DIR, generation: 1, layout, partitions: [], partitionCountEstimate: 0,
      commitLogPosition: { segmentId: 1, offsetBytes: 20 }, yieldToEventLoop: () => Promise.resolve(),
    });
    expect(reader).toBeNull();
    expect(disk.list(DIR)).toEqual([]);
  });

  it('makes the TOC visible last, and only after the data components are durable', async () => {
    const disk = new MemoryDisk();
    await write(disk, partitions(5, () => 1));
    disk.crash({ seed: 1, unsyncedBytes: 'none' });
    expect(disk.list(DIR).filter((n) => !n.startsWith('tmp-'))).toEqual(['ca-1-Data.db', 'ca-1-Filter.db', 'ca-1-Index.db', 'ca-1-Statistics.db', 'ca-1-TOC.txt']);
    expect(() => SSTableReader.open(disk, DIR, 1)).not.toThrow();
  });
});
