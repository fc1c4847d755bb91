// The main thread's side of memtable flushes in a worker thread: one flush worker, spawned on
// demand through the injected WorkerSpawner, serves the flushes of every table (jobs multiplexed
// by id). Each flush gets a WorkerFlushSink: SSTableWriter's encoder writes the logical Data
// stream and index entries into it; it ships them in batches of FLUSH_BATCH_BYTES with at most
// FLUSH_BATCHES_IN_FLIGHT_MAX unacknowledged (ready() is the backpressure, awaited between
// partitions: one partition larger than the window is sent whole before it waits), and `finish` returns
// the SSTable prepared (fsynced under temp names) by the worker. A memtable's encoded partitions
// sit in slabs of shared memory: the sink sends where they are (slab, start, length), each slab
// once per job, and the worker reads their bytes and keys there; only the rest of the stream is
// copied into the batch. A worker that dies fails every job in it; the next flush spawns a fresh one.
import { assert } from '../../lib/index.ts';
import type { Logger, WorkerChannel, WorkerSpawner } from '../../io/index.ts';
import { fromWirePrepared } from '../compaction/compaction-worker-protocol.ts';
import type { CompressionParams } from '../sstable/compression.ts';
import type { EncodedStatistics, EncodedWalk, IndexEntryFields, PreparedSSTable, SSTableSink } from '../sstable/sstable-component-writer.ts';
import { ENTRY_FIELDS, INLINE } from './flush-worker-protocol.ts';
import type { FlushBegin, FromFlushWorker, ToFlushWorker } from './flush-worker-protocol.ts';

/** Logical Data bytes per batch sent to the worker. */
export const FLUSH_BATCH_BYTES = 1024 * 1024;
/** Batches of one flush sent and not yet written by the worker; beyond, ready() waits. */
export const FLUSH_BATCHES_IN_FLIGHT_MAX = 4;
/** Index entries per batch before it is sent whatever its Data size (bounds the entry arrays). */
export const FLUSH_BATCH_ENTRIES_MAX = 64 * 1024;
/** Numbers per Data piece in a batch's `segments`. */
const SEGMENT_FIELDS = 3;
/** Data buffers kept for reuse once the worker hands them back. */
const FREE_BUFFERS_MAX = FLUSH_BATCHES_IN_FLIGHT_MAX + 1;

export const FLUSH_WORKER_MODULE_URL = new URL('./flush-worker.ts', import.meta.url).href;

export class FlushWorkerPool {
  private readonly spawner: WorkerSpawner;
  private readonly logger: Logger;
  private readonly moduleUrl: string;
  private channel: WorkerChannel | null = null;
  private readonly jobs = new Map<number, WorkerFlushSink>();
  private nextJobId = 1;
  /** Batch-sized Data buffers handed back by the worker, for the next batches. */
  private readonly freeBuffers: ArrayBuffer[] = [];
  private closed = false;

  constructor(options: { spawner: WorkerSpawner; logger: Logger; moduleUrl?: string }) {
    this.spawner = options.spawner;
    this.logger = options.logger;
    this.moduleUrl = options.moduleUrl ?? FLUSH_WORKER_MODULE_URL;
  }

  /** A sink writing one SSTable through the worker (spawned if there is none). */
  open(begin: Omit<FlushBegin, 'type' | 'jobId'>, compression: CompressionParams): WorkerFlushSink {
    assert(!this.closed, 'flush worker pool closed');
    const channel = this.channel ?? this.spawn();
    const jobId = this.nextJobId++;
    const sink = new WorkerFlushSink({ pool: this, channel, jobId, directory: begin.directory, compression });
    this.jobs.set(jobId, sink);
    sink.send({ type: 'begin', jobId, ...begin });
    return sink;
  }

  /** Terminates the worker; jobs in it fail. */
  close(): void {
    this.closed = true;
    this.channel?.terminate();
  }

  /** A batch-sized Data buffer for reuse, or a new one. */
  takeBuffer(): ArrayBuffer {
    return this.freeBuffers.pop() ?? new ArrayBuffer(FLUSH_BATCH_BYTES);
  }

