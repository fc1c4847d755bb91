import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatInet, parseInet, parseIpAddress } from './inet.ts';

describe('parseIpAddress (protocol EVENT addresses)', () => {
  it('parses IPv4', () => {
    expect(parseIpAddress('127.0.0.1')!.toString('hex')).toBe('7f000001');
    expect(parseIpAddress('255.255.255.255')!.toString('hex')).toBe('ffffffff');
    for (const bad of ['256.0.0.1', '1.2.3', '1.2.3.4.5', 'a.b.c.d', '', '1..2.3']) expect(parseIpAddress(bad)).toBeUndefined();
  });

  it('parses IPv6 with compression, embedded IPv4 and zones', () => {
    expect(parseIpAddress('::1')!.toString('hex')).toBe('00000000000000000000000000000001');
    expect(parseIpAddress('::')!.toString('hex')).toBe('0'.repeat(32));
    expect(parseIpAddress('fe80::1%eth0')!.toString('hex')).toBe('fe800000000000000000000000000001');
    expect(parseIpAddress('2001:db8:0:0:1:0:0:1')!.toString('hex')).toBe('20010db8000000000001000000000001');
    expect(parseIpAddress('::ffff:10.0.0.1')!.toString('hex')).toBe('00000000000000000000ffff0a000001');
    for (const bad of ['1::2::3', ':::', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', 'g::1', '1:2:3:4:5:6:7::8:9']) {
      expect(parseIpAddress(bad)).toBeUndefined();
    }
  });

  it('reads back what formatInet prints, byte for byte', () => {
    const address = fc.oneof(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.uint8Array({ minLength: 16, maxLength: 16 }));
    fc.assert(fc.property(address, (bytes) => {
      const b = Buffer.from(bytes);
      expect(parseIpAddress(formatInet(b))).toEqual(b);
    }));
  });

  it('agrees with parseInet except that parseInet maps IPv4-mapped addresses to 4 bytes and refuses zones', () => {
    fc.assert(fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), (text) => {
      const raw = parseIpAddress(text)!;
      const value = parseInet(text)!;
      expect(raw).toBeDefined();
      if (raw.length === 16 && raw.subarray(0, 12).equals(Buffer.from('00000000000000000000ffff', 'hex'))) expect(value).toEqual(raw.subarray(12));
      else expect(value).toEqual(raw);
    }));
    expect(parseInet('fe80::1%eth0')).toBeUndefined();
  });
});
