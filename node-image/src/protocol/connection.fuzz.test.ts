// Fuzz: hostile frames (plausible, mutated, noise; any chunking) against a live connection. The
// server must never throw, every reply must be a well-formed frame that is either a sane answer
// or an error with a client-facing code, a closed connection must end with a Protocol error, and
// a well-behaved client must still be served afterwards.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realClock, realTimers } from '../io/real/index.ts';
import { ErrorCode } from '../lib/index.ts';
import { Opcode } from './message-codes.ts';
import { chunksOf, fuzzInputArb } from './testing/fuzz-frames.ts';
import { Harness } from './testing/harness.ts';
import { parseResponses, queryBody, readError, readRows, startupBody } from './testing/test-frames.ts';
import type { ResponseFrame } from './testing/test-frames.ts';
import { lz4Compressor, snappyCompressor } from './compression.ts';
import type { BodyCompressor } from './compression.ts';

const FUZZ_RUNS = 10_000;
const ANSWER_OPCODES: ReadonlySet<number> = new Set([Opcode.Ready, Opcode.Supported, Opcode.Result, Opcode.Authenticate, Opcode.AuthSuccess, Opcode.Event]);
const CLIENT_ERROR_CODES: ReadonlySet<number> = new Set([ErrorCode.ProtocolError, ErrorCode.Overloaded, ErrorCode.Invalid, ErrorCode.BadCredentials]);

async function settle(rounds = 3): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Parses output whose compression may have switched on mid-stream (either algorithm). */
function parseAny(bytes: Buffer): ResponseFrame[] {
  const attempts: Array<BodyCompressor | null> = [null, lz4Compressor, snappyCompressor];
  let lastError: unknown;
  for (const compressor of attempts) {
    try {
      return parseResponses(Buffer.from(bytes), compressor);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

let harness: Harness;

beforeAll(async () => {
  harness = new Harness({ timers: realTimers, clock: realClock, limits: { frameBodyBytesMax: 64 * 1024, inFlightRequestsPerConnectionMax: 4 } });
  // Answers quickly and never fails on its own, so a Server error could only come from the protocol layer.
  harness.cql.handler = async (call) =>
    call.op === 'prepare'
      ? { result: { kind: 'prepared', id: Buffer.from('01', 'hex'), resultMetadataId: Buffer.alloc(16), bindMetadata: { columns: [], partitionKeyIndexes: [] }, resultMetadata: { columns: [] } }, warnings: [] }
      : { result: { kind: 'rows', metadata: { columns: [{ keyspace: 'ks', table: 't', name: 'v', type: { kind: 'native', name: 'int' } }] }, rows: [[Buffer.from([0, 0, 0, 1])]], pagingState: null }, warnings: [] };
  await harness.start();
});

afterAll(async () => {
  await harness.server.close();
});

describe('connection fuzz', () => {
  it(`survives ${FUZZ_RUNS} hostile inputs and keeps serving good clients`, async () => {
    let closedCount = 0;
    await fc.assert(
      fc.asyncProperty(fuzzInputArb, async (input) => {
        const client = harness.open();
        for (const chunk of chunksOf(input)) client.sendRaw(Buffer.from(chunk));
        await settle();
        const frames = parseAny(client.socket.output());
        for (const frame of frames) {
          expect([0x84, 0x81, 0x82]).toContain(frame.version);
          if (frame.opcode === Opcode.Error) {
            const { code } = readError(frame);
            expect(CLIENT_ERROR_CODES.has(code), `unexpected error code 0x${code.toString(16)}: ${readError(frame).message}`).toBe(true);
          } else {
            expect(ANSWER_OPCODES.has(frame.opcode)).toBe(true);
          }
        }
        if (client.socket.isClosed) {
          closedCount++;
          // Replies to earlier requests may still follow the fatal error, but the error is there.
          expect(frames.some((f) => f.opcode === Opcode.Error && readError(f).code === ErrorCode.ProtocolError)).toBe(true);
        } else {
          client.socket.destroy();
        }

        const good = harness.open();
        good.send({ stream: 0, opcode: Opcode.Startup, body: startupBody() });
        good.send({ stream: 1, opcode: Opcode.Query, body: queryBody('SELECT v FROM ks.t') });
        await settle();
        const [readyFrame, rows] = good.take();
        expect(readyFrame!.opcode).toBe(Opcode.Ready);
        expect(readRows(rows!).rows).toHaveLength(1);
        good.socket.destroy();
      }),
      { numRuns: FUZZ_RUNS },
    );
    expect(closedCount).toBeGreaterThan(FUZZ_RUNS / 10);
    expect(harness.server.connectionCount).toBe(0);
  }, 120_000);
});
