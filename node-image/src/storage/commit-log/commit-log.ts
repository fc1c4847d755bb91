// The commit log writer of one shard. Mutations are serialized into one pending buffer; the
// entries of one event-loop turn go to the OS in a single append (setImmediate) as one frame
// with one checksum (docs/formats/commit-log.md), and callers of that turn share one promise. A
// one-table, one-row write that its memtable would keep as one encoded row is logged in that
// encoding (ENCODED_PARTITION; the frame ends with the column names its indexes stand for), and a
// memtable taking it as a new partition copies those bytes instead of encoding the row again.
// Durability follows the sync mode: periodic acks once appended and fsyncs on a timer; batch acks
// after the fsync covering the entry, with at most one fsync in flight so concurrent writes share
// it (group commit); group additionally starts at most one fsync per window. Segments record
// which tables they hold data for and are deleted once every such table has flushed past them.
// Any I/O failure stops the log (commit failure policy "stop").
import { assert, invalidRequest } from '../../lib/index.ts';
import type { Clock, Disk, Logger, TimerHandle, Timers, WritableFile } from '../../io/index.ts';
import { ByteWriter, varintLength } from '../codec/byte-writer.ts';
import { crc32Of } from '../codec/small-crc32.ts';
import { MUTATION_FORMAT_VERSION, MutationEncoder } from '../codec/mutation-codec.ts';
import type { CommitLogSyncMode } from '../engine.ts';
import { StorageErrorCode, StorageUnavailableError } from '../errors.ts';
import type { Mutation, PartitionUpdate } from '../model.ts';
import type { CommitLogPosition } from './commit-log-position.ts';
import {
  EntryKind, FRAME_ENTRY_HEADER_BYTES, FRAME_HEADER_BYTES, FRAME_TRAILER_BYTES, SEGMENT_HEADER_BYTES, SEGMENT_ID_MAX, encodeSegmentHeader, segmentFileName,
} from './segment-format.ts';

/**
 * periodic mode: once the last completed fsync is older than this many periods, acknowledgements
 * wait for the next fsync (Cassandra's periodic_commitlog_sync_lag_block, ~1.5 periods).
 */
export const PERIODIC_SYNC_LAG_BLOCK_FACTOR = 1.5;
/** Initial capacity of the pending buffer; it grows to the largest turn's worth of entries. */
export const PENDING_BUFFER_INITIAL_BYTES = 1024 * 1024;

export interface CommitLogOptions {
  readonly disk: Disk;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly logger: Logger;
  readonly directory: string;
  readonly syncMode: CommitLogSyncMode;
  readonly syncPeriodMs: number;
  readonly groupWindowMs: number;
  readonly segmentSizeBytes: number;
  readonly totalSpaceBytes: number;
  readonly mutationSizeMaxBytes: number;
  /** Called after a segment switch when the log exceeds its total space: flush these tables. */
  readonly onTotalSpaceExceeded: (tableIds: readonly string[]) => void;
}

export interface CommitLogStats {
  readonly segments: number;
  readonly totalBytes: number;
  readonly appends: number;
  readonly syncs: number;
}

class Segment {
  readonly id: number;
  readonly path: string;
  file: WritableFile | null;
  /** Bytes handed to the OS (or found on disk, for replayed segments). */
  writtenBytes: number;
  syncedBytes: number;
  /** Table id -> offset of the last entry holding data for it. */
  readonly dirty = new Map<string, number>();

  constructor(options: { id: number; path: string; file: WritableFile | null; writtenBytes: number }) {
    this.id = options.id;
    this.path = options.path;
    this.file = options.file;
    this.writtenBytes = options.writtenBytes;
    this.syncedBytes = options.file === null ? options.writtenBytes : 0;
  }
}

interface Batch {
  readonly promise: Promise<void>;
  resolve: () => void;
  reject: (error: Error) => void;
  /** Log sequence number (bytes ever appended) once this batch is appended. */
  endLsn: number;
}

/**
 * A table's memtable, as the commit log sees it when it logs a write in the memtable's encoding:
 * the names its column indexes stand for, and the encoding itself.
 */
