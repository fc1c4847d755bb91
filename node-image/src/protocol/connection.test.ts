import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UNSET } from '../cql/index.ts';
import { realClock, realTimers } from '../io/real/index.ts';
import { CqlError, ErrorCode } from '../lib/index.ts';
import { lz4Compressor, snappyCompressor } from './compression.ts';
import { FrameFlag } from './frame-header.ts';
import { Opcode, ResultKind } from './message-codes.ts';
import { Harness } from './testing/harness.ts';
import type { TestClient } from './testing/harness.ts';
import { INT_ROWS_METADATA } from './testing/scripted-cql-service.ts';
import {
  bytesBody, encodeRequest, executeBody, longStringBody, queryBody, readError, readResult, readRows, startupBody, stringListBody,
} from './testing/test-frames.ts';

/** Lets service promises settle and the connection's setImmediate flush run. */
async function settle(rounds = 3): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

let harness: Harness;

async function ready(options?: Record<string, string>): Promise<TestClient> {
  const client = harness.open();
  client.startup(options);
  await settle();
  const [reply] = client.take();
  expect(reply!.opcode).toBe(Opcode.Ready);
  return client;
}

beforeEach(async () => {
  harness = new Harness({ timers: realTimers, clock: realClock });
  await harness.start();
});

afterEach(async () => {
  await harness.server.close();
});

describe('handshake', () => {
  it('answers OPTIONS before STARTUP and STARTUP with READY', async () => {
    const client = harness.open();
    client.send({ stream: 5, opcode: Opcode.Options });
    client.startup();
    await settle();
    const [supported, readyFrame] = client.take();
    expect(supported).toMatchObject({ version: 0x84, stream: 5, opcode: Opcode.Supported });
    expect(readyFrame).toMatchObject({ version: 0x84, stream: 0, opcode: Opcode.Ready, body: Buffer.alloc(0) });
  });

  it('refuses requests before STARTUP but keeps the connection', async () => {
    const client = harness.open();
    client.send({ stream: 1, opcode: Opcode.Query, body: queryBody('SELECT v FROM ks.t') });
    await settle();
    const [error] = client.take();
    expect(readError(error!)).toMatchObject({ code: ErrorCode.ProtocolError, message: 'Unexpected message QUERY, expecting STARTUP or OPTIONS' });
    expect(client.socket.isClosed).toBe(false);
    expect(harness.cql.calls).toHaveLength(0);
  });

  it('refuses a second STARTUP and unknown compression', async () => {
    const client = await ready();
    client.startup();
    await settle();
    expect(readError(client.take()[0]!).code).toBe(ErrorCode.ProtocolError);
    const other = harness.open();
    other.startup({ CQL_VERSION: '3.0.0', COMPRESSION: 'zstd' });
    await settle();
    expect(readError(other.take()[0]!).message).toBe('Unknown compression algorithm: zstd');
  });

  for (const version of [1, 2, 3, 5, 6, 0x41, 0x42, 0x7f]) {
    it(`refuses protocol version ${version} on the first frame and closes`, async () => {
      const client = harness.open();
      client.send({ version, stream: 3, opcode: Opcode.Startup, body: startupBody() });
      await settle();
      const [error] = client.take();
      const legacy = version <= 2;
      expect(error!.version).toBe(legacy ? 0x80 | version : 0x84);
      expect(error!.stream).toBe(3);
      expect(readError(error!).code).toBe(ErrorCode.ProtocolError);
      expect(readError(error!).message).toBe(`Invalid or unsupported protocol version (${version}); supported versions are (4/v4)`);
      expect(client.socket.isClosed).toBe(true);
    });
  }

  it('closes when a later frame changes version', async () => {
    const client = await ready();
    client.send({ version: 3, stream: 9, opcode: Opcode.Options });
    await settle();
    expect(readError(client.take()[0]!).message).toMatch(/Invalid message version. Got 3/);
    expect(client.socket.isClosed).toBe(true);
  });

  it('authenticates with SASL PLAIN', async () => {
    harness.cql.authenticator = {
      className: 'org.apache.cassandra.auth.PasswordAuthenticator',
      authenticate: async (user, password) => {
        if (user === 'cassandra' && password === 'cassandra') return 'cassandra';
        throw new CqlError(ErrorCode.BadCredentials, `Provided username ${user} and/or password are incorrect`);
      },
    };
    const client = harness.open();
    client.startup();
    client.send({ stream: 1, opcode: Opcode.Query, body: queryBody('SELECT v FROM ks.t') });
    await settle();
    const [authenticate, early] = client.take();
    expect(authenticate!.opcode).toBe(Opcode.Authenticate);
    expect(authenticate!.body.subarray(2).toString()).toBe('org.apache.cassandra.auth.PasswordAuthenticator');
    expect(readError(early!).message).toBe('Unexpected message QUERY, expecting AUTH_RESPONSE');

    client.send({ stream: 2, opcode: Opcode.AuthResponse, body: bytesBody(Buffer.from('\0cassandra\0wrong')) });
    await settle();
    expect(readError(client.take()[0]!)).toMatchObject({ code: ErrorCode.BadCredentials });

    client.send({ stream: 3, opcode: Opcode.AuthResponse, body: bytesBody(Buffer.from('\0cassandra\0cassandra')) });
    await settle();
    const [success] = client.take();
    expect(success).toMatchObject({ opcode: Opcode.AuthSuccess, stream: 3, body: Buffer.from('ffffffff', 'hex') });
    client.send({ stream: 4, opcode: Opcode.Query, body: queryBody('SELECT v FROM ks.t') });
    await settle();
    expect(readRows(client.take()[0]!).rows).toHaveLength(1);
    expect(harness.cql.calls[0]!.session.user).toBe('cassandra');
  });
});

