// client_encryption_options on real node processes with certificates from openssl: the npm
// cassandra-driver (sslOptions) and the Python driver (ssl.SSLContext) connect and query over TLS
// with the server's certificate verified; plaintext clients are refused, or served with optional;
// under require_client_auth only clients with a certificate from the CA get in; and a missing,
// mismatched or incomplete certificate setting stops the node at start with a message naming it.
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCassiaProcess } from '../../support/cassia-process.ts';
import type { CassiaProcess } from '../../support/cassia-process.ts';
import { makeTestPki, opensslMissing } from './test-pki.ts';
import type { IssuedCertificate, TestPki } from './test-pki.ts';
import { withDriver, yamlMapping } from './tls-config.ts';
import type { DriverTls, EncryptionOptions } from './tls-config.ts';

const PYTHON_TIMEOUT_MS = 120_000;

function loud(message: string): void {
  process.stderr.write(`\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n!!! ${message}\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\n`);
}

const missing = opensslMissing();
if (missing !== null) loud(`CQL TLS TESTS SKIPPED: ${missing}`);

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
const python = missing === null ? findPython() : { skip: 'openssl is missing' };
const pythonSkip = 'skip' in python ? python.skip : null;
if (pythonSkip !== null) loud(`PYTHON TLS TEST SKIPPED: ${pythonSkip}`);

