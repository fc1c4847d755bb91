import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FLAG_EXPECTS_RESPONSE, FRAME_CRC_OFFSET, FRAME_HEADER_BYTES, FrameDecoder, encodeFrame } from './frame-codec.ts';
import type { FrameSink } from './frame-codec.ts';
import { MessagingError } from './messaging-service.ts';
import { Verb } from './verbs.ts';
import type { VerbValue } from './verbs.ts';

interface Decoded {
  id: number;
  verb: VerbValue;
  flags: number;
  payload: string;
}

function collector(): FrameSink & { frames: Decoded[] } {
  const frames: Decoded[] = [];
  return { frames, onFrame: (id, verb, flags, payload) => frames.push({ id, verb, flags, payload: payload.toString('hex') }) };
}

const VERBS = Object.values(Verb);
const frameArb = fc.record({
  id: fc.integer({ min: 0, max: 0xffff_ffff }),
  verb: fc.constantFrom(...VERBS),
  flags: fc.constantFrom(0, FLAG_EXPECTS_RESPONSE),
  payload: fc.uint8Array({ maxLength: 300 }),
});

describe('frame codec', () => {
  it('has the documented header layout', () => {
    const frame = encodeFrame({ id: 0x01020304, verb: Verb.Mutation, flags: FLAG_EXPECTS_RESPONSE, payload: Buffer.from('abc') });
    expect(frame.length).toBe(FRAME_HEADER_BYTES + 3);
    expect(frame.readUInt32BE(0)).toBe(11 + 3);
    expect(frame.subarray(8).toString('hex')).toBe('01' + '01020304' + '0a' + '01' + Buffer.from('abc').toString('hex'));
  });

  it('decodes frames in any TCP chunking', () => {
    fc.assert(fc.property(fc.array(frameArb, { minLength: 1, maxLength: 12 }), fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 40 }), (frames, cuts) => {
      const bytes = Buffer.concat(frames.map((f) => encodeFrame(f)));
      const sink = collector();
      const decoder = new FrameDecoder({ sink, payloadBytesMax: 1024 });
      let offset = 0;
      let i = 0;
      while (offset < bytes.length) {
        const size = cuts[i++ % cuts.length]!;
        decoder.push(bytes.subarray(offset, offset + size));
        offset += size;
      }
      expect(sink.frames).toEqual(frames.map((f) => ({ id: f.id, verb: f.verb, flags: f.flags, payload: Buffer.from(f.payload).toString('hex') })));
      expect(decoder.bufferedBytes).toBe(0);
    }), { numRuns: 300 });
  });

  it('rejects any single corrupted byte of a frame (checksum, length or header check)', () => {
    fc.assert(fc.property(frameArb, fc.nat(), fc.integer({ min: 1, max: 255 }), (f, position, xor) => {
      const frame = encodeFrame(f);
      const index = position % frame.length;
      frame[index] = frame[index]! ^ xor;
      const sink = collector();
      const decoder = new FrameDecoder({ sink, payloadBytesMax: 1024 });
      let threw = false;
      try {
        decoder.push(frame);
      } catch (error) {
        expect(error).toBeInstanceOf(MessagingError);
        expect((error as MessagingError).code).toBe('MSG_ERR_BAD_MESSAGE');
        threw = true;
      }
      // A corrupted length may just leave the decoder waiting for more bytes; it never yields a frame.
      expect(sink.frames).toEqual([]);
      expect(threw || index < FRAME_CRC_OFFSET).toBe(true);
    }), { numRuns: 500 });
  });

  it('refuses oversized payloads before buffering them', () => {
    const decoder = new FrameDecoder({ sink: collector(), payloadBytesMax: 10 });
    const frame = encodeFrame({ id: 1, verb: Verb.Read, flags: 0, payload: Buffer.alloc(11) });
    expect(() => decoder.push(frame.subarray(0, 6))).toThrow(/exceeds 10/);
  });

  it('refuses unknown verbs and flags even with a valid checksum', async () => {
    const { crc32 } = await import('node:zlib');
    const frame = encodeFrame({ id: 1, verb: Verb.Read, flags: 0, payload: Buffer.alloc(2) });
    frame[13] = 99;
    frame.writeUInt32BE(crc32(frame.subarray(8)) >>> 0, 4);
    expect(() => new FrameDecoder({ sink: collector(), payloadBytesMax: 10 }).push(frame)).toThrow(/unknown verb 99/);
    frame[13] = Verb.Read;
    frame[14] = 0x80;
    frame.writeUInt32BE(crc32(frame.subarray(8)) >>> 0, 4);
    expect(() => new FrameDecoder({ sink: collector(), payloadBytesMax: 10 }).push(frame)).toThrow(/unknown flags/);
  });
});
