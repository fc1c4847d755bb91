// Observe: read the world for one CassandraCluster into plain data for plan(). Kubernetes objects
// come from the informer caches (no API calls); node state comes from each running pod's
// management API (node info), plus one ready node's cluster view, keyspaces, and the job lists
// of the pods the operation journal or the repair run is waiting on. Failures become data
// (`{ ok: false }`), never exceptions: plan decides what an unreachable node means.
import type { ClusterView, EndpointView, Job, JobList, KeyspaceInfo, Keyspaces, NodeInfo, Operation as NodeOperation, OperationRequest, SetReplicationRequest, SetReplicationResponse } from '../../../node-image/src/management/contract/index.ts';
import { parseSpec, type CassandraCluster, type CassandraClusterStatus } from '../../api/index.ts';
import type { KubeObject, ResourceRef } from '../../runtime/index.ts';
import { Resources } from '../../runtime/index.ts';
import { Annotations, Labels, managementTokenSecretName, ordinalOf, parseInputs, replaceConfigMapName, superuserSecretName } from '../../specs/index.ts';

/** What the reconciler needs of the management API (ManagementClient satisfies it). */
export interface NodeApi {
  nodeInfo(): Promise<NodeInfo>;
  clusterView(): Promise<ClusterView>;
  keyspaces(): Promise<Keyspaces>;
  jobs(): Promise<JobList>;
  submit<O extends NodeOperation>(operation: O, request: OperationRequest<O>): Promise<Job>;
  setReplication(keyspace: string, request: SetReplicationRequest): Promise<SetReplicationResponse>;
}

/** Gives a NodeApi for a pod address, or undefined when the token is not known yet. */
export type NodeApiFactory = (target: { namespace: string; cluster: string; pod: string; address: string }) => NodeApi | undefined;

/** Read access to the informer caches. */
export interface ClusterCache {
  /** Objects labelled cassia.dev/cluster=<cluster> in the namespace. */
  listOwned(ref: ResourceRef, namespace: string, cluster: string): KubeObject[];
  get(ref: ResourceRef, namespace: string | undefined, name: string): KubeObject | undefined;
}

export interface PodView {
  readonly name: string;
  readonly uid: string;
  readonly dc: string;
  readonly rack: string;
  readonly ordinal: number;
  readonly phase: string;
  readonly ready: boolean;
  readonly podIP: string | undefined;
  readonly seedLabel: boolean;
  readonly inputs: Record<string, string> | undefined;
  readonly replaceRequested: boolean;
  readonly deleting: boolean;
  readonly nodeName: string | undefined;
  /** When the scheduler last said Unschedulable (PodScheduled=False). */
  readonly unschedulableSinceMs: number | undefined;
  readonly restartCount: number;
  readonly createdAtMs: number;
  /** The node container's latest termination (current state, else last state), if any. */
  readonly lastTermination: ContainerTermination | undefined;
}

export interface ContainerTermination {
  readonly exitCode: number;
  readonly reason: string | undefined;
  /** The termination message: with FallbackToLogsOnError, the log tail of a failed container. */
  readonly message: string | undefined;
}

/** Name of the node container in the pod template (operator/specs/statefulset.ts). */
export const NODE_CONTAINER = 'cassia';

export interface StsView {
  readonly name: string;
  readonly dc: string;
  readonly rack: string;
  readonly replicas: number;
  readonly readyReplicas: number;
  /** The StatefulSet controller has seen the latest spec. */
  readonly caughtUp: boolean;
  readonly templateInputs: Record<string, string> | undefined;
  /** Storage request of the volume claim template (immutable once created). */
  readonly claimStorage: string | number | undefined;
  readonly claimStorageClass: string | undefined;
}

export interface PvcView {
  readonly name: string;
  readonly deleting: boolean;
  readonly requestedStorage: string | number | undefined;
}

export interface K8sNodeView {
  readonly name: string;
  readonly ready: boolean;
  /** Since when the Ready condition has been other than True. */
  readonly notReadySinceMs: number | undefined;
}

