// Secrets the operator generates when absent: the management API bearer token (mounted into the
// nodes, read by the operator) and the CQL superuser credentials (unless the user names a Secret).
// Values are generated once by the caller's random source and never rewritten.
import type { CassandraCluster } from '../api/index.ts';
import type { KubeObject } from '../runtime/index.ts';
import { clusterLabels, managementTokenSecretName, ownerReference, superuserSecretName } from './names.ts';

/** Random bytes for a token (hex-encoded: 64 characters). */
export const TOKEN_BYTES = 32;
export const PASSWORD_BYTES = 24;

export function buildManagementTokenSecret(cc: CassandraCluster, tokenHex: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: managementTokenSecretName(cc.metadata.name), namespace: cc.metadata.namespace, labels: clusterLabels(cc), ownerReferences: [ownerReference(cc)] },
    type: 'Opaque',
    stringData: { token: tokenHex },
  };
}

/** Only for a generated superuser Secret (spec.auth.superuserSecretName unset). */
export function buildSuperuserSecret(cc: CassandraCluster, password: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: superuserSecretName(cc), namespace: cc.metadata.namespace, labels: clusterLabels(cc), ownerReferences: [ownerReference(cc)] },
    type: 'kubernetes.io/basic-auth',
    stringData: { username: 'cassia', password },
  };
}