  recycle(buffer: ArrayBuffer): void {
    if (buffer.byteLength === FLUSH_BATCH_BYTES && this.freeBuffers.length < FREE_BUFFERS_MAX) this.freeBuffers.push(buffer);
  }

  /** The job ended (done, failed or aborted): no more messages for it are expected. */
  forget(jobId: number): void {
    this.jobs.delete(jobId);
  }

  private spawn(): WorkerChannel {
    const channel = this.spawner.spawn(this.moduleUrl);
    this.channel = channel;
    channel.listen({
      message: (raw) => {
        const m = raw as FromFlushWorker;
        this.jobs.get(m.jobId)?.receive(m);
      },
      exit: (error) => {
        if (this.channel === channel) this.channel = null;
        const failed = [...this.jobs.values()].filter((s) => s.channel === channel);
        if (failed.length > 0) this.logger.error({ err: error?.message ?? 'exited', jobs: failed.length }, 'flush worker died');
        for (const s of failed) s.workerDied(error);
      },
    });
    return channel;
  }
}

export class WorkerFlushSink implements SSTableSink {
  readonly channel: WorkerChannel;
  private readonly pool: FlushWorkerPool;
  private readonly jobId: number;
  private readonly directory: string;
  private readonly compression: CompressionParams;
  private data: Uint8Array;
  private dataFill = 0;
  /** The batch's Data stream as SEGMENT_FIELDS numbers per piece: source (INLINE: `data`; else a slab id), start, length. */
  private segments = new Int32Array(1024 * SEGMENT_FIELDS);
  private segmentCount = 0;
  /** Data bytes of the batch that stay in slabs (they count towards FLUSH_BATCH_BYTES as copied ones do). */
  private slabBytes = 0;
  /** Slab ids of this job (the worker keeps the slabs by id until the job ends); slabs new in this batch. */
  private readonly slabIds = new Map<ArrayBufferLike, number>();
  private newSlabs: SharedArrayBuffer[] = [];
  private entries = new Float64Array(1024 * ENTRY_FIELDS);
  private entryCount = 0;
  private keys = new Uint8Array(16 * 1024);
  private keyFill = 0;
  private keyOffsets = new Uint32Array(1024 + 1);
  private inFlight = 0;
  private physicalBytes = 0;
  private failure: Error | null = null;
  private ended = false;
  private readyWaiter: { resolve: () => void; reject: (error: Error) => void } | null = null;
  private finishWaiter: { resolve: (p: PreparedSSTable | null) => void; reject: (error: Error) => void } | null = null;
  private readonly settledPromise: Promise<void>;
  private settle: () => void = () => undefined;

  constructor(options: { pool: FlushWorkerPool; channel: WorkerChannel; jobId: number; directory: string; compression: CompressionParams }) {
    this.pool = options.pool;
    this.channel = options.channel;
    this.jobId = options.jobId;
    this.directory = options.directory;
    this.compression = options.compression;
    this.data = this.takeBuffer();
    this.settledPromise = new Promise((resolve) => {
      this.settle = resolve;
    });
  }

  /** Physical Data bytes the worker has written so far (behind the encoder by the batches in flight). */
  get dataPhysicalBytes(): number {
    return this.physicalBytes;
  }

  /** Resolves once the worker has nothing of this job left to do (done, failed, aborted or dead). */
  get settled(): Promise<void> {
    return this.settledPromise;
  }

