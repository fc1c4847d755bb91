// In-process benchmark of the request path above storage: protocol Connection -> (metrics
// wrapper) -> CqlServiceImpl -> LocalCoordinator -> a stub storage engine that applies nothing
// and answers every read with one stored row. Frames are pre-encoded (the stress INSERT and
// SELECT, prepared) and fed to a fake socket in chunks, as a driver's coalesced writes arrive;
// the bench waits for every reply of a chunk before feeding the next. Without the network, the
// disk and the load generator, CPU per request of our layers is measurable on a loaded machine.
// Output: JSON lines (per workload: ops/s, CPU us per op, garbage collections per 10k requests).
// Env: BENCH_OPS (200000 per workload), BENCH_CHUNK_FRAMES (64), BENCH_WARMUP_OPS (50000).
import { EventEmitter } from 'node:events';
import { cpus } from 'node:os';
import { PerformanceObserver } from 'node:perf_hooks';
import { LocalCoordinator, SchemaStore } from '../node-image/src/coordinator/index.ts';
import type { NodeInfo } from '../node-image/src/coordinator/index.ts';
import { CqlServiceImpl } from '../node-image/src/cql/index.ts';
import type { CqlService, QueryResponse } from '../node-image/src/cql/index.ts';
import { MemoryDisk, silentLogger } from '../node-image/src/io/index.ts';
import type { Socket } from '../node-image/src/io/index.ts';
import { createRealIo } from '../node-image/src/io/real/index.ts';
import { ConsistencyLevel } from '../node-image/src/lib/index.ts';
import { NodeMetrics } from '../node-image/src/management/metrics/index.ts';
import { DEFAULT_PROTOCOL_LIMITS } from '../node-image/src/protocol/limits.ts';
import { Connection } from '../node-image/src/protocol/connection.ts';
import { Opcode } from '../node-image/src/protocol/message-codes.ts';
import { encodeRequest, executeBody } from '../node-image/src/protocol/testing/test-frames.ts';
import type { SchemaSnapshot } from '../node-image/src/schema/index.ts';
import type { Mutation, ReadCommand, ReadResult, Row, StorageEngine, TableStats } from '../node-image/src/storage/index.ts';
import { NO_DELETION_TIME } from '../node-image/src/storage/index.ts';
import { emitJsonLine, progress, STRESS_INSERT_CQL, STRESS_SELECT_CQL, stressKey, stressSchemaCql, stressWorkload } from './lib/index.ts';

const OPS = positive('BENCH_OPS', 200_000);
const CHUNK_FRAMES = positive('BENCH_CHUNK_FRAMES', 64);
const WARMUP_OPS = positive('BENCH_WARMUP_OPS', 50_000);
/** Distinct pre-encoded requests cycled through (keys differ; values come from the stress pool). */
const DISTINCT_FRAMES = 4096;
const BENCH_STREAMS_MAX = 32_768;

