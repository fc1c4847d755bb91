// e2e: label=slow
// Issue 7: scale 3 -> 5 -> 3 while a client writes at QUORUM: zero acknowledged rows lost; the
// removed pods were decommissioned (LEFT/DECOMMISSIONED) before they were deleted; their PVCs follow the policy
// (whenScaled: Delete by default).
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { PersistentVolumeClaim, Pod } from '../kube/types.ts';
import { pvcName } from '../../../operator/specs/names.ts';
import { api, applyYaml, createNamespace, deleteNamespace, describeWithOperator, fixture, waitFor } from './support/cluster.ts';
import { clusterPods, cqlClient, createTestKeyspace, getCluster, missingRows, patchClusterSpec, QuorumWriter, waitClusterReady } from './support/operator.ts';

describeWithOperator('scale', 'operator: scale 3 -> 5 -> 3 under QUORUM writes', () => {
  let ns = '';
  beforeAll(async () => {
    ns = await createNamespace('scale');
    await applyYaml(ns, fixture('operator/cluster-3-racks.yaml', { NAME: 'c1' }));
    await waitClusterReady(ns, 'c1');
  });
  afterAll(async () => {
    if (ns) await deleteNamespace(ns);
  });

  it('loses no acknowledged row and decommissions before deleting', async () => {
    const client = await cqlClient(ns, 'c1');
    await createTestKeyspace(client, { dc1: 3 });
    const writer = new QuorumWriter(client);
    writer.start();
    try {
      await patchClusterSpec(ns, 'c1', { datacenters: [{ name: 'dc1', size: 5, racks: [{ name: 'r1', zone: 'zone-a' }, { name: 'r2', zone: 'zone-b' }, { name: 'r3', zone: 'zone-c' }] }] });
      const up = await waitClusterReady(ns, 'c1');
      expect(up.status?.readyNodes).toBe(5);
      const fivePods = (await clusterPods(ns, 'c1')).map((p) => p.metadata.name);

      // Watch the scale-down. A pod counts as having left before its deletion when, before its
      // deletionTimestamp showed up, the status reported its node LEFT/DECOMMISSIONED (the node
      // may exit right after, so its own state can go straight to Terminating) or the journal had
      // moved its decommission to Removing (the operator's verdict from the ring, the node's mode or
      // the finished job). The status is read before the pods, so a deletion seen in the same
      // poll happened after that status.
      const leftSeen = new Set<string>();
      const stateAtDeletion = new Map<string, string>();
      await patchClusterSpec(ns, 'c1', { datacenters: [{ name: 'dc1', size: 3, racks: [{ name: 'r1', zone: 'zone-a' }, { name: 'r2', zone: 'zone-b' }, { name: 'r3', zone: 'zone-c' }] }] });
      const lastState = new Map<string, string>();
      await waitFor(
        'scale-down to 3 finished',
        async () => {
          const cc = await getCluster(ns, 'c1');
          for (const n of cc.status?.nodes ?? []) {
            lastState.set(n.pod, n.state);
            if (n.state === 'LEFT' || n.state === 'DECOMMISSIONED') leftSeen.add(n.pod);
          }
          const op = cc.status?.operation;
          if (op?.type === 'ScaleDown' && op.phase === 'Removing' && op.pod) leftSeen.add(op.pod);
          const pods: Pod[] = await clusterPods(ns, 'c1');
          const record = (name: string): void => {
            if (!stateAtDeletion.has(name)) stateAtDeletion.set(name, leftSeen.has(name) ? 'LEFT' : `not left (last state ${lastState.get(name) ?? '?'})`);
          };
          for (const p of pods) if (p.metadata.deletionTimestamp) record(p.metadata.name);
          for (const name of fivePods) if (!pods.some((p) => p.metadata.name === name)) record(name);
          return cc.status?.readyNodes === 3 && cc.status.operation === undefined && pods.length === 3;
        },
        { timeoutMs: 20 * 60_000, intervalMs: 200 },
      );
      const removed = [...stateAtDeletion.keys()];
      expect(removed).toHaveLength(2);
      for (const name of removed) expect(stateAtDeletion.get(name), `${name} had left the ring when its pod was deleted`).toBe('LEFT');
      const rest = await api();
      const pvcs = (await rest.get<{ items: PersistentVolumeClaim[] }>(`/api/v1/namespaces/${ns}/persistentvolumeclaims`)).items.map((c) => c.metadata.name);
      for (const name of removed) expect(pvcs).not.toContain(pvcName(name));
    } finally {
      await writer.stop();
    }
    expect(writer.acked.size).toBeGreaterThan(100);
    expect(await missingRows(client, writer.acked)).toEqual([]);
    const peers = await client.execute('SELECT peer FROM system.peers');
    expect(peers.rowLength).toBe(2);
    await client.shutdown();
  });
});
