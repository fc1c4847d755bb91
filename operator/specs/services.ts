// Services of a cluster: a headless Service for every node pod (stable DNS per pod, the
// StatefulSets' serviceName), a headless seed Service spanning all DCs that selects the pods the
// operator labelled as seeds (published before they are ready, so a cold start finds its seeds),
// and the client Service for CQL (ready pods only).
import type { CassandraCluster } from '../api/index.ts';
import type { KubeObject } from '../runtime/index.ts';
import { Labels, Ports, clientServiceName, clusterLabels, nodesServiceName, ownerReference, seedServiceName } from './names.ts';

const nodeSelector = (cc: CassandraCluster): Record<string, string> => ({ [Labels.cluster]: cc.metadata.name, [Labels.component]: 'node' });

export function buildNodesService(cc: CassandraCluster): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: nodesServiceName(cc.metadata.name), namespace: cc.metadata.namespace, labels: clusterLabels(cc), ownerReferences: [ownerReference(cc)] },
    spec: {
      clusterIP: 'None',
      publishNotReadyAddresses: true,
      selector: nodeSelector(cc),
      ports: [
        { name: 'cql', port: Ports.cql, targetPort: Ports.cql, protocol: 'TCP' },
        { name: 'internode', port: Ports.internode, targetPort: Ports.internode, protocol: 'TCP' },
        { name: 'management', port: Ports.management, targetPort: Ports.management, protocol: 'TCP' },
      ],
    },
  };
}

export function buildSeedService(cc: CassandraCluster): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: seedServiceName(cc.metadata.name), namespace: cc.metadata.namespace, labels: clusterLabels(cc), ownerReferences: [ownerReference(cc)] },
    spec: {
      clusterIP: 'None',
      publishNotReadyAddresses: true,
      selector: { ...nodeSelector(cc), [Labels.seed]: 'true' },
      ports: [{ name: 'internode', port: Ports.internode, targetPort: Ports.internode, protocol: 'TCP' }],
    },
  };
}

export function buildClientService(cc: CassandraCluster): KubeObject {
  const metadata: KubeObject['metadata'] = { name: clientServiceName(cc.metadata.name), namespace: cc.metadata.namespace, labels: clusterLabels(cc), ownerReferences: [ownerReference(cc)] };
  if (cc.spec.clientService.annotations !== undefined) metadata.annotations = cc.spec.clientService.annotations;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata,
    spec: {
      type: cc.spec.clientService.type,
      selector: nodeSelector(cc),
      ports: [{ name: 'cql', port: Ports.cql, targetPort: Ports.cql, protocol: 'TCP' }],
    },
  };
}
