// Test support: a throwaway PKI made with the openssl command line (node:crypto cannot sign X.509):
// a CA, certificates it issues (server and client usage, IP SANs), and a second, untrusted CA.
// Everything lives in one temp folder removed by the caller. Absent openssl: `opensslMissing()` says why.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const OPENSSL_TIMEOUT_MS = 30_000;
/** Long enough for any test run, short enough that a leaked key is worthless. */
const VALIDITY_DAYS = 2;

export interface IssuedCertificate {
  readonly certFile: string;
  readonly keyFile: string;
  readonly certPem: string;
  readonly keyPem: string;
}

export interface TestCa {
  readonly name: string;
  readonly certFile: string;
  readonly certPem: string;
  /** Issues a leaf certificate for server and client use, with the given IP SANs. */
  issue(options: { name: string; ips?: readonly string[] }): IssuedCertificate;
}

export interface TestPki {
  readonly dir: string;
  /** The CA the nodes trust. */
  readonly ca: TestCa;
  /** A CA nobody trusts: its certificates must be refused. */
  readonly rogueCa: TestCa;
  remove(): void;
}

/** Why the PKI cannot be made here (no usable openssl), or null. */
export function opensslMissing(): string | null {
  const r = spawnSync('openssl', ['version'], { encoding: 'utf8', timeout: OPENSSL_TIMEOUT_MS });
  if (r.error !== undefined) return `openssl is not available: ${r.error.message}`;
  return r.status === 0 ? null : `openssl version failed: ${r.stderr}`;
}

function openssl(dir: string, args: readonly string[]): void {
  const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8', timeout: OPENSSL_TIMEOUT_MS });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.stderr}${r.error?.message ?? ''}`);
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function makeCa(dir: string, name: string): TestCa {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  openssl(dir, [
    'req', '-x509', ...EC_KEY, '-keyout', keyFile, '-out', certFile, '-days', String(VALIDITY_DAYS), '-subj', `/CN=${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  let serial = 1;
  return {
    name,
    certFile,
    certPem: readFileSync(certFile, 'utf8'),
    issue({ name: leaf, ips = [] }) {
      const base = join(dir, `${name}-${leaf}`);
      openssl(dir, ['req', ...EC_KEY, '-keyout', `${base}.key`, '-out', `${base}.csr`, '-subj', `/CN=${leaf}`]);
      const extensions = [
        'basicConstraints=CA:FALSE',
        'keyUsage=critical,digitalSignature,keyEncipherment',
        'extendedKeyUsage=serverAuth,clientAuth',
        ...(ips.length === 0 ? [] : [`subjectAltName=${ips.map((ip) => `IP:${ip}`).join(',')}`]),
      ];
      writeFileSync(`${base}.ext`, `${extensions.join('\n')}\n`);
      openssl(dir, [
        'x509', '-req', '-in', `${base}.csr`, '-CA', certFile, '-CAkey', keyFile, '-set_serial', String(serial++),
        '-out', `${base}.crt`, '-days', String(VALIDITY_DAYS), '-extfile', `${base}.ext`,
      ]);
      return { certFile: `${base}.crt`, keyFile: `${base}.key`, certPem: readFileSync(`${base}.crt`, 'utf8'), keyPem: readFileSync(`${base}.key`, 'utf8') };
    },
  };
}

export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'cassia-pki-'));
  try {
    return { dir, ca: makeCa(dir, 'cassia-test-ca'), rogueCa: makeCa(dir, 'rogue-ca'), remove: () => rmSync(dir, { recursive: true, force: true }) };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
