// Raw v4 frames over real loopback TCP: version negotiation as the Python driver does it,
// v1/v2 refusals in their own framing, lz4 and snappy compression (the Node.js driver 4.10 has
// no compression support), large and split frames, limits and backpressure.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../node-image/src/io/index.ts';
import { realClock, realNetwork, realTimers } from '../../../node-image/src/io/real/index.ts';
import { ErrorCode } from '../../../node-image/src/lib/index.ts';
import { lz4Compressor, snappyCompressor } from '../../../node-image/src/protocol/compression.ts';
import { FrameFlag } from '../../../node-image/src/protocol/frame-header.ts';
import { ProtocolServer } from '../../../node-image/src/protocol/index.ts';
import type { ProtocolLimits } from '../../../node-image/src/protocol/index.ts';
import { Opcode } from '../../../node-image/src/protocol/message-codes.ts';
import { encodeRequest, queryBody, readError, readRows, startupBody } from '../../../node-image/src/protocol/testing/test-frames.ts';
import { RawClient } from './raw-client.ts';
import { StubCqlService } from './stub-cql-service.ts';

const HOST = '127.0.0.1';
let server: ProtocolServer;
let cql: StubCqlService;
let port: number;
const clients: RawClient[] = [];

async function startServer(limits: Partial<ProtocolLimits> = {}): Promise<void> {
  cql = new StubCqlService({ address: HOST });
  server = new ProtocolServer({ network: realNetwork, timers: realTimers, clock: realClock, logger: silentLogger, cql, host: HOST, port: 0, limits });
  ({ port } = await server.start());
}

async function connect(): Promise<RawClient> {
  const client = await RawClient.connect(port);
  clients.push(client);
  return client;
}

beforeEach(async () => {
  await startServer();
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await server.close();
});

describe('version negotiation', () => {
  it('walks the Python driver sequence: OPTIONS at 0x42, 0x41, 5 refused (closed), 4 accepted', async () => {
    for (const version of [0x42, 0x41, 5]) {
      const client = await connect();
      client.send({ version, stream: 0, opcode: Opcode.Options });
      const reply = await client.response(0);
      expect(reply.version).toBe(0x84);
      expect(readError(reply)).toEqual({
        code: ErrorCode.ProtocolError,
        message: `Invalid or unsupported protocol version (${version}); supported versions are (4/v4)`,
        rest: Buffer.alloc(0),
      });
      await client.waitClosed();
    }
    const client = await connect();
    client.send({ stream: 0, opcode: Opcode.Options });
    expect((await client.response(0)).opcode).toBe(Opcode.Supported);
    client.send({ stream: 1, opcode: Opcode.Startup, body: startupBody({ CQL_VERSION: '3.4.5' }) });
    expect((await client.response(1)).opcode).toBe(Opcode.Ready);
    expect(client.closed).toBe(false);
  });

  for (const version of [1, 2]) {
    it(`answers v${version} in its own 8-byte framing and closes`, async () => {
      const client = await connect();
      client.send({ version, stream: 5, opcode: Opcode.Startup, body: startupBody() });
      const reply = await client.response(5);
      expect(reply.version).toBe(0x80 | version);
      expect(readError(reply).message).toContain(`Invalid or unsupported protocol version (${version})`);
      await client.waitClosed();
    });
  }

  it('answers v3 and v6 with 0x84', async () => {
    for (const version of [3, 6]) {
      const client = await connect();
      client.send({ version, stream: 1, opcode: Opcode.Startup, body: startupBody() });
      const reply = await client.response(1);
      expect(reply.version).toBe(0x84);
      await client.waitClosed();
    }
  });
});

