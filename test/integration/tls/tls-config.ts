// Test support for TLS node processes: cassia.yaml encryption blocks for startCassiaProcess, whose
// extraConfig takes scalars only: a value whose String() is JSON is written as a YAML flow mapping.
import cassandra from 'cassandra-driver';
import type { CassiaProcess } from '../../support/cassia-process.ts';

export interface EncryptionOptions {
  readonly enabled?: boolean;
  readonly internode_encryption?: 'none' | 'all' | 'dc' | 'rack';
  readonly optional?: boolean;
  readonly cert_file?: string;
  readonly key_file?: string;
  readonly ca_file?: string;
  readonly require_client_auth?: boolean;
}

/** An extraConfig value that cassia-process.ts writes as `{...}` (JSON is YAML). */
export function yamlMapping(value: EncryptionOptions): string {
  return { toString: () => JSON.stringify(value) } as unknown as string;
}

/** Enough for a query on a local node; also how long the driver takes to report a refused connection. */
export const DRIVER_READ_TIMEOUT_MS = 4000;

export interface DriverTls {
  readonly ca: string;
  readonly cert?: string;
  readonly key?: string;
}

/**
 * A driver client bound to one node; `tls` null: plaintext. A connection the server closes during
 * the driver's first request is only reported at the read timeout (driver behaviour), hence the
 * short default: refusals are expected to take that long.
 */
export function driverFor(node: CassiaProcess, tls: DriverTls | null, readTimeoutMs = DRIVER_READ_TIMEOUT_MS): cassandra.Client {
  return new cassandra.Client({
    contactPoints: [node.contactPoint],
    localDataCenter: node.dc,
    ...(tls === null ? {} : { sslOptions: { ca: [tls.ca], ...(tls.cert === undefined ? {} : { cert: tls.cert, key: tls.key }), rejectUnauthorized: true } }),
    socketOptions: { connectTimeout: 5000, readTimeout: readTimeoutMs },
    pooling: { coreConnectionsPerHost: { [cassandra.types.distance.local]: 1, [cassandra.types.distance.remote]: 1 } },
  });
}

/** Connects, runs `fn`, shuts down; a failed connect returns the driver's reasons instead. */
export async function withDriver<T>(
  node: CassiaProcess, tls: DriverTls | null, fn: (c: cassandra.Client) => Promise<T>, readTimeoutMs = DRIVER_READ_TIMEOUT_MS,
): Promise<{ ok: true; value: T } | { ok: false; reasons: string[] }> {
  const client = driverFor(node, tls, readTimeoutMs);
  try {
    try {
      await client.connect();
    } catch (error) {
      const inner = (error as { innerErrors?: Record<string, Error> }).innerErrors ?? {};
      const reasons = Object.values(inner).map((e) => e.message);
      return { ok: false, reasons: reasons.length > 0 ? reasons : [(error as Error).message] };
    }
    return { ok: true, value: await fn(client) };
  } finally {
    await client.shutdown();
  }
}
