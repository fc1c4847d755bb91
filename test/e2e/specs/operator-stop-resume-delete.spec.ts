// e2e: label=slow
// Issue 7: stop and resume: data kept. Delete the CassandraCluster: objects and PVCs per policy
// (whenDeleted: Retain by default; Delete removes the claims).
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { PersistentVolumeClaim } from '../kube/types.ts';
import { api, applyYaml, createNamespace, deleteNamespace, describeWithOperator, fixture, kubectl, waitFor } from './support/cluster.ts';
import { ccPath, clusterPods, clusterStatefulSets, condition, cqlClient, createTestKeyspace, getCluster, missingRows, patchClusterSpec, QuorumWriter, waitClusterReady } from './support/operator.ts';

describeWithOperator('stop-resume-delete', 'operator: stop, resume and delete', () => {
  let ns = '';
  beforeAll(async () => {
    ns = await createNamespace('stop');
    await applyYaml(ns, fixture('operator/cluster-3-racks.yaml', { NAME: 'c1' }));
    await waitClusterReady(ns, 'c1');
  });
  afterAll(async () => {
    if (ns) await deleteNamespace(ns);
  });

  const claims = async (): Promise<string[]> =>
    (await (await api()).get<{ items: PersistentVolumeClaim[] }>(`/api/v1/namespaces/${ns}/persistentvolumeclaims`)).items.map((c) => c.metadata.name).sort();

  it('stops to zero pods keeping the claims, and resumes with the data', async () => {
    const client = await cqlClient(ns, 'c1');
    await createTestKeyspace(client, { dc1: 3 });
    const writer = new QuorumWriter(client);
    writer.start();
    await new Promise((r) => setTimeout(r, 3_000));
    await writer.stop();
    await client.shutdown();
    const claimsBefore = await claims();

    await patchClusterSpec(ns, 'c1', { stopped: true });
    await waitFor('stopped', async () => {
      const cc = await getCluster(ns, 'c1');
      return condition(cc, 'Stopped')?.status === 'True' && (await clusterPods(ns, 'c1')).length === 0;
    }, { timeoutMs: 10 * 60_000, intervalMs: 1_000 });
    expect(await claims()).toEqual(claimsBefore);

    await patchClusterSpec(ns, 'c1', { stopped: false });
    await waitClusterReady(ns, 'c1');
    const again = await cqlClient(ns, 'c1');
    expect(await missingRows(again, writer.acked)).toEqual([]);
    await again.shutdown();
  });

  it('deleting the cluster removes its objects and keeps the claims (Retain)', async () => {
    const claimsBefore = await claims();
    await kubectl(['delete', 'cassandracluster', '-n', ns, 'c1', '--wait=true', '--timeout=600s']);
    await waitFor('objects gone', async () => (await clusterStatefulSets(ns, 'c1')).length === 0 && (await clusterPods(ns, 'c1')).length === 0, {
      timeoutMs: 10 * 60_000,
      intervalMs: 1_000,
    });
    expect(await claims()).toEqual(claimsBefore);
  });

  it('deleting a cluster with whenDeleted: Delete removes its claims', async () => {
    await applyYaml(ns, fixture('operator/cluster-3-racks.yaml', { NAME: 'c2' }));
    await (await api()).patch(ccPath(ns, 'c2'), { spec: { persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete' } } }, 'merge');
    await waitClusterReady(ns, 'c2');
    await kubectl(['delete', 'cassandracluster', '-n', ns, 'c2', '--wait=true', '--timeout=600s']);
    await waitFor('c2 claims gone', async () => (await claims()).every((c) => !c.includes('c2-')), { timeoutMs: 10 * 60_000, intervalMs: 1_000 });
  });
});
