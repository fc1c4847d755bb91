import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeAnswerAddresses, decodeQuery, DnsFormatError, DnsType, encodeAnswer, encodeQuery, Rcode, dnsUdpMaxBytes } from './dns-message.ts';

describe('dns-message', () => {
  it('round-trips a query and answers with A records', () => {
    const q = decodeQuery(encodeQuery({ id: 0x1234, name: 'Echo-0.Echo.ns.svc.cluster.local', qtype: DnsType.A }));
    expect(q).toMatchObject({ id: 0x1234, name: 'echo-0.echo.ns.svc.cluster.local', qtype: DnsType.A, qclass: 1, recursionDesired: true });
    const a = decodeAnswerAddresses(encodeAnswer({ query: q, rcode: Rcode.NOERROR, addresses: ['127.0.10.1', '127.0.10.2'], ttlSeconds: 5 }));
    expect(a).toEqual({ id: 0x1234, rcode: 0, truncated: false, addresses: ['127.0.10.1', '127.0.10.2'] });
  });

  it('reads a known query from dig (with an EDNS OPT record)', () => {
    // dig +noedns-less query for "a.b" type A, id 0xabcd, RD, AD, with OPT (udp 1232).
    const hex = 'abcd0120000100000000000101610162000001000100002904d0000000000000';
    const q = decodeQuery(Buffer.from(hex, 'hex'));
    expect(q.name).toBe('a.b');
    expect(q.questionBytes.length).toBe(9);
  });

  it('sets NXDOMAIN and truncates oversized answers', () => {
    const q = decodeQuery(encodeQuery({ id: 7, name: 'x.svc.cluster.local', qtype: DnsType.A }));
    expect(decodeAnswerAddresses(encodeAnswer({ query: q, rcode: Rcode.NXDOMAIN, addresses: [], ttlSeconds: 5 })).rcode).toBe(Rcode.NXDOMAIN);
    const many = Array.from({ length: 100 }, (_, i) => `127.0.${10 + (i >> 8)}.${i & 255}`);
    const buf = encodeAnswer({ query: q, rcode: 0, addresses: many, ttlSeconds: 5 });
    expect(buf.length).toBeLessThanOrEqual(dnsUdpMaxBytes);
    const a = decodeAnswerAddresses(buf);
    expect(a.truncated).toBe(true);
    expect(a.addresses.length).toBeGreaterThan(20);
  });

  it('rejects malformed input with DnsFormatError only', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        try {
          decodeQuery(Buffer.from(bytes));
        } catch (err) {
          expect(err).toBeInstanceOf(DnsFormatError);
        }
      }),
    );
    const loop = Buffer.from('000100000001000000000000c00c00010001', 'hex');
    expect(() => decodeQuery(loop)).toThrow(DnsFormatError);
  });
});
