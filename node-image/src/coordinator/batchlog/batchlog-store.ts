// The batches this node holds as a batchlog replica (Cassandra's system.batches), durable on the
// injected Disk: a log of records [u32 body length][u32 CRC32 of body][body], body = u8 kind
// (1 stored: 16-byte batch id, f64 stored-at wall millis, varbytes batch; 2 removed: 16-byte id).
// `durable()` resolves once every record appended before it is fsynced (one fsync serves every
// waiter). Opening replays the log (a torn or corrupt tail ends it) and rewrites the live batches
// into a fresh log; the log is rewritten when it grows past twice its live size. Bounded in
// entries and bytes: a store beyond either bound is refused with Overloaded.
import { crc32 } from 'node:zlib';
import type { Disk, Logger, WritableFile } from '../../io/index.ts';
import { assert, overloaded } from '../../lib/index.ts';
import { ByteReader, ByteWriter, DecodeError } from '../../storage/index.ts';

export const BATCHLOG_ENTRIES_MAX = 100_000;
export const BATCHLOG_BYTES_MAX = 256 * 1024 * 1024;
/** The log is rewritten when larger than this and twice its live content. */
export const BATCHLOG_LOG_COMPACT_BYTES_MIN = 4 * 1024 * 1024;
export const BATCH_ID_BYTES = 16;
const LOG_PREFIX = 'batchlog-';
const LOG_SUFFIX = '.log';
const HEADER_BYTES = 8;
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
  readonly bytes: number;
}

export class BatchlogStore {
  private readonly disk: Disk;
  private readonly directory: string;
  private readonly logger: Logger;
  /** Batch id (hex) -> entry, in insertion order (oldest first). */
  private readonly entries = new Map<string, Entry>();
  private readonly writer = new ByteWriter(1024);
  private file: WritableFile;
  private fileSeq: number;
  private liveBytes = 0;
  private appendedRecords = 0;
  private syncedRecords = 0;
  private syncing: Promise<void> | null = null;
  private closed = false;

  private constructor(options: { disk: Disk; directory: string; logger: Logger; file: WritableFile; fileSeq: number }) {
    this.disk = options.disk;
    this.directory = options.directory;
    this.logger = options.logger;
    this.file = options.file;
    this.fileSeq = options.fileSeq;
  }

  static open(options: { disk: Disk; directory: string; logger: Logger }): BatchlogStore {
    const { disk, directory } = options;
    disk.mkdirp(directory);
    const logs = disk.list(directory)
      .map((name) => ({ name, seq: parseLogName(name) }))
      .filter((l): l is { name: string; seq: number } => l.seq !== null)
      .sort((a, b) => a.seq - b.seq);
    const loaded = new Map<string, StoredBatch>();
    for (const log of logs) readLog(disk, `${directory}/${log.name}`, loaded, options.logger);
    const seq = (logs[logs.length - 1]?.seq ?? 0) + 1;
    const store = new BatchlogStore({ ...options, file: disk.openWrite(logPath(directory, seq), { truncate: true }), fileSeq: seq });
    for (const [id, batch] of loaded) store.entries.set(id, { batch, bytes: 0 });
    store.rewriteInto(store.file);
    for (const log of logs) disk.remove(`${directory}/${log.name}`);
    disk.syncDirectory(directory);
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
    const record = this.encodeStored(batch);
    if (this.liveBytes + record.length > BATCHLOG_BYTES_MAX) throw overloaded(`batchlog holds ${this.liveBytes} bytes`);
    const copy: StoredBatch = { id: Buffer.from(batch.id), storedAtMs: batch.storedAtMs, batch: Buffer.from(batch.batch) };
    this.entries.set(key, { batch: copy, bytes: record.length });
    this.liveBytes += record.length;
    this.append(record);
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
    w.u32(0);
    w.u32(0);
    w.u8(KIND_REMOVED);
    w.bytes(id);
    this.append(this.seal());
  }

  private append(record: Buffer): void {
    this.file.append(record);
    this.appendedRecords++;
    if (this.file.positionBytes > BATCHLOG_LOG_COMPACT_BYTES_MIN && this.file.positionBytes > 2 * this.liveBytes && this.syncing === null) this.compact();
  }

