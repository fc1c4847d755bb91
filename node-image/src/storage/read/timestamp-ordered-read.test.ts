// Timestamp-ordered single-partition reads (a table of one-row partitions): skipping SSTables that
// what was found already covers returns exactly what merging every SSTable returns, and skips
// some when newer data covers older SSTables without tombstones.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryDisk } from '../../io/index.ts';
import { nativeType } from '../../schema/index.ts';
import { comparePartitionKeys } from '../memtable/memtable.ts';
import type { Cell, ReadCommand, Row } from '../model.ts';
import { compressionParamsOf } from '../sstable/compression.ts';
import type { SSTableReader } from '../sstable/sstable-reader.ts';
import type { SSTablePartitionInput } from '../sstable/sstable-writer.ts';
import { writeSSTable } from '../sstable/sstable-writer.ts';
import { tableLayoutOf } from '../table-layout.ts';
import { deletion, int, liveCell, makeTable, marker, pkOf, row, text, tombstoneCell } from '../testing/fixtures.ts';
import { mergePartition } from './partition-merger.ts';
import type { PartitionSource } from './partition-source.ts';
import { executeReadCounted } from './read-executor.ts';
import { SSTableSet } from './sstable-set.ts';

const TABLE = makeTable({
  id: '00000000-0000-4000-8000-0000000000a1', name: 'kv',
  regulars: [{ name: 'v', type: nativeType('int') }, { name: 'w', type: nativeType('text') }],
});
const layout = tableLayoutOf(TABLE);
const NOW = 1_700_000_000;
const DIR = '/data/kv';
const PARTITIONS = 6;
const ALL = { kind: 'slices' as const, slices: [{ start: { values: [], inclusive: true }, end: { values: [], inclusive: true } }], reversed: false };

interface Version {
  readonly liveness: boolean;
  readonly v: 'absent' | 'live' | 'tombstone';
  readonly w: 'absent' | 'live';
  readonly rowDeletion: boolean;
  readonly partitionDeletion: boolean;
  readonly ts: number;
}

/** True one time in ten. */
const rare = fc.integer({ min: 0, max: 9 }).map((n) => n === 0);

const versionArb = fc.record({
  liveness: fc.boolean(), v: fc.constantFrom('absent' as const, 'live' as const, 'live' as const, 'tombstone' as const), w: fc.constantFrom('absent' as const, 'live' as const, 'live' as const),
  rowDeletion: rare, partitionDeletion: rare, ts: fc.integer({ min: 0, max: 99 }),
}) as fc.Arbitrary<Version>;

/** Per SSTable, per partition: a version or nothing. SSTable i's timestamps are mostly above SSTable i-1's. */
const tablesArb = fc.array(fc.array(fc.option(versionArb, { freq: 2 }), { minLength: PARTITIONS, maxLength: PARTITIONS }), { minLength: 2, maxLength: 4 });

function partitionOf(pk: number, version: Version, base: number): SSTablePartitionInput {
  const { key, token } = pkOf(pk);
  const ts = base + version.ts;
  const cells: Cell[] = [];
  if (version.v === 'live') cells.push(liveCell('v', int(pk * 1000 + ts), ts));
  if (version.v === 'tombstone') cells.push(tombstoneCell('v', ts, NOW - 10));
  if (version.w === 'live') cells.push(liveCell('w', text(`w${ts}`), ts));
  const r: Row = row([], { liveness: version.liveness ? marker(ts) : null, deletion: version.rowDeletion ? deletion(ts - 1, NOW - 10) : null, cells });
  const rows = cells.length > 0 || r.liveness !== null || r.deletion !== null ? [r] : [];
  return { key, token, partitionDeletion: version.partitionDeletion ? deletion(ts - 2, NOW - 10) : null, staticRow: null, rows, rangeTombstones: [] };
}

