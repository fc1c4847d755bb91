// Node start-up duties of authentication: create the system_auth keyspace and tables when absent
// (a schema change through the coordinator, so it reaches every node like any DDL), then make sure
// a superuser can log in: the role named by CASSIA_SUPERUSER_USERNAME/PASSWORD when they are set
// (created, or made superuser + login with that password, idempotently), else with
// PasswordAuthenticator Cassandra's default cassandra/cassandra when no role exists at all. The
// default role is written at timestamp 0 (as Cassandra does) so that any later change wins and
// nodes starting together converge. A failed attempt is retried on a timer, a bounded number of times.
import type { Coordinator } from '../../coordinator/index.ts';
import type { Logger, Random, TimerHandle, Timers } from '../../io/index.ts';
import { ConsistencyLevel } from '../../lib/index.ts';
import { randomUuid, uuidToString } from '../../schema/index.ts';
import { withAuthSchema } from './auth-schema.ts';
import type { AuthService } from './auth-service.ts';
import { hashPassword, verifyPassword } from './password-hash.ts';
import type { RoleChanges } from './role-store.ts';
import { DEFAULT_SUPERUSER_NAME, DEFAULT_SUPERUSER_PASSWORD } from './role-store.ts';

/** Cassandra retries its default role setup every 10 s. */
export const AUTH_SETUP_RETRY_MS = 10_000;
/** Attempts before giving up (about ten minutes); the node keeps serving, logins then fail. */
export const AUTH_SETUP_ATTEMPTS_MAX = 60;

export interface SuperuserCredentials {
  readonly name: string;
  readonly password: string;
}

export interface AuthSetupOptions {
  readonly auth: AuthService;
  readonly coordinator: Coordinator;
  readonly random: Random;
  readonly timers: Timers;
  readonly logger: Logger;
  /** From CASSIA_SUPERUSER_USERNAME / CASSIA_SUPERUSER_PASSWORD; null when unset. */
  readonly superuser: SuperuserCredentials | null;
}

export class AuthSetup {
  private readonly options: AuthSetupOptions;
  private readonly logger: Logger;
  private attempts = 0;
  private timer: TimerHandle | null = null;
  private stopped = false;
  private completed = false;

  constructor(options: AuthSetupOptions) {
    if (options.superuser !== null && options.superuser.name === '') throw new Error('the superuser name must not be empty');
    this.options = options;
    this.logger = options.logger.child({ component: 'auth-setup' });
  }

  get done(): boolean {
    return this.completed;
  }

  /** Runs the first attempt; on failure schedules retries and still resolves (false). */
  async start(): Promise<boolean> {
    return this.attempt();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = null;
  }

  private async attempt(): Promise<boolean> {
    this.timer = null;
    if (this.stopped || this.completed) return this.completed;
    this.attempts++;
    try {
      await this.runOnce();
      this.completed = true;
      return true;
    } catch (error) {
      if (this.attempts >= AUTH_SETUP_ATTEMPTS_MAX) {
        this.logger.error({ err: error, attempts: this.attempts }, 'system_auth setup failed; giving up (logins may fail until the node restarts)');
        return false;
      }
      this.logger.warn({ err: error, attempt: this.attempts, retryInMs: AUTH_SETUP_RETRY_MS }, 'system_auth setup failed; will retry');
      if (!this.stopped) {
        this.timer = this.options.timers.setTimeout(() => {
          this.attempt().then(undefined, (e: unknown) => this.logger.error({ err: e }, 'system_auth setup retry failed'));
        }, AUTH_SETUP_RETRY_MS);
      }
      return false;
    }
  }

  private async runOnce(): Promise<void> {
    const { coordinator, random, superuser, auth } = this.options;
    await coordinator.changeSchema({ apply: (current) => withAuthSchema(current, uuidToString(randomUuid(random))) });
    if (superuser !== null) await this.ensureSuperuser(superuser);
    else if (auth.authenticator !== null) await this.ensureDefaultSuperuser();
  }

  private async ensureSuperuser(credentials: SuperuserCredentials): Promise<void> {
    const { auth, random } = this.options;
    const existing = await auth.store.getRole(credentials.name, ConsistencyLevel.QUORUM);
    if (existing === null) {
      const saltedHash = await hashPassword(credentials.password, random);
      await auth.store.createRole({ name: credentials.name, isSuperuser: true, canLogin: true, saltedHash });
      this.logger.info({ role: credentials.name }, 'created the superuser role named by CASSIA_SUPERUSER_USERNAME');
    } else {
      const changes: { -readonly [K in keyof RoleChanges]: RoleChanges[K] } = {};
      if (!existing.isSuperuser) changes.isSuperuser = true;
      if (!existing.canLogin) changes.canLogin = true;
      if (existing.saltedHash === null || !(await verifyPassword(credentials.password, existing.saltedHash))) {
        changes.saltedHash = await hashPassword(credentials.password, random);
      }
      if (Object.keys(changes).length > 0) {
        await auth.store.updateRole(credentials.name, changes);
        this.logger.info({ role: credentials.name, changed: Object.keys(changes) }, 'updated the superuser role named by CASSIA_SUPERUSER_USERNAME');
      }
    }
    auth.invalidate(credentials.name);
  }

  private async ensureDefaultSuperuser(): Promise<void> {
    const { store } = this.options.auth;
    if ((await store.getRole(DEFAULT_SUPERUSER_NAME, ConsistencyLevel.ONE)) !== null) return;
    if ((await store.getRole(DEFAULT_SUPERUSER_NAME, ConsistencyLevel.QUORUM)) !== null) return;
    if (await store.anyRoleExists(ConsistencyLevel.QUORUM)) return;
    const saltedHash = await hashPassword(DEFAULT_SUPERUSER_PASSWORD, this.options.random);
    await store.createRole({ name: DEFAULT_SUPERUSER_NAME, isSuperuser: true, canLogin: true, saltedHash }, 0);
    this.logger.warn(
      { role: DEFAULT_SUPERUSER_NAME },
      "Created default superuser role 'cassandra' with password 'cassandra': change it (ALTER ROLE cassandra WITH PASSWORD = '...') " +
        'or create another superuser and drop it; CASSIA_SUPERUSER_USERNAME/CASSIA_SUPERUSER_PASSWORD name a superuser instead',
    );
  }
}
