// Child process for crash.test.ts: opens a storage engine on a real directory with batch
// commit-log sync, checks the state the parent says was acknowledged (inserted keys present with
// their value, deleted keys absent), then writes until it is killed: inserts of new keys and, in
// the torture workload, deletes of acknowledged ones. It prints "u <n>" before a delete is issued
// (its outcome is uncertain until acknowledged), "i <n>" / "d <n>" once each write is
// acknowledged, and "c <count>" with the compactions completed so far.
// Workloads: `kv` (every key its own partition, default compaction, 512 KiB memtables: kill -9
// during appends, fsyncs, flushes and segment switches) and `torture` (64 partitions, 128 KiB
// memtables, size-tiered min_threshold 2 and gc_grace 0, a quarter of the writes deletes: flushes,
// compactions and tombstone purges never stop).
// Usage: node crash-writer.ts <dir> <stateFile> <startKey> <write|verify> <seed> <kv|torture>
import { readFileSync } from 'node:fs';
import { createRealIo } from '../../../node-image/src/io/real/index.ts';
import { murmur3Token } from '../../../node-image/src/lib/index.ts';
import { DEFAULT_TABLE_OPTIONS, nativeType } from '../../../node-image/src/schema/index.ts';
import type { SchemaSnapshot, TableMetadata } from '../../../node-image/src/schema/index.ts';
import { NO_DELETION_TIME, openStorageEngine, toLivePartition } from '../../../node-image/src/storage/index.ts';
import type { Mutation, ReadCommand } from '../../../node-image/src/storage/index.ts';

const [dir, stateFile, startArg, mode, seedArg, workload] = process.argv.slice(2);
if (dir === undefined || stateFile === undefined || startArg === undefined || (mode !== 'write' && mode !== 'verify') || seedArg === undefined
  || (workload !== 'kv' && workload !== 'torture')) {
  process.stderr.write('usage: crash-writer.ts <dir> <stateFile> <startKey> <write|verify> <seed> <kv|torture>\n');
  process.exit(2);
}
const TORTURE = workload === 'torture';

/** Keys share this many partitions (torture); kv gives every key its own. */
const PARTITIONS = TORTURE ? 64 : Infinity;
const DELETE_FRACTION = TORTURE ? 0.25 : 0;
const ck = { name: 'c', type: nativeType('int'), kind: 'clustering' as const, position: 0, clusteringOrder: 'asc' as const };
const pk = { name: 'k', type: nativeType('int'), kind: 'partition_key' as const, position: 0, clusteringOrder: 'none' as const };
const v = { name: 'v', type: nativeType('blob'), kind: 'regular' as const, position: -1, clusteringOrder: 'none' as const };
const TABLE: TableMetadata = {
  keyspace: 'ks', name: 'crash', id: '6d6e2b35-0d0c-4b9e-9a51-2d1c5f0e0002',
  columns: [pk, ck, v], partitionKey: [pk], clustering: [ck], regularAndStatic: [v],
  options: TORTURE ? { ...DEFAULT_TABLE_OPTIONS, gcGraceSeconds: 0, compaction: { class: 'SizeTieredCompactionStrategy', min_threshold: '2' } } : DEFAULT_TABLE_OPTIONS,
  droppedColumns: [], indexes: [], isView: false, isCounterTable: false,
};
const SCHEMA: SchemaSnapshot = {
  version: '00000000-0000-1000-8000-000000000002',
  keyspaces: new Map([['ks', {
    name: 'ks', durableWrites: true, replication: { class: 'org.apache.cassandra.locator.SimpleStrategy', options: { replication_factor: '1' } },
    tables: new Map([['crash', TABLE]]), views: new Map(), types: new Map(), functions: [],
  }]]),
};
const CONCURRENCY = 16;

function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

function valueOf(n: number): Buffer {
  return Buffer.from(`value-of-${n}-`.padEnd(48 + (n % 300), '#'));
}

function keyOf(n: number): { key: Buffer; token: bigint } {
  const key = int32(Number.isFinite(PARTITIONS) ? n % PARTITIONS : n);
  return { key, token: murmur3Token(key) };
}

function insert(n: number): Mutation {
  const { key, token } = keyOf(n);
  const ts = 1_000_000 + n;
  return {
    keyspace: 'ks', key, token,
    updates: [{
      tableId: TABLE.id, key, token, partitionDeletion: null, staticRow: null, rangeTombstones: [],
      rows: [{
        clustering: [int32(n)], liveness: { timestampMicros: ts, ttlSeconds: 0, localExpirationTimeSeconds: NO_DELETION_TIME }, deletion: null, complexDeletions: [],
        cells: [{ column: 'v', path: null, value: valueOf(n), timestampMicros: ts, ttlSeconds: 0, localDeletionTimeSeconds: NO_DELETION_TIME, tombstone: false }],
      }],
    }],
  };
}

