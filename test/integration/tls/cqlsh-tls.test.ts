// `cassia cqlsh` against nodes with client_encryption_options: --ssl-ca (or --ssl with
// $SSL_CERTFILE) queries a TLS-only node whose certificate names no address (cqlsh verifies the
// chain, not the host name); plaintext, an untrusted CA and a missing CA are refused with cqlsh's
// exit codes; under require_client_auth only --ssl-cert/--ssl-key with a certificate from the CA get in.
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCassiaProcess } from '../../support/cassia-process.ts';
import type { CassiaProcess } from '../../support/cassia-process.ts';
import { makeTestPki, opensslMissing } from './test-pki.ts';
import type { IssuedCertificate, TestPki } from './test-pki.ts';
import { yamlMapping } from './tls-config.ts';

const CASSIA = resolve(import.meta.dirname, '..', '..', '..', 'node-image', 'cli', 'cassia.ts');
const COMMAND_TIMEOUT_MS = 60_000;
const QUERY = 'SELECT release_version FROM system.local';

const missing = opensslMissing();
if (missing !== null) process.stderr.write(`\n!!! CQLSH TLS TESTS SKIPPED: ${missing}\n\n`);

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** One `cassia cqlsh` process against `node`; the environment has no SSL_* unless `env` sets them. */
function cqlsh(node: CassiaProcess, args: readonly string[], env: Record<string, string> = {}): Run {
  const r = spawnSync(process.execPath, [CASSIA, 'cqlsh', `${node.address}:${node.port}`, ...args], {
    encoding: 'utf8', timeout: COMMAND_TIMEOUT_MS, cwd: node.dataDir,
    env: { ...process.env, SSL_CERTFILE: undefined, SSL_VALIDATE: undefined, CQLSH_HOST: undefined, CQLSH_PORT: undefined, CASSIA_CQLSH_HISTORY: join(node.dataDir, 'history'), ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: `${r.stderr}${r.error?.message ?? ''}` };
}

describe.skipIf(missing !== null)('cassia cqlsh over TLS', () => {
  let pki: TestPki;
  let client: IssuedCertificate;
  let stranger: IssuedCertificate;
  const nodes: CassiaProcess[] = [];
  let tlsOnly: CassiaProcess;
  let mutual: CassiaProcess;

  beforeAll(async () => {
    pki = makeTestPki();
    // No subjectAltName: a client that checked host names would refuse this node.
    const server = pki.ca.issue({ name: 'node-without-san' });
    client = pki.ca.issue({ name: 'cqlsh-user' });
    stranger = pki.rogueCa.issue({ name: 'stranger' });
    const start = (extra: Record<string, boolean>): Promise<CassiaProcess> => startCassiaProcess({
      extraConfig: { client_encryption_options: yamlMapping({ enabled: true, cert_file: server.certFile, key_file: server.keyFile, ca_file: pki.ca.certFile, ...extra }) },
    });
    [tlsOnly, mutual] = await Promise.all([start({}), start({ require_client_auth: true })]);
    nodes.push(tlsOnly, mutual);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.destroy()));
    pki?.remove();
  });

  it('--ssl-ca writes and reads over TLS; --ssl takes the CA from $SSL_CERTFILE', () => {
    const run = cqlsh(tlsOnly, ['--ssl-ca', pki.ca.certFile, '-e', [
      "CREATE KEYSPACE IF NOT EXISTS tls_cqlsh WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1};",
      'CREATE TABLE IF NOT EXISTS tls_cqlsh.kv (k text PRIMARY KEY, v int);',
      "INSERT INTO tls_cqlsh.kv (k, v) VALUES ('a', 7);",
      "SELECT v FROM tls_cqlsh.kv WHERE k = 'a'",
    ].join(' ')]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/ v\n-+\n +7\n\n\(1 rows\)/);
    const fromEnv = cqlsh(tlsOnly, ['--ssl', '-e', QUERY], { SSL_CERTFILE: pki.ca.certFile });
    expect(fromEnv.code, fromEnv.stderr).toBe(0);
    expect(fromEnv.stdout).toContain('4.0.11');
  });

  it('refuses plaintext, an untrusted CA and an unreadable CA file (exit 1); --ssl without a CA is a usage error unless SSL_VALIDATE=false', () => {
    const plaintext = cqlsh(tlsOnly, ['-e', QUERY]);
    expect(plaintext.code).toBe(1);
    expect(plaintext.stderr).toContain('Connection error');
    const untrusted = cqlsh(tlsOnly, ['--ssl', '-e', QUERY], { SSL_CERTFILE: pki.rogueCa.certFile });
    expect(untrusted.code).toBe(1);
    expect(untrusted.stderr).toMatch(/Connection error.*(self-signed|unable to (get|verify))/s);
    const absent = cqlsh(tlsOnly, ['--ssl-ca', join(pki.dir, 'absent.crt'), '-e', QUERY]);
    expect(absent.code).toBe(1);
    expect(absent.stderr).toContain(`Can't open '${join(pki.dir, 'absent.crt')}'`);
    const noCa = cqlsh(tlsOnly, ['--ssl', '-e', QUERY]);
    expect(noCa.code).toBe(2);
    expect(noCa.stderr).toContain('--ssl-ca');
    const unverified = cqlsh(tlsOnly, ['--ssl', '-e', QUERY], { SSL_VALIDATE: 'false' });
    expect(unverified.code, unverified.stderr).toBe(0);
    expect(unverified.stdout).toContain('4.0.11');
    process.stdout.write(`${JSON.stringify({ test: 'cqlsh-tls-refusals', plaintext: plaintext.stderr.trim(), untrusted: untrusted.stderr.trim(), noCa: noCa.stderr.trim() })}\n`);
  });

  it('require_client_auth: --ssl-cert/--ssl-key from the CA get in; none or a foreign one do not', () => {
    const ca = ['--ssl-ca', pki.ca.certFile];
    const withCertificate = cqlsh(mutual, [...ca, '--ssl-cert', client.certFile, '--ssl-key', client.keyFile, '-e', QUERY]);
    expect(withCertificate.code, withCertificate.stderr).toBe(0);
    expect(withCertificate.stdout).toContain('4.0.11');
    const without = cqlsh(mutual, [...ca, '-e', QUERY]);
    expect(without.code).toBe(1);
    expect(without.stderr).toContain('Connection error');
    const foreign = cqlsh(mutual, [...ca, '--ssl-cert', stranger.certFile, '--ssl-key', stranger.keyFile, '-e', QUERY]);
    expect(foreign.code).toBe(1);
    const halfPair = cqlsh(mutual, [...ca, '--ssl-cert', client.certFile, '-e', QUERY]);
    expect(halfPair.code).toBe(2);
    expect(halfPair.stderr).toContain('both --ssl-cert');
  });
});
