// Test-only client side of the protocol: builds request frames and reads response frames, so unit
// and integration tests can speak raw v4 (including things real drivers never send).
import { UNSET } from '../../cql/index.ts';
import type { BoundValue, ColumnSpec } from '../../cql/index.ts';
import { BodyReader } from '../body-reader.ts';
import { BodyWriter } from '../body-writer.ts';
import type { BodyCompressor } from '../compression.ts';
import { FrameDecoder } from '../frame-decoder.ts';
import { FRAME_HEADER_BYTES, FrameFlag, LEGACY_FRAME_HEADER_BYTES } from '../frame-header.ts';
import { Opcode, ResultKind, RowsFlag } from '../message-codes.ts';
import { readTypeOption } from '../type-option-codec.ts';

export interface RequestFrame {
  readonly version?: number;
  readonly flags?: number;
  readonly stream: number;
  readonly opcode: number;
  readonly body?: Buffer;
  /** Compress the body with this compressor and set the flag. */
  readonly compressor?: BodyCompressor;
}

export function encodeRequest(request: RequestFrame): Buffer {
  const version = request.version ?? 4;
  let body = request.body ?? Buffer.alloc(0);
  let flags = request.flags ?? 0;
  if (request.compressor !== undefined) {
    body = request.compressor.compress(body);
    flags |= FrameFlag.Compression;
  }
  if (version === 1 || version === 2) {
    const frame = Buffer.alloc(LEGACY_FRAME_HEADER_BYTES + body.length);
    frame[0] = version;
    frame[1] = flags;
    frame.writeInt8(request.stream, 2);
    frame[3] = request.opcode;
    frame.writeInt32BE(body.length, 4);
    body.copy(frame, LEGACY_FRAME_HEADER_BYTES);
    return frame;
  }
  const frame = Buffer.alloc(FRAME_HEADER_BYTES + body.length);
  frame[0] = version;
  frame[1] = flags;
  frame.writeInt16BE(request.stream, 2);
  frame[4] = request.opcode;
  frame.writeInt32BE(body.length, 5);
  body.copy(frame, FRAME_HEADER_BYTES);
  return frame;
}

export function startupBody(options: Record<string, string> = { CQL_VERSION: '3.0.0' }): Buffer {
  const writer = new BodyWriter(64);
  const entries = Object.entries(options);
  writer.writeShort(entries.length);
  for (const [key, value] of entries) {
    writer.writeString(key);
    writer.writeString(value);
  }
  return writer.finish();
}

export interface TestQueryParameters {
  consistency?: number;
  values?: BoundValue[];
  names?: string[];
  skipMetadata?: boolean;
  pageSize?: number;
  pagingState?: Buffer;
  serialConsistency?: number;
  timestampMicros?: bigint;
}

export function writeQueryParameters(writer: BodyWriter, parameters: TestQueryParameters): void {
  let flags = 0;
  if (parameters.values !== undefined) flags |= 0x01;
  if (parameters.skipMetadata === true) flags |= 0x02;
  if (parameters.pageSize !== undefined) flags |= 0x04;
  if (parameters.pagingState !== undefined) flags |= 0x08;
  if (parameters.serialConsistency !== undefined) flags |= 0x10;
  if (parameters.timestampMicros !== undefined) flags |= 0x20;
  if (parameters.names !== undefined) flags |= 0x40;
  writer.writeShort(parameters.consistency ?? 0x0a);
  writer.writeByte(flags);
  if (parameters.values !== undefined) {
    writer.writeShort(parameters.values.length);
    parameters.values.forEach((value, i) => {
      if (parameters.names !== undefined) writer.writeString(parameters.names[i]!);
      if (value === UNSET) writer.writeInt(-2);
      else writer.writeBytes(value);
    });
  }
  if (parameters.pageSize !== undefined) writer.writeInt(parameters.pageSize);
  if (parameters.pagingState !== undefined) writer.writeBytes(parameters.pagingState);
  if (parameters.serialConsistency !== undefined) writer.writeShort(parameters.serialConsistency);
  if (parameters.timestampMicros !== undefined) {
    const bytes = Buffer.alloc(8);
    bytes.writeBigInt64BE(parameters.timestampMicros);
    writer.writeRaw(bytes);
  }
}

export function queryBody(text: string, parameters: TestQueryParameters = {}): Buffer {
  const writer = new BodyWriter(64);
  writer.writeLongString(text);
  writeQueryParameters(writer, parameters);
  return writer.finish();
}

