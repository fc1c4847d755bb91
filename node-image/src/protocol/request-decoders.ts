// Decoders for request bodies (QUERY, PREPARE, EXECUTE, BATCH, STARTUP, REGISTER, AUTH_RESPONSE)
// into the CqlService's plain types. Bound values are views into the frame body (never copied):
// a consumer that keeps one beyond the request must copy it. Truncated bodies throw
// MalformedBodyError (connection closes); well-formed but invalid content throws CqlError.
import type { BatchChild, BatchRequest, BoundValue, QueryOptions } from '../cql/index.ts';
import { CqlError, ErrorCode, invalidRequest, isConsistencyLevel } from '../lib/index.ts';
import type { ConsistencyLevel } from '../lib/index.ts';
import type { BodyReader } from './body-reader.ts';
import { MalformedBodyError } from './body-reader.ts';
import {
  BATCH_FLAGS_V4_ALL, BATCH_TYPES, BatchChildKind, BatchFlag, EVENT_TYPE_NAMES, QUERY_FLAGS_V4_ALL, QueryFlag,
} from './message-codes.ts';

/** The smallest encoding of one [value] (its [int] length). */
const VALUE_BYTES_MIN = 4;
/** The smallest batch child: kind [byte], empty [short bytes] id, [short] value count. */
const BATCH_CHILD_BYTES_MIN = 5;

export function protocolError(message: string): CqlError {
  return new CqlError(ErrorCode.ProtocolError, message);
}

export function readConsistency(reader: BodyReader): ConsistencyLevel {
  const code = reader.readShort();
  if (!isConsistencyLevel(code)) throw protocolError(`Unknown code ${code} for a consistency level`);
  return code;
}

/** A [long] timestamp in microseconds; ours are JS numbers, so refuse what is not exact. */
function readTimestampMicros(reader: BodyReader): number {
  const micros = reader.readLongAsNumber();
  if (!Number.isSafeInteger(micros)) {
    throw invalidRequest(`Out of bound timestamp, must be in [${-Number.MAX_SAFE_INTEGER}, ${Number.MAX_SAFE_INTEGER}]`);
  }
  return micros;
}

function readValues(reader: BodyReader, withNames: boolean): { values: BoundValue[]; names: string[] | null } {
  const count = reader.readShort();
  if (count * VALUE_BYTES_MIN > reader.remaining) throw new MalformedBodyError(`${count} values do not fit the body`);
  const values: BoundValue[] = new Array<BoundValue>(count);
  const names: string[] | null = withNames ? new Array<string>(count) : null;
  for (let i = 0; i < count; i++) {
    if (names !== null) names[i] = reader.readString();
    values[i] = reader.readValue();
  }
  return { values, names };
}

/** <query_parameters> of QUERY and EXECUTE (v4: [byte] flags). */
export function readQueryParameters(reader: BodyReader): QueryOptions {
  const consistency = readConsistency(reader);
  const flags = reader.readByte();
  if ((flags & ~QUERY_FLAGS_V4_ALL) !== 0) throw protocolError(`Unknown query flags 0x${flags.toString(16)} for protocol v4`);
  let values: BoundValue[] | null = null;
  let valueNames: string[] | null = null;
  if ((flags & QueryFlag.Values) !== 0) {
    const read = readValues(reader, (flags & QueryFlag.ValueNames) !== 0);
    values = read.values;
    valueNames = read.names;
  }
  const pageSize = (flags & QueryFlag.PageSize) !== 0 ? reader.readInt() : null;
  const pagingState = (flags & QueryFlag.WithPagingState) !== 0 ? reader.readBytes() : null;
  const serialConsistency = (flags & QueryFlag.SerialConsistency) !== 0 ? readConsistency(reader) : null;
  const timestampMicros = (flags & QueryFlag.DefaultTimestamp) !== 0 ? readTimestampMicros(reader) : null;
  return {
    consistency,
    values,
    valueNames,
    skipMetadata: (flags & QueryFlag.SkipMetadata) !== 0,
    pageSize,
    pagingState,
    serialConsistency,
    timestampMicros,
    keyspace: null,
    nowInSeconds: null,
  };
}

export interface QueryRequest {
  readonly text: string;
  readonly options: QueryOptions;
}

export function readQuery(reader: BodyReader): QueryRequest {
  const text = reader.readLongString();
  return { text, options: readQueryParameters(reader) };
}

export function readPrepare(reader: BodyReader): string {
  return reader.readLongString();
}

export interface ExecuteRequest {
  readonly id: Buffer;
  readonly options: QueryOptions;
}

export function readExecute(reader: BodyReader): ExecuteRequest {
  const id = reader.readShortBytes();
  return { id, options: readQueryParameters(reader) };
}

export function readBatch(reader: BodyReader): BatchRequest {
  const typeCode = reader.readByte();
  const batchType = BATCH_TYPES[typeCode];
  if (batchType === undefined) throw protocolError(`Unknown batch type ${typeCode}`);
  const count = reader.readShort();
  if (count * BATCH_CHILD_BYTES_MIN > reader.remaining) throw new MalformedBodyError(`${count} batch statements do not fit the body`);
  const children: BatchChild[] = [];
  for (let i = 0; i < count; i++) {
    const kind = reader.readByte();
    if (kind === BatchChildKind.Query) {
      const text = reader.readLongString();
      children.push({ kind: 'query', text, values: readValues(reader, false).values, valueNames: null });
    } else if (kind === BatchChildKind.Prepared) {
      const id = reader.readShortBytes();
      children.push({ kind: 'prepared', id, values: readValues(reader, false).values, valueNames: null });
    } else {
      throw new MalformedBodyError(`Invalid batch statement kind ${kind}`);
    }
  }
  const consistency = readConsistency(reader);
  const flags = reader.readByte();
  if ((flags & ~BATCH_FLAGS_V4_ALL) !== 0) throw protocolError(`Unknown batch flags 0x${flags.toString(16)} for protocol v4`);
  if ((flags & BatchFlag.ValueNames) !== 0) throw protocolError('Named values are not supported in BATCH');
  const serialConsistency = (flags & BatchFlag.SerialConsistency) !== 0 ? readConsistency(reader) : null;
  const timestampMicros = (flags & BatchFlag.DefaultTimestamp) !== 0 ? readTimestampMicros(reader) : null;
  return { batchType, children, consistency, serialConsistency, timestampMicros, keyspace: null, nowInSeconds: null };
}

export function readStartup(reader: BodyReader): Map<string, string> {
  return reader.readStringMap();
}

/** REGISTER: the event types, each checked against the three known ones. */
export function readRegister(reader: BodyReader): string[] {
  const types = reader.readStringList();
  for (const type of types) {
    if (!EVENT_TYPE_NAMES.includes(type)) throw protocolError(`Invalid value '${type}' for Type`);
  }
  return types;
}

export function readAuthResponse(reader: BodyReader): Buffer | null {
  return reader.readBytes();
}
