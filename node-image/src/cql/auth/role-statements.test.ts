// Role statements against an in-memory node; expected errors are the ones Apache Cassandra 5.0.9
// returned for the same statements (PasswordAuthenticator and AllowAllAuthenticator peers, with
// AllowAllAuthorizer; non-superuser role management as with CassandraAuthorizer).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { realTimers } from '../../io/real/index.ts';
import { CqlError } from '../../lib/index.ts';
import type { ClientSession } from '../service.ts';
import type { AuthHarness } from './testing/auth-harness.ts';
import { openAuthHarness } from './testing/auth-harness.ts';

async function outcome(h: AuthHarness, text: string, session: ClientSession): Promise<string> {
  try {
    const r = await h.query(text, session);
    return r.result.kind === 'rows' ? `rows ${JSON.stringify(h.rows(r))}` : r.result.kind;
  } catch (error) {
    if (error instanceof CqlError) return `0x${error.code.toString(16).padStart(4, '0')} ${error.message}`;
    throw error;
  }
}

/** Runs [statement, expected] pairs in order as `session`; returns the mismatches. */
async function script(h: AuthHarness, session: ClientSession, steps: ReadonlyArray<readonly [string, string]>): Promise<string[]> {
  const problems: string[] = [];
  for (const [text, expected] of steps) {
    const got = await outcome(h, text, session);
    if (got !== expected) problems.push(`${text}\n  expected ${expected}\n  got      ${got}`);
  }
  return problems;
}

const role = (name: string, superuser: boolean, login: boolean): Record<string, unknown> =>
  ({ role: name, super: superuser, login, options: '00000000', datacenters: 'ALL' });

