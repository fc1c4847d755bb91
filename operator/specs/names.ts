// Names and labels of everything the operator creates for a CassandraCluster. One place, so the
// builders, the observer and the planner agree; every name stays within Kubernetes' bounds given
// the API's limits (see operator/api/limits.ts).
import type { CassandraCluster } from '../api/index.ts';

export const FIELD_MANAGER = 'cassia-operator';
export const OPERATOR_NAME = 'cassia-operator';

export const Labels = {
  name: 'app.kubernetes.io/name',
  instance: 'app.kubernetes.io/instance',
  managedBy: 'app.kubernetes.io/managed-by',
  component: 'app.kubernetes.io/component',
  cluster: 'cassia.dev/cluster',
  datacenter: 'cassia.dev/datacenter',
  rack: 'cassia.dev/rack',
  /** On pods chosen as seeds; the seed Service selects it. Set by the operator, not the template. */
  seed: 'cassia.dev/seed',
} as const;

export const Annotations = {
  /** On the pod template: JSON of the restart inputs (image, config hash, ...). */
  inputs: 'cassia.dev/inputs',
  /** On the CassandraCluster: any new value requests a rolling restart (like kubectl rollout restart). */
  restartRequested: 'cassia.dev/restart-requested',
  /** On a pod: request its replacement (fresh volume, takes over the dead node's tokens). */
  replace: 'cassia.dev/replace',
  /** On the CassandraCluster: "true" pauses reconciliation (nothing is changed; status says so). */
  paused: 'cassia.dev/paused',
} as const;

export const Ports = { cql: 9042, internode: 7000, management: 8080 } as const;

export const Paths = {
  configDir: '/etc/cassia',
  configFile: '/etc/cassia/cassia.yaml',
  dataRoot: '/var/lib/cassia',
  managementTokenDir: '/var/run/cassia/management',
  managementTokenFile: '/var/run/cassia/management/token',
  replaceDir: '/var/run/cassia/replace',
  clientTlsDir: '/var/run/cassia/tls/client',
  internodeTlsDir: '/var/run/cassia/tls/internode',
  cli: '/app/node-image/cli/cassia.ts',
  tmpDir: '/tmp',
} as const;

/** System keyspaces whose replication the operator manages when DCs come and go. */
export const MANAGED_SYSTEM_KEYSPACES = ['system_auth', 'system_distributed', 'system_traces'] as const;

export const stsName = (cc: string, dc: string, rack: string): string => `${cc}-${dc}-${rack}`;
export const podName = (sts: string, ordinal: number): string => `${sts}-${ordinal}`;
/** The StatefulSet volume claim template is named "data": claims are data-<pod>. */
export const DATA_VOLUME = 'data';
export const pvcName = (pod: string): string => `${DATA_VOLUME}-${pod}`;
export const nodesServiceName = (cc: string): string => `${cc}-nodes`;
export const seedServiceName = (cc: string): string => `${cc}-seeds`;
export const clientServiceName = (cc: string): string => `${cc}-client`;
export const configMapName = (cc: string, dc: string): string => `${cc}-${dc}-config`;
export const replaceConfigMapName = (cc: string): string => `${cc}-replace`;
export const pdbName = (cc: string, dc: string): string => `${cc}-${dc}`;
export const serviceAccountName = (cc: string): string => `${cc}-node`;
export const managementTokenSecretName = (cc: string): string => `${cc}-management-token`;
export const superuserSecretName = (cc: CassandraCluster): string => cc.spec.auth.superuserSecretName ?? `${cc.metadata.name}-superuser`;

/** DNS name of the seed Service; CASSIA_SEEDS of every node. */
export function seedsHost(cc: CassandraCluster, clusterDomain: string): string {
  return `${seedServiceName(cc.metadata.name)}.${cc.metadata.namespace}.svc.${clusterDomain}`;
}

export function clusterLabels(cc: CassandraCluster): Record<string, string> {
  return {
    [Labels.name]: 'cassia',
    [Labels.instance]: cc.metadata.name,
    [Labels.managedBy]: OPERATOR_NAME,
    [Labels.cluster]: cc.metadata.name,
  };
}

export function rackSelector(cc: CassandraCluster, dc: string, rack: string): Record<string, string> {
  return { [Labels.cluster]: cc.metadata.name, [Labels.datacenter]: dc, [Labels.rack]: rack };
}

export function ownerReference(cc: CassandraCluster): { apiVersion: string; kind: string; name: string; uid: string; controller: boolean; blockOwnerDeletion: boolean } {
  return { apiVersion: cc.apiVersion, kind: cc.kind, name: cc.metadata.name, uid: cc.metadata.uid ?? '', controller: true, blockOwnerDeletion: true };
}

/** Ordinal of a StatefulSet pod name, or undefined. */
export function ordinalOf(pod: string, sts: string): number | undefined {
  if (!pod.startsWith(`${sts}-`)) return undefined;
  const rest = pod.slice(sts.length + 1);
  return /^\d+$/.test(rest) ? Number(rest) : undefined;
}
