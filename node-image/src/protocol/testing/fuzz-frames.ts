// Test-only fast-check generators for hostile client input: plausible request frames (every
// opcode, flag and value marker), then mutations of their bytes (flips, cuts, inserts, length
// rewrites), or plain noise. Shared by the unit fuzz test and the real-socket fuzz test.
import fc from 'fast-check';
import { UNSET } from '../../cql/index.ts';
import type { BoundValue } from '../../cql/index.ts';
import { BodyWriter } from '../body-writer.ts';
import { lz4Compressor, snappyCompressor } from '../compression.ts';
import { Opcode } from '../message-codes.ts';
import { bytesBody, encodeRequest, executeBody, longStringBody, queryBody, startupBody, stringListBody } from './test-frames.ts';
import type { RequestFrame, TestQueryParameters } from './test-frames.ts';

const valueArb: fc.Arbitrary<BoundValue> = fc.oneof(
  fc.uint8Array({ maxLength: 16 }).map((a) => Buffer.from(a)),
  fc.constant(null),
  fc.constant(UNSET),
);

const parametersArb: fc.Arbitrary<TestQueryParameters> = fc.record(
  {
    consistency: fc.oneof(fc.integer({ min: 0, max: 10 }), fc.integer({ min: 0, max: 0xffff })),
    values: fc.array(valueArb, { maxLength: 4 }),
    skipMetadata: fc.boolean(),
    pageSize: fc.integer({ min: -2, max: 5000 }),
    pagingState: fc.uint8Array({ maxLength: 8 }).map((a) => Buffer.from(a)),
    serialConsistency: fc.integer({ min: 0, max: 12 }),
    timestampMicros: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  },
  { requiredKeys: [] },
);

const textArb = fc.oneof(fc.constantFrom('SELECT v FROM ks.t', 'USE ks', 'INSERT INTO ks.t (k) VALUES (?)'), fc.string({ maxLength: 20 }));

function batchBody(children: Array<{ text: string | null; values: BoundValue[] }>, consistency: number, flags: number): Buffer {
  const writer = new BodyWriter(64);
  writer.writeByte(flags & 3);
  writer.writeShort(children.length);
  for (const child of children) {
    if (child.text === null) {
      writer.writeByte(1);
      writer.writeShortBytes(Buffer.from('0123', 'hex'));
    } else {
      writer.writeByte(0);
      writer.writeLongString(child.text);
    }
    writer.writeShort(child.values.length);
    for (const value of child.values) {
      if (value === UNSET) writer.writeInt(-2);
      else writer.writeBytes(value);
    }
  }
  writer.writeShort(consistency);
  writer.writeByte(flags & 0x70);
  if ((flags & 0x10) !== 0) writer.writeShort(9);
  if ((flags & 0x20) !== 0) writer.writeRaw(Buffer.alloc(8));
  return writer.finish();
}

/** One plausible request frame (it may still be invalid in context, e.g. QUERY before STARTUP). */
export const requestFrameArb: fc.Arbitrary<RequestFrame> = fc.record({
  stream: fc.integer({ min: -2, max: 40 }),
  flags: fc.oneof({ arbitrary: fc.constant(0), weight: 10 }, { arbitrary: fc.constantFrom(1, 2, 4, 8, 16), weight: 1 }),
  compress: fc.oneof({ arbitrary: fc.constant(null), weight: 20 }, { arbitrary: fc.constantFrom('lz4', 'snappy'), weight: 1 }),
  kind: fc.oneof(
    fc.constant({ opcode: Opcode.Options, body: Buffer.alloc(0) }),
    fc.constantFrom(null, 'lz4', 'snappy', 'LZ4', 'zstd').map((compression) => ({
      opcode: Opcode.Startup,
      body: startupBody(compression === null ? { CQL_VERSION: '3.0.0' } : { CQL_VERSION: '3.4.5', COMPRESSION: compression }),
    })),
    fc.tuple(textArb, parametersArb).map(([text, p]) => ({ opcode: Opcode.Query, body: queryBody(text, p) })),
    textArb.map((text) => ({ opcode: Opcode.Prepare, body: longStringBody(text) })),
    fc.tuple(fc.uint8Array({ maxLength: 16 }), parametersArb).map(([id, p]) => ({ opcode: Opcode.Execute, body: executeBody(Buffer.from(id), p) })),
    fc.tuple(
      fc.array(fc.record({ text: fc.option(textArb, { nil: null }), values: fc.array(valueArb, { maxLength: 3 }) }), { maxLength: 4 }),
      fc.integer({ min: 0, max: 11 }),
      fc.integer({ min: 0, max: 0xff }),
    ).map(([children, consistency, flags]) => ({ opcode: Opcode.Batch, body: batchBody(children, consistency, flags) })),
    fc.subarray(['TOPOLOGY_CHANGE', 'STATUS_CHANGE', 'SCHEMA_CHANGE', 'BOGUS']).map((types) => ({ opcode: Opcode.Register, body: stringListBody(types) })),
    fc.uint8Array({ maxLength: 20 }).map((token) => ({ opcode: Opcode.AuthResponse, body: bytesBody(Buffer.from(token)) })),
    fc.tuple(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 20 })).map(([opcode, body]) => ({ opcode, body: Buffer.from(body) })),
  ),
  version: fc.oneof({ arbitrary: fc.constant(4), weight: 30 }, { arbitrary: fc.constantFrom(1, 2, 3, 5, 0x42, 0x84), weight: 1 }),
}).map(({ stream, flags, compress, kind, version }): RequestFrame => ({
  version,
  stream,
  flags,
  opcode: kind.opcode,
  body: kind.body,
  ...(compress === 'lz4' ? { compressor: lz4Compressor } : compress === 'snappy' ? { compressor: snappyCompressor } : {}),
}));