export interface LogEncoder {
  /** Column names by index (append-only). */
  readonly columnNames: readonly string[];
  /** Encodes the update at the end of `writer`; false, with nothing written, when it is not one encoded row. */
  encodeUpdate(writer: ByteWriter, update: PartitionUpdate): boolean;
}

/** A LogEncoder of the open frame: its number there (COLUMNS records), keyspace and table. */
interface FrameEncoder {
  readonly encoder: LogEncoder;
  readonly keyspace: string;
  readonly tableId: string;
}

export interface AppendResult {
  readonly position: CommitLogPosition;
  /** Resolves when the entry is durable per the sync mode (shared by the entries of one turn). */
  readonly durable: Promise<void>;
}

export class CommitLog {
  private readonly options: CommitLogOptions;
  private readonly encoder = new MutationEncoder();
  private readonly pending = new ByteWriter(PENDING_BUFFER_INITIAL_BYTES);
  /** Oldest first; the last one is the active segment once started. */
  private readonly segments: Segment[] = [];
  private active: Segment | null = null;
  /** Offset in the active segment of the next entry (appended plus pending bytes). */
  private activeOffset = 0;
  /** Offset of the last entry appended to the active segment. */
  private lastEntryOffset = 0;
  private nextSegmentId = 1;
  private batch: Batch | null = null;
  private readonly awaitingSync: Batch[] = [];
  private writeScheduled: TimerHandle | null = null;
  private writtenLsn = 0;
  private syncedLsn = 0;
  private syncInFlight = false;
  private syncDone: Promise<void> | null = null;
  private syncWanted = false;
  private lastSyncStartMs = -Infinity;
  private lastSyncDoneMs = 0;
  private groupTimer: TimerHandle | null = null;
  private periodicTimer: TimerHandle | null = null;
  private failure: Error | null = null;
  private closed = false;
  private appendCount = 0;
  private syncCount = 0;
  /** Where the open frame starts in `pending` (-1: none). */
  private frameStart = -1;
  /** Encoders whose ENCODED_PARTITION entries are in the open frame, by number. */
  private readonly frameEncoders: FrameEncoder[] = [];
  /** Bytes the open frame's COLUMNS records will take (as their names stood when each was counted). */
  private frameRecordBytes = 0;
  /** The last frame encoder looked up, and its number (-1: none). */
  private lastEncoder: LogEncoder | null = null;
  private lastEncoderNumber = -1;
  /** Whether the last append logged its update in the memtable's encoding (LogEncoder.encodeUpdate). */
  private loggedEncoded = false;
  private readonly writePendingCallback = (): void => {
    this.writeScheduled = null;
    this.writePending();
  };

  constructor(options: CommitLogOptions) {
    assert(options.mutationSizeMaxBytes + 1 + SEGMENT_HEADER_BYTES + FRAME_HEADER_BYTES + FRAME_ENTRY_HEADER_BYTES + FRAME_TRAILER_BYTES <= options.segmentSizeBytes,
      'a mutation of the maximum size must fit in a segment');
    this.options = options;
  }

  /** Registers a segment found on disk at open, before start; replay then marks what it applied. */
  adoptReplayedSegment(options: { id: number; path: string; sizeBytes: number }): void {
    assert(this.active === null, 'replayed segments are adopted before start');
    const last = this.segments[this.segments.length - 1];
    assert(last === undefined || last.id < options.id, 'replayed segments are adopted in id order');
    this.segments.push(new Segment({ id: options.id, path: options.path, file: null, writtenBytes: options.sizeBytes }));
  }

  /** Replay applied an entry of `tableId` at `offsetBytes` of a replayed segment. */
  markReplayedDirty(segmentId: number, tableId: string, offsetBytes: number): void {
    // Replay goes segment by segment: the last adopted one is the common case.
    const last = this.segments[this.segments.length - 1];
    const segment = last !== undefined && last.id === segmentId ? last : this.segments.find((s) => s.id === segmentId);
    assert(segment !== undefined && segment.file === null, 'replayed segment');
    const previous = segment.dirty.get(tableId);
    if (previous === undefined || previous < offsetBytes) segment.dirty.set(tableId, offsetBytes);
  }

