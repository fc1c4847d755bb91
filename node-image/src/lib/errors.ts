// Operating errors that reach a CQL client, one registry with stable native-protocol codes
// (STYLE.md rule 7). Any layer may throw these; the protocol layer encodes them with their
// extra fields (../shared/specs/cql-protocol-and-drivers.md section 1.8). Programmer errors are
// AssertionErrors and are not in this registry.
import type { ConsistencyLevel } from './consistency.ts';

export const ErrorCode = {
  ServerError: 0x0000,
  ProtocolError: 0x000a,
  BadCredentials: 0x0100,
  Unavailable: 0x1000,
  Overloaded: 0x1001,
  IsBootstrapping: 0x1002,
  TruncateError: 0x1003,
  WriteTimeout: 0x1100,
  ReadTimeout: 0x1200,
  ReadFailure: 0x1300,
  FunctionFailure: 0x1400,
  WriteFailure: 0x1500,
  CdcWriteFailure: 0x1600,
  CasWriteUnknown: 0x1700,
  SyntaxError: 0x2000,
  Unauthorized: 0x2100,
  Invalid: 0x2200,
  ConfigError: 0x2300,
  AlreadyExists: 0x2400,
  Unprepared: 0x2500,
} as const;
export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

export type WriteType = 'SIMPLE' | 'BATCH' | 'UNLOGGED_BATCH' | 'COUNTER' | 'BATCH_LOG' | 'CAS' | 'VIEW' | 'CDC';

/** Extra fields carried by some error codes, exactly as the protocol encodes them. */
export type CqlErrorDetails =
  | { readonly kind: 'none' }
  | { readonly kind: 'unavailable'; readonly consistency: ConsistencyLevel; readonly required: number; readonly alive: number }
  | { readonly kind: 'write_timeout'; readonly consistency: ConsistencyLevel; readonly received: number; readonly blockFor: number; readonly writeType: WriteType }
  | { readonly kind: 'read_timeout'; readonly consistency: ConsistencyLevel; readonly received: number; readonly blockFor: number; readonly dataPresent: boolean }
  | { readonly kind: 'read_failure'; readonly consistency: ConsistencyLevel; readonly received: number; readonly blockFor: number; readonly failures: number; readonly dataPresent: boolean }
  | { readonly kind: 'write_failure'; readonly consistency: ConsistencyLevel; readonly received: number; readonly blockFor: number; readonly failures: number; readonly writeType: WriteType }
  | { readonly kind: 'function_failure'; readonly keyspace: string; readonly functionName: string; readonly argumentTypes: readonly string[] }
  | { readonly kind: 'already_exists'; readonly keyspace: string; readonly table: string }
  | { readonly kind: 'unprepared'; readonly id: Buffer };

export class CqlError extends Error {
  override readonly name = 'CqlError';
  readonly code: ErrorCodeValue;
  readonly details: CqlErrorDetails;

  constructor(code: ErrorCodeValue, message: string, details: CqlErrorDetails = { kind: 'none' }) {
    super(message);
    this.code = code;
    this.details = details;
  }
}

export const invalidRequest = (message: string): CqlError => new CqlError(ErrorCode.Invalid, message);
export const syntaxError = (message: string): CqlError => new CqlError(ErrorCode.SyntaxError, message);
export const serverError = (message: string): CqlError => new CqlError(ErrorCode.ServerError, message);
export const overloaded = (message: string): CqlError => new CqlError(ErrorCode.Overloaded, message);
export const configError = (message: string): CqlError => new CqlError(ErrorCode.ConfigError, message);
export const alreadyExists = (keyspace: string, table: string, message: string): CqlError =>
  new CqlError(ErrorCode.AlreadyExists, message, { kind: 'already_exists', keyspace, table });
export const unprepared = (id: Buffer): CqlError =>
  new CqlError(ErrorCode.Unprepared, `Prepared query with ID ${id.toString('hex')} not found (either the query was not prepared on this host (maybe the host has been restarted?) or you have prepared too many queries and it has been evicted from the internal cache)`, { kind: 'unprepared', id });
