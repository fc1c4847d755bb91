import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { realTimers } from '../../io/real/index.ts';
import { CqlError, ErrorCode } from '../../lib/index.ts';
import type { AuthHarness } from './testing/auth-harness.ts';
import { openAuthHarness } from './testing/auth-harness.ts';

async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'success';
  } catch (error) {
    if (!(error instanceof CqlError)) throw error;
    return `0x${error.code.toString(16).padStart(4, '0')} ${error.message}`;
  }
}

describe('PasswordAuthenticator', () => {
  let h: AuthHarness;
  beforeEach(async () => {
    h = await openAuthHarness({ timers: realTimers, authenticator: 'PasswordAuthenticator' });
  });
  afterEach(async () => {
    await h.close();
  });

  it('announces Cassandra class name', () => {
    expect(h.cql.authenticator!.className).toBe('org.apache.cassandra.auth.PasswordAuthenticator');
  });

  it('accepts the right password and refuses everything else with Cassandra messages', async () => {
    const authenticator = h.cql.authenticator!;
    expect(await authenticator.authenticate('cassandra', 'cassandra')).toBe('cassandra');
    expect(await failure(authenticator.authenticate('cassandra', 'wrong'))).toBe('0x0100 Provided username cassandra and/or password are incorrect');
    expect(await failure(authenticator.authenticate('nobody', 'x'))).toBe('0x0100 Provided username nobody and/or password are incorrect');
    await h.query("CREATE ROLE nl WITH PASSWORD = 'p'", h.session('cassandra'));
    expect(await failure(authenticator.authenticate('nl', 'p'))).toBe('0x0100 nl is not permitted to log in');
    expect(await failure(authenticator.authenticate('nl', 'q'))).toBe('0x0100 Provided username nl and/or password are incorrect');
    await h.query('CREATE ROLE nopw WITH LOGIN = true', h.session('cassandra'));
    expect(await failure(authenticator.authenticate('nopw', ''))).toBe('0x0100 Provided username nopw and/or password are incorrect');
  });

  it('caches a verified password until the password or login changes', async () => {
    const authenticator = h.cql.authenticator!;
    const su = h.session('cassandra');
    await h.query("CREATE ROLE app WITH PASSWORD = 'one' AND LOGIN = true", su);
    expect(await authenticator.authenticate('app', 'one')).toBe('app');
    const stored = (await h.auth.store.getRole('app'))!.saltedHash!;
    expect(h.auth.credentials.has('app', stored, 'one')).toBe(true);
    // Concurrent logins of one role share a single verification.
    const burst = await Promise.all(Array.from({ length: 8 }, () => authenticator.authenticate('app', 'one')));
    expect(burst).toEqual(Array(8).fill('app'));

    await h.query("ALTER ROLE app WITH PASSWORD = 'two'", su);
    expect(await failure(authenticator.authenticate('app', 'one'))).toBe('0x0100 Provided username app and/or password are incorrect');
    expect(await authenticator.authenticate('app', 'two')).toBe('app');
    await h.query('ALTER ROLE app WITH LOGIN = false', su);
    expect(await failure(authenticator.authenticate('app', 'two'))).toBe('0x0100 app is not permitted to log in');
    await h.query('DROP ROLE app', su);
    expect(await failure(authenticator.authenticate('app', 'two'))).toBe('0x0100 Provided username app and/or password are incorrect');
  });

  it('reports a failed role read as an authentication failure', async () => {
    const authenticator = h.cql.authenticator!;
    await h.storage.close();
    const message = await failure(authenticator.authenticate('cassandra', 'cassandra'));
    expect(message.startsWith(`0x${ErrorCode.BadCredentials.toString(16).padStart(4, '0')} Unable to perform authentication: `)).toBe(true);
  });
});
