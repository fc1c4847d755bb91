import { describe, expect, it } from 'vitest';
import type { Clock, TimerHandle, Timers } from '../io/index.ts';
import { MemoryDisk, silentLogger } from '../io/index.ts';
import type { Logger } from '../io/index.ts';
import { ConfigError } from './config-error.ts';
import type { TlsFiles } from './encryption-plan.ts';
import {
  CA_CERT_PEM, NODE1_CERT_PEM, NODE1_ENCRYPTED_KEY_PEM, NODE1_KEY_PEM, NODE2_CERT_PEM, NODE2_KEY_PEM, ROGUE_CA_CERT_PEM, STRANGER_CERT_PEM,
  STRANGER_KEY_PEM,
} from './testing/tls-fixtures.ts';
import { TLS_PEM_FILE_BYTES_MAX, TlsCredentialFiles, chainsToCa, loadTlsCredentials } from './tls-credential-files.ts';

const FILES: TlsFiles = { option: 'server_encryption_options', certFile: '/tls/tls.crt', keyFile: '/tls/tls.key', caFile: '/tls/ca.crt' };
const NOW_MS = Date.parse('2027-01-01T00:00:00Z');

function diskWith(files: Record<string, string>): MemoryDisk {
  const disk = new MemoryDisk();
  disk.mkdirp('/tls');
  for (const [path, text] of Object.entries(files)) disk.writeFileAtomic(path, Buffer.from(text));
  return disk;
}

function node1Disk(): MemoryDisk {
  return diskWith({ '/tls/tls.crt': NODE1_CERT_PEM, '/tls/tls.key': NODE1_KEY_PEM, '/tls/ca.crt': CA_CERT_PEM });
}

function clockAt(nowMs: number): Clock {
  return { nowMs: () => nowMs, monotonicMs: () => 0 };
}

/** Timers that only record the interval; tests fire it by hand. */
function manualTimers(): Timers & { intervals: Array<{ fn: () => void; ms: number; cancelled: boolean }> } {
  const intervals: Array<{ fn: () => void; ms: number; cancelled: boolean }> = [];
  const handle = (entry: { cancelled: boolean }): TimerHandle => ({ cancel: () => { entry.cancelled = true; } });
  return {
    intervals,
    setTimeout: () => handle({ cancelled: false }),
    setImmediate: () => handle({ cancelled: false }),
    setInterval: (fn, ms) => {
      const entry = { fn, ms, cancelled: false };
      intervals.push(entry);
      return handle(entry);
    },
  };
}

function recordingLogger(): Logger & { lines: Array<{ level: string; message: string; fields: object }> } {
  const lines: Array<{ level: string; message: string; fields: object }> = [];
  const logger: Logger & { lines: typeof lines } = {
    lines,
    debug: (fields, message) => lines.push({ level: 'debug', message, fields }),
    info: (fields, message) => lines.push({ level: 'info', message, fields }),
    warn: (fields, message) => lines.push({ level: 'warn', message, fields }),
    error: (fields, message) => lines.push({ level: 'error', message, fields }),
    child: () => logger,
    isDebugEnabled: () => true,
  };
  return logger;
}

describe('loadTlsCredentials', () => {
  it('loads a certificate, its key and the CA', () => {
    const loaded = loadTlsCredentials(node1Disk(), FILES);
    expect(loaded.credentials).toEqual({ certificatePem: NODE1_CERT_PEM, privateKeyPem: NODE1_KEY_PEM, caPem: CA_CERT_PEM });
    expect(loaded.summary).toMatchObject({ subject: 'CN=node1', issuer: 'CN=Cassia Fixture CA', caCertificates: 1 });
    expect(chainsToCa(loaded.chain, loaded.cas)).toBe(true);
  });

  it('names the file that is missing, unreadable or invalid', () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ '/tls/tls.key': NODE1_KEY_PEM, '/tls/ca.crt': CA_CERT_PEM }, 'server_encryption_options.cert_file /tls/tls.crt: no such file'],
      [{ '/tls/tls.crt': 'hello', '/tls/tls.key': NODE1_KEY_PEM, '/tls/ca.crt': CA_CERT_PEM }, 'server_encryption_options.cert_file /tls/tls.crt: no PEM certificate'],
      [{ '/tls/tls.crt': '-----BEGIN CERTIFICATE-----\nAAAAAAAA\n-----END CERTIFICATE-----\n', '/tls/tls.key': NODE1_KEY_PEM, '/tls/ca.crt': CA_CERT_PEM }, 'cert_file /tls/tls.crt: certificate 1 is not a valid X.509 certificate'],
      [{ '/tls/tls.crt': NODE1_CERT_PEM, '/tls/tls.key': 'nope', '/tls/ca.crt': CA_CERT_PEM }, 'server_encryption_options.key_file /tls/tls.key: not a valid PEM private key'],
      [{ '/tls/tls.crt': NODE1_CERT_PEM, '/tls/tls.key': NODE1_ENCRYPTED_KEY_PEM, '/tls/ca.crt': CA_CERT_PEM }, 'key_file /tls/tls.key: the private key is encrypted'],
      [{ '/tls/tls.crt': NODE1_CERT_PEM, '/tls/tls.key': NODE2_KEY_PEM, '/tls/ca.crt': CA_CERT_PEM }, 'key_file /tls/tls.key: this key does not belong to the certificate in /tls/tls.crt'],
      [{ '/tls/tls.crt': NODE1_CERT_PEM, '/tls/tls.key': NODE1_KEY_PEM, '/tls/ca.crt': '' }, 'server_encryption_options.ca_file /tls/ca.crt: no PEM certificate'],
      [{ '/tls/tls.crt': NODE1_CERT_PEM, '/tls/tls.key': NODE1_KEY_PEM, '/tls/ca.crt': 'x'.repeat(TLS_PEM_FILE_BYTES_MAX + 1) }, 'ca_file /tls/ca.crt: 1048577 bytes is too large'],
    ];
    for (const [files, message] of cases) {
      let error: unknown = null;
      try {
        loadTlsCredentials(diskWith(files), FILES);
      } catch (e) {
        error = e;
      }
      expect(error, message).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toContain(message);
    }
  });

  it('reads no CA when none is named', () => {
    const loaded = loadTlsCredentials(node1Disk(), { ...FILES, caFile: null });
    expect(loaded.credentials.caPem).toBe(null);
  });

  it('tells whether a certificate chains to the CA file', () => {
    const loaded = loadTlsCredentials(diskWith({ '/tls/tls.crt': STRANGER_CERT_PEM, '/tls/tls.key': STRANGER_KEY_PEM, '/tls/ca.crt': CA_CERT_PEM }), FILES);
    expect(chainsToCa(loaded.chain, loaded.cas)).toBe(false);
    const bundle = loadTlsCredentials(diskWith({ '/tls/tls.crt': STRANGER_CERT_PEM, '/tls/tls.key': STRANGER_KEY_PEM, '/tls/ca.crt': CA_CERT_PEM + ROGUE_CA_CERT_PEM }), FILES);
    expect(chainsToCa(bundle.chain, bundle.cas)).toBe(true);
  });
});