  /** Creates the active segment; `firstSegmentId` exceeds every id used before. */
  start(firstSegmentId: number): void {
    assert(this.active === null, 'commit log started twice');
    assert(Number.isSafeInteger(firstSegmentId) && firstSegmentId > 0 && firstSegmentId < SEGMENT_ID_MAX, 'segment id');
    for (const s of this.segments) assert(s.id < firstSegmentId, 'new segment ids exceed replayed ones');
    this.nextSegmentId = firstSegmentId;
    this.lastSyncDoneMs = this.options.clock.monotonicMs();
    this.options.disk.mkdirp(this.options.directory);
    this.openSegment();
    this.releaseCleanSegments();
    if (this.options.syncMode === 'periodic') {
      this.periodicTimer = this.options.timers.setInterval(() => this.requestSync(), this.options.syncPeriodMs);
    }
  }

  /** Position of the next entry: everything appended so far sorts before it. */
  currentPosition(): CommitLogPosition {
    assert(this.active !== null, 'commit log not started');
    return { segmentId: this.active.id, offsetBytes: this.activeOffset };
  }

  /**
   * Serializes and queues the mutation. Throws Invalid when it is larger than the maximum and
   * StorageUnavailableError when the log is closed or failed; nothing is queued then.
   */
  append(mutation: Mutation): AppendResult {
    const durable = this.appendDurable(mutation);
    return { position: this.lastAppendedPosition(), durable };
  }

  /** Where the last appended entry starts. */
  lastAppendedPosition(): CommitLogPosition {
    assert(this.active !== null, 'commit log not started');
    return { segmentId: this.active.id, offsetBytes: this.lastEntryOffset };
  }

  /** Segment id of the last appended entry (lastAppendedPosition() without allocating). */
  get lastEntrySegmentId(): number {
    assert(this.active !== null, 'commit log not started');
    return this.active.id;
  }

  /** Offset of the last appended entry in its segment. */
  get lastEntryOffsetBytes(): number {
    return this.lastEntryOffset;
  }

  /**
   * append() without the position: no allocation per entry (the engine's write path). With an
   * `encoder` (the memtable of the mutation's one table), the update is logged in its encoding
   * when it is one encoded row (loggedInEncoding() then tells so, and the memtable copies it with
   * applyLogged before anything else is appended).
   */
  appendDurable(mutation: Mutation, encoder: LogEncoder | null = null): Promise<void> {
    if (this.failure !== null) throw new StorageUnavailableError(StorageErrorCode.Failed, `commit log failed: ${this.failure.message}`);
    if (this.closed) throw new StorageUnavailableError(StorageErrorCode.Closed, 'commit log closed');
    assert(this.active !== null, 'commit log not started');
    this.loggedEncoded = false;
    if (this.frameStart < 0) this.openFrame();
    if (encoder !== null && mutation.updates.length === 1) {
      const encodedStart = this.appendEncoded(mutation, encoder);
      if (encodedStart >= 0) {
        this.loggedEncoded = true;
        return this.appended(mutation, encodedStart);
      }
    }
    const pending = this.pending;
    let entryStart = pending.length;
    pending.u32(0);
    pending.u8(EntryKind.MUTATION);
    try {
      this.encoder.write(pending, mutation);
    } catch (error) {
      this.dropEntry(entryStart);
      throw error;
    }
    const payloadLength = pending.length - entryStart - FRAME_ENTRY_HEADER_BYTES;
    if (payloadLength - 1 > this.options.mutationSizeMaxBytes) {
      this.dropEntry(entryStart);
      throw invalidRequest(`Mutation of ${payloadLength - 1} bytes is too large for the maximum size of ${this.options.mutationSizeMaxBytes}`);
    }
    pending.u32At(entryStart, payloadLength);
    if (!this.fits(entryStart)) entryStart = this.moveEntryToNextSegment(entryStart);
    return this.appended(mutation, entryStart);
  }

