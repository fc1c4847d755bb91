// Encodes ERROR bodies: [int] code + [string] message + the code's extra fields (spec 1.8, v4
// layouts). A CqlError whose details do not match its code (which would produce a body drivers
// misparse) and any non-CqlError are sent as Server error instead. Messages longer than a
// [string] allows are cut at a character boundary.
import { CqlError, ErrorCode } from '../lib/index.ts';
import type { CqlErrorDetails, ErrorCodeValue } from '../lib/index.ts';
import { BodyWriter } from './body-writer.ts';
import { FRAME_HEADER_BYTES } from './frame-header.ts';

/** The details kind each code needs on the wire (codes without extra fields need 'none'). */
const REQUIRED_DETAILS: Partial<Record<ErrorCodeValue, CqlErrorDetails['kind']>> = {
  [ErrorCode.Unavailable]: 'unavailable',
  [ErrorCode.WriteTimeout]: 'write_timeout',
  [ErrorCode.ReadTimeout]: 'read_timeout',
  [ErrorCode.ReadFailure]: 'read_failure',
  [ErrorCode.FunctionFailure]: 'function_failure',
  [ErrorCode.WriteFailure]: 'write_failure',
  [ErrorCode.AlreadyExists]: 'already_exists',
  [ErrorCode.Unprepared]: 'unprepared',
};

/** Codes that do not exist in protocol v4 (v5 additions). */
const V5_ONLY_CODES: ReadonlySet<number> = new Set([ErrorCode.CdcWriteFailure, ErrorCode.CasWriteUnknown]);

const ERROR_FRAME_HINT_BYTES = 256;

/** Whether `error` can be sent to a v4 client as-is. */
export function isEncodableInV4(error: CqlError): boolean {
  if (V5_ONLY_CODES.has(error.code)) return false;
  return (REQUIRED_DETAILS[error.code] ?? 'none') === error.details.kind;
}

function writeErrorBody(writer: BodyWriter, code: number, message: string, details: CqlErrorDetails): void {
  writer.writeInt(code);
  writer.writeStringTruncated(message);
  switch (details.kind) {
    case 'none':
      return;
    case 'unavailable':
      writer.writeShort(details.consistency);
      writer.writeInt(details.required);
      writer.writeInt(details.alive);
      return;
    case 'write_timeout':
      writer.writeShort(details.consistency);
      writer.writeInt(details.received);
      writer.writeInt(details.blockFor);
      writer.writeString(details.writeType);
      return;
    case 'read_timeout':
      writer.writeShort(details.consistency);
      writer.writeInt(details.received);
      writer.writeInt(details.blockFor);
      writer.writeByte(details.dataPresent ? 1 : 0);
      return;
    case 'read_failure':
      writer.writeShort(details.consistency);
      writer.writeInt(details.received);
      writer.writeInt(details.blockFor);
      writer.writeInt(details.failures);
      writer.writeByte(details.dataPresent ? 1 : 0);
      return;
    case 'write_failure':
      writer.writeShort(details.consistency);
      writer.writeInt(details.received);
      writer.writeInt(details.blockFor);
      writer.writeInt(details.failures);
      writer.writeString(details.writeType);
      return;
    case 'function_failure':
      writer.writeString(details.keyspace);
      writer.writeString(details.functionName);
      writer.writeStringList(details.argumentTypes);
      return;
    case 'already_exists':
      writer.writeString(details.keyspace);
      writer.writeString(details.table);
      return;
    case 'unprepared':
      writer.writeShortBytes(details.id);
      return;
    default: {
      const unknown: never = details;
      throw new Error(`unexpected error details ${JSON.stringify(unknown)}`);
    }
  }
}

/**
 * An ERROR frame (FRAME_HEADER_BYTES reserved at the front) for any thrown value. Returns the
 * code actually sent so callers can log Server errors.
 */
export function encodeErrorFrame(error: unknown, headerBytes = FRAME_HEADER_BYTES): { frame: Buffer; code: number } {
  const writer = new BodyWriter(ERROR_FRAME_HINT_BYTES, headerBytes);
  if (error instanceof CqlError && isEncodableInV4(error)) {
    writeErrorBody(writer, error.code, error.message, error.details);
    return { frame: writer.finish(), code: error.code };
  }
  let message: string;
  if (error instanceof CqlError) message = `${error.message} (error code 0x${error.code.toString(16)} has no v4 encoding)`;
  else if (error instanceof Error) message = `${error.name}: ${error.message}`;
  else message = String(error);
  writeErrorBody(writer, ErrorCode.ServerError, message, { kind: 'none' });
  return { frame: writer.finish(), code: ErrorCode.ServerError };
}
