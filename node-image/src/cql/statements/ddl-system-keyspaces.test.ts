// ALTER KEYSPACE on system keyspaces against an in-memory node: system_auth, system_distributed
// and system_traces take a new replication (stored, so it survives a restart, and listed by
// system_schema.keyspaces); system and system_schema refuse with Unauthorized.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { realTimers } from '../../io/real/index.ts';
import { CqlError, ErrorCode } from '../../lib/index.ts';
import type { AuthHarness } from '../auth/testing/auth-harness.ts';
import { openAuthHarness } from '../auth/testing/auth-harness.ts';

const NTS = 'org.apache.cassandra.locator.NetworkTopologyStrategy';

async function replicationOf(h: AuthHarness, keyspace: string): Promise<unknown> {
  const r = await h.query(`SELECT keyspace_name, replication FROM system_schema.keyspaces WHERE keyspace_name = '${keyspace}'`, h.session(null));
  expect(r.result.kind).toBe('rows');
  const ks = h.cql.clientSchema().keyspaces.get(keyspace);
  expect(h.rows(r).length).toBe(1);
  return ks === undefined ? null : { class: ks.replication.class, ...ks.replication.options };
}

describe('ALTER KEYSPACE of system keyspaces', () => {
  let h: AuthHarness;
  beforeEach(async () => {
    h = await openAuthHarness({ timers: realTimers, authenticator: 'AllowAllAuthenticator', datacenters: ['dc1', 'dc2'] });
  });
  afterEach(async () => {
    await h.close();
  });

  it.each(['system_distributed', 'system_traces', 'system_auth'])('stores a new replication for %s', async (keyspace) => {
    const r = await h.query(`ALTER KEYSPACE ${keyspace} WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': '3', 'dc2': '2'}`, h.session(null));
    expect(r.result.kind).toBe('schemaChange');
    expect(await replicationOf(h, keyspace)).toEqual({ class: NTS, dc1: '3', dc2: '2' });
    expect(h.coordinator.schema().keyspaces.get(keyspace)?.replication).toEqual({ class: NTS, options: { dc1: '3', dc2: '2' } });

    // Stored: it survives a restart of the node on the same data.
    const disk = h.disk;
    const clock = h.clock;
    await h.close();
    clock.advance(1000);
    h = await openAuthHarness({ timers: realTimers, authenticator: 'AllowAllAuthenticator', datacenters: ['dc1', 'dc2'], disk, clock });
    expect(await replicationOf(h, keyspace)).toEqual({ class: NTS, dc1: '3', dc2: '2' });
  });

  it('keeps IF EXISTS working and durable_writes from the placeholder', async () => {
    await h.query("ALTER KEYSPACE IF EXISTS system_traces WITH replication = {'class': 'SimpleStrategy', 'replication_factor': '1'}", h.session(null));
    expect(h.coordinator.schema().keyspaces.get('system_traces')?.durableWrites).toBe(true);
    expect(await replicationOf(h, 'system_traces')).toEqual({ class: 'org.apache.cassandra.locator.SimpleStrategy', replication_factor: '1' });
  });

  it.each(['system', 'system_schema'])('refuses %s with Unauthorized', async (keyspace) => {
    const error = await h.query(`ALTER KEYSPACE ${keyspace} WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': '3'}`, h.session(null))
      .then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(CqlError);
    expect((error as CqlError).code).toBe(ErrorCode.Unauthorized);
    expect((error as CqlError).message).toBe(`${keyspace} keyspace is not user-modifiable.`);
  });
});
