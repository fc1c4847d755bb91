// Unit tests of the options a multi-node peer cluster adds to one node's configuration: seed list,
// token allocation RF and RING_DELAY; defaults keep the one-node peer unchanged. No I/O.
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { cassandraYaml } from './cassandra-config.ts';
import { cassandraJvmArgs, PEER_RING_DELAY_MS } from './jvm-options.ts';

const base = {
  clusterName: 'c',
  address: '127.0.1.22',
  nativePort: 9042,
  storagePort: 7000,
  dataDir: '/d',
  commitlogSync: 'periodic',
  smallFootprint: false,
} as const;

describe('cluster options', () => {
  test('defaults: the node is its own seed, tokens allocated for RF 1', () => {
    const yaml = parse(cassandraYaml(base)) as Record<string, unknown>;
    expect(JSON.stringify(yaml['seed_provider'])).toContain('"127.0.1.22:7000"');
    expect(yaml['allocate_tokens_for_local_replication_factor']).toBe(1);
  });

  test('seeds on the storage port and the token allocation RF', () => {
    const yaml = parse(cassandraYaml({ ...base, seeds: ['127.0.1.21', '127.0.1.23'], tokenAllocationReplicationFactor: 3 })) as Record<string, unknown>;
    expect(JSON.stringify(yaml['seed_provider'])).toContain('"127.0.1.21:7000,127.0.1.23:7000"');
    expect(yaml['allocate_tokens_for_local_replication_factor']).toBe(3);
  });

  test('a seed in Cassia range or an empty seed list is refused', () => {
    expect(() => cassandraYaml({ ...base, seeds: ['127.0.0.61'] })).toThrow(/Cassia/);
    expect(() => cassandraYaml({ ...base, seeds: [] })).toThrow(/seed/);
  });

  test('ring delay: one-node default, or the given value', () => {
    const common = { heapMb: 512, jammJar: '/j.jar', libDir: '/lib', confDir: '/c', yamlPath: '/c/y', logbackPath: '/c/l', storageDir: '/d', logDir: '/l', unsafeSystem: false };
    expect(cassandraJvmArgs(common)).toContain(`-Dcassandra.ring_delay_ms=${PEER_RING_DELAY_MS}`);
    expect(cassandraJvmArgs({ ...common, ringDelayMs: 5000 })).toContain('-Dcassandra.ring_delay_ms=5000');
  });
});
