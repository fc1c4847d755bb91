// Commit-log segment layout (docs/formats/commit-log.md): a 20-byte header, then
// - format 2 (written): frames [u32 length][u32 crc32(length bytes)][entries][u32 crc32(entries)],
//   one per append to the OS, each entry [u32 length][kind byte, payload];
// - format 1 (read only, segments of earlier versions): entries
//   [u32 length][u32 crc32(length bytes)][payload: one serialized Mutation][u32 crc32(payload)].
// A reader stops at the first frame (entry) whose framing does not hold (a torn tail); one whose
// framing holds but whose contents fail their CRC is skipped when more follow (corruption).
import { crc32 } from 'node:zlib';
import { crc32Of } from '../codec/small-crc32.ts';

/** "CSCL": Cassia commit log. */
export const SEGMENT_MAGIC = 0x4353434c;
/** The format new segments are written in: frames of entries. */
export const SEGMENT_FORMAT_VERSION = 2;
/** The format of earlier versions' segments, still replayed: one checksummed entry at a time. */
export const SEGMENT_FORMAT_VERSION_ENTRIES = 1;
/** magic u32, format version u16, mutation format version u16, segment id u64, crc32 u32. */
export const SEGMENT_HEADER_BYTES = 20;
/** Format 1: length u32, length crc u32, payload crc u32. */
export const ENTRY_OVERHEAD_BYTES = 12;
export const ENTRY_HEADER_BYTES = 8;
/** Format 2: a frame's length u32 and its crc u32, before its entries. */
export const FRAME_HEADER_BYTES = 8;
/** Format 2: the entries' crc u32, after them. */
export const FRAME_TRAILER_BYTES = 4;
/** Format 2: an entry's length u32 (of its kind byte and payload). */
export const FRAME_ENTRY_HEADER_BYTES = 4;

/** Format 2 entry kinds (the payload's first byte). */
export const EntryKind = {
  /** A Mutation in the mutation encoding (codec/mutation-codec.ts). */
  MUTATION: 1,
  /**
   * One table's one-partition write as the memtable encoded it (SSTable Data bytes of the
   * partition: key, token, header, one framed row, end of rows), its column names as indexes of
   * the COLUMNS record of its number in the same frame: varint number, then the bytes.
   */
  ENCODED_PARTITION: 2,
  /**
   * Column names of one memtable's dictionary for its frame's ENCODED_PARTITION entries (the
   * records end the frame): varint number, keyspace string, table id string, varint count, the
   * names from index 0 as strings.
   */
  COLUMNS: 3,
} as const;
/** Segment ids stay exact integers in a double. */
export const SEGMENT_ID_MAX = Number.MAX_SAFE_INTEGER;

const FILE_NAME = /^CommitLog-(\d+)-(\d+)\.log$/;

export function segmentFileName(id: number, formatVersion: number = SEGMENT_FORMAT_VERSION): string {
  return `CommitLog-${formatVersion}-${id}.log`;
}

export function parseSegmentFileName(name: string): { version: number; id: number } | null {
  const m = FILE_NAME.exec(name);
  if (m === null) return null;
  const id = Number(m[2]);
  if (!Number.isSafeInteger(id)) return null;
  return { version: Number(m[1]), id };
}

export function encodeSegmentHeader(id: number, mutationFormatVersion: number, formatVersion: number = SEGMENT_FORMAT_VERSION): Buffer {
  const header = Buffer.alloc(SEGMENT_HEADER_BYTES);
  header.writeUInt32BE(SEGMENT_MAGIC, 0);
  header.writeUInt16BE(formatVersion, 4);
  header.writeUInt16BE(mutationFormatVersion, 6);
  header.writeUInt32BE(Math.floor(id / 2 ** 32), 8);
  header.writeUInt32BE(id >>> 0, 12);
  header.writeUInt32BE(crc32(header.subarray(0, 16)) >>> 0, 16);
  return header;
}

export type SegmentHeaderCheck =
  | { readonly ok: true; readonly id: number; readonly formatVersion: number; readonly mutationFormatVersion: number }
  | { readonly ok: false; readonly reason: string };