describe('TlsCredentialFiles', () => {
  function open(disk: MemoryDisk, options: { ownCertificateIssuedByCa?: boolean; nowMs?: number; logger?: Logger } = {}): { source: TlsCredentialFiles; timers: ReturnType<typeof manualTimers> } {
    const timers = manualTimers();
    const source = new TlsCredentialFiles({
      disk, timers, clock: clockAt(options.nowMs ?? NOW_MS), logger: options.logger ?? silentLogger, files: FILES,
      ownCertificateIssuedByCa: options.ownCertificateIssuedByCa ?? true, reloadIntervalMs: 5000,
    });
    return { source, timers };
  }

  it('refuses at start a certificate the CA did not issue when peers verify it with that CA', () => {
    const disk = diskWith({ '/tls/tls.crt': STRANGER_CERT_PEM, '/tls/tls.key': STRANGER_KEY_PEM, '/tls/ca.crt': CA_CERT_PEM });
    expect(() => open(disk)).toThrow('server_encryption_options.cert_file /tls/tls.crt: not issued by a CA in server_encryption_options.ca_file /tls/ca.crt');
    expect(open(disk, { ownCertificateIssuedByCa: false }).source.summary().subject).toBe('CN=stranger');
  });

  it('swaps in rotated files on reload and tells its subscribers once', () => {
    const disk = node1Disk();
    const { source, timers } = open(disk);
    source.start();
    expect(timers.intervals.map((i) => i.ms)).toEqual([5000]);
    let changes = 0;
    source.onChange(() => changes++);
    timers.intervals[0]!.fn();
    expect(changes).toBe(0);
    disk.writeFileAtomic('/tls/tls.crt', Buffer.from(NODE2_CERT_PEM));
    disk.writeFileAtomic('/tls/tls.key', Buffer.from(NODE2_KEY_PEM));
    timers.intervals[0]!.fn();
    expect(changes).toBe(1);
    expect(source.current().certificatePem).toBe(NODE2_CERT_PEM);
    expect(source.summary().subject).toBe('CN=node2');
    timers.intervals[0]!.fn();
    expect(changes).toBe(1);
    source.close();
    expect(timers.intervals[0]!.cancelled).toBe(true);
  });

  it('keeps the previous credentials while the files are inconsistent, and logs that once', () => {
    const disk = node1Disk();
    const logger = recordingLogger();
    const { source } = open(disk, { logger });
    const unsubscribe = source.onChange(() => {
      throw new Error('must not be called');
    });
    disk.writeFileAtomic('/tls/tls.crt', Buffer.from(NODE2_CERT_PEM)); // the key is still node1's
    expect(source.reload()).toBe(false);
    expect(source.reload()).toBe(false);
    expect(source.current().certificatePem).toBe(NODE1_CERT_PEM);
    expect(logger.lines.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual(['TLS files changed but cannot be used; keeping the previous certificate']);
    unsubscribe();
    disk.writeFileAtomic('/tls/tls.key', Buffer.from(NODE2_KEY_PEM));
    expect(source.reload()).toBe(true);
  });

  it('a subscriber that throws does not stop the others', () => {
    const disk = node1Disk();
    const logger = recordingLogger();
    const { source } = open(disk, { logger });
    let called = 0;
    source.onChange(() => {
      throw new Error('boom');
    });
    source.onChange(() => called++);
    disk.writeFileAtomic('/tls/tls.crt', Buffer.from(NODE2_CERT_PEM));
    disk.writeFileAtomic('/tls/tls.key', Buffer.from(NODE2_KEY_PEM));
    expect(source.reload()).toBe(true);
    expect(called).toBe(1);
    expect(logger.lines.some((l) => l.level === 'error')).toBe(true);
  });

  it('warns about an expired certificate', () => {
    const logger = recordingLogger();
    open(node1Disk(), { logger, nowMs: Date.parse('2200-01-01T00:00:00Z') });
    expect(logger.lines.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual(['TLS certificate has expired: peers will refuse it']);
  });
});
