// Commit-log segment layout (docs/formats/commit-log.md): a 20-byte header, then entries
// [u32 length][u32 crc32(length bytes)][payload: one serialized Mutation][u32 crc32(payload)].
// A reader stops at the first entry whose framing does not hold (a torn tail); an entry whose
// framing holds but whose payload fails its CRC is skipped when more follow (corruption).
import { crc32 } from 'node:zlib';

/** "CSCL": Cassia commit log. */
export const SEGMENT_MAGIC = 0x4353434c;
export const SEGMENT_FORMAT_VERSION = 1;
/** magic u32, format version u16, mutation format version u16, segment id u64, crc32 u32. */
export const SEGMENT_HEADER_BYTES = 20;
/** length u32, length crc u32, payload crc u32. */
export const ENTRY_OVERHEAD_BYTES = 12;
export const ENTRY_HEADER_BYTES = 8;
/** Segment ids stay exact integers in a double. */
export const SEGMENT_ID_MAX = Number.MAX_SAFE_INTEGER;

const FILE_NAME = /^CommitLog-(\d+)-(\d+)\.log$/;

export function segmentFileName(id: number): string {
  return `CommitLog-${SEGMENT_FORMAT_VERSION}-${id}.log`;
}

export function parseSegmentFileName(name: string): { version: number; id: number } | null {
  const m = FILE_NAME.exec(name);
  if (m === null) return null;
  const id = Number(m[2]);
  if (!Number.isSafeInteger(id)) return null;
  return { version: Number(m[1]), id };
}

export function encodeSegmentHeader(id: number, mutationFormatVersion: number): Buffer {
  const header = Buffer.alloc(SEGMENT_HEADER_BYTES);
  header.writeUInt32BE(SEGMENT_MAGIC, 0);
  header.writeUInt16BE(SEGMENT_FORMAT_VERSION, 4);
  header.writeUInt16BE(mutationFormatVersion, 6);
  header.writeUInt32BE(Math.floor(id / 2 ** 32), 8);
  header.writeUInt32BE(id >>> 0, 12);
  header.writeUInt32BE(crc32(header.subarray(0, 16)) >>> 0, 16);
  return header;
}

export type SegmentHeaderCheck =
  | { readonly ok: true; readonly id: number; readonly mutationFormatVersion: number }
  | { readonly ok: false; readonly reason: string };

export function decodeSegmentHeader(bytes: Buffer): SegmentHeaderCheck {
  if (bytes.length < SEGMENT_HEADER_BYTES) return { ok: false, reason: `header truncated (${bytes.length} bytes)` };
  if ((crc32(bytes.subarray(0, 16)) >>> 0) !== bytes.readUInt32BE(16)) return { ok: false, reason: 'header checksum mismatch' };
  if (bytes.readUInt32BE(0) !== SEGMENT_MAGIC) return { ok: false, reason: 'bad magic' };
  const version = bytes.readUInt16BE(4);
  if (version !== SEGMENT_FORMAT_VERSION) return { ok: false, reason: `unsupported segment format ${version}` };
  const id = bytes.readUInt32BE(8) * 2 ** 32 + bytes.readUInt32BE(12);
  return { ok: true, id, mutationFormatVersion: bytes.readUInt16BE(6) };
}

export type EntryCheck =
  | { readonly kind: 'entry'; readonly payload: Buffer; readonly nextOffsetBytes: number }
  | { readonly kind: 'end' }
  | { readonly kind: 'torn'; readonly reason: string }
  /** Framing intact (the length passes its CRC) but the payload does not: the next entry is findable. */
  | { readonly kind: 'corrupt'; readonly reason: string; readonly nextOffsetBytes: number };

/** Reads the entry at `offset` of a segment's bytes, checking both checksums. */
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
