import { describe, expect, it } from 'vitest';
import type { CassandraClusterStatus, Operation } from '../../api/index.ts';
import { NOW_MS, defaultKeyspaces, hostIdFor, ipFor, job, scenario, type Scenario } from '../../testing/scenario.ts';
import { LEFT_PROPAGATION_WAIT_MS, plan, type Plan } from './plan.ts';

type Any = Record<string, any>;

function run(s: Scenario): Plan {
  return plan(scenario(s), { clusterDomain: 'cluster.local' });
}

function replicas(p: Plan): Record<string, number> {
  return Object.fromEntries(p.objects.filter((o) => o.kind === 'StatefulSet').map((o) => [o.metadata.name, (o.spec as Any).replicas as number]));
}

function cond(p: Plan, type: string): Any | undefined {
  return p.status.conditions?.find((c) => c.type === type);
}

function op(fields: Partial<Operation> & Pick<Operation, 'type' | 'phase'>): Operation {
  return { id: 'op-7', startedAt: new Date(NOW_MS - 60_000).toISOString(), lastProgressAt: new Date(NOW_MS - 60_000).toISOString(), attempts: 0, summary: '', ...fields };
}

/** Status of a running cluster carrying an operation. */
function withOp(operation: Operation | undefined, extra: CassandraClusterStatus = {}): CassandraClusterStatus {
  return { ...(operation ? { operation } : {}), nextOperationId: 8, ...extra };
}

const RID = (opId: string, pod: string, verb: string, attempt = 0): string => `cc-uid-1/${opId}/${pod}/${verb}.${attempt}`;
const threeRacks = (codes: Record<string, string>): Record<string, Array<'N' | 'J' | 'S' | 'P' | 'D' | 'L' | 'X'>> =>
  Object.fromEntries(Object.entries(codes).map(([k, v]) => [k, v.split('') as Array<'N'>]));

describe('plan: create', () => {
  it('brand-new cluster: every object, racks at zero but the first, the first pod as seed', () => {
    const p = run({ secrets: { managementToken: false, superuser: false } });
    expect(p.ensureSecrets).toEqual(['managementToken', 'superuser']);
    expect(p.objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ServiceAccount/prod-node', 'Role/prod-node', 'RoleBinding/prod-node', 'Service/prod-nodes', 'Service/prod-seeds', 'Service/prod-client',
      'ConfigMap/prod-replace', 'ConfigMap/prod-dc1-config', 'PodDisruptionBudget/prod-dc1',
      'StatefulSet/prod-dc1-r1', 'StatefulSet/prod-dc1-r2', 'StatefulSet/prod-dc1-r3',
    ]);
    expect(replicas(p)).toEqual({ 'prod-dc1-r1': 1, 'prod-dc1-r2': 0, 'prod-dc1-r3': 0 });
    expect(p.status.operation).toMatchObject({ id: 'op-1', type: 'Create', phase: 'Bootstrapping', pod: 'prod-dc1-r1-0' });
    expect(p.status.seeds).toEqual(['prod-dc1-r1-0']);
    expect(cond(p, 'ScalingUp')).toMatchObject({ status: 'True', reason: 'Create' });
    expect(cond(p, 'Ready')).toMatchObject({ status: 'False' });
    expect(p.status.nodeSummary).toBe('0/3');
    expect(p.events[0]).toMatchObject({ reason: 'Bootstrapping' });
  });

  it('waits while the first node joins, keeping its replica', () => {
    const p = run({ racks: { 'dc1/r1': ['J'], 'dc1/r2': [], 'dc1/r3': [] }, status: withOp(op({ type: 'Create', phase: 'Bootstrapping', datacenter: 'dc1', rack: 'r1', pod: 'prod-dc1-r1-0' })) });
    expect(p.status.operation).toMatchObject({ type: 'Create', pod: 'prod-dc1-r1-0', progress: 'node JOINING' });
    expect(replicas(p)).toEqual({ 'prod-dc1-r1': 1, 'prod-dc1-r2': 0, 'prod-dc1-r3': 0 });
    expect(p.requeueAfterMs).toBe(5000);
  });

  it('one bootstrap at a time across racks: when one node is NORMAL the next rack grows', () => {
    const p = run({ racks: { 'dc1/r1': ['N'], 'dc1/r2': [], 'dc1/r3': [] }, status: withOp(op({ type: 'Create', phase: 'Bootstrapping', datacenter: 'dc1', rack: 'r1', pod: 'prod-dc1-r1-0' })) });
    expect(p.status.history?.[0]).toMatchObject({ id: 'op-7', result: 'Succeeded' });
    expect(p.status.operation).toMatchObject({ id: 'op-8', type: 'ScaleUp', rack: 'r2', pod: 'prod-dc1-r2-0' });
    expect(replicas(p)).toEqual({ 'prod-dc1-r1': 1, 'prod-dc1-r2': 1, 'prod-dc1-r3': 0 });
    expect(p.status.pendingCleanup).toBe(undefined);
  });
});

describe('plan: scale up', () => {
  it('grows the emptiest rack first (balanced racks)', () => {
    const p = run({ spec: { datacenters: [{ name: 'dc1', size: 6, racks: [{ name: 'r1' }, { name: 'r2' }, { name: 'r3' }] }] }, racks: threeRacks({ 'dc1/r1': 'NN', 'dc1/r2': 'N', 'dc1/r3': 'N' }) });
    expect(p.status.operation).toMatchObject({ type: 'ScaleUp', rack: 'r2', pod: 'prod-dc1-r2-1', progress: 'node 5/6' });
    expect(replicas(p)).toEqual({ 'prod-dc1-r1': 2, 'prod-dc1-r2': 2, 'prod-dc1-r3': 1 });
  });

  it('waits for a healthy cluster before adding a node', () => {
    const p = run({ spec: { datacenters: [{ name: 'dc1', size: 4, racks: [{ name: 'r1' }, { name: 'r2' }, { name: 'r3' }] }] }, racks: threeRacks({ 'dc1/r1': 'N', 'dc1/r2': 'D', 'dc1/r3': 'N' }) });
    expect(p.status.operation).toBe(undefined);
    expect(cond(p, 'Progressing')).toMatchObject({ status: 'True', reason: 'WaitingForHealthyCluster' });
    expect(cond(p, 'Progressing')!.message).toContain('prod-dc1-r2-0');
    expect(cond(p, 'Degraded')).toMatchObject({ status: 'True' });
    expect(replicas(p)).toEqual({ 'prod-dc1-r1': 1, 'prod-dc1-r2': 1, 'prod-dc1-r3': 1 });
  });

  it('marks the DC for cleanup after a scale-up of a running DC, and cleans up once complete', () => {
    const spec = { datacenters: [{ name: 'dc1', size: 4, racks: [{ name: 'r1' }, { name: 'r2' }, { name: 'r3' }] }] };
    const joined = run({ spec, racks: threeRacks({ 'dc1/r1': 'NN', 'dc1/r2': 'N', 'dc1/r3': 'N' }), status: withOp(op({ type: 'ScaleUp', phase: 'Bootstrapping', datacenter: 'dc1', rack: 'r1', pod: 'prod-dc1-r1-1' })) });
    expect(joined.status.history?.[0]?.result).toBe('Succeeded');
    // Same pass: nothing else to scale, so cleanup starts on the first node.
    expect(joined.status.operation).toMatchObject({ type: 'Cleanup', datacenter: 'dc1', pod: 'prod-dc1-r1-0' });
    expect(joined.nodeCalls).toEqual([{ kind: 'submit', pod: 'prod-dc1-r1-0', operation: 'cleanup', request: { requestId: RID('op-8', 'prod-dc1-r1-0', 'cleanup') } }]);
    expect(joined.status.pendingCleanup).toEqual(['dc1']);
  });

  it('moves cleanup along node by node and clears the mark when done', () => {
    const pods = ['prod-dc1-r1-0', 'prod-dc1-r1-1', 'prod-dc1-r2-0', 'prod-dc1-r3-0'];
    const cleanup = op({ type: 'Cleanup', phase: 'CleaningUp', datacenter: 'dc1', pods, pod: pods[0] });
    const status = withOp(cleanup, { pendingCleanup: ['dc1'] });
    const spec = { datacenters: [{ name: 'dc1', size: 4, racks: [{ name: 'r1' }, { name: 'r2' }, { name: 'r3' }] }] };
    const racks = threeRacks({ 'dc1/r1': 'NN', 'dc1/r2': 'N', 'dc1/r3': 'N' });
    const p = run({ spec, racks, status, jobs: { [pods[0]!]: [job({ operation: 'cleanup', requestId: RID('op-7', pods[0]!, 'cleanup'), state: 'SUCCEEDED' })] } });
    expect(p.status.operation).toMatchObject({ pod: 'prod-dc1-r1-1', pods: pods.slice(1) });
    expect(p.nodeCalls).toEqual([{ kind: 'submit', pod: 'prod-dc1-r1-1', operation: 'cleanup', request: { requestId: RID('op-7', 'prod-dc1-r1-1', 'cleanup') } }]);
    const last = run({ spec, racks, status: withOp({ ...cleanup, pods: [pods[3]!], pod: pods[3] }, { pendingCleanup: ['dc1'] }), jobs: { [pods[3]!]: [job({ operation: 'cleanup', requestId: RID('op-7', pods[3]!, 'cleanup'), state: 'FAILED', error: { code: 'MGMT_ERR_INTERNAL', message: 'disk' } })] } });
    expect(last.status.operation).toBe(undefined);
    expect(last.status.pendingCleanup).toBe(undefined);
    expect(last.events.map((e) => e.reason)).toEqual(['CleanupFailed', 'CleanupDone']);
  });

  it('cancels a bootstrap that never started when the size is lowered again', () => {
    const status = withOp(op({ type: 'ScaleUp', phase: 'Bootstrapping', datacenter: 'dc1', rack: 'r1', pod: 'prod-dc1-r1-1' }));
    const racks = threeRacks({ 'dc1/r1': 'NP', 'dc1/r2': 'N', 'dc1/r3': 'N' });
    const first = run({ racks, status });
    expect(first.status.operation).toMatchObject({ phase: 'Cancelling' });
    expect(replicas(first)['prod-dc1-r1']).toBe(1);
    const gone = run({ racks: threeRacks({ 'dc1/r1': 'N', 'dc1/r2': 'N', 'dc1/r3': 'N' }), replicas: { 'dc1/r1': 2 }, status: withOp(first.status.operation), pvcs: { 'data-prod-dc1-r1-1': {} } });
    expect(gone.status.history?.[0]).toMatchObject({ result: 'Abandoned' });
    expect(gone.deletes).toEqual([{ ref: expect.objectContaining({ kind: 'PersistentVolumeClaim' }), name: 'data-prod-dc1-r1-1' }]);
    expect(replicas(gone)['prod-dc1-r1']).toBe(1);
  });

  it('does not cancel a node that is already streaming: the bootstrap finishes first', () => {
    const p = run({ racks: threeRacks({ 'dc1/r1': 'NJ', 'dc1/r2': 'N', 'dc1/r3': 'N' }), status: withOp(op({ type: 'ScaleUp', phase: 'Bootstrapping', datacenter: 'dc1', rack: 'r1', pod: 'prod-dc1-r1-1' })) });
    expect(p.status.operation).toMatchObject({ type: 'ScaleUp', phase: 'Bootstrapping' });
    expect(replicas(p)['prod-dc1-r1']).toBe(2);
  });
});

