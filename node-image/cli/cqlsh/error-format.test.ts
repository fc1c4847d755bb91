// Error lines as Apache cqlsh prints them through the Python driver's exception classes.
import cassandra from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import { formatConnectionError, formatServerError, formatStatementError } from './error-format.ts';

function responseError(code: number, message: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new cassandra.errors.ResponseError(code, message), extra);
}

describe('formatServerError', () => {
  it('prints InvalidRequest with the server summary', () => {
    expect(formatStatementError(responseError(0x2200, "Keyspace 'nope' does not exist")))
      .toBe('InvalidRequest: Error from server: code=2200 [Invalid query] message="Keyspace \'nope\' does not exist"');
  });

  it('prints SyntaxException, ConfigurationException and ServerError with the raw message', () => {
    expect(formatServerError({ code: 0x2000, message: "line 1:0 no viable alternative at input 'SELEC' ([SELEC]...)" }))
      .toBe("SyntaxException: line 1:0 no viable alternative at input 'SELEC' ([SELEC]...)");
    expect(formatServerError({ code: 0x2300, message: 'bad option' })).toBe('ConfigurationException: bad option');
    expect(formatServerError({ code: 0x0000, message: 'boom' })).toBe('ServerError: boom');
    expect(formatServerError({ code: 0x1001, message: 'too many requests' })).toBe('OverloadedErrorMessage: too many requests');
  });

  it('prints Unauthorized and FunctionFailure with the summary', () => {
    expect(formatServerError({ code: 0x2100, message: 'no SELECT permission' }))
      .toBe('Unauthorized: Error from server: code=2100 [Unauthorized] message="no SELECT permission"');
    expect(formatServerError({ code: 0x1400, message: 'failed' }))
      .toBe('FunctionFailure: Error from server: code=1400 [User Defined Function failure] message="failed"');
  });

  it('prints AlreadyExists for keyspaces and tables', () => {
    expect(formatServerError({ code: 0x2400, message: 'x', keyspace: 'ks' })).toBe("AlreadyExists: Keyspace 'ks' already exists");
    expect(formatServerError({ code: 0x2400, message: 'x', keyspace: 'ks', table: 't' })).toBe("AlreadyExists: Table 'ks.t' already exists");
  });

  it('prints availability and timeout errors with their info dict', () => {
    expect(formatServerError({ code: 0x1000, message: 'driver text', consistencies: 4, required: 2, alive: 1 }))
      .toBe('Unavailable: Error from server: code=1000 [Unavailable exception] message="Cannot achieve consistency level QUORUM"'
        + " info={'consistency': 'QUORUM', 'required_replicas': 2, 'alive_replicas': 1}");
    expect(formatServerError({ code: 0x1200, message: 'x', consistencies: 1, received: 0, blockFor: 1 }))
      .toBe('ReadTimeout: Error from server: code=1200 [Coordinator node timed out waiting for replica nodes\' responses]'
        + ' message="Operation timed out - received only 0 responses."'
        + " info={'consistency': 'ONE', 'required_responses': 1, 'received_responses': 0}");
    expect(formatServerError({ code: 0x1100, message: 'x', consistencies: 6, received: 1, blockFor: 2, writeType: 'SIMPLE' }))
      .toBe('WriteTimeout: Error from server: code=1100 [Coordinator node timed out waiting for replica nodes\' responses]'
        + ' message="Operation timed out - received only 1 responses."'
        + " info={'consistency': 'LOCAL_QUORUM', 'required_responses': 2, 'received_responses': 1, 'write_type': 'SIMPLE'}");
  });
});

describe('client-side errors', () => {
  it('prints driver errors by name', () => {
    expect(formatStatementError(new cassandra.errors.OperationTimedOutError('timed out', '127.0.0.1:9042'))).toMatch(/^OperationTimedOut: /);
    expect(formatStatementError('weird')).toBe('weird');
  });

  it('prints connection failures as cqlsh does', () => {
    const error = new cassandra.errors.NoHostAvailableError({ '127.0.0.1:9042': new Error('connect ECONNREFUSED 127.0.0.1:9042') });
    expect(formatConnectionError(error))
      .toBe("Connection error: ('Unable to connect to any servers', {'127.0.0.1:9042': 'connect ECONNREFUSED 127.0.0.1:9042'})");
    expect(formatConnectionError(new Error('nope'))).toBe('Connection error: nope');
  });
});
