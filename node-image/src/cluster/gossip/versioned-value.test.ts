import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClusterError } from '../errors.ts';
import { hostId } from '../endpoint.ts';
import { MAX_TOKEN, MIN_TOKEN, token } from '../token-range.ts';
import { APPLICATION_STATES, applicationStateOfOrdinal, applicationStateOrdinal } from './application-state.ts';
import {
  decodeTokens, encodeTokens, javaDoubleString, parseStatus, statusBootReplace, statusBootstrapping, statusExpireTimeMs,
  statusHibernate, statusLeaving, statusLeft, statusMoving, statusName, statusNormal, statusRemoved, statusRemoving,
  statusShutdown,
} from './versioned-value.ts';

const id = hostId('6f1d3a2c-8b4e-4c1a-9d2f-0123456789ab');

describe('application state ordinals (on the wire: order matters)', () => {
  it('match Cassandra', () => {
    expect(applicationStateOrdinal('STATUS')).toBe(0);
    expect(applicationStateOrdinal('HOST_ID')).toBe(12);
    expect(applicationStateOrdinal('TOKENS')).toBe(13);
    expect(applicationStateOrdinal('STATUS_WITH_PORT')).toBe(17);
    expect(applicationStateOrdinal('INDEX_STATUS')).toBe(20);
    expect(applicationStateOrdinal('X10')).toBe(30);
    expect(APPLICATION_STATES).toHaveLength(31);
    expect(applicationStateOfOrdinal(31)).toBeUndefined();
  });
});

describe('STATUS values', () => {
  const tokens = [token(-42), token(7)];
  it('build with only the first token, and parse back', () => {
    expect(statusBootstrapping(tokens)).toBe('BOOT,-42');
    expect(statusNormal(tokens)).toBe('NORMAL,-42');
    expect(statusLeaving(tokens)).toBe('LEAVING,-42');
    expect(statusLeft(tokens, 1_700_259_200_000)).toBe('LEFT,-42,1700259200000');
    expect(statusMoving(token(9))).toBe('MOVING,9');
    expect(statusRemoving(id)).toBe(`removing,${id}`);
    expect(statusRemoved(id, 5)).toBe(`removed,${id},5`);
    expect(statusHibernate()).toBe('hibernate,true');
    expect(statusShutdown()).toBe('shutdown,true');
    expect(statusBootReplace('10.0.0.9:7000')).toBe('BOOT_REPLACE,10.0.0.9:7000');
    expect(parseStatus('NORMAL,-42')).toEqual({ kind: 'NORMAL', token: -42n });
    expect(parseStatus('LEFT,-42,1700259200000')).toEqual({ kind: 'LEFT', token: -42n, expireAtMs: 1_700_259_200_000 });
    expect(parseStatus(`removed,${id},5`)).toEqual({ kind: 'removed', hostId: id, expireAtMs: 5 });
    expect(parseStatus('BOOT_REPLACE,10.0.0.9:7000')).toEqual({ kind: 'BOOT_REPLACE', replacedAddress: '10.0.0.9:7000' });
    expect(parseStatus('shutdown,true')).toEqual({ kind: 'shutdown' });
    expect(statusExpireTimeMs('LEFT,1,99')).toBe(99);
    expect(statusExpireTimeMs('NORMAL,1')).toBeNull();
    expect(statusName('LEAVING,5')).toBe('LEAVING');
  });
  it('reports malformed values as unknown', () => {
    for (const v of ['', 'NORMAL', 'NORMAL,x', 'NORMAL,99999999999999999999', 'LEFT,1', 'removing,nope', 'WHAT,1']) {
      expect(parseStatus(v).kind).toBe('unknown');
    }
  });
});

describe('TOKENS (TokenSerializer bytes as ISO-8859-1)', () => {
  it('encodes [int32 8][int64 big-endian]... [int32 0]', () => {
    const s = encodeTokens([token(1), MIN_TOKEN]);
    const bytes = [...s].map((c) => c.charCodeAt(0));
    expect(bytes).toEqual([0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 8, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });
  it('round-trips any token list', () => {
    fc.assert(fc.property(fc.array(fc.bigInt(MIN_TOKEN, MAX_TOKEN), { maxLength: 300 }), (values) => {
      const tokens = values.map(token);
      expect(decodeTokens(encodeTokens(tokens))).toEqual(tokens);
    }));
  });
  it('rejects malformed values', () => {
    for (const v of ['', '\u0000\u0000\u0000\u0004abcd\u0000\u0000\u0000\u0000', '\u0000\u0000\u0000\u0008abc', encodeTokens([token(1)]) + 'x', '\u0100']) {
      expect(() => decodeTokens(v)).toThrow(ClusterError);
    }
  });
});

describe('LOAD as Java Double.toString', () => {
  it('formats like Java', () => {
    expect(javaDoubleString(12345)).toBe('12345.0');
    expect(javaDoubleString(0)).toBe('0.0');
    expect(javaDoubleString(1.5)).toBe('1.5');
    expect(javaDoubleString(1.2345e10)).toBe('1.2345E10');
    expect(javaDoubleString(1e7)).toBe('1.0E7');
  });
});
