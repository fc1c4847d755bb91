import { describe, expect, it } from 'vitest';
import { loadNodeConfig } from './node-config.ts';

const base = 'cluster_name: t\nlisten_address: 127.0.0.1\n';

describe('node config: compaction and cache settings', () => {
  it('defaults to Cassandra-like bounds', () => {
    const c = loadNodeConfig(base, {});
    expect(c.concurrent_compactors).toBe(2);
    expect(c.compaction_throughput).toBe(64 * 1024 * 1024);
    expect(c.file_cache_size).toBe(128 * 1024 * 1024);
    expect(c.key_cache_size).toBe(16 * 1024 * 1024);
    expect(c.row_cache_size).toBe(0);
    expect(c.index_summary_capacity).toBe(64 * 1024 * 1024);
    expect(c.request_timeout).toBe(10_000);
  });

  it('reads index_summary_capacity as a size or a number of MiB, bounded', () => {
    expect(loadNodeConfig(`${base}index_summary_capacity: 100MiB\n`, {}).index_summary_capacity).toBe(100 * 1024 * 1024);
    expect(loadNodeConfig(`${base}index_summary_capacity: 32\n`, {}).index_summary_capacity).toBe(32 * 1024 * 1024);
    expect(loadNodeConfig(`${base}index_summary_capacity: 0\n`, {}).index_summary_capacity).toBe(0);
    expect(() => loadNodeConfig(`${base}index_summary_capacity: 64GiB\n`, {})).toThrow(/index_summary_capacity/);
    expect(() => loadNodeConfig(`${base}index_summary_capacity: lots\n`, {})).toThrow(/index_summary_capacity/);
  });

  it('reads rates as 4.1 writes them or as MiB/s numbers, 0 meaning unthrottled', () => {
    expect(loadNodeConfig(`${base}compaction_throughput: 16MiB/s\n`, {}).compaction_throughput).toBe(16 * 1024 * 1024);
    expect(loadNodeConfig(`${base}compaction_throughput: 8\n`, {}).compaction_throughput).toBe(8 * 1024 * 1024);
    expect(loadNodeConfig(`${base}compaction_throughput: 0\n`, {}).compaction_throughput).toBe(0);
    expect(loadNodeConfig(`${base}file_cache_size: 512MiB\nkey_cache_size: 0\nconcurrent_compactors: 4\n`, {})).toMatchObject({
      file_cache_size: 512 * 1024 * 1024, key_cache_size: 0, concurrent_compactors: 4,
    });
  });

  it('refuses malformed values with a message naming the setting', () => {
    expect(() => loadNodeConfig(`${base}compaction_throughput: 16MiB\n`, {})).toThrow(/compaction_throughput/);
    expect(() => loadNodeConfig(`${base}concurrent_compactors: 0\n`, {})).toThrow(/concurrent_compactors/);
    expect(() => loadNodeConfig(`${base}file_cache_size: 1KiB\n`, {})).toThrow(/file_cache_size/);
  });
});
