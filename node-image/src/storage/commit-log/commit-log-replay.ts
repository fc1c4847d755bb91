// Reading the commit log back at open: segments in id order, frames (format 1: entries) until the
// first one whose framing fails (a torn tail: logged with file and offset, then the next
// segment). A frame (entry) whose framing holds but whose contents fail their CRC while more
// follow is damage: it is skipped, logged as an error with file and offset, and a copy of the
// segment is kept in quarantine/. Contents that pass their checksums but do not decode are
// corruption, not a torn write.
import type { Disk, Logger } from '../../io/index.ts';
import { ByteReader, DecodeError } from '../codec/byte-reader.ts';
import { ColumnDictionary } from '../codec/column-dictionary.ts';
import { MUTATION_FORMAT_VERSION, MutationDecoder } from '../codec/mutation-codec.ts';
import { PartitionDecoder } from '../codec/partition-codec.ts';
import { StorageCorruptionError } from '../errors.ts';
import type { Mutation, PartitionUpdate, Row } from '../model.ts';
import {
  EntryKind, FRAME_ENTRY_HEADER_BYTES, SEGMENT_FORMAT_VERSION_ENTRIES, SEGMENT_HEADER_BYTES, decodeSegmentHeader, parseSegmentFileName, readEntry, readFrame,
} from './segment-format.ts';

export interface SegmentFile {
  readonly id: number;
  readonly path: string;
}

export interface ReplayEntry {
  readonly offsetBytes: number;
  readonly nextOffsetBytes: number;
  readonly mutation: Mutation;
}

export interface SegmentReplay {
  readonly sizeBytes: number;
  readonly entries: Iterable<ReplayEntry>;
}

export function listSegments(disk: Disk, directory: string): SegmentFile[] {
  const out: SegmentFile[] = [];
  for (const name of disk.list(directory)) {
    const parsed = parseSegmentFileName(name);
    if (parsed !== null) out.push({ id: parsed.id, path: `${directory}/${name}` });
  }
  return out.sort((a, b) => a.id - b.id);
}

/** The readable entries of one segment; logs where and why it stops early. */
export function readSegment(disk: Disk, segment: SegmentFile, logger: Logger): SegmentReplay {
  const bytes = disk.readFile(segment.path);
  const header = decodeSegmentHeader(bytes);
  if (!header.ok || header.id !== segment.id || header.mutationFormatVersion !== MUTATION_FORMAT_VERSION) {
    // A segment created just before a crash may not have its header yet; it holds no entries.
    logger.warn({ file: segment.path, offsetBytes: 0, reason: header.ok ? `id ${header.id} or format ${header.mutationFormatVersion} mismatch` : header.reason }, 'commit-log segment without a valid header; skipping it');
    return { sizeBytes: bytes.length, entries: [] };
  }
  const entries = header.formatVersion === SEGMENT_FORMAT_VERSION_ENTRIES ? entriesOf(disk, bytes, segment, logger) : framesOf(disk, bytes, segment, logger);
  return { sizeBytes: bytes.length, entries };
}

/** Subdirectory of the commit-log directory holding copies of segments found corrupt. */
export const COMMIT_LOG_QUARANTINE_DIRECTORY = 'quarantine';

function quarantineSegmentCopy(disk: Disk, segment: SegmentFile, bytes: Buffer): string | null {
  const slash = segment.path.lastIndexOf('/');
  const directory = `${segment.path.slice(0, slash)}/${COMMIT_LOG_QUARANTINE_DIRECTORY}`;
  const target = `${directory}/${segment.path.slice(slash + 1)}`;
  try {
    disk.mkdirp(directory);
    if (disk.stat(target) === null) disk.writeFileAtomic(target, bytes);
    return target;
  } catch {
    return null;
  }
}

/**
 * An entry (format 1) or frame (format 2) at `offset` that failed its checks: -1 when it is the
 * segment's torn tail (logged: a write torn by a crash, never acknowledged under batch or group
 * sync), else where reading goes on after it (damage, not a torn write: logged as an error and a
 * copy of the segment kept for inspection; replicas hold what it lost).
 */
