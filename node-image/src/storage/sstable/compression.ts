// Chunk compressors of SSTable Data and Index files and the table option `compression` that picks
// one: {'class': 'LZ4Compressor' | 'ZstdCompressor' | 'DeflateCompressor' | 'SnappyCompressor',
// 'chunk_length_in_kb': '16', 'enabled': 'false' for none}. A compressor is identified on disk by a
// one-byte id (CompressionInfo.db); compress/decompress are synchronous and pure.
import { constants as zlibConstants, deflateRawSync, inflateRawSync, zstdCompressSync, zstdDecompressSync } from 'node:zlib';
import { compressSync as lz4Compress, uncompressSync as lz4Uncompress } from 'lz4-napi';
import { compressSync as snappyCompress, uncompressSync as snappyUncompress } from 'snappy';
import { lz4DecompressInto } from './lz4-block.ts';

export const CompressorId = {
  None: 0,
  Lz4: 1,
  Zstd: 2,
  Deflate: 3,
  Snappy: 4,
} as const;
export type CompressorIdValue = (typeof CompressorId)[keyof typeof CompressorId];

export interface Compressor {
  readonly id: CompressorIdValue;
  /** Cassandra's class name, as `compression = {'class': ...}` names it. */
  readonly className: string;
  compress(chunk: Buffer): Buffer;
  /** `uncompressedLengthBytes` is the chunk's logical length (known from CompressionInfo). */
  decompress(stored: Buffer, uncompressedLengthBytes: number): Buffer;
  /**
   * Decompresses into `target[0, uncompressedLengthBytes)` (a buffer the caller reuses), where
   * the compressor can: a chunk cache keeps its chunks in buffers it recycles instead of a new
   * native buffer per chunk. Throws on malformed input.
   */
  decompressInto?(stored: Buffer, target: Buffer, uncompressedLengthBytes: number): void;
}

/** Default chunk length (Cassandra 4.0+: 16 KiB). */
export const COMPRESSION_CHUNK_LENGTH_DEFAULT_BYTES = 16 * 1024;
/**
 * Chunk length of uncompressed tables when the table does not name one: chunks are then only the
 * unit of checksum and caching, and a point read loads (and CRCs) a whole chunk for one small
 * partition; Cassandra reads uncompressed files in page-sized (4 KiB) buffers on SSDs.
 */
export const UNCOMPRESSED_CHUNK_LENGTH_DEFAULT_BYTES = 4 * 1024;
/** Bounds of chunk_length_in_kb (a power of two, as Cassandra requires). */
export const COMPRESSION_CHUNK_LENGTH_MIN_BYTES = 1024;
export const COMPRESSION_CHUNK_LENGTH_MAX_BYTES = 1024 * 1024;
/** zstd level when the table does not say (Cassandra's ZstdCompressor default). */
export const ZSTD_LEVEL_DEFAULT = 3;
export const ZSTD_LEVEL_MIN = -131072;
export const ZSTD_LEVEL_MAX = 22;
/** Deflate level: fast, as Cassandra's DeflateCompressor uses the JDK default (6) but reads dominate. */
export const DEFLATE_LEVEL_DEFAULT = 6;

const none: Compressor = {
  id: CompressorId.None,
  className: 'none',
  compress: (chunk) => chunk,
  decompress: (stored) => stored,
};

const lz4: Compressor = {
  id: CompressorId.Lz4,
  className: 'LZ4Compressor',
  compress: (chunk) => lz4Compress(chunk),
  decompress: (stored) => lz4Uncompress(stored),
  decompressInto: (stored, target, length) => {
    lz4DecompressInto(stored, target, length);
  },
};

const snappy: Compressor = {
  id: CompressorId.Snappy,
  className: 'SnappyCompressor',
  compress: (chunk) => snappyCompress(chunk),
  decompress: (stored) => snappyUncompress(stored) as Buffer,
};

function zstd(level: number): Compressor {
  const options = { params: { [zlibConstants.ZSTD_c_compressionLevel]: level } };
  return {
    id: CompressorId.Zstd,
    className: 'ZstdCompressor',
    compress: (chunk) => zstdCompressSync(chunk, options),
    decompress: (stored, length) => zstdDecompressSync(stored, { maxOutputLength: Math.max(1, length) }),
  };
}

