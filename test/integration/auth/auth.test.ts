// PasswordAuthenticator end to end: a Cassia node in its own process with
// `authenticator: PasswordAuthenticator`, the npm cassandra-driver with PlainTextAuthProvider, the
// raw protocol for the exact error code, a restart, the CASSIA_SUPERUSER_* environment, and the
// Python driver (CASSIA_PYTHON, else the cached interop venv when present, else skipped loudly).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../node-image/src/lib/index.ts';
import { Opcode } from '../../../node-image/src/protocol/message-codes.ts';
import { readError, startupBody } from '../../../node-image/src/protocol/testing/test-frames.ts';
import type { CassiaProcess } from '../../support/cassia-process.ts';
import { startCassiaProcess } from '../../support/cassia-process.ts';
import { RawClient } from '../protocol/raw-client.ts';

const AUTH_CONFIG = { authenticator: 'PasswordAuthenticator' } as const;
const PYTHON_TIMEOUT_MS = 120_000;

function client(node: CassiaProcess, username: string | null, password = ''): cassandra.Client {
  return new cassandra.Client({
    contactPoints: [node.contactPoint],
    localDataCenter: node.dc,
    ...(username === null ? {} : { authProvider: new cassandra.auth.PlainTextAuthProvider(username, password) }),
    pooling: { coreConnectionsPerHost: { [cassandra.types.distance.local]: 1 } },
  });
}

/** Connects, runs `fn`, and always shuts the client down. */
async function withClient<T>(node: CassiaProcess, username: string, password: string, fn: (c: cassandra.Client) => Promise<T>): Promise<T> {
  const c = client(node, username, password);
  try {
    await c.connect();
    return await fn(c);
  } finally {
    await c.shutdown();
  }
}

/** The error the driver reports for the (only) host when connect() fails. */
async function connectError(node: CassiaProcess, username: string | null, password = ''): Promise<Error> {
  const c = client(node, username, password);
  try {
    await c.connect();
  } catch (error) {
    const inner = Object.values((error as { innerErrors?: Record<string, Error> }).innerErrors ?? {});
    return inner[0] ?? (error as Error);
  } finally {
    await c.shutdown();
  }
  throw new Error(`${username ?? '(no credentials)'} connected`);
}

async function roleNames(c: cassandra.Client, statement = 'LIST ROLES'): Promise<string[]> {
  return (await c.execute(statement)).rows.map((r) => String(r['role'] ?? r['name']));
}

