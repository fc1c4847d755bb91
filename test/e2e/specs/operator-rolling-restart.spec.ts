// e2e: label=slow
// Issue 7: a config change rolls the pods one at a time; QUORUM reads and writes never fail.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { applyYaml, createNamespace, deleteNamespace, describeWithOperator, fixture, waitFor } from './support/cluster.ts';
import { clusterPods, consistencies, cqlClient, createTestKeyspace, getCluster, missingRows, patchClusterSpec, QuorumWriter, waitClusterReady } from './support/operator.ts';

describeWithOperator('rolling-restart', 'operator: rolling restart on a config change', () => {
  let ns = '';
  beforeAll(async () => {
    ns = await createNamespace('rolling');
    await applyYaml(ns, fixture('operator/cluster-3-racks.yaml', { NAME: 'c1' }));
    await waitClusterReady(ns, 'c1');
  });
  afterAll(async () => {
    if (ns) await deleteNamespace(ns);
  });

  it('restarts one pod at a time without a failed QUORUM request', async () => {
    const client = await cqlClient(ns, 'c1');
    await createTestKeyspace(client, { dc1: 3 });
    const uidsBefore = new Map((await clusterPods(ns, 'c1')).map((p) => [p.metadata.name, p.metadata.uid]));
    const writer = new QuorumWriter(client);
    writer.start();
    let readFailures = 0;
    let maxNotReady = 0;
    try {
      // A key the node's strict cassia.yaml schema accepts (an unknown one makes it exit with code 2).
      await patchClusterSpec(ns, 'c1', { config: { max_hints_delivery_threads: 4 } });
      await waitFor(
        'every pod replaced and the cluster Ready',
        async () => {
          const pods = await clusterPods(ns, 'c1');
          const notReady = pods.filter((p) => !p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length + (3 - pods.length);
          maxNotReady = Math.max(maxNotReady, notReady);
          try {
            await client.execute('SELECT v FROM e2e.rows WHERE id = 0', [], { consistency: consistencies.quorum, isIdempotent: true });
          } catch {
            readFailures++;
          }
          const cc = await getCluster(ns, 'c1');
          const allNew = pods.length === 3 && pods.every((p) => uidsBefore.get(p.metadata.name) !== p.metadata.uid);
          return allNew && cc.status !== undefined && cc.status.operation === undefined && cc.status.readyNodes === 3 && cc.status.observedGeneration === cc.metadata.generation;
        },
        { timeoutMs: 20 * 60_000, intervalMs: 250 },
      );
    } finally {
      await writer.stop();
    }
    expect(maxNotReady).toBeLessThanOrEqual(1);
    expect(readFailures).toBe(0);
    expect(writer.failures).toEqual([]);
    expect(await missingRows(client, writer.acked)).toEqual([]);
    await client.shutdown();
  });
});