export type NodeInfoView = { readonly ok: true; readonly info: NodeInfo } | { readonly ok: false; readonly error: string };

/**
 * A management API call of the previous pass that failed (apply logs it; plan records it in the
 * journal and skips what the node says it can never do).
 */
export interface NodeCallFailure {
  readonly pod: string;
  readonly call: 'submit' | 'setReplication';
  /** The job's requestId (submit) or the keyspace (setReplication). */
  readonly target: string;
  /** A MANAGEMENT_ERROR_CODES code or a client code (MGMT_ERR_CONNECTION, ...); UNREACHABLE when the pod had no address. */
  readonly code: string;
  readonly message: string;
}

/** Failures remembered from one pass to the next, per cluster. */
export const CALL_FAILURES_MAX = 64;

export interface Observed {
  readonly nowMs: number;
  readonly cc: CassandraCluster;
  readonly statefulSets: ReadonlyMap<string, StsView>;
  readonly pods: ReadonlyMap<string, PodView>;
  readonly pvcs: ReadonlyMap<string, PvcView>;
  readonly k8sNodes: ReadonlyMap<string, K8sNodeView>;
  /** Data of the replacement ConfigMap (pod -> old address); undefined when absent. */
  readonly replaceMap: Readonly<Record<string, string>> | undefined;
  readonly secrets: { readonly managementToken: boolean; readonly superuser: boolean };
  readonly nodeInfo: ReadonlyMap<string, NodeInfoView>;
  /** Gossip view of one ready node, by endpoint address; undefined when no node answered. */
  readonly ring: ReadonlyMap<string, EndpointView> | undefined;
  readonly ringFrom: string | undefined;
  readonly keyspaces: readonly KeyspaceInfo[] | undefined;
  /** Job lists of the pods an operation waits on; undefined entry when the call failed. */
  readonly jobs: ReadonlyMap<string, readonly Job[] | undefined>;
  /** Management API calls of the previous pass that failed. */
  readonly callFailures: readonly NodeCallFailure[];
}

/** Calls to node management APIs run at most this many at a time per reconcile. */
export const NODE_CALLS_CONCURRENCY_MAX = 16;

const parseTime = (t: unknown): number | undefined => (typeof t === 'string' ? Date.parse(t) : undefined);

function podView(o: KubeObject): PodView | undefined {
  const labels = o.metadata.labels ?? {};
  const dc = labels[Labels.datacenter];
  const rack = labels[Labels.rack];
  if (dc === undefined || rack === undefined) return undefined;
  const sts = `${labels[Labels.cluster]}-${dc}-${rack}`;
  const ordinal = ordinalOf(o.metadata.name, sts);
  if (ordinal === undefined) return undefined;
  type Terminated = { exitCode?: number; reason?: string; message?: string };
  const status = (o.status ?? {}) as {
    phase?: string;
    podIP?: string;
    conditions?: Array<{ type: string; status: string; reason?: string; lastTransitionTime?: string }>;
    containerStatuses?: Array<{ name?: string; restartCount?: number; state?: { terminated?: Terminated }; lastState?: { terminated?: Terminated } }>;
  };
  const node = status.containerStatuses?.find((c) => c.name === NODE_CONTAINER);
  const terminated = node?.state?.terminated ?? node?.lastState?.terminated;
  const conditions = status.conditions ?? [];
  const scheduled = conditions.find((c) => c.type === 'PodScheduled');
  const spec = (o.spec ?? {}) as { nodeName?: string };
  return {
    name: o.metadata.name,
    uid: o.metadata.uid ?? '',
    dc,
    rack,
    ordinal,
    phase: status.phase ?? 'Pending',
    ready: conditions.some((c) => c.type === 'Ready' && c.status === 'True'),
    podIP: status.podIP,
    seedLabel: labels[Labels.seed] === 'true',
    inputs: parseInputs(o.metadata.annotations?.[Annotations.inputs]),
    replaceRequested: o.metadata.annotations?.[Annotations.replace] === 'true',
    deleting: o.metadata.deletionTimestamp !== undefined,
    nodeName: spec.nodeName,
    unschedulableSinceMs: scheduled?.status === 'False' && scheduled.reason === 'Unschedulable' ? parseTime(scheduled.lastTransitionTime) : undefined,
    restartCount: (status.containerStatuses ?? []).reduce((n, c) => n + (c.restartCount ?? 0), 0),
    createdAtMs: parseTime(o.metadata.creationTimestamp) ?? 0,
    lastTermination: terminated === undefined ? undefined : { exitCode: terminated.exitCode ?? 0, reason: terminated.reason, message: terminated.message },
  };
}