describe('role statements with PasswordAuthenticator', () => {
  let h: AuthHarness;
  beforeEach(async () => {
    h = await openAuthHarness({ timers: realTimers, authenticator: 'PasswordAuthenticator' });
  });
  afterEach(async () => {
    await h.close();
  });

  it('manages roles as a superuser with Cassandra results and errors', async () => {
    const su = h.session('cassandra');
    const rows = (...r: Array<Record<string, unknown>>): string => `rows ${JSON.stringify(r)}`;
    expect(await script(h, su, [
      ['LIST ROLES', rows(role('cassandra', true, true))],
      ['LIST USERS', rows({ name: 'cassandra', super: true, datacenters: 'ALL' })],
      ["CREATE ROLE alice WITH PASSWORD = 'pw' AND LOGIN = true", 'void'],
      ['CREATE ROLE alice', '0x2200 alice already exists'],
      ['CREATE ROLE IF NOT EXISTS alice', 'void'],
      ["CREATE ROLE bob WITH OPTIONS = {'a':'b'}", "0x2200 org.apache.cassandra.auth.CassandraRoleManager doesn't support OPTIONS"],
      ["CREATE USER carol WITH PASSWORD 'x' NOSUPERUSER", 'void'],
      ['CREATE USER carol', '0x2200 carol already exists'],
      ['LIST ROLES', rows(role('alice', false, true), role('carol', false, true), role('cassandra', true, true))],
      ['GRANT alice TO carol', 'void'],
      ['GRANT alice TO carol', '0x2200 carol is a member of alice'],
      ['LIST ROLES OF carol', rows(role('alice', false, true), role('carol', false, true))],
      ['GRANT SELECT ON ALL KEYSPACES TO alice', '0x0000 java.lang.UnsupportedOperationException: GRANT operation is not supported by AllowAllAuthorizer'],
      ['REVOKE SELECT ON ALL KEYSPACES FROM alice', '0x0000 java.lang.UnsupportedOperationException: REVOKE operation is not supported by AllowAllAuthorizer'],
      ['LIST ALL PERMISSIONS', '0x2200 LIST PERMISSIONS operation is not supported by AllowAllAuthorizer'],
      ['LIST ALL PERMISSIONS OF nobody', "0x2200 <role nobody> doesn't exist"],
      ['LIST ALL PERMISSIONS ON KEYSPACE nope OF nobody', "0x2200 <keyspace nope> doesn't exist"],
      ['GRANT SELECT ON ALL KEYSPACES TO nobody', "0x2200 Role nobody doesn't exist"],
      ['GRANT SELECT ON KEYSPACE nope TO alice', "0x2200 Resource <keyspace nope> doesn't exist"],
      ['GRANT ALL ON TABLE nope.t TO alice', "0x2200 Resource <table nope.t> doesn't exist"],
      ['GRANT ALTER ON ROLE nobody TO alice', "0x2200 Resource <role nobody> doesn't exist"],
      ['GRANT EXECUTE ON ALL FUNCTIONS IN KEYSPACE nope TO alice', "0x2200 Resource <all functions in nope> doesn't exist"],
      ['GRANT EXECUTE ON FUNCTION system.now() TO alice', '0x2200 Altering permissions on builtin functions is not supported'],
      ['GRANT SELECT ON roles TO alice', '0x2200 No keyspace has been specified. USE a keyspace, or explicitly specify keyspace.tablename'],
      ['GRANT SELECT ON system_auth.roles TO alice', '0x0000 java.lang.UnsupportedOperationException: GRANT operation is not supported by AllowAllAuthorizer'],
      ['GRANT MODIFY ON system_auth.roles TO alice', '0x2100 Granting permissions on system keyspaces is strictly limited, this operation is not permitted'],
      ['GRANT ALL ON KEYSPACE system_schema TO alice', '0x2100 Granting permissions on system keyspaces is strictly limited, this operation is not permitted'],
      ['GRANT SELECT, MODIFY ON KEYSPACE system TO alice', '0x2100 Granting permissions on system keyspaces is strictly limited, this operation is not permitted'],
      ['GRANT ALTER ON KEYSPACE system_auth TO alice', '0x0000 java.lang.UnsupportedOperationException: GRANT operation is not supported by AllowAllAuthorizer'],
      ['GRANT MODIFY ON KEYSPACE system_auth TO nobody', "0x2200 Role nobody doesn't exist"],
      ['GRANT MODIFY ON system_auth.nope TO alice', "0x2200 Resource <table system_auth.nope> doesn't exist"],
      ['REVOKE MODIFY ON KEYSPACE system_auth FROM alice', '0x0000 java.lang.UnsupportedOperationException: REVOKE operation is not supported by AllowAllAuthorizer'],
      ['DROP ROLE nobody', "0x2200 nobody doesn't exist"],
      ['DROP ROLE IF EXISTS nobody', 'void'],
      ['ALTER ROLE nobody WITH LOGIN = true', "0x2200 Role nobody doesn't exist"],
      ['ALTER ROLE IF EXISTS nobody WITH LOGIN = true', 'void'],
      ['ALTER ROLE alice', "0x2200 ALTER [ROLE|USER] can't be empty"],
      ["ALTER ROLE alice WITH OPTIONS = {'a':'b'}", "0x2200 org.apache.cassandra.auth.CassandraRoleManager doesn't support OPTIONS"],
      ['GRANT nobody TO alice', "0x2200 nobody doesn't exist"],
      ['GRANT alice TO nobody', "0x2200 nobody doesn't exist"],
      ['REVOKE alice FROM carol', 'void'],
      ['REVOKE alice FROM carol', '0x2200 carol is not a member of alice'],
      ['ALTER ROLE cassandra WITH SUPERUSER = false', "0x2100 You aren't allowed to alter your own superuser status or that of a role granted to you"],
      ['DROP ROLE cassandra', '0x2200 Cannot DROP primary role for current login'],
      ["CREATE ROLE ''", "0x2200 Role name can't be an empty string"],
      ["CREATE ROLE w WITH PASSWORD = ''", 'void'],
      ["CREATE ROLE h WITH HASHED PASSWORD = 'xyz'", '0x2200 Invalid hashed password value. Cassia accepts only its own scrypt hashes ($scrypt$ln=N,r=R,p=P$salt$hash), not bcrypt.'],
      ['CREATE ROLE c2 WITH ACCESS TO ALL DATACENTERS', 'void'],
      ["CREATE ROLE c3 WITH ACCESS TO DATACENTERS {'dc1'}", 'void'],
      ["CREATE ROLE c4 WITH ACCESS TO DATACENTERS {'nope', 'dc1', 'x'}", "0x2200 Invalid value(s) for DATACENTERS '[nope, dc1, x]',All values must be valid datacenters"],
      ['ALTER ROLE nobody WITH ACCESS TO ALL DATACENTERS', "0x2200 Role nobody doesn't exist"],
      ['ALTER ROLE carol WITH ACCESS TO ALL DATACENTERS AND LOGIN = true', '0x2200 ACCESS TO DATACENTERS operations not supported by AllowAllNetworkAuthorizer'],
      ['CREATE ROLE c1 WITH ACCESS FROM ALL CIDRS', 'void'],
      ["CREATE ROLE c9 WITH ACCESS FROM CIDRS {'region1'}", '0x2200 Invalid CIDR group(s): [region1]. Available CIDR Groups are: []'],
      ['LIST ROLES OF nobody', "0x2200 <role nobody> doesn't exist"],
      ["CREATE ROLE 'Quoted'", 'void'],
      ['DROP ROLE Quoted', "0x2200 quoted doesn't exist"],
      ['DROP ROLE \'Quoted\'', 'void'],
    ])).toEqual([]);
  });

  it('follows role hierarchies: recursive listing, circular and self grants refused', async () => {
    const su = h.session('cassandra');
    const rows = (...r: Array<Record<string, unknown>>): string => `rows ${JSON.stringify(r)}`;
    expect(await script(h, su, [
      ["CREATE ROLE carol WITH PASSWORD = 'x' AND LOGIN = true", 'void'],
      ['CREATE ROLE r3', 'void'],
      ['CREATE ROLE r2', 'void'],
      ['GRANT r3 TO r2', 'void'],
      ['GRANT r2 TO carol', 'void'],
      ['LIST ROLES OF carol', rows(role('carol', false, true), role('r2', false, false), role('r3', false, false))],
      ['GRANT carol TO r3', '0x2200 carol is a member of r3'],
      ['GRANT carol TO carol', '0x2200 carol is a member of carol'],
      ['CREATE ROLE su WITH SUPERUSER = true', 'void'],
      ['GRANT su TO carol', 'void'],
      // LIST ROLES shows a role's own flag, LIST USERS the inherited superuser status.
      ['LIST ROLES OF carol', rows(role('carol', false, true), role('r2', false, false), role('r3', false, false), role('su', true, false))],
      ['LIST USERS', rows({ name: 'carol', super: true, datacenters: 'ALL' }, { name: 'cassandra', super: true, datacenters: 'ALL' })],
      ['DROP ROLE r2', 'void'],
      ['LIST ROLES OF carol', rows(role('carol', false, true), role('su', true, false))],
    ])).toEqual([]);
    expect((await h.auth.store.getRole('carol'))!.memberOf).toEqual(['su']);
    expect(await h.auth.store.membersOf('r2')).toEqual([]);
    expect(await h.auth.store.membersOf('r3')).toEqual([]);
  });

  it('lets a non-superuser change only its own password and see only its own roles', async () => {
    const su = h.session('cassandra');
    for (const text of [
      "CREATE ROLE alice WITH PASSWORD = 'pw' AND LOGIN = true", "CREATE ROLE bob WITH PASSWORD = 'pw' AND LOGIN = true",
      'CREATE ROLE r1', 'CREATE ROLE r2', 'GRANT r1 TO alice', 'GRANT r2 TO r1', 'CREATE ROLE su WITH SUPERUSER = true',
    ]) await h.query(text, su);
    const alice = h.session('alice');
    const rows = (...r: Array<Record<string, unknown>>): string => `rows ${JSON.stringify(r)}`;
    const denied = '0x2100 User alice does not have sufficient privileges to perform the requested operation';
    expect(await script(h, alice, [
      ['LIST ROLES', rows(role('alice', false, true), role('r1', false, false), role('r2', false, false))],
      ['LIST USERS', rows({ name: 'alice', super: false, datacenters: 'ALL' })],
      ['LIST ROLES OF r1', rows(role('r1', false, false), role('r2', false, false))],
      ['LIST ROLES OF bob', '0x2100 You are not authorized to view roles granted to bob '],
      ['LIST ROLES OF nobody', "0x2200 <role nobody> doesn't exist"],
      ['CREATE ROLE d1', denied],
      ['CREATE ROLE d2 WITH SUPERUSER = true', denied],
      ['CREATE ROLE bob', denied],
      ["ALTER ROLE alice WITH PASSWORD = 'pw2'", 'void'],
      ['ALTER ROLE alice WITH LOGIN = true', "0x2100 You aren't allowed to alter LOGIN"],
      ['ALTER ROLE alice WITH SUPERUSER = true', "0x2100 You aren't allowed to alter your own superuser status or that of a role granted to you"],
      ["ALTER ROLE bob WITH PASSWORD = 'x'", denied],
      ['ALTER ROLE su WITH LOGIN = true', denied],
      ['ALTER ROLE bob WITH SUPERUSER = true', '0x2100 Only superusers are allowed to alter superuser status'],
      ['DROP ROLE bob', denied],
      ['DROP ROLE su', denied],
      ['GRANT r2 TO bob', denied],
      ['REVOKE r1 FROM alice', denied],
      ['CREATE USER u1', denied],
      ['DROP USER bob', denied],
    ])).toEqual([]);
  });

  it('treats a session without a user as an internal caller', async () => {
    expect(await outcome(h, "CREATE ROLE ops WITH PASSWORD = 'p' AND LOGIN = true AND SUPERUSER = true", h.session(null))).toBe('void');
    expect((await h.auth.store.getRole('ops'))!.isSuperuser).toBe(true);
  });
});

