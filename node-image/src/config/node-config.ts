// cassia.yaml: the node's configuration in the spirit of cassandra.yaml (same key names where
// Cassandra has one), validated with zod, with defaults and environment overrides for pods
// (POD_IP, CASSIA_SEEDS, CASSIA_DC, CASSIA_RACK, ...). Durations accept "10000ms", "10s" or a
// number of milliseconds; sizes accept "32MiB", "16KiB" or a number of bytes.
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from './config-error.ts';
import { clientTlsPlan, internodeTlsPlan } from './encryption-plan.ts';

const DURATION_RE = /^(\d+)\s*(ms|s|m|h|d)?$/i;
const SIZE_RE = /^(\d+)\s*(B|KiB|MiB|GiB|KB|MB|GB)?$/i;

export function parseDurationMs(value: string | number): number {
  if (typeof value === 'number') return value;
  const m = DURATION_RE.exec(value.trim());
  if (m === null) throw new Error(`invalid duration '${value}' (expected e.g. 10000ms, 10s, 3h)`);
  const n = Number(m[1]);
  const unit = (m[2] ?? 'ms').toLowerCase();
  const factor = unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : unit === 'h' ? 3_600_000 : 86_400_000;
  return n * factor;
}

export function parseSizeBytes(value: string | number): number {
  if (typeof value === 'number') return value;
  const m = SIZE_RE.exec(value.trim());
  if (m === null) throw new Error(`invalid size '${value}' (expected e.g. 32MiB, 16KiB)`);
  const n = Number(m[1]);
  const unit = (m[2] ?? 'B').toLowerCase();
  const factor = unit === 'b' ? 1 : unit.startsWith('k') ? 1024 : unit.startsWith('m') ? 1024 ** 2 : 1024 ** 3;
  return n * factor;
}

const duration = z.union([z.number().int().nonnegative(), z.string()]).transform((v, ctx) => {
  try {
    return parseDurationMs(v);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: String((error as Error).message) });
    return z.NEVER;
  }
});

const size = z.union([z.number().int().nonnegative(), z.string()]).transform((v, ctx) => {
  try {
    return parseSizeBytes(v);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: String((error as Error).message) });
    return z.NEVER;
  }
});

/** A size as Cassandra 4.1 writes it ("64MiB") or a number of MiB (the unit the setting is documented in). */
const mebibytes = z.union([z.number().nonnegative(), z.string()]).transform((v, ctx) => {
  if (typeof v === 'number') return Math.round(v * 1024 * 1024);
  try {
    return parseSizeBytes(v);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: String((error as Error).message) });
    return z.NEVER;
  }
});

/** Bound of index_summary_capacity (a dense partition index of ~1 G partitions). */
const INDEX_SUMMARY_CAPACITY_MAX_BYTES = 16 * 1024 * 1024 * 1024;

