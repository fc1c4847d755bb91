import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../lib/index.ts';
import { BodyReader } from './body-reader.ts';
import { lz4Compressor, snappyCompressor } from './compression.ts';
import { SUPPORTED_OPTIONS_BODY, checkStartupOptions, parsePlainSaslToken, unsupportedVersionFrame } from './handshake.ts';

describe('handshake', () => {
  it('SUPPORTED lists CQL version, compressions and v4 only', () => {
    const reader = new BodyReader().reset(SUPPORTED_OPTIONS_BODY);
    const count = reader.readShort();
    const map: Record<string, string[]> = {};
    for (let i = 0; i < count; i++) map[reader.readString()] = reader.readStringList();
    expect(map).toEqual({ CQL_VERSION: ['3.4.5'], COMPRESSION: ['lz4', 'snappy'], PROTOCOL_VERSIONS: ['4/v4'] });
  });

  it('STARTUP needs CQL_VERSION 3.x.y and a known compression', () => {
    expect(checkStartupOptions(new Map([['CQL_VERSION', '3.0.0'], ['DRIVER_NAME', 'x']]))).toEqual({ compressor: null });
    expect(checkStartupOptions(new Map([['CQL_VERSION', '3.4.5'], ['COMPRESSION', 'lz4']])).compressor).toBe(lz4Compressor);
    expect(checkStartupOptions(new Map([['CQL_VERSION', '3.4.5'], ['COMPRESSION', 'snappy']])).compressor).toBe(snappyCompressor);
    for (const options of [[], [['CQL_VERSION', '4.0.0']], [['CQL_VERSION', 'x']], [['CQL_VERSION', '3.0.0'], ['COMPRESSION', 'zstd']]]) {
      expect(() => checkStartupOptions(new Map(options as Array<[string, string]>)))
        .toThrow(expect.objectContaining({ code: ErrorCode.ProtocolError }));
    }
  });

  it('refuses other versions in their expected framing', () => {
    const v5 = unsupportedVersionFrame(5, 3);
    expect(v5.subarray(0, 5).toString('hex')).toBe('8400000300');
    const body = new BodyReader().reset(v5.subarray(9));
    expect(body.readInt()).toBe(0x000a);
    expect(body.readString()).toBe('Invalid or unsupported protocol version (5); supported versions are (4/v4)');
    expect(unsupportedVersionFrame(0x42, 0).subarray(9).toString()).toContain('(66)');
    const v2 = unsupportedVersionFrame(2, -1);
    expect(v2.subarray(0, 4).toString('hex')).toBe('8200ff00');
    expect(v2.readInt32BE(4)).toBe(v2.length - 8);
    expect(v2.readInt32BE(8)).toBe(0x000a);
  });

  it('parses SASL PLAIN tokens', () => {
    expect(parsePlainSaslToken(Buffer.from('\0cassandra\0secret'))).toEqual({ username: 'cassandra', password: 'secret' });
    expect(parsePlainSaslToken(Buffer.from('authz\0bob\0pw'))).toEqual({ username: 'bob', password: 'pw' });
    for (const bad of [null, Buffer.from('nonul'), Buffer.from('\0user\0'), Buffer.from('\0\0pw')]) {
      expect(() => parsePlainSaslToken(bad)).toThrow(expect.objectContaining({ code: ErrorCode.BadCredentials }));
    }
  });
});
