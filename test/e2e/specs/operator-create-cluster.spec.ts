// e2e: label=fast
// Issue 7: create a 3-node cluster in 3 racks -> Ready; each rack's pods on that rack's zone;
// CQL works through the client Service. Reports the time from apply to Ready.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Node } from '../kube/types.ts';
import { Labels } from '../../../operator/specs/names.ts';
import { api, applyYaml, createNamespace, deleteNamespace, describeWithOperator, fixture } from './support/cluster.ts';
import { clusterPods, consistencies, cqlClient, createTestKeyspace, waitClusterReady } from './support/operator.ts';

describeWithOperator('create-cluster', 'operator: create a 3-node cluster in 3 racks', () => {
  let ns = '';
  beforeAll(async () => {
    ns = await createNamespace('create');
  });
  afterAll(async () => {
    if (ns) await deleteNamespace(ns);
  });

  it('becomes Ready with each rack in its zone and serves CQL through the client Service', async () => {
    const t0 = Date.now();
    await applyYaml(ns, fixture('operator/cluster-3-racks.yaml', { NAME: 'c1' }));
    const cc = await waitClusterReady(ns, 'c1');
    console.log(`apply -> Ready for 3 nodes: ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    expect(cc.status?.readyNodes).toBe(3);

    const rest = await api();
    const zoneOfRack: Record<string, string> = { r1: 'zone-a', r2: 'zone-b', r3: 'zone-c' };
    const pods = await clusterPods(ns, 'c1');
    expect(pods).toHaveLength(3);
    for (const p of pods) {
      const node = await rest.get<Node>(`/api/v1/nodes/${p.spec.nodeName}`);
      expect(node.metadata.labels?.['topology.kubernetes.io/zone']).toBe(zoneOfRack[p.metadata.labels?.[Labels.rack] ?? '']);
    }
    const hostIds = new Set(cc.status?.nodes?.map((n) => n.hostId));
    expect(hostIds.size).toBe(3);

    const client = await cqlClient(ns, 'c1');
    try {
      await createTestKeyspace(client, { dc1: 3 });
      await client.execute('INSERT INTO e2e.rows (id, v) VALUES (1, ?)', ['one'], { prepare: true, consistency: consistencies.quorum });
      const rs = await client.execute('SELECT v FROM e2e.rows WHERE id = 1', [], { consistency: consistencies.quorum });
      expect(rs.first()?.['v']).toBe('one');
      const peers = await client.execute('SELECT peer FROM system.peers');
      expect(peers.rowLength).toBe(2);
    } finally {
      await client.shutdown();
    }
  });
});
