// The real npm cassandra-driver (4.10) against the protocol server over loopback TCP, backed by a
// test-only stub CqlService: version negotiation from 0x42 down to v4, queries, prepared
// statements, paging, batches, errors, USE, auth and SCHEMA_CHANGE pushes.
import cassandra from 'cassandra-driver';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../node-image/src/io/index.ts';
import { realClock, realNetwork, realTimers } from '../../../node-image/src/io/real/index.ts';
import { CqlError, ErrorCode } from '../../../node-image/src/lib/index.ts';
import { ProtocolServer } from '../../../node-image/src/protocol/index.ts';
import { StubCqlService } from './stub-cql-service.ts';

const HOST = '127.0.0.1';

let cql: StubCqlService;
let server: ProtocolServer;
let port: number;
const clients: cassandra.Client[] = [];

function newClient(options: Partial<cassandra.ClientOptions> = {}): cassandra.Client {
  const client = new cassandra.Client({
    contactPoints: [`${HOST}:${port}`],
    localDataCenter: 'dc1',
    socketOptions: { connectTimeout: 3000, readTimeout: 5000 },
    pooling: { heartBeatInterval: 0 },
    ...options,
  });
  clients.push(client);
  return client;
}

beforeEach(async () => {
  cql = new StubCqlService({ address: HOST });
  server = new ProtocolServer({ network: realNetwork, timers: realTimers, clock: realClock, logger: silentLogger, cql, host: HOST, port: 0 });
  ({ port } = await server.start());
});

afterEach(async () => {
  for (const client of clients.splice(0)) await client.shutdown();
  await server.close();
});

