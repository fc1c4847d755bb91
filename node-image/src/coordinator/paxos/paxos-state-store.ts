// Durable Paxos state of the partitions this replica takes part in (Cassandra's system.paxos):
// promised ballot, accepted proposal, most recent commit, per (table id, partition key). Every
// change appends the partition's whole new state as one record [u32 body length][u32 CRC32][body]
// to a log file; `durable()` resolves once every record appended before it is fsynced (one fsync
// serves every waiter: group commit). Opening replays the log (last record per partition wins, a
// torn tail ends it) and rewrites the live states into a fresh log, which also drops states older
// than the TTL; the log is rewritten the same way when it grows past twice the live size.
// Bounded: PAXOS_STATES_MAX partitions (more are refused with Overloaded).
import { crc32 } from 'node:zlib';
import type { Clock, Disk, Logger, WritableFile } from '../../io/index.ts';
import { assert, overloaded } from '../../lib/index.ts';
import { ByteReader, ByteWriter, DecodeError } from '../../storage/index.ts';
import { BALLOT_BYTES } from './ballot.ts';
import type { Ballot } from './ballot.ts';

export const PAXOS_STATES_MAX = 1_000_000;
/** The log is rewritten when larger than this and twice its live content. */
export const PAXOS_LOG_COMPACT_BYTES_MIN = 4 * 1024 * 1024;
const LOG_PREFIX = 'paxos-';
const LOG_SUFFIX = '.log';
const HEADER_BYTES = 8;
const FLAG_PROMISED = 1;
const FLAG_ACCEPTED = 2;
const FLAG_COMMITTED = 4;

export interface PaxosProposal {
  readonly ballot: Ballot;
  /** The mutation in the commit-log encoding. */
  readonly mutation: Buffer;
}

export interface PaxosState {
  readonly promised: Ballot | null;
  /** Accepted and not yet known committed. */
  readonly accepted: PaxosProposal | null;
  readonly committed: PaxosProposal | null;
  readonly updatedAtMs: number;
}

interface Entry {
  readonly tableId: string;
  readonly key: Buffer;
  state: PaxosState;
  bytes: number;
}

export class PaxosStateStore {
  private readonly disk: Disk;
  private readonly directory: string;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly ttlMs: number;
  private readonly states = new Map<string, Entry>();
  private readonly writer = new ByteWriter(1024);
  private file: WritableFile;
  private fileSeq: number;
  private liveBytes = 0;
  private appendedRecords = 0;
  private syncedRecords = 0;
  private syncing: Promise<void> | null = null;
  private closed = false;

  private constructor(options: { disk: Disk; directory: string; clock: Clock; logger: Logger; ttlMs: number; file: WritableFile; fileSeq: number }) {
    this.disk = options.disk;
    this.directory = options.directory;
    this.clock = options.clock;
    this.logger = options.logger;
    this.ttlMs = options.ttlMs;
    this.file = options.file;
    this.fileSeq = options.fileSeq;
  }

  static open(options: { disk: Disk; directory: string; clock: Clock; logger: Logger; ttlMs: number }): PaxosStateStore {
    const { disk, directory } = options;
    disk.mkdirp(directory);
    const logs = disk.list(directory)
      .map((name) => ({ name, seq: parseLogName(name) }))
      .filter((l): l is { name: string; seq: number } => l.seq !== null)
      .sort((a, b) => a.seq - b.seq);
    const loaded = new Map<string, Entry>();
    for (const log of logs) readLog(disk, `${directory}/${log.name}`, loaded, options.logger);
    const seq = (logs[logs.length - 1]?.seq ?? 0) + 1;
    const store = new PaxosStateStore({ ...options, file: disk.openWrite(logPath(directory, seq), { truncate: true }), fileSeq: seq });
    const nowMs = options.clock.nowMs();
    for (const [id, e] of loaded) {
      if (nowMs - e.state.updatedAtMs > options.ttlMs) continue;
      store.states.set(id, e);
    }
    store.rewriteInto(store.file);
    for (const log of logs) disk.remove(`${directory}/${log.name}`);
    disk.syncDirectory(directory);
    if (store.states.size > 0) options.logger.info({ partitions: store.states.size }, 'Paxos state loaded');
    return store;
  }

  get(tableId: string, key: Buffer): PaxosState | null {
    return this.states.get(stateId(tableId, key))?.state ?? null;
  }

  get size(): number {
    return this.states.size;
  }