function runPython(node: CassiaProcess, env: Record<string, string>): { status: number | null; output: string } {
  const r = spawnSync((python as { python: string }).python, [join(import.meta.dirname, 'python_tls.py')], {
    encoding: 'utf8',
    timeout: PYTHON_TIMEOUT_MS,
    env: { ...process.env, CASSIA_HOST: node.address, CASSIA_PORT: String(node.port), PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1', ...env },
  });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

async function query(node: CassiaProcess, tls: DriverTls | null): Promise<{ ok: true; value: string } | { ok: false; reasons: string[] }> {
  return withDriver(node, tls, async (c) => String((await c.execute('SELECT release_version FROM system.local')).first()['release_version']));
}

describe.skipIf(missing !== null)('TLS for CQL clients', () => {
  let pki: TestPki;
  let server: IssuedCertificate;
  let client: IssuedCertificate;
  let stranger: IssuedCertificate;
  const nodes: CassiaProcess[] = [];
  let tlsOnly: CassiaProcess;
  let optional: CassiaProcess;
  let mutual: CassiaProcess;

  const clientOptions = (extra: EncryptionOptions): string => yamlMapping({
    enabled: true, cert_file: server.certFile, key_file: server.keyFile, ca_file: pki.ca.certFile, ...extra,
  });

  beforeAll(async () => {
    pki = makeTestPki();
    server = pki.ca.issue({ name: 'node', ips: ['127.0.0.1'] });
    client = pki.ca.issue({ name: 'app' });
    stranger = pki.rogueCa.issue({ name: 'stranger' });
    const start = (options: EncryptionOptions): Promise<CassiaProcess> => startCassiaProcess({ extraConfig: { client_encryption_options: clientOptions(options) } });
    [tlsOnly, optional, mutual] = await Promise.all([start({}), start({ optional: true }), start({ require_client_auth: true })]);
    nodes.push(tlsOnly, optional, mutual);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.destroy()));
    pki?.remove();
  });

  it('the npm driver queries over TLS with the server certificate verified; plaintext is refused', async () => {
    const ca = pki.ca.certPem;
    const result = await withDriver(tlsOnly, { ca }, async (c) => {
      await c.execute("CREATE KEYSPACE IF NOT EXISTS tls_js WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
      await c.execute('CREATE TABLE IF NOT EXISTS tls_js.kv (k text PRIMARY KEY, v int)');
      await c.execute('INSERT INTO tls_js.kv (k, v) VALUES (?, ?)', ['js', 7], { prepare: true });
      return (await c.execute('SELECT v FROM tls_js.kv WHERE k = ?', ['js'], { prepare: true })).first()['v'] as number;
    }, 20_000);
    expect(result).toEqual({ ok: true, value: 7 });
    const plaintext = await query(tlsOnly, null);
    expect(plaintext.ok).toBe(false);
    // A driver that trusts another CA refuses the node.
    const distrustful = await query(tlsOnly, { ca: pki.rogueCa.certPem });
    expect(distrustful.ok).toBe(false);
    expect(JSON.stringify(distrustful)).toMatch(/self-signed|unable to (get|verify)/);
    process.stdout.write(`${JSON.stringify({ test: 'cql-tls-only', plaintext, distrustful })}\n`);
    expect(tlsOnly.logTail(200_000)).toContain('TLS connection refused');
  });

  it('optional: true serves TLS and plaintext clients on the same port', async () => {
    expect(await query(optional, { ca: pki.ca.certPem })).toEqual({ ok: true, value: '4.0.11' });
    expect(await query(optional, null)).toEqual({ ok: true, value: '4.0.11' });
  });

  it('require_client_auth: only clients with a certificate from the CA get in', async () => {
    const ca = pki.ca.certPem;
    expect(await query(mutual, { ca, cert: client.certPem, key: client.keyPem })).toEqual({ ok: true, value: '4.0.11' });
    const withoutCertificate = await query(mutual, { ca });
    const untrusted = await query(mutual, { ca, cert: stranger.certPem, key: stranger.keyPem });
    process.stdout.write(`${JSON.stringify({ test: 'cql-mtls-refusals', withoutCertificate, untrusted })}\n`);
    expect(withoutCertificate.ok).toBe(false);
    expect(untrusted.ok).toBe(false);
  });

  it.skipIf(pythonSkip !== null)('the Python driver connects with an ssl_context, with and without a client certificate', () => {
    const ca = { CASSIA_CA: pki.ca.certFile };
    const plain = runPython(tlsOnly, ca);
    expect(plain.status, plain.output).toBe(0);
    expect(plain.output).toContain('"value": 42');
    const mtls = runPython(mutual, { ...ca, CASSIA_CERT: client.certFile, CASSIA_KEY: client.keyFile });
    expect(mtls.status, mtls.output).toBe(0);
    const refused = runPython(mutual, { ...ca, CASSIA_EXPECT: 'refused' });
    expect(refused.status, refused.output).toBe(0);
    process.stdout.write(`${JSON.stringify({ test: 'cql-tls-python', plain: plain.output.trim(), mtls: mtls.output.trim(), refused: refused.output.trim() })}\n`);
  }, PYTHON_TIMEOUT_MS * 3);

  it('a node whose certificate files cannot serve does not start, and says which file', async () => {
    const otherKey = pki.ca.issue({ name: 'other' }).keyFile;
    const notPem = join(pki.dir, 'not-a-certificate.crt');
    writeFileSync(notPem, 'hello\n');
    const cases: Array<[EncryptionOptions, string]> = [
      [{ cert_file: join(pki.dir, 'absent.crt') }, `client_encryption_options.cert_file ${join(pki.dir, 'absent.crt')}: no such file`],
      [{ cert_file: notPem }, `client_encryption_options.cert_file ${notPem}: no PEM certificate`],
      [{ key_file: otherKey }, `client_encryption_options.key_file ${otherKey}: this key does not belong to the certificate`],
      [{ require_client_auth: true, ca_file: '' }, 'client_encryption_options.ca_file is required with require_client_auth: true'],
    ];
    const messages = await Promise.all(cases.map(async ([options]) => {
      try {
        const node = await startCassiaProcess({ extraConfig: { client_encryption_options: clientOptions(options) } });
        nodes.push(node);
        return 'started';
      } catch (error) {
        return (error as Error).message;
      }
    }));
    cases.forEach(([, expected], i) => expect(messages[i]).toContain(expected));
  }, 120_000);
});
