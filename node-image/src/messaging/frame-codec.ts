// Internode message frames (docs/formats/messaging.md): [u32 length][u32 crc32][u8 version]
// [u32 id][u8 verb][u8 flags][payload], big-endian, length counting every byte after itself and
// the CRC-32 covering every byte after itself. The decoder accepts bytes in any chunking, hands
// out payloads as views of the received bytes when a frame lies within one chunk, and throws
// MessagingError(MSG_ERR_BAD_MESSAGE) on anything malformed; it is unusable afterwards (the
// connection is closed, never resynchronized).
import { crc32 } from 'node:zlib';
import { assert } from '../lib/index.ts';
import { MessagingError } from './messaging-service.ts';
import { isVerb } from './verbs.ts';
import type { VerbValue } from './verbs.ts';

/** Version of the frame layout and of the handshake. */
export const MESSAGING_VERSION = 1;
export const FRAME_LENGTH_OFFSET = 0;
export const FRAME_CRC_OFFSET = 4;
export const FRAME_VERSION_OFFSET = 8;
export const FRAME_ID_OFFSET = 9;
export const FRAME_VERB_OFFSET = 13;
export const FRAME_FLAGS_OFFSET = 14;
export const FRAME_HEADER_BYTES = 15;
/** Bytes counted by the length field besides the payload (crc, version, id, verb, flags). */
export const FRAME_LENGTH_OVERHEAD = FRAME_HEADER_BYTES - 4;
/** The sender waits for a Response or Failure with the same id. */
export const FLAG_EXPECTS_RESPONSE = 0x01;
const FLAGS_KNOWN = FLAG_EXPECTS_RESPONSE;
export const MESSAGE_ID_MAX = 0xffff_ffff;

export function encodeFrame(message: { id: number; verb: VerbValue; flags: number; payload: Uint8Array }): Buffer {
  const { id, verb, flags, payload } = message;
  assert(Number.isInteger(id) && id >= 0 && id <= MESSAGE_ID_MAX, `bad message id ${id}`);
  assert((flags & ~FLAGS_KNOWN) === 0, `unknown flags ${flags}`);
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  frame.writeUInt32BE(FRAME_LENGTH_OVERHEAD + payload.length, FRAME_LENGTH_OFFSET);
  frame.writeUInt8(MESSAGING_VERSION, FRAME_VERSION_OFFSET);
  frame.writeUInt32BE(id, FRAME_ID_OFFSET);
  frame.writeUInt8(verb, FRAME_VERB_OFFSET);
  frame.writeUInt8(flags, FRAME_FLAGS_OFFSET);
  frame.set(payload, FRAME_HEADER_BYTES);
  frame.writeUInt32BE(crc32(frame.subarray(FRAME_VERSION_OFFSET)) >>> 0, FRAME_CRC_OFFSET);
  return frame;
}

/** Receives decoded frames; an interface rather than a closure so connections reuse one object. */
export interface FrameSink {
  onFrame(id: number, verb: VerbValue, flags: number, payload: Buffer): void;
}

function bad(why: string): MessagingError {
  return new MessagingError('MSG_ERR_BAD_MESSAGE', `corrupt internode frame: ${why}`);
}

export class FrameDecoder {
  private readonly sink: FrameSink;
  private readonly payloadBytesMax: number;
  /** Length-field bytes collected across chunks (fewer than 4 were available). */
  private readonly lengthBytes = Buffer.alloc(4);
  private lengthFilled = 0;
  /** A frame being assembled across chunks, allocated to its full size. */
  private partial: Buffer | null = null;
  private partialFilled = 0;
  private failed = false;

  constructor(options: { sink: FrameSink; payloadBytesMax: number }) {
    this.sink = options.sink;
    this.payloadBytesMax = options.payloadBytesMax;
  }

  /** Bytes held for an incomplete frame. */
  get bufferedBytes(): number {
    return this.partial === null ? this.lengthFilled : this.partialFilled;
  }

  push(chunk: Buffer): void {
    assert(!this.failed, 'frame decoder used after a failure');
    try {
      this.consume(chunk);
    } catch (error) {
      this.failed = true;
      this.partial = null;
      throw error;
    }
  }

  private consume(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.partial !== null) {
        const take = Math.min(this.partial.length - this.partialFilled, chunk.length - offset);
        chunk.copy(this.partial, this.partialFilled, offset, offset + take);
        this.partialFilled += take;
        offset += take;
        if (this.partialFilled === this.partial.length) {
          const frame = this.partial;
          this.partial = null;
          this.partialFilled = 0;
          this.emit(frame, 0, frame.length);
        }
        continue;
      }
      if (this.lengthFilled > 0) {
        const take = Math.min(4 - this.lengthFilled, chunk.length - offset);
        chunk.copy(this.lengthBytes, this.lengthFilled, offset, offset + take);
        this.lengthFilled += take;
        offset += take;
        if (this.lengthFilled === 4) {
          const total = this.frameBytes(this.lengthBytes.readUInt32BE(0));
          this.lengthFilled = 0;
          this.partial = Buffer.allocUnsafe(total);
          this.lengthBytes.copy(this.partial, 0);
          this.partialFilled = 4;
        }
        continue;
      }
      const remaining = chunk.length - offset;
      if (remaining < 4) {
        chunk.copy(this.lengthBytes, 0, offset);
        this.lengthFilled = remaining;
        return;
      }
      const total = this.frameBytes(chunk.readUInt32BE(offset));
      if (remaining >= total) {
        this.emit(chunk, offset, offset + total);
        offset += total;
      } else {
        this.partial = Buffer.allocUnsafe(total);
        chunk.copy(this.partial, 0, offset);
        this.partialFilled = remaining;
        return;
      }
    }
  }

  /** Validates a length field; returns the whole frame's size. */
  private frameBytes(length: number): number {
    if (length < FRAME_LENGTH_OVERHEAD) throw bad(`length ${length} shorter than the header`);
    if (length - FRAME_LENGTH_OVERHEAD > this.payloadBytesMax) throw bad(`payload of ${length - FRAME_LENGTH_OVERHEAD} bytes exceeds ${this.payloadBytesMax}`);
    return 4 + length;
  }

  private emit(bytes: Buffer, start: number, end: number): void {
    const expected = bytes.readUInt32BE(start + FRAME_CRC_OFFSET);
    if ((crc32(bytes.subarray(start + FRAME_VERSION_OFFSET, end)) >>> 0) !== expected) throw bad('checksum mismatch');
    const version = bytes.readUInt8(start + FRAME_VERSION_OFFSET);
    if (version !== MESSAGING_VERSION) throw bad(`unsupported version ${version}`);
    const verb = bytes.readUInt8(start + FRAME_VERB_OFFSET);
    if (!isVerb(verb)) throw bad(`unknown verb ${verb}`);
    const flags = bytes.readUInt8(start + FRAME_FLAGS_OFFSET);
    if ((flags & ~FLAGS_KNOWN) !== 0) throw bad(`unknown flags ${flags}`);
    this.sink.onFrame(bytes.readUInt32BE(start + FRAME_ID_OFFSET), verb, flags, bytes.subarray(start + FRAME_HEADER_BYTES, end));
  }
}
