import { describe, expect, it } from 'vitest';
import { ManualClock, flushMicrotasks } from '../../runtime/clock.ts';
import { MemoryEventSink } from '../../runtime/event-recorder.ts';
import { Resources } from '../../runtime/kube-api.ts';
import { silentLogger } from '../../runtime/logger.ts';
import { MemoryKubeApi } from '../../runtime/memory-kube-api.ts';
import { createCassandraClusterController, managementNodeApi, significantChange } from './setup.ts';

describe('controller wiring', () => {
  it('enqueues on spec, annotation and owned-object changes, not on our status writes', async () => {
    const api = new MemoryKubeApi();
    const clock = new ManualClock();
    const { cache, controller } = createCassandraClusterController({ api, clock, log: silentLogger, events: new MemoryEventSink(), clusterDomain: 'cluster.local', nodeApi: () => undefined });
    await api.create(Resources.cassandraCluster, { metadata: { name: 'prod', namespace: 'db' }, spec: { clusterName: 'P', datacenters: [{ name: 'dc1', size: 1 }] } });
    await cache.start();
    expect(controller.queue.length).toBe(1);
    const key = await controller.queue.get();
    expect(key).toBe('db/prod');
    controller.queue.done(key!);
    await api.mergePatch(Resources.cassandraCluster, 'db', 'prod', { status: { readyNodes: 1 } }, { subresource: 'status' });
    await flushMicrotasks();
    expect(controller.queue.length).toBe(0);
    await api.mergePatch(Resources.cassandraCluster, 'db', 'prod', { metadata: { annotations: { 'cassia.dev/restart-requested': 'now' } } });
    await flushMicrotasks();
    expect(controller.queue.length).toBe(1);
    controller.queue.done((await controller.queue.get())!);
    await api.create(Resources.pod, { metadata: { name: 'prod-dc1-r1-0', namespace: 'db', labels: { 'cassia.dev/cluster': 'prod' } } });
    await api.create(Resources.pod, { metadata: { name: 'other', namespace: 'db' } });
    await flushMicrotasks();
    expect(controller.queue.length).toBe(1);
    expect(cache.listOwned(Resources.pod, 'db', 'prod').map((p) => p.metadata.name)).toEqual(['prod-dc1-r1-0']);
    expect(cache.get(Resources.pod, 'db', 'other')).toBe(undefined);
    await cache.stop();
  });

  it('treats generation, labels, annotations and deletion as significant', () => {
    const base = { metadata: { name: 'x', generation: 1, labels: { a: '1' } } };
    expect(significantChange(base, { ...base, status: { x: 1 } })).toBe(false);
    expect(significantChange(base, { metadata: { ...base.metadata, generation: 2 } })).toBe(true);
    expect(significantChange(base, { metadata: { ...base.metadata, labels: { a: '2' } } })).toBe(true);
    expect(significantChange(base, { metadata: { ...base.metadata, deletionTimestamp: 'now' } })).toBe(true);
  });

  it('builds management clients from the cluster\'s token Secret', async () => {
    const api = new MemoryKubeApi();
    const clock = new ManualClock();
    const { cache } = createCassandraClusterController({ api, clock, log: silentLogger, events: new MemoryEventSink(), clusterDomain: 'cluster.local' });
    await cache.start();
    const factory = managementNodeApi(cache);
    expect(factory({ namespace: 'db', cluster: 'prod', pod: 'p', address: '10.0.0.1' })).toBe(undefined);
    await api.create(Resources.secret, { metadata: { name: 'prod-management-token', namespace: 'db', labels: { 'cassia.dev/cluster': 'prod' } }, data: { token: Buffer.from('a'.repeat(64)).toString('base64') } });
    await flushMicrotasks();
    const client = factory({ namespace: 'db', cluster: 'prod', pod: 'p', address: 'fd00::1' }) as unknown as { baseUrl: string };
    expect(client.baseUrl).toBe('http://[fd00::1]:8080');
    await cache.stop();
  });
});
