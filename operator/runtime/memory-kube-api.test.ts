import { describe, expect, it } from 'vitest';
import { KubeApiError, Resources } from './kube-api.ts';
import { MemoryKubeApi } from './memory-kube-api.ts';

describe('MemoryKubeApi', () => {
  it('server-side apply removes fields the manager stopped applying and keeps others\' fields', async () => {
    const api = new MemoryKubeApi();
    await api.apply(Resources.configMap, { metadata: { name: 'c', namespace: 'n', labels: { a: '1', b: '2' } }, data: { x: '1' } }, { fieldManager: 'op' });
    await api.mergePatch(Resources.configMap, 'n', 'c', { metadata: { annotations: { other: 'yes' } } });
    await api.apply(Resources.configMap, { metadata: { name: 'c', namespace: 'n', labels: { a: '1' } }, data: { y: '2' } }, { fieldManager: 'op' });
    const c = api.peek(Resources.configMap, 'n', 'c')!;
    expect(c.metadata.labels).toEqual({ a: '1' });
    expect(c.metadata.annotations).toEqual({ other: 'yes' });
    expect(c.data).toEqual({ y: '2' });
  });

  it('keeps status out of main-resource writes and bumps generation on spec changes only', async () => {
    const api = new MemoryKubeApi();
    await api.create(Resources.statefulSet, { metadata: { name: 's', namespace: 'n' }, spec: { replicas: 1 } });
    await api.mergePatch(Resources.statefulSet, 'n', 's', { status: { readyReplicas: 1 } }, { subresource: 'status' });
    await api.apply(Resources.statefulSet, { metadata: { name: 's', namespace: 'n' }, spec: { replicas: 1 }, status: { readyReplicas: 9 } }, { fieldManager: 'op' });
    let s = api.peek(Resources.statefulSet, 'n', 's')!;
    expect(s.status).toEqual({ readyReplicas: 1 });
    expect(s.metadata.generation).toBe(1);
    await api.apply(Resources.statefulSet, { metadata: { name: 's', namespace: 'n' }, spec: { replicas: 2 } }, { fieldManager: 'op' });
    s = api.peek(Resources.statefulSet, 'n', 's')!;
    expect(s.metadata.generation).toBe(2);
  });

  it('does not bump resourceVersion on a no-op apply', async () => {
    const api = new MemoryKubeApi();
    const o = { metadata: { name: 'c', namespace: 'n' }, data: { x: '1' } };
    const a = await api.apply(Resources.configMap, o, { fieldManager: 'op' });
    const b = await api.apply(Resources.configMap, o, { fieldManager: 'op' });
    expect(b.metadata.resourceVersion).toBe(a.metadata.resourceVersion);
  });

  it('enforces optimistic concurrency and preconditions', async () => {
    const api = new MemoryKubeApi();
    const created = await api.create(Resources.configMap, { metadata: { name: 'c', namespace: 'n' } });
    await api.mergePatch(Resources.configMap, 'n', 'c', { data: { a: 'b' } });
    await expect(api.replace(Resources.configMap, created)).rejects.toSatisfy((e) => KubeApiError.isConflict(e));
    await expect(api.delete(Resources.configMap, 'n', 'c', { uid: 'other' })).rejects.toSatisfy((e) => KubeApiError.isConflict(e));
    await expect(api.create(Resources.configMap, created)).rejects.toMatchObject({ reason: 'AlreadyExists' });
  });

  it('garbage-collects dependents and honours finalizers', async () => {
    const api = new MemoryKubeApi();
    const owner = await api.create(Resources.cassandraCluster, { metadata: { name: 'cc', namespace: 'n', finalizers: ['x'] } });
    const ref = { apiVersion: 'cassia.dev/v1alpha1', kind: 'CassandraCluster', name: 'cc', uid: owner.metadata.uid! };
    await api.create(Resources.configMap, { metadata: { name: 'dep', namespace: 'n', ownerReferences: [ref] } });
    await api.delete(Resources.cassandraCluster, 'n', 'cc');
    expect(api.peek(Resources.cassandraCluster, 'n', 'cc')!.metadata.deletionTimestamp).toBeDefined();
    expect(api.peek(Resources.configMap, 'n', 'dep')).toBeDefined();
    await api.mergePatch(Resources.cassandraCluster, 'n', 'cc', { metadata: { finalizers: null } });
    expect(api.peek(Resources.cassandraCluster, 'n', 'cc')).toBe(undefined);
    expect(api.peek(Resources.configMap, 'n', 'dep')).toBe(undefined);
  });
});