/** A rate as Cassandra 4.1 writes it ("64MiB/s") or a number of MiB/s (4.0's *_mb_per_sec); 0 = unthrottled. */
const bytesPerSecond = z.union([z.number().nonnegative(), z.string()]).transform((v, ctx) => {
  if (typeof v === 'number') return Math.round(v * 1024 * 1024);
  const text = v.trim();
  if (!text.endsWith('/s')) {
    ctx.addIssue({ code: 'custom', message: `expected a rate such as 64MiB/s, got ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  try {
    return parseSizeBytes(text.slice(0, -2));
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: String((error as Error).message) });
    return z.NEVER;
  }
});

const encryptionOptions = z.object({
  enabled: z.boolean().optional(),
  internode_encryption: z.enum(['none', 'all', 'dc', 'rack']).optional(),
  optional: z.boolean().optional(),
  cert_file: z.string().optional(),
  key_file: z.string().optional(),
  ca_file: z.string().optional(),
  require_client_auth: z.boolean().optional(),
}).strict();

export const nodeConfigSchema = z.object({
  cluster_name: z.string().min(1).default('Cassia Cluster'),
  num_tokens: z.number().int().min(1).max(1536).default(16),
  initial_token: z.string().optional().describe('Comma-separated tokens used on first boot instead of random ones'),
  seeds: z.string().default('127.0.0.1').describe('Comma-separated seed addresses (ip[:port])'),
  /** Internode messaging and gossip; absent: on when the seeds name a node other than this one. */
  start_gossip: z.boolean().optional(),
  /** RING_DELAY (cassandra.ring_delay_ms): how long a shadow round waits for seeds; quarantine is twice this. */
  ring_delay: duration.pipe(z.number().min(1000).max(3_600_000)).default(30_000),
  /** Outgoing streaming bytes per second over all streams (bootstrap, decommission, rebuild, repair); 0 = unthrottled. */
  stream_throughput_outbound: size.default(24 * 1024 * 1024),
  /** Failure detector sensitivity; Cassandra accepts 5..16. */
  phi_convict_threshold: z.number().min(5).max(16).default(8),
  listen_address: z.string().default('127.0.0.1'),
  rpc_address: z.string().default('127.0.0.1'),
  native_transport_port: z.number().int().min(0).max(65535).default(9042),
  storage_port: z.number().int().min(0).max(65535).default(7000),
  management_address: z.string().optional(),
  management_port: z.number().int().min(0).max(65535).default(8080),
  management_token_file: z.string().optional(),
  data_file_directories: z.array(z.string()).min(1).default(['./data/data']),
  commitlog_directory: z.string().default('./data/commitlog'),
  hints_directory: z.string().default('./data/hints'),
  commitlog_sync: z.enum(['periodic', 'batch', 'group']).default('periodic'),
  commitlog_sync_period: duration.default(10_000),
  commitlog_sync_group_window: duration.default(1000),
  commitlog_segment_size: size.default(32 * 1024 * 1024),
  commitlog_total_space: size.default(1024 * 1024 * 1024),
  memtable_flush_threshold: size.default(64 * 1024 * 1024),
  memtable_space: size.default(256 * 1024 * 1024),
  /** Compactions running at once, and their shared throughput bound (nodetool setcompactionthroughput changes it live). */
  concurrent_compactors: z.number().int().min(1).max(64).default(2),
  compaction_throughput: bytesPerSecond.default(64 * 1024 * 1024),
  /** Byte bounds of the chunk cache (verified SSTable chunks), the key cache and the row cache (0: off). */
  file_cache_size: size.pipe(z.number().min(1024 * 1024)).default(128 * 1024 * 1024),
  key_cache_size: size.default(16 * 1024 * 1024),
  /**
   * Memory for the in-memory partition indexes of all SSTables (Cassandra's index_summary_capacity;
   * MiB when a number): dense (16.5 bytes a partition) while they fit, sampled beyond. Default 64 MiB
   * (storage INDEX_SUMMARY_CAPACITY_BYTES_DEFAULT; Cassandra: 5% of the heap).
   */
  index_summary_capacity: mebibytes.pipe(z.number().max(INDEX_SUMMARY_CAPACITY_MAX_BYTES)).default(64 * 1024 * 1024),
  row_cache_size: size.default(0),
  dc: z.string().min(1).default('dc1'),
  rack: z.string().min(1).default('rack1'),
  auto_bootstrap: z.boolean().default(true),
  replace_address_first_boot: z.string().optional(),
  hinted_handoff_enabled: z.boolean().default(true),
  max_hint_window: duration.default(3 * 3_600_000),
  /** Hint replay rate per delivery, divided by (nodes - 1); 0: unthrottled. */
  hinted_handoff_throttle: size.default(1024 * 1024),
  hinted_handoff_disabled_datacenters: z.array(z.string()).default([]),
  max_hints_delivery_threads: z.number().int().min(1).max(64).default(2),
  hints_flush_period: duration.pipe(z.number().min(1)).default(10_000),
  max_hints_file_size: size.pipe(z.number().min(1024)).default(128 * 1024 * 1024),
  /** Hint bytes kept per target host (Cassandra's 0 = unlimited is replaced by a bound). */
  max_hints_size_per_host: size.pipe(z.number().min(1024)).default(1024 * 1024 * 1024),
  /** Coordinator timeouts (Cassandra 4.x names and defaults). */
  write_request_timeout: duration.pipe(z.number().min(1)).default(2000),
  read_request_timeout: duration.pipe(z.number().min(1)).default(5000),
  range_request_timeout: duration.pipe(z.number().min(1)).default(10_000),
  counter_write_request_timeout: duration.pipe(z.number().min(1)).default(5000),
  cas_contention_timeout: duration.pipe(z.number().min(1)).default(1000),
  truncate_request_timeout: duration.pipe(z.number().min(1)).default(60_000),
  /** Other operations (Cassandra's request_timeout): how long a schema change may spend reaching agreement. */
  request_timeout: duration.pipe(z.number().min(1)).default(10_000),
  authenticator: z.enum(['AllowAllAuthenticator', 'PasswordAuthenticator']).default('AllowAllAuthenticator'),
  authorizer: z.enum(['AllowAllAuthorizer', 'CassandraAuthorizer']).default('AllowAllAuthorizer'),
  /** A superuser role the node ensures at start (login + superuser + this password); from CASSIA_SUPERUSER_*. */
  superuser_username: z.string().min(1).optional(),
  superuser_password: z.string().optional(),
  /** TLS for CQL clients on the native port (config/encryption-plan.ts, docs/design/tls.md). */
  client_encryption_options: encryptionOptions.optional(),
  /** TLS between nodes: internode_encryption all, dc or rack (config/encryption-plan.ts). */
  server_encryption_options: encryptionOptions.optional(),
  /** Bounds match the protocol layer's (resolveProtocolLimits): 1 KiB..256 MiB. */
  native_transport_max_frame_size: size.pipe(z.number().min(1024).max(256 * 1024 * 1024)).default(16 * 1024 * 1024),
  native_transport_max_requests_per_connection: z.number().int().min(1).max(32768).default(1024),
  native_transport_idle_timeout: duration.pipe(z.number().max(7 * 86_400_000)).default(0),
  materialized_views_enabled: z.boolean().default(false),
  log_level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
}).strict();

export type NodeConfig = z.output<typeof nodeConfigSchema>;
export type NodeConfigInput = z.input<typeof nodeConfigSchema>;

export { ConfigError };

/** Applies pod-style environment overrides on top of a raw config object. */
export function applyEnvironment(raw: Record<string, unknown>, env: Readonly<Record<string, string | undefined>>): Record<string, unknown> {
  const out = { ...raw };
  const podIp = env['POD_IP'];
  if (podIp !== undefined && podIp !== '') {
    out['listen_address'] = podIp;
    out['rpc_address'] = podIp;
    out['management_address'] ??= podIp;
  }
  const map: Array<[string, string]> = [
    ['CASSIA_SEEDS', 'seeds'], ['CASSIA_DC', 'dc'], ['CASSIA_RACK', 'rack'], ['CASSIA_CLUSTER_NAME', 'cluster_name'],
    ['CASSIA_REPLACE_ADDRESS', 'replace_address_first_boot'], ['CASSIA_MANAGEMENT_TOKEN_FILE', 'management_token_file'],
    ['CASSIA_LOG_LEVEL', 'log_level'],
    ['CASSIA_SUPERUSER_USERNAME', 'superuser_username'], ['CASSIA_SUPERUSER_PASSWORD', 'superuser_password'],
  ];
  for (const [name, key] of map) {
    const v = env[name];
    if (v !== undefined && v !== '') out[key] = v;
  }
  const autoBootstrap = env['CASSIA_AUTO_BOOTSTRAP'];
  if (autoBootstrap !== undefined && autoBootstrap !== '') {
    const lower = autoBootstrap.trim().toLowerCase();
    if (lower !== 'true' && lower !== 'false') throw new ConfigError(`CASSIA_AUTO_BOOTSTRAP must be true or false, got '${autoBootstrap}'`);
    out['auto_bootstrap'] = lower === 'true';
  }
  const dataDir = env['CASSIA_DATA_DIR'];
  if (dataDir !== undefined && dataDir !== '') {
    out['data_file_directories'] = [`${dataDir}/data`];
    out['commitlog_directory'] = `${dataDir}/commitlog`;
    out['hints_directory'] = `${dataDir}/hints`;
  }
  return out;
}

export function parseNodeConfig(raw: unknown): NodeConfig {
  const result = nodeConfigSchema.safeParse(raw ?? {});
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid cassia.yaml: ${issues}`);
  }
  const config = result.data;
  // Unsupported or incomplete TLS settings fail here, before any file is read (docs/design/tls.md).
  clientTlsPlan(config.client_encryption_options);
  internodeTlsPlan(config.server_encryption_options);
  if ((config.superuser_username === undefined) !== (config.superuser_password === undefined)) {
    throw new ConfigError('superuser_username and superuser_password (CASSIA_SUPERUSER_USERNAME, CASSIA_SUPERUSER_PASSWORD) go together');
  }
  if (config.authorizer === 'CassandraAuthorizer') {
    throw new ConfigError('authorizer: CassandraAuthorizer is not implemented yet in Cassia (use AllowAllAuthorizer)');
  }
  return config;
}

/** Parses YAML text, applies the environment, and validates. */
export function loadNodeConfig(yamlText: string, env: Readonly<Record<string, string | undefined>>): NodeConfig {
  let raw: unknown;
  try {
    raw = parseYaml(yamlText) ?? {};
  } catch (error) {
    throw new ConfigError(`invalid YAML in cassia.yaml: ${(error as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError('cassia.yaml must be a mapping');
  return parseNodeConfig(applyEnvironment(raw as Record<string, unknown>, env));
}

/**
 * Puts `prefix` in front of every absolute path of the config (data, commit log and hints
 * folders, token and certificate files). Used where a container's files live under a stand-in
 * root (the e2e fake kubelet sets CASSIA_PATH_PREFIX); on a real cluster there is no prefix.
 */
export function withPathPrefix(config: NodeConfig, prefix: string): NodeConfig {
  if (prefix === '') return config;
  const p = (path: string): string => (path.startsWith('/') && !path.startsWith(`${prefix}/`) ? `${prefix}${path}` : path);
  const po = (path: string | undefined): string | undefined => (path === undefined ? undefined : p(path));
  const tls = (o: NodeConfig['client_encryption_options']): NodeConfig['client_encryption_options'] =>
    o === undefined ? undefined : { ...o, cert_file: po(o.cert_file), key_file: po(o.key_file), ca_file: po(o.ca_file) };
  return {
    ...config,
    data_file_directories: config.data_file_directories.map(p),
    commitlog_directory: p(config.commitlog_directory),
    hints_directory: p(config.hints_directory),
    management_token_file: po(config.management_token_file),
    client_encryption_options: tls(config.client_encryption_options),
    server_encryption_options: tls(config.server_encryption_options),
  };
}
