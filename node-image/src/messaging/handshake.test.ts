import { describe, expect, it } from 'vitest';
import { HandshakeReader, encodeHandshake, helloMessage } from './handshake.ts';

describe('handshake', () => {
  it('round-trips every kind, byte by byte, and returns the bytes that follow', () => {
    const messages = [
      helloMessage('127.0.0.1:7000', 'Test Cluster é'),
      { kind: 'accept', version: 1, address: '[::1]:7000' } as const,
      { kind: 'refuse', version: 1, reason: 'cluster name mismatch' } as const,
    ];
    for (const m of messages) {
      const bytes = Buffer.concat([encodeHandshake(m), Buffer.from([9, 9])]);
      const reader = new HandshakeReader();
      let result = null;
      for (let i = 0; i < bytes.length && result === null; i++) result = reader.push(bytes.subarray(i, i + 1));
      expect(result!.message).toEqual(m);
      // The last byte pushed completed the message; the trailing bytes come in later pushes.
      expect(result!.rest.length).toBe(0);
      const whole = new HandshakeReader().push(bytes)!;
      expect(whole.message).toEqual(m);
      expect([...whole.rest]).toEqual([9, 9]);
    }
  });

  it('refuses a connection that does not speak the protocol', () => {
    expect(() => new HandshakeReader().push(Buffer.from([0x04, 0, 0, 0, 1]))).toThrow(/wrong magic/);
    const bytes = encodeHandshake(helloMessage('127.0.0.1:7000', 'x'));
    bytes[bytes.length - 1] ^= 0xff;
    expect(() => new HandshakeReader().push(bytes)).toThrow(/checksum/);
  });
});