async function writeAll(disk: MemoryDisk, tables: ReadonlyArray<ReadonlyArray<Version | null>>, overlap: number): Promise<SSTableReader[]> {
  const readers: SSTableReader[] = [];
  for (let i = 0; i < tables.length; i++) {
    const input: SSTablePartitionInput[] = [];
    tables[i]!.forEach((v, pk) => {
      if (v !== null) input.push(partitionOf(pk, v, 1000 + i * (100 - overlap)));
    });
    if (input.length === 0) continue;
    const reader = await writeSSTable({
      disk, directory: DIR, generation: i + 1, layout, compression: compressionParamsOf({ class: 'LZ4Compressor', chunk_length_in_kb: '4' }).params,
      partitions: input.sort(comparePartitionKeys), partitionCountEstimate: input.length, commitLogPosition: { segmentId: 1, offsetBytes: 0 },
      timestampRange: { minMicros: 0, maxMicros: 10_000 }, level: 0, createdAtSeconds: 1, yieldToEventLoop: () => Promise.resolve(),
    });
    readers.push(reader!);
  }
  return readers;
}

function command(pk: number): ReadCommand {
  const { key, token } = pkOf(pk);
  return {
    tableId: TABLE.id, partitions: { kind: 'single', key, token }, clustering: ALL, columns: 'all', limits: { rows: Infinity, perPartitionRows: Infinity, partitions: Infinity },
    nowSeconds: NOW, resumeAfterClustering: null, includeStaticRow: false,
  };
}

/** The merge of every SSTable's version, no skipping. */
function reference(readers: readonly SSTableReader[], pk: number): unknown {
  const { key, token } = pkOf(pk);
  const sources: PartitionSource[] = [];
  for (const r of readers) {
    const entry = r.find(token, key);
    if (entry !== null) sources.push(r.readPartition(layout, entry));
  }
  const merged = mergePartition(key, token, sources, {
    layout, nowSeconds: NOW, reversed: false, slices: ALL.slices, columns: null, includeStaticRow: false, resumeAfter: null, liveRowLimit: Infinity, tombstoneBudget: Infinity,
  });
  return merged.partition === null ? { partitions: [] } : { partitions: [merged.partition] };
}

describe('timestamp-ordered single-partition reads', () => {
  it('return what merging every SSTable returns', async () => {
    await fc.assert(
      fc.asyncProperty(tablesArb, fc.integer({ min: 0, max: 60 }), async (tables, overlap) => {
        const disk = new MemoryDisk();
        const readers = await writeAll(disk, tables, overlap);
        const view = { layout, memtables: [], sstables: SSTableSet.of(readers) };
        for (let pk = 0; pk < PARTITIONS; pk++) {
          expect(executeReadCounted(view, command(pk), { tombstoneFailThreshold: Infinity }).result).toEqual(reference(readers, pk));
        }
        for (const r of readers) r.close();
      }),
      { numRuns: 150 },
    );
  });

  it('skips older SSTables without tombstones once newer data covers the row', async () => {
    const disk = new MemoryDisk();
    const full: Version = { liveness: true, v: 'live', w: 'live', rowDeletion: false, partitionDeletion: false, ts: 50 };
    const readers = await writeAll(disk, [[full], [full], [full]], 0);
    const view = { layout, memtables: [], sstables: SSTableSet.of(readers) };
    const outcome = executeReadCounted(view, command(0), { tombstoneFailThreshold: Infinity });
    expect(outcome.sstablesRead).toBe(1);
    expect(outcome.result).toEqual(reference(readers, 0));
    // Only v in the newest: the older SSTables must be read for w.
    const partial: Version = { ...full, w: 'absent' };
    const disk2 = new MemoryDisk();
    const readers2 = await writeAll(disk2, [[full], [full], [partial]], 0);
    const outcome2 = executeReadCounted({ layout, memtables: [], sstables: SSTableSet.of(readers2) }, command(0), { tombstoneFailThreshold: Infinity });
    expect(outcome2.sstablesRead).toBe(2);
    expect(outcome2.result).toEqual(reference(readers2, 0));
    // The newest has every column but no row marker: an older marker still counts.
    const unmarked: Version = { ...full, liveness: false };
    const disk3 = new MemoryDisk();
    const readers3 = await writeAll(disk3, [[full], [unmarked]], 0);
    const outcome3 = executeReadCounted({ layout, memtables: [], sstables: SSTableSet.of(readers3) }, command(0), { tombstoneFailThreshold: Infinity });
    expect(outcome3.sstablesRead).toBe(2);
    expect(outcome3.result).toEqual(reference(readers3, 0));
  });
});