describe('requests', () => {
  it('passes decoded QUERY options to the service and encodes Rows', async () => {
    const client = await ready();
    client.send({
      stream: 7,
      opcode: Opcode.Query,
      body: queryBody('SELECT v FROM ks.t', { consistency: 1, values: [Buffer.from([1]), null, UNSET], names: ['a', 'b', 'c'], pageSize: 100, timestampMicros: 5n }),
    });
    await settle();
    const [reply] = client.take();
    expect(reply!.stream).toBe(7);
    expect(readRows(reply!).rows).toEqual([[Buffer.from('0000002a', 'hex')]]);
    const call = harness.cql.calls[0]!;
    expect(call.op).toBe('query');
    if (call.op !== 'query') return;
    expect(call.options).toMatchObject({ consistency: 1, values: [Buffer.from([1]), null, UNSET], valueNames: ['a', 'b', 'c'], pageSize: 100, timestampMicros: 5 });
  });

  it('skips a request custom payload and ignores the tracing flag', async () => {
    const client = await ready();
    const payload = Buffer.from('0001' + '0001' + '6b' + '00000002' + 'abcd', 'hex');
    client.send({ stream: 1, opcode: Opcode.Query, flags: FrameFlag.CustomPayload | FrameFlag.Tracing, body: Buffer.concat([payload, queryBody('SELECT v FROM ks.t')]) });
    await settle();
    const [reply] = client.take();
    expect(reply!.flags).toBe(0);
    expect(readRows(reply!).rows).toHaveLength(1);
  });

  it('PREPARE, then EXECUTE with skip_metadata gets No_metadata', async () => {
    const client = await ready();
    client.send({ stream: 1, opcode: Opcode.Prepare, body: longStringBody('SELECT v FROM ks.t WHERE k = ?') });
    await settle();
    expect(readResult(client.take()[0]!).kind).toBe(ResultKind.Prepared);
    client.send({ stream: 2, opcode: Opcode.Execute, body: executeBody(Buffer.from('01', 'hex'), { skipMetadata: true, values: [Buffer.from('x')] }) });
    await settle();
    const rows = readRows(client.take()[0]!);
    expect(rows.columns).toEqual([]);
    expect(rows.rows).toHaveLength(1);
  });

  it('answers out of order as results complete, coalescing same-tick replies into one write', async () => {
    const client = await ready();
    const writesBefore = client.socket.written.length;
    client.send({ stream: 1, opcode: Opcode.Query, body: queryBody('HANG') });
    for (let stream = 2; stream <= 6; stream++) client.send({ stream, opcode: Opcode.Query, body: queryBody('SELECT v FROM ks.t') });
    await settle();
    expect(client.take().map((f) => f.stream)).toEqual([2, 3, 4, 5, 6]);
    expect(client.socket.written.length - writesBefore).toBe(1);
    harness.cql.releaseHanging();
    await settle();
    expect(client.take().map((f) => f.stream)).toEqual([1]);
  });

  it('maps CqlError to its code, other errors to Server error, and keeps the connection', async () => {
    const client = await ready();
    client.send({ stream: 1, opcode: Opcode.Query, body: queryBody('FAIL') });
    client.send({ stream: 2, opcode: Opcode.Query, body: queryBody('THROW') });
    harness.cql.handler = (call) => {
      if (call.op === 'batch') throw new Error('sync throw');
      return Promise.resolve({ result: { kind: 'void' }, warnings: ['careful'] });
    };
    client.send({ stream: 3, opcode: Opcode.Batch, body: Buffer.from([0, 0, 0, 0, 1, 0]) });
    client.send({ stream: 4, opcode: Opcode.Query, body: queryBody('x') });
    await settle();
    const frames = client.take();
    const byStream = new Map(frames.map((f) => [f.stream, f]));
    expect(readError(byStream.get(1)!)).toMatchObject({ code: ErrorCode.Invalid, message: 'unconfigured table nope' });
    expect(readError(byStream.get(2)!)).toMatchObject({ code: ErrorCode.ServerError, message: 'Error: boom' });
    expect(readError(byStream.get(3)!)).toMatchObject({ code: ErrorCode.ServerError, message: 'Error: sync throw' });
    expect(byStream.get(4)!.flags & FrameFlag.Warning).toBe(FrameFlag.Warning);
    expect(readResult(byStream.get(4)!).warnings).toEqual(['careful']);
    expect(client.socket.isClosed).toBe(false);
  });

  it('tracks the keyspace from Set_keyspace results', async () => {
    const client = await ready();
    client.send({ stream: 1, opcode: Opcode.Query, body: queryBody('USE "Ks"') });
    await settle();
    expect(readResult(client.take()[0]!).kind).toBe(ResultKind.SetKeyspace);
    client.send({ stream: 2, opcode: Opcode.Query, body: queryBody('SELECT v FROM t') });
    await settle();
    expect(harness.cql.calls[1]!.session.keyspace).toBe('"Ks"');
  });

  it('replies Overloaded beyond the in-flight limit, on that stream only', async () => {
    await harness.server.close();
    harness = new Harness({ timers: realTimers, clock: realClock, limits: { inFlightRequestsPerConnectionMax: 3 } });
    await harness.start();
    const client = await ready();
    for (let stream = 1; stream <= 5; stream++) client.send({ stream, opcode: Opcode.Query, body: queryBody('HANG') });
    await settle();
    const refused = client.take();
    expect(refused.map((f) => [f.stream, readError(f).code])).toEqual([[4, ErrorCode.Overloaded], [5, ErrorCode.Overloaded]]);
    harness.cql.releaseHanging();
    await settle();
    expect(client.take().map((f) => f.stream).sort()).toEqual([1, 2, 3]);
    client.send({ stream: 6, opcode: Opcode.Query, body: queryBody('SELECT v FROM ks.t') });
    await settle();
    expect(readRows(client.take()[0]!).rows).toHaveLength(1);
  });
});