describe('plan: scale down', () => {
  const spec2 = { datacenters: [{ name: 'dc1', size: 2, racks: [{ name: 'r1' }, { name: 'r2' }, { name: 'r3' }] }] };
  const rf2 = defaultKeyspaces({ dc1: 2 });

  it('decommissions the last pod of the fullest rack first, journal before the call', () => {
    const p = run({ spec: spec2, racks: threeRacks({ 'dc1/r1': 'N', 'dc1/r2': 'N', 'dc1/r3': 'N' }), keyspaces: rf2 });
    expect(p.status.operation).toMatchObject({ type: 'ScaleDown', phase: 'Decommissioning', rack: 'r3', pod: 'prod-dc1-r3-0', hostId: hostIdFor('prod-dc1-r3-0'), address: ipFor('prod-dc1-r3-0') });
    expect(p.nodeCalls).toEqual([{ kind: 'submit', pod: 'prod-dc1-r3-0', operation: 'decommission', request: { requestId: RID('op-1', 'prod-dc1-r3-0', 'decommission') } }]);
    expect(replicas(p)['prod-dc1-r3']).toBe(1);
    expect(p.status.seeds).not.toContain('prod-dc1-r3-0');
    expect(cond(p, 'ScalingDown')).toMatchObject({ status: 'True' });
  });

  it('refuses to go below a keyspace\'s replication factor, explains it, and keeps reconciling', () => {
    const p = run({ spec: spec2, racks: threeRacks({ 'dc1/r1': 'N', 'dc1/r2': 'N', 'dc1/r3': 'N' }), staleInputs: { image: 'old' } });
    expect(cond(p, 'Blocked')).toMatchObject({ status: 'True', reason: 'ScaleDownBelowReplicationFactor' });
    expect(cond(p, 'Blocked')!.message).toContain('app (RF 3 in dc1)');
    expect(p.events.find((e) => e.reason === 'ScaleDownBelowReplicationFactor')).toMatchObject({ type: 'Warning' });
    // Everything else still happens: here a rolling restart for the image change.
    expect(p.status.operation).toMatchObject({ type: 'RollingRestart' });
    // A second pass with the same refusal does not repeat the event.
    const again = run({ spec: spec2, racks: threeRacks({ 'dc1/r1': 'N', 'dc1/r2': 'N', 'dc1/r3': 'N' }), status: { conditions: p.status.conditions! } });
    expect(again.events.filter((e) => e.reason === 'ScaleDownBelowReplicationFactor')).toEqual([]);
  });

  it('refuses when the remaining disks cannot absorb the data', () => {
    const p = run({
      spec: spec2, racks: threeRacks({ 'dc1/r1': 'N', 'dc1/r2': 'N', 'dc1/r3': 'N' }), keyspaces: rf2,
      nodeInfo: { 'prod-dc1-r3-0': { loadBytes: 80_000_000 }, 'prod-dc1-r1-0': { dataDisk: { totalBytes: 100_000_000, freeBytes: 10_000_000 } } },
    });
    expect(cond(p, 'Blocked')).toMatchObject({ status: 'True', reason: 'NotEnoughDiskToScaleDown' });
    expect(p.status.operation).toBe(undefined);
  });

  const decommissioning = withOp(op({ type: 'ScaleDown', phase: 'Decommissioning', datacenter: 'dc1', rack: 'r3', pod: 'prod-dc1-r3-0', hostId: hostIdFor('prod-dc1-r3-0'), address: ipFor('prod-dc1-r3-0') }));
  const rid = RID('op-7', 'prod-dc1-r3-0', 'decommission');

  it('keeps standing replacement entries for NORMAL nodes, never for the node being decommissioned', () => {
    const p = run({ spec: spec2, racks: threeRacks({ 'dc1/r1': 'N', 'dc1/r2': 'N', 'dc1/r3': 'L' }), status: decommissioning, keyspaces: rf2 });
    const map = p.objects.find((o) => o.metadata.name === 'prod-replace')!.data;
    expect(map).toEqual({ 'prod-dc1-r1-0': ipFor('prod-dc1-r1-0'), 'prod-dc1-r2-0': ipFor('prod-dc1-r2-0') });
    const idle = run({ racks: threeRacks({ 'dc1/r1': 'N', 'dc1/r2': 'N', 'dc1/r3': 'N' }) });
    expect(Object.keys(idle.objects.find((o) => o.metadata.name === 'prod-replace')!.data as object)).toEqual(['prod-dc1-r1-0', 'prod-dc1-r2-0', 'prod-dc1-r3-0']);
    expect(idle.status.nodes!.map((n) => n.lastNormalAddress)).toEqual(['prod-dc1-r1-0', 'prod-dc1-r2-0', 'prod-dc1-r3-0'].map(ipFor));
  });

  it('after an operator restart: a running job is followed, not resubmitted', () => {
    const p = run({ spec: spec2, racks: threeRacks({ 'dc1/r1': 'N', 'dc1/r2': 'N', 'dc1/r3': 'L' }), status: decommissioning, keyspaces: rf2,
      jobs: { 'prod-dc1-r3-0': [job({ operation: 'decommission', requestId: rid, state: 'RUNNING', progress: { unit: 'bytes', done: 10, total: 40, message: 'streaming' } })] } });
    expect(p.nodeCalls.filter((c) => c.kind === 'submit' && c.operation === 'decommission')).toEqual([]);
    expect(p.status.operation).toMatchObject({ phase: 'Decommissioning', progress: 'streaming 10/40 bytes' });
    expect(replicas(p)['prod-dc1-r3']).toBe(1);
  });

  it('after an operator restart: a job the node forgot is resubmitted with the same requestId', () => {
    const p = run({ spec: spec2, racks: threeRacks({ 'dc1/r1': 'N', 'dc1/r2': 'N', 'dc1/r3': 'N' }), status: decommissioning, keyspaces: rf2 });
    expect(p.nodeCalls).toContainEqual({ kind: 'submit', pod: 'prod-dc1-r3-0', operation: 'decommission', request: { requestId: rid } });
  });

  it('a node DECOMMISSIONED by its own account keeps its pod until the ring shows it LEFT (bounded wait)', () => {
    const gone = { spec: spec2, racks: threeRacks({ 'dc1/r1': 'N', 'dc1/r2': 'N', 'dc1/r3': 'X' }), keyspaces: rf2 };
    const early = run({ ...gone, ring: { 'prod-dc1-r3-0': 'LEAVING' }, status: decommissioning });
    expect(early.status.operation).toMatchObject({ phase: 'Decommissioning', progress: 'left; waiting for the ring to see LEFT' });
    expect(replicas(early)['prod-dc1-r3']).toBe(1);
    const still = run({ ...gone, ring: { 'prod-dc1-r3-0': 'LEAVING' }, status: withOp(early.status.operation), nowMs: NOW_MS + LEFT_PROPAGATION_WAIT_MS - 1_000 });
    expect(still.status.operation).toMatchObject({ phase: 'Decommissioning' });
    const seen = run({ ...gone, status: withOp(early.status.operation), nowMs: NOW_MS + 5_000 });
    expect(seen.status.operation).toMatchObject({ phase: 'Removing' });
    expect(replicas(seen)['prod-dc1-r3']).toBe(0);
    const late = run({ ...gone, ring: { 'prod-dc1-r3-0': 'LEAVING' }, status: withOp(early.status.operation), nowMs: NOW_MS + LEFT_PROPAGATION_WAIT_MS + 1_000 });
    expect(late.status.operation).toMatchObject({ phase: 'Removing' });
  });

  it('once LEFT, shrinks the StatefulSet; once the pod is gone, deletes the claim; once the claim is gone, forgets the node', () => {
    const left = run({ spec: spec2, racks: threeRacks({ 'dc1/r1': 'N', 'dc1/r2': 'N', 'dc1/r3': 'X' }), status: decommissioning, keyspaces: rf2 });
    expect(left.status.operation).toMatchObject({ phase: 'Removing' });
    expect(replicas(left)['prod-dc1-r3']).toBe(0);
    expect(left.events.map((e) => e.reason)).toContain('NodeLeft');
    const podGone = { spec: spec2, racks: threeRacks({ 'dc1/r1': 'N', 'dc1/r2': 'N', 'dc1/r3': '' }), replicas: { 'dc1/r3': 0 }, status: withOp(left.status.operation), keyspaces: rf2 };
    // The claim delete is issued and the operation stays in the journal until the claim is gone,
    // so a delete lost with an operator crash (status is written first) is issued again.
    const deleting = run({ ...podGone, pvcs: { 'data-prod-dc1-r3-0': {} } });
    expect(deleting.status.operation).toMatchObject({ type: 'ScaleDown', phase: 'Removing', progress: 'deleting claim data-prod-dc1-r3-0' });
    expect(deleting.deletes).toEqual([{ ref: expect.objectContaining({ kind: 'PersistentVolumeClaim' }), name: 'data-prod-dc1-r3-0' }]);
    const terminating = run({ ...podGone, status: withOp(deleting.status.operation), pvcs: { 'data-prod-dc1-r3-0': { deleting: true } } });
    expect(terminating.status.operation).toMatchObject({ type: 'ScaleDown', phase: 'Removing' });
    expect(terminating.deletes).toEqual([]);
    const gone = run({ ...podGone, status: withOp(terminating.status.operation) });
    expect(gone.status.operation).toBe(undefined);
    expect(gone.status.history?.[0]).toMatchObject({ type: 'ScaleDown', result: 'Succeeded' });
    expect(gone.deletes).toEqual([]);
    expect(gone.status.nodes?.map((n) => n.pod)).toEqual(['prod-dc1-r1-0', 'prod-dc1-r2-0']);
  });

  it('keeps the claim when the retention policy says Retain', () => {
    const gone = run({ spec: { ...spec2, persistentVolumeClaimRetentionPolicy: { whenScaled: 'Retain' } }, racks: threeRacks({ 'dc1/r1': 'N', 'dc1/r2': 'N', 'dc1/r3': '' }), replicas: { 'dc1/r3': 0 },
      status: withOp(op({ type: 'ScaleDown', phase: 'Removing', datacenter: 'dc1', rack: 'r3', pod: 'prod-dc1-r3-0' })), keyspaces: rf2, pvcs: { 'data-prod-dc1-r3-0': {} } });
    expect(gone.status.history?.[0]).toMatchObject({ result: 'Succeeded' });
    expect(gone.deletes).toEqual([]);
  });

  it('a failed decommission ends the operation, blocks, and is not retried at once', () => {
    const failed = run({ spec: spec2, racks: threeRacks({ 'dc1/r1': 'N', 'dc1/r2': 'N', 'dc1/r3': 'N' }), status: decommissioning, keyspaces: rf2,
      jobs: { 'prod-dc1-r3-0': [job({ operation: 'decommission', requestId: rid, state: 'FAILED', error: { code: 'MGMT_ERR_REFUSED', message: 'not enough live replicas' } })] } });
    expect(failed.status.history?.[0]).toMatchObject({ result: 'Failed' });
    expect(cond(failed, 'Blocked')).toMatchObject({ status: 'True', reason: 'DecommissionFailed' });
    const next = run({ spec: spec2, racks: threeRacks({ 'dc1/r1': 'N', 'dc1/r2': 'N', 'dc1/r3': 'N' }), status: { ...failed.status }, keyspaces: rf2 });
    expect(next.status.operation).toBe(undefined);
    expect(cond(next, 'Blocked')).toMatchObject({ reason: 'RetryingLater' });
    const later = run({ spec: spec2, racks: threeRacks({ 'dc1/r1': 'N', 'dc1/r2': 'N', 'dc1/r3': 'N' }), status: { ...failed.status }, keyspaces: rf2, nowMs: NOW_MS + 11 * 60_000 });
    expect(later.status.operation).toMatchObject({ type: 'ScaleDown' });
  });

  it('a size raised during a decommission waits: the decommission completes first', () => {
    const p = run({ spec: { datacenters: [{ name: 'dc1', size: 5, racks: [{ name: 'r1' }, { name: 'r2' }, { name: 'r3' }] }] },
      racks: threeRacks({ 'dc1/r1': 'N', 'dc1/r2': 'N', 'dc1/r3': 'L' }), status: decommissioning, keyspaces: rf2 });
    expect(p.status.operation).toMatchObject({ type: 'ScaleDown', phase: 'Decommissioning' });
    expect(replicas(p)).toEqual({ 'prod-dc1-r1': 1, 'prod-dc1-r2': 1, 'prod-dc1-r3': 1 });
  });
});

