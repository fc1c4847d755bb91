import { describe, expect, it } from 'vitest';
import { CassandraClusterSpecSchema, datacenterStorage, parseSpec } from './cassandra-cluster.ts';

describe('CassandraCluster spec schema', () => {
  it('applies defaults everywhere', () => {
    const spec = parseSpec({ clusterName: 'prod', datacenters: [{ name: 'dc1', size: 3, racks: [{ name: 'r1' }] }] });
    expect(spec.datacenters[0]).toEqual({ name: 'dc1', size: 3, racks: [{ name: 'r1' }] });
    expect(spec.storage.size).toBe('10Gi');
    expect(spec.podTemplate.antiAffinity).toBe('Required');
    expect(spec.auth.enabled).toBe(true);
    expect(spec.repair).toEqual({ enabled: false, schedule: '0 3 * * 0', keyspaces: [], intensity: 1 });
    expect(spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenScaled: 'Delete', whenDeleted: 'Retain' });
    expect(spec.replacement).toEqual({ automatic: false, delaySeconds: 600 });
  });

  it('rejects invalid names, sizes and quantities', () => {
    const racks = [{ name: 'r1' }];
    const base = { clusterName: 'prod', datacenters: [{ name: 'dc1', size: 3, racks }] };
    expect(CassandraClusterSpecSchema.safeParse({ ...base, datacenters: [{ name: 'DC_1', size: 3, racks }] }).success).toBe(false);
    expect(CassandraClusterSpecSchema.safeParse({ ...base, datacenters: [{ name: 'dc1', size: 0, racks }] }).success).toBe(false);
    // racks is required (no default inside a list item: see the CRD test).
    expect(CassandraClusterSpecSchema.safeParse({ ...base, datacenters: [{ name: 'dc1', size: 3 }] }).success).toBe(false);
    expect(CassandraClusterSpecSchema.safeParse({ ...base, datacenters: [] }).success).toBe(false);
    expect(CassandraClusterSpecSchema.safeParse({ ...base, storage: { size: 'ten gigs' } }).success).toBe(false);
    expect(CassandraClusterSpecSchema.safeParse({ ...base, storage: { size: '100Gi' } }).success).toBe(true);
    expect(CassandraClusterSpecSchema.safeParse({ ...base, resources: { requests: { cpu: 2, memory: '8Gi' } } }).success).toBe(true);
    expect(CassandraClusterSpecSchema.safeParse({ ...base, repair: { intensity: 0 } }).success).toBe(false);
  });

  it('accepts cron schedules and their macros, refuses malformed ones', () => {
    const base = { clusterName: 'prod', datacenters: [{ name: 'dc1', size: 3, racks: [{ name: 'r1' }] }] };
    const ok = (schedule: string): boolean => CassandraClusterSpecSchema.safeParse({ ...base, repair: { enabled: true, schedule } }).success;
    for (const s of ['@daily', '@weekly', '@monthly', '@hourly', '@yearly', '@annually', '@midnight', '0 3 * * 0', '*/15 * * * *', '0 0 1,15 * 1-5', '30 2 * * 7', '0 0-23/6 * * *']) expect(ok(s), s).toBe(true);
    for (const s of ['', '@every 5m', '@reboot', '0 3 * *', '0 3 * * 0 2026', '60 * * * *', '0 24 * * *', '0 0 0 * *', '0 0 * 13 *', '0 0 * * 8', '*/0 * * * *', 'a b c d e', ' 0 3 * * 0', 'MON * * * *']) expect(ok(s), s).toBe(false);
  });

  it('inherits the storage size in a DC override without one', () => {
    const spec = parseSpec({ clusterName: 'p', storage: { size: '50Gi', storageClassName: 'fast' }, datacenters: [
      { name: 'a', size: 1, racks: [{ name: 'r1' }] },
      { name: 'b', size: 1, racks: [{ name: 'r1' }], storage: { storageClassName: 'slow' } },
      { name: 'c', size: 1, racks: [{ name: 'r1' }], storage: { size: '1Ti' } },
    ] });
    expect(spec.datacenters.map((dc) => datacenterStorage(spec, dc))).toEqual([
      { size: '50Gi', storageClassName: 'fast' },
      { size: '50Gi', storageClassName: 'slow' },
      { size: '1Ti' },
    ]);
  });
});