export function decodeSegmentHeader(bytes: Buffer): SegmentHeaderCheck {
  if (bytes.length < SEGMENT_HEADER_BYTES) return { ok: false, reason: `header truncated (${bytes.length} bytes)` };
  if ((crc32(bytes.subarray(0, 16)) >>> 0) !== bytes.readUInt32BE(16)) return { ok: false, reason: 'header checksum mismatch' };
  if (bytes.readUInt32BE(0) !== SEGMENT_MAGIC) return { ok: false, reason: 'bad magic' };
  const version = bytes.readUInt16BE(4);
  if (version !== SEGMENT_FORMAT_VERSION && version !== SEGMENT_FORMAT_VERSION_ENTRIES) return { ok: false, reason: `unsupported segment format ${version}` };
  const id = bytes.readUInt32BE(8) * 2 ** 32 + bytes.readUInt32BE(12);
  return { ok: true, id, formatVersion: version, mutationFormatVersion: bytes.readUInt16BE(6) };
}

export type EntryCheck =
  | { readonly kind: 'entry'; readonly payload: Buffer; readonly nextOffsetBytes: number }
  | { readonly kind: 'end' }
  | { readonly kind: 'torn'; readonly reason: string }
  /** Framing intact (the length passes its CRC) but the payload does not: the next entry is findable. */
  | { readonly kind: 'corrupt'; readonly reason: string; readonly nextOffsetBytes: number };

/** Format 1: reads the entry at `offset` of a segment's bytes, checking both checksums. */
export function readEntry(bytes: Buffer, offset: number, payloadBytesMax: number): EntryCheck {
  if (offset === bytes.length) return { kind: 'end' };
  if (offset + ENTRY_HEADER_BYTES > bytes.length) return { kind: 'torn', reason: 'entry header truncated' };
  const length = bytes.readUInt32BE(offset);
  if ((crc32(bytes.subarray(offset, offset + 4)) >>> 0) !== bytes.readUInt32BE(offset + 4)) return { kind: 'torn', reason: 'length checksum mismatch' };
  if (length === 0 || length > payloadBytesMax) return { kind: 'torn', reason: `entry length ${length} out of range` };
  const end = offset + ENTRY_HEADER_BYTES + length + 4;
  if (end > bytes.length) return { kind: 'torn', reason: 'entry truncated' };
  const payload = bytes.subarray(offset + ENTRY_HEADER_BYTES, offset + ENTRY_HEADER_BYTES + length);
  if ((crc32(payload) >>> 0) !== bytes.readUInt32BE(end - 4)) return { kind: 'corrupt', reason: 'payload checksum mismatch', nextOffsetBytes: end };
  return { kind: 'entry', payload, nextOffsetBytes: end };
}

export type FrameCheck =
  /** The frame's entries are bytes[entriesStart, entriesEnd). */
  | { readonly kind: 'frame'; readonly entriesStart: number; readonly entriesEnd: number; readonly nextOffsetBytes: number }
  | { readonly kind: 'end' }
  | { readonly kind: 'torn'; readonly reason: string }
  /** Framing intact (the length passes its CRC) but the entries do not: the next frame is findable. */
  | { readonly kind: 'corrupt'; readonly reason: string; readonly nextOffsetBytes: number };

/** Format 2: reads the frame at `offset` of a segment's bytes, checking both checksums. */
export function readFrame(bytes: Buffer, offset: number): FrameCheck {
  if (offset === bytes.length) return { kind: 'end' };
  if (offset + FRAME_HEADER_BYTES > bytes.length) return { kind: 'torn', reason: 'frame header truncated' };
  const length = bytes.readUInt32BE(offset);
  if (crc32Of(bytes, offset, offset + 4) !== bytes.readUInt32BE(offset + 4)) return { kind: 'torn', reason: 'frame length checksum mismatch' };
  const entriesStart = offset + FRAME_HEADER_BYTES;
  const entriesEnd = entriesStart + length;
  if (length === 0 || entriesEnd + FRAME_TRAILER_BYTES > bytes.length) return { kind: 'torn', reason: length === 0 ? 'empty frame' : 'frame truncated' };
  const next = entriesEnd + FRAME_TRAILER_BYTES;
  if (crc32Of(bytes, entriesStart, entriesEnd) !== bytes.readUInt32BE(entriesEnd)) return { kind: 'corrupt', reason: 'frame checksum mismatch', nextOffsetBytes: next };
  return { kind: 'frame', entriesStart, entriesEnd, nextOffsetBytes: next };
}