describe('plan: rolling restart', () => {
  const racks = threeRacks({ 'dc1/r1': 'NN', 'dc1/r2': 'N', 'dc1/r3': 'N' });
  const spec = { image: 'cassia:0.2.0', datacenters: [{ name: 'dc1', size: 4, racks: [{ name: 'r1' }, { name: 'r2' }, { name: 'r3' }] }] };

  it('restarts one pod at a time with the reason recorded', () => {
    const p = run({ spec, racks, staleInputs: { image: 'cassia:0.1.0' } });
    expect(p.status.operation).toMatchObject({ type: 'RollingRestart', phase: 'WaitingForNode', pod: 'prod-dc1-r1-1', podUid: 'uid-prod-dc1-r1-1', reason: 'image cassia:0.1.0 -> cassia:0.2.0' });
    expect(p.status.operation!.pods).toEqual(['prod-dc1-r1-1', 'prod-dc1-r1-0', 'prod-dc1-r2-0', 'prod-dc1-r3-0']);
    expect(p.deletes).toEqual([{ ref: expect.objectContaining({ kind: 'Pod' }), name: 'prod-dc1-r1-1', uid: 'uid-prod-dc1-r1-1' }]);
    expect(p.events.find((e) => e.reason === 'PodRestarted')!.message).toBe('restarting prod-dc1-r1-1: image cassia:0.1.0 -> cassia:0.2.0');
    expect(cond(p, 'Updating')).toMatchObject({ status: 'True' });
    expect(p.status.nodes!.find((n) => n.pod === 'prod-dc1-r2-0')!.pendingRestart).toBe('image cassia:0.1.0 -> cassia:0.2.0');
  });

  it('waits until the StatefulSet carries the new template', () => {
    const p = run({ spec, racks, staleInputs: { image: 'cassia:0.1.0' }, stsInputs: { image: 'cassia:0.1.0' } });
    expect(p.status.operation).toBe(undefined);
    expect(p.deletes).toEqual([]);
  });

  it('a restarted pod that cannot start is restarted again once the spec is fixed', () => {
    const status = withOp(op({ type: 'RollingRestart', phase: 'WaitingForNode', pod: 'prod-dc1-r1-1', podUid: 'old-uid', pods: ['prod-dc1-r1-1', 'prod-dc1-r1-0'] }));
    const refused = { restartCount: 4, lastTermination: { exitCode: 2, reason: 'Error', message: 'cassia: invalid cassia.yaml: (root): Unrecognized key: "concurrent_compactors"' } };
    const allNew = { 'prod-dc1-r1-1': { ...refused }, 'prod-dc1-r1-0': {}, 'prod-dc1-r2-0': {}, 'prod-dc1-r3-0': {} };
    // Still the template it was restarted with (the bad one): wait, and say why.
    const bad = run({ spec, racks: threeRacks({ 'dc1/r1': 'ND', 'dc1/r2': 'N', 'dc1/r3': 'N' }), status, pods: allNew });
    expect(bad.deletes).toEqual([]);
    expect(cond(bad, 'Valid')).toMatchObject({ status: 'False', reason: 'NodeRefusedConfiguration' });
    // The spec was fixed: the StatefulSet carries newer inputs than the crash-looping pod.
    const fixed = run({ spec, racks: threeRacks({ 'dc1/r1': 'ND', 'dc1/r2': 'N', 'dc1/r3': 'N' }), status, pods: { 'prod-dc1-r1-1': { ...refused, inputs: { image: 'cassia:0.2.0', config: 'bad' } } } });
    expect(fixed.deletes).toEqual([{ ref: expect.objectContaining({ kind: 'Pod' }), name: 'prod-dc1-r1-1', uid: 'uid-prod-dc1-r1-1' }]);
    expect(fixed.status.operation).toMatchObject({ pod: 'prod-dc1-r1-1', podUid: 'uid-prod-dc1-r1-1', progress: 'restarting again with the current template' });
    // Only once the StatefulSet has the new template, and never a pod whose node answers.
    const notYet = run({ spec, racks: threeRacks({ 'dc1/r1': 'ND', 'dc1/r2': 'N', 'dc1/r3': 'N' }), status, stsInputs: { config: 'bad' }, pods: { 'prod-dc1-r1-1': { ...refused, inputs: { config: 'bad' } } } });
    expect(notYet.deletes).toEqual([]);
    const joining = run({ spec, racks: threeRacks({ 'dc1/r1': 'NJ', 'dc1/r2': 'N', 'dc1/r3': 'N' }), status, pods: { 'prod-dc1-r1-1': { ...refused, inputs: { config: 'bad' } } } });
    expect(joining.deletes.filter((d) => d.name === 'prod-dc1-r1-1')).toEqual([]);
  });

  it('restarts a crash-looping or Pending pod outside any operation when its template is outdated', () => {
    const crashing = run({ racks: threeRacks({ 'dc1/r1': 'N', 'dc1/r2': 'D', 'dc1/r3': 'P' }), pods: {
      'prod-dc1-r2-0': { restartCount: 7, inputs: { config: 'old' } },
      'prod-dc1-r3-0': { inputs: { resources: 'too-big' } },
    } });
    expect(crashing.deletes.map((d) => d.name)).toEqual(['prod-dc1-r2-0', 'prod-dc1-r3-0']);
    const messages = crashing.events.filter((e) => e.reason === 'PodRestarted').map((e) => e.message);
    expect(messages[0]).toMatch(/^restarting prod-dc1-r2-0, which does not serve, with the current template: .*configuration changed/);
    expect(messages[1]).toMatch(/^restarting prod-dc1-r3-0, which does not serve, with the current template: .*resources changed/);
    // A crash-looping pod on the current template is left alone.
    const current = run({ racks: threeRacks({ 'dc1/r1': 'N', 'dc1/r2': 'D', 'dc1/r3': 'N' }), pods: { 'prod-dc1-r2-0': { restartCount: 7 } } });
    expect(current.deletes).toEqual([]);
  });

  it('waits for the restarted pod to be NORMAL before the next one', () => {
    const status = withOp(op({ type: 'RollingRestart', phase: 'WaitingForNode', pod: 'prod-dc1-r1-1', podUid: 'old-uid', pods: ['prod-dc1-r1-1', 'prod-dc1-r1-0'] }));
    const starting = run({ spec, racks: threeRacks({ 'dc1/r1': 'NS', 'dc1/r2': 'N', 'dc1/r3': 'N' }), status, staleInputs: { image: 'cassia:0.1.0' }, pods: { 'prod-dc1-r1-1': { inputs: undefined } } });
    expect(starting.deletes).toEqual([]);
    expect(starting.status.operation).toMatchObject({ pod: 'prod-dc1-r1-1', progress: 'node STARTING' });
    const ready = run({ spec, racks, status, staleInputs: { image: 'cassia:0.1.0' } });
    // r1-1 was recreated (new uid) and is NORMAL, but its inputs in this scenario are still stale,
    // so the list is recomputed from what the pods actually run.
    expect(ready.deletes.map((d) => d.name)).toEqual(['prod-dc1-r1-1']);
  });

  it('re-issues the delete while the old pod is still there (operator restarted mid-step)', () => {
    const status = withOp(op({ type: 'RollingRestart', phase: 'WaitingForNode', pod: 'prod-dc1-r1-1', podUid: 'uid-prod-dc1-r1-1', pods: ['prod-dc1-r1-1'] }));
    const p = run({ spec, racks, status, staleInputs: { image: 'cassia:0.1.0' } });
    expect(p.deletes).toEqual([{ ref: expect.objectContaining({ kind: 'Pod' }), name: 'prod-dc1-r1-1', uid: 'uid-prod-dc1-r1-1' }]);
  });

  it('finishes when no pod runs stale inputs', () => {
    const status = withOp(op({ type: 'RollingRestart', phase: 'WaitingForNode', pod: 'prod-dc1-r3-0', podUid: 'old', pods: ['prod-dc1-r3-0'], reason: 'configuration changed' }));
    const p = run({ spec, racks, status });
    expect(p.status.operation).toBe(undefined);
    expect(p.status.history?.[0]).toMatchObject({ type: 'RollingRestart', result: 'Succeeded' });
  });
});

