// A PodDisruptionBudget per datacenter with maxUnavailable 1: voluntary disruptions (node drains)
// take at most one node of a DC at a time, which keeps every token range at RF-1 or better.
import type { CassandraCluster } from '../api/index.ts';
import type { KubeObject } from '../runtime/index.ts';
import { Labels, clusterLabels, ownerReference, pdbName } from './names.ts';

export function buildPodDisruptionBudget(cc: CassandraCluster, dc: string): KubeObject {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: pdbName(cc.metadata.name, dc), namespace: cc.metadata.namespace, labels: { ...clusterLabels(cc), [Labels.datacenter]: dc }, ownerReferences: [ownerReference(cc)] },
    spec: {
      maxUnavailable: 1,
      selector: { matchLabels: { [Labels.cluster]: cc.metadata.name, [Labels.datacenter]: dc, [Labels.component]: 'node' } },
    },
  };
}
