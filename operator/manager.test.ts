import { describe, expect, it } from 'vitest';
import { Manager } from './manager.ts';
import { parseFlags } from './main.ts';
import { ManualClock, flushMicrotasks } from './runtime/clock.ts';
import { Resources } from './runtime/kube-api.ts';
import { silentLogger } from './runtime/logger.ts';
import { MemoryKubeApi } from './runtime/memory-kube-api.ts';
import { OperatorMetrics } from './runtime/metrics.ts';
import { FakeNodes } from './testing/fake-cluster.ts';

const lease = (identity: string) => ({ namespace: 'ops', name: 'cassia-operator', identity, leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 });

async function settle(clock: ManualClock, ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 500) {
    await clock.advance(500);
    await flushMicrotasks(50);
  }
}

describe('Manager', () => {
  it('only the leader reconciles; a standby takes over when the leader stops', async () => {
    const api = new MemoryKubeApi();
    const clock = new ManualClock();
    const nodes = new FakeNodes(clock);
    await api.create(Resources.cassandraCluster, { metadata: { name: 'prod', namespace: 'db' }, spec: { clusterName: 'P', datacenters: [{ name: 'dc1', size: 1, racks: [{ name: 'r1' }] }] } });
    const make = (identity: string) => new Manager({ api, clock, log: silentLogger, metrics: new OperatorMetrics(), identity, clusterDomain: 'cluster.local', leaderElection: lease(identity), nodeApi: nodes.factory, workers: 1 });
    const a = make('a');
    const b = make('b');
    const stopA = new AbortController();
    const stopB = new AbortController();
    const runA = a.run(stopA.signal);
    await settle(clock, 1000);
    const runB = b.run(stopB.signal);
    await settle(clock, 3000);
    expect(a.isLeading).toBe(true);
    expect(b.isLeading).toBe(false);
    expect(api.peek(Resources.statefulSet, 'db', 'prod-dc1-r1')).toBeDefined();
    expect((api.peek(Resources.lease, 'ops', 'cassia-operator')!.spec as { holderIdentity: string }).holderIdentity).toBe('a');

    stopA.abort();
    expect(await runA).toBe('stopped');
    await settle(clock, 4000);
    expect(b.isLeading).toBe(true);
    expect((api.peek(Resources.lease, 'ops', 'cassia-operator')!.spec as { holderIdentity: string }).holderIdentity).toBe('b');
    stopB.abort();
    expect(await runB).toBe('stopped');
  });

  it('runs without leader election when told so', async () => {
    const api = new MemoryKubeApi();
    const clock = new ManualClock();
    const m = new Manager({ api, clock, log: silentLogger, metrics: new OperatorMetrics(), identity: 'x', clusterDomain: 'cluster.local', nodeApi: new FakeNodes(clock).factory });
    const stop = new AbortController();
    const run = m.run(stop.signal);
    await settle(clock, 500);
    expect(m.isLeading).toBe(true);
    expect(api.peek(Resources.lease, 'ops', 'cassia-operator')).toBe(undefined);
    stop.abort();
    expect(await run).toBe('stopped');
  });
});

describe('flags', () => {
  it('parses flags with defaults', () => {
    const f = parseFlags(['--namespace', 'db', '--no-leader-elect', '--workers', '8']);
    expect(f).toMatchObject({ namespace: 'db', leaderElect: false, workers: '8', clusterDomain: 'cluster.local', metricsBindAddress: '0.0.0.0:8081', leaseName: 'cassia-operator' });
  });
});
