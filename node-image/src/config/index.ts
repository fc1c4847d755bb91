// cassia.yaml schema (zod), defaults, environment overrides.
export {
  ConfigError, applyEnvironment, loadNodeConfig, nodeConfigSchema, parseDurationMs, parseNodeConfig, parseSizeBytes, withPathPrefix,
} from './node-config.ts';
export type { NodeConfig, NodeConfigInput } from './node-config.ts';
export { clientTlsPlan, encryptsInternode, internodeTlsPlan } from './encryption-plan.ts';
export type { ClientTlsPlan, EncryptionOptionsInput, InternodeEncryption, InternodeTlsPlan, TlsFiles } from './encryption-plan.ts';
export { TLS_PEM_CERTIFICATES_MAX, TLS_PEM_FILE_BYTES_MAX, TLS_RELOAD_INTERVAL_MS, TlsCredentialFiles, chainsToCa, loadTlsCredentials } from './tls-credential-files.ts';
export type { LoadedTlsCredentials, TlsCredentialFilesOptions, TlsCredentialsSummary } from './tls-credential-files.ts';
export { TLS_REFUSAL_LOG_INTERVAL_MS, openNodeTls } from './node-tls.ts';
export type { InternodeTls, NodeTls, NodeTlsOptions, PeerLocation } from './node-tls.ts';
