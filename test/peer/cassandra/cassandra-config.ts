// Writes the files a Cassandra 5.0 peer needs beside the jars: a minimal cassandra.yaml bound to
// one loopback address (never 127.0.0.x, which Cassia nodes use; seeds likewise) and a logback.xml
// that logs to file.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type CommitLogSyncMode = 'periodic' | 'batch' | 'group';

/** Cassandra's defaults for the three commit-log sync modes (cassandra.yaml 5.0). */
export const COMMITLOG_SYNC_PERIOD_MS = 10_000;
export const COMMITLOG_SYNC_GROUP_WINDOW_MS = 15;

export interface CassandraYamlOptions {
  readonly clusterName: string;
  readonly address: string;
  readonly nativePort: number;
  readonly storagePort: number;
  readonly dataDir: string;
  readonly commitlogSync: CommitLogSyncMode;
  /** Small memtables and thread pools for a test node; false keeps Cassandra's sizing defaults. */
  readonly smallFootprint: boolean;
  /** Seed addresses (each on storagePort); default: this node alone. */
  readonly seeds?: readonly string[];
  /** allocate_tokens_for_local_replication_factor: the RF the token allocator optimises for; default 1. */
  readonly tokenAllocationReplicationFactor?: number;
}

/** Rejects addresses that Cassia nodes use (127.0.0.0/24) and anything outside loopback. */
export function assertPeerAddress(address: string): void {
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address)) {
    throw new Error(`peer address ${address} is not an IPv4 loopback address`);
  }
  if (address.startsWith('127.0.0.')) {
    throw new Error(`peer address ${address} is in 127.0.0.0/24, which Cassia nodes use`);
  }
}

export function cassandraYaml(options: CassandraYamlOptions): string {
  assertPeerAddress(options.address);
  const seeds = options.seeds ?? [options.address];
  if (seeds.length === 0) throw new Error('cassandra.yaml: at least one seed is needed');
  for (const seed of seeds) assertPeerAddress(seed);
  const d = options.dataDir;
  const lines = [
    `cluster_name: ${options.clusterName}`,
    'partitioner: org.apache.cassandra.dht.Murmur3Partitioner',
    'num_tokens: 16',
    `allocate_tokens_for_local_replication_factor: ${options.tokenAllocationReplicationFactor ?? 1}`,
    ...commitlogSyncLines(options.commitlogSync),
    'commitlog_segment_size: 32MiB',
    'seed_provider:',
    '  - class_name: org.apache.cassandra.locator.SimpleSeedProvider',
    '    parameters:',
    `      - seeds: "${seeds.map((seed) => `${seed}:${options.storagePort}`).join(',')}"`,
    `listen_address: ${options.address}`,
    `rpc_address: ${options.address}`,
    `storage_port: ${options.storagePort}`,
    `native_transport_port: ${options.nativePort}`,
    'start_native_transport: true',
    'endpoint_snitch: SimpleSnitch',
    'authenticator: AllowAllAuthenticator',
    'authorizer: AllowAllAuthorizer',
    'storage_compatibility_mode: NONE',
    `data_file_directories: [${join(d, 'data')}]`,
    `commitlog_directory: ${join(d, 'commitlog')}`,
    `hints_directory: ${join(d, 'hints')}`,
    `saved_caches_directory: ${join(d, 'saved_caches')}`,
    `cdc_raw_directory: ${join(d, 'cdc_raw')}`,
  ];
  if (options.smallFootprint) {
    lines.push(
      'memtable_heap_space: 64MiB',
      'memtable_offheap_space: 64MiB',
      'concurrent_reads: 8',
      'concurrent_writes: 8',
      'concurrent_counter_writes: 8',
      'concurrent_compactors: 1',
    );
  }
  return `${lines.join('\n')}\n`;
}

function commitlogSyncLines(mode: CommitLogSyncMode): string[] {
  switch (mode) {
    case 'periodic':
      return ['commitlog_sync: periodic', `commitlog_sync_period: ${COMMITLOG_SYNC_PERIOD_MS}ms`];
    case 'batch':
      return ['commitlog_sync: batch'];
    case 'group':
      return ['commitlog_sync: group', `commitlog_sync_group_window: ${COMMITLOG_SYNC_GROUP_WINDOW_MS}ms`];
    default: {
      const never: never = mode;
      throw new Error(`unknown commitlog_sync mode ${String(never)}`);
    }
  }
}

/** INFO and above to logs/system.log; only errors reach the console (captured to a file anyway). */
export function logbackXml(logDir: string): string {
  return `<configuration scan="false">
  <appender name="FILE" class="ch.qos.logback.core.FileAppender">
    <file>${join(logDir, 'system.log')}</file>
    <encoder><pattern>%-5level [%thread] %date{ISO8601} %F:%L - %msg%n</pattern></encoder>
  </appender>
  <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
    <filter class="ch.qos.logback.classic.filter.ThresholdFilter"><level>ERROR</level></filter>
    <encoder><pattern>%-5level [%thread] %date{ISO8601} %F:%L - %msg%n</pattern></encoder>
  </appender>
  <root level="INFO">
    <appender-ref ref="FILE" />
    <appender-ref ref="STDOUT" />
  </root>
</configuration>
`;
}

export function writeCassandraConfig(
  confDir: string,
  logDir: string,
  yaml: CassandraYamlOptions,
): { yamlPath: string; logbackPath: string } {
  const yamlPath = join(confDir, 'cassandra.yaml');
  const logbackPath = join(confDir, 'logback.xml');
  writeFileSync(yamlPath, cassandraYaml(yaml));
  writeFileSync(logbackPath, logbackXml(logDir));
  return { yamlPath, logbackPath };
}