  /** Whether the last appendDurable logged its update in the encoder's encoding (applyLogged copies it). */
  loggedInEncoding(): boolean {
    return this.loggedEncoded;
  }

  /**
   * The update as an ENCODED_PARTITION entry of the open frame: where it starts in `pending`; -1,
   * with nothing appended, when the encoder does not encode it or the entry would not fit the
   * segment or the maximum mutation size (a MUTATION entry then handles both).
   */
  private appendEncoded(mutation: Mutation, encoder: LogEncoder): number {
    const pending = this.pending;
    const number = this.frameEncoderNumber(encoder, mutation.keyspace, mutation.updates[0]!.tableId);
    const entryStart = pending.length;
    pending.u32(0);
    pending.u8(EntryKind.ENCODED_PARTITION);
    pending.varint(number);
    if (!encoder.encodeUpdate(pending, mutation.updates[0]!)) {
      pending.truncate(entryStart);
      return -1;
    }
    const payloadLength = pending.length - entryStart - FRAME_ENTRY_HEADER_BYTES;
    if (payloadLength > this.options.mutationSizeMaxBytes || !this.fits(entryStart)) {
      pending.truncate(entryStart);
      return -1;
    }
    pending.u32At(entryStart, payloadLength);
    return entryStart;
  }

  /** Counts the entry at `entryStart` of `pending` (the last one) as appended: its position, dirty table, batch. */
  private appended(mutation: Mutation, entryStart: number): Promise<void> {
    const active = this.active!;
    const offset = this.activeOffset;
    this.lastEntryOffset = offset;
    this.activeOffset += this.pending.length - entryStart;
    const updates = mutation.updates;
    for (let i = 0; i < updates.length; i++) active.dirty.set(updates[i]!.tableId, offset);
    this.appendCount++;
    if (this.batch === null) this.batch = newBatch();
    if (this.writeScheduled === null) this.writeScheduled = this.options.timers.setImmediate(this.writePendingCallback);
    return this.batch.promise;
  }

  /** Whether the entry from `entryStart` to the end of `pending` fits the active segment (with the frame's records and trailer), or nothing precedes it there. */
  private fits(entryStart: number): boolean {
    const end = this.activeOffset + (this.pending.length - entryStart) + this.frameRecordBytes + FRAME_TRAILER_BYTES;
    return end <= this.options.segmentSizeBytes || this.activeOffset <= SEGMENT_HEADER_BYTES + FRAME_HEADER_BYTES;
  }

  /** Takes back the unfinished entry at `entryStart` (the last in `pending`), and its frame when nothing else is in it. */
  private dropEntry(entryStart: number): void {
    this.pending.truncate(entryStart);
    if (entryStart === this.frameStart + FRAME_HEADER_BYTES && this.frameEncoders.length === 0) this.takeBackFrame(this.frameStart);
  }

  /** Takes back the frame header at `frameStart`, the last bytes of `pending` (the frame holds nothing). */
  private takeBackFrame(frameStart: number): void {
    this.pending.truncate(frameStart);
    this.frameStart = -1;
    this.activeOffset -= FRAME_HEADER_BYTES;
  }

  /** Moves the MUTATION entry at `entryStart` (the last in `pending`) to a new segment; its start there. */
  private moveEntryToNextSegment(entryStart: number): number {
    const pending = this.pending;
    const entry = Buffer.from(pending.view(entryStart));
    pending.truncate(entryStart);
    this.switchSegment();
    const failure = this.failed;
    if (failure !== null) throw new StorageUnavailableError(StorageErrorCode.Failed, `commit log failed: ${failure.message}`);
    this.openFrame();
    const start = pending.length;
    pending.bytes(entry);
    return start;
  }

  /** The number of `encoder` in the open frame (registered on first use: its COLUMNS record ends the frame). */
  private frameEncoderNumber(encoder: LogEncoder, keyspace: string, tableId: string): number {
    if (encoder === this.lastEncoder) return this.lastEncoderNumber;
    const list = this.frameEncoders;
    let number = -1;
    for (let i = 0; i < list.length; i++) {
      if (list[i]!.encoder === encoder) {
        number = i;
        break;
      }
    }
    if (number < 0) {
      number = list.length;
      list.push({ encoder, keyspace, tableId });
      this.frameRecordBytes += columnsRecordBytes(encoder, keyspace, tableId, number);
    }
    this.lastEncoder = encoder;
    this.lastEncoderNumber = number;
    return number;
  }

