// Encodes RESULT messages (Void, Rows, Set_keyspace, Prepared, Schema_change) as whole frames:
// the buffer starts with FRAME_HEADER_BYTES left for the caller's header. Rows are sized exactly
// before writing, so a page of rows costs one allocation and one copy of each value. Column specs
// are encoded once per metadata object (cached by identity; metadata objects are immutable).
import type { ColumnSpec, QueryResponse, ResultMessage, ResultMetadata, SchemaChangeEvent } from '../cql/index.ts';
import { assert, assertNever } from '../lib/index.ts';
import { BodyWriter } from './body-writer.ts';
import { FRAME_HEADER_BYTES } from './frame-header.ts';
import { ResultKind, RowsFlag } from './message-codes.ts';
import { writeTypeOption } from './type-option-codec.ts';

/** Column specs as they follow the metadata counts: optional global table spec, then each column. */
interface EncodedColumnSpecs {
  readonly global: boolean;
  readonly bytes: Buffer;
}

const columnSpecsCache = new WeakMap<object, EncodedColumnSpecs>();

const SMALL_RESULT_BYTES = 64;
/** A warning's bytes when sizing: [short] length + up to 3 bytes per UTF-16 unit. */
const UTF8_BYTES_PER_UNIT_MAX = 3;

function isSingleTable(columns: readonly ColumnSpec[]): boolean {
  if (columns.length === 0) return false;
  const { keyspace, table } = columns[0]!;
  for (let i = 1; i < columns.length; i++) {
    if (columns[i]!.keyspace !== keyspace || columns[i]!.table !== table) return false;
  }
  return true;
}

/** Column specs for `metadata`, encoded once per metadata object. */
export function encodedColumnSpecs(metadata: { readonly columns: readonly ColumnSpec[] }): EncodedColumnSpecs {
  const cached = columnSpecsCache.get(metadata);
  if (cached !== undefined) return cached;
  const columns = metadata.columns;
  const global = isSingleTable(columns);
  const writer = new BodyWriter(SMALL_RESULT_BYTES * (columns.length + 1));
  if (global) {
    writer.writeString(columns[0]!.keyspace);
    writer.writeString(columns[0]!.table);
  }
  for (const column of columns) {
    if (!global) {
      writer.writeString(column.keyspace);
      writer.writeString(column.table);
    }
    writer.writeString(column.name);
    writeTypeOption(writer, column.type);
  }
  const encoded = { global, bytes: writer.finish() };
  columnSpecsCache.set(metadata, encoded);
  return encoded;
}

function warningsBytes(warnings: readonly string[]): number {
  let total = 2;
  for (const warning of warnings) total += 2 + warning.length * UTF8_BYTES_PER_UNIT_MAX;
  return total;
}

/** Rows metadata (also Prepared's result metadata): flags, count, paging state, specs. */
function writeRowsMetadata(writer: BodyWriter, metadata: ResultMetadata, pagingState: Buffer | null, skipMetadata: boolean): void {
  const columns = metadata.columns;
  let flags = 0;
  if (pagingState !== null) flags |= RowsFlag.HasMorePages;
  if (skipMetadata || columns.length === 0) flags |= RowsFlag.NoMetadata;
  const specs = (flags & RowsFlag.NoMetadata) === 0 ? encodedColumnSpecs(metadata) : null;
  if (specs?.global === true) flags |= RowsFlag.GlobalTablesSpec;
  writer.writeInt(flags);
  writer.writeInt(columns.length);
  if (pagingState !== null) writer.writeBytes(pagingState);
  if (specs !== null) writer.writeRaw(specs.bytes);
}

/** Bytes of the cells: one [bytes] per cell. Checks every row's width. */
function cellsBytes(rows: ReadonlyArray<ReadonlyArray<Buffer | null>>, columnCount: number): number {
  let total = 0;
  for (const row of rows) {
    assert(row.length === columnCount, `row has ${row.length} values for ${columnCount} columns`);
    for (const value of row) total += value === null ? 4 : 4 + value.length;
  }
  return total;
}

