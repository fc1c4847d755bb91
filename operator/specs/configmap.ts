// ConfigMaps: cassia.yaml per datacenter, and the replacement map (pod name -> address of the dead
// node it replaces) that a recreated pod reads through CASSIA_REPLACE_ADDRESS_FILE on first boot.
import type { CassandraCluster } from '../api/index.ts';
import type { KubeObject } from '../runtime/index.ts';
import { Labels, clusterLabels, configMapName, ownerReference, replaceConfigMapName } from './names.ts';

export function buildConfigMap(cc: CassandraCluster, dc: string, cassiaYaml: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: configMapName(cc.metadata.name, dc), namespace: cc.metadata.namespace, labels: { ...clusterLabels(cc), [Labels.datacenter]: dc }, ownerReferences: [ownerReference(cc)] },
    data: { 'cassia.yaml': cassiaYaml },
  };
}

export function buildReplaceConfigMap(cc: CassandraCluster, replacements: Readonly<Record<string, string>>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: replaceConfigMapName(cc.metadata.name), namespace: cc.metadata.namespace, labels: clusterLabels(cc), ownerReferences: [ownerReference(cc)] },
    data: { ...replacements },
  };
}