  /** Starts a frame at the end of `pending`: its header, filled in when it closes. */
  private openFrame(): void {
    assert(this.frameStart < 0, 'one open frame');
    this.frameStart = this.pending.length;
    this.pending.u32(0);
    this.pending.u32(0);
    this.activeOffset += FRAME_HEADER_BYTES;
  }

  /**
   * Ends the open frame: the COLUMNS records of its encoders, its length and checksums. A frame
   * with no entry is taken back instead (replay reads an empty frame as a torn tail).
   */
  private closeFrame(): void {
    const frameStart = this.frameStart;
    if (frameStart < 0) return;
    const pending = this.pending;
    const entriesStart = frameStart + FRAME_HEADER_BYTES;
    this.frameStart = -1;
    this.lastEncoder = null;
    this.lastEncoderNumber = -1;
    this.frameRecordBytes = 0;
    if (pending.length === entriesStart) {
      this.frameEncoders.length = 0;
      this.takeBackFrame(frameStart);
      return;
    }
    const recordsStart = pending.length;
    const encoders = this.frameEncoders;
    for (let i = 0; i < encoders.length; i++) writeColumnsRecord(pending, encoders[i]!, i);
    encoders.length = 0;
    const length = pending.length - entriesStart;
    pending.u32At(frameStart, length);
    pending.u32At(frameStart + 4, crc32Of(pending.buffer, frameStart, frameStart + 4));
    pending.u32(crc32Of(pending.buffer, entriesStart, entriesStart + length));
    this.activeOffset += pending.length - recordsStart;
  }

  /**
   * Forgets `tableId`'s data before `position` (it is in SSTables now): segments holding no other
   * unflushed data are deleted.
   */
  markClean(tableId: string, position: CommitLogPosition): void {
    for (const s of this.segments) {
      if (s.id > position.segmentId) break;
      const last = s.dirty.get(tableId);
      if (last === undefined) continue;
      if (s.id < position.segmentId || last < position.offsetBytes) s.dirty.delete(tableId);
    }
    this.releaseCleanSegments();
  }

  /** Tables with unflushed data in the oldest segment. */
  tablesDirtyInOldestSegment(): string[] {
    const oldest = this.segments[0];
    return oldest === undefined ? [] : [...oldest.dirty.keys()];
  }

  /** Ids of every segment (replayed or written), oldest first. */
  segmentIds(): number[] {
    return this.segments.map((s) => s.id);
  }

  stats(): CommitLogStats {
    let total = 0;
    for (const s of this.segments) total += s === this.active ? this.activeOffset : s.writtenBytes;
    return { segments: this.segments.length, totalBytes: total, appends: this.appendCount, syncs: this.syncCount };
  }

  get failed(): Error | null {
    return this.failure;
  }

  /** Resolves once no fsync is in flight (close waits for it before closing files). */
  async whenSyncIdle(): Promise<void> {
    while (this.syncInFlight && this.syncDone !== null) await this.syncDone;
  }

