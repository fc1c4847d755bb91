import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { murmur3Token } from '../lib/index.ts';
import { codecFor } from './codecs/type-codec.ts';
import { nativeType } from './cql-type.ts';
import { keyToString, serializePartitionKey, splitPartitionKey } from './partition-key.ts';

const int = (v: number): Buffer => codecFor(nativeType('int')).serialize(v);
const text = (v: string): Buffer => codecFor(nativeType('text')).serialize(v);

describe('partition keys', () => {
  it('a single-column key is the value bytes', () => {
    const bytes = int(1);
    expect(serializePartitionKey([bytes])).toBe(bytes);
    expect(splitPartitionKey(bytes, 1)).toEqual([bytes]);
  });

  it('composite keys use [u16 length][bytes][0x00] per component (Cassandra test vectors)', () => {
    const key = serializePartitionKey([int(10), text('20')]);
    expect(key.toString('hex')).toBe('00040000000a0000023230' + '00');
    expect(murmur3Token(key)).toBe(-9026262514124674157n);
    expect(murmur3Token(serializePartitionKey([int(1), text('2')]))).toBe(4093852821103061060n);
    expect(murmur3Token(int(1))).toBe(-4069959284402364209n);
  });

  it('split inverts serialize', () => {
    fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)), { minLength: 2, maxLength: 5 }), (parts) => {
      expect(splitPartitionKey(serializePartitionKey(parts), parts.length)).toEqual(parts);
    }));
  });

  it('refuses components longer than 65535 bytes', () => {
    expect(() => serializePartitionKey([Buffer.alloc(65536)])).toThrow('Key length of 65536 is longer than maximum of 65535');
    expect(() => serializePartitionKey([int(1), Buffer.alloc(70000)])).toThrow('Key length of 70000 is longer than maximum of 65535');
  });

  it('asserts on malformed composite keys', () => {
    expect(() => splitPartitionKey(Buffer.from('0004000000', 'hex'), 2)).toThrow(/too short/);
    expect(() => splitPartitionKey(Buffer.from('00010001', 'hex'), 2)).toThrow();
  });

  it('keyToString shows components as cqlsh does, hex when undecodable', () => {
    const types = [nativeType('int'), nativeType('text')];
    expect(keyToString(serializePartitionKey([int(10), text('a:b')]), types)).toBe('10:a\\:b');
    expect(keyToString(int(5), [nativeType('int')])).toBe('5');
    expect(keyToString(Buffer.from('ff', 'hex'), types)).toBe('0xff');
  });
});
