// Unit tests of the Cassandra peer's generated configuration: yaml per commit-log mode, the address
// guard that keeps the peer off Cassia's 127.0.0.0/24, the heap formula and the launch line. No I/O.
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { assertPeerAddress, cassandraYaml } from './cassandra/cassandra-config.ts';
import { CASSANDRA_MAIN_CLASS, cassandraJvmArgs, defaultHeapMb } from './cassandra/jvm-options.ts';

const GIB = 2 ** 30;
const base = {
  clusterName: 'c',
  address: '127.0.1.1',
  nativePort: 9042,
  storagePort: 7000,
  dataDir: '/d',
  commitlogSync: 'periodic',
  smallFootprint: false,
} as const;

describe('cassandra.yaml', () => {
  test('periodic, batch and group sync modes', () => {
    expect(parse(cassandraYaml(base))).toMatchObject({ commitlog_sync: 'periodic', commitlog_sync_period: '10000ms' });
    expect(parse(cassandraYaml({ ...base, commitlogSync: 'batch' }))).toMatchObject({ commitlog_sync: 'batch' });
    expect(parse(cassandraYaml({ ...base, commitlogSync: 'group' }))).toMatchObject({ commitlog_sync: 'group', commitlog_sync_group_window: '15ms' });
  });

  test('binds only its own address and folders', () => {
    const yaml = parse(cassandraYaml(base)) as Record<string, unknown>;
    expect(yaml).toMatchObject({ listen_address: '127.0.1.1', rpc_address: '127.0.1.1', native_transport_port: 9042 });
    expect(yaml['data_file_directories']).toEqual(['/d/data']);
    expect(JSON.stringify(yaml['seed_provider'])).toContain('127.0.1.1:7000');
  });

  test('small footprint adds memtable and pool limits', () => {
    expect(parse(cassandraYaml(base))).not.toHaveProperty('memtable_heap_space');
    expect(parse(cassandraYaml({ ...base, smallFootprint: true }))).toMatchObject({ memtable_heap_space: '64MiB', concurrent_writes: 8 });
  });

  test('addresses Cassia uses and non-loopback addresses are refused', () => {
    expect(() => assertPeerAddress('127.0.0.1')).toThrow(/Cassia/);
    expect(() => assertPeerAddress('127.0.0.250')).toThrow(/Cassia/);
    expect(() => assertPeerAddress('10.0.0.1')).toThrow(/loopback/);
    expect(() => assertPeerAddress('127.0.1.2')).not.toThrow();
    expect(() => cassandraYaml({ ...base, address: '127.0.0.9' })).toThrow();
  });
});

describe('JVM', () => {
  test("Cassandra's default heap formula", () => {
    expect(defaultHeapMb(24 * GIB)).toBe(6144);
    expect(defaultHeapMb(2 * GIB)).toBe(1024);
    expect(defaultHeapMb(64 * GIB)).toBe(8192);
  });

  test('launch line', () => {
    const args = cassandraJvmArgs({
      heapMb: 1024, jammJar: '/lib/jamm-0.4.0.jar', libDir: '/lib', confDir: '/conf', yamlPath: '/conf/cassandra.yaml',
      logbackPath: '/conf/logback.xml', storageDir: '/d', logDir: '/d/logs', unsafeSystem: true,
    });
    expect(args.at(-1)).toBe(CASSANDRA_MAIN_CLASS);
    expect(args).toContain('-Xmx1024m');
    expect(args).toContain('-javaagent:/lib/jamm-0.4.0.jar');
    expect(args).toContain('-Dcassandra.config=file:///conf/cassandra.yaml');
    expect(args).toContain('-Dcassandra.unsafesystem=true');
    expect(args.some((a) => a.startsWith('-Dcassandra.jmx'))).toBe(false);
    expect(args).not.toContain('-XX:+AlwaysPreTouch');
  });
});