  /** Records a partition's new state (in memory at once; durable after `durable()`). */
  set(tableId: string, key: Buffer, state: PaxosState): void {
    assert(!this.closed, 'Paxos state store closed');
    const id = stateId(tableId, key);
    let entry = this.states.get(id);
    if (entry === undefined) {
      if (this.states.size >= PAXOS_STATES_MAX) throw overloaded(`too many partitions with Paxos state (${this.states.size})`);
      entry = { tableId, key: Buffer.from(key), state, bytes: 0 };
      this.states.set(id, entry);
    }
    entry.state = state;
    const record = this.encode(entry);
    this.liveBytes += record.length - entry.bytes;
    entry.bytes = record.length;
    this.file.append(record);
    this.appendedRecords++;
    if (this.file.positionBytes > PAXOS_LOG_COMPACT_BYTES_MIN && this.file.positionBytes > 2 * this.liveBytes && this.syncing === null) this.compact();
  }

  /** Resolves when every record appended so far is on stable storage. */
  async durable(): Promise<void> {
    const target = this.appendedRecords;
    while (this.syncedRecords < target) {
      if (this.syncing === null) {
        const upTo = this.appendedRecords;
        const file = this.file;
        this.syncing = file.sync().then(() => {
          this.syncedRecords = Math.max(this.syncedRecords, upTo);
        }).finally(() => {
          this.syncing = null;
        });
      }
      await this.syncing;
    }
  }

  private encode(entry: Entry): Buffer {
    const w = this.writer;
    w.reset();
    w.u32(0);
    w.u32(0);
    w.string(entry.tableId);
    w.varBytes(entry.key);
    const s = entry.state;
    let flags = 0;
    if (s.promised !== null) flags |= FLAG_PROMISED;
    if (s.accepted !== null) flags |= FLAG_ACCEPTED;
    if (s.committed !== null) flags |= FLAG_COMMITTED;
    w.u8(flags);
    if (s.promised !== null) w.bytes(s.promised);
    for (const p of [s.accepted, s.committed]) {
      if (p === null) continue;
      w.bytes(p.ballot);
      w.varBytes(p.mutation);
    }
    w.f64(s.updatedAtMs);
    w.u32At(0, w.length - HEADER_BYTES);
    w.u32At(4, crc32(w.view(HEADER_BYTES, w.length)) >>> 0);
    return Buffer.from(w.view());
  }

  /** Writes every live state into `file` and fsyncs it. */
  private rewriteInto(file: WritableFile): void {
    this.liveBytes = 0;
    for (const e of this.states.values()) {
      const record = this.encode(e);
      e.bytes = record.length;
      this.liveBytes += record.length;
      file.append(record);
    }
    file.syncNow();
    this.syncedRecords = this.appendedRecords;
  }

  /** Rewrites the live states (minus expired ones) into a new log and removes the old one. */
  private compact(): void {
    const nowMs = this.clock.nowMs();
    for (const [id, e] of this.states) if (nowMs - e.state.updatedAtMs > this.ttlMs) this.states.delete(id);
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
    this.logger.debug({ partitions: this.states.size, bytes: this.liveBytes }, 'Paxos log rewritten');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.durable();
    this.closed = true;
    this.file.close();
  }
}

function stateId(tableId: string, key: Buffer): string {
  return `${tableId}:${key.toString('hex')}`;
}

function logPath(directory: string, seq: number): string {
  return `${directory}/${LOG_PREFIX}${String(seq).padStart(10, '0')}${LOG_SUFFIX}`;
}

function parseLogName(name: string): number | null {
  if (!name.startsWith(LOG_PREFIX) || !name.endsWith(LOG_SUFFIX)) return null;
  const n = Number(name.slice(LOG_PREFIX.length, name.length - LOG_SUFFIX.length));
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
}

function readBallot(r: ByteReader): Ballot {
  return Buffer.from(r.bytes(BALLOT_BYTES));
}

/** Replays one log into `into`; stops at the first torn or corrupt record. */
function readLog(disk: Disk, path: string, into: Map<string, Entry>, logger: Logger): void {
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
      const tableId = r.string();
      const key = Buffer.from(r.varBytes());
      const flags = r.u8();
      const promised = (flags & FLAG_PROMISED) !== 0 ? readBallot(r) : null;
      const accepted = (flags & FLAG_ACCEPTED) !== 0 ? { ballot: readBallot(r), mutation: Buffer.from(r.varBytes()) } : null;
      const committed = (flags & FLAG_COMMITTED) !== 0 ? { ballot: readBallot(r), mutation: Buffer.from(r.varBytes()) } : null;
      const updatedAtMs = r.f64();
      into.set(stateId(tableId, key), { tableId, key, state: { promised, accepted, committed, updatedAtMs }, bytes: 0 });
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
      break;
    }
    offset = start + bodyLength;
  }
  if (offset < data.length) logger.warn({ path, offset, bytes: data.length - offset }, 'Paxos log ends with unreadable bytes (torn write); ignoring them');
}
