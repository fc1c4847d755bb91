// The nodes' ServiceAccount and a namespaced Role allowing them to read pods and EndpointSlices
// (a Kubernetes-aware seed provider); the pods do not mount its token unless they need it.
import type { CassandraCluster } from '../api/index.ts';
import type { KubeObject } from '../runtime/index.ts';
import { clusterLabels, ownerReference, serviceAccountName } from './names.ts';

export function buildServiceAccount(cc: CassandraCluster): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: serviceAccountName(cc.metadata.name), namespace: cc.metadata.namespace, labels: clusterLabels(cc), ownerReferences: [ownerReference(cc)] },
    automountServiceAccountToken: false,
  };
}

export function buildRole(cc: CassandraCluster): KubeObject {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: serviceAccountName(cc.metadata.name), namespace: cc.metadata.namespace, labels: clusterLabels(cc), ownerReferences: [ownerReference(cc)] },
    rules: [
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
    ],
  };
}

export function buildRoleBinding(cc: CassandraCluster): KubeObject {
  const name = serviceAccountName(cc.metadata.name);
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name, namespace: cc.metadata.namespace, labels: clusterLabels(cc), ownerReferences: [ownerReference(cc)] },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
    subjects: [{ kind: 'ServiceAccount', name, namespace: cc.metadata.namespace }],
  };
}