describe('plan: stop and resume', () => {
  it('stop drains every node, then scales to zero keeping claims', () => {
    const racks = threeRacks({ 'dc1/r1': 'N', 'dc1/r2': 'N', 'dc1/r3': 'N' });
    const p = run({ spec: { stopped: true }, racks });
    expect(p.status.operation).toMatchObject({ type: 'Stop', phase: 'Draining', pods: ['prod-dc1-r1-0', 'prod-dc1-r2-0', 'prod-dc1-r3-0'] });
    expect(p.nodeCalls.map((c) => (c.kind === 'submit' ? `${c.pod}:${c.operation}` : ''))).toEqual(['prod-dc1-r1-0:drain', 'prod-dc1-r2-0:drain', 'prod-dc1-r3-0:drain']);
    expect(replicas(p)).toEqual({ 'prod-dc1-r1': 1, 'prod-dc1-r2': 1, 'prod-dc1-r3': 1 });
    const drained = run({ spec: { stopped: true }, racks, status: p.status, nodeInfo: { 'prod-dc1-r1-0': { operationMode: 'DRAINED' }, 'prod-dc1-r2-0': { operationMode: 'DRAINED' } },
      jobs: { 'prod-dc1-r3-0': [job({ operation: 'drain', requestId: RID('op-1', 'prod-dc1-r3-0', 'drain'), state: 'SUCCEEDED' })] } });
    expect(drained.status.operation).toMatchObject({ phase: 'ScalingToZero' });
    expect(replicas(drained)).toEqual({ 'prod-dc1-r1': 0, 'prod-dc1-r2': 0, 'prod-dc1-r3': 0 });
    expect(drained.deletes).toEqual([]);
    const stopped = run({ spec: { stopped: true }, racks: threeRacks({ 'dc1/r1': '', 'dc1/r2': '', 'dc1/r3': '' }), status: drained.status });
    expect(stopped.status.operation).toBe(undefined);
    expect(cond(stopped, 'Stopped')).toMatchObject({ status: 'True', reason: 'StoppedByUser' });
    expect(cond(stopped, 'Ready')).toMatchObject({ status: 'False', reason: 'StoppedByUser' });
    expect(stopped.status.nodes!.map((n) => `${n.pod}:${n.state}`)).toEqual(['prod-dc1-r1-0:Stopped', 'prod-dc1-r2-0:Stopped', 'prod-dc1-r3-0:Stopped']);
    expect(replicas(stopped)).toEqual({ 'prod-dc1-r1': 0, 'prod-dc1-r2': 0, 'prod-dc1-r3': 0 });
    expect(stopped.status.seeds).toHaveLength(3);
  });

  it('stop proceeds after the drain timeout even if a node never answers', () => {
    const racks = threeRacks({ 'dc1/r1': 'N', 'dc1/r2': 'N', 'dc1/r3': 'N' });
    const status = withOp(op({ type: 'Stop', phase: 'Draining', pods: ['prod-dc1-r1-0'], startedAt: new Date(NOW_MS - 6 * 60_000).toISOString() }));
    expect(run({ spec: { stopped: true }, racks, status }).status.operation).toMatchObject({ phase: 'ScalingToZero' });
  });

  it('resume restores every known node at once (bootstrapped nodes start in parallel), seeds kept', () => {
    const nodes = ['prod-dc1-r1-0', 'prod-dc1-r2-0', 'prod-dc1-r3-0'].map((pod, i) => ({ pod, datacenter: 'dc1', rack: `r${i + 1}`, hostId: hostIdFor(pod), address: ipFor(pod), state: 'Stopped', ready: false, seed: true }));
    const status: CassandraClusterStatus = { nodes, seeds: nodes.map((n) => n.pod), datacenters: [{ name: 'dc1', desiredNodes: 0, readyNodes: 0, phase: 'Ready', racks: [] }] };
    const p = run({ racks: threeRacks({ 'dc1/r1': '', 'dc1/r2': '', 'dc1/r3': '' }), status });
    expect(p.status.operation).toMatchObject({ type: 'Resume', pods: nodes.map((n) => n.pod) });
    expect(replicas(p)).toEqual({ 'prod-dc1-r1': 1, 'prod-dc1-r2': 1, 'prod-dc1-r3': 1 });
    // Cold start: pods recreated at once, none ready yet; the seeds stay the same bootstrapped nodes.
    const cold = run({ racks: threeRacks({ 'dc1/r1': 'S', 'dc1/r2': 'S', 'dc1/r3': 'S' }), status: { ...p.status },
      pods: Object.fromEntries(nodes.map((n) => [n.pod, { createdAtMs: NOW_MS - 5000 }])),
      nodeInfo: Object.fromEntries(nodes.map((n) => [n.pod, { bootstrapped: true, hostId: n.hostId }])) });
    expect(cold.status.seeds).toEqual(nodes.map((n) => n.pod));
    expect(cold.podLabels).toEqual(nodes.map((n) => ({ pod: n.pod, seed: true })));
  });
});