function stsView(o: KubeObject): StsView | undefined {
  const labels = o.metadata.labels ?? {};
  const dc = labels[Labels.datacenter];
  const rack = labels[Labels.rack];
  if (dc === undefined || rack === undefined) return undefined;
  const spec = (o.spec ?? {}) as {
    replicas?: number;
    template?: { metadata?: { annotations?: Record<string, string> } };
    volumeClaimTemplates?: Array<{ spec?: { storageClassName?: string; resources?: { requests?: { storage?: string | number } } } }>;
  };
  const status = (o.status ?? {}) as { readyReplicas?: number; observedGeneration?: number };
  return {
    name: o.metadata.name,
    dc,
    rack,
    replicas: spec.replicas ?? 0,
    readyReplicas: status.readyReplicas ?? 0,
    caughtUp: (status.observedGeneration ?? 0) >= (o.metadata.generation ?? 0),
    templateInputs: parseInputs(spec.template?.metadata?.annotations?.[Annotations.inputs]),
    claimStorage: spec.volumeClaimTemplates?.[0]?.spec?.resources?.requests?.storage,
    claimStorageClass: spec.volumeClaimTemplates?.[0]?.spec?.storageClassName,
  };
}

/** Pods whose job lists plan() needs (the journal's current pod(s) and the repair run's pod). */
export function podsWithJobs(status: CassandraClusterStatus | undefined): string[] {
  const pods = new Set<string>();
  const op = status?.operation;
  if (op?.pod !== undefined) pods.add(op.pod);
  if (op?.type === 'Stop') for (const p of op.pods ?? []) pods.add(p);
  const repairPod = status?.repair?.current?.pods[0]?.split(':')[0];
  if (repairPod !== undefined) pods.add(repairPod);
  return [...pods].sort();
}

