// cqlsh's TLS settings (pure): `--ssl` turns TLS on, as in Apache cqlsh; `--ssl-ca`, `--ssl-cert`
// and `--ssl-key` imply it. As cqlsh: $SSL_CERTFILE names the CA file when --ssl-ca is absent,
// $SSL_VALIDATE=false (any case) skips verifying the node's certificate, and with verification on a
// CA file is required. The node's chain is verified against that CA; its host name is not checked
// (cqlsh's Python driver does not either; Cassia's certificates need not name pod addresses).
// A client certificate (mutual TLS, require_client_auth) needs both --ssl-cert and --ssl-key.

export interface CqlshTlsFlags {
  readonly ssl?: boolean;
  readonly sslCa?: string;
  readonly sslCert?: string;
  readonly sslKey?: string;
}

/** What to load and how to verify; null: plaintext. */
export interface CqlshTlsSettings {
  /** PEM CA file to verify the node's chain against; null only when `validate` is false. */
  readonly caFile: string | null;
  /** PEM certificate chain and key presented to the node; both or neither. */
  readonly certFile: string | null;
  readonly keyFile: string | null;
  readonly validate: boolean;
}

/** A setting refused before connecting (exit code 2, as other usage errors). */
export class CqlshTlsUsageError extends Error {
  override readonly name = 'CqlshTlsUsageError';
}

export function resolveTlsSettings(flags: CqlshTlsFlags, env: Readonly<Record<string, string | undefined>>): CqlshTlsSettings | null {
  const enabled = flags.ssl === true || flags.sslCa !== undefined || flags.sslCert !== undefined || flags.sslKey !== undefined;
  if (!enabled) return null;
  const validate = env['SSL_VALIDATE']?.toLowerCase() !== 'false';
  const caFile = flags.sslCa ?? nonEmpty(env['SSL_CERTFILE']);
  if (validate && caFile === null) {
    throw new CqlshTlsUsageError(
      'validation is enabled: name the CA certificate that signed the node\'s certificate with --ssl-ca <file> or $SSL_CERTFILE (or set SSL_VALIDATE=false)',
    );
  }
  if ((flags.sslCert === undefined) !== (flags.sslKey === undefined)) {
    throw new CqlshTlsUsageError('a client certificate needs both --ssl-cert <file> and --ssl-key <file>');
  }
  return { caFile, certFile: flags.sslCert ?? null, keyFile: flags.sslKey ?? null, validate };
}

/** Loaded PEM contents of the settings' files. */
export interface CqlshTlsMaterial {
  readonly ca: string | null;
  readonly cert: string | null;
  readonly key: string | null;
}

/** The npm driver's `sslOptions` (node:tls connect options) for loaded settings. */
export function driverSslOptions(settings: CqlshTlsSettings, material: CqlshTlsMaterial): {
  ca?: string[]; cert?: string; key?: string; rejectUnauthorized: boolean; checkServerIdentity: () => undefined;
} {
  return {
    ...(material.ca === null ? {} : { ca: [material.ca] }),
    ...(material.cert === null || material.key === null ? {} : { cert: material.cert, key: material.key }),
    rejectUnauthorized: settings.validate,
    checkServerIdentity: () => undefined,
  };
}

function nonEmpty(value: string | undefined): string | null {
  return value === undefined || value === '' ? null : value;
}
