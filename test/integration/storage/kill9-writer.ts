// Child process for kill9.test.ts: opens a storage engine on a real directory with batch commit-log
// sync, checks that every key listed in the acknowledged-keys file is readable with its value,
// then writes keys from a start number and prints "ack <n>" for each write once apply resolves.
// Usage: node kill9-writer.ts <dir> <ackedKeysFile> <startKey> <write|verify>
import { readFileSync } from 'node:fs';
import { createRealIo } from '../../../node-image/src/io/real/index.ts';
import { murmur3Token } from '../../../node-image/src/lib/index.ts';
import { DEFAULT_TABLE_OPTIONS, nativeType } from '../../../node-image/src/schema/index.ts';
import type { SchemaSnapshot, TableMetadata } from '../../../node-image/src/schema/index.ts';
import { NO_DELETION_TIME, openStorageEngine } from '../../../node-image/src/storage/index.ts';
import type { Mutation, ReadCommand } from '../../../node-image/src/storage/index.ts';

const [dir, ackedFile, startArg, mode] = process.argv.slice(2);
if (dir === undefined || ackedFile === undefined || startArg === undefined || (mode !== 'write' && mode !== 'verify')) {
  process.stderr.write('usage: kill9-writer.ts <dir> <ackedKeysFile> <startKey> <write|verify>\n');
  process.exit(2);
}

const TABLE: TableMetadata = {
  keyspace: 'ks',
  name: 'kv',
  id: '6d6e2b35-0d0c-4b9e-9a51-2d1c5f0e0001',
  columns: [
    { name: 'k', type: nativeType('int'), kind: 'partition_key', position: 0, clusteringOrder: 'none' },
    { name: 'v', type: nativeType('blob'), kind: 'regular', position: -1, clusteringOrder: 'none' },
  ],
  partitionKey: [{ name: 'k', type: nativeType('int'), kind: 'partition_key', position: 0, clusteringOrder: 'none' }],
  clustering: [],
  regularAndStatic: [{ name: 'v', type: nativeType('blob'), kind: 'regular', position: -1, clusteringOrder: 'none' }],
  options: DEFAULT_TABLE_OPTIONS,
  droppedColumns: [],
  indexes: [],
  isView: false,
  isCounterTable: false,
};
const SCHEMA: SchemaSnapshot = {
  version: '00000000-0000-1000-8000-000000000001',
  keyspaces: new Map([['ks', {
    name: 'ks', durableWrites: true, replication: { class: 'org.apache.cassandra.locator.SimpleStrategy', options: { replication_factor: '1' } },
    tables: new Map([['kv', TABLE]]), views: new Map(), types: new Map(), functions: [],
  }]]),
};
const CONCURRENCY = 16;

function keyOf(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

function valueOf(n: number): Buffer {
  return Buffer.from(`value-of-${n}-`.padEnd(64 + (n % 200), '#'));
}

function mutation(n: number): Mutation {
  const key = keyOf(n);
  const token = murmur3Token(key);
  const ts = 1_000_000 + n;
  return {
    keyspace: 'ks', key, token,
    updates: [{
      tableId: TABLE.id, key, token, partitionDeletion: null, staticRow: null, rangeTombstones: [],
      rows: [{
        clustering: [], liveness: { timestampMicros: ts, ttlSeconds: 0, localExpirationTimeSeconds: NO_DELETION_TIME }, deletion: null, complexDeletions: [],
        cells: [{ column: 'v', path: null, value: valueOf(n), timestampMicros: ts, ttlSeconds: 0, localDeletionTimeSeconds: NO_DELETION_TIME, tombstone: false }],
      }],
    }],
  };
}

function read(n: number): ReadCommand {
  const key = keyOf(n);
  return {
    tableId: TABLE.id,
    partitions: { kind: 'single', key, token: murmur3Token(key) },
    clustering: { kind: 'slices', slices: [{ start: { values: [], inclusive: true }, end: { values: [], inclusive: true } }], reversed: false },
    columns: 'all',
    limits: { rows: 1, perPartitionRows: 1, partitions: 1 },
    nowSeconds: Math.floor(Date.now() / 1000),
    resumeAfterClustering: null,
    includeStaticRow: false,
  };
}

const io = createRealIo({ logLevel: 'warn', name: 'kill9-writer', logFd: 2 });
const engine = await openStorageEngine({
  disk: io.disk,
  clock: io.clock,
  timers: io.timers,
  logger: io.logger,
  schema: SCHEMA,
  config: {
    dataDirectory: `${dir}/data`,
    commitLogDirectory: `${dir}/commitlog`,
    commitLogSync: 'batch',
    commitLogSyncPeriodMs: 10_000,
    commitLogSyncGroupWindowMs: 10,
    commitLogSegmentSizeBytes: 256 * 1024,
    commitLogTotalSpaceBytes: 2 * 1024 * 1024,
    mutationSizeMaxBytes: 64 * 1024,
    memtableFlushThresholdBytes: 512 * 1024,
    memtableSpaceMaxBytes: 16 * 1024 * 1024,
  },
});

const acked = readFileSync(ackedFile, 'utf8').split('\n').filter((l) => l.length > 0).map(Number);
const missing: number[] = [];
for (const n of acked) {
  const row = engine.read(read(n)).partitions[0]?.rows[0];
  const cell = row?.cells.find((c) => c.column === 'v');
  if (cell === undefined || !cell.value.equals(valueOf(n))) missing.push(n);
}
process.stdout.write(`verified ${acked.length} missing ${JSON.stringify(missing.slice(0, 20))} ${missing.length}\n`);
if (mode === 'verify') {
  await engine.close();
  process.exit(missing.length === 0 ? 0 : 1);
}

let next = Number(startArg);
const worker = async (): Promise<void> => {
  for (;;) {
    const n = next++;
    await engine.apply(mutation(n));
    process.stdout.write(`ack ${n}\n`);
  }
};
await Promise.all(Array.from({ length: CONCURRENCY }, worker));
