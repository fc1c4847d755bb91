// Builds an Observed (what plan() sees) from a compact description, for table-driven plan tests:
// racks list their pods as one-letter states, everything else has sensible defaults.
//   N ready and NORMAL   J running, JOINING   S running, STARTING (not bootstrapped)   P Pending
//   D running but down (not ready, management API unreachable)   L LEAVING   X decommissioned
import type { EndpointView, Job, KeyspaceInfo, NodeInfo } from '../../node-image/src/management/contract/index.ts';
import { sampleNodeInfo } from '../../node-image/src/management/contract/samples.ts';
import type { CassandraClusterSpecInput, CassandraClusterStatus, NodeStatus } from '../api/index.ts';
import type { K8sNodeView, NodeCallFailure, NodeInfoView, Observed, PodView, PvcView, StsView } from '../controllers/cassandracluster/observe.ts';
import { buildCassiaConfig, podName, pvcName, renderCassiaYaml, restartInputs, stsName } from '../specs/index.ts';
import { makeCluster } from './fixtures.ts';

export type PodCode = 'N' | 'J' | 'S' | 'P' | 'D' | 'L' | 'X';

export interface Scenario {
  spec?: Partial<CassandraClusterSpecInput>;
  status?: CassandraClusterStatus;
  annotations?: Record<string, string>;
  generation?: number;
  /** "dc/rack" -> pod states by ordinal (StatefulSet replicas = length unless `replicas` says otherwise). */
  racks?: Record<string, PodCode[]>;
  replicas?: Record<string, number>;
  nowMs?: number;
  keyspaces?: KeyspaceInfo[];
  /** Jobs per pod (by name). */
  jobs?: Record<string, Job[]>;
  /** Ring state overrides by pod name (e.g. LEFT). */
  ring?: Record<string, EndpointView['state'] | 'ABSENT'>;
  replaceMap?: Record<string, string>;
  /** Per-pod tweaks. */
  pods?: Record<string, Partial<PodView>>;
  nodeInfo?: Record<string, Partial<NodeInfo> | 'unreachable'>;
  k8sNodes?: Record<string, Partial<K8sNodeView>>;
  secrets?: { managementToken: boolean; superuser: boolean };
  /** Make the pods' restart inputs stale (as before a spec change). */
  staleInputs?: Record<string, string>;
  /** StatefulSet template inputs (defaults to the desired ones). */
  stsInputs?: Record<string, string>;
  pvcs?: Record<string, Partial<PvcView> | 'missing'>;
  /** Management API calls of the previous pass that failed. */
  callFailures?: NodeCallFailure[];
}

export const NOW_MS = Date.UTC(2026, 2, 1, 12, 0, 0);

export function hostIdFor(pod: string): string {
  let h = 0;
  for (const c of pod) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  const hex = h.toString(16).padStart(8, '0');
  return `${hex}-0000-4000-8000-${hex}0000`.slice(0, 36);
}

export function ipFor(pod: string): string {
  let h = 0;
  for (const c of pod) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return `10.${(h >> 16) & 255}.${(h >> 8) & 255}.${(h & 255) || 1}`;
}

const MODES: Record<PodCode, NodeInfo['operationMode'] | undefined> = { N: 'NORMAL', J: 'JOINING', S: 'STARTING', P: undefined, D: undefined, L: 'LEAVING', X: 'DECOMMISSIONED' };

