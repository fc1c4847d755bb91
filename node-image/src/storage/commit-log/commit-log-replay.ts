// Reading the commit log back at open: segments in id order, entries until the first one whose
// framing fails (a torn tail: logged with file and offset, then the next segment). An entry whose
// framing holds but whose payload fails its CRC while entries follow is damage: it is skipped,
// logged as an error with file and offset, and a copy of the segment is kept in quarantine/.
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
  return { sizeBytes: bytes.length, entries: entriesOf(disk, bytes, segment, logger) };
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

function* entriesOf(disk: Disk, bytes: Buffer, segment: SegmentFile, logger: Logger): Generator<ReplayEntry> {
  const decoder = new MutationDecoder();
  let offset = SEGMENT_HEADER_BYTES;
  for (;;) {
    const entry = readEntry(bytes, offset, bytes.length);
    if (entry.kind === 'end') return;
    if (entry.kind === 'torn' || (entry.kind === 'corrupt' && entry.nextOffsetBytes >= bytes.length)) {
      // The last entry: a write torn by a crash (never acknowledged under batch or group sync).
      logger.warn({ file: segment.path, offsetBytes: offset, reason: entry.reason, droppedBytes: bytes.length - offset }, 'commit-log torn tail; replay continues with the next segment');
      return;
    }
    if (entry.kind === 'corrupt') {
      // Entries follow: this is damage, not a torn write. Skip the one entry, keep a copy of the
      // segment for inspection, and go on (replicas hold the lost mutation).
      const copy = quarantineSegmentCopy(disk, segment, bytes);
      logger.error({ file: segment.path, offsetBytes: offset, reason: entry.reason, lengthBytes: entry.nextOffsetBytes - offset, quarantinedCopy: copy },
        'corrupt commit-log entry skipped; the rest of the segment is replayed (run repair to restore the lost mutation)');
      offset = entry.nextOffsetBytes;
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
