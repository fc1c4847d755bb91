// TLS credentials from the PEM files cassia.yaml names (cert_file, key_file, ca_file), read through
// io.Disk: validated at start (a missing or invalid file is a ConfigError naming it), then re-read
// every reload interval so a rotated certificate (a renewed Kubernetes Secret) serves new handshakes
// without a restart. Invariant: current() is always a validated set whose key matches its certificate;
// a reload that reads an invalid set keeps the previous one and logs why.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { Clock, Disk, Logger, TimerHandle, Timers, TlsCredentials, TlsCredentialSource } from '../io/index.ts';
import { assert } from '../lib/index.ts';
import { ConfigError } from './config-error.ts';
import type { TlsFiles } from './encryption-plan.ts';

/** How often the files are re-read (a Kubernetes Secret update reaches the pod within about a minute). */
export const TLS_RELOAD_INTERVAL_MS = 60_000;
/** A PEM file larger than this is not a certificate bundle (bounds what a reload reads). */
export const TLS_PEM_FILE_BYTES_MAX = 1024 * 1024;
/** Certificates in one cert_file or ca_file. */
export const TLS_PEM_CERTIFICATES_MAX = 64;

const PEM_CERTIFICATE_RE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Facts of a validated set, for logs. */
export interface TlsCredentialsSummary {
  readonly subject: string;
  readonly issuer: string;
  readonly validFrom: string;
  readonly validTo: string;
  readonly fingerprint256: string;
  readonly caCertificates: number;
}

export interface LoadedTlsCredentials {
  readonly credentials: TlsCredentials;
  readonly summary: TlsCredentialsSummary;
  /** The leaf and the trust anchors, for the checks the caller adds (expiry, issued by the CA). */
  readonly leaf: X509Certificate;
  readonly chain: readonly X509Certificate[];
  readonly cas: readonly X509Certificate[];
}

function readPem(disk: Disk, option: string, key: string, path: string): string {
  const where = `${option}.${key} ${path}`;
  let stat;
  try {
    stat = disk.stat(path);
  } catch (error) {
    throw new ConfigError(`${where}: cannot read: ${(error as Error).message}`);
  }
  if (stat === null) throw new ConfigError(`${where}: no such file`);
  if (stat.isDirectory) throw new ConfigError(`${where}: is a directory, not a PEM file`);
  if (stat.sizeBytes > TLS_PEM_FILE_BYTES_MAX) throw new ConfigError(`${where}: ${stat.sizeBytes} bytes is too large for a PEM file (max ${TLS_PEM_FILE_BYTES_MAX})`);
  try {
    return disk.readFile(path).toString('utf8');
  } catch (error) {
    throw new ConfigError(`${where}: cannot read: ${(error as Error).message}`);
  }
}

function parseCertificates(pem: string, where: string): X509Certificate[] {
  const blocks = pem.match(PEM_CERTIFICATE_RE) ?? [];
  if (blocks.length === 0) throw new ConfigError(`${where}: no PEM certificate (-----BEGIN CERTIFICATE-----) found`);
  if (blocks.length > TLS_PEM_CERTIFICATES_MAX) throw new ConfigError(`${where}: ${blocks.length} certificates (max ${TLS_PEM_CERTIFICATES_MAX})`);
  return blocks.map((block, i) => {
    try {
      return new X509Certificate(block);
    } catch (error) {
      throw new ConfigError(`${where}: certificate ${i + 1} is not a valid X.509 certificate: ${(error as Error).message}`);
    }
  });
}

function parsePrivateKey(pem: string, where: string): KeyObject {
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type:\s*4,ENCRYPTED/.test(pem)) {
    throw new ConfigError(`${where}: the private key is encrypted; Cassia needs an unencrypted PEM key (no passphrase option)`);
  }
  try {
    return createPrivateKey(pem);
  } catch (error) {
    throw new ConfigError(`${where}: not a valid PEM private key: ${(error as Error).message}`);
  }
}

/** Reads and validates one set of files; every failure is a ConfigError naming the file. */
export function loadTlsCredentials(disk: Disk, files: TlsFiles): LoadedTlsCredentials {
  const certWhere = `${files.option}.cert_file ${files.certFile}`;
  const keyWhere = `${files.option}.key_file ${files.keyFile}`;
  const certificatePem = readPem(disk, files.option, 'cert_file', files.certFile);
  const privateKeyPem = readPem(disk, files.option, 'key_file', files.keyFile);
  const caPem = files.caFile === null ? null : readPem(disk, files.option, 'ca_file', files.caFile);
  const chain = parseCertificates(certificatePem, certWhere);
  const leaf = chain[0]!;
  const key = parsePrivateKey(privateKeyPem, keyWhere);
  if (!leaf.checkPrivateKey(key)) throw new ConfigError(`${keyWhere}: this key does not belong to the certificate in ${files.certFile} (${leaf.subject})`);
  const cas = caPem === null ? [] : parseCertificates(caPem, `${files.option}.ca_file ${files.caFile}`);
  return {
    credentials: { certificatePem, privateKeyPem, caPem },
    summary: {
      subject: leaf.subject.replaceAll('\n', ', '),
      issuer: leaf.issuer.replaceAll('\n', ', '),
      validFrom: leaf.validFrom,
      validTo: leaf.validTo,
      fingerprint256: leaf.fingerprint256,
      caCertificates: cas.length,
    },
    leaf,
    chain,
    cas,
  };
}

