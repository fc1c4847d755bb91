// Connection handshake pieces: the SUPPORTED reply, STARTUP option checks, the refusal of
// protocol versions other than v4 (worded as Cassandra 4 does, which drivers match to downgrade),
// and SASL PLAIN token parsing for PasswordAuthenticator.
import { CqlError, ErrorCode } from '../lib/index.ts';
import { BodyWriter } from './body-writer.ts';
import type { BodyCompressor } from './compression.ts';
import { COMPRESSION_ALGORITHMS, compressorFor } from './compression.ts';
import { encodeErrorFrame } from './error-encoder.ts';
import {
  FRAME_HEADER_BYTES, LEGACY_FRAME_HEADER_BYTES, PROTOCOL_V4, writeLegacyResponseHeader, writeResponseHeader,
} from './frame-header.ts';
import { Opcode } from './message-codes.ts';
import { protocolError } from './request-decoders.ts';

export const CQL_VERSION = '3.4.5';
export const SUPPORTED_PROTOCOL_VERSIONS = ['4/v4'] as const;
const STARTUP_CQL_VERSION_PATTERN = /^3\.\d+(\.\d+)?$/;

function encodeSupportedOptions(): Buffer {
  const writer = new BodyWriter(128);
  writer.writeStringMultimap([
    ['CQL_VERSION', [CQL_VERSION]],
    ['COMPRESSION', COMPRESSION_ALGORITHMS],
    ['PROTOCOL_VERSIONS', SUPPORTED_PROTOCOL_VERSIONS],
  ]);
  return Buffer.from(writer.finish());
}

/** The SUPPORTED body ([string multimap]); constant, encoded once. Never mutate it. */
export const SUPPORTED_OPTIONS_BODY: Buffer = encodeSupportedOptions();

export interface StartupSettings {
  readonly compressor: BodyCompressor | null;
}

/** Validates STARTUP options: CQL_VERSION 3.x[.y] is required, COMPRESSION must be known. */
export function checkStartupOptions(options: ReadonlyMap<string, string>): StartupSettings {
  const cqlVersion = options.get('CQL_VERSION');
  if (cqlVersion === undefined) throw protocolError('Missing value CQL_VERSION in STARTUP message');
  if (!STARTUP_CQL_VERSION_PATTERN.test(cqlVersion)) {
    throw protocolError(`Unsupported CQL_VERSION '${cqlVersion}'; supported version is ${CQL_VERSION}`);
  }
  const compression = options.get('COMPRESSION');
  if (compression === undefined || compression === '') return { compressor: null };
  const compressor = compressorFor(compression);
  if (compressor === null) throw protocolError(`Unknown compression algorithm: ${compression}`);
  return { compressor };
}

export function unsupportedVersionMessage(version: number): string {
  return `Invalid or unsupported protocol version (${version}); supported versions are (${SUPPORTED_PROTOCOL_VERSIONS.join(', ')})`;
}

/**
 * The ERROR frame refusing `version` on `stream`: v1/v2 get it in their own 8-byte framing and
 * version, everything else a v4 frame (0x84) so drivers retry with v4.
 */
export function unsupportedVersionFrame(version: number, stream: number): Buffer {
  const error = protocolError(unsupportedVersionMessage(version));
  if (version === 1 || version === 2) {
    const { frame } = encodeErrorFrame(error, LEGACY_FRAME_HEADER_BYTES);
    writeLegacyResponseHeader(frame, { version, stream: (stream << 24) >> 24, opcode: Opcode.Error });
    return frame;
  }
  const { frame } = encodeErrorFrame(error, FRAME_HEADER_BYTES);
  writeResponseHeader(frame, { flags: 0, stream, opcode: Opcode.Error });
  return frame;
}

export function isSupportedVersion(version: number): boolean {
  return version === PROTOCOL_V4;
}

/** SASL PLAIN: `[authzid] NUL authcid NUL passwd` (RFC 4616); we use authcid and passwd. */
export function parsePlainSaslToken(token: Buffer | null): { username: string; password: string } {
  if (token === null) throw new CqlError(ErrorCode.BadCredentials, 'Authentication token is missing');
  const last = token.lastIndexOf(0);
  if (last < 0) throw new CqlError(ErrorCode.BadCredentials, 'Password must not be null');
  const previous = last === 0 ? -1 : token.lastIndexOf(0, last - 1);
  const username = token.toString('utf8', previous + 1, last);
  const password = token.toString('utf8', last + 1);
  if (username.length === 0) throw new CqlError(ErrorCode.BadCredentials, 'Authentication ID must not be null');
  if (password.length === 0) throw new CqlError(ErrorCode.BadCredentials, 'Password must not be null');
  return { username, password };
}