function positive(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${name}=${raw}: expected a positive integer`);
  return value;
}

/** Storage that keeps nothing: applies resolve once per event-loop turn (like the commit log's group), reads return one row. */
class StubStorage implements StorageEngine {
  private batch: Promise<void> | null = null;
  private resolveBatch: (() => void) | null = null;
  private readonly row: Row;
  private readonly flushBatch = (): void => {
    const resolve = this.resolveBatch!;
    this.batch = null;
    this.resolveBatch = null;
    resolve();
  };

  constructor(values: readonly Buffer[]) {
    const cell = (column: string, value: Buffer) => ({
      column, path: null, value, timestampMicros: 1, ttlSeconds: 0, localDeletionTimeSeconds: NO_DELETION_TIME, tombstone: false,
    });
    this.row = {
      clustering: [], liveness: { timestampMicros: 1, ttlSeconds: 0, localExpirationTimeSeconds: NO_DELETION_TIME }, deletion: null,
      cells: values.map((v, i) => cell(`C${i}`, v)), complexDeletions: [],
    };
  }

  setSchema(_schema: SchemaSnapshot): void {}
  apply(_mutation: Mutation): Promise<void> {
    if (this.batch === null) {
      this.batch = new Promise<void>((resolve) => {
        this.resolveBatch = resolve;
      });
      setImmediate(this.flushBatch);
    }
    return this.batch;
  }
  /** Every mutation joins the same batch: its promise answers for all. */
  applyAll(mutations: readonly Mutation[]): Promise<void> {
    let done = Promise.resolve();
    for (const m of mutations) done = this.apply(m);
    return done;
  }
  /** The stress schema has no counters; a counter write is applied like any other and logged as given. */
  applyCounter(mutation: Mutation): Promise<Mutation> {
    return this.apply(mutation).then(() => mutation);
  }
  read(command: ReadCommand): ReadResult {
    if (command.partitions.kind !== 'single') return { partitions: [] };
    const { key, token } = command.partitions;
    return { partitions: [{ key, token, partitionDeletion: null, staticRow: null, rows: [this.row], rangeTombstones: [] }] };
  }
  flush(): Promise<void> {
    return Promise.resolve();
  }
  truncate(): Promise<void> {
    return Promise.resolve();
  }
  dropTable(): Promise<void> {
    return Promise.resolve();
  }
  tableStats(_tableId: string): TableStats | null {
    return null;
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** The Socket the Connection sees: input pushed by the bench, output counted (frames parsed by length). */
class BenchSocket extends EventEmitter implements Socket {
  readonly remoteAddress = '127.0.0.1';
  readonly remotePort = 40000;
  readonly writableLength = 0;
  framesOut = 0;
  bytesOut = 0;
  errorsOut = 0;
  private pending = Buffer.alloc(0);
  onFrames: (() => void) | null = null;

  write(bytes: Uint8Array): boolean {
    this.bytesOut += bytes.length;
    let data = this.pending.length === 0 ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length) : Buffer.concat([this.pending, bytes]);
    let offset = 0;
    while (data.length - offset >= 9) {
      const length = data.readInt32BE(offset + 5);
      if (data.length - offset < 9 + length) break;
      if (data[offset + 4] === Opcode.Error) this.errorsOut++;
      this.framesOut++;
      offset += 9 + length;
    }
    data = data.subarray(offset);
    this.pending = data.length === 0 ? Buffer.alloc(0) : Buffer.from(data);
    this.onFrames?.();
    return true;
  }
  end(): void {}
  destroy(): void {}
  pause(): void {}
  resume(): void {}
  setNoDelay(): this {
    return this;
  }
}

async function main(): Promise<void> {
  const io = createRealIo({ logLevel: 'warn', name: 'bench' });
  const workload = stressWorkload(1);
  const storage = new StubStorage(workload.insertParams(0).slice(1) as Buffer[]);
  const schemaStore = SchemaStore.open({
    disk: new MemoryDisk(), directory: '/system', initial: () => ({ version: '00000000-0000-0000-0000-000000000000', keyspaces: new Map() }),
  });
  const nodeInfo = (): NodeInfo => ({
    hostId: '00000000-0000-0000-0000-000000000001', address: '127.0.0.1', rpcAddress: '127.0.0.1', rpcPort: 9042, listenPort: 7000,
    dataCenter: 'datacenter1', rack: 'rack1', tokens: [0n], schemaVersion: schemaStore.current().version, releaseVersion: '5.0.9',
  });
  const coordinator = new LocalCoordinator({ storage, schemaStore, localNode: nodeInfo, clusterName: 'bench' });
  const cqlImpl = new CqlServiceImpl({
    coordinator, clock: io.clock, random: io.random, gossipGeneration: 1,
    schemaEnvironment: { localDatacenter: 'datacenter1', localAddress: '127.0.0.1:7000' as never, knownDatacenters: () => new Set(['datacenter1']) },
  });
  const instrumented = process.env['BENCH_NO_METRICS'] !== '1';
  const cql: CqlService = instrumented ? new NodeMetrics({ clock: io.clock, processMetrics: false }).instrumentCql(cqlImpl) : cqlImpl;
  const session = { keyspace: null, clientAddress: '', clientPort: 0, user: null, protocolVersion: 4 };
  const options = {
    consistency: ConsistencyLevel.ONE, values: null, valueNames: null, skipMetadata: false, pageSize: null, pagingState: null,
    serialConsistency: null, timestampMicros: null, keyspace: null, nowInSeconds: null,
  };
  for (const statement of stressSchemaCql(1)) await cql.query(statement, options, session);
  const prepared = async (text: string): Promise<Buffer> => {
    const response: QueryResponse = await cql.prepare(text, session, null);
    if (response.result.kind !== 'prepared') throw new Error('not prepared');
    return response.result.id;
  };
  const insertId = await prepared(STRESS_INSERT_CQL);
  const selectId = await prepared(STRESS_SELECT_CQL);

  const socket = new BenchSocket();
  const connection = new Connection(socket, {
    cql, timers: io.timers, clock: io.clock, logger: silentLogger,
    limits: { ...DEFAULT_PROTOCOL_LIMITS, inFlightRequestsPerConnectionMax: BENCH_STREAMS_MAX }, onClosed: () => {},
  });
  socket.emit('data', encodeRequest({ stream: 0, opcode: Opcode.Startup, body: startup() }));
  await waitFrames(socket, 1);

  // A chunk holds CHUNK_FRAMES whole frames with distinct stream ids, as a driver's coalesced write.
  const chunksOf = (body: (n: number) => Buffer): Buffer[] => {
    const chunks: Buffer[] = [];
    for (let first = 0; first < DISTINCT_FRAMES; first += CHUNK_FRAMES) {
      const frames: Buffer[] = [];
      for (let i = 0; i < CHUNK_FRAMES; i++) frames.push(encodeRequest({ stream: i + 1, opcode: Opcode.Execute, body: body(first + i) }));
      chunks.push(Buffer.concat(frames));
    }
    return chunks;
  };
  const execute = (id: Buffer, values: unknown[]): Buffer =>
    executeBody(id, { consistency: ConsistencyLevel.LOCAL_ONE, values: values as Buffer[], skipMetadata: true });
  const workloads: Array<{ name: string; chunks: Buffer[] }> = [
    { name: 'write', chunks: chunksOf((n) => execute(insertId, workload.insertParams(n))) },
    { name: 'read', chunks: chunksOf((n) => execute(selectId, [stressKey(n)])) },
  ];
  emitJsonLine({ type: 'config', bench: 'cql-path', ops: OPS, warmup_ops: WARMUP_OPS, chunk_frames: CHUNK_FRAMES, metrics_wrapper: instrumented, cores: cpus().length, node_version: process.version });
  for (const { name, chunks } of workloads) {
    await run(socket, chunks, WARMUP_OPS);
    const heapBefore = process.memoryUsage().heapUsed;
    const gcBefore = { ...gcTotals };
    const cpuBefore = process.cpuUsage();
    const startMs = performance.now();
    const errorsBefore = socket.errorsOut;
    const done = await run(socket, chunks, OPS);
    const elapsedMs = performance.now() - startMs;
    const cpu = process.cpuUsage(cpuBefore);
    await new Promise((resolve) => setImmediate(resolve));
    const gcAfter = { ...gcTotals };
    emitJsonLine({
      type: 'result', bench: 'cql-path', workload: name, ops: done, errors: socket.errorsOut - errorsBefore,
      ops_per_sec: Math.round((done * 1000) / elapsedMs),
      cpu_us_per_op: Math.round(((cpu.user + cpu.system) / done) * 100) / 100,
      gcs_per_10k_ops: Math.round(((gcAfter.count - gcBefore.count) * 10_000 * 100) / done) / 100,
      gc_ms_per_10k_ops: Math.round(((gcAfter.ms - gcBefore.ms) * 10_000 * 100) / done) / 100,
      heap_delta_mb: Math.round((process.memoryUsage().heapUsed - heapBefore) / 2 ** 20),
    });
  }
  connection.close();
  progress('[bench:cql-path] done');
}

/** Garbage collections seen so far (count and pause time): allocation churn shows up as scavenges. */
const gcTotals = { count: 0, ms: 0 };
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    gcTotals.count++;
    gcTotals.ms += entry.duration;
  }
}).observe({ entryTypes: ['gc'] });

function startup(): Buffer {
  const body = Buffer.alloc(2 + 2 + 11 + 2 + 5);
  let at = body.writeUInt16BE(1, 0);
  at = body.writeUInt16BE(11, at);
  at += body.write('CQL_VERSION', at, 'utf8');
  at = body.writeUInt16BE(5, at);
  body.write('3.0.0', at, 'utf8');
  return body;
}

function waitFrames(socket: BenchSocket, count: number): Promise<void> {
  const target = socket.framesOut + count;
  return new Promise((resolve) => {
    if (socket.framesOut >= target) {
      resolve();
      return;
    }
    socket.onFrames = () => {
      if (socket.framesOut >= target) {
        socket.onFrames = null;
        resolve();
      }
    };
  });
}

/** Feeds chunks round robin until `ops` requests were answered; returns how many. */
async function run(socket: BenchSocket, chunks: readonly Buffer[], ops: number): Promise<number> {
  let done = 0;
  for (let i = 0; done < ops; i++) {
    const replies = waitFrames(socket, CHUNK_FRAMES);
    socket.emit('data', chunks[i % chunks.length]!);
    await replies;
    done += CHUNK_FRAMES;
  }
  return done;
}

await main();