/** Whether the last certificate of `chain` is one of `cas` or was issued by one of them. */
export function chainsToCa(chain: readonly X509Certificate[], cas: readonly X509Certificate[]): boolean {
  const top = chain[chain.length - 1]!;
  return cas.some((ca) => ca.fingerprint256 === top.fingerprint256 || (top.checkIssued(ca) && top.verify(ca.publicKey)));
}

export interface TlsCredentialFilesOptions {
  readonly disk: Disk;
  readonly timers: Timers;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly files: TlsFiles;
  /** Internode: our own certificate must chain to ca_file, since peers verify it with the same file. */
  readonly ownCertificateIssuedByCa: boolean;
  readonly reloadIntervalMs?: number;
}

/** A TlsCredentialSource over files; `start()` begins the periodic reload, `close()` ends it. */
export class TlsCredentialFiles implements TlsCredentialSource {
  private readonly options: TlsCredentialFilesOptions;
  private readonly logger: Logger;
  private readonly listeners = new Set<() => void>();
  private loaded: LoadedTlsCredentials;
  private timer: TimerHandle | null = null;
  /** The reason of the last failed reload, logged once per distinct reason. */
  private lastFailure: string | null = null;

  /** Loads and validates the files now; throws ConfigError when they cannot serve. */
  constructor(options: TlsCredentialFilesOptions) {
    this.options = options;
    this.logger = options.logger.child({ component: 'tls', option: options.files.option });
    this.loaded = this.load();
    this.logger.info({ ...this.loaded.summary }, 'TLS certificate loaded');
    this.warnAboutValidity(this.loaded);
  }

  current(): TlsCredentials {
    return this.loaded.credentials;
  }

  summary(): TlsCredentialsSummary {
    return this.loaded.summary;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    assert(this.timer === null, 'TlsCredentialFiles started twice');
    this.timer = this.options.timers.setInterval(() => this.reload(), this.options.reloadIntervalMs ?? TLS_RELOAD_INTERVAL_MS);
  }

  close(): void {
    this.timer?.cancel();
    this.timer = null;
    this.listeners.clear();
  }

  /** Re-reads the files; returns true when new credentials took effect. */
  reload(): boolean {
    let next: LoadedTlsCredentials;
    try {
      next = this.load();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      if (error.message !== this.lastFailure) {
        this.logger.warn({ error: error.message }, 'TLS files changed but cannot be used; keeping the previous certificate');
        this.lastFailure = error.message;
      }
      return false;
    }
    this.lastFailure = null;
    const previous = this.loaded.credentials;
    const same = previous.certificatePem === next.credentials.certificatePem && previous.privateKeyPem === next.credentials.privateKeyPem
      && previous.caPem === next.credentials.caPem;
    if (same) return false;
    this.loaded = next;
    this.logger.info({ ...next.summary }, 'TLS certificate reloaded; new handshakes use it');
    this.warnAboutValidity(next);
    for (const listener of [...this.listeners]) {
      try {
        listener();
      } catch (error) {
        this.logger.error({ err: error }, 'could not apply reloaded TLS credentials');
      }
    }
    return true;
  }

  private load(): LoadedTlsCredentials {
    const loaded = loadTlsCredentials(this.options.disk, this.options.files);
    const { files } = this.options;
    if (this.options.ownCertificateIssuedByCa && !chainsToCa(loaded.chain, loaded.cas)) {
      throw new ConfigError(`${files.option}.cert_file ${files.certFile}: not issued by a CA in ${files.option}.ca_file ${files.caFile} (${loaded.summary.issuer}); peers verify it with that file`);
    }
    return loaded;
  }

  private warnAboutValidity(loaded: LoadedTlsCredentials): void {
    const nowMs = this.options.clock.nowMs();
    const fromMs = Date.parse(loaded.leaf.validFrom);
    const toMs = Date.parse(loaded.leaf.validTo);
    if (toMs < nowMs) this.logger.warn({ validTo: loaded.leaf.validTo, file: this.options.files.certFile }, 'TLS certificate has expired: peers will refuse it');
    else if (fromMs > nowMs) this.logger.warn({ validFrom: loaded.leaf.validFrom, file: this.options.files.certFile }, 'TLS certificate is not valid yet: peers will refuse it');
  }
}