describe('malformed input', () => {
  it('closes on a frame above the body limit without reading it', async () => {
    await harness.server.close();
    harness = new Harness({ timers: realTimers, clock: realClock, limits: { frameBodyBytesMax: 4096 } });
    await harness.start();
    const client = await ready();
    const header = encodeRequest({ stream: 11, opcode: Opcode.Query, body: Buffer.alloc(0) });
    header.writeInt32BE(4097, 5);
    client.sendRaw(header);
    await settle();
    const [error] = client.take();
    expect(error!.stream).toBe(11);
    expect(readError(error!).message).toBe('Request is too big: length 4097 exceeds maximum allowed length 4096.');
    expect(client.socket.isClosed).toBe(true);
  });

  it('closes on a truncated body, an unknown opcode, a response-direction frame', async () => {
    for (const bytes of [
      encodeRequest({ stream: 1, opcode: Opcode.Query, body: Buffer.from([0, 0, 0, 9, 65]) }),
      encodeRequest({ stream: 1, opcode: 0x42, body: Buffer.alloc(0) }),
      encodeRequest({ version: 0x84, stream: 1, opcode: Opcode.Options }),
      encodeRequest({ stream: 1, opcode: Opcode.Query, flags: FrameFlag.Compression, body: Buffer.from('zz') }),
    ]) {
      const client = await ready();
      client.sendRaw(bytes);
      await settle();
      const [error] = client.take();
      expect(readError(error!).code).toBe(ErrorCode.ProtocolError);
      expect(client.socket.isClosed).toBe(true);
    }
    expect(harness.server.connectionCount).toBe(0);
  });

  it('keeps the connection on well-formed but invalid requests', async () => {
    const client = await ready();
    client.send({ stream: 1, opcode: Opcode.Query, body: queryBody('x', { consistency: 99 }) });
    client.send({ stream: 2, opcode: Opcode.Register, body: stringListBody(['NOPE']) });
    await settle();
    const frames = client.take();
    expect(frames.map((f) => readError(f).code)).toEqual([ErrorCode.ProtocolError, ErrorCode.ProtocolError]);
    expect(readError(frames[0]!).message).toBe('Unknown code 99 for a consistency level');
    expect(client.socket.isClosed).toBe(false);
  });
});

