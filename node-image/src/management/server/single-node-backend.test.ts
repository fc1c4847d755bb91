import { describe, expect, it } from 'vitest';
import type { Coordinator } from '../../coordinator/index.ts';
import type { CqlService } from '../../cql/index.ts';
import { silentLogger } from '../../io/index.ts';
import type { Clock } from '../../io/index.ts';
import type { SchemaSnapshot } from '../../schema/index.ts';
import type { StorageEngineWithStats } from '../../storage/index.ts';
import type { ParsedOperationRequest } from './management-backend.ts';
import { SingleNodeBackend, endpointState, replicationInfo, seedHosts } from './single-node-backend.ts';

/** A backend whose drain steps only record themselves (no storage, coordinator or listener behind them). */
function drainBackend(withPeers: boolean): { backend: SingleNodeBackend; steps: string[] } {
  const steps: string[] = [];
  const schema: SchemaSnapshot = { version: '00000000-0000-0000-0000-000000000000', keyspaces: new Map() };
  const clock: Clock = { nowMs: () => 0, monotonicMs: () => 0 } as unknown as Clock;
  let running = true;
  const backend = new SingleNodeBackend({
    clock, logger: silentLogger,
    coordinator: { schema: () => schema } as unknown as Coordinator,
    cql: {} as CqlService,
    clientSchema: () => schema,
    storage: { flush: async () => { steps.push('flush'); } } as unknown as StorageEngineWithStats,
    nativeTransport: { isRunning: () => running, stop: async () => { running = false; steps.push('native transport'); } },
    leaveCluster: withPeers ? async () => { steps.push('leave cluster'); } : null,
    diskSpace: () => null, dataDirectory: '/data', seeds: '127.0.0.1', generation: 1, bootstrapped: true, startedAtMs: 0, startedMonotonicMs: 0,
  });
  return { backend, steps };
}

async function drain(backend: SingleNodeBackend): Promise<number[]> {
  const totals: number[] = [];
  const runner = backend.prepareOperation('drain', {} as ParsedOperationRequest<'drain'>);
  totals.push(runner.progressTotal);
  await runner.run({ signal: new AbortController().signal, progress: (p) => totals.push(p.total) });
  return totals;
}

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

  it('drains with peers: native transport, then gossip shutdown and messaging, then flush; DRAINED', async () => {
    const { backend, steps } = drainBackend(true);
    expect(await drain(backend)).toEqual([3, 3, 3, 3]);
    expect(steps).toEqual(['native transport', 'leave cluster', 'flush']);
    expect(backend.operationMode()).toBe('DRAINED');
    // A second drain (the preStop hook after the operator's) repeats nothing.
    await drain(backend);
    expect(steps).toHaveLength(3);
  });

  it('drains alone: native transport, then flush', async () => {
    const { backend, steps } = drainBackend(false);
    expect(await drain(backend)).toEqual([2, 2, 2]);
    expect(steps).toEqual(['native transport', 'flush']);
    expect(backend.operationMode()).toBe('DRAINED');
  });
});
