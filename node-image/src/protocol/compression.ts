// Frame body compression negotiated in STARTUP (v4): lz4 bodies are a 4-byte big-endian
// uncompressed length followed by a raw LZ4 block; snappy bodies are raw snappy (which starts
// with its own varint length). Decompression checks the declared length against the frame limit
// before inflating and the produced length after, so a small frame cannot inflate without bound.
import { compressSync as lz4CompressSync, uncompressSync as lz4UncompressSync } from 'lz4-napi';
import { compressSync as snappyCompressSync, uncompressSync as snappyUncompressSync } from 'snappy';
import { MalformedBodyError } from './body-reader.ts';

export const COMPRESSION_ALGORITHMS = ['lz4', 'snappy'] as const;
export type CompressionAlgorithm = (typeof COMPRESSION_ALGORITHMS)[number];

export interface BodyCompressor {
  readonly algorithm: CompressionAlgorithm;
  compress(body: Buffer): Buffer;
  /** Inflates `body`; throws MalformedBodyError if it is corrupt or would exceed `bytesMax`. */
  decompress(body: Buffer, bytesMax: number): Buffer;
}

/** Size of the uncompressed-length prefix of an lz4 body (ours big-endian, lz4-napi's little). */
const LZ4_LENGTH_PREFIX_BYTES = 4;
/** A snappy varint length has at most 5 bytes (32 bits). */
const SNAPPY_VARINT_BYTES_MAX = 5;

export const lz4Compressor: BodyCompressor = {
  algorithm: 'lz4',
  compress(body: Buffer): Buffer {
    // lz4-napi prepends the length little-endian; we own the output, so flip it in place.
    const out = lz4CompressSync(body);
    out.writeUInt32BE(body.length, 0);
    return out;
  },
  decompress(body: Buffer, bytesMax: number): Buffer {
    if (body.length < LZ4_LENGTH_PREFIX_BYTES) throw new MalformedBodyError('LZ4 body shorter than its length prefix');
    const length = body.readUInt32BE(0);
    if (length > bytesMax) throw new MalformedBodyError(`LZ4 body inflates to ${length} bytes, above the ${bytesMax}-byte frame limit`);
    if (length === 0) return Buffer.alloc(0);
    // lz4-napi wants the prefix little-endian; the body is this frame's own copy, so rewrite it.
    body.writeUInt32LE(length, 0);
    let out: Buffer;
    try {
      out = lz4UncompressSync(body);
    } catch (error) {
      throw new MalformedBodyError(`Corrupt LZ4 body: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (out.length !== length) throw new MalformedBodyError(`LZ4 body inflated to ${out.length} bytes, its prefix says ${length}`);
    return out;
  },
};

/** The uncompressed length a raw snappy block declares (its leading varint), or -1 if malformed. */
export function snappyDeclaredLength(body: Buffer): number {
  let length = 0;
  for (let i = 0; i < SNAPPY_VARINT_BYTES_MAX && i < body.length; i++) {
    const byte = body[i]!;
    length += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) return length;
  }
  return -1;
}

export const snappyCompressor: BodyCompressor = {
  algorithm: 'snappy',
  compress(body: Buffer): Buffer {
    return snappyCompressSync(body);
  },
  decompress(body: Buffer, bytesMax: number): Buffer {
    const length = snappyDeclaredLength(body);
    if (length < 0) throw new MalformedBodyError('Corrupt snappy body: bad length varint');
    if (length > bytesMax) throw new MalformedBodyError(`Snappy body inflates to ${length} bytes, above the ${bytesMax}-byte frame limit`);
    let out: Buffer;
    try {
      out = snappyUncompressSync(body, { asBuffer: true }) as Buffer;
    } catch (error) {
      throw new MalformedBodyError(`Corrupt snappy body: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (out.length !== length) throw new MalformedBodyError(`Snappy body inflated to ${out.length} bytes, it declares ${length}`);
    return out;
  },
};

/** The compressor for a STARTUP COMPRESSION value (case-insensitive), or null if unknown. */
export function compressorFor(name: string): BodyCompressor | null {
  switch (name.toLowerCase()) {
    case 'lz4':
      return lz4Compressor;
    case 'snappy':
      return snappyCompressor;
    default:
      return null;
  }
}
