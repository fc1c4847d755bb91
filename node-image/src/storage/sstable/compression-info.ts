// CompressionInfo.db: the compressor and the chunk tables of Data.db and Index.db, so a reader
// finds chunk i of either file without scanning. Layout (docs/formats/sstable.md):
// [u32 magic][u8 version][u8 compressor id][u32 chunk length]
// then per file (Data, Index): [f64 logical length][u32 chunk count][u32 stored length incl. CRC]*
// then [u32 CRC32 of everything before].
import { crc32 } from 'node:zlib';
import { StorageCorruptionError } from '../errors.ts';
import { CHUNK_CRC_BYTES } from './chunked-file.ts';
import type { ChunkTable } from './chunked-file.ts';
import { compressorById } from './compression.ts';
import type { Compressor } from './compression.ts';

/** "CSCI": Cassia compression info. */
export const COMPRESSION_INFO_MAGIC = 0x43534349;
export const COMPRESSION_INFO_VERSION = 1;
const HEADER_BYTES = 10;
const TABLE_HEADER_BYTES = 12;

export interface CompressionInfo {
  readonly compressor: Compressor;
  readonly data: ChunkTable;
  readonly index: ChunkTable;
}

export function serializeCompressionInfo(info: CompressionInfo): Buffer {
  const dataChunks = info.data.offsets.length - 1;
  const indexChunks = info.index.offsets.length - 1;
  const out = Buffer.allocUnsafe(HEADER_BYTES + 2 * TABLE_HEADER_BYTES + 4 * (dataChunks + indexChunks) + 4);
  out.writeUInt32BE(COMPRESSION_INFO_MAGIC, 0);
  out.writeUInt8(COMPRESSION_INFO_VERSION, 4);
  out.writeUInt8(info.compressor.id, 5);
  out.writeUInt32BE(info.data.chunkLengthBytes, 6);
  let at = HEADER_BYTES;
  for (const table of [info.data, info.index]) {
    const chunks = table.offsets.length - 1;
    out.writeDoubleBE(table.logicalLengthBytes, at);
    out.writeUInt32BE(chunks, at + 8);
    at += TABLE_HEADER_BYTES;
    for (let i = 0; i < chunks; i++) {
      out.writeUInt32BE(table.offsets[i + 1]! - table.offsets[i]!, at);
      at += 4;
    }
  }
  out.writeUInt32BE(crc32(out.subarray(0, at)) >>> 0, at);
  return out;
}

export function deserializeCompressionInfo(bytes: Buffer, path: string): CompressionInfo {
  const fail = (offsetBytes: number, reason: string): never => {
    throw new StorageCorruptionError({ path, offsetBytes, reason });
  };
  if (bytes.length < HEADER_BYTES + 2 * TABLE_HEADER_BYTES + 4) fail(0, `compression info too short (${bytes.length} bytes)`);
  const end = bytes.length - 4;
  if ((crc32(bytes.subarray(0, end)) >>> 0) !== bytes.readUInt32BE(end)) fail(end, 'compression info checksum mismatch');
  if (bytes.readUInt32BE(0) !== COMPRESSION_INFO_MAGIC) fail(0, 'compression info magic mismatch');
  if (bytes.readUInt8(4) !== COMPRESSION_INFO_VERSION) fail(4, `compression info version ${bytes.readUInt8(4)}`);
  const compressor = compressorById(bytes.readUInt8(5)) ?? fail(5, `unknown compressor id ${bytes.readUInt8(5)}`);
  const chunkLengthBytes = bytes.readUInt32BE(6);
  if (chunkLengthBytes === 0) fail(6, 'chunk length 0');
  let at = HEADER_BYTES;
  const tables: ChunkTable[] = [];
  for (let t = 0; t < 2; t++) {
    if (at + TABLE_HEADER_BYTES > end) fail(at, 'chunk table truncated');
    const logicalLengthBytes = bytes.readDoubleBE(at);
    const chunks = bytes.readUInt32BE(at + 8);
    at += TABLE_HEADER_BYTES;
    if (!Number.isSafeInteger(logicalLengthBytes) || logicalLengthBytes < 0 || at + 4 * chunks > end) fail(at, 'chunk table malformed');
    const offsets = new Float64Array(chunks + 1);
    let physical = 0;
    for (let i = 0; i < chunks; i++) {
      offsets[i] = physical;
      const stored = bytes.readUInt32BE(at);
      if (stored <= CHUNK_CRC_BYTES || stored > chunkLengthBytes + CHUNK_CRC_BYTES) fail(at, `chunk ${i} stored length ${stored} out of range`);
      physical += stored;
      at += 4;
    }
    offsets[chunks] = physical;
    tables.push({ logicalLengthBytes, chunkLengthBytes, offsets });
  }
  if (at !== end) fail(at, 'trailing bytes in compression info');
  return { compressor, data: tables[0]!, index: tables[1]! };
}