describe('plan: node replacement', () => {
  const racks = threeRacks({ 'dc1/r1': 'N', 'dc1/r2': 'D', 'dc1/r3': 'N' });
  const dead = 'prod-dc1-r2-0';

  it('manual: annotation starts a replacement that publishes the old address first', () => {
    const p = run({ racks, pods: { [dead]: { replaceRequested: true } } });
    expect(p.status.operation).toMatchObject({ type: 'ReplaceNode', phase: 'Preparing', pod: dead, hostId: hostIdFor(dead), address: ipFor(dead), podUid: `uid-${dead}` });
    // Standing entries of the other nodes, and the dead node's old address.
    const replaceData = p.objects.find((o) => o.metadata.name === 'prod-replace')!.data as Record<string, string>;
    expect(replaceData).toEqual({ 'prod-dc1-r1-0': ipFor('prod-dc1-r1-0'), [dead]: ipFor(dead), 'prod-dc1-r3-0': ipFor('prod-dc1-r3-0') });
    expect(p.deletes).toEqual([]);
    expect(cond(p, 'ReplacingNode')).toMatchObject({ status: 'True' });
    expect(p.status.seeds).not.toContain(dead);
  });

  it('then deletes claim and pod, handles the claim race, and finishes when the new node is NORMAL', () => {
    const preparing = op({ type: 'ReplaceNode', phase: 'Preparing', datacenter: 'dc1', rack: 'r2', pod: dead, hostId: hostIdFor(dead), address: ipFor(dead), podUid: `uid-${dead}` });
    const p = run({ racks, status: withOp(preparing), replaceMap: { [dead]: ipFor(dead) } });
    expect(p.status.operation).toMatchObject({ phase: 'Recreating' });
    expect(p.deletes.map((d) => `${d.ref.kind}/${d.name}`)).toEqual([`PersistentVolumeClaim/data-${dead}`, `Pod/${dead}`]);
    const recreating = withOp(p.status.operation);
    const raced = run({ racks: threeRacks({ 'dc1/r1': 'N', 'dc1/r2': 'P', 'dc1/r3': 'N' }), status: recreating, pods: { [dead]: { uid: 'new' } }, pvcs: { [`data-${dead}`]: { deleting: true } }, replaceMap: { [dead]: ipFor(dead) } });
    expect(raced.deletes.map((d) => `${d.ref.kind}/${d.name}`)).toEqual([`PersistentVolumeClaim/data-${dead}`, `Pod/${dead}`]);
    const joining = run({ racks: threeRacks({ 'dc1/r1': 'N', 'dc1/r2': 'J', 'dc1/r3': 'N' }), status: recreating, pods: { [dead]: { uid: 'new' } }, replaceMap: { [dead]: ipFor(dead) } });
    expect(joining.status.operation).toMatchObject({ phase: 'Replacing' });
    expect((joining.objects.find((o) => o.metadata.name === 'prod-replace')!.data as Record<string, string>)[dead]).toBe(ipFor(dead));
    const done = run({ racks: threeRacks({ 'dc1/r1': 'N', 'dc1/r2': 'N', 'dc1/r3': 'N' }), status: withOp(joining.status.operation), pods: { [dead]: { uid: 'new' } } });
    expect(done.status.operation).toBe(undefined);
    expect(done.events.map((e) => e.reason)).toContain('NodeReplaced');
    // Once NORMAL, the new node's own address is its standing entry.
    expect(done.status.nodes!.find((n) => n.pod === dead)!.lastNormalAddress).toBe(ipFor(dead));
  });

  it('automatic: a node lost longer than the delay is replaced, force-deleting a pod on a dead Kubernetes node', () => {
    const lostSince = NOW_MS - 11 * 60_000;
    const s: Scenario = { spec: { replacement: { automatic: true, delaySeconds: 600 } }, racks, k8sNodes: { [`node-${dead}`]: { ready: false, notReadySinceMs: lostSince } } };
    const p = run(s);
    expect(p.status.operation).toMatchObject({ type: 'ReplaceNode', pod: dead });
    expect(p.status.operation!.reason).toMatch(/automatic/);
    const next = run({ ...s, status: withOp(p.status.operation), replaceMap: { [dead]: ipFor(dead) } });
    expect(next.deletes.find((d) => d.ref.kind === 'Pod')).toMatchObject({ name: dead, gracePeriodSeconds: 0 });
    // Without automatic replacement the loss is reported and nothing else happens.
    const manualOnly = run({ racks, k8sNodes: s.k8sNodes! });
    expect(manualOnly.status.operation).toBe(undefined);
    expect(cond(manualOnly, 'Degraded')).toMatchObject({ status: 'True', reason: 'NodeLost' });
  });

  it('refuses to replace a node that never joined', () => {
    const p = run({ racks: threeRacks({ 'dc1/r1': 'N', 'dc1/r2': 'S', 'dc1/r3': 'N' }), pods: { 'prod-dc1-r2-0': { replaceRequested: true } } });
    expect(cond(p, 'Blocked')).toMatchObject({ status: 'True', reason: 'ReplacementImpossible' });
  });
});