function deflate(level: number): Compressor {
  return {
    id: CompressorId.Deflate,
    className: 'DeflateCompressor',
    compress: (chunk) => deflateRawSync(chunk, { level }),
    decompress: (stored, length) => inflateRawSync(stored, { maxOutputLength: Math.max(1, length) }),
  };
}

const ZSTD_DEFAULT = zstd(ZSTD_LEVEL_DEFAULT);
const DEFLATE_DEFAULT = deflate(DEFLATE_LEVEL_DEFAULT);

/** The compressor a file names by id (decompression never needs the level). */
export function compressorById(id: number): Compressor | null {
  switch (id) {
    case CompressorId.None: return none;
    case CompressorId.Lz4: return lz4;
    case CompressorId.Zstd: return ZSTD_DEFAULT;
    case CompressorId.Deflate: return DEFLATE_DEFAULT;
    case CompressorId.Snappy: return snappy;
    default: return null;
  }
}

export interface CompressionParams {
  readonly compressor: Compressor;
  readonly chunkLengthBytes: number;
}

export const COMPRESSION_DEFAULT: CompressionParams = { compressor: lz4, chunkLengthBytes: COMPRESSION_CHUNK_LENGTH_DEFAULT_BYTES };

/**
 * The table's `compression` option as parameters; unknown classes and malformed values fall back
 * to the default (the CQL layer validates options; this never fails a flush).
 */
export function compressionParamsOf(options: Readonly<Record<string, string>>): { params: CompressionParams; warnings: string[] } {
  const warnings: string[] = [];
  let chunkLengthBytes = COMPRESSION_CHUNK_LENGTH_DEFAULT_BYTES;
  const kb = options['chunk_length_in_kb'] ?? options['chunk_length_kb'];
  const enabled = options['enabled'];
  const cls = options['class'] ?? options['sstable_compression'];
  // `{}`, {'enabled': 'false'} and the pre-3.0 {'sstable_compression': ''} all mean no compression.
  const disabled = enabled === 'false' || cls === '' || Object.keys(options).length === 0;
  if (disabled) chunkLengthBytes = UNCOMPRESSED_CHUNK_LENGTH_DEFAULT_BYTES;
  if (kb !== undefined) {
    const n = Number(kb) * 1024;
    if (Number.isInteger(n) && n >= COMPRESSION_CHUNK_LENGTH_MIN_BYTES && n <= COMPRESSION_CHUNK_LENGTH_MAX_BYTES && (n & (n - 1)) === 0) {
      chunkLengthBytes = n;
    } else {
      warnings.push(`chunk_length_in_kb ${kb} is not a power of two in 1..1024; using ${chunkLengthBytes / 1024}`);
    }
  }
  if (disabled) {
    return { params: { compressor: none, chunkLengthBytes }, warnings };
  }
  if (cls === undefined) return { params: { compressor: lz4, chunkLengthBytes }, warnings };
  const short = cls.slice(cls.lastIndexOf('.') + 1);
  switch (short) {
    case 'LZ4Compressor': return { params: { compressor: lz4, chunkLengthBytes }, warnings };
    case 'SnappyCompressor': return { params: { compressor: snappy, chunkLengthBytes }, warnings };
    case 'DeflateCompressor': return { params: { compressor: DEFLATE_DEFAULT, chunkLengthBytes }, warnings };
    case 'NoopCompressor': return { params: { compressor: none, chunkLengthBytes }, warnings };
    case 'ZstdCompressor': {
      const raw = options['compression_level'];
      const level = raw === undefined ? ZSTD_LEVEL_DEFAULT : Number(raw);
      if (!Number.isInteger(level) || level < ZSTD_LEVEL_MIN || level > ZSTD_LEVEL_MAX) {
        warnings.push(`compression_level ${raw} out of range; using ${ZSTD_LEVEL_DEFAULT}`);
        return { params: { compressor: ZSTD_DEFAULT, chunkLengthBytes }, warnings };
      }
      return { params: { compressor: level === ZSTD_LEVEL_DEFAULT ? ZSTD_DEFAULT : zstd(level), chunkLengthBytes }, warnings };
    }
    default:
      warnings.push(`unknown compression class ${cls}; using LZ4Compressor`);
      return { params: { compressor: lz4, chunkLengthBytes }, warnings };
  }
}