export function scenario(s: Scenario): Observed {
  const cc = makeCluster(s.spec ?? {}, {
    ...(s.status ? { status: structuredClone(s.status) } : {}),
    ...(s.annotations ? { annotations: s.annotations } : {}),
    ...(s.generation ? { generation: s.generation } : {}),
  });
  const nowMs = s.nowMs ?? NOW_MS;
  const statefulSets = new Map<string, StsView>();
  const pods = new Map<string, PodView>();
  const pvcs = new Map<string, PvcView>();
  const nodeInfo = new Map<string, NodeInfoView>();
  const ring = new Map<string, EndpointView>();
  const k8sNodes = new Map<string, K8sNodeView>();
  const statusNodes: NodeStatus[] = [];

  for (const [key, codes] of Object.entries(s.racks ?? {})) {
    const [dcName, rackName] = key.split('/') as [string, string];
    const sts = stsName(cc.metadata.name, dcName, rackName);
    const dcSpec = cc.spec.datacenters.find((d) => d.name === dcName);
    const desiredInputs = dcSpec === undefined ? {} : restartInputs(cc, dcSpec, renderCassiaYaml(buildCassiaConfig(cc, dcSpec, { clusterDomain: 'cluster.local' })));
    const podInputs = s.staleInputs ? { ...desiredInputs, ...s.staleInputs } : desiredInputs;
    statefulSets.set(sts, {
      name: sts, dc: dcName, rack: rackName,
      replicas: s.replicas?.[key] ?? codes.length,
      readyReplicas: codes.filter((c) => c === 'N').length,
      caughtUp: true,
      templateInputs: s.stsInputs ? { ...desiredInputs, ...s.stsInputs } : desiredInputs,
      claimStorage: '10Gi',
      claimStorageClass: undefined,
    });
    codes.forEach((code, ordinal) => {
      const name = podName(sts, ordinal);
      const running = code !== 'P';
      const ip = running ? ipFor(name) : undefined;
      const pod: PodView = {
        name, uid: `uid-${name}`, dc: dcName, rack: rackName, ordinal,
        phase: running ? 'Running' : 'Pending',
        ready: code === 'N',
        podIP: ip,
        seedLabel: false,
        inputs: podInputs,
        replaceRequested: false,
        deleting: false,
        nodeName: running ? `node-${name}` : undefined,
        unschedulableSinceMs: undefined,
        restartCount: 0,
        lastTermination: undefined,
        createdAtMs: nowMs - 3_600_000,
        ...(s.pods?.[name] ?? {}),
      };
      pods.set(name, pod);
      const pvcOverride = s.pvcs?.[pvcName(name)];
      if (pvcOverride !== 'missing') pvcs.set(pvcName(name), { name: pvcName(name), deleting: false, requestedStorage: '10Gi', ...(pvcOverride ?? {}) });
      if (pod.nodeName !== undefined) k8sNodes.set(pod.nodeName, { name: pod.nodeName, ready: true, notReadySinceMs: undefined, ...(s.k8sNodes?.[pod.nodeName] ?? {}) });
      const mode = MODES[code];
      const bootstrapped = code === 'N' || code === 'D' || code === 'L' || code === 'X';
      const override = s.nodeInfo?.[name];
      if (override === 'unreachable' || (mode === undefined && pod.podIP !== undefined && override === undefined)) {
        nodeInfo.set(name, { ok: false, error: 'connect ECONNREFUSED' });
      } else if (mode !== undefined || override !== undefined) {
        nodeInfo.set(name, {
          ok: true,
          info: {
            ...sampleNodeInfo,
            hostId: bootstrapped || code === 'J' ? hostIdFor(name) : null,
            datacenter: dcName, rack: rackName,
            operationMode: mode ?? 'NORMAL',
            bootstrapped,
            listenAddress: ip ?? '0.0.0.0', rpcAddress: ip ?? '0.0.0.0',
            tokens: bootstrapped ? ['1', '2'] : [],
            loadBytes: 1_000_000,
            dataDisk: { totalBytes: 100_000_000, freeBytes: 50_000_000 },
            ...(override ?? {}),
          },
        });
      }
      if (bootstrapped) statusNodes.push({ pod: name, datacenter: dcName, rack: rackName, hostId: hostIdFor(name), address: ipFor(name), lastNormalAddress: ipFor(name), state: mode ?? 'NORMAL', ready: code === 'N', seed: false });
      const ringState = s.ring?.[name] ?? (code === 'N' || code === 'D' ? 'NORMAL' : code === 'J' ? 'JOINING' : code === 'L' ? 'LEAVING' : code === 'X' ? 'LEFT' : undefined);
      if (ringState !== undefined && ringState !== 'ABSENT') {
        ring.set(ipFor(name), {
          address: ipFor(name), hostId: hostIdFor(name), datacenter: dcName, rack: rackName,
          status: code === 'D' || code === 'X' ? 'DOWN' : 'UP', state: ringState, tokenCount: 2, loadBytes: 1_000_000,
          schemaVersion: null, releaseVersion: '0.1.0', rpcReady: code === 'N', isSelf: false, heartbeat: { generation: 1, version: 1 }, applicationStates: {},
        });
      }
    });
  }
  // Claims that outlive their pods (retained, or not yet deleted).
  for (const [name, v] of Object.entries(s.pvcs ?? {})) {
    if (v !== 'missing' && !pvcs.has(name)) pvcs.set(name, { name, deleting: false, requestedStorage: '10Gi', ...v });
  }
  // Status nodes default to what the pods say (a running cluster remembers its nodes).
  if (cc.status === undefined) cc.status = {};
  if (cc.status.nodes === undefined && statusNodes.length > 0) cc.status.nodes = statusNodes;
  if (cc.status.datacenters === undefined && statusNodes.length > 0) {
    cc.status.datacenters = cc.spec.datacenters.map((d) => ({ name: d.name, desiredNodes: d.size, readyNodes: 0, phase: 'Ready' as const, racks: [] }));
  }
  const ringFrom = [...pods.values()].find((p) => p.ready)?.name;
  const jobs = new Map<string, readonly Job[] | undefined>();
  for (const [pod, list] of Object.entries(s.jobs ?? {})) jobs.set(pod, list);
  // Pods the journal waits on answer with an empty job list unless given.
  const op = cc.status.operation;
  for (const pod of [op?.pod, ...(op?.type === 'Stop' ? op.pods ?? [] : [])]) if (pod !== undefined && !jobs.has(pod) && pods.get(pod)?.podIP !== undefined) jobs.set(pod, []);
  const repairPod = cc.status.repair?.current?.pods[0]?.split(':')[0];
  if (repairPod !== undefined && !jobs.has(repairPod)) jobs.set(repairPod, []);

  return {
    nowMs, cc, statefulSets, pods, pvcs, k8sNodes,
    replaceMap: s.replaceMap,
    secrets: s.secrets ?? { managementToken: true, superuser: true },
    nodeInfo,
    ring: ringFrom === undefined ? undefined : ring,
    ringFrom,
    keyspaces: ringFrom === undefined ? undefined : (s.keyspaces ?? defaultKeyspaces()),
    jobs,
    callFailures: s.callFailures ?? [],
  };
}

export function defaultKeyspaces(rf: Record<string, number> = { dc1: 3 }): KeyspaceInfo[] {
  return [
    { name: 'system_auth', replication: { class: 'NetworkTopologyStrategy', datacenters: { ...rf } }, durableWrites: true, system: true },
    { name: 'system_distributed', replication: { class: 'NetworkTopologyStrategy', datacenters: { ...rf } }, durableWrites: true, system: true },
    { name: 'system_traces', replication: { class: 'NetworkTopologyStrategy', datacenters: { ...rf } }, durableWrites: true, system: true },
    { name: 'app', replication: { class: 'NetworkTopologyStrategy', datacenters: { ...rf } }, durableWrites: true, system: false },
  ];
}

export function job(fields: Partial<Job> & Pick<Job, 'operation' | 'requestId' | 'state'>): Job {
  return {
    id: `job-${fields.requestId}`, submittedAtMs: 1, startedAtMs: 1, finishedAtMs: null,
    progress: { unit: 'steps', done: 0, total: 1, message: '' }, error: null, cancellable: false, result: {},
    ...fields,
  };
}
