import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.ts';
import { EventRecorder } from './event-recorder.ts';
import { Resources } from './kube-api.ts';
import { silentLogger } from './logger.ts';
import { MemoryKubeApi } from './memory-kube-api.ts';

describe('EventRecorder', () => {
  const cc = { apiVersion: 'cassia.dev/v1alpha1', kind: 'CassandraCluster', metadata: { name: 'prod', namespace: 'db', uid: 'u1' } };

  it('creates events and aggregates repeats within the window', async () => {
    const api = new MemoryKubeApi();
    const clock = new ManualClock();
    const recorder = new EventRecorder({ api, clock, log: silentLogger, component: 'cassia-operator', instance: 'pod-1' });
    await recorder.record(cc, 'Warning', 'ScaleDownRefused', 'keyspace ks has RF 3 in dc1');
    await clock.advance(1000);
    await recorder.record(cc, 'Warning', 'ScaleDownRefused', 'keyspace ks has RF 3 in dc1');
    const events = api.all(Resources.event);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'Warning', reason: 'ScaleDownRefused', count: 2, involvedObject: { kind: 'CassandraCluster', name: 'prod', uid: 'u1' } });
    await clock.advance(11 * 60_000);
    await recorder.record(cc, 'Warning', 'ScaleDownRefused', 'keyspace ks has RF 3 in dc1');
    expect(api.all(Resources.event)).toHaveLength(2);
    expect(recorder.counts).toEqual({ created: 2, aggregated: 1, failed: 0 });
  });

  it('never throws when the API fails', async () => {
    const api = new MemoryKubeApi();
    const recorder = new EventRecorder({ api, clock: new ManualClock(), log: silentLogger, component: 'c', instance: 'i' });
    api.failNext('create', new Error('forbidden'));
    await recorder.record(cc, 'Normal', 'X', 'y');
    expect(recorder.counts.failed).toBe(1);
  });
});