describe('compression over TCP', () => {
  for (const compressor of [lz4Compressor, snappyCompressor]) {
    it(`${compressor.algorithm}: compressed requests and responses after STARTUP`, async () => {
      const client = await connect();
      client.send({ stream: 0, opcode: Opcode.Startup, body: startupBody({ CQL_VERSION: '3.0.0', COMPRESSION: compressor.algorithm }) });
      const readyFrame = await client.response(0);
      expect(readyFrame).toMatchObject({ opcode: Opcode.Ready, flags: 0 });
      client.compressor = compressor;
      const longQuery = `SELECT k, v FROM ks.t /* ${'padding '.repeat(2000)} */`;
      client.send({ stream: 1, opcode: Opcode.Query, body: queryBody(longQuery), compressor });
      const rows = await client.response(1);
      expect(rows.flags & FrameFlag.Compression).toBe(FrameFlag.Compression);
      expect(readRows(rows).rows).toHaveLength(2);
      expect(cql.calls.at(-1)!.text).toBe(longQuery);
      // Uncompressed requests stay acceptable on a compressed connection.
      client.send({ stream: 2, opcode: Opcode.Options });
      expect((await client.response(2)).opcode).toBe(Opcode.Supported);
    });
  }

  it('closes on a compressed frame that inflates past the frame limit', async () => {
    await server.close();
    await startServer({ frameBodyBytesMax: 64 * 1024 });
    const client = await connect();
    client.send({ stream: 0, opcode: Opcode.Startup, body: startupBody({ CQL_VERSION: '3.0.0', COMPRESSION: 'lz4' }) });
    await client.response(0);
    client.compressor = lz4Compressor;
    client.send({ stream: 1, opcode: Opcode.Query, body: queryBody('x'.repeat(200_000)), compressor: lz4Compressor });
    const reply = await client.response(1);
    expect(readError(reply).message).toMatch(/above the 65536-byte frame limit/);
    await client.waitClosed();
  });
});

describe('framing over TCP', () => {
  it('reassembles frames written one byte at a time and many frames in one write', async () => {
    const client = await connect();
    const startup = encodeRequest({ stream: 0, opcode: Opcode.Startup, body: startupBody() });
    for (const byte of startup) {
      client.sendRaw(Buffer.from([byte]));
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect((await client.response(0)).opcode).toBe(Opcode.Ready);
    const many = Buffer.concat(Array.from({ length: 200 }, (_, i) => encodeRequest({ stream: i + 1, opcode: Opcode.Query, body: queryBody('SELECT k, v FROM ks.t') })));
    client.sendRaw(many);
    for (let stream = 1; stream <= 200; stream++) expect(readRows(await client.response(stream)).rows).toHaveLength(2);
  });

  it('refuses an oversized frame from its header and closes', async () => {
    const client = await connect();
    client.send({ stream: 0, opcode: Opcode.Startup, body: startupBody() });
    await client.response(0);
    const header = encodeRequest({ stream: 3, opcode: Opcode.Query });
    header.writeInt32BE(16 * 1024 * 1024 + 1, 5);
    client.sendRaw(header);
    const reply = await client.response(3);
    expect(readError(reply).message).toBe('Request is too big: length 16777217 exceeds maximum allowed length 16777216.');
    await client.waitClosed();
  });

  it('accepts a frame just under the limit, split by TCP', async () => {
    const client = await connect();
    client.send({ stream: 0, opcode: Opcode.Startup, body: startupBody() });
    await client.response(0);
    const text = `SELECT k, v FROM ks.t /* ${'x'.repeat(4 * 1024 * 1024)} */`;
    client.send({ stream: 1, opcode: Opcode.Query, body: queryBody(text) });
    expect(readRows(await client.response(1, 20_000)).rows).toHaveLength(2);
    expect(cql.calls.at(-1)!.text.length).toBe(text.length);
  });
});

describe('limits over TCP', () => {
  it('refuses connections above connectionsMax', async () => {
    await server.close();
    await startServer({ connectionsMax: 2 });
    await connect();
    await connect();
    const third = await connect();
    await third.waitClosed();
    expect(server.refusedConnectionCount).toBe(1);
  });

  it('pauses reading a client that does not read its replies, then resumes', async () => {
    await server.close();
    await startServer({ writeHighWaterBytes: 64 * 1024 });
    // Each reply carries ~256 KiB of rows.
    const big = Buffer.alloc(256 * 1024, 97);
    let served = 0;
    cql.query = async () => (served++, { result: { kind: 'rows', metadata: { columns: [{ keyspace: 'ks', table: 't', name: 'b', type: { kind: 'native', name: 'blob' } }] }, rows: [[big]], pagingState: null }, warnings: [] });
    const client = await connect();
    client.send({ stream: 0, opcode: Opcode.Startup, body: startupBody() });
    await client.response(0);
    client.socket.pause();
    const requests = 200;
    // Sent in separate writes over time, so the server sees them in many chunks.
    for (let stream = 1; stream <= requests; stream++) {
      client.send({ stream, opcode: Opcode.Query, body: queryBody('SELECT b FROM ks.t') });
      if (stream % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    // The server stopped reading once its unsent output passed the mark: most requests wait in TCP.
    const servedWhilePaused = served;
    expect(servedWhilePaused).toBeLessThan(requests / 2);
    client.socket.resume();
    for (let stream = 1; stream <= requests; stream++) {
      const frame = await client.response(stream, 20_000);
      expect(readRows(frame).rows[0]![0]!.length).toBe(big.length);
    }
  });
});
