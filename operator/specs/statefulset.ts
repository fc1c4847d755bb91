// One StatefulSet per rack. Parallel pod management (the operator, not the StatefulSet controller,
// orders bootstraps by raising replicas one at a time) and OnDelete updates (the operator restarts
// pods one at a time, waiting for NORMAL, and records why). Volume claims are retained on scale-down
// so a claim is deleted only after its node has left the ring.
import { datacenterStorage, type CassandraCluster, type Datacenter, type Rack } from '../api/index.ts';
import { ROUTES, routePath } from '../../node-image/src/management/contract/index.ts';
import type { KubeObject } from '../runtime/index.ts';
import {
  Annotations,
  DATA_VOLUME,
  Labels,
  Paths,
  Ports,
  clusterLabels,
  configMapName,
  managementTokenSecretName,
  nodesServiceName,
  ownerReference,
  rackSelector,
  replaceConfigMapName,
  seedsHost,
  serviceAccountName,
  stsName,
  superuserSecretName,
} from './names.ts';

export interface RackBuildInput {
  readonly cc: CassandraCluster;
  readonly dc: Datacenter;
  readonly rack: Rack;
  readonly replicas: number;
  /** Restart inputs for the pod template annotation (config.ts restartInputs). */
  readonly inputs: Readonly<Record<string, string>>;
  /** False while the DC is being added to a running cluster (nodes join, then rebuild). */
  readonly autoBootstrap: boolean;
  readonly clusterDomain: string;
}

/** Startup budget: 5 s x 120 = 10 min for a node to answer liveness (commit log replay). */
export const STARTUP_PROBE_FAILURES_MAX = 120;

/** The node image's user and group (node-image/Dockerfile: USER 10001:10001). */
export const NODE_UID = 10001;
export const NODE_GID = 10001;
/** emptyDir on /tmp (the root filesystem is read-only): cqlsh history and scratch files only. */
export const TMP_SIZE_LIMIT = '64Mi';

/**
 * V8's old-generation growth after a full collection, in percent (x4): the node's flag
 * (node-image/cli/runtime-flags.ts), whose default left a compaction worker's isolate running a
 * full collection every 60-100 ms; set whatever the pod's size.
 */
export const V8_HEAP_GROWING_PERCENT = 300;

/**
 * The node container's command, given as `args` so the image's ENTRYPOINT (tini) stays PID 1 and
 * reaps `kubectl exec` children; it replaces the image's CMD, which is the same command.
 */
export const NODE_ARGS: readonly string[] = ['node', `--heap-growing-percent=${V8_HEAP_GROWING_PERCENT}`, Paths.cli, 'node', '--config', Paths.configFile];

/**
 * NODE_ARGS with V8's background thread pool sized to the pod's CPUs (the limit, else the
 * request): one thread per core beyond the first, one to four, the rule of
 * node-image/cli/runtime-flags.ts (Node's default, four, let GC threads compete with the event
 * loop on small pods: write p99 during compactions 2-3x higher on 2 cores). Without either, Node's default.
 */
export function nodeArgs(resources: { limits?: { cpu?: string | number | undefined } | undefined; requests?: { cpu?: string | number | undefined } | undefined } | undefined): string[] {
  const cpus = cpuCores(resources?.limits?.cpu ?? resources?.requests?.cpu);
  if (cpus === null) return [...NODE_ARGS];
  return ['node', `--v8-pool-size=${Math.min(4, Math.max(1, Math.floor(cpus) - 1))}`, ...NODE_ARGS.slice(1)];
}

/** Cores of a Kubernetes CPU quantity ("2", "1.5", "1500m", 2), or null when absent or unreadable. */
export function cpuCores(quantity: string | number | undefined): number | null {
  if (quantity === undefined) return null;
  if (typeof quantity === 'number') return Number.isFinite(quantity) && quantity > 0 ? quantity : null;
  const m = /^([0-9]+(?:\.[0-9]+)?)(m?)$/.exec(quantity.trim());
  if (m === null) return null;
  const value = Number(m[1]) / (m[2] === 'm' ? 1000 : 1);
  return value > 0 ? value : null;
}