describe('plan: datacenters', () => {
  const twoDcs = { datacenters: [{ name: 'dc1', size: 3, racks: [{ name: 'r1' }, { name: 'r2' }, { name: 'r3' }] }, { name: 'dc2', size: 2, racks: [{ name: 'a' }, { name: 'b' }] }] };
  const dc1 = { 'dc1/r1': 'N', 'dc1/r2': 'N', 'dc1/r3': 'N' };
  const ready1: CassandraClusterStatus = { datacenters: [{ name: 'dc1', desiredNodes: 3, readyNodes: 3, phase: 'Ready', racks: [] }] };

  it('goes on without a best-effort system keyspace the node refuses to alter; records other refusals as lastError', () => {
    const status = { ...ready1, ...withOp(op({ type: 'AddDatacenter', phase: 'UpdatingReplication', datacenter: 'dc2' })) };
    status.datacenters = [...ready1.datacenters!, { name: 'dc2', desiredNodes: 2, readyNodes: 2, phase: 'Joining', racks: [] }];
    const racks = threeRacks({ ...dc1, 'dc2/a': 'N', 'dc2/b': 'N' });
    const refused = (keyspace: string) => ({ pod: 'prod-dc1-r1-0', call: 'setReplication' as const, target: keyspace, code: 'MGMT_ERR_REFUSED', message: `${keyspace} is not stored as a schema keyspace on this node yet: its replication cannot change` });
    const authDone = defaultKeyspaces({ dc1: 3 }).map((k) => (k.name === 'system_auth' ? { ...k, replication: { ...k.replication, datacenters: { dc1: 3, dc2: 2 } } } : k));
    const p = run({ spec: twoDcs, racks, status, keyspaces: authDone, callFailures: [refused('system_distributed'), refused('system_traces')] });
    expect(p.status.operation).toMatchObject({ phase: 'Rebuilding', skippedKeyspaces: ['system_distributed', 'system_traces'] });
    expect(p.status.operation!.lastError).toBe(undefined);
    expect(p.nodeCalls.filter((c) => c.kind === 'setReplication')).toEqual([]);
    expect(p.events.filter((e) => e.reason === 'ReplicationUnchangeable').map((e) => e.type)).toEqual(['Warning', 'Warning']);
    // system_auth is never skipped: the refusal stays visible in the journal and Progressing, and the call is retried.
    const stuck = run({ spec: twoDcs, racks, status, callFailures: [refused('system_auth')] });
    expect(stuck.status.operation).toMatchObject({ phase: 'UpdatingReplication', lastError: 'replication of system_auth via prod-dc1-r1-0: MGMT_ERR_REFUSED: system_auth is not stored as a schema keyspace on this node yet: its replication cannot change' });
    expect(stuck.status.operation!.skippedKeyspaces).toBe(undefined);
    expect(stuck.nodeCalls.map((c) => (c.kind === 'setReplication' ? c.keyspace : c.kind))).toEqual(['system_auth', 'system_distributed', 'system_traces']);
    expect(cond(stuck, 'Progressing')!.message).toMatch(/last error: replication of system_auth/);
    // Once skipped, a keyspace stays skipped without new failures.
    const again = run({ spec: twoDcs, racks, status: { ...status, operation: { ...status.operation!, skippedKeyspaces: ['system_traces'] } } });
    expect(again.nodeCalls.map((c) => (c.kind === 'setReplication' ? c.keyspace : c.kind))).toEqual(['system_auth', 'system_distributed']);
    expect(again.events.filter((e) => e.reason === 'ReplicationUnchangeable')).toEqual([]);
  });

  it('records a failed job submission of the operation as lastError until the step changes', () => {
    const status = withOp(op({ type: 'ScaleDown', phase: 'Decommissioning', datacenter: 'dc1', rack: 'r3', pod: 'prod-dc1-r3-1' }));
    const spec = { datacenters: [{ name: 'dc1', size: 3, racks: [{ name: 'r1' }, { name: 'r2' }, { name: 'r3' }] }] };
    const racks = threeRacks({ 'dc1/r1': 'N', 'dc1/r2': 'N', 'dc1/r3': 'NN' });
    const failure = { pod: 'prod-dc1-r3-1', call: 'submit' as const, target: RID('op-7', 'prod-dc1-r3-1', 'decommission'), code: 'MGMT_ERR_CONNECTION', message: 'connect ECONNREFUSED' };
    const p = run({ spec, racks, status, callFailures: [failure, { ...failure, target: 'seeds/1/x' }] });
    expect(p.status.operation!.lastError).toBe('decommission.0 on prod-dc1-r3-1: MGMT_ERR_CONNECTION: connect ECONNREFUSED');
    const other = run({ spec, racks, status, callFailures: [{ ...failure, target: RID('op-3', 'prod-dc1-r3-1', 'decommission') }] });
    expect(other.status.operation!.lastError).toBe(undefined);
  });

  it('adds a DC: nodes join without bootstrap, one at a time', () => {
    const p = run({ spec: twoDcs, racks: threeRacks(dc1), status: ready1 });
    expect(p.status.operation).toMatchObject({ type: 'AddDatacenter', phase: 'CreatingNodes', datacenter: 'dc2', pod: 'prod-dc2-a-0' });
    expect(replicas(p)).toMatchObject({ 'prod-dc2-a': 1, 'prod-dc2-b': 0 });
    const sts = p.objects.find((o) => o.metadata.name === 'prod-dc2-a')! as Any;
    expect(sts.spec.template.spec.containers[0].env.find((e: Any) => e.name === 'CASSIA_AUTO_BOOTSTRAP').value).toBe('false');
    expect(p.status.datacenters!.find((d) => d.name === 'dc2')!.phase).toBe('Joining');
    expect(cond(p, 'AddingDatacenter')).toMatchObject({ status: 'True' });
  });

  it('extends system keyspace replication, then rebuilds each new node from the source DC', () => {
    const status = { ...ready1, ...withOp(op({ type: 'AddDatacenter', phase: 'CreatingNodes', datacenter: 'dc2', rack: 'b', pod: 'prod-dc2-b-0' })) };
    status.datacenters = [...ready1.datacenters!, { name: 'dc2', desiredNodes: 2, readyNodes: 2, phase: 'Joining', racks: [] }];
    const racks = threeRacks({ ...dc1, 'dc2/a': 'N', 'dc2/b': 'N' });
    const p = run({ spec: twoDcs, racks, status });
    expect(p.status.operation).toMatchObject({ phase: 'UpdatingReplication' });
    expect(p.nodeCalls).toEqual(['system_auth', 'system_distributed', 'system_traces'].map((keyspace) => ({ kind: 'setReplication', pod: 'prod-dc1-r1-0', keyspace, datacenters: { dc1: 3, dc2: 2 } })));
    const extended = defaultKeyspaces({ dc1: 3 }).map((k) => (k.system ? { ...k, replication: { ...k.replication, datacenters: { dc1: 3, dc2: 2 } } } : k));
    const r = run({ spec: twoDcs, racks, status: { ...status, operation: p.status.operation! }, keyspaces: extended });
    expect(r.status.operation).toMatchObject({ phase: 'Rebuilding', pod: 'prod-dc2-a-0', pods: ['prod-dc2-a-0', 'prod-dc2-b-0'] });
    expect(r.nodeCalls).toEqual([{ kind: 'submit', pod: 'prod-dc2-a-0', operation: 'rebuild', request: { requestId: RID('op-7', 'prod-dc2-a-0', 'rebuild'), sourceDatacenter: 'dc1' } }]);
    const last = { ...r.status.operation!, pods: ['prod-dc2-b-0'], pod: 'prod-dc2-b-0' };
    const done = run({ spec: twoDcs, racks, status: { ...status, operation: last }, keyspaces: extended,
      jobs: { 'prod-dc2-b-0': [job({ operation: 'rebuild', requestId: RID('op-7', 'prod-dc2-b-0', 'rebuild'), state: 'SUCCEEDED' })] } });
    const step2 = run({ spec: twoDcs, racks, status: { ...status, operation: done.status.operation! }, keyspaces: extended });
    expect(step2.status.operation).toBe(undefined);
    expect(step2.status.datacenters!.find((d) => d.name === 'dc2')!.phase).toBe('Ready');
    const sts = step2.objects.find((o) => o.metadata.name === 'prod-dc2-a')! as Any;
    expect(sts.spec.template.spec.containers[0].env.find((e: Any) => e.name === 'CASSIA_AUTO_BOOTSTRAP').value).toBe('true');
  });

  it('refuses to remove a DC while a user keyspace replicates to it', () => {
    const racks = threeRacks({ ...dc1, 'dc2/a': 'N', 'dc2/b': 'N' });
    const p = run({ racks, keyspaces: defaultKeyspaces({ dc1: 3, dc2: 2 }) });
    expect(cond(p, 'Blocked')).toMatchObject({ status: 'True', reason: 'DatacenterStillReplicated' });
    expect(cond(p, 'Blocked')!.message).toContain('app');
    expect(p.status.operation).toBe(undefined);
  });

  it('removes a DC: system keyspaces first, then its nodes one at a time, then its objects', () => {
    const racks = threeRacks({ ...dc1, 'dc2/a': 'N', 'dc2/b': 'N' });
    const keyspaces = defaultKeyspaces({ dc1: 3, dc2: 2 }).map((k) => (k.system ? k : { ...k, replication: { ...k.replication, datacenters: { dc1: 3 } } }));
    const p = run({ racks, keyspaces });
    expect(p.status.operation).toMatchObject({ type: 'RemoveDatacenter', phase: 'UpdatingReplication', datacenter: 'dc2' });
    expect(p.nodeCalls.map((c) => (c.kind === 'setReplication' ? `${c.keyspace}:${JSON.stringify(c.datacenters)}` : ''))).toEqual(['system_auth:{"dc1":3}', 'system_distributed:{"dc1":3}', 'system_traces:{"dc1":3}']);
    const clean = defaultKeyspaces({ dc1: 3 });
    const d = run({ racks, keyspaces: clean, status: withOp(p.status.operation) });
    expect(d.status.operation).toMatchObject({ phase: 'Decommissioning', pod: 'prod-dc2-b-0' });
    expect(d.nodeCalls).toEqual([{ kind: 'submit', pod: 'prod-dc2-b-0', operation: 'decommission', request: { requestId: RID('op-1', 'prod-dc2-b-0', 'decommission'), force: true } }]);
    const emptied = run({ racks: threeRacks({ ...dc1, 'dc2/a': '', 'dc2/b': '' }), replicas: { 'dc2/a': 0, 'dc2/b': 0 }, keyspaces: clean, status: withOp({ ...d.status.operation!, phase: 'Decommissioning', pod: undefined }) });
    expect(emptied.status.operation).toBe(undefined);
    expect(emptied.deletes.map((x) => `${x.ref.kind}/${x.name}`)).toEqual(['StatefulSet/prod-dc2-a', 'StatefulSet/prod-dc2-b', 'PodDisruptionBudget/prod-dc2', 'ConfigMap/prod-dc2-config']);
    expect(emptied.status.datacenters!.map((x) => x.name)).toEqual(['dc1']);
  });
});