describe('cassandra-driver (Node.js) against the protocol server', () => {
  it('negotiates v4 down from DSE_V2 (0x42), then queries', async () => {
    const client = newClient();
    const logs: string[] = [];
    client.on('log', (_level: string, _className: string, message: string) => logs.push(message));
    await client.connect();
    expect(logs.some((m) => m.includes('Protocol 0x42 not supported, using 0x4'))).toBe(true);
    // The control connection settled on v4 (internal, but the clearest witness).
    expect((client as unknown as { controlConnection: { protocolVersion: number } }).controlConnection.protocolVersion).toBe(4);
    const result = await client.execute('SELECT k, v FROM ks.t');
    expect(result.rows.map((row) => [row['k'], row['v']])).toEqual([['a', 1], ['b', 2]]);
    expect(result.columns).toEqual([{ name: 'k', type: { code: 0x0d, type: null } }, { name: 'v', type: { code: 0x09, type: null } }]);
    expect(cql.calls.some((c) => c.text.startsWith('SELECT * FROM system.local'))).toBe(true);
    expect(cql.calls.some((c) => c.text === 'SELECT * FROM system.peers')).toBe(true);
    expect(cql.calls.some((c) => c.text.startsWith('SELECT * FROM system_schema.keyspaces'))).toBe(true);
  });

  it('connects directly with protocolOptions.maxVersion = 4 (no refusal needed)', async () => {
    const client = newClient({ protocolOptions: { maxVersion: 4 } });
    const logs: string[] = [];
    client.on('log', (_level: string, _className: string, message: string) => logs.push(message));
    await client.connect();
    expect(logs.some((m) => m.includes('not supported'))).toBe(false);
    expect((await client.execute('SELECT k, v FROM ks.t')).rows).toHaveLength(2);
  });

  it('serves many concurrent requests on one connection', async () => {
    const client = newClient({ pooling: { heartBeatInterval: 0, coreConnectionsPerHost: { [cassandra.types.distance.local]: 1 } } });
    await client.connect();
    const results = await Promise.all(Array.from({ length: 1000 }, (_, i) =>
      client.execute('SELECT k, v FROM ks.t WHERE k = ?', [`k${i}`], { prepare: true })));
    expect(results.map((r) => r.rows[0]!['k'])).toEqual(Array.from({ length: 1000 }, (_, i) => `k${i}`));
  });

  // The Node.js driver 4.10 has no frame compression option at all (no lz4/snappy code in lib/),
  // so compression is covered with raw frames in raw-frames.test.ts.

  it('binds parameters, prepares and executes (pk indexes give a routing key)', async () => {
    const client = newClient();
    await client.connect();
    const result = await client.execute('SELECT k, v FROM ks.t WHERE k = ?', ['key-1'], { prepare: true });
    expect(result.rows[0]!['k']).toBe('key-1');
    expect(result.rows[0]!['v']).toBe(7);
    const execute = cql.calls.find((c) => c.op === 'execute')!;
    expect(execute.options!.values).toEqual([Buffer.from('key-1')]);
    // Simple statement with values and an unset (undefined) value.
    await client.execute('INSERT INTO ks.t (k, v) VALUES (?, ?)', ['x', undefined], { hints: ['text', 'int'] });
    const insert = cql.calls.find((c) => c.text.startsWith('INSERT'))!;
    expect(insert.options!.values![0]).toEqual(Buffer.from('x'));
    expect(typeof insert.options!.values![1]).toBe('symbol');
    expect(insert.options!.timestampMicros).toBeGreaterThan(1.5e15);
  });

  it('re-prepares after Unprepared', async () => {
    const client = newClient();
    await client.connect();
    await client.execute('SELECT k, v FROM ks.t WHERE k = ?', ['a'], { prepare: true });
    let first = true;
    const execute = cql.execute.bind(cql);
    cql.execute = async (id, options, session) => {
      if (first) {
        first = false;
        throw new CqlError(ErrorCode.Unprepared, 'not prepared', { kind: 'unprepared', id: Buffer.from(id) });
      }
      return execute(id, options, session);
    };
    const result = await client.execute('SELECT k, v FROM ks.t WHERE k = ?', ['b'], { prepare: true });
    expect(result.rows[0]!['k']).toBe('b');
    expect(cql.calls.filter((c) => c.op === 'prepare').length).toBeGreaterThanOrEqual(2);
  });

  it('pages with fetchSize and the paging state', async () => {
    const client = newClient();
    await client.connect();
    const first = await client.execute('SELECT k, v FROM ks.t', [], { fetchSize: 1 });
    expect(first.rows.map((r) => r['k'])).toEqual(['a']);
    expect(first.pageState).toBe(Buffer.from('page-2').toString('hex'));
    const second = await client.execute('SELECT k, v FROM ks.t', [], { fetchSize: 1, pageState: first.pageState });
    expect(second.rows.map((r) => r['k'])).toEqual(['b']);
    expect(second.pageState).toBeNull();
  });

  it('sends BATCH and surfaces warnings', async () => {
    const client = newClient();
    await client.connect();
    const result = await client.batch([
      { query: 'INSERT INTO ks.t (k, v) VALUES (?, ?)', params: ['a', 1] },
      { query: 'INSERT INTO ks.t (k, v) VALUES (?, ?)', params: ['b', 2] },
    ], { hints: [['text', 'int'], ['text', 'int']], consistency: cassandra.types.consistencies.quorum });
    expect(result.info.warnings).toEqual(['Batch for [ks.t] is of size 2, exceeding specified threshold']);
    const batch = cql.calls.find((c) => c.op === 'batch')!.batch!;
    expect(batch.batchType).toBe('logged');
    expect(batch.consistency).toBe(4);
    expect(batch.children.map((c) => c.kind)).toEqual(['query', 'query']);
  });

  it('maps errors to driver ResponseErrors with the protocol code', async () => {
    const client = newClient();
    await client.connect();
    const error = await client.execute('SELECT * FROM nope').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(cassandra.errors.ResponseError);
    expect((error as cassandra.errors.ResponseError).code).toBe(0x2200);
    // The connection stays usable.
    expect((await client.execute('SELECT k, v FROM ks.t')).rows).toHaveLength(2);
  });

  it('switches keyspace with USE on pool connections', async () => {
    const client = newClient({ keyspace: 'ks' });
    await client.connect();
    await client.execute('SELECT k, v FROM ks.t');
    expect(cql.calls.some((c) => c.text === 'USE "ks"')).toBe(true);
    expect(cql.calls.at(-1)!.keyspace).toBe('ks');
  });

  it('authenticates with PlainTextAuthProvider and rejects bad credentials', async () => {
    cql.authenticator = {
      className: 'org.apache.cassandra.auth.PasswordAuthenticator',
      authenticate: async (user, password) => {
        if (user === 'cassandra' && password === 'cassandra') return user;
        throw new CqlError(ErrorCode.BadCredentials, `Provided username ${user} and/or password are incorrect`);
      },
    };
    const good = newClient({ authProvider: new cassandra.auth.PlainTextAuthProvider('cassandra', 'cassandra') });
    await good.connect();
    expect((await good.execute('SELECT k, v FROM ks.t')).rows).toHaveLength(2);
    const bad = newClient({ authProvider: new cassandra.auth.PlainTextAuthProvider('cassandra', 'nope') });
    const error = await bad.connect().catch((e: unknown) => e);
    expect(String(error)).toMatch(/incorrect/);
  });

  it('gets Schema_change for DDL and a SCHEMA_CHANGE event on its control connection', async () => {
    const client = newClient();
    const events: unknown[] = [];
    client.on('log', (_level: string, className: string, message: string, furtherInfo: unknown) => {
      if (className === 'ControlConnection' && message === 'Schema change') events.push(furtherInfo);
    });
    await client.connect();
    const result = await client.execute('CREATE TABLE ks.new_table (k int PRIMARY KEY)');
    expect(result.rows).toBeUndefined();
    const deadline = Date.now() + 5000;
    while (events.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(events).toEqual([expect.objectContaining({ schemaChangeType: 'CREATED', keyspace: 'ks', table: 'new_table' })]);
  });

  it('handles STATUS_CHANGE and TOPOLOGY_CHANGE pushes without disturbing queries', async () => {
    const client = newClient();
    const messages: string[] = [];
    client.on('log', (_level: string, className: string, message: string) => {
      if (className === 'ControlConnection') messages.push(message);
    });
    await client.connect();
    server.broadcastEvent({ type: 'STATUS_CHANGE', change: 'DOWN', address: '127.0.0.9', port: 9042 });
    server.broadcastEvent({ type: 'TOPOLOGY_CHANGE', change: 'NEW_NODE', address: '127.0.0.9', port: 9042 });
    const deadline = Date.now() + 5000;
    while (!messages.includes('Received topology change') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(messages).toContain('Received topology change');
    expect(messages.some((m) => m.includes('host was not found: 127.0.0.9'))).toBe(true);
    expect((await client.execute('SELECT k, v FROM ks.t')).rows).toHaveLength(2);
  });
});
