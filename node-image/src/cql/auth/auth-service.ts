// Authentication and role management of one shard: the role store, the PasswordAuthenticator
// (null with AllowAllAuthenticator), and who the session's user is for role statements. With
// AllowAllAuthenticator every client is Cassandra's anonymous user; with PasswordAuthenticator a
// session without a user is an internal caller (the management API), which may do anything.
import type { Coordinator } from '../../coordinator/index.ts';
import type { Clock, Logger, Random } from '../../io/index.ts';
import { CqlError, ErrorCode } from '../../lib/index.ts';
import type { ClientSession } from '../service.ts';
import { CredentialsCache } from './credentials-cache.ts';
import { PasswordAuthenticator } from './password-authenticator.ts';
import type { RoleRecord } from './role-store.ts';
import { RoleLimitError, RoleStore, ROLES_MAX } from './role-store.ts';

export type AuthenticatorName = 'AllowAllAuthenticator' | 'PasswordAuthenticator';
export type AuthorizerName = 'AllowAllAuthorizer' | 'CassandraAuthorizer';

export interface AuthServiceOptions {
  readonly coordinator: Coordinator;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  readonly authenticator: AuthenticatorName;
  readonly authorizer?: AuthorizerName;
  /** Datacenters ACCESS TO DATACENTERS may name. */
  readonly knownDatacenters: () => ReadonlySet<string>;
}

/** Who runs a role statement. */
export type Actor =
  | { readonly kind: 'anonymous' }
  | { readonly kind: 'internal' }
  | { readonly kind: 'user'; readonly name: string; readonly isSuper: boolean; readonly roles: ReadonlySet<string> };

export class AuthService {
  readonly store: RoleStore;
  readonly credentials: CredentialsCache;
  /** Null with AllowAllAuthenticator (the protocol layer then skips the SASL exchange). */
  readonly authenticator: PasswordAuthenticator | null;
  readonly authenticatorName: AuthenticatorName;
  readonly authorizerName: AuthorizerName;
  readonly random: Random;
  readonly logger: Logger;
  readonly knownDatacenters: () => ReadonlySet<string>;

  constructor(options: AuthServiceOptions) {
    this.store = new RoleStore({ coordinator: options.coordinator, clock: options.clock });
    this.credentials = new CredentialsCache({ clock: options.clock, random: options.random });
    this.authenticatorName = options.authenticator;
    this.authorizerName = options.authorizer ?? 'AllowAllAuthorizer';
    this.random = options.random;
    this.logger = options.logger.child({ component: 'auth' });
    this.knownDatacenters = options.knownDatacenters;
    this.authenticator = options.authenticator === 'PasswordAuthenticator'
      ? new PasswordAuthenticator({ store: this.store, credentials: this.credentials })
      : null;
  }

  /** PASSWORD and HASHED PASSWORD are role options only with PasswordAuthenticator (as in Cassandra). */
  get passwordsSupported(): boolean {
    return this.authenticator !== null;
  }

  async actorOf(session: ClientSession): Promise<Actor> {
    if (this.authenticator === null) return { kind: 'anonymous' };
    if (session.user === null) return { kind: 'internal' };
    const roles = await this.rolesOf(session.user, true);
    return { kind: 'user', name: session.user, isSuper: roles.some((r) => r.isSuperuser), roles: new Set(roles.map((r) => r.name)) };
  }

  /**
   * The role and, when `recursive`, every role granted to it directly or through other roles
   * (Cassandra's getRoles: the role itself first, then in discovery order). Missing roles are
   * skipped; at most ROLES_MAX roles are visited.
   */
  async rolesOf(name: string, recursive: boolean): Promise<RoleRecord[]> {
    const out: RoleRecord[] = [];
    const seen = new Set<string>([name]);
    const queue = [name];
    for (let i = 0; i < queue.length; i++) {
      if (i >= ROLES_MAX) throw new RoleLimitError(`more than ${ROLES_MAX} roles granted to ${name}`);
      const role = await this.store.getRole(queue[i]!);
      if (role === null) continue;
      out.push(role);
      if (!recursive && i > 0) continue;
      for (const granted of role.memberOf) {
        if (seen.has(granted)) continue;
        seen.add(granted);
        queue.push(granted);
      }
    }
    return out;
  }

  /** Cassandra's Roles.hasSuperuserStatus: the role or any role granted to it is a superuser. */
  async hasSuperuserStatus(name: string): Promise<boolean> {
    return (await this.rolesOf(name, true)).some((r) => r.isSuperuser);
  }

  /** Forget cached credentials of a role whose password, login or existence changed. */
  invalidate(role: string): void {
    this.credentials.invalidate(role);
  }
}

export function unauthorized(message: string): CqlError {
  return new CqlError(ErrorCode.Unauthorized, message);
}