describe('plan: repair', () => {
  const racks = threeRacks({ 'dc1/r1': 'N', 'dc1/r2': 'N', 'dc1/r3': 'N' });

  it('schedules by cron, then repairs each node\'s primary ranges in turn and records the result', () => {
    const idle = run({ spec: { repair: { enabled: true, schedule: '0 3 * * *' } }, racks });
    expect(idle.status.repair!.nextRunAt).toBe('2026-03-02T03:00:00Z');
    const due = run({ spec: { repair: { enabled: true, schedule: '0 3 * * *', keyspaces: ['app'], intensity: 0.5 } }, racks, status: { repair: { nextRunAt: '2026-03-01T03:00:00Z' } } });
    expect(due.status.repair!.current).toMatchObject({ pods: ['prod-dc1-r1-0:app', 'prod-dc1-r2-0:app', 'prod-dc1-r3-0:app'], done: 0, pod: 'prod-dc1-r1-0' });
    const runId = due.status.repair!.current!.id;
    expect(due.nodeCalls).toEqual([{ kind: 'submit', pod: 'prod-dc1-r1-0', operation: 'repair', request: { requestId: `cc-uid-1/${runId}/prod-dc1-r1-0:app`, primaryRange: true, intensity: 0.5, keyspace: 'app' } }]);
    expect(cond(due, 'Repairing')).toMatchObject({ status: 'True' });
    const current = { ...due.status.repair!.current!, pods: ['prod-dc1-r3-0:app'], done: 2 };
    const finished = run({ spec: { repair: { enabled: true, schedule: '0 3 * * *', keyspaces: ['app'] } }, racks, status: { repair: { nextRunAt: '2026-03-01T03:00:00Z', current } },
      jobs: { 'prod-dc1-r3-0': [job({ operation: 'repair', requestId: `cc-uid-1/${runId}/prod-dc1-r3-0:app`, state: 'FAILED' })] } });
    expect(finished.status.repair!.current).toBe(undefined);
    expect(finished.status.repair!.last).toMatchObject({ result: 'PartiallyFailed', message: 'failed: prod-dc1-r3-0:app' });
    expect(finished.status.repair!.nextRunAt).toBe('2026-03-02T03:00:00Z');
  });

  it('recomputes the next run at once when the schedule changes, and reports a schedule that cannot run', () => {
    const weekly = run({ spec: { repair: { enabled: true, schedule: '@weekly' } }, racks });
    expect(weekly.status.repair).toMatchObject({ nextRunAt: '2026-03-08T00:00:00Z', schedule: '@weekly' });
    const daily = run({ spec: { repair: { enabled: true, schedule: '@daily' } }, racks, status: weekly.status });
    expect(daily.status.repair).toMatchObject({ nextRunAt: '2026-03-02T00:00:00Z', schedule: '@daily' });
    const again = run({ spec: { repair: { enabled: true, schedule: '@daily' } }, racks, status: daily.status });
    expect(again.status.repair).toEqual(daily.status.repair);
    // Admitted by the CRD pattern, but February has no 31st.
    const never = run({ spec: { repair: { enabled: true, schedule: '0 0 31 2 *' } }, racks, status: daily.status });
    expect(cond(never, 'Valid')).toMatchObject({ status: 'False', reason: 'InvalidRepairSchedule' });
    expect(cond(never, 'Valid')!.message).toMatch(/never fires/);
    expect(never.status.repair!.current).toBe(undefined);
    const off = run({ spec: { repair: { enabled: false } }, racks, status: daily.status });
    expect(off.status.repair).toBe(undefined);
  });

  it('waits while a topology operation runs', () => {
    const status = withOp(op({ type: 'ScaleUp', phase: 'Bootstrapping', datacenter: 'dc1', rack: 'r1', pod: 'prod-dc1-r1-1' }), { repair: { nextRunAt: '2026-03-01T03:00:00Z' } });
    const p = run({ spec: { repair: { enabled: true }, datacenters: [{ name: 'dc1', size: 4, racks: [{ name: 'r1' }, { name: 'r2' }, { name: 'r3' }] }] }, racks: threeRacks({ 'dc1/r1': 'NJ', 'dc1/r2': 'N', 'dc1/r3': 'N' }), status });
    expect(p.status.repair!.current).toBe(undefined);
  });
});

