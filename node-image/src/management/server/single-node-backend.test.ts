import { describe, expect, it } from 'vitest';
import { endpointState, replicationInfo, seedHosts } from './single-node-backend.ts';

describe('single-node backend helpers', () => {
  it('reads the host part of each seed', () => {
    expect(seedHosts('10.0.0.1, 10.0.0.2:7000,[::1]:7000,::1,seed.svc')).toEqual(['10.0.0.1', '10.0.0.2', '::1', '::1', 'seed.svc']);
    expect(seedHosts('')).toEqual([]);
  });

  it('maps stored replication to the contract', () => {
    expect(replicationInfo({ class: 'org.apache.cassandra.locator.SimpleStrategy', options: { replication_factor: '3/1' } }))
      .toEqual({ class: 'SimpleStrategy', replicationFactor: 3, datacenters: {} });
    expect(replicationInfo({ class: 'org.apache.cassandra.locator.NetworkTopologyStrategy', options: { dc1: '3', dc2: '1' } }))
      .toEqual({ class: 'NetworkTopologyStrategy', datacenters: { dc1: 3, dc2: 1 } });
    expect(replicationInfo({ class: 'org.apache.cassandra.locator.LocalStrategy', options: {} })).toEqual({ class: 'LocalStrategy', datacenters: {} });
    expect(() => replicationInfo({ class: 'com.example.Custom', options: {} })).toThrow(expect.objectContaining({ code: 'MGMT_ERR_INTERNAL' }));
  });

  it('shows other nodes the ring state of each operation mode', () => {
    expect(endpointState('NORMAL')).toBe('NORMAL');
    expect(endpointState('DRAINED')).toBe('SHUTDOWN');
    expect(endpointState('DECOMMISSIONED')).toBe('LEFT');
    expect(endpointState('STARTING')).toBe('UNKNOWN');
  });
});
