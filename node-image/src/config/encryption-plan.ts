// What cassia.yaml's client_encryption_options and server_encryption_options mean, decided once at
// load: which ports serve TLS, whether plaintext is still accepted there, which peers get TLS, and
// which files hold the PEMs. Combinations Cassia does not support are a ConfigError, never ignored.
// Semantics follow Cassandra 4+: client TLS is served when `enabled` or `optional`; internode
// `dc`/`rack` encrypt only across DCs/racks and therefore accept plaintext inbound.
import { assertNever } from '../lib/index.ts';
import { ConfigError } from './config-error.ts';

/** The keys both option blocks accept (one schema, as in cassandra.yaml). */
export interface EncryptionOptionsInput {
  readonly enabled?: boolean | undefined;
  readonly internode_encryption?: InternodeEncryption | undefined;
  readonly optional?: boolean | undefined;
  readonly cert_file?: string | undefined;
  readonly key_file?: string | undefined;
  readonly ca_file?: string | undefined;
  readonly require_client_auth?: boolean | undefined;
}

export type InternodeEncryption = 'none' | 'all' | 'dc' | 'rack';

/** PEM files of one TLS endpoint; `option` names the block in messages (e.g. "client_encryption_options"). */
export interface TlsFiles {
  readonly option: string;
  readonly certFile: string;
  readonly keyFile: string;
  /** Verifies peers' certificates; null: nobody's certificate is verified (client TLS without mTLS). */
  readonly caFile: string | null;
}

export interface ClientTlsPlan {
  readonly files: TlsFiles;
  readonly requireClientAuth: boolean;
  /** optional: true: TLS and plaintext clients on the same native port. */
  readonly allowPlaintext: boolean;
}

export interface InternodeTlsPlan {
  readonly files: TlsFiles;
  /** Which outgoing connections use TLS: every one, only to other DCs, or to other racks or DCs. */
  readonly mode: InternodeEncryption;
  /** Mutual TLS on incoming TLS connections (default true: a node always presents its certificate). */
  readonly requireClientAuth: boolean;
  /** Plaintext peers accepted too (optional: true, or dc/rack where same-DC/rack links stay plaintext). */
  readonly allowPlaintextInbound: boolean;
}

const CLIENT = 'client_encryption_options';
const SERVER = 'server_encryption_options';

function requiredFile(option: string, key: 'cert_file' | 'key_file' | 'ca_file', value: string | undefined, why: string): string {
  if (value === undefined || value.trim() === '') throw new ConfigError(`${option}.${key} is required ${why}`);
  return value;
}

/** TLS for CQL clients, or null when the native port is plaintext only. */
export function clientTlsPlan(options: EncryptionOptionsInput | undefined): ClientTlsPlan | null {
  if (options === undefined) return null;
  if (options.internode_encryption !== undefined && options.internode_encryption !== 'none') {
    throw new ConfigError(`${CLIENT}.internode_encryption is not a client option (it belongs in ${SERVER})`);
  }
  const serving = options.enabled === true || options.optional === true;
  if (!serving) {
    if (options.require_client_auth === true) throw new ConfigError(`${CLIENT}.require_client_auth needs enabled: true (or optional: true)`);
    return null;
  }
  const why = 'when client TLS is enabled';
  const requireClientAuth = options.require_client_auth ?? false;
  return {
    files: {
      option: CLIENT,
      certFile: requiredFile(CLIENT, 'cert_file', options.cert_file, why),
      keyFile: requiredFile(CLIENT, 'key_file', options.key_file, why),
      caFile: requireClientAuth ? requiredFile(CLIENT, 'ca_file', options.ca_file, 'with require_client_auth: true') : (options.ca_file ?? null),
    },
    requireClientAuth,
    allowPlaintext: options.optional === true,
  };
}

/** TLS between nodes, or null when internode traffic is plaintext only. */
export function internodeTlsPlan(options: EncryptionOptionsInput | undefined): InternodeTlsPlan | null {
  if (options === undefined) return null;
  const mode = options.internode_encryption ?? 'none';
  if (options.enabled === true && mode === 'none') {
    throw new ConfigError(`${SERVER}.enabled is not used for internode TLS: set ${SERVER}.internode_encryption (all, dc or rack)`);
  }
  if (options.enabled === false && mode !== 'none') {
    throw new ConfigError(`${SERVER}.enabled: false contradicts internode_encryption: ${mode} (drop enabled; internode_encryption decides)`);
  }
  const inbound = mode !== 'none' || options.optional === true;
  if (!inbound) return null;
  const why = mode === 'none' ? 'with optional: true' : `with internode_encryption: ${mode}`;
  return {
    files: {
      option: SERVER,
      certFile: requiredFile(SERVER, 'cert_file', options.cert_file, why),
      keyFile: requiredFile(SERVER, 'key_file', options.key_file, why),
      // Every node verifies the others' certificates, whichever side opened the connection.
      caFile: requiredFile(SERVER, 'ca_file', options.ca_file, why),
    },
    mode,
    requireClientAuth: options.require_client_auth ?? true,
    allowPlaintextInbound: options.optional === true || mode === 'dc' || mode === 'rack',
  };
}

/** Whether an outgoing internode connection to a peer at `peer` (null: location unknown yet) uses TLS. */
export function encryptsInternode(options: {
  mode: InternodeEncryption;
  local: { readonly datacenter: string; readonly rack: string };
  peer: { readonly datacenter: string; readonly rack: string } | null;
}): boolean {
  const { mode, local, peer } = options;
  switch (mode) {
    case 'none': return false;
    case 'all': return true;
    // A peer gossip has not placed yet is treated as remote: TLS, which its port always accepts.
    case 'dc': return peer === null || peer.datacenter !== local.datacenter;
    case 'rack': return peer === null || peer.datacenter !== local.datacenter || peer.rack !== local.rack;
    default: return assertNever(mode, 'internode_encryption');
  }
}