  /** Resolves when fewer than FLUSH_BATCHES_IN_FLIGHT_MAX batches are in flight; rejects once the job failed. */
  ready(): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.inFlight < FLUSH_BATCHES_IN_FLIGHT_MAX) return Promise.resolve();
    assert(this.readyWaiter === null, 'one ready() waiter');
    return new Promise((resolve, reject) => {
      this.readyWaiter = { resolve, reject };
    });
  }

  writeData(bytes: Uint8Array): void {
    this.check();
    if (this.dataFill + bytes.length > this.data.length) {
      this.sendBatch();
      if (bytes.length > this.data.length) {
        // One piece larger than a batch (a huge row): sent as a batch of its own.
        this.pool.recycle(this.data.buffer as ArrayBuffer);
        this.data = new Uint8Array(bytes.length);
      }
    }
    this.data.set(bytes, this.dataFill);
    this.addSegment(INLINE, this.dataFill, bytes.length);
    this.dataFill += bytes.length;
  }

  writeSlabPartition(slab: Buffer, start: number, length: number, e: IndexEntryFields, minTimestampDelta: number, maxTimestampDelta: number): boolean {
    this.check();
    const id = this.slabId(slab);
    if (id < 0) return false;
    this.addSegment(id, slab.byteOffset + start, length);
    this.slabBytes += length;
    const at = this.pushEntry(e);
    this.entries[at + 6] = id;
    this.entries[at + 7] = slab.byteOffset + start;
    this.entries[at + 8] = minTimestampDelta;
    this.entries[at + 9] = maxTimestampDelta;
    this.keyOffsets[this.entryCount] = this.keyFill;
    this.entryCount++;
    this.sendIfFull();
    return true;
  }

  writeSlabData(slab: Buffer, start: number, length: number): boolean {
    this.check();
    const id = this.slabId(slab);
    if (id < 0) return false;
    this.addSegment(id, slab.byteOffset + start, length);
    this.slabBytes += length;
    this.sendIfFull();
    return true;
  }

  /** The worker writes the memtable's partitions from its fields and slabs (a copy of the order goes with them). */
  walkEncoded(walk: EncodedWalk): void {
    this.check();
    this.sendBatch();
    const ids = walk.ids.slice();
    this.send({ type: 'walk', jobId: this.jobId, fields: walk.fields.buffer as SharedArrayBuffer, slabs: walk.slabs, ids }, [ids.buffer]);
  }

  /** The batch's id of a slab's shared memory (sent with the next batch when new); -1 when it is not shared. */
  private slabId(slab: Buffer): number {
    const buffer = slab.buffer;
    let id = this.slabIds.get(buffer);
    if (id === undefined) {
      if (!(buffer instanceof SharedArrayBuffer)) return -1;
      id = this.slabIds.size;
      this.slabIds.set(buffer, id);
      this.newSlabs.push(buffer);
    }
    return id;
  }

  addEntry(e: IndexEntryFields): void {
    this.check();
    const n = this.entryCount;
    const at = this.pushEntry(e);
    this.entries[at + 6] = INLINE;
    const key = e.key;
    if (this.keyFill + key.length > this.keys.length) {
      const grown = new Uint8Array(Math.max(this.keys.length * 2, this.keyFill + key.length));
      grown.set(this.keys.subarray(0, this.keyFill));
      this.keys = grown;
    }
    this.keyOffsets[n] = this.keyFill;
    this.keys.set(key, this.keyFill);
    this.keyFill += key.length;
    this.entryCount = n + 1;
    this.sendIfFull();
  }

  /** After an entry: the batch goes once its Data (copied or in slabs) or its entries reach their bound. */
  private sendIfFull(): void {
    if (this.dataFill + this.slabBytes >= FLUSH_BATCH_BYTES || this.entryCount >= FLUSH_BATCH_ENTRIES_MAX) this.sendBatch();
  }

  /** Entry `entryCount`'s first six fields (the caller sets its key's and counts it): where they start. */
  private pushEntry(e: IndexEntryFields): number {
    const n = this.entryCount;
    if ((n + 1) * ENTRY_FIELDS > this.entries.length) {
      const grown = new Float64Array(this.entries.length * 2);
      grown.set(this.entries);
      this.entries = grown;
      const offsets = new Uint32Array(this.keyOffsets.length * 2);
      offsets.set(this.keyOffsets);
      this.keyOffsets = offsets;
    }
    const at = n * ENTRY_FIELDS;
    const entries = this.entries;
    entries[at] = e.tokenHigh;
    entries[at + 1] = e.tokenLow;
    entries[at + 2] = e.partitionStartBytes;
    entries[at + 3] = e.dataLengthBytes;
    entries[at + 4] = e.rowIndexRelativeBytes;
    entries[at + 5] = e.rowsRelativeBytes;
    return at;
  }

  /** The next piece of the Data stream; a piece right after the last one in the same source extends it. */
  private addSegment(source: number, start: number, length: number): void {
    let at = (this.segmentCount - 1) * SEGMENT_FIELDS;
    const segments = this.segments;
    if (at >= 0 && segments[at] === source && segments[at + 1]! + segments[at + 2]! === start) {
      segments[at + 2] = segments[at + 2]! + length;
      return;
    }
    at += SEGMENT_FIELDS;
    if (at + SEGMENT_FIELDS > segments.length) {
      const grown = new Int32Array(segments.length * 2);
      grown.set(segments);
      this.segments = grown;
    }
    this.segments[at] = source;
    this.segments[at + 1] = start;
    this.segments[at + 2] = length;
    this.segmentCount++;
  }

  finish(statistics: EncodedStatistics): Promise<PreparedSSTable | null> {
    this.check();
    this.sendBatch();
    this.ended = true;
    return new Promise((resolve, reject) => {
      this.finishWaiter = { resolve, reject };
      this.send({ type: 'finish', jobId: this.jobId, statistics });
    });
  }

  /** The worker removes the temp components; `settled` resolves when it has. */
  abort(): void {
    if (this.failure === null) this.failure = new Error('flush aborted');
    if (this.ended) return;
    this.ended = true;
    this.send({ type: 'abort', jobId: this.jobId });
  }

  send(message: ToFlushWorker, transfer?: readonly ArrayBuffer[]): void {
    try {
      this.channel.post(message, transfer);
    } catch (error) {
      this.fail(new Error(`flush batch not sent to the worker: ${(error as Error).message}`));
    }
  }

  receive(m: FromFlushWorker): void {
    switch (m.type) {
      case 'batch-done': {
        this.inFlight--;
        this.physicalBytes = m.physicalBytes;
        this.pool.recycle(m.data.buffer as ArrayBuffer);
        const waiter = this.readyWaiter;
        if (waiter !== null && this.inFlight < FLUSH_BATCHES_IN_FLIGHT_MAX) {
          this.readyWaiter = null;
          waiter.resolve();
        }
        return;
      }
      case 'done': {
        this.end();
        const prepared = m.prepared === null ? null : fromWirePrepared(m.prepared, this.directory, this.compression);
        this.finishWaiter?.resolve(prepared);
        this.finishWaiter = null;
        return;
      }
      case 'failed':
        this.end();
        this.fail(new Error(`flush worker: ${m.message}`));
        return;
      case 'aborted':
        this.end();
        return;
    }
  }

  workerDied(error: Error | null): void {
    this.end();
    this.fail(new Error(`flush worker died: ${error?.message ?? 'exited'}`));
  }

  private end(): void {
    this.ended = true;
    this.pool.forget(this.jobId);
    this.settle();
  }

  private fail(error: Error): void {
    if (this.failure === null || this.failure.message === 'flush aborted') this.failure = error;
    const r = this.readyWaiter;
    this.readyWaiter = null;
    r?.reject(error);
    const f = this.finishWaiter;
    this.finishWaiter = null;
    f?.reject(error);
  }

  private check(): void {
    if (this.failure !== null) throw this.failure;
    assert(!this.ended, 'flush sink used after finish');
  }

  private sendBatch(): void {
    if (this.segmentCount === 0 && this.entryCount === 0) return;
    const n = this.entryCount;
    this.keyOffsets[n] = this.keyFill;
    const data = this.data.subarray(0, this.dataFill);
    const segments = this.segments.slice(0, this.segmentCount * SEGMENT_FIELDS);
    const entries = this.entries.slice(0, n * ENTRY_FIELDS);
    const keys = this.keys.slice(0, this.keyFill);
    const keyOffsets = this.keyOffsets.slice(0, n + 1);
    const slabs = this.newSlabs;
    this.inFlight++;
    this.send({ type: 'batch', jobId: this.jobId, slabs, data, segmentCount: this.segmentCount, segments, entryCount: n, entries, keys, keyOffsets },
      [data.buffer as ArrayBuffer, segments.buffer, entries.buffer, keys.buffer, keyOffsets.buffer]);
    this.data = this.takeBuffer();
    this.dataFill = 0;
    this.segmentCount = 0;
    this.slabBytes = 0;
    this.newSlabs = [];
    this.entryCount = 0;
    this.keyFill = 0;
  }

  private takeBuffer(): Uint8Array {
    return new Uint8Array(this.pool.takeBuffer());
  }
}