type Mutation =
  | { readonly kind: 'flip'; readonly at: number; readonly mask: number }
  | { readonly kind: 'cut'; readonly at: number; readonly length: number }
  | { readonly kind: 'insert'; readonly at: number; readonly bytes: Uint8Array }
  | { readonly kind: 'length'; readonly at: number; readonly value: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({
    kind: fc.constant('length' as const),
    at: fc.nat(),
    value: fc.oneof(fc.integer({ min: -3, max: 64 }), fc.constantFrom(0x7fffffff, -0x80000000, 0xffff, 0x8000)),
  }),
);

function mutate(bytes: Buffer, mutation: Mutation): Buffer {
  if (bytes.length === 0) return bytes;
  const at = mutation.at % bytes.length;
  switch (mutation.kind) {
    case 'flip': {
      const out = Buffer.from(bytes);
      out[at] = out[at]! ^ mutation.mask;
      return out;
    }
    case 'cut':
      return Buffer.concat([bytes.subarray(0, at), bytes.subarray(Math.min(bytes.length, at + mutation.length))]);
    case 'insert':
      return Buffer.concat([bytes.subarray(0, at), Buffer.from(mutation.bytes), bytes.subarray(at)]);
    case 'length': {
      // Rewrite a 4-byte or 2-byte big-endian field somewhere (lengths, counts, the header length).
      const out = Buffer.from(bytes);
      if (at + 4 <= out.length && (mutation.value > 0xffff || mutation.value < 0 || at % 2 === 0)) out.writeInt32BE(mutation.value | 0, at);
      else if (at + 2 <= out.length) out.writeUInt16BE(mutation.value & 0xffff, at);
      return out;
    }
  }
}

/** Client input for one fuzz case: the bytes and how to split them into TCP chunks. */
export interface FuzzInput {
  readonly bytes: Buffer;
  readonly cuts: readonly number[];
}

export const fuzzInputArb: fc.Arbitrary<FuzzInput> = fc.record({
  // Most cases start with a good STARTUP (maybe negotiating compression) to reach request decoding.
  prefix: fc.constantFrom('none', 'plain', 'plain', 'lz4', 'snappy'),
  frames: fc.array(requestFrameArb, { minLength: 1, maxLength: 6 }),
  mutations: fc.array(mutationArb, { maxLength: 3 }),
  noise: fc.option(fc.uint8Array({ minLength: 1, maxLength: 64 }), { nil: null, freq: 8 }),
  cuts: fc.array(fc.nat(), { maxLength: 6 }),
}).map(({ prefix, frames, mutations, noise, cuts }) => {
  let all = frames;
  if (prefix !== 'none') {
    const compressor = prefix === 'lz4' ? lz4Compressor : prefix === 'snappy' ? snappyCompressor : undefined;
    const startup = { stream: 0, opcode: Opcode.Startup, body: startupBody(compressor === undefined ? { CQL_VERSION: '3.0.0' } : { CQL_VERSION: '3.0.0', COMPRESSION: prefix }) };
    const after = compressor === undefined ? frames : frames.map((f) => (f.compressor === undefined ? { ...f, compressor } : f));
    all = [startup, ...after];
  }
  let bytes: Buffer = Buffer.concat(all.map(encodeRequest));
  for (const mutation of mutations) bytes = mutate(bytes, mutation);
  if (noise !== null) bytes = Buffer.concat([bytes, Buffer.from(noise)]);
  return { bytes, cuts };
});

/** Splits `bytes` at `cuts` (taken modulo the length), as TCP might deliver them. */
export function chunksOf(input: FuzzInput): Buffer[] {
  const points = [...new Set(input.cuts.map((c) => c % (input.bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let previous = 0;
  for (const point of points) {
    if (point > previous) chunks.push(input.bytes.subarray(previous, point));
    previous = Math.max(previous, point);
  }
  if (previous < input.bytes.length) chunks.push(input.bytes.subarray(previous));
  return chunks;
}
