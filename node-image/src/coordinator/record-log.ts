// A small durable log of CRC-framed records for coordinator state kept outside the storage engine
// (batchlog, Paxos state, the schema register): records [u32 body length][u32 CRC32 of body][body]
// in `<prefix><seq>.log` files. Opening replays every log in sequence order (a torn or corrupt
// record ends that file), then the owner rewrites its live records into a fresh log and the old
// ones are removed. `durable()` resolves once every record appended before it is fsynced (one
// fsync serves every waiter: group commit). The owner keeps its live size; `compactIfLarge`
// rewrites the log once it is past a floor and twice the live size.
import { crc32 } from 'node:zlib';
import type { Disk, Logger, WritableFile } from '../io/index.ts';
import { assert } from '../lib/index.ts';
import { DecodeError } from '../storage/index.ts';

/** Bytes of a record's frame: u32 body length, u32 CRC32 of the body. */
export const RECORD_HEADER_BYTES = 8;
const LOG_SUFFIX = '.log';

export interface RecordLogOptions {
  readonly disk: Disk;
  readonly directory: string;
  /** File name prefix, e.g. 'paxos-'. */
  readonly prefix: string;
  readonly logger: Logger;
  /** Names the log in messages, e.g. 'Paxos log'. */
  readonly name: string;
  /** The log is rewritten only when larger than this (and twice the live bytes). */
  readonly compactBytesMin: number;
}

export class RecordLog {
  private readonly options: RecordLogOptions;
  private file: WritableFile;
  private fileSeq: number;
  private appendedRecords = 0;
  private syncedRecords = 0;
  private syncing: Promise<void> | null = null;
  private closed = false;

  private constructor(options: RecordLogOptions, file: WritableFile, fileSeq: number) {
    this.options = options;
    this.file = file;
    this.fileSeq = fileSeq;
  }

  /**
   * Replays every log through `replay` (bodies in append order; a DecodeError thrown by `replay`
   * ends that file like a bad CRC), then writes `live()` (evaluated after the replay) into a fresh
   * log, fsyncs it and removes the old logs.
   */
  static open(options: RecordLogOptions, replay: (body: Buffer) => void, live: () => Iterable<Buffer>): RecordLog {
    const { disk, directory } = options;
    disk.mkdirp(directory);
    const logs = disk.list(directory)
      .map((name) => ({ name, seq: parseLogName(options.prefix, name) }))
      .filter((l): l is { name: string; seq: number } => l.seq !== null)
      .sort((a, b) => a.seq - b.seq);
    for (const log of logs) readLog(disk, `${directory}/${log.name}`, replay, options);
    const seq = (logs[logs.length - 1]?.seq ?? 0) + 1;
    const log = new RecordLog(options, disk.openWrite(logPath(options, seq), { truncate: true }), seq);
    log.rewriteInto(log.file, live());
    for (const l of logs) disk.remove(`${directory}/${l.name}`);
    disk.syncDirectory(directory);
    return log;
  }

  /** Bytes the framed record of a `bodyBytes` body takes in the log. */
  static framedBytes(bodyBytes: number): number {
    return RECORD_HEADER_BYTES + bodyBytes;
  }

  /** Appends one record (durable after `durable()`); returns its framed size. */
  append(body: Buffer): number {
    assert(!this.closed, `${this.options.name} closed`);
    const record = frame(body);
    this.file.append(record);
    this.appendedRecords++;
    return record.length;
  }

  /** Rewrites the log into `live()` when it is past the floor and twice `liveBytes`, and no sync runs. */
  compactIfLarge(liveBytes: number, live: () => Iterable<Buffer>): void {
    const size = this.file.positionBytes;
    if (size <= this.options.compactBytesMin || size <= 2 * liveBytes || this.syncing !== null) return;
    const { disk, directory } = this.options;
    const oldPath = logPath(this.options, this.fileSeq);
    const seq = this.fileSeq + 1;
    const file = disk.openWrite(logPath(this.options, seq), { truncate: true });
    this.rewriteInto(file, live());
    disk.syncDirectory(directory);
    this.file.close();
    disk.remove(oldPath);
    disk.syncDirectory(directory);
    this.file = file;
    this.fileSeq = seq;
    this.options.logger.debug({ log: this.options.name, bytes: file.positionBytes }, 'log rewritten');
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

  async close(): Promise<void> {
    if (this.closed) return;
    await this.durable();
    this.closed = true;
    this.file.close();
  }

  /** Writes the live records (bodies) into `file` and fsyncs it. */
  private rewriteInto(file: WritableFile, live: Iterable<Buffer>): void {
    for (const body of live) file.append(frame(body));
    file.syncNow();
    this.syncedRecords = this.appendedRecords;
  }
}

function frame(body: Buffer): Buffer {
  assert(body.length > 0, 'log records are not empty');
  const record = Buffer.allocUnsafe(RECORD_HEADER_BYTES + body.length);
  record.writeUInt32BE(body.length, 0);
  record.writeUInt32BE(crc32(body) >>> 0, 4);
  body.copy(record, RECORD_HEADER_BYTES);
  return record;
}

function logPath(options: RecordLogOptions, seq: number): string {
  return `${options.directory}/${options.prefix}${String(seq).padStart(10, '0')}${LOG_SUFFIX}`;
}

function parseLogName(prefix: string, name: string): number | null {
  if (!name.startsWith(prefix) || !name.endsWith(LOG_SUFFIX)) return null;
  const digits = name.slice(prefix.length, name.length - LOG_SUFFIX.length);
  if (!/^\d+$/.test(digits)) return null;
  const n = Number(digits);
  return Number.isSafeInteger(n) ? n : null;
}

/** Replays one log; stops at the first torn or corrupt record (or one `replay` cannot decode). */
function readLog(disk: Disk, path: string, replay: (body: Buffer) => void, options: RecordLogOptions): void {
  const data = disk.readFile(path);
  let offset = 0;
  while (offset < data.length) {
    if (data.length - offset < RECORD_HEADER_BYTES) break;
    const bodyLength = data.readUInt32BE(offset);
    const crc = data.readUInt32BE(offset + 4);
    const start = offset + RECORD_HEADER_BYTES;
    if (bodyLength === 0 || start + bodyLength > data.length) break;
    const body = data.subarray(start, start + bodyLength);
    if ((crc32(body) >>> 0) !== crc) break;
    try {
      replay(body);
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
      break;
    }
    offset = start + bodyLength;
  }
  if (offset < data.length) {
    options.logger.warn({ path, offset, bytes: data.length - offset }, `${options.name} ends with unreadable bytes (torn write); ignoring them`);
  }
}