describe('PasswordAuthenticator on a Cassia process', () => {
  let node: CassiaProcess;

  beforeAll(async () => {
    node = await startCassiaProcess({ extraConfig: AUTH_CONFIG });
  });

  afterAll(async () => {
    await node?.destroy();
  });

  it('lets cassandra/cassandra in and lists the default role as Cassandra does', async () => {
    const result = await withClient(node, 'cassandra', 'cassandra', (c) => c.execute('LIST ROLES'));
    expect(result.columns.map((col) => col.name)).toEqual(['role', 'super', 'login', 'options', 'datacenters']);
    expect(result.rows.map((r) => ({ ...r }))).toEqual([{ role: 'cassandra', super: true, login: true, options: {}, datacenters: 'ALL' }]);
    const users = await withClient(node, 'cassandra', 'cassandra', (c) => c.execute('LIST USERS'));
    expect(users.columns.map((col) => col.name)).toEqual(['name', 'super', 'datacenters']);
    expect(node.logTail(200_000)).toContain("Created default superuser role 'cassandra'");
  });

  it('refuses a wrong password with AuthenticationError, and code 0x0100 on the wire', async () => {
    const error = await connectError(node, 'cassandra', 'wrong');
    expect(error).toBeInstanceOf(cassandra.errors.AuthenticationError);
    expect(error.message).toBe('Provided username cassandra and/or password are incorrect');
    expect((await connectError(node, 'nobody', 'x')).message).toBe('Provided username nobody and/or password are incorrect');
    expect(await connectError(node, null)).toBeInstanceOf(cassandra.errors.AuthenticationError);

    const raw = await RawClient.connect(node.port, node.address);
    try {
      raw.send({ stream: 1, opcode: Opcode.Startup, body: startupBody({ CQL_VERSION: '3.0.0' }) });
      expect((await raw.response(1)).opcode).toBe(Opcode.Authenticate);
      const token = Buffer.from('\u0000cassandra\u0000wrong', 'utf8');
      const body = Buffer.alloc(4 + token.length);
      body.writeInt32BE(token.length, 0);
      token.copy(body, 4);
      raw.send({ stream: 2, opcode: Opcode.AuthResponse, body });
      const failure = readError(await raw.response(2));
      expect(failure.code).toBe(ErrorCode.BadCredentials);
      expect(failure.message).toBe('Provided username cassandra and/or password are incorrect');
    } finally {
      raw.close();
    }
  });

  it('creates a login role that can connect; a non-superuser cannot manage roles', async () => {
    await withClient(node, 'cassandra', 'cassandra', async (c) => {
      await c.execute("CREATE ROLE app WITH PASSWORD = 'app-pw' AND LOGIN = true");
      await c.execute("CREATE ROLE nologin WITH PASSWORD = 'x'");
      await c.execute("CREATE KEYSPACE IF NOT EXISTS ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
      await c.execute('CREATE TABLE IF NOT EXISTS ks.t (k int PRIMARY KEY, v text)');
    });
    await withClient(node, 'app', 'app-pw', async (c) => {
      // Data access is not restricted (AllowAllAuthorizer).
      await c.execute("INSERT INTO ks.t (k, v) VALUES (1, 'one')");
      expect((await c.execute('SELECT v FROM ks.t WHERE k = 1')).rows[0]!['v']).toBe('one');
      expect(await roleNames(c)).toEqual(['app']);
      const denied = await c.execute('CREATE ROLE other').then(() => null, (e: unknown) => e as cassandra.errors.ResponseError);
      expect(denied).toBeInstanceOf(cassandra.errors.ResponseError);
      expect(denied!.code).toBe(ErrorCode.Unauthorized);
      expect(denied!.message).toBe('User app does not have sufficient privileges to perform the requested operation');
      const superDenied = await c.execute('ALTER ROLE app WITH SUPERUSER = true').then(() => null, (e: unknown) => e as Error);
      expect(superDenied?.message).toBe("You aren't allowed to alter your own superuser status or that of a role granted to you");
      await c.execute("ALTER ROLE app WITH PASSWORD = 'app-pw2'");
    });
    expect((await connectError(node, 'app', 'app-pw')).message).toBe('Provided username app and/or password are incorrect');
    await withClient(node, 'app', 'app-pw2', async (c) => expect(await roleNames(c)).toEqual(['app']));
    expect((await connectError(node, 'nologin', 'x')).message).toBe('nologin is not permitted to log in');
    await withClient(node, 'cassandra', 'cassandra', async (c) => {
      expect(await roleNames(c)).toEqual(['app', 'cassandra', 'nologin']);
      const stored = await c.execute('SELECT role, can_login, is_superuser, salted_hash FROM system_auth.roles');
      expect(stored.rows.map((r) => r['role']).sort()).toEqual(['app', 'cassandra', 'nologin']);
      expect(String(stored.rows[0]!['salted_hash'])).toMatch(/^\$scrypt\$/);
    });
  });

  it('keeps roles across a restart', async () => {
    await node.restart();
    await withClient(node, 'app', 'app-pw2', async (c) => {
      expect(await roleNames(c)).toEqual(['app']);
    });
    await withClient(node, 'cassandra', 'cassandra', async (c) => {
      expect(await roleNames(c)).toEqual(['app', 'cassandra', 'nologin']);
      const ks = await c.execute("SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = 'system_auth'");
      expect(ks.rows[0]!['replication']).toEqual({ class: 'org.apache.cassandra.locator.SimpleStrategy', replication_factor: '1' });
      await c.execute("ALTER KEYSPACE system_auth WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
    });
  });
});

describe('CASSIA_SUPERUSER_USERNAME / CASSIA_SUPERUSER_PASSWORD', () => {
  let node: CassiaProcess;

  beforeAll(async () => {
    // The node process inherits this process's environment when it is spawned.
    process.env['CASSIA_SUPERUSER_USERNAME'] = 'cassia-admin';
    process.env['CASSIA_SUPERUSER_PASSWORD'] = 'env-secret';
    try {
      node = await startCassiaProcess({ extraConfig: AUTH_CONFIG });
    } finally {
      delete process.env['CASSIA_SUPERUSER_USERNAME'];
      delete process.env['CASSIA_SUPERUSER_PASSWORD'];
    }
  });

  afterAll(async () => {
    await node?.destroy();
  });

  it('creates that superuser and not cassandra', async () => {
    expect((await connectError(node, 'cassandra', 'cassandra')).message).toBe('Provided username cassandra and/or password are incorrect');
    await withClient(node, 'cassia-admin', 'env-secret', async (c) => {
      expect((await c.execute('LIST ROLES')).rows.map((r) => ({ ...r }))).toEqual([
        { role: 'cassia-admin', super: true, login: true, options: {}, datacenters: 'ALL' },
      ]);
      await c.execute("CREATE ROLE reader WITH PASSWORD = 'r' AND LOGIN = true");
    });
    await withClient(node, 'reader', 'r', async (c) => expect(await roleNames(c)).toEqual(['reader']));
  });
});

/** CASSIA_PYTHON, else the interop suite's cached venv when it already exists (never created here). */
function findPython(): { python: string } | { skip: string } {
  const fromEnv = process.env['CASSIA_PYTHON'];
  if (fromEnv !== undefined && fromEnv !== '') return { python: fromEnv };
  const version = spawnSync('python3', ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8', timeout: 10_000 });
  if (version.status !== 0) return { skip: 'CASSIA_PYTHON is not set and python3 is not on PATH' };
  const cache = process.env['CASSIA_CACHE_DIR'] ?? join(homedir(), '.cache', 'cassia');
  const python = join(cache, `venv-py-${version.stdout.trim()}-v1`, 'bin', 'python');
  if (!existsSync(python)) return { skip: `CASSIA_PYTHON is not set and there is no interop venv at ${python}` };
  if (spawnSync(python, ['-c', 'import cassandra'], { timeout: 30_000 }).status !== 0) return { skip: `${python} cannot import cassandra` };
  return { python };
}

const python = findPython();
const pythonSkip = 'skip' in python ? python.skip : null;
if (pythonSkip !== null) {
  process.stderr.write(`\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n!!! PYTHON AUTH TEST SKIPPED: ${pythonSkip}\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\n`);
}

describe.skipIf(pythonSkip !== null)('Python driver with PlainTextAuthProvider', () => {
  let node: CassiaProcess;

  beforeAll(async () => {
    node = await startCassiaProcess({ extraConfig: AUTH_CONFIG });
  });

  afterAll(async () => {
    await node?.destroy();
  });

  it('logs in as cassandra, is refused a wrong password, and logs in as a new role', () => {
    const r = spawnSync((python as { python: string }).python, [join(import.meta.dirname, 'python_auth.py')], {
      encoding: 'utf8',
      timeout: PYTHON_TIMEOUT_MS,
      env: { ...process.env, CASSIA_HOST: node.address, CASSIA_PORT: String(node.port), PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1' },
    });
    const output = `${r.stdout ?? ''}${r.stderr ?? ''}${r.error === undefined ? '' : String(r.error)}`;
    if (r.status !== 0) process.stderr.write(`--- python_auth.py ---\n${output}\n--- node log ---\n${node.logTail(3000)}\n`);
    expect(r.status, output.slice(-3000)).toBe(0);
    expect(output).toContain('python auth ok');
  });
});
