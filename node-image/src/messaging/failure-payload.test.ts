import { describe, expect, it } from 'vitest';
import { ConsistencyLevel, CqlError, ErrorCode, unprepared } from '../lib/index.ts';
import { decodeFailure, encodeFailure } from './failure-payload.ts';
import { MessagingError } from './messaging-service.ts';

describe('Failure payloads', () => {
  it('carry a CqlError with its code and fields', () => {
    const error = new CqlError(ErrorCode.WriteTimeout, 'Operation timed out - received only 1 responses.', {
      kind: 'write_timeout', consistency: ConsistencyLevel.QUORUM, received: 1, blockFor: 2, writeType: 'SIMPLE',
    });
    const decoded = decodeFailure(encodeFailure(error));
    expect(decoded).toBeInstanceOf(CqlError);
    expect((decoded as CqlError).code).toBe(ErrorCode.WriteTimeout);
    expect(decoded.message).toBe(error.message);
    expect((decoded as CqlError).details).toEqual(error.details);
    const u = decodeFailure(encodeFailure(unprepared(Buffer.from('abcd', 'hex')))) as CqlError;
    expect(u.details).toEqual({ kind: 'unprepared', id: Buffer.from('abcd', 'hex') });
  });

  it('carry a MessagingError code; anything else becomes a ServerError', () => {
    const m = decodeFailure(encodeFailure(new MessagingError('MSG_ERR_OVERLOADED', 'busy')));
    expect(m).toBeInstanceOf(MessagingError);
    expect((m as MessagingError).code).toBe('MSG_ERR_OVERLOADED');
    const s = decodeFailure(encodeFailure(new TypeError('oops'))) as CqlError;
    expect(s.code).toBe(ErrorCode.ServerError);
    expect(s.message).toBe('oops');
  });

  it('reject malformed payloads with MSG_ERR_BAD_MESSAGE', () => {
    for (const text of ['nope', '[]', '{"source":"cql","code":12345,"message":"x","details":{"kind":"none"}}',
      '{"source":"cql","code":4096,"message":"x","details":{"kind":"unavailable","consistency":99,"required":1,"alive":0}}',
      '{"source":"messaging","code":"MSG_ERR_NOPE","message":"x"}', '{"source":"other","message":"x"}']) {
      expect(() => decodeFailure(Buffer.from(text))).toThrow(MessagingError);
    }
  });
});
