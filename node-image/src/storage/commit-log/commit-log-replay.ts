// Reading the commit log back at open: segments in id order, entries until the first one whose
// framing or checksums fail (a torn tail: logged with file and offset, then the next segment).
// An entry that passes its checksums but does not decode is corruption, not a torn write.
import type { Disk, Logger } from '../../io/index.ts';
import { ByteReader, DecodeError } from '../codec/byte-reader.ts';
import { MUTATION_FORMAT_VERSION, MutationDecoder } from '../codec/mutation-codec.ts';
import { StorageCorruptionError } from '../errors.ts';
import type { Mutation } from '../model.ts';
import { SEGMENT_HEADER_BYTES, decodeSegmentHeader, parseSegmentFileName, readEntry } from './segment-format.ts';

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
  return { sizeBytes: bytes.length, entries: entriesOf(bytes, segment, logger) };
}

function* entriesOf(bytes: Buffer, segment: SegmentFile, logger: Logger): Generator<ReplayEntry> {
  const decoder = new MutationDecoder();
  let offset = SEGMENT_HEADER_BYTES;
  for (;;) {
    const entry = readEntry(bytes, offset, bytes.length);
    if (entry.kind === 'end') return;
    if (entry.kind === 'torn') {
      logger.warn({ file: segment.path, offsetBytes: offset, reason: entry.reason, droppedBytes: bytes.length - offset }, 'commit-log torn tail; replay continues with the next segment');
      return;
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
