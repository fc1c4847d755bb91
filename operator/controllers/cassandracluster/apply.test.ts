import { describe, expect, it } from 'vitest';
import { KubeApiError, MemoryKubeApi, Resources, silentLogger, type KubeObject } from '../../runtime/index.ts';
import { scenario } from '../../testing/scenario.ts';
import { applyPlan } from './apply.ts';
import type { NodeApi, NodeApiFactory } from './observe.ts';
import { plan } from './plan.ts';

type Any = Record<string, any>;

function rawOf(cc: Any): KubeObject {
  return { apiVersion: 'cassia.dev/v1alpha1', kind: 'CassandraCluster', metadata: { ...cc.metadata }, spec: cc.spec, status: cc.status ?? {} };
}

async function setup(nodeApi: NodeApiFactory, s: Parameters<typeof scenario>[0]) {
  const api = new MemoryKubeApi();
  const observed = scenario(s);
  const raw = await api.create(Resources.cassandraCluster, rawOf(observed.cc));
  const events: string[] = [];
  const deps = {
    api, nodeApi, log: silentLogger,
    cache: { listOwned: () => [], get: () => undefined },
    events: { record: async (_o: KubeObject, type: string, reason: string) => void events.push(`${type}/${reason}`) },
  };
  return { api, observed, raw, deps, events, p: plan(observed, { clusterDomain: 'cluster.local' }) };
}

describe('applyPlan', () => {
  it('reports failed management API calls with their codes for the next pass', async () => {
    const refusing: Partial<NodeApi> = {
      setReplication: async () => { throw Object.assign(new Error('system_traces is not stored'), { code: 'MGMT_ERR_REFUSED' }); },
      submit: async () => { throw new Error('socket hang up'); },
    };
    const { p, raw, observed, deps } = await setup(() => refusing as NodeApi, { racks: { 'dc1/r1': ['N'], 'dc1/r2': ['N'], 'dc1/r3': ['N'] } });
    const planned = { ...p, nodeCalls: [
      { kind: 'setReplication' as const, pod: 'prod-dc1-r1-0', keyspace: 'system_traces', datacenters: { dc1: 3 } },
      { kind: 'submit' as const, pod: 'prod-dc1-r2-0', operation: 'cleanup' as const, request: { requestId: 'u/op-1/prod-dc1-r2-0/cleanup.0' } },
      { kind: 'submit' as const, pod: 'missing-pod', operation: 'cleanup' as const, request: { requestId: 'u/op-1/missing-pod/cleanup.0' } },
    ] };
    const report = await applyPlan(raw, planned, observed, deps);
    expect(report.callFailures).toEqual([
      { pod: 'prod-dc1-r1-0', call: 'setReplication', target: 'system_traces', code: 'MGMT_ERR_REFUSED', message: 'system_traces is not stored' },
      { pod: 'prod-dc1-r2-0', call: 'submit', target: 'u/op-1/prod-dc1-r2-0/cleanup.0', code: 'UNKNOWN', message: 'socket hang up' },
      { pod: 'missing-pod', call: 'submit', target: 'u/op-1/missing-pod/cleanup.0', code: 'UNREACHABLE', message: 'missing-pod has no address or management token yet' },
    ]);
  });

  it('ends the pass quietly when the namespace is being terminated', async () => {
    const { api, p, raw, observed, deps, events } = await setup(() => undefined, { secrets: { managementToken: false, superuser: true } });
    expect(p.ensureSecrets).toEqual(['managementToken']);
    api.failNext('create', new KubeApiError({ status: 403, reason: 'Forbidden', message: 'secrets "prod-management-token" is forbidden: unable to create new content in namespace db because it is being terminated' }));
    const report = await applyPlan(raw, p, observed, deps);
    expect(report.errors).toEqual([]);
    expect(report.applied).toBe(0);
    expect(events).toEqual([]);
    // Any other refusal is still an error with an ApplyFailed event.
    const again = await setup(() => undefined, { secrets: { managementToken: false, superuser: true } });
    again.api.failNext('create', new KubeApiError({ status: 403, reason: 'Forbidden', message: 'secrets is forbidden: User cannot create' }));
    const failed = await applyPlan(again.raw, again.p, again.observed, again.deps);
    expect(failed.errors[0]).toMatch(/create secret prod-management-token/);
    expect(again.events).toContain('Warning/ApplyFailed');
  });
});