  /** Writes what is pending, syncs every open segment and closes them. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.periodicTimer?.cancel();
    this.groupTimer?.cancel();
    this.writeScheduled?.cancel();
    this.writeScheduled = null;
    if (this.failure === null) this.writePending();
    let error: Error | null = this.failure;
    if (error === null) {
      try {
        for (const s of this.segments) {
          if (s.file !== null && s.syncedBytes < s.writtenBytes) {
            s.file.syncNow();
            s.syncedBytes = s.writtenBytes;
          }
        }
        this.syncedLsn = this.writtenLsn;
      } catch (e) {
        error = e as Error;
        this.fail(error);
      }
    }
    for (const s of this.segments) {
      try {
        s.file?.close();
      } catch {
        // Closing after a disk failure: nothing more to lose.
      }
      s.file = null;
    }
    if (error === null) this.resolveSynced();
    const closedError = new StorageUnavailableError(StorageErrorCode.Closed, 'commit log closed');
    for (const b of this.awaitingSync.splice(0)) b.reject(error ?? closedError);
  }

  // -------------------------------------------------------------------------------------------

  private openSegment(): void {
    const id = this.nextSegmentId++;
    const path = `${this.options.directory}/${segmentFileName(id)}`;
    const { disk } = this.options;
    const file = disk.openWrite(path, { truncate: true });
    // The new name must survive a power loss before anything acknowledged lands in it.
    disk.syncDirectory(this.options.directory);
    const segment = new Segment({ id, path, file, writtenBytes: 0 });
    this.segments.push(segment);
    this.active = segment;
    assert(this.frameStart < 0, 'a segment starts between frames');
    this.pending.bytes(encodeSegmentHeader(id, MUTATION_FORMAT_VERSION));
    this.activeOffset = SEGMENT_HEADER_BYTES;
  }

  private switchSegment(): void {
    this.writePending();
    if (this.failure !== null) return;
    try {
      this.openSegment();
    } catch (error) {
      this.fail(error as Error);
      return;
    }
    // The retired segment still needs its final sync (periodic timer or a waiting batch).
    if (this.options.syncMode !== 'periodic') this.requestSync();
    let total = 0;
    for (const s of this.segments) total += s === this.active ? this.activeOffset : s.writtenBytes;
    if (total > this.options.totalSpaceBytes) {
      const tables = this.tablesDirtyInOldestSegment();
      if (tables.length > 0) this.options.onTotalSpaceExceeded(tables);
    }
  }

  private writePending(): void {
    if (this.failure !== null) return;
    this.closeFrame();
    const pending = this.pending;
    if (pending.length === 0) return;
    const active = this.active!;
    const batch = this.batch;
    this.batch = null;
    try {
      active.file!.append(pending.view());
    } catch (error) {
      pending.reset();
      if (batch !== null) this.awaitingSync.push(batch);
      this.fail(error as Error);
      return;
    }
    active.writtenBytes += pending.length;
    this.writtenLsn += pending.length;
    pending.reset();
    if (batch === null) return;
    batch.endLsn = this.writtenLsn;
    if (this.options.syncMode === 'periodic') {
      const lagMs = this.options.clock.monotonicMs() - this.lastSyncDoneMs;
      if (lagMs <= this.options.syncPeriodMs * PERIODIC_SYNC_LAG_BLOCK_FACTOR) {
        batch.resolve();
        return;
      }
    }
    this.awaitingSync.push(batch);
    this.requestSync();
  }

  /** Starts an fsync now, or marks one wanted; `windowElapsed` when the group timer fired. */
  private requestSync(windowElapsed = false): void {
    if (this.failure !== null || this.closed) return;
    if (this.syncInFlight) {
      this.syncWanted = true;
      return;
    }
    if (this.options.syncMode === 'group' && !windowElapsed) {
      const waitMs = this.lastSyncStartMs + this.options.groupWindowMs - this.options.clock.monotonicMs();
      if (waitMs > 0) {
        if (this.groupTimer === null) {
          this.groupTimer = this.options.timers.setTimeout(() => {
            this.groupTimer = null;
            this.requestSync(true);
          }, waitMs);
        }
        return;
      }
    }
    const segments = this.segments.filter((s) => s.file !== null && s.syncedBytes < s.writtenBytes);
    if (segments.length === 0) {
      this.lastSyncDoneMs = this.options.clock.monotonicMs();
      this.syncedLsn = this.writtenLsn;
      this.resolveSynced();
      return;
    }
    const marks = segments.map((s) => s.writtenBytes);
    const target = this.writtenLsn;
    this.syncInFlight = true;
    this.syncWanted = false;
    this.lastSyncStartMs = this.options.clock.monotonicMs();
    this.syncCount++;
    let syncs: Promise<void>[];
    try {
      syncs = segments.map((s) => s.file!.sync());
    } catch (error) {
      this.syncInFlight = false;
      this.fail(error as Error);
      return;
    }
    this.syncDone = Promise.all(syncs).then(
      () => {
        this.syncInFlight = false;
        this.lastSyncDoneMs = this.options.clock.monotonicMs();
        for (let i = 0; i < segments.length; i++) segments[i]!.syncedBytes = Math.max(segments[i]!.syncedBytes, marks[i]!);
        if (target > this.syncedLsn) this.syncedLsn = target;
        this.resolveSynced();
        this.releaseCleanSegments();
        this.closeRetiredSynced();
        if (this.syncWanted || this.awaitingSync.length > 0) this.requestSync();
      },
      (error: unknown) => {
        this.syncInFlight = false;
        this.fail(error as Error);
      },
    );
  }

