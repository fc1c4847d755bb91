// e2e: label=slow
// Issue 7: add dc2 and later remove it; LOCAL_QUORUM in dc2 sees all data while it exists.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { applyYaml, createNamespace, deleteNamespace, describeWithOperator, fixture, waitFor } from './support/cluster.ts';
import { clusterPods, consistencies, cqlClient, createTestKeyspace, getCluster, missingRows, patchClusterSpec, QuorumWriter, waitClusterReady } from './support/operator.ts';
import { Labels } from '../../../operator/specs/names.ts';

describeWithOperator('multi-dc', 'operator: add and remove a datacenter', () => {
  let ns = '';
  beforeAll(async () => {
    ns = await createNamespace('multidc');
    await applyYaml(ns, fixture('operator/cluster-3-racks.yaml', { NAME: 'c1' }));
    await waitClusterReady(ns, 'c1');
  });
  afterAll(async () => {
    if (ns) await deleteNamespace(ns);
  });

  it('dc2 joins, rebuilds, serves LOCAL_QUORUM reads of every row, then leaves', async () => {
    const dc1 = await cqlClient(ns, 'c1');
    await createTestKeyspace(dc1, { dc1: 3 });
    const writer = new QuorumWriter(dc1, consistencies.localQuorum);
    writer.start();
    await new Promise((r) => setTimeout(r, 5_000));
    await writer.stop();

    // The 2-DC fixture is the same cluster with dc2 appended (join extends keyspace e2e).
    await applyYaml(ns, fixture('operator/cluster-2-dcs.yaml', { NAME: 'c1' }));
    const cc = await waitClusterReady(ns, 'c1');
    expect(cc.status?.datacenters?.map((d) => [d.name, d.phase, d.readyNodes])).toEqual([
      ['dc1', 'Ready', 3],
      ['dc2', 'Ready', 3],
    ]);
    const dc2 = await cqlClient(ns, 'c1', { localDataCenter: 'dc2' });
    expect(await missingRows(dc2, writer.acked, consistencies.localQuorum)).toEqual([]);
    await dc2.shutdown();

    // Removal is refused while a keyspace replicates to dc2: drop it from the keyspaces first.
    await dc1.execute(`ALTER KEYSPACE e2e WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 3}`);
    // IF EXISTS: Cassia lists system_distributed and system_traces in system_schema.keyspaces but
    // does not store them as schema keyspaces, so a plain ALTER of them fails with "doesn't exist"
    // (node-side gap; the operator goes around them when adding dc2, so they never replicate to it).
    for (const ks of ['system_auth', 'system_distributed', 'system_traces']) {
      await dc1.execute(`ALTER KEYSPACE IF EXISTS ${ks} WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 3}`);
    }
    const spec = (await getCluster(ns, 'c1')).spec;
    await patchClusterSpec(ns, 'c1', { datacenters: spec.datacenters.filter((d) => d.name === 'dc1') });
    await waitFor(
      'dc2 pods gone',
      async () => (await clusterPods(ns, 'c1')).every((p) => p.metadata.labels?.[Labels.datacenter] === 'dc1'),
      { timeoutMs: 20 * 60_000, intervalMs: 1_000 },
    );
    const after = await waitClusterReady(ns, 'c1');
    expect(after.status?.history?.some((h) => h.type === 'RemoveDatacenter' && h.result === 'Succeeded')).toBe(true);
    expect(await missingRows(dc1, writer.acked, consistencies.localQuorum)).toEqual([]);
    await dc1.shutdown();
  });
});
