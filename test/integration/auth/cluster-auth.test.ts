// Three gossiping node processes with PasswordAuthenticator started together: they agree on one
// system_auth (Cassandra's table ids) and one default superuser, and a role created through one
// node logs in through another (the roles are read through the cluster coordinator).
import { createServer } from 'node:net';
import cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CassiaProcess } from '../../support/cassia-process.ts';
import { freePort, startCassiaProcess } from '../../support/cassia-process.ts';

const ADDRESSES = ['127.0.0.1', '127.0.0.2', '127.0.0.3'] as const;
const SEEDS = '127.0.0.1,127.0.0.2';
/** Bound of each wait for the cluster to agree (roles, schema) on a loaded machine. */
const SETTLE_MS = 120_000;
/** Starting three nodes (the third bootstraps: RING_DELAY) and waiting for one ring, on a loaded machine. */
const SETUP_TIMEOUT_MS = 480_000;
const TEST_TIMEOUT_MS = 400_000;
const POLL_MS = 250;

function portFreeOn(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, address, () => s.close(() => resolve(true)));
  });
}

async function portFreeOnAll(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await freePort(ADDRESSES[0]);
    if ((await Promise.all(ADDRESSES.slice(1).map((a) => portFreeOn(a, port)))).every(Boolean)) return port;
  }
  throw new Error('no port free on all three addresses');
}

/** A client bound to one node only (no discovery of the others). */
function clientOf(address: string, port: number, username: string, password: string): cassandra.Client {
  return new cassandra.Client({
    contactPoints: [`${address}:${port}`],
    localDataCenter: 'dc1',
    authProvider: new cassandra.auth.PlainTextAuthProvider(username, password),
    policies: { loadBalancing: new cassandra.policies.loadBalancing.AllowListPolicy(new cassandra.policies.loadBalancing.RoundRobinPolicy(), [`${address}:${port}`]) },
    pooling: { coreConnectionsPerHost: { [cassandra.types.distance.local]: 1 } },
    socketOptions: { readTimeout: 15_000 },
  });
}

async function on<T>(address: string, port: number, credentials: readonly [string, string], fn: (c: cassandra.Client) => Promise<T>): Promise<T> {
  const c = clientOf(address, port, credentials[0], credentials[1]);
  try {
    await c.connect();
    return await fn(c);
  } finally {
    await c.shutdown();
  }
}

async function eventually<T>(what: string, fn: () => Promise<T>, ok: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + SETTLE_MS;
  let last: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (ok(value)) return value;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

describe('PasswordAuthenticator on a three-node cluster', () => {
  const nodes: CassiaProcess[] = [];
  let port = 0;

  beforeAll(async () => {
    port = await portFreeOnAll();
    const storagePort = await portFreeOnAll();
    nodes.push(...await Promise.all(ADDRESSES.map((address, i) => startCassiaProcess({
      address, port, storagePort, seeds: SEEDS, rack: `rack${i + 1}`, clusterName: 'auth-cluster-test',
      extraConfig: { authenticator: 'PasswordAuthenticator' },
    }))));
    // One ring first: every node lists the other two in system.peers (what the tests below rely on).
    for (const address of ADDRESSES) {
      const others = ADDRESSES.filter((a) => a !== address).join();
      await eventually(`${address} to list its two peers`, () => on(address, port, ['cassandra', 'cassandra'], async (c) =>
        (await c.execute('SELECT peer FROM system.peers')).rows.map((r) => String(r['peer'])).sort().join()), (peers) => peers === others);
    }
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.destroy()));
  });

  it('agrees on system_auth and on one cassandra role', async () => {
    const cassandraRole = ['cassandra', 'cassandra'] as const;
    for (const address of ADDRESSES) {
      const ids = await eventually(`system_auth on ${address}`, () => on(address, port, cassandraRole, async (c) =>
        (await c.execute("SELECT table_name, id FROM system_schema.tables WHERE keyspace_name = 'system_auth'")).rows
          .map((r) => `${String(r['table_name'])}=${String(r['id'])}`)), (rows) => rows.length === 5);
      expect(ids).toContain('roles=5bc52802-de25-35ed-aeab-188eecebb090');
      const roles = await on(address, port, cassandraRole, async (c) => (await c.execute('LIST ROLES')).rows.map((r) => String(r['role'])));
      expect(roles).toEqual(['cassandra']);
    }
  }, TEST_TIMEOUT_MS);

  it('logs in through any node with a role created through another', async () => {
    await on(ADDRESSES[0], port, ['cassandra', 'cassandra'], (c) => c.execute("CREATE ROLE app WITH PASSWORD = 'app-pw' AND LOGIN = true"));
    for (const address of ADDRESSES) {
      const roles = await eventually(`app logging in through ${address}`, () => on(address, port, ['app', 'app-pw'], async (c) =>
        (await c.execute('LIST ROLES')).rows.map((r) => String(r['role']))), (r) => r.length === 1);
      expect(roles).toEqual(['app']);
    }
    await on(ADDRESSES[2], port, ['cassandra', 'cassandra'], (c) => c.execute("ALTER ROLE app WITH PASSWORD = 'new-pw'"));
    const refused = await on(ADDRESSES[1], port, ['app', 'app-pw'], async () => 'connected').catch((e: unknown) => {
      const inner = Object.values((e as { innerErrors?: Record<string, Error> }).innerErrors ?? {})[0];
      return (inner ?? (e as Error)).message;
    });
    expect(refused).toBe('Provided username app and/or password are incorrect');
    await on(ADDRESSES[1], port, ['app', 'new-pw'], async () => undefined);
  }, TEST_TIMEOUT_MS);
});