describe('plan: lost volumes and ghosts', () => {
  it('journals a pod whose node came back without its volume as a replacement of its former self', () => {
    const racks = threeRacks({ 'dc1/r1': 'N', 'dc1/r2': 'N', 'dc1/r3': 'J' });
    const first = run({ racks });
    const status = { ...first.status, nodes: first.status.nodes!.map((n) => (n.pod === 'prod-dc1-r3-0' ? { ...n, hostId: 'old-host', lastNormalAddress: '10.9.9.9' } : n)) };
    const p = run({ racks, status, nodeInfo: { 'prod-dc1-r3-0': { bootstrapped: false, hostId: null, operationMode: 'JOINING' } } });
    expect(p.status.operation).toMatchObject({ type: 'ReplaceNode', phase: 'Replacing', pod: 'prod-dc1-r3-0', hostId: 'old-host', address: '10.9.9.9' });
    expect(p.events[0]).toMatchObject({ type: 'Warning', reason: 'Replacing' });
    expect(p.objects.find((o) => o.metadata.name === 'prod-replace')!.data).toMatchObject({ 'prod-dc1-r3-0': '10.9.9.9' });
    // The fresh node keeps its predecessor's address until it is NORMAL itself.
    expect(p.status.nodes!.find((n) => n.pod === 'prod-dc1-r3-0')!.lastNormalAddress).toBe('10.9.9.9');
    // Still STARTING (it may be a restart reading its saved state): no verdict yet.
    const starting = run({ racks, status, nodeInfo: { 'prod-dc1-r3-0': { bootstrapped: false, hostId: null, operationMode: 'STARTING' } } });
    expect(starting.status.operation).toBe(undefined);
    // Finished unseen (NORMAL with a new host id): recorded in history at once.
    const done = run({ racks: threeRacks({ 'dc1/r1': 'N', 'dc1/r2': 'N', 'dc1/r3': 'N' }), status });
    expect(done.status.operation).toBe(undefined);
    expect(done.status.history?.[0]).toMatchObject({ type: 'ReplaceNode', result: 'Succeeded' });
  });

  it('reports a DOWN host that no pod accounts for as Degraded', () => {
    const racks = threeRacks({ 'dc1/r1': 'N', 'dc1/r2': 'N', 'dc1/r3': 'N' });
    const o = scenario({ racks });
    (o.ring as unknown as Map<string, Any>).set('10.7.7.7', { ...o.ring!.values().next().value!, address: '10.7.7.7', hostId: 'ghost-host', status: 'DOWN', state: 'NORMAL', tokenCount: 8 });
    const p = plan(o, { clusterDomain: 'cluster.local' });
    expect(cond(p, 'Degraded')).toMatchObject({ status: 'True' });
    expect(cond(p, 'Degraded')!.message).toContain('unknown host ghost-host at 10.7.7.7 is DOWN and still owns 8 token(s)');
  });
});

describe('plan: seeds, validation, stability', () => {
  it('labels up to three bootstrapped seeds per DC spread over racks, and fails over from a long-unready seed', () => {
    const spec = { datacenters: [{ name: 'dc1', size: 6, racks: [{ name: 'r1' }, { name: 'r2' }, { name: 'r3' }] }] };
    const racks = threeRacks({ 'dc1/r1': 'NN', 'dc1/r2': 'NN', 'dc1/r3': 'NN' });
    const p = run({ spec, racks });
    expect(p.status.seeds).toEqual(['prod-dc1-r1-0', 'prod-dc1-r2-0', 'prod-dc1-r3-0']);
    expect(p.podLabels.filter((l) => l.seed).map((l) => l.pod)).toEqual(['prod-dc1-r1-0', 'prod-dc1-r2-0', 'prod-dc1-r3-0']);
    const down = run({ spec, racks: threeRacks({ 'dc1/r1': 'DN', 'dc1/r2': 'NN', 'dc1/r3': 'NN' }), status: { seeds: p.status.seeds! } });
    expect(down.status.seeds).toEqual(['prod-dc1-r1-1', 'prod-dc1-r2-0', 'prod-dc1-r3-0']);
    expect(down.nodeCalls.filter((c) => c.kind === 'submit' && c.operation === 'seeds-reload').length).toBe(5);
  });

  it('reports reserved config keys as an invalid spec', () => {
    const p = run({ spec: { config: { cluster_name: 'x' } }, racks: threeRacks({ 'dc1/r1': 'N', 'dc1/r2': 'N', 'dc1/r3': 'N' }) });
    expect(cond(p, 'Valid')).toMatchObject({ status: 'False', reason: 'ReservedConfigKeys' });
    expect(p.events.map((e) => e.reason)).toContain('ReservedConfigKeys');
  });

  it('says which requested feature the node refuses when its pods exit with the configuration error', () => {
    const refusal = { exitCode: 2, reason: 'Error', message: '{"level":30,"msg":"starting"}\ncassia: client_encryption_options.enabled: TLS for CQL clients is not implemented yet in Cassia\n' };
    const p = run({
      spec: { tls: { clientSecretName: 'cql-tls' } },
      racks: { 'dc1/r1': ['D'], 'dc1/r2': [], 'dc1/r3': [] },
      pods: { 'prod-dc1-r1-0': { restartCount: 4, lastTermination: refusal } },
      status: withOp(op({ type: 'Create', phase: 'Bootstrapping', datacenter: 'dc1', rack: 'r1', pod: 'prod-dc1-r1-0' })),
    });
    const valid = cond(p, 'Valid')!;
    expect(valid).toMatchObject({ status: 'False', reason: 'NodeRefusedConfiguration' });
    expect(valid.message).toBe('pod prod-dc1-r1-0: the node refused its configuration (exit code 2): client_encryption_options.enabled: TLS for CQL clients is not implemented yet in Cassia (spec.tls is set: check that this node image supports TLS)');
    expect(p.events).toContainEqual({ type: 'Warning', reason: 'NodeRefusedConfiguration', message: valid.message });
    // Without a termination message (no FallbackToLogsOnError support), the exit code alone still says it.
    const bare = run({ racks: threeRacks({ 'dc1/r1': 'D', 'dc1/r2': 'N', 'dc1/r3': 'N' }), pods: { 'prod-dc1-r1-0': { lastTermination: { exitCode: 2, reason: 'Error', message: undefined } } } });
    expect(cond(bare, 'Valid')!.message).toBe('pod prod-dc1-r1-0: the node refused its configuration (exit code 2); see the pod log');
    // A ready node that once exited 2 (then started) and a crash with another code are not refusals.
    const recovered = run({ racks: threeRacks({ 'dc1/r1': 'N', 'dc1/r2': 'N', 'dc1/r3': 'N' }), pods: { 'prod-dc1-r1-0': { lastTermination: refusal } } });
    expect(cond(recovered, 'Valid')).toMatchObject({ status: 'True' });
    const crashed = run({ racks: threeRacks({ 'dc1/r1': 'D', 'dc1/r2': 'N', 'dc1/r3': 'N' }), pods: { 'prod-dc1-r1-0': { lastTermination: { exitCode: 1, reason: 'Error', message: 'boom' } } } });
    expect(cond(crashed, 'Valid')).toMatchObject({ status: 'True' });
  });

  it('expands claims in place when storage grows and refuses to shrink', () => {
    const racks = threeRacks({ 'dc1/r1': 'N', 'dc1/r2': 'N', 'dc1/r3': 'N' });
    const grow = run({ spec: { storage: { size: '20Gi' } }, racks });
    expect(grow.patches.map((x) => x.name)).toEqual(['data-prod-dc1-r1-0', 'data-prod-dc1-r2-0', 'data-prod-dc1-r3-0']);
    expect((grow.objects.find((o) => o.metadata.name === 'prod-dc1-r1')!.spec as Any).volumeClaimTemplates[0].spec.resources.requests.storage).toBe('10Gi');
    const shrink = run({ spec: { storage: { size: '5Gi' } }, racks });
    expect(cond(shrink, 'Valid')).toMatchObject({ status: 'False', reason: 'StorageShrinkRefused' });
    expect(shrink.patches).toEqual([]);
  });

  it('pauses on annotation', () => {
    const p = run({ annotations: { 'cassia.dev/paused': 'true' }, racks: threeRacks({ 'dc1/r1': 'N', 'dc1/r2': 'N', 'dc1/r3': 'N' }) });
    expect(p.objects).toEqual([]);
    expect(cond(p, 'Progressing')).toMatchObject({ reason: 'Paused' });
  });

  it('is stable: re-planning a steady cluster from its own status changes nothing', () => {
    const racks = threeRacks({ 'dc1/r1': 'N', 'dc1/r2': 'N', 'dc1/r3': 'N' });
    const first = run({ racks });
    const second = run({ racks, status: first.status });
    expect(second.status).toEqual(first.status);
    expect(second.events).toEqual([]);
    expect(second.nodeCalls).toEqual([]);
    expect(cond(second, 'Ready')).toMatchObject({ status: 'True', reason: 'AllNodesReady' });
    expect(second.status.nodeSummary).toBe('3/3');
    expect(second.requeueAfterMs).toBe(60_000);
  });
});