function remove(n: number, ts: number, nowSeconds: number): Mutation {
  const { key, token } = keyOf(n);
  return {
    keyspace: 'ks', key, token,
    updates: [{
      tableId: TABLE.id, key, token, partitionDeletion: null, staticRow: null, rangeTombstones: [],
      rows: [{ clustering: [int32(n)], liveness: null, deletion: { markedForDeleteAtMicros: ts, localDeletionTimeSeconds: nowSeconds }, complexDeletions: [], cells: [] }],
    }],
  };
}

function readRow(n: number): ReadCommand {
  const { key, token } = keyOf(n);
  return {
    tableId: TABLE.id, partitions: { kind: 'single', key, token },
    clustering: { kind: 'names', clusterings: [[int32(n)]], reversed: false },
    columns: 'all', limits: { rows: 1, perPartitionRows: 1, partitions: 1 },
    nowSeconds: Math.floor(Date.now() / 1000), resumeAfterClustering: null, includeStaticRow: false,
  };
}

const io = createRealIo({ logLevel: 'warn', name: 'crash-writer', logFd: 2 });
const engine = await openStorageEngine({
  // The real node's worker threads: kills also land while compactions run in them.
  disk: io.disk, clock: io.clock, timers: io.timers, logger: io.logger, schema: SCHEMA, ...(io.workers === undefined ? {} : { workers: io.workers }),
  config: {
    dataDirectory: `${dir}/data`, commitLogDirectory: `${dir}/commitlog`, commitLogSync: 'batch', commitLogSyncPeriodMs: 10_000,
    commitLogSyncGroupWindowMs: 10, commitLogSegmentSizeBytes: 256 * 1024, commitLogTotalSpaceBytes: 2 * 1024 * 1024,
    mutationSizeMaxBytes: 64 * 1024, memtableFlushThresholdBytes: TORTURE ? 128 * 1024 : 512 * 1024, memtableSpaceMaxBytes: 16 * 1024 * 1024,
  },
  compaction: { concurrentCompactors: 2, throughputBytesPerSecond: 0 },
});

// State: lines "i <n>" (acknowledged insert), "u <n>" (delete issued) and "d <n>" (acknowledged delete).
const inserted = new Set<number>();
const deleted = new Set<number>();
const uncertain = new Set<number>();
for (const line of readFileSync(stateFile, 'utf8').split('\n')) {
  if (line.startsWith('i ')) inserted.add(Number(line.slice(2)));
  else if (line.startsWith('d ')) deleted.add(Number(line.slice(2)));
  else if (line.startsWith('u ')) uncertain.add(Number(line.slice(2)));
}
const missing: number[] = [];
const resurrected: number[] = [];
for (const n of inserted) {
  if (uncertain.has(n) && !deleted.has(n)) continue;
  const row = engine.read(readRow(n)).partitions[0];
  const live = row === undefined ? [] : toLivePartition(row, Math.floor(Date.now() / 1000)).rows;
  const cell = live[0]?.cells.find((c) => c.column === 'v');
  if (deleted.has(n)) {
    if (cell !== undefined) resurrected.push(n);
  } else if (cell === undefined || !cell.value.equals(valueOf(n))) {
    missing.push(n);
  }
}
process.stdout.write(`verified ${inserted.size} ${deleted.size} missing ${JSON.stringify(missing.slice(0, 10))} ${missing.length} resurrected ${JSON.stringify(resurrected.slice(0, 10))} ${resurrected.length}\n`);
if (mode === 'verify') {
  await engine.close();
  process.exit(missing.length === 0 && resurrected.length === 0 ? 0 : 1);
}

let seed = Number(seedArg) >>> 0;
const random = (): number => {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const deletable = [...inserted].filter((n) => !deleted.has(n) && !uncertain.has(n));
let next = Number(startArg);
let deleteTs = 2_000_000_000 + Number(startArg);
const timer = setInterval(() => process.stdout.write(`c ${engine.compactionStats().completedTasks}\n`), 100);
timer.unref();
const worker = async (): Promise<void> => {
  for (;;) {
    if (deletable.length > 0 && random() < DELETE_FRACTION) {
      const n = deletable.splice(Math.floor(random() * deletable.length), 1)[0]!;
      process.stdout.write(`u ${n}\n`);
      await engine.apply(remove(n, deleteTs++, Math.floor(Date.now() / 1000)));
      process.stdout.write(`d ${n}\n`);
    } else {
      const n = next++;
      await engine.apply(insert(n));
      process.stdout.write(`i ${n}\n`);
      deletable.push(n);
    }
  }
};
await Promise.all(Array.from({ length: CONCURRENCY }, worker));
