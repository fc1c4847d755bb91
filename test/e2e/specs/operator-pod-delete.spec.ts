// e2e: label=slow
// Issue 7: delete a pod: it returns with the same host id and data. Delete a pod and its PVC: the
// node is replaced (replace flow), no row lost.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { pvcName } from '../../../operator/specs/names.ts';
import { api, applyYaml, createNamespace, deleteNamespace, describeWithOperator, fixture, kubectl, waitFor } from './support/cluster.ts';
import { clusterPods, cqlClient, createTestKeyspace, getCluster, missingRows, QuorumWriter, waitClusterReady } from './support/operator.ts';

describeWithOperator('pod-delete', 'operator: pod deletion and node replacement', () => {
  let ns = '';
  beforeAll(async () => {
    ns = await createNamespace('podloss');
    await applyYaml(ns, fixture('operator/cluster-3-racks.yaml', { NAME: 'c1' }));
    await waitClusterReady(ns, 'c1');
  });
  afterAll(async () => {
    if (ns) await deleteNamespace(ns);
  });

  it('a deleted pod comes back with the same host id and data', async () => {
    const client = await cqlClient(ns, 'c1');
    await createTestKeyspace(client, { dc1: 3 });
    const writer = new QuorumWriter(client);
    writer.start();
    await new Promise((r) => setTimeout(r, 3_000));
    await writer.stop();
    const victim = (await clusterPods(ns, 'c1'))[1]!;
    const before = (await getCluster(ns, 'c1')).status?.nodes?.find((n) => n.pod === victim.metadata.name);
    await kubectl(['delete', 'pod', '-n', ns, victim.metadata.name, '--wait=true', '--timeout=180s']);
    const cc = await waitClusterReady(ns, 'c1');
    const after = cc.status?.nodes?.find((n) => n.pod === victim.metadata.name);
    expect(after?.hostId).toBe(before?.hostId);
    expect(await missingRows(client, writer.acked)).toEqual([]);
    await client.shutdown();
  });

  it('a pod deleted with its PVC is replaced (new volume, same tokens), no row lost', async () => {
    const client = await cqlClient(ns, 'c1');
    const writer = new QuorumWriter(client);
    writer.start();
    try {
      const victim = (await clusterPods(ns, 'c1'))[2]!;
      const name = victim.metadata.name;
      const before = (await getCluster(ns, 'c1')).status?.nodes?.find((n) => n.pod === name);
      await kubectl(['delete', 'pvc', '-n', ns, pvcName(name), '--wait=false']);
      await kubectl(['delete', 'pod', '-n', ns, name, '--wait=false']);
      await waitFor(
        'a ReplaceNode operation recorded',
        async () => (await getCluster(ns, 'c1')).status?.history?.some((h) => h.type === 'ReplaceNode' && h.result === 'Succeeded') === true,
        { timeoutMs: 15 * 60_000, intervalMs: 1_000 },
      );
      const cc = await waitClusterReady(ns, 'c1');
      const after = cc.status?.nodes?.find((n) => n.pod === name);
      expect(after?.hostId).toBeDefined();
      expect(after?.hostId).not.toBe(before?.hostId);
      const rest = await api();
      expect(await rest.getOrNull(`/api/v1/namespaces/${ns}/persistentvolumeclaims/${pvcName(name)}`)).not.toBeNull();
    } finally {
      await writer.stop();
    }
    expect(await missingRows(client, writer.acked)).toEqual([]);
    await client.shutdown();
  });
});