describe('compression', () => {
  for (const compressor of [lz4Compressor, snappyCompressor]) {
    it(`${compressor.algorithm}: STARTUP reply plain, then compressed both ways`, async () => {
      const client = await ready({ CQL_VERSION: '3.0.0', COMPRESSION: compressor.algorithm });
      client.compressor = compressor;
      client.send({ stream: 1, opcode: Opcode.Query, body: queryBody('SELECT v FROM ks.t'), compressor });
      client.send({ stream: 2, opcode: Opcode.Query, body: queryBody('SELECT v FROM ks.t') });
      await settle();
      const frames = client.take();
      for (const frame of frames) {
        expect(frame.flags & FrameFlag.Compression).toBe(FrameFlag.Compression);
        expect(readRows(frame).rows).toHaveLength(1);
      }
      expect(frames).toHaveLength(2);
    });
  }
});

describe('events', () => {
  it('pushes events only to connections registered for them, SCHEMA_CHANGE from the service', async () => {
    const registered = await ready();
    const other = await ready();
    registered.send({ stream: 1, opcode: Opcode.Register, body: stringListBody(['SCHEMA_CHANGE', 'STATUS_CHANGE']) });
    await settle();
    expect(registered.take()[0]!.opcode).toBe(Opcode.Ready);
    harness.server.broadcastEvent({ type: 'STATUS_CHANGE', change: 'UP', address: '127.0.0.2', port: 9042 });
    harness.server.broadcastEvent({ type: 'TOPOLOGY_CHANGE', change: 'NEW_NODE', address: '127.0.0.2', port: 9042 });
    harness.cql.emitSchemaChange({ change: 'CREATED', target: 'TABLE', keyspace: 'ks', name: 't' });
    await settle();
    const events = registered.take();
    expect(events.map((f) => [f.opcode, f.stream])).toEqual([[Opcode.Event, -1], [Opcode.Event, -1]]);
    expect(events[0]!.body.toString('hex')).toBe(
      '000d' + Buffer.from('STATUS_CHANGE').toString('hex') + '0002' + Buffer.from('UP').toString('hex') + '04' + '7f000002' + '00002352',
    );
    expect(events[1]!.body.includes(Buffer.from('SCHEMA_CHANGE'))).toBe(true);
    expect(other.take()).toEqual([]);
    expect(INT_ROWS_METADATA.columns).toHaveLength(1);
  });

  it('unsubscribes from schema changes on close', async () => {
    expect(harness.cql.schemaListenerCount).toBe(1);
    await harness.server.close();
    expect(harness.cql.schemaListenerCount).toBe(0);
  });
});

