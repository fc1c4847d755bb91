import { describe, expect, it } from 'vitest';
import { MemoryDisk } from '../../io/index.ts';
import { realTimers } from '../../io/real/index.ts';
import { recordingLogger } from '../../storage/testing/engine-harness.ts';
import { verifyPassword } from './password-hash.ts';
import { ManualClock, openAuthHarness } from './testing/auth-harness.ts';

describe('AuthSetup', () => {
  it('creates system_auth and the default cassandra superuser once, with a warning', async () => {
    const disk = new MemoryDisk();
    const logger = recordingLogger();
    const h = await openAuthHarness({ timers: realTimers, authenticator: 'PasswordAuthenticator', disk, logger });
    expect(h.setup.done).toBe(true);
    const ks = h.coordinator.schema().keyspaces.get('system_auth')!;
    expect([...ks.tables.keys()]).toEqual(['network_permissions', 'resource_role_permissons_index', 'role_members', 'role_permissions', 'roles']);
    const role = (await h.auth.store.getRole('cassandra'))!;
    expect(role).toMatchObject({ name: 'cassandra', isSuperuser: true, canLogin: true, memberOf: [] });
    expect(await verifyPassword('cassandra', role.saltedHash!)).toBe(true);
    expect(logger.records.filter((r) => r.level === 'warn').map((r) => r.message).join()).toContain("Created default superuser role 'cassandra'");
    // The client schema shows the stored keyspace, not an empty placeholder.
    expect([...h.cql.clientSchema().keyspaces.get('system_auth')!.tables.keys()]).toContain('roles');
    await h.query("ALTER ROLE cassandra WITH PASSWORD = 'changed'", h.session('cassandra'));
    await h.close();

    // Restart on the same data: roles and the changed password are kept, nothing is recreated.
    const version = h.coordinator.schema().version;
    const again = await openAuthHarness({ timers: realTimers, authenticator: 'PasswordAuthenticator', disk });
    expect(again.coordinator.schema().version).toBe(version);
    const kept = (await again.auth.store.getRole('cassandra'))!;
    expect(await verifyPassword('changed', kept.saltedHash!)).toBe(true);
    await again.close();
  });

  it('does not recreate cassandra when other roles exist', async () => {
    const disk = new MemoryDisk();
    const h = await openAuthHarness({ timers: realTimers, authenticator: 'PasswordAuthenticator', disk });
    const su = h.session('cassandra');
    await h.query("CREATE ROLE admin WITH PASSWORD = 'a' AND LOGIN = true AND SUPERUSER = true", su);
    await h.query('DROP ROLE cassandra', h.session('admin'));
    await h.close();
    const again = await openAuthHarness({ timers: realTimers, authenticator: 'PasswordAuthenticator', disk });
    expect((await again.auth.store.listRoles()).map((r) => r.name)).toEqual(['admin']);
    await again.close();
  });

  it('creates the CASSIA_SUPERUSER_* role instead of cassandra, and repairs it idempotently', async () => {
    const disk = new MemoryDisk();
    const clock = new ManualClock();
    const superuser = { name: 'cassia', password: 's3cret' };
    const h = await openAuthHarness({ timers: realTimers, authenticator: 'PasswordAuthenticator', disk, superuser, clock });
    expect((await h.auth.store.listRoles()).map((r) => r.name)).toEqual(['cassia']);
    const created = (await h.auth.store.getRole('cassia'))!;
    expect(created).toMatchObject({ isSuperuser: true, canLogin: true });
    expect(await verifyPassword('s3cret', created.saltedHash!)).toBe(true);
    // Someone demotes it and changes its password; the next start restores superuser, login and the password.
    await h.auth.store.updateRole('cassia', { isSuperuser: false, canLogin: false });
    await h.query("ALTER ROLE cassia WITH PASSWORD = 'other'", h.session(null));
    await h.close();
    clock.advance(1000);
    const again = await openAuthHarness({ timers: realTimers, authenticator: 'PasswordAuthenticator', disk, superuser, clock });
    const repaired = (await again.auth.store.getRole('cassia'))!;
    expect(repaired).toMatchObject({ isSuperuser: true, canLogin: true });
    expect(await verifyPassword('s3cret', repaired.saltedHash!)).toBe(true);
    const hash = repaired.saltedHash;
    await again.close();
    // Nothing to change: the stored hash stays as it is.
    clock.advance(1000);
    const third = await openAuthHarness({ timers: realTimers, authenticator: 'PasswordAuthenticator', disk, superuser, clock });
    expect((await third.auth.store.getRole('cassia'))!.saltedHash).toBe(hash);
    await third.close();
  });

  it('creates no role with AllowAllAuthenticator unless a superuser is named', async () => {
    const h = await openAuthHarness({ timers: realTimers, authenticator: 'AllowAllAuthenticator' });
    expect(h.coordinator.schema().keyspaces.has('system_auth')).toBe(true);
    expect(await h.auth.store.listRoles()).toEqual([]);
    await h.close();
    const named = await openAuthHarness({ timers: realTimers, authenticator: 'AllowAllAuthenticator', superuser: { name: 'ops', password: 'p' } });
    expect((await named.auth.store.listRoles()).map((r) => r.name)).toEqual(['ops']);
    await named.close();
  });
});
