import { describe, expect, it } from 'vitest';
import { ConsistencyLevel, CqlError, ErrorCode, alreadyExists, unprepared } from '../lib/index.ts';
import { BodyReader } from './body-reader.ts';
import { encodeErrorFrame } from './error-encoder.ts';

function body(error: unknown): { reader: BodyReader; code: number; message: string } {
  const { frame } = encodeErrorFrame(error);
  const reader = new BodyReader().reset(frame.subarray(9));
  const code = reader.readInt();
  const message = reader.readString();
  return { reader, code, message };
}

describe('error encoder', () => {
  it('encodes codes without extras as code + message', () => {
    const { reader, code, message } = body(new CqlError(ErrorCode.SyntaxError, "line 1:0 no viable alternative at input 'x'"));
    expect(code).toBe(0x2000);
    expect(message).toBe("line 1:0 no viable alternative at input 'x'");
    expect(reader.remaining).toBe(0);
  });

  it('Unavailable: <cl><required><alive>', () => {
    const { reader, code } = body(new CqlError(ErrorCode.Unavailable, 'Cannot achieve consistency level QUORUM',
      { kind: 'unavailable', consistency: ConsistencyLevel.QUORUM, required: 2, alive: 1 }));
    expect(code).toBe(0x1000);
    expect([reader.readShort(), reader.readInt(), reader.readInt(), reader.remaining]).toEqual([4, 2, 1, 0]);
  });

  it('Write_timeout: <cl><received><blockfor><writeType string>', () => {
    const { reader, code } = body(new CqlError(ErrorCode.WriteTimeout, 'timeout',
      { kind: 'write_timeout', consistency: ConsistencyLevel.LOCAL_QUORUM, received: 1, blockFor: 2, writeType: 'BATCH_LOG' }));
    expect(code).toBe(0x1100);
    expect([reader.readShort(), reader.readInt(), reader.readInt(), reader.readString(), reader.remaining]).toEqual([6, 1, 2, 'BATCH_LOG', 0]);
  });

  it('Read_timeout: <cl><received><blockfor><data_present byte>', () => {
    const { reader } = body(new CqlError(ErrorCode.ReadTimeout, 'timeout',
      { kind: 'read_timeout', consistency: ConsistencyLevel.ONE, received: 0, blockFor: 1, dataPresent: true }));
    expect([reader.readShort(), reader.readInt(), reader.readInt(), reader.readByte(), reader.remaining]).toEqual([1, 0, 1, 1, 0]);
  });

  it('Read_failure and Write_failure (v4: numfailures)', () => {
    const read = body(new CqlError(ErrorCode.ReadFailure, 'f',
      { kind: 'read_failure', consistency: ConsistencyLevel.ALL, received: 1, blockFor: 3, failures: 2, dataPresent: false })).reader;
    expect([read.readShort(), read.readInt(), read.readInt(), read.readInt(), read.readByte(), read.remaining]).toEqual([5, 1, 3, 2, 0, 0]);
    const write = body(new CqlError(ErrorCode.WriteFailure, 'f',
      { kind: 'write_failure', consistency: ConsistencyLevel.TWO, received: 1, blockFor: 2, failures: 1, writeType: 'SIMPLE' })).reader;
    expect([write.readShort(), write.readInt(), write.readInt(), write.readInt(), write.readString(), write.remaining])
      .toEqual([2, 1, 2, 1, 'SIMPLE', 0]);
  });

  it('Function_failure, Already_exists, Unprepared', () => {
    const fn = body(new CqlError(ErrorCode.FunctionFailure, 'f',
      { kind: 'function_failure', keyspace: 'ks', functionName: 'fn', argumentTypes: ['int', 'text'] })).reader;
    expect([fn.readString(), fn.readString(), fn.readStringList(), fn.remaining]).toEqual(['ks', 'fn', ['int', 'text'], 0]);
    const exists = body(alreadyExists('ks', '', 'Keyspace ks already exists'));
    expect(exists.code).toBe(0x2400);
    expect([exists.reader.readString(), exists.reader.readString(), exists.reader.remaining]).toEqual(['ks', '', 0]);
    const id = Buffer.from('cafe', 'hex');
    const prep = body(unprepared(id));
    expect(prep.code).toBe(0x2500);
    expect(prep.reader.readShortBytes()).toEqual(id);
  });

  it('sends mismatched details, v5-only codes and plain exceptions as Server error', () => {
    expect(body(new CqlError(ErrorCode.Unavailable, 'no details')).code).toBe(0);
    expect(body(new CqlError(ErrorCode.CasWriteUnknown, 'cas')).code).toBe(0);
    const plain = body(new TypeError('x is undefined'));
    expect(plain.code).toBe(0);
    expect(plain.message).toBe('TypeError: x is undefined');
    expect(body('a string').message).toBe('a string');
  });

  it('truncates huge messages instead of failing', () => {
    const { message } = body(new CqlError(ErrorCode.Invalid, 'x'.repeat(100_000)));
    expect(message.length).toBe(65535);
  });
});