describe('role statements with AllowAllAuthenticator (anonymous clients)', () => {
  let h: AuthHarness;
  beforeEach(async () => {
    h = await openAuthHarness({ timers: realTimers, authenticator: 'AllowAllAuthenticator' });
  });
  afterEach(async () => {
    await h.close();
  });

  it('refuses as Cassandra does, in its order', async () => {
    const anonymous = h.session(null);
    const login = '0x2100 You have to be logged in and not anonymous to perform this request';
    expect(await script(h, anonymous, [
      ['LIST ROLES', login],
      ["CREATE ROLE a1 WITH PASSWORD = 'p' AND LOGIN = true", "0x2200 org.apache.cassandra.auth.CassandraRoleManager doesn't support PASSWORD"],
      ["CREATE ROLE a3 WITH HASHED PASSWORD = 'xyz'", "0x2200 org.apache.cassandra.auth.CassandraRoleManager doesn't support HASHED_PASSWORD"],
      ['CREATE ROLE s1 WITH SUPERUSER = true', '0x2100 Only superusers can create a role with superuser status'],
      ['ALTER ROLE cassandra WITH SUPERUSER = false', '0x2100 Only superusers are allowed to alter superuser status'],
      ['ALTER ROLE x WITH LOGIN = true', login],
      ['CREATE ROLE x WITH SUPERUSER = false', login],
      ["CREATE ROLE x WITH OPTIONS = {'a': 'b'}", "0x2200 org.apache.cassandra.auth.CassandraRoleManager doesn't support OPTIONS"],
      ["CREATE ROLE ''", "0x2200 Role name can't be an empty string"],
      ["CREATE ROLE x WITH ACCESS TO DATACENTERS {'dc9'}", "0x2200 Invalid value(s) for DATACENTERS '[dc9]',All values must be valid datacenters"],
      ['DROP ROLE x', login],
      ['GRANT a1 TO cassandra', login],
      ['LIST USERS', login],
      ['GRANT SELECT ON ALL KEYSPACES TO a1', login],
      ['LIST ALL PERMISSIONS', login],
      ['CREATE USER u1', login],
      ["CREATE USER u1 WITH PASSWORD 'a' SUPERUSER", '0x2100 Only superusers can create a role with superuser status'],
      ['DROP USER IF EXISTS u1', login],
    ])).toEqual([]);
  });

  it('creates no default superuser', async () => {
    expect(await h.auth.store.listRoles()).toEqual([]);
  });
});
