// The hint file format (docs/design/coordinator.md, "Hint files"): append-only files named
// `<hostId>-<createdMillis>-<version>.hints`, one per target host and roll-over, each a sequence of
// entries [u32 body length][u32 CRC32 of body][body], body = f64 creation millis, varint
// gc_grace_seconds, then the mutation in the commit-log encoding (carried as is by the HINT verb).
// A torn or corrupt entry ends the readable part of a file (only the tail can be torn: append-only).
import { crc32 } from 'node:zlib';
import type { ReadableFile } from '../../io/index.ts';
import { ByteReader, ByteWriter, DecodeError, MutationEncoder } from '../../storage/index.ts';
import type { Mutation } from '../../storage/index.ts';

export const HINT_FILE_VERSION = 1;
export const HINT_FILE_SUFFIX = '.hints';
/** Entry header: body length and CRC. */
export const HINT_ENTRY_HEADER_BYTES = 8;
/** Largest hint body accepted when reading (a mutation is bounded by half a commit-log segment). */
export const HINT_BODY_BYTES_MAX = 256 * 1024 * 1024;

export interface HintFileName {
  readonly hostId: string;
  readonly createdMs: number;
  readonly version: number;
}

const NAME_RE = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})-(\d+)-(\d+)\.hints$/;

export function hintFileName(hostId: string, createdMs: number): string {
  return `${hostId}-${createdMs}-${HINT_FILE_VERSION}${HINT_FILE_SUFFIX}`;
}

export function parseHintFileName(name: string): HintFileName | null {
  const m = NAME_RE.exec(name);
  if (m === null) return null;
  return { hostId: m[1]!, createdMs: Number(m[2]), version: Number(m[3]) };
}

export interface HintEntry {
  readonly createdAtMs: number;
  readonly gcGraceSeconds: number;
  /** The mutation in the commit-log encoding (what the HINT verb carries; decoded by the target). */
  readonly mutationBytes: Buffer;
  /** File offset of the entry and of the next one. */
  readonly offsetBytes: number;
  readonly nextOffsetBytes: number;
}

/** Encodes hint entries into a reused buffer. */
export class HintEncoder {
  private readonly writer = new ByteWriter(4096);
  private readonly mutations = new MutationEncoder();

  /** One entry, header included (a view valid until the next call). */
  encode(createdAtMs: number, gcGraceSeconds: number, mutation: Mutation): Buffer {
    const w = this.writer;
    w.reset();
    w.u32(0);
    w.u32(0);
    w.f64(createdAtMs);
    w.varint(gcGraceSeconds);
    this.mutations.write(w, mutation);
    const bodyLength = w.length - HINT_ENTRY_HEADER_BYTES;
    w.u32At(0, bodyLength);
    w.u32At(4, crc32(w.view(HINT_ENTRY_HEADER_BYTES, w.length)) >>> 0);
    return w.view();
  }
}

export type HintReadOutcome =
  | { readonly kind: 'entry'; readonly entry: HintEntry }
  | { readonly kind: 'end' }
  /** Torn or corrupt bytes from this offset on. */
  | { readonly kind: 'corrupt'; readonly offsetBytes: number; readonly reason: string };

/** Reads entries of one file sequentially from an offset. */
export class HintFileReader {
  private readonly file: ReadableFile;
  private offset: number;
  private readonly header = Buffer.alloc(HINT_ENTRY_HEADER_BYTES);

  constructor(file: ReadableFile, fromOffsetBytes: number) {
    this.file = file;
    this.offset = fromOffsetBytes;
  }

  next(): HintReadOutcome {
    const size = this.file.sizeBytes;
    if (this.offset >= size) return { kind: 'end' };
    const start = this.offset;
    if (size - start < HINT_ENTRY_HEADER_BYTES) return { kind: 'corrupt', offsetBytes: start, reason: 'truncated header' };
    this.file.read({ target: this.header, targetOffset: 0, length: HINT_ENTRY_HEADER_BYTES, position: start });
    const bodyLength = this.header.readUInt32BE(0);
    const crc = this.header.readUInt32BE(4);
    if (bodyLength === 0 || bodyLength > HINT_BODY_BYTES_MAX) return { kind: 'corrupt', offsetBytes: start, reason: `bad body length ${bodyLength}` };
    if (size - start - HINT_ENTRY_HEADER_BYTES < bodyLength) return { kind: 'corrupt', offsetBytes: start, reason: 'truncated body' };
    const body = Buffer.allocUnsafe(bodyLength);
    this.file.read({ target: body, targetOffset: 0, length: bodyLength, position: start + HINT_ENTRY_HEADER_BYTES });
    if ((crc32(body) >>> 0) !== crc) return { kind: 'corrupt', offsetBytes: start, reason: 'checksum mismatch' };
    try {
      const r = new ByteReader(body);
      const createdAtMs = r.f64();
      const gcGraceSeconds = r.varint();
      if (r.remaining === 0) return { kind: 'corrupt', offsetBytes: start, reason: 'entry without a mutation' };
      const mutationBytes = body.subarray(r.offset);
      this.offset = start + HINT_ENTRY_HEADER_BYTES + bodyLength;
      return { kind: 'entry', entry: { createdAtMs, gcGraceSeconds, mutationBytes, offsetBytes: start, nextOffsetBytes: this.offset } };
    } catch (error) {
      if (error instanceof DecodeError) return { kind: 'corrupt', offsetBytes: start, reason: error.message };
      throw error;
    }
  }

  close(): void {
    this.file.close();
  }
}
