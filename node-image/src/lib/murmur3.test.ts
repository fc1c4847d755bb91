import { describe, expect, it } from 'vitest';
import { murmur3Token, TOKEN_MAX, TOKEN_MIN } from './murmur3.ts';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('murmur3Token (Cassandra Murmur3Partitioner)', () => {
  const vectors: Array<[string, Buffer, string]> = [
    ['"123"', Buffer.from('123'), '-7468325962851647638'],
    ['00ff10fa99 x10', hex('00ff10fa99'.repeat(10)), '5837342703291459765'],
    ['fe x8', hex('fe'.repeat(8)), '-8927430733708461935'],
    ['10 x8', hex('10'.repeat(8)), '1446172840243228796'],
    ['"9223372036854775807"', Buffer.from('9223372036854775807'), '7162290910810015547'],
    ['0102..10', hex('0102030405060708090a0b0c0d0e0f10'), '-5563837382979743776'],
    ['00 x16', hex('00'.repeat(16)), '5457549051747178710'],
    ['ff x16', hex('ff'.repeat(16)), '-2824192546314762522'],
    ['fe x17', hex('fe'.repeat(17)), '-1672437813826982685'],
    ['fefefefe', hex('fefefefe'), '4566408979886474012'],
    ['int 0', hex('00000000'), '-3485513579396041028'],
    ['00017f7f', hex('00017f7f'), '6573459401642635627'],
    ['00ffffff', hex('00ffffff'), '123573637386978882'],
    ['ff010203', hex('ff010203'), '-2839127690952877842'],
    ['e2e7', hex('e2e7'), '-8582699461035929883'],
    ['e2e7e2e7e2e701', hex('e2e7e2e7e2e701'), '2222373981930033306'],
    ['int 1', hex('00000001'), '-4069959284402364209'],
    ['int 2', hex('00000002'), '-3248873570005575792'],
    ['int -1', hex('ffffffff'), '7297452126230313552'],
    ['int 128', hex('00000080'), '-9081975895656599623'],
    ['composite (10, "20")', hex('0004 0000000a 00 0002 3230 00'), '-9026262514124674157'],
    ['composite (1, "2")', hex('0004 00000001 00 0001 32 00'), '4093852821103061060'],
    ['composite ("key1", 1)', hex('0004 6b657931 00 0004 00000001 00'), '5686899211583822669'],
  ];
  for (const [name, key, token] of vectors) {
    it(`hashes ${name}`, () => {
      expect(murmur3Token(key).toString()).toBe(token);
    });
  }
  it('maps the empty key to the minimum token', () => {
    expect(murmur3Token(Buffer.alloc(0))).toBe(TOKEN_MIN);
  });
  it('never returns the minimum token for a non-empty key', () => {
    for (let i = 0; i < 2000; i++) {
      const t = murmur3Token(Buffer.from(`k${i}`));
      expect(t > TOKEN_MIN && t <= TOKEN_MAX).toBe(true);
    }
  });
});