  private resolveSynced(): void {
    const waiting = this.awaitingSync;
    let n = 0;
    while (n < waiting.length && waiting[n]!.endLsn <= this.syncedLsn) n++;
    if (n === 0) return;
    for (const b of waiting.splice(0, n)) b.resolve();
  }

  /** Retired segments whose bytes are all synced no longer need an open file. */
  private closeRetiredSynced(): void {
    for (const s of this.segments) {
      if (s !== this.active && s.file !== null && s.syncedBytes >= s.writtenBytes) {
        s.file.close();
        s.file = null;
      }
    }
  }

  private releaseCleanSegments(): void {
    // Not during replay (before start): a segment being replayed may look clean halfway through.
    if (this.syncInFlight || this.active === null) return;
    for (let i = 0; i < this.segments.length; i++) {
      const s = this.segments[i]!;
      if (s === this.active || s.dirty.size > 0) continue;
      try {
        s.file?.close();
        s.file = null;
        this.removeSegmentFile(s.path);
      } catch (error) {
        this.fail(error as Error);
        return;
      }
      this.segments.splice(i, 1);
      i--;
    }
  }

  /**
   * A clean segment's file goes off the event loop where the disk can (unlinking a large file took
   * milliseconds): should the process die first, the next start replays it and skips every entry,
   * as its tables' SSTables cover them.
   */
  private removeSegmentFile(path: string): void {
    const disk = this.options.disk;
    if (disk.removeInBackground === undefined) {
      disk.remove(path);
      return;
    }
    disk.removeInBackground(path).catch((error: unknown) => {
      this.options.logger.warn({ err: (error as Error).message, path }, 'clean commit-log segment not removed; the next start replays and skips it');
    });
  }

  private fail(error: Error): void {
    if (this.failure === null) {
      this.failure = error;
      this.options.logger.error({ err: error.message, directory: this.options.directory }, 'commit log failed; refusing writes');
    }
    const failed = new StorageUnavailableError(StorageErrorCode.Failed, `commit log failed: ${error.message}`);
    for (const b of this.awaitingSync.splice(0)) b.reject(failed);
    if (this.batch !== null) {
      this.batch.reject(failed);
      this.batch = null;
    }
  }
}

/** The bytes of an encoder's COLUMNS record (entry header included) with its names as they stand. */
function columnsRecordBytes(encoder: LogEncoder, keyspace: string, tableId: string, number: number): number {
  let n = FRAME_ENTRY_HEADER_BYTES + 1 + varintLength(number) + stringBytes(keyspace) + stringBytes(tableId) + varintLength(encoder.columnNames.length);
  for (const name of encoder.columnNames) n += stringBytes(name);
  return n;
}

function writeColumnsRecord(w: ByteWriter, e: FrameEncoder, number: number): void {
  const start = w.length;
  w.u32(0);
  w.u8(EntryKind.COLUMNS);
  w.varint(number);
  w.string(e.keyspace);
  w.string(e.tableId);
  const names = e.encoder.columnNames;
  w.varint(names.length);
  for (let i = 0; i < names.length; i++) w.string(names[i]!);
  w.u32At(start, w.length - start - FRAME_ENTRY_HEADER_BYTES);
}

function stringBytes(value: string): number {
  const n = Buffer.byteLength(value, 'utf8');
  return varintLength(n) + n;
}

function newBatch(): Batch {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject, endLsn: Infinity };
}