describe('backpressure and limits', () => {
  it('pauses reading while unsent output is above the high-water mark and resumes on drain', async () => {
    const client = await ready();
    client.socket.forcedWritableLength = 10 * 1024 * 1024;
    client.send({ stream: 1, opcode: Opcode.Query, body: queryBody('SELECT v FROM ks.t') });
    await settle();
    expect(client.socket.paused).toBe(true);
    client.socket.forcedWritableLength = 0;
    client.socket.emit('drain');
    expect(client.socket.paused).toBe(false);
  });

  it('does not pause when the socket accepted the write (no drain would come)', async () => {
    await harness.server.close();
    harness = new Harness({ timers: realTimers, clock: realClock, limits: { writeHighWaterBytes: 1024 } });
    await harness.start();
    const client = await ready();
    client.socket.forcedWritableLength = 8 * 1024; // above our mark, below the socket's own
    client.send({ stream: 1, opcode: Opcode.Query, body: queryBody('SELECT v FROM ks.t') });
    await settle();
    expect(client.socket.paused).toBe(false);
  });

  it('refuses connections above connectionsMax', async () => {
    await harness.server.close();
    harness = new Harness({ timers: realTimers, clock: realClock, limits: { connectionsMax: 2 } });
    await harness.start();
    harness.open();
    harness.open();
    const third = harness.open();
    expect(third.socket.destroyed).toBe(true);
    expect(harness.server.connectionCount).toBe(2);
    expect(harness.server.refusedConnectionCount).toBe(1);
  });

  it('closes idle connections when an idle timeout is set', async () => {
    // Manual clock and timeouts (immediates stay real so replies still flush).
    let nowMs = 0;
    const timeouts: Array<{ atMs: number; fn: () => void; cancelled: boolean }> = [];
    const clock = { nowMs: () => nowMs, monotonicMs: () => nowMs };
    const timers = {
      ...realTimers,
      setTimeout: (fn: () => void, delayMs: number) => {
        const entry = { atMs: nowMs + delayMs, fn, cancelled: false };
        timeouts.push(entry);
        return { cancel: () => { entry.cancelled = true; } };
      },
    };
    const advance = (ms: number): void => {
      nowMs += ms;
      for (const entry of timeouts.splice(0)) {
        if (entry.cancelled) continue;
        if (entry.atMs <= nowMs) entry.fn();
        else timeouts.push(entry);
      }
    };
    await harness.server.close();
    harness = new Harness({ timers, clock, limits: { idleTimeoutMs: 1000 } });
    await harness.start();
    const client = await ready();
    advance(600);
    client.send({ stream: 1, opcode: Opcode.Options });
    await settle();
    advance(600); // 600 ms since the last activity
    expect(client.socket.isClosed).toBe(false);
    client.send({ stream: 2, opcode: Opcode.Query, body: queryBody('HANG') });
    advance(1500); // idle for long, but a request is in flight
    expect(client.socket.isClosed).toBe(false);
    harness.cql.releaseHanging();
    await settle();
    advance(1500);
    advance(1000);
    expect(client.socket.isClosed).toBe(true);
  });

  it('close() drops every connection', async () => {
    const a = await ready();
    const b = harness.open();
    await harness.server.close();
    expect(a.socket.isClosed && b.socket.isClosed).toBe(true);
    expect(harness.server.connectionCount).toBe(0);
  });
});