function skipUnreadable(
  at: { disk: Disk; bytes: Buffer; segment: SegmentFile; logger: Logger }, offset: number,
  check: { readonly kind: 'torn' | 'corrupt'; readonly reason: string; readonly nextOffsetBytes?: number }, unit: 'entry' | 'frame',
): number {
  const { disk, bytes, segment, logger } = at;
  const next = check.kind === 'corrupt' ? check.nextOffsetBytes! : bytes.length;
  if (next >= bytes.length) {
    logger.warn({ file: segment.path, offsetBytes: offset, reason: check.reason, droppedBytes: bytes.length - offset }, 'commit-log torn tail; replay continues with the next segment');
    return -1;
  }
  const copy = quarantineSegmentCopy(disk, segment, bytes);
  logger.error({ file: segment.path, offsetBytes: offset, reason: check.reason, lengthBytes: next - offset, quarantinedCopy: copy },
    `corrupt commit-log ${unit} skipped; the rest of the segment is replayed (run repair to restore what it held)`);
  return next;
}

/** Format 1: one checksummed entry (a Mutation) after another. */
function* entriesOf(disk: Disk, bytes: Buffer, segment: SegmentFile, logger: Logger): Generator<ReplayEntry> {
  const decoder = new MutationDecoder();
  let offset = SEGMENT_HEADER_BYTES;
  for (;;) {
    const entry = readEntry(bytes, offset, bytes.length);
    if (entry.kind === 'end') return;
    if (entry.kind === 'torn' || entry.kind === 'corrupt') {
      offset = skipUnreadable({ disk, bytes, segment, logger }, offset, entry, 'entry');
      if (offset < 0) return;
      continue;
    }
    let mutation: Mutation;
    try {
      // A private copy, so memtables keep only the bytes they use, not the whole segment.
      mutation = decoder.read(new ByteReader(Buffer.from(entry.payload)));
    } catch (error) {
      if (error instanceof DecodeError) {
        throw new StorageCorruptionError({ path: segment.path, offsetBytes: offset, reason: `entry passes its checksums but does not decode: ${error.message}` });
      }
      throw error;
    }
    yield { offsetBytes: offset, nextOffsetBytes: entry.nextOffsetBytes, mutation };
    offset = entry.nextOffsetBytes;
  }
}

/** Format 2: frames of entries, each frame checksummed as a whole. */
function* framesOf(disk: Disk, bytes: Buffer, segment: SegmentFile, logger: Logger): Generator<ReplayEntry> {
  const decoder = new MutationDecoder();
  let offset = SEGMENT_HEADER_BYTES;
  for (;;) {
    const frame = readFrame(bytes, offset);
    if (frame.kind === 'end') return;
    if (frame.kind === 'torn' || frame.kind === 'corrupt') {
      offset = skipUnreadable({ disk, bytes, segment, logger }, offset, frame, 'frame');
      if (offset < 0) return;
      continue;
    }
    try {
      yield* frameEntries(bytes, frame.entriesStart, frame.entriesEnd, decoder);
    } catch (error) {
      if (error instanceof DecodeError) {
        // The error's offset is in the frame's entries: the segment's is further by where they start.
        const offsetBytes = frame.entriesStart + error.offsetBytes;
        throw new StorageCorruptionError({ path: segment.path, offsetBytes, reason: `frame passes its checksums but does not decode: ${error.message.replace(/ at offset \d+$/, '')}` });
      }
      throw error;
    }
    offset = frame.nextOffsetBytes;
  }
}

/** A frame's COLUMNS record: the names its number stands for in the frame's ENCODED_PARTITION entries. */
interface FrameColumns {
  readonly keyspace: string;
  readonly tableId: string;
  readonly decoder: PartitionDecoder;
}

