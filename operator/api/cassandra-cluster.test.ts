import { describe, expect, it } from 'vitest';
import { CassandraClusterSpecSchema, parseSpec } from './cassandra-cluster.ts';

describe('CassandraCluster spec schema', () => {
  it('applies defaults everywhere', () => {
    const spec = parseSpec({ clusterName: 'prod', datacenters: [{ name: 'dc1', size: 3 }] });
    expect(spec.datacenters[0]!.racks).toEqual([{ name: 'r1' }]);
    expect(spec.storage.size).toBe('10Gi');
    expect(spec.podTemplate.antiAffinity).toBe('Required');
    expect(spec.auth.enabled).toBe(true);
    expect(spec.repair).toEqual({ enabled: false, schedule: '0 3 * * 0', keyspaces: [], intensity: 1 });
    expect(spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenScaled: 'Delete', whenDeleted: 'Retain' });
    expect(spec.replacement).toEqual({ automatic: false, delaySeconds: 600 });
  });

  it('rejects invalid names, sizes and quantities', () => {
    const base = { clusterName: 'prod', datacenters: [{ name: 'dc1', size: 3 }] };
    expect(CassandraClusterSpecSchema.safeParse({ ...base, datacenters: [{ name: 'DC_1', size: 3 }] }).success).toBe(false);
    expect(CassandraClusterSpecSchema.safeParse({ ...base, datacenters: [{ name: 'dc1', size: 0 }] }).success).toBe(false);
    expect(CassandraClusterSpecSchema.safeParse({ ...base, datacenters: [] }).success).toBe(false);
    expect(CassandraClusterSpecSchema.safeParse({ ...base, storage: { size: 'ten gigs' } }).success).toBe(false);
    expect(CassandraClusterSpecSchema.safeParse({ ...base, storage: { size: '100Gi' } }).success).toBe(true);
    expect(CassandraClusterSpecSchema.safeParse({ ...base, resources: { requests: { cpu: 2, memory: '8Gi' } } }).success).toBe(true);
    expect(CassandraClusterSpecSchema.safeParse({ ...base, repair: { intensity: 0 } }).success).toBe(false);
  });
});