/** PodSecurity `restricted` for the node pods (and any other pod the operator creates). */
export const POD_SECURITY_CONTEXT = {
  runAsNonRoot: true,
  runAsUser: NODE_UID,
  runAsGroup: NODE_GID,
  fsGroup: NODE_GID,
  // Large data volumes: chown only when the volume root's group is not ours yet.
  fsGroupChangePolicy: 'OnRootMismatch',
  seccompProfile: { type: 'RuntimeDefault' },
} as const;

export const CONTAINER_SECURITY_CONTEXT = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  runAsUser: NODE_UID,
  runAsGroup: NODE_GID,
  seccompProfile: { type: 'RuntimeDefault' },
} as const;

export function buildStatefulSet(input: RackBuildInput): KubeObject {
  const { cc, dc, rack } = input;
  const spec = cc.spec;
  const name = stsName(cc.metadata.name, dc.name, rack.name);
  const selector = rackSelector(cc, dc.name, rack.name);
  const labels = { ...clusterLabels(cc), [Labels.component]: 'node', [Labels.datacenter]: dc.name, [Labels.rack]: rack.name };
  const podLabels = { ...(spec.podTemplate.labels ?? {}), ...labels };
  const storage = datacenterStorage(spec, dc);
  const resources = dc.resources ?? spec.resources;

  const env: Array<Record<string, unknown>> = [
    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
    { name: 'CASSIA_DC', value: dc.name },
    { name: 'CASSIA_RACK', value: rack.name },
    { name: 'CASSIA_SEEDS', value: seedsHost(cc, input.clusterDomain) },
    { name: 'CASSIA_AUTO_BOOTSTRAP', value: String(input.autoBootstrap) },
    { name: 'CASSIA_MANAGEMENT_TOKEN_FILE', value: Paths.managementTokenFile },
    { name: 'CASSIA_REPLACE_ADDRESS_FILE', value: `${Paths.replaceDir}/$(POD_NAME)` },
  ];
  if (spec.auth.enabled) {
    const secret = superuserSecretName(cc);
    env.push(
      { name: 'CASSIA_SUPERUSER_USERNAME', valueFrom: { secretKeyRef: { name: secret, key: 'username' } } },
      { name: 'CASSIA_SUPERUSER_PASSWORD', valueFrom: { secretKeyRef: { name: secret, key: 'password' } } },
    );
  }

  const volumeMounts: Array<Record<string, unknown>> = [
    { name: DATA_VOLUME, mountPath: Paths.dataRoot },
    { name: 'config', mountPath: Paths.configDir, readOnly: true },
    { name: 'management-token', mountPath: Paths.managementTokenDir, readOnly: true },
    { name: 'replace', mountPath: Paths.replaceDir, readOnly: true },
    { name: 'tmp', mountPath: Paths.tmpDir },
  ];
  const volumes: Array<Record<string, unknown>> = [
    { name: 'config', configMap: { name: configMapName(cc.metadata.name, dc.name) } },
    { name: 'management-token', secret: { secretName: managementTokenSecretName(cc.metadata.name), defaultMode: 0o400 } },
    { name: 'replace', configMap: { name: replaceConfigMapName(cc.metadata.name), optional: true } },
    { name: 'tmp', emptyDir: { sizeLimit: TMP_SIZE_LIMIT } },
  ];
  if (spec.tls?.clientSecretName !== undefined) {
    volumeMounts.push({ name: 'client-tls', mountPath: Paths.clientTlsDir, readOnly: true });
    volumes.push({ name: 'client-tls', secret: { secretName: spec.tls.clientSecretName, defaultMode: 0o400 } });
  }
  if (spec.tls?.internodeSecretName !== undefined) {
    volumeMounts.push({ name: 'internode-tls', mountPath: Paths.internodeTlsDir, readOnly: true });
    volumes.push({ name: 'internode-tls', secret: { secretName: spec.tls.internodeSecretName, defaultMode: 0o400 } });
  }

  const container: Record<string, unknown> = {
    name: 'cassia',
    image: spec.image,
    imagePullPolicy: spec.podTemplate.imagePullPolicy,
    args: nodeArgs(resources),
    securityContext: structuredClone(CONTAINER_SECURITY_CONTEXT),
    // A node that refuses its configuration exits with its reason on stderr: the kubelet copies
    // the log tail into the container's terminated state, where the operator reads it.
    terminationMessagePolicy: 'FallbackToLogsOnError',
    ports: [
      { name: 'cql', containerPort: Ports.cql, protocol: 'TCP' },
      { name: 'internode', containerPort: Ports.internode, protocol: 'TCP' },
      { name: 'management', containerPort: Ports.management, protocol: 'TCP' },
    ],
    env,
    volumeMounts,
    startupProbe: {
      httpGet: { path: routePath(ROUTES.liveness), port: Ports.management },
      periodSeconds: 5, failureThreshold: STARTUP_PROBE_FAILURES_MAX, timeoutSeconds: 3,
    },
    livenessProbe: {
      httpGet: { path: routePath(ROUTES.liveness), port: Ports.management },
      periodSeconds: 10, failureThreshold: 6, timeoutSeconds: 5,
    },
    readinessProbe: {
      httpGet: { path: routePath(ROUTES.readiness), port: Ports.management },
      periodSeconds: 5, failureThreshold: 3, timeoutSeconds: 3,
    },
    lifecycle: {
      // Flush memtables and leave gossip cleanly before SIGTERM (nodetool reads POD_IP and the token file).
      preStop: { exec: { command: ['node', Paths.cli, 'nodetool', 'drain'] } },
    },
  };
  if (resources !== undefined) container.resources = resources;

  const affinity: Record<string, unknown> = {};
  const nodeTerms: Array<Record<string, unknown>> = [];
  if (rack.zone !== undefined) nodeTerms.push({ key: 'topology.kubernetes.io/zone', operator: 'In', values: [rack.zone] });
  for (const [key, value] of Object.entries(rack.nodeAffinityLabels ?? {}).sort()) nodeTerms.push({ key, operator: 'In', values: [value] });
  if (nodeTerms.length > 0) {
    affinity.nodeAffinity = { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: nodeTerms }] } };
  }
  const antiTerm = { labelSelector: { matchLabels: { [Labels.cluster]: cc.metadata.name, [Labels.component]: 'node' } }, topologyKey: 'kubernetes.io/hostname' };
  if (spec.podTemplate.antiAffinity === 'Required') {
    affinity.podAntiAffinity = { requiredDuringSchedulingIgnoredDuringExecution: [antiTerm] };
  } else if (spec.podTemplate.antiAffinity === 'Preferred') {
    affinity.podAntiAffinity = { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: antiTerm }] };
  }

  const podSpec: Record<string, unknown> = {
    serviceAccountName: serviceAccountName(cc.metadata.name),
    automountServiceAccountToken: false,
    terminationGracePeriodSeconds: spec.podTemplate.terminationGracePeriodSeconds,
    securityContext: structuredClone(POD_SECURITY_CONTEXT),
    containers: [container],
    volumes,
  };
  if (Object.keys(affinity).length > 0) podSpec.affinity = affinity;
  if (spec.podTemplate.tolerations !== undefined) podSpec.tolerations = spec.podTemplate.tolerations;
  if (spec.podTemplate.nodeSelector !== undefined) podSpec.nodeSelector = spec.podTemplate.nodeSelector;
  if (spec.podTemplate.priorityClassName !== undefined) podSpec.priorityClassName = spec.podTemplate.priorityClassName;
  if (spec.podTemplate.imagePullSecrets !== undefined) podSpec.imagePullSecrets = spec.podTemplate.imagePullSecrets;

  const claimSpec: Record<string, unknown> = {
    accessModes: ['ReadWriteOnce'],
    resources: { requests: { storage: storage.size } },
  };
  if (storage.storageClassName !== undefined) claimSpec.storageClassName = storage.storageClassName;

  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name, namespace: cc.metadata.namespace, labels, ownerReferences: [ownerReference(cc)] },
    spec: {
      replicas: input.replicas,
      serviceName: nodesServiceName(cc.metadata.name),
      podManagementPolicy: 'Parallel',
      updateStrategy: { type: 'OnDelete' },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: spec.persistentVolumeClaimRetentionPolicy.whenDeleted, whenScaled: 'Retain' },
      selector: { matchLabels: selector },
      template: {
        metadata: {
          labels: podLabels,
          annotations: { ...(spec.podTemplate.annotations ?? {}), [Annotations.inputs]: JSON.stringify(input.inputs) },
        },
        spec: podSpec,
      },
      volumeClaimTemplates: [{
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: DATA_VOLUME, labels: selector },
        spec: claimSpec,
      }],
    },
  };
}
