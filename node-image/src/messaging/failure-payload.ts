// The payload of a Failure response: what a remote handler threw, as UTF-8 JSON
// {"source":"cql"|"messaging","code":...,"message":...,"details":{...}} (docs/formats/messaging.md),
// so the requester re-throws a CqlError with the same native-protocol code and fields, or a
// MessagingError with the same code. Decoding validates everything; a malformed payload becomes
// MessagingError(MSG_ERR_BAD_MESSAGE) rather than a crash.
import { CqlError, ErrorCode, isConsistencyLevel } from '../lib/index.ts';
import type { CqlErrorDetails, ErrorCodeValue, WriteType } from '../lib/index.ts';
import { MessagingError } from './messaging-service.ts';

/** Failure messages longer than this are cut (a remote error text is for humans). */
export const FAILURE_MESSAGE_LENGTH_MAX = 8192;

const ERROR_CODES: ReadonlySet<number> = new Set(Object.values(ErrorCode));
const MESSAGING_CODES: ReadonlySet<string> = new Set<MessagingError['code']>([
  'MSG_ERR_TIMEOUT', 'MSG_ERR_UNREACHABLE', 'MSG_ERR_OVERLOADED', 'MSG_ERR_REMOTE', 'MSG_ERR_CLOSED', 'MSG_ERR_BAD_MESSAGE',
]);
const WRITE_TYPES: ReadonlySet<string> = new Set<WriteType>(['SIMPLE', 'BATCH', 'UNLOGGED_BATCH', 'COUNTER', 'BATCH_LOG', 'CAS', 'VIEW', 'CDC']);

/** Encodes an error thrown by a verb handler. Anything not a CqlError/MessagingError is a ServerError. */
export function encodeFailure(error: unknown): Buffer {
  let body: Record<string, unknown>;
  if (error instanceof CqlError) {
    const details = error.details.kind === 'unprepared' ? { kind: 'unprepared', id: error.details.id.toString('hex') } : error.details;
    body = { source: 'cql', code: error.code, message: error.message.slice(0, FAILURE_MESSAGE_LENGTH_MAX), details };
  } else if (error instanceof MessagingError) {
    body = { source: 'messaging', code: error.code, message: error.message.slice(0, FAILURE_MESSAGE_LENGTH_MAX) };
  } else {
    const message = error instanceof Error ? error.message : String(error);
    body = { source: 'cql', code: ErrorCode.ServerError, message: message.slice(0, FAILURE_MESSAGE_LENGTH_MAX), details: { kind: 'none' } };
  }
  return Buffer.from(JSON.stringify(body), 'utf8');
}

function bad(why: string): MessagingError {
  return new MessagingError('MSG_ERR_BAD_MESSAGE', `malformed Failure payload: ${why}`);
}

const isInt = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= 0x7fff_ffff;
const isConsistency = (x: unknown): boolean => isInt(x) && isConsistencyLevel(x);
const isWriteType = (x: unknown): x is WriteType => typeof x === 'string' && WRITE_TYPES.has(x);
const isStringArray = (x: unknown): x is string[] => Array.isArray(x) && x.every((s) => typeof s === 'string');

function decodeDetails(x: unknown): CqlErrorDetails {
  if (typeof x !== 'object' || x === null) throw bad('details is not an object');
  const d = x as Record<string, unknown>;
  const ok = ((): boolean => {
    switch (d['kind']) {
      case 'none': return true;
      case 'unavailable': return isConsistency(d['consistency']) && isInt(d['required']) && isInt(d['alive']);
      case 'write_timeout': return isConsistency(d['consistency']) && isInt(d['received']) && isInt(d['blockFor']) && isWriteType(d['writeType']);
      case 'read_timeout':
        return isConsistency(d['consistency']) && isInt(d['received']) && isInt(d['blockFor']) && typeof d['dataPresent'] === 'boolean';
      case 'read_failure':
        return isConsistency(d['consistency']) && isInt(d['received']) && isInt(d['blockFor']) && isInt(d['failures'])
          && typeof d['dataPresent'] === 'boolean';
      case 'write_failure':
        return isConsistency(d['consistency']) && isInt(d['received']) && isInt(d['blockFor']) && isInt(d['failures']) && isWriteType(d['writeType']);
      case 'function_failure':
        return typeof d['keyspace'] === 'string' && typeof d['functionName'] === 'string' && isStringArray(d['argumentTypes']);
      case 'already_exists': return typeof d['keyspace'] === 'string' && typeof d['table'] === 'string';
      case 'unprepared': return typeof d['id'] === 'string' && /^(?:[0-9a-f]{2})*$/.test(d['id']);
      default: return false;
    }
  })();
  if (!ok) throw bad(`bad details of kind ${JSON.stringify(d['kind'])}`);
  if (d['kind'] === 'unprepared') return { kind: 'unprepared', id: Buffer.from(d['id'] as string, 'hex') };
  return d as unknown as CqlErrorDetails;
}

/** The error a Failure payload describes, ready to be thrown by the requester. */
export function decodeFailure(payload: Buffer): CqlError | MessagingError {
  let body: unknown;
  try {
    body = JSON.parse(payload.toString('utf8'));
  } catch {
    throw bad('not JSON');
  }
  if (typeof body !== 'object' || body === null) throw bad('not an object');
  const b = body as Record<string, unknown>;
  const message = b['message'];
  if (typeof message !== 'string') throw bad('message is not a string');
  if (b['source'] === 'cql') {
    const code = b['code'];
    if (typeof code !== 'number' || !ERROR_CODES.has(code)) throw bad(`unknown CQL error code ${JSON.stringify(code)}`);
    return new CqlError(code as ErrorCodeValue, message, decodeDetails(b['details']));
  }
  if (b['source'] === 'messaging') {
    const code = b['code'];
    if (typeof code !== 'string' || !MESSAGING_CODES.has(code)) throw bad(`unknown messaging error code ${JSON.stringify(code)}`);
    return new MessagingError(code as MessagingError['code'], message);
  }
  throw bad(`unknown source ${JSON.stringify(b['source'])}`);
}
