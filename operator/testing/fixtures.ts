// Test and benchmark fixtures: CassandraCluster objects with defaults applied.
import { API_GROUP_VERSION, KIND, parseSpec, type CassandraCluster, type CassandraClusterSpecInput, type CassandraClusterStatus } from '../api/index.ts';

export function makeCluster(spec: Partial<CassandraClusterSpecInput> = {}, options: { name?: string; namespace?: string; status?: CassandraClusterStatus; annotations?: Record<string, string>; generation?: number } = {}): CassandraCluster {
  const cc: CassandraCluster = {
    apiVersion: API_GROUP_VERSION,
    kind: KIND,
    metadata: {
      name: options.name ?? 'prod',
      namespace: options.namespace ?? 'db',
      uid: 'cc-uid-1',
      generation: options.generation ?? 1,
      resourceVersion: '1',
    },
    spec: parseSpec({ clusterName: 'Prod Cluster', datacenters: [{ name: 'dc1', size: 3, racks: [{ name: 'r1', zone: 'z1' }, { name: 'r2', zone: 'z2' }, { name: 'r3', zone: 'z3' }] }], ...spec }),
  };
  if (options.annotations !== undefined) cc.metadata.annotations = options.annotations;
  if (options.status !== undefined) cc.status = options.status;
  return cc;
}