export function executeBody(id: Buffer, parameters: TestQueryParameters = {}): Buffer {
  const writer = new BodyWriter(64);
  writer.writeShortBytes(id);
  writeQueryParameters(writer, parameters);
  return writer.finish();
}

export function stringListBody(values: string[]): Buffer {
  const writer = new BodyWriter(64);
  writer.writeStringList(values);
  return writer.finish();
}

export function longStringBody(text: string): Buffer {
  const writer = new BodyWriter(64);
  writer.writeLongString(text);
  return writer.finish();
}

export function bytesBody(value: Buffer | null): Buffer {
  const writer = new BodyWriter(64);
  writer.writeBytes(value);
  return writer.finish();
}

export interface ResponseFrame {
  readonly version: number;
  readonly flags: number;
  readonly stream: number;
  readonly opcode: number;
  /** Decompressed body. */
  readonly body: Buffer;
}

/** Splits server output into frames (9-byte or, for v1/v2 versions, 8-byte headers). */
export function parseResponses(bytes: Buffer, compressor: BodyCompressor | null = null): ResponseFrame[] {
  const frames: ResponseFrame[] = [];
  const decoder = new FrameDecoder();
  decoder.feed(bytes, {
    onHeader: () => true,
    onFrame: (version, flags, stream, opcode, body) => {
      let plain: Buffer = Buffer.from(body);
      if ((flags & FrameFlag.Compression) !== 0) {
        if (compressor === null) throw new Error('compressed response without a compressor');
        plain = compressor.decompress(plain, 256 * 1024 * 1024);
      }
      frames.push({ version, flags, stream, opcode, body: plain });
    },
  });
  if (!decoder.isIdle) throw new Error('server output ends inside a frame');
  return frames;
}

export function readError(frame: ResponseFrame): { code: number; message: string; rest: Buffer } {
  if (frame.opcode !== Opcode.Error) throw new Error(`expected ERROR, got opcode ${frame.opcode}`);
  const reader = new BodyReader().reset(frame.body);
  const code = reader.readInt();
  const message = reader.readString();
  return { code, message, rest: frame.body.subarray(reader.offset) };
}

export interface DecodedRows {
  readonly flags: number;
  readonly columns: ColumnSpec[];
  readonly columnCount: number;
  readonly pagingState: Buffer | null;
  readonly rows: Array<Array<Buffer | null>>;
}

/** Reads Rows metadata (from the reader's position). */
export function readRowsMetadata(reader: BodyReader): Omit<DecodedRows, 'rows'> {
  const flags = reader.readInt();
  const columnCount = reader.readInt();
  const pagingState = (flags & RowsFlag.HasMorePages) !== 0 ? reader.readBytes() : null;
  const columns: ColumnSpec[] = [];
  if ((flags & RowsFlag.NoMetadata) === 0) {
    let keyspace = '';
    let table = '';
    const global = (flags & RowsFlag.GlobalTablesSpec) !== 0;
    if (global) {
      keyspace = reader.readString();
      table = reader.readString();
    }
    for (let i = 0; i < columnCount; i++) {
      if (!global) {
        keyspace = reader.readString();
        table = reader.readString();
      }
      const name = reader.readString();
      columns.push({ keyspace, table, name, type: readTypeOption(reader) });
    }
  }
  return { flags, columns, columnCount, pagingState };
}

/** Reads a RESULT body; returns its kind and a reader positioned after the kind. */
export function readResult(frame: ResponseFrame): { kind: number; reader: BodyReader; warnings: string[] } {
  if (frame.opcode !== Opcode.Result) throw new Error(`expected RESULT, got opcode ${frame.opcode}`);
  const reader = new BodyReader().reset(frame.body);
  const warnings = (frame.flags & FrameFlag.Warning) !== 0 ? reader.readStringList() : [];
  return { kind: reader.readInt(), reader, warnings };
}

export function readRows(frame: ResponseFrame): DecodedRows {
  const { kind, reader } = readResult(frame);
  if (kind !== ResultKind.Rows) throw new Error(`expected Rows, got kind ${kind}`);
  const metadata = readRowsMetadata(reader);
  const rowCount = reader.readInt();
  const rows: Array<Array<Buffer | null>> = [];
  for (let r = 0; r < rowCount; r++) {
    const row: Array<Buffer | null> = [];
    for (let c = 0; c < metadata.columnCount; c++) row.push(reader.readBytes());
    rows.push(row);
  }
  return { ...metadata, rows };
}
