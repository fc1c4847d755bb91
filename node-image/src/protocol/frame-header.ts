// The native-protocol frame header (docs/formats/native-protocol.md): v3+ use 9 bytes
// (version, flags, [short] stream, opcode, [int] body length); v1/v2 use 8 (1-byte stream). All
// big-endian. The version byte's top bit is the direction (set on responses).

export const FRAME_HEADER_BYTES = 9;
export const LEGACY_FRAME_HEADER_BYTES = 8;

export const HEADER_VERSION_OFFSET = 0;
export const HEADER_FLAGS_OFFSET = 1;
export const HEADER_STREAM_OFFSET = 2;
export const HEADER_OPCODE_OFFSET = 4;
export const HEADER_LENGTH_OFFSET = 5;
/** v1/v2 layout: the stream is one signed byte, so opcode and length move up by one. */
export const LEGACY_HEADER_OPCODE_OFFSET = 3;
export const LEGACY_HEADER_LENGTH_OFFSET = 4;

export const DIRECTION_RESPONSE = 0x80;
export const VERSION_MASK = 0x7f;

/** The only version this server speaks. */
export const PROTOCOL_V4 = 4;
export const RESPONSE_VERSION_V4 = DIRECTION_RESPONSE | PROTOCOL_V4;

export const FrameFlag = {
  Compression: 0x01,
  Tracing: 0x02,
  CustomPayload: 0x04,
  Warning: 0x08,
  UseBeta: 0x10,
} as const;

/** EVENT frames carry stream -1. */
export const EVENT_STREAM_ID = -1;

/** Header bytes for a frame whose first byte is `versionByte` (v1/v2 have the short header). */
export function headerBytesFor(versionByte: number): number {
  const version = versionByte & VERSION_MASK;
  return version === 1 || version === 2 ? LEGACY_FRAME_HEADER_BYTES : FRAME_HEADER_BYTES;
}

/** Writes a 9-byte response header at the start of `frame` (body length = frame length - 9). */
export function writeResponseHeader(frame: Buffer, options: { flags: number; stream: number; opcode: number }): void {
  frame[HEADER_VERSION_OFFSET] = RESPONSE_VERSION_V4;
  frame[HEADER_FLAGS_OFFSET] = options.flags;
  frame.writeInt16BE(options.stream, HEADER_STREAM_OFFSET);
  frame[HEADER_OPCODE_OFFSET] = options.opcode;
  frame.writeInt32BE(frame.length - FRAME_HEADER_BYTES, HEADER_LENGTH_OFFSET);
}

/** Writes an 8-byte v1/v2 response header (used only to refuse those versions). */
export function writeLegacyResponseHeader(frame: Buffer, options: { version: number; stream: number; opcode: number }): void {
  frame[HEADER_VERSION_OFFSET] = DIRECTION_RESPONSE | options.version;
  frame[HEADER_FLAGS_OFFSET] = 0;
  frame.writeInt8(options.stream, HEADER_STREAM_OFFSET);
  frame[LEGACY_HEADER_OPCODE_OFFSET] = options.opcode;
  frame.writeInt32BE(frame.length - LEGACY_FRAME_HEADER_BYTES, LEGACY_HEADER_LENGTH_OFFSET);
}