  /** Resolves when every record appended so far is on stable storage. */
  async durable(): Promise<void> {
    const target = this.appendedRecords;
    while (this.syncedRecords < target) {
      if (this.syncing === null) {
        const upTo = this.appendedRecords;
        this.syncing = this.file.sync().then(() => {
          this.syncedRecords = Math.max(this.syncedRecords, upTo);
        }).finally(() => {
          this.syncing = null;
        });
      }
      await this.syncing;
    }
  }

  private encodeStored(batch: StoredBatch): Buffer {
    const w = this.writer;
    w.reset();
    w.u32(0);
    w.u32(0);
    w.u8(KIND_STORED);
    w.bytes(batch.id);
    w.f64(batch.storedAtMs);
    w.varBytes(batch.batch);
    return this.seal();
  }

  private seal(): Buffer {
    const w = this.writer;
    w.u32At(0, w.length - HEADER_BYTES);
    w.u32At(4, crc32(w.view(HEADER_BYTES, w.length)) >>> 0);
    return Buffer.from(w.view());
  }

  /** Writes every live batch into `file` and fsyncs it. */
  private rewriteInto(file: WritableFile): void {
    this.liveBytes = 0;
    for (const [key, e] of this.entries) {
      const record = this.encodeStored(e.batch);
      this.entries.set(key, { batch: e.batch, bytes: record.length });
      this.liveBytes += record.length;
      file.append(record);
    }
    file.syncNow();
    this.syncedRecords = this.appendedRecords;
  }

  private compact(): void {
    const oldPath = logPath(this.directory, this.fileSeq);
    const seq = this.fileSeq + 1;
    const file = this.disk.openWrite(logPath(this.directory, seq), { truncate: true });
    this.rewriteInto(file);
    this.disk.syncDirectory(this.directory);
    this.file.close();
    this.disk.remove(oldPath);
    this.disk.syncDirectory(this.directory);
    this.file = file;
    this.fileSeq = seq;
    this.logger.debug({ batches: this.entries.size, bytes: this.liveBytes }, 'batchlog rewritten');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.durable();
    this.closed = true;
    this.file.close();
  }
}

function logPath(directory: string, seq: number): string {
  return `${directory}/${LOG_PREFIX}${String(seq).padStart(10, '0')}${LOG_SUFFIX}`;
}

function parseLogName(name: string): number | null {
  if (!name.startsWith(LOG_PREFIX) || !name.endsWith(LOG_SUFFIX)) return null;
  const n = Number(name.slice(LOG_PREFIX.length, name.length - LOG_SUFFIX.length));
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
}

/** Replays one log into `into` (insertion order kept); stops at the first torn or corrupt record. */
function readLog(disk: Disk, path: string, into: Map<string, StoredBatch>, logger: Logger): void {
  const data = disk.readFile(path);
  let offset = 0;
  while (offset < data.length) {
    if (data.length - offset < HEADER_BYTES) break;
    const bodyLength = data.readUInt32BE(offset);
    const crc = data.readUInt32BE(offset + 4);
    const start = offset + HEADER_BYTES;
    if (bodyLength === 0 || start + bodyLength > data.length) break;
    const body = data.subarray(start, start + bodyLength);
    if ((crc32(body) >>> 0) !== crc) break;
    try {
      const r = new ByteReader(body);
      const kind = r.u8();
      const id = Buffer.from(r.bytes(BATCH_ID_BYTES));
      if (kind === KIND_STORED) {
        const storedAtMs = r.f64();
        const batch = Buffer.from(r.varBytes());
        if (r.remaining !== 0) break;
        into.set(id.toString('hex'), { id, storedAtMs, batch });
      } else if (kind === KIND_REMOVED && r.remaining === 0) {
        into.delete(id.toString('hex'));
      } else {
        break;
      }
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
      break;
    }
    offset = start + bodyLength;
  }
  if (offset < data.length) logger.warn({ path, offset, bytes: data.length - offset }, 'batchlog ends with unreadable bytes (torn write); ignoring them');
}
