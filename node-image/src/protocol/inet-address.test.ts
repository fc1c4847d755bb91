import { describe, expect, it } from 'vitest';
import { parseIpAddress } from './inet-address.ts';

describe('parseIpAddress', () => {
  it('parses IPv4', () => {
    expect(parseIpAddress('127.0.0.1')!.toString('hex')).toBe('7f000001');
    expect(parseIpAddress('255.255.255.255')!.toString('hex')).toBe('ffffffff');
    for (const bad of ['256.0.0.1', '1.2.3', '1.2.3.4.5', 'a.b.c.d', '', '1..2.3']) expect(parseIpAddress(bad)).toBeNull();
  });

  it('parses IPv6 with compression, embedded IPv4 and zones', () => {
    expect(parseIpAddress('::1')!.toString('hex')).toBe('00000000000000000000000000000001');
    expect(parseIpAddress('::')!.toString('hex')).toBe('0'.repeat(32));
    expect(parseIpAddress('fe80::1%eth0')!.toString('hex')).toBe('fe800000000000000000000000000001');
    expect(parseIpAddress('2001:db8:0:0:1:0:0:1')!.toString('hex')).toBe('20010db8000000000001000000000001');
    expect(parseIpAddress('::ffff:10.0.0.1')!.toString('hex')).toBe('00000000000000000000ffff0a000001');
    for (const bad of ['1::2::3', ':::', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', 'g::1', '1:2:3:4:5:6:7::8:9']) {
      expect(parseIpAddress(bad)).toBeNull();
    }
  });
});