export function writeSchemaChange(writer: BodyWriter, event: SchemaChangeEvent): void {
  writer.writeString(event.change);
  writer.writeString(event.target);
  writer.writeString(event.keyspace);
  switch (event.target) {
    case 'KEYSPACE':
      return;
    case 'TABLE':
    case 'TYPE':
      writer.writeString(event.name ?? '');
      return;
    case 'FUNCTION':
    case 'AGGREGATE':
      writer.writeString(event.name ?? '');
      writer.writeStringList(event.argumentTypes ?? []);
      return;
    default:
      assertNever(event.target, 'schema change target');
  }
}

function writeResultBody(writer: BodyWriter, result: ResultMessage, skipMetadata: boolean, rowCellsBytes: number): void {
  switch (result.kind) {
    case 'void':
      writer.writeInt(ResultKind.Void);
      return;
    case 'rows': {
      writer.writeInt(ResultKind.Rows);
      writeRowsMetadata(writer, result.metadata, result.pagingState, skipMetadata);
      writer.writeInt(result.rows.length);
      writer.writeCells(result.rows, rowCellsBytes);
      return;
    }
    case 'setKeyspace':
      writer.writeInt(ResultKind.SetKeyspace);
      writer.writeString(result.keyspace);
      return;
    case 'prepared': {
      writer.writeInt(ResultKind.Prepared);
      writer.writeShortBytes(result.id);
      const bind = result.bindMetadata;
      const specs = bind.columns.length > 0 ? encodedColumnSpecs(bind) : null;
      writer.writeInt(specs?.global === true ? RowsFlag.GlobalTablesSpec : 0);
      writer.writeInt(bind.columns.length);
      writer.writeInt(bind.partitionKeyIndexes.length);
      for (const index of bind.partitionKeyIndexes) writer.writeShort(index);
      if (specs !== null) writer.writeRaw(specs.bytes);
      writeRowsMetadata(writer, result.resultMetadata, null, false);
      return;
    }
    case 'schemaChange':
      writer.writeInt(ResultKind.SchemaChange);
      writeSchemaChange(writer, result.event);
      return;
    default:
      assertNever(result, 'result kind');
  }
}

/**
 * A RESULT frame for `response` with FRAME_HEADER_BYTES reserved at the front. Warnings, when
 * present, precede the message (the caller sets the Warning header flag).
 * `skipMetadata`: the request was an EXECUTE with skip_metadata, so Rows carry No_metadata.
 */
export function encodeResultFrame(response: QueryResponse, skipMetadata: boolean): Buffer {
  const result = response.result;
  let hintBytes = FRAME_HEADER_BYTES + SMALL_RESULT_BYTES;
  if (response.warnings.length > 0) hintBytes += warningsBytes(response.warnings);
  if (result.kind === 'rows') {
    hintBytes += 4 + cellsBytes(result.rows, result.metadata.columns.length);
    if (result.pagingState !== null) hintBytes += 4 + result.pagingState.length;
    if (!skipMetadata && result.metadata.columns.length > 0) hintBytes += encodedColumnSpecs(result.metadata).bytes.length;
  }
  const writer = new BodyWriter(hintBytes, FRAME_HEADER_BYTES);
  writeResultMessage(writer, response, skipMetadata);
  return writer.finish();
}

/**
 * The body of a RESULT frame for `response` (warnings first when present), appended to `writer`
 * where it stands: a connection encodes straight into its output buffer this way.
 */
export function writeResultMessage(writer: BodyWriter, response: QueryResponse, skipMetadata: boolean): void {
  const result = response.result;
  const warnings = response.warnings;
  if (warnings.length > 0) {
    writer.writeShort(warnings.length);
    for (const warning of warnings) writer.writeStringTruncated(warning);
  }
  const rowCellsBytes = result.kind === 'rows' ? cellsBytes(result.rows, result.metadata.columns.length) : 0;
  writeResultBody(writer, result, skipMetadata, rowCellsBytes);
}
