// Real-socket fuzz: hostile inputs (the unit fuzz's generators, TCP chunking included) on live
// loopback connections, several at once. The server process must not crash, replies must parse,
// and after every batch a well-behaved client (raw frames, then the real Node.js driver) is served.
import cassandra from 'cassandra-driver';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../node-image/src/io/index.ts';
import { realClock, realNetwork, realTimers } from '../../../node-image/src/io/real/index.ts';
import { ErrorCode } from '../../../node-image/src/lib/index.ts';
import { ProtocolServer } from '../../../node-image/src/protocol/index.ts';
import { Opcode } from '../../../node-image/src/protocol/message-codes.ts';
import { chunksOf, fuzzInputArb } from '../../../node-image/src/protocol/testing/fuzz-frames.ts';
import type { FuzzInput } from '../../../node-image/src/protocol/testing/fuzz-frames.ts';
import { queryBody, readError, readRows, startupBody } from '../../../node-image/src/protocol/testing/test-frames.ts';
import { RawClient } from './raw-client.ts';
import { StubCqlService } from './stub-cql-service.ts';

const HOST = '127.0.0.1';
const BATCHES = 60;
const CASES_PER_BATCH = 10;
/** How long a hostile connection gets to be answered before we hang up on it. */
const CASE_SETTLE_MS = 30;

let server: ProtocolServer;
let port: number;

beforeAll(async () => {
  const cql = new StubCqlService({ address: HOST });
  server = new ProtocolServer({
    network: realNetwork, timers: realTimers, clock: realClock, logger: silentLogger, cql, host: HOST, port: 0,
    limits: { frameBodyBytesMax: 64 * 1024, inFlightRequestsPerConnectionMax: 4, closeGraceMs: 200 },
  });
  ({ port } = await server.start());
});

afterAll(async () => {
  await server.close();
});

async function runHostile(input: FuzzInput): Promise<void> {
  const client = await RawClient.connect(port);
  for (const chunk of chunksOf(input)) {
    client.sendRaw(Buffer.from(chunk));
    await new Promise((resolve) => setImmediate(resolve));
  }
  await new Promise((resolve) => setTimeout(resolve, CASE_SETTLE_MS));
  // Whatever came back parsed as frames (RawClient's decoder would have thrown in the socket callback otherwise).
  for (const frame of client.frames) {
    expect([0x81, 0x82, 0x84]).toContain(frame.version);
    if (frame.opcode === Opcode.Error && (frame.flags & 1) === 0) expect(readError(frame).code).not.toBe(ErrorCode.ServerError);
  }
  client.close();
}

async function goodRawClient(): Promise<void> {
  const client = await RawClient.connect(port);
  client.send({ stream: 0, opcode: Opcode.Startup, body: startupBody() });
  expect((await client.response(0)).opcode).toBe(Opcode.Ready);
  client.send({ stream: 1, opcode: Opcode.Query, body: queryBody('SELECT k, v FROM ks.t') });
  expect(readRows(await client.response(1)).rows).toHaveLength(2);
  client.close();
}

describe('real-socket fuzz', () => {
  it(`survives ${BATCHES * CASES_PER_BATCH} hostile connections and keeps serving`, async () => {
    const batches = fc.sample(fc.array(fuzzInputArb, { minLength: CASES_PER_BATCH, maxLength: CASES_PER_BATCH }), { numRuns: BATCHES, seed: 20240611 });
    for (const batch of batches) {
      await Promise.all(batch.map(runHostile));
      await goodRawClient();
    }
    const driver = new cassandra.Client({ contactPoints: [`${HOST}:${port}`], localDataCenter: 'dc1', pooling: { heartBeatInterval: 0 } });
    try {
      await driver.connect();
      expect((await driver.execute('SELECT k, v FROM ks.t')).rows).toHaveLength(2);
    } finally {
      await driver.shutdown();
    }
  }, 120_000);
});