async function boundedAll<T>(tasks: ReadonlyArray<() => Promise<T>>, concurrency: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, tasks.length) }, worker));
  return results;
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Reads everything plan() needs. `raw` is the CassandraCluster as stored (spec parsed here). */
export async function observe(input: { raw: KubeObject; cache: ClusterCache; nodeApi: NodeApiFactory; nowMs: number; callFailures?: readonly NodeCallFailure[] }): Promise<Observed> {
  const { raw, cache, nodeApi, nowMs } = input;
  const callFailures = input.callFailures ?? [];
  const namespace = raw.metadata.namespace ?? 'default';
  const name = raw.metadata.name;
  const cc: CassandraCluster = {
    apiVersion: 'cassia.dev/v1alpha1',
    kind: 'CassandraCluster',
    metadata: raw.metadata as CassandraCluster['metadata'],
    spec: parseSpec(raw.spec),
    status: raw.status as CassandraClusterStatus | undefined,
  };

  const statefulSets = new Map<string, StsView>();
  for (const o of cache.listOwned(Resources.statefulSet, namespace, name)) {
    const v = stsView(o);
    if (v !== undefined) statefulSets.set(v.name, v);
  }
  const pods = new Map<string, PodView>();
  for (const o of cache.listOwned(Resources.pod, namespace, name)) {
    const v = podView(o);
    if (v !== undefined) pods.set(v.name, v);
  }
  const pvcs = new Map<string, PvcView>();
  for (const o of cache.listOwned(Resources.pvc, namespace, name)) {
    const spec = (o.spec ?? {}) as { resources?: { requests?: { storage?: string | number } } };
    pvcs.set(o.metadata.name, { name: o.metadata.name, deleting: o.metadata.deletionTimestamp !== undefined, requestedStorage: spec.resources?.requests?.storage });
  }
  const k8sNodes = new Map<string, K8sNodeView>();
  for (const p of pods.values()) {
    if (p.nodeName === undefined || k8sNodes.has(p.nodeName)) continue;
    const n = cache.get(Resources.node, undefined, p.nodeName);
    if (n === undefined) {
      k8sNodes.set(p.nodeName, { name: p.nodeName, ready: false, notReadySinceMs: undefined });
      continue;
    }
    const ready = ((n.status ?? {}) as { conditions?: Array<{ type: string; status: string; lastTransitionTime?: string }> }).conditions?.find((c) => c.type === 'Ready');
    k8sNodes.set(p.nodeName, { name: p.nodeName, ready: ready?.status === 'True', notReadySinceMs: ready?.status === 'True' ? undefined : parseTime(ready?.lastTransitionTime) });
  }
  const replaceCm = cache.get(Resources.configMap, namespace, replaceConfigMapName(name));
  const replaceMap = replaceCm === undefined ? undefined : ((replaceCm.data ?? {}) as Record<string, string>);
  const secrets = {
    managementToken: cache.get(Resources.secret, namespace, managementTokenSecretName(name)) !== undefined,
    // A user-provided superuser Secret is not ours to watch; only a generated one is checked.
    superuser: cc.spec.auth.superuserSecretName !== undefined || cache.get(Resources.secret, namespace, superuserSecretName(cc)) !== undefined,
  };

  // Management API: node info of every pod with an address.
  const reachable = [...pods.values()].filter((p) => p.podIP !== undefined && !p.deleting && p.phase === 'Running').sort((a, b) => a.name.localeCompare(b.name));
  const apis = new Map<string, NodeApi>();
  for (const p of reachable) {
    const api = nodeApi({ namespace, cluster: name, pod: p.name, address: p.podIP! });
    if (api !== undefined) apis.set(p.name, api);
  }
  const infos = await boundedAll([...apis].map(([pod, api]) => async (): Promise<[string, NodeInfoView]> => {
    try {
      return [pod, { ok: true, info: await api.nodeInfo() }];
    } catch (e) {
      return [pod, { ok: false, error: errorText(e) }];
    }
  }), NODE_CALLS_CONCURRENCY_MAX);
  const nodeInfo = new Map(infos);

  // One ready, NORMAL node answers for the cluster: prefer one the operation is not touching.
  const busy = cc.status?.operation?.pod;
  const candidates = [...apis.keys()].filter((pod) => {
    const i = nodeInfo.get(pod);
    return pods.get(pod)!.ready && i?.ok === true && i.info.operationMode === 'NORMAL';
  }).sort((a, b) => Number(a === busy) - Number(b === busy) || a.localeCompare(b));
  let ring: Map<string, EndpointView> | undefined;
  let ringFrom: string | undefined;
  let keyspaces: KeyspaceInfo[] | undefined;
  for (const pod of candidates.slice(0, 2)) {
    try {
      const api = apis.get(pod)!;
      const [view, ks] = await Promise.all([api.clusterView(), api.keyspaces()]);
      ring = new Map(view.endpoints.map((e) => [e.address, e]));
      keyspaces = ks.keyspaces;
      ringFrom = pod;
      break;
    } catch {
      // try the next candidate
    }
  }

  const jobs = new Map<string, readonly Job[] | undefined>();
  await boundedAll(podsWithJobs(cc.status).map((pod) => async (): Promise<void> => {
    const api = apis.get(pod);
    if (api === undefined) {
      jobs.set(pod, undefined);
      return;
    }
    try {
      jobs.set(pod, (await api.jobs()).jobs);
    } catch {
      jobs.set(pod, undefined);
    }
  }), NODE_CALLS_CONCURRENCY_MAX);

  return { nowMs, cc, statefulSets, pods, pvcs, k8sNodes, replaceMap, secrets, nodeInfo, ring, ringFrom, keyspaces, jobs, callFailures };
}
