// PasswordAuthenticator: checks SASL PLAIN credentials against system_auth.roles (salted_hash,
// can_login), as Cassandra's does. Failures are CqlError BadCredentials (0x0100) with Cassandra's
// messages. A recently verified password skips the KDF (CredentialsCache), and concurrent checks
// of the same credentials share one KDF run; distinct KDF runs in flight are bounded.
import { CqlError, ErrorCode } from '../../lib/index.ts';
import type { Authenticator } from '../service.ts';
import type { CredentialsCache } from './credentials-cache.ts';
import { verifyPassword } from './password-hash.ts';
import type { RoleStore } from './role-store.ts';

export const PASSWORD_AUTHENTICATOR_CLASS = 'org.apache.cassandra.auth.PasswordAuthenticator';
/** Distinct password verifications running at once; more are refused as Overloaded. */
export const VERIFICATIONS_IN_FLIGHT_MAX = 256;

export interface PasswordAuthenticatorOptions {
  readonly store: RoleStore;
  readonly credentials: CredentialsCache;
}

export class PasswordAuthenticator implements Authenticator {
  readonly className = PASSWORD_AUTHENTICATOR_CLASS;
  private readonly store: RoleStore;
  private readonly credentials: CredentialsCache;
  private readonly inFlight = new Map<string, Promise<boolean>>();

  constructor(options: PasswordAuthenticatorOptions) {
    this.store = options.store;
    this.credentials = options.credentials;
  }

  async authenticate(username: string, password: string): Promise<string> {
    let role;
    try {
      role = await this.store.getRole(username);
    } catch (error) {
      throw new CqlError(ErrorCode.BadCredentials, `Unable to perform authentication: ${(error as Error).message}`);
    }
    if (role === null || role.saltedHash === null) throw badCredentials(username);
    const storedHash = role.saltedHash;
    if (!this.credentials.has(username, storedHash, password)) {
      if (!(await this.verify(username, storedHash, password))) throw badCredentials(username);
      this.credentials.add(username, storedHash, password);
    }
    if (!role.canLogin) throw new CqlError(ErrorCode.BadCredentials, `${username} is not permitted to log in`);
    return username;
  }

  private verify(username: string, storedHash: string, password: string): Promise<boolean> {
    const key = `${username}\u0000${storedHash}\u0000${password}`;
    const running = this.inFlight.get(key);
    if (running !== undefined) return running;
    if (this.inFlight.size >= VERIFICATIONS_IN_FLIGHT_MAX) {
      return Promise.reject(new CqlError(ErrorCode.Overloaded, 'Too many authentications in progress; retry later'));
    }
    const promise = verifyPassword(password, storedHash).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, promise);
    return promise;
  }
}

function badCredentials(username: string): CqlError {
  return new CqlError(ErrorCode.BadCredentials, `Provided username ${username} and/or password are incorrect`);
}