/**
 * The mutations of a frame's entries, in order (its COLUMNS records, which end the frame, first
 * read for the ENCODED_PARTITION entries before them). Throws DecodeError (offsets in the frame's entries).
 */
function frameEntries(bytes: Buffer, start: number, end: number, decoder: MutationDecoder): ReplayEntry[] {
  // A private copy, so memtables keep only the bytes they use, not the whole segment.
  const frame = Buffer.from(bytes.subarray(start, end));
  const places: number[] = [];
  const columns = new Map<number, FrameColumns>();
  for (let at = 0; at < frame.length;) {
    if (at + FRAME_ENTRY_HEADER_BYTES > frame.length) throw new DecodeError('entry header runs past its frame', at);
    const length = frame.readUInt32BE(at);
    const payload = at + FRAME_ENTRY_HEADER_BYTES;
    if (length === 0 || payload + length > frame.length) throw new DecodeError(`entry length ${length} runs past its frame`, at);
    if (frame[payload] === EntryKind.COLUMNS) readColumns(new ByteReader(frame, payload + 1, payload + length), columns);
    else places.push(at);
    at = payload + length;
  }
  const out: ReplayEntry[] = [];
  for (const at of places) {
    const length = frame.readUInt32BE(at);
    const payload = at + FRAME_ENTRY_HEADER_BYTES;
    const reader = new ByteReader(frame, payload + 1, payload + length);
    const kind = frame[payload]!;
    let mutation: Mutation;
    if (kind === EntryKind.MUTATION) mutation = decoder.read(reader);
    else if (kind === EntryKind.ENCODED_PARTITION) mutation = readEncodedPartition(reader, columns);
    else throw new DecodeError(`unknown entry kind ${kind}`, payload);
    if (reader.remaining !== 0) throw new DecodeError(`${reader.remaining} bytes after the entry's contents`, reader.offset);
    out.push({ offsetBytes: start + at, nextOffsetBytes: start + payload + length, mutation });
  }
  return out;
}

function readColumns(reader: ByteReader, into: Map<number, FrameColumns>): void {
  const number = reader.varint();
  const keyspace = reader.string();
  const tableId = reader.string();
  const count = reader.varint();
  const names: string[] = [];
  for (let i = 0; i < count; i++) names.push(reader.string());
  if (into.has(number)) throw new DecodeError(`two COLUMNS records for encoder ${number}`, reader.offset);
  into.set(number, { keyspace, tableId, decoder: new PartitionDecoder(new ColumnDictionary(names)) });
  if (reader.remaining !== 0) throw new DecodeError(`${reader.remaining} bytes after a COLUMNS record`, reader.offset);
}

/** An ENCODED_PARTITION entry as the Mutation it logged: one table, one partition, one row. */
function readEncodedPartition(reader: ByteReader, columns: Map<number, FrameColumns>): Mutation {
  const number = reader.varint();
  const c = columns.get(number);
  if (c === undefined) throw new DecodeError(`no COLUMNS record for encoder ${number} in the frame`, reader.offset);
  const key = reader.varBytes();
  const token = reader.i64();
  const header = c.decoder.readStreamedHeader(reader);
  if (header.partitionDeletion !== null || header.staticRow !== null || header.rangeTombstones.length > 0) throw new DecodeError('an encoded partition with more than one row', reader.offset);
  const clustering: Buffer[] = [];
  const bodyLength = c.decoder.readFramedRowClustering(reader, clustering);
  if (bodyLength < 0) throw new DecodeError('an encoded partition without its row', reader.offset);
  const row: Row = c.decoder.readRowBody(reader, clustering, bodyLength);
  if (c.decoder.readFramedRowClustering(reader, []) !== -1) throw new DecodeError('an encoded partition with more than one row', reader.offset);
  const update: PartitionUpdate = { tableId: c.tableId, key, token, partitionDeletion: null, staticRow: null, rangeTombstones: [], rows: [row] };
  return { keyspace: c.keyspace, key, token, updates: [update] };
}
