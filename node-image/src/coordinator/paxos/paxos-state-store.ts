// Durable Paxos state of the partitions this replica takes part in (Cassandra's system.paxos):
// promised ballot, accepted proposal, most recent commit, per (table id, partition key). Every
// change appends the partition's whole new state as one record to a RecordLog (CRC-framed
// records, group fsync). Opening replays the log (last record per partition wins, a torn tail
// ends it) and rewrites the live states into a fresh log, which also drops states older than the
// TTL; the log is rewritten the same way when it grows past twice the live size.
// Bounded: PAXOS_STATES_MAX partitions (more are refused with Overloaded).
import type { Clock, Disk, Logger } from '../../io/index.ts';
import { assert, overloaded } from '../../lib/index.ts';
import { ByteReader, ByteWriter } from '../../storage/index.ts';
import { RecordLog } from '../record-log.ts';
import { BALLOT_BYTES } from './ballot.ts';
import type { Ballot } from './ballot.ts';

export const PAXOS_STATES_MAX = 1_000_000;
/** The log is rewritten when larger than this and twice its live content. */
export const PAXOS_LOG_COMPACT_BYTES_MIN = 4 * 1024 * 1024;
const LOG_PREFIX = 'paxos-';
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
  /** Framed size of its latest record in the log. */
  bytes: number;
}

export class PaxosStateStore {
  private readonly clock: Clock;
  private readonly ttlMs: number;
  private readonly states = new Map<string, Entry>();
  private readonly writer = new ByteWriter(1024);
  private readonly log: RecordLog;
  private liveBytes = 0;
  private closed = false;

  private constructor(options: { disk: Disk; directory: string; clock: Clock; logger: Logger; ttlMs: number }) {
    this.clock = options.clock;
    this.ttlMs = options.ttlMs;
    this.log = RecordLog.open(
      { disk: options.disk, directory: options.directory, logger: options.logger, prefix: LOG_PREFIX, name: 'Paxos log', compactBytesMin: PAXOS_LOG_COMPACT_BYTES_MIN },
      (body) => this.replay(body),
      () => this.liveRecords(),
    );
  }

  static open(options: { disk: Disk; directory: string; clock: Clock; logger: Logger; ttlMs: number }): PaxosStateStore {
    const store = new PaxosStateStore(options);
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
    const bytes = this.log.append(this.encode(entry));
    this.liveBytes += bytes - entry.bytes;
    entry.bytes = bytes;
    this.log.compactIfLarge(this.liveBytes, () => this.liveRecords());
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

  /** The body of an entry's record, in the shared writer (valid until its next use). */
  private encode(entry: Entry): Buffer {
    const w = this.writer;
    w.reset();
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
    return w.view();
  }

  /** The live states as records, minus those older than the TTL; recounts their sizes (the log is being rewritten). */
  private *liveRecords(): Generator<Buffer> {
    const nowMs = this.clock.nowMs();
    for (const [id, e] of this.states) if (nowMs - e.state.updatedAtMs > this.ttlMs) this.states.delete(id);
    this.liveBytes = 0;
    for (const e of this.states.values()) {
      const body = this.encode(e);
      e.bytes = RecordLog.framedBytes(body.length);
      this.liveBytes += e.bytes;
      yield body;
    }
  }

  /** Applies one replayed record (last per partition wins); throws DecodeError on a bad one. */
  private replay(body: Buffer): void {
    const r = new ByteReader(body);
    const tableId = r.string();
    const key = Buffer.from(r.varBytes());
    const flags = r.u8();
    const promised = (flags & FLAG_PROMISED) !== 0 ? readBallot(r) : null;
    const accepted = (flags & FLAG_ACCEPTED) !== 0 ? { ballot: readBallot(r), mutation: Buffer.from(r.varBytes()) } : null;
    const committed = (flags & FLAG_COMMITTED) !== 0 ? { ballot: readBallot(r), mutation: Buffer.from(r.varBytes()) } : null;
    const updatedAtMs = r.f64();
    this.states.set(stateId(tableId, key), { tableId, key, state: { promised, accepted, committed, updatedAtMs }, bytes: 0 });
  }
}

function stateId(tableId: string, key: Buffer): string {
  return `${tableId}:${key.toString('hex')}`;
}

function readBallot(r: ByteReader): Ballot {
  return Buffer.from(r.bytes(BALLOT_BYTES));
}
