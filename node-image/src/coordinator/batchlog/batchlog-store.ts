// The batches this node holds as a batchlog replica (Cassandra's system.batches), durable on the
// injected Disk through a RecordLog (CRC-framed records, group fsync, rewrite when mostly
// garbage). Record body = u8 kind (1 stored: 16-byte batch id, f64 stored-at wall millis,
// varbytes batch; 2 removed: 16-byte id). Opening replays the log and rewrites the live batches
// into a fresh one. Bounded in entries and bytes: a store beyond either bound is refused with
// Overloaded.
import type { Disk, Logger } from '../../io/index.ts';
import { assert, overloaded } from '../../lib/index.ts';
import { ByteReader, ByteWriter, DecodeError } from '../../storage/index.ts';
import { RecordLog } from '../record-log.ts';

export const BATCHLOG_ENTRIES_MAX = 100_000;
export const BATCHLOG_BYTES_MAX = 256 * 1024 * 1024;
/** The log is rewritten when larger than this and twice its live content. */
export const BATCHLOG_LOG_COMPACT_BYTES_MIN = 4 * 1024 * 1024;
export const BATCH_ID_BYTES = 16;
const LOG_PREFIX = 'batchlog-';
const KIND_STORED = 1;
const KIND_REMOVED = 2;

export interface StoredBatch {
  readonly id: Buffer;
  /** When this node stored it (wall millis): replay starts a timeout after this. */
  readonly storedAtMs: number;
  /** The batch: varint n, n x varbytes mutation (commit-log encoding). */
  readonly batch: Buffer;
}

interface Entry {
  readonly batch: StoredBatch;
  /** Framed size of its record in the log. */
  bytes: number;
}

export class BatchlogStore {
  /** Batch id (hex) -> entry, in insertion order (oldest first). */
  private readonly entries = new Map<string, Entry>();
  private readonly writer = new ByteWriter(1024);
  private readonly log: RecordLog;
  private liveBytes = 0;
  private closed = false;

  private constructor(options: { disk: Disk; directory: string; logger: Logger }) {
    this.log = RecordLog.open(
      { ...options, prefix: LOG_PREFIX, name: 'batchlog', compactBytesMin: BATCHLOG_LOG_COMPACT_BYTES_MIN },
      (body) => this.replay(body),
      () => this.liveRecords(),
    );
  }

  static open(options: { disk: Disk; directory: string; logger: Logger }): BatchlogStore {
    const store = new BatchlogStore(options);
    if (store.entries.size > 0) options.logger.info({ batches: store.entries.size }, 'batchlog loaded');
    return store;
  }

  get size(): number {
    return this.entries.size;
  }

  get sizeBytes(): number {
    return this.liveBytes;
  }

  has(id: Buffer): boolean {
    return this.entries.has(id.toString('hex'));
  }

  /** Stored batches, oldest first (a copy: the caller may remove while iterating). */
  batches(): StoredBatch[] {
    return [...this.entries.values()].map((e) => e.batch);
  }

  /** Records a batch (in memory at once; durable after `durable()`). Storing an id again is a no-op. */
  store(batch: StoredBatch): void {
    assert(!this.closed, 'batchlog closed');
    assert(batch.id.length === BATCH_ID_BYTES, 'batch ids are 16 bytes');
    const key = batch.id.toString('hex');
    if (this.entries.has(key)) return;
    if (this.entries.size >= BATCHLOG_ENTRIES_MAX) throw overloaded(`batchlog holds ${this.entries.size} batches`);
    const body = this.encodeStored(batch);
    const bytes = RecordLog.framedBytes(body.length);
    if (this.liveBytes + bytes > BATCHLOG_BYTES_MAX) throw overloaded(`batchlog holds ${this.liveBytes} bytes`);
    const copy: StoredBatch = { id: Buffer.from(batch.id), storedAtMs: batch.storedAtMs, batch: Buffer.from(batch.batch) };
    this.entries.set(key, { batch: copy, bytes });
    this.liveBytes += bytes;
    this.append(body);
  }

  /** Forgets a batch (replayed, or applied by its coordinator). Unknown ids are ignored. */
  remove(id: Buffer): void {
    assert(!this.closed, 'batchlog closed');
    const key = id.toString('hex');
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    this.liveBytes -= entry.bytes;
    const w = this.writer;
    w.reset();
    w.u8(KIND_REMOVED);
    w.bytes(id);
    this.append(w.view());
  }

  /** Resolves when every record appended so far is on stable storage. */
  durable(): Promise<void> {
    return this.log.durable();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.log.durable();
    this.closed = true;
    await this.log.close();
  }

  private append(body: Buffer): void {
    this.log.append(body);
    this.log.compactIfLarge(this.liveBytes, () => this.liveRecords());
  }

  /** The live batches as records, oldest first; recounts their sizes (the log is being rewritten). */
  private *liveRecords(): Generator<Buffer> {
    this.liveBytes = 0;
    for (const e of this.entries.values()) {
      const body = this.encodeStored(e.batch);
      e.bytes = RecordLog.framedBytes(body.length);
      this.liveBytes += e.bytes;
      yield body;
    }
  }

  /** The body of a stored-batch record, in the shared writer (valid until its next use). */
  private encodeStored(batch: StoredBatch): Buffer {
    const w = this.writer;
    w.reset();
    w.u8(KIND_STORED);
    w.bytes(batch.id);
    w.f64(batch.storedAtMs);
    w.varBytes(batch.batch);
    return w.view();
  }

  /** Applies one replayed record (insertion order kept); throws DecodeError on a bad one. */
  private replay(body: Buffer): void {
    const r = new ByteReader(body);
    const kind = r.u8();
    const id = Buffer.from(r.bytes(BATCH_ID_BYTES));
    if (kind === KIND_STORED) {
      const storedAtMs = r.f64();
      const batch = Buffer.from(r.varBytes());
      if (r.remaining !== 0) throw new DecodeError('batchlog record has trailing bytes', body.length - r.remaining);
      this.entries.set(id.toString('hex'), { batch: { id, storedAtMs, batch }, bytes: 0 });
    } else if (kind === KIND_REMOVED && r.remaining === 0) {
      this.entries.delete(id.toString('hex'));
    } else {
      throw new DecodeError(`unknown batchlog record kind ${kind}`, 0);
    }
  }
}
