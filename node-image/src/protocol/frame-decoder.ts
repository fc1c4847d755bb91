// Streaming frame decoder: turns TCP chunks of any size into whole frames. A frame that arrives
// whole inside one chunk is handed on as a view of that chunk (no copy); only a frame split across
// chunks is copied, once, into a buffer of its exact size. The sink sees every header before the
// body is buffered, so it can refuse oversized or unsupported frames without reading them.
import {
  FRAME_HEADER_BYTES, HEADER_FLAGS_OFFSET, HEADER_LENGTH_OFFSET, HEADER_OPCODE_OFFSET, HEADER_STREAM_OFFSET,
  LEGACY_FRAME_HEADER_BYTES, LEGACY_HEADER_LENGTH_OFFSET, LEGACY_HEADER_OPCODE_OFFSET, headerBytesFor,
} from './frame-header.ts';

export interface FrameSink {
  /**
   * A complete header. Return false to stop decoding (the sink answers and closes); a negative
   * `bodyLength` (length field above 2^31-1) always stops the decoder after this call.
   */
  onHeader(versionByte: number, stream: number, bodyLength: number): boolean;
  /** A complete frame. `body` may be a view into a socket chunk; copy it to keep it long-term. */
  onFrame(versionByte: number, flags: number, stream: number, opcode: number, body: Buffer): void;
}

export class FrameDecoder {
  private readonly header = Buffer.alloc(FRAME_HEADER_BYTES);
  private headerFilled = 0;
  /** Body of a frame split across chunks, or null between frames. */
  private pendingBody: Buffer | null = null;
  private pendingFilled = 0;
  private stopped = false;

  /** Ignore all further input (after a fatal error, or when the connection closes). */
  stop(): void {
    this.stopped = true;
    this.pendingBody = null;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** True when no partial frame is buffered. */
  get isIdle(): boolean {
    return this.headerFilled === 0 && this.pendingBody === null;
  }

  feed(chunk: Buffer, sink: FrameSink): void {
    let offset = 0;
    const end = chunk.length;
    if (this.pendingBody !== null || this.headerFilled > 0) {
      offset = this.continuePartial(chunk, sink);
    }
    while (offset < end && !this.stopped) {
      const headerBytes = headerBytesFor(chunk[offset]!);
      if (end - offset < headerBytes) {
        chunk.copy(this.header, 0, offset, end);
        this.headerFilled = end - offset;
        return;
      }
      const versionByte = chunk[offset]!;
      const flags = chunk[offset + HEADER_FLAGS_OFFSET]!;
      let stream: number;
      let opcode: number;
      let bodyLength: number;
      if (headerBytes === FRAME_HEADER_BYTES) {
        stream = chunk.readInt16BE(offset + HEADER_STREAM_OFFSET);
        opcode = chunk[offset + HEADER_OPCODE_OFFSET]!;
        bodyLength = chunk.readInt32BE(offset + HEADER_LENGTH_OFFSET);
      } else {
        stream = chunk.readInt8(offset + HEADER_STREAM_OFFSET);
        opcode = chunk[offset + LEGACY_HEADER_OPCODE_OFFSET]!;
        bodyLength = chunk.readInt32BE(offset + LEGACY_HEADER_LENGTH_OFFSET);
      }
      if (!sink.onHeader(versionByte, stream, bodyLength) || bodyLength < 0) {
        this.stop();
        return;
      }
      const bodyStart = offset + headerBytes;
      if (end - bodyStart >= bodyLength) {
        offset = bodyStart + bodyLength;
        sink.onFrame(versionByte, flags, stream, opcode, chunk.subarray(bodyStart, offset));
        continue;
      }
      // The body continues in later chunks: keep the header and copy what we have of the body.
      chunk.copy(this.header, 0, offset, bodyStart);
      this.headerFilled = headerBytes;
      this.pendingBody = Buffer.allocUnsafe(bodyLength);
      this.pendingFilled = chunk.copy(this.pendingBody, 0, bodyStart, end);
      return;
    }
  }

  /** Completes a split header and/or body from the front of `chunk`; returns the next offset. */
  private continuePartial(chunk: Buffer, sink: FrameSink): number {
    let offset = 0;
    if (this.pendingBody === null) {
      const headerBytes = headerBytesFor(this.header[0]!);
      const take = Math.min(headerBytes - this.headerFilled, chunk.length);
      chunk.copy(this.header, this.headerFilled, 0, take);
      this.headerFilled += take;
      offset = take;
      if (this.headerFilled < headerBytes) return offset;
      const bodyLength = this.headerBodyLength();
      if (!sink.onHeader(this.header[0]!, this.headerStream(), bodyLength) || bodyLength < 0) {
        this.stop();
        return chunk.length;
      }
      this.pendingBody = Buffer.allocUnsafe(bodyLength);
      this.pendingFilled = 0;
    }
    const body = this.pendingBody;
    const take = Math.min(body.length - this.pendingFilled, chunk.length - offset);
    chunk.copy(body, this.pendingFilled, offset, offset + take);
    this.pendingFilled += take;
    offset += take;
    if (this.pendingFilled < body.length) return offset;
    const legacy = headerBytesFor(this.header[0]!) === LEGACY_FRAME_HEADER_BYTES;
    const versionByte = this.header[0]!;
    const flags = this.header[HEADER_FLAGS_OFFSET]!;
    const stream = this.headerStream();
    const opcode = this.header[legacy ? LEGACY_HEADER_OPCODE_OFFSET : HEADER_OPCODE_OFFSET]!;
    this.pendingBody = null;
    this.headerFilled = 0;
    sink.onFrame(versionByte, flags, stream, opcode, body);
    return offset;
  }

  private headerStream(): number {
    return headerBytesFor(this.header[0]!) === LEGACY_FRAME_HEADER_BYTES
      ? this.header.readInt8(HEADER_STREAM_OFFSET)
      : this.header.readInt16BE(HEADER_STREAM_OFFSET);
  }

  private headerBodyLength(): number {
    return headerBytesFor(this.header[0]!) === LEGACY_FRAME_HEADER_BYTES
      ? this.header.readInt32BE(LEGACY_HEADER_LENGTH_OFFSET)
      : this.header.readInt32BE(HEADER_LENGTH_OFFSET);
  }
}
