// ProtocolServer.drain(): requests in flight are answered before a connection ends, new requests
// are answered Overloaded (drivers retry them on another node), new connections are refused, and
// the wait for requests in flight is bounded.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { realClock, realTimers } from '../io/real/index.ts';
import { ErrorCode } from '../lib/index.ts';
import { Opcode } from './message-codes.ts';
import { Harness } from './testing/harness.ts';
import type { TestClient } from './testing/harness.ts';
import { queryBody, readError } from './testing/test-frames.ts';

async function settle(rounds = 3): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

let harness: Harness;

async function ready(): Promise<TestClient> {
  const client = harness.open();
  client.startup();
  await settle();
  expect(client.take()[0]!.opcode).toBe(Opcode.Ready);
  return client;
}

beforeEach(async () => {
  harness = new Harness({ timers: realTimers, clock: realClock });
  await harness.start();
});

afterEach(async () => {
  harness.cql.releaseHanging();
  await harness.server.close();
});

describe('ProtocolServer.drain', () => {
  it('answers requests in flight, refuses new ones with Overloaded, then ends the connection', async () => {
    const client = await ready();
    client.send({ stream: 3, opcode: Opcode.Query, body: queryBody('HANG') });
    await settle();
    expect(harness.server.inFlightCount).toBe(1);

    let drained = false;
    const draining = harness.server.drain({ inFlightWaitMs: 5000 }).then(() => {
      drained = true;
    });
    await settle();
    expect(() => harness.open()).toThrow(/nothing is listening/);
    client.send({ stream: 4, opcode: Opcode.Query, body: queryBody('SELECT v FROM ks.t') });
    await settle();
    const [refused] = client.take();
    expect(refused).toMatchObject({ stream: 4, opcode: Opcode.Error });
    expect(readError(refused!)).toMatchObject({ code: ErrorCode.Overloaded, message: '127.0.0.1 is shutting down; retry on another node' });
    expect(client.socket.isClosed).toBe(false);
    expect(drained).toBe(false);

    harness.cql.releaseHanging();
    await draining;
    const [answered] = client.take();
    expect(answered).toMatchObject({ stream: 3, opcode: Opcode.Result });
    expect(client.socket.isClosed).toBe(true);
    expect(harness.server.connectionCount).toBe(0);
  });

  it('closes connections with requests still in flight after the bound', async () => {
    const client = await ready();
    client.send({ stream: 7, opcode: Opcode.Query, body: queryBody('HANG') });
    await settle();
    const startMs = realClock.monotonicMs();
    await harness.server.drain({ inFlightWaitMs: 100 });
    expect(realClock.monotonicMs() - startMs).toBeGreaterThanOrEqual(90);
    expect(client.socket.isClosed).toBe(true);
    expect(harness.server.connectionCount).toBe(0);
  });

  it('ends idle connections at once', async () => {
    const client = await ready();
    const startMs = realClock.monotonicMs();
    await harness.server.drain();
    expect(realClock.monotonicMs() - startMs).toBeLessThan(1000);
    expect(client.socket.isClosed).toBe(true);
  });
});
