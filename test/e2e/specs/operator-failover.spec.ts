// e2e: label=slow
// Issue 7: kill the operator in the middle of a scale-up and of a scale-down: the new leader
// (second replica of the operator Deployment) finishes the operation.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { operatorNamespace } from '../providers/provider.ts';
import { api, applyYaml, createNamespace, deleteNamespace, describeWithOperator, fixture, kubectl, waitFor } from './support/cluster.ts';
import { getCluster, patchClusterSpec, waitClusterReady } from './support/operator.ts';

const racks = [{ name: 'r1', zone: 'zone-a' }, { name: 'r2', zone: 'zone-b' }, { name: 'r3', zone: 'zone-c' }];

/** The pod holding the operator's leader Lease (the only Lease in the operator namespace). */
async function leaderPod(): Promise<string> {
  const rest = await api();
  const leases = await rest.get<{ items: { metadata: { name: string }; spec: { holderIdentity?: string } }[] }>(
    `/apis/coordination.k8s.io/v1/namespaces/${operatorNamespace}/leases`,
  );
  const holder = leases.items.find((l) => l.spec.holderIdentity)?.spec.holderIdentity;
  if (!holder) throw new Error('no operator leader lease');
  // Holder identities are "<pod>" or "<pod>_<suffix>".
  return holder.split('_')[0]!;
}

async function killLeaderDuring(ns: string, type: 'ScaleUp' | 'ScaleDown'): Promise<string> {
  const op = await waitFor(
    `a ${type} operation past its first step`,
    async () => {
      const o = (await getCluster(ns, 'c1')).status?.operation;
      return o && o.type === type && (o.attempts > 0 || o.jobId !== undefined || o.pod !== undefined) ? o : undefined;
    },
    { timeoutMs: 10 * 60_000, intervalMs: 200 },
  );
  const leader = await leaderPod();
  await kubectl(['delete', 'pod', '-n', operatorNamespace, leader, '--grace-period=0', '--force']);
  return op.id;
}

describeWithOperator('failover', 'operator: leader killed mid-operation, the next leader finishes', () => {
  let ns = '';
  beforeAll(async () => {
    ns = await createNamespace('failover');
    await applyYaml(ns, fixture('operator/cluster-3-racks.yaml', { NAME: 'c1' }));
    await waitClusterReady(ns, 'c1');
  });
  afterAll(async () => {
    if (ns) await deleteNamespace(ns);
  });

  it('finishes a scale-up after the leader dies', async () => {
    await patchClusterSpec(ns, 'c1', { datacenters: [{ name: 'dc1', size: 4, racks }] });
    const opId = await killLeaderDuring(ns, 'ScaleUp');
    const cc = await waitClusterReady(ns, 'c1');
    expect(cc.status?.readyNodes).toBe(4);
    expect(cc.status?.history?.find((h) => h.id === opId)?.result).toBe('Succeeded');
  });

  it('finishes a scale-down after the leader dies', async () => {
    await patchClusterSpec(ns, 'c1', { datacenters: [{ name: 'dc1', size: 3, racks }] });
    const opId = await killLeaderDuring(ns, 'ScaleDown');
    const cc = await waitClusterReady(ns, 'c1');
    expect(cc.status?.readyNodes).toBe(3);
    expect(cc.status?.history?.find((h) => h.id === opId)?.result).toBe('Succeeded');
  });
});
