import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameDecoder } from './frame-decoder.ts';
import type { FrameSink } from './frame-decoder.ts';

interface Frame {
  version: number;
  flags: number;
  stream: number;
  opcode: number;
  body: Buffer;
}

function encode(frame: Frame): Buffer {
  const legacy = frame.version === 1 || frame.version === 2;
  const headerBytes = legacy ? 8 : 9;
  const out = Buffer.alloc(headerBytes + frame.body.length);
  out[0] = frame.version;
  out[1] = frame.flags;
  if (legacy) {
    out.writeInt8(frame.stream, 2);
    out[3] = frame.opcode;
    out.writeInt32BE(frame.body.length, 4);
  } else {
    out.writeInt16BE(frame.stream, 2);
    out[4] = frame.opcode;
    out.writeInt32BE(frame.body.length, 5);
  }
  frame.body.copy(out, headerBytes);
  return out;
}

class Collector implements FrameSink {
  readonly frames: Frame[] = [];
  readonly headers: Array<[number, number, number]> = [];
  onHeader(versionByte: number, stream: number, bodyLength: number): boolean {
    this.headers.push([versionByte, stream, bodyLength]);
    return true;
  }
  onFrame(version: number, flags: number, stream: number, opcode: number, body: Buffer): void {
    this.frames.push({ version, flags, stream, opcode, body: Buffer.from(body) });
  }
}

const frameArb: fc.Arbitrary<Frame> = fc.oneof(
  fc.record({
    version: fc.constantFrom(3, 4, 5, 0x41, 0x42, 0x84),
    flags: fc.integer({ min: 0, max: 255 }),
    stream: fc.integer({ min: -32768, max: 32767 }),
    opcode: fc.integer({ min: 0, max: 255 }),
    body: fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
  }),
  fc.record({
    version: fc.constantFrom(1, 2),
    flags: fc.integer({ min: 0, max: 255 }),
    stream: fc.integer({ min: -128, max: 127 }),
    opcode: fc.integer({ min: 0, max: 255 }),
    body: fc.uint8Array({ maxLength: 50 }).map((a) => Buffer.from(a)),
  }),
);

function splitAt(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let previous = 0;
  for (const point of points) {
    chunks.push(bytes.subarray(previous, point));
    previous = point;
  }
  chunks.push(bytes.subarray(previous));
  return chunks;
}

describe('FrameDecoder', () => {
  it('decodes any split (and coalescing) of a frame stream identically', () => {
    fc.assert(
      fc.property(fc.array(frameArb, { minLength: 1, maxLength: 12 }), fc.array(fc.nat(), { maxLength: 40 }), (frames, cuts) => {
        const stream = Buffer.concat(frames.map(encode));
        const decoder = new FrameDecoder();
        const sink = new Collector();
        for (const chunk of splitAt(stream, cuts)) decoder.feed(chunk, sink);
        expect(sink.frames).toEqual(frames);
        expect(decoder.isIdle).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('decodes byte-by-byte', () => {
    const frames: Frame[] = [
      { version: 4, flags: 1, stream: 7, opcode: 7, body: Buffer.from('hello') },
      { version: 4, flags: 0, stream: -1, opcode: 5, body: Buffer.alloc(0) },
      { version: 2, flags: 0, stream: -3, opcode: 1, body: Buffer.from('x') },
    ];
    const bytes = Buffer.concat(frames.map(encode));
    const decoder = new FrameDecoder();
    const sink = new Collector();
    for (let i = 0; i < bytes.length; i++) decoder.feed(bytes.subarray(i, i + 1), sink);
    expect(sink.frames).toEqual(frames);
  });

  it('hands whole frames on as views of the chunk (no copy)', () => {
    const chunk = encode({ version: 4, flags: 0, stream: 1, opcode: 7, body: Buffer.from('abc') });
    let body: Buffer | null = null;
    new FrameDecoder().feed(chunk, { onHeader: () => true, onFrame: (_v, _f, _s, _o, b) => { body = b; } });
    expect(body!.buffer).toBe(chunk.buffer);
  });

  it('stops at a refused header without buffering its body, and on negative lengths', () => {
    const big = Buffer.alloc(9);
    big[0] = 4;
    big.writeInt32BE(1 << 30, 5);
    const decoder = new FrameDecoder();
    let frames = 0;
    const sink: FrameSink = { onHeader: (_v, _s, length) => length < 1000, onFrame: () => { frames++; } };
    decoder.feed(big, sink);
    expect(decoder.isStopped).toBe(true);
    decoder.feed(encode({ version: 4, flags: 0, stream: 1, opcode: 5, body: Buffer.alloc(0) }), sink);
    expect(frames).toBe(0);

    const negative = Buffer.alloc(9);
    negative[0] = 4;
    negative.writeInt32BE(-5, 5);
    const second = new FrameDecoder();
    second.feed(negative, { onHeader: () => true, onFrame: () => { frames++; } });
    expect(second.isStopped).toBe(true);
    expect(frames).toBe(0);
  });

  it('stops mid-chunk when the sink stops it', () => {
    const bytes = Buffer.concat([
      encode({ version: 4, flags: 0, stream: 1, opcode: 5, body: Buffer.alloc(0) }),
      encode({ version: 4, flags: 0, stream: 2, opcode: 5, body: Buffer.alloc(0) }),
    ]);
    const decoder = new FrameDecoder();
    const seen: number[] = [];
    decoder.feed(bytes, { onHeader: () => true, onFrame: (_v, _f, stream) => { seen.push(stream); decoder.stop(); } });
    expect(seen).toEqual([1]);
  });
});
