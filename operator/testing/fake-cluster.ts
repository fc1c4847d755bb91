// A simulated Kubernetes + Cassia world for end-to-end tests of the reconciler and for the
// benchmark: the in-memory API server, a StatefulSet controller (creates/deletes pods and claims
// by replicas, recreates deleted pods from the current template), a kubelet (schedules, assigns
// IPs, reports readiness), and fake Cassia nodes behind the management API contract (join,
// decommission, drain, cleanup, rebuild, repair jobs; data kept per volume claim). Deterministic:
// time is a ManualClock and the operator runs one pass per step.
import type { ClusterView, EndpointView, Job, JobList, KeyspaceInfo, Keyspaces, NodeInfo, Operation, OperationRequest, SetReplicationRequest, SetReplicationResponse } from '../../node-image/src/management/contract/index.ts';
import { EXCLUSIVE_OPERATIONS, TERMINAL_JOB_STATES } from '../../node-image/src/management/contract/index.ts';
import { ManagementApiError } from '../../node-image/src/management/client/index.ts';
import type { CassandraClusterSpecInput, CassandraClusterStatus } from '../api/index.ts';
import { createCassandraClusterController, type CassandraClusterController } from '../controllers/cassandracluster/setup.ts';
import type { NodeApi, NodeApiFactory } from '../controllers/cassandracluster/observe.ts';
import { ManualClock, flushMicrotasks } from '../runtime/clock.ts';
import { MemoryEventSink } from '../runtime/event-recorder.ts';
import { Resources, type KubeObject } from '../runtime/kube-api.ts';
import { silentLogger, type Logger } from '../runtime/logger.ts';
import { MemoryKubeApi } from '../runtime/memory-kube-api.ts';
import { Labels, pvcName, replaceConfigMapName } from '../specs/index.ts';
import { defaultKeyspaces } from './scenario.ts';

type Any = Record<string, any>;

export const STEP_MS = 5_000;
/** Ticks a fresh node spends JOINING before NORMAL. */
export const BOOTSTRAP_TICKS = 2;
export const DECOMMISSION_TICKS = 2;

interface NodeData { hostId: string; bootstrapped: boolean; decommissioned: boolean; tokens: string[] }

interface SimNode {
  pod: string;
  uid: string;
  pvcUid: string;
  ip: string;
  dc: string;
  rack: string;
  data: NodeData;
  mode: NodeInfo['operationMode'];
  ticks: number;
  autoBootstrap: boolean;
  jobs: Job[];
  startedAtMs: number;
}

let uuidSeq = 0;
function uuid(): string {
  const n = (++uuidSeq).toString(16).padStart(12, '0');
  return `00000000-0000-4000-8000-${n}`;
}

/** Fake Cassia nodes keyed by pod; data survives pod restarts through the claim's UID. */
export class FakeNodes {
  private readonly byPod = new Map<string, SimNode>();
  private readonly data = new Map<string, NodeData>();
  private readonly left = new Map<string, EndpointView>();
  keyspaces: KeyspaceInfo[] = defaultKeyspaces({ dc1: 3 });
  calls = 0;
  private jobSeq = 0;
  private readonly clock: ManualClock;
  /** Pods whose node process refuses to run (crash loop). */
  readonly broken = new Set<string>();

  constructor(clock: ManualClock) {
    this.clock = clock;
  }

  node(pod: string): SimNode | undefined {
    return this.byPod.get(pod);
  }

  all(): SimNode[] {
    return [...this.byPod.values()];
  }

  isReady(pod: string, uid: string): boolean {
    const n = this.byPod.get(pod);
    return n !== undefined && n.uid === uid && n.mode === 'NORMAL';
  }

  /** One tick of every node: starts new pods, advances joins and jobs. */
  tick(pods: readonly KubeObject[], pvcs: readonly KubeObject[], replaceMaps: ReadonlyMap<string, Record<string, string>>): void {
    const live = new Set<string>();
    for (const pod of pods) {
      const status = (pod.status ?? {}) as Any;
      if (status.phase !== 'Running' || status.podIP === undefined || this.broken.has(pod.metadata.name)) continue;
      live.add(pod.metadata.name);
      let n = this.byPod.get(pod.metadata.name);
      if (n === undefined || n.uid !== pod.metadata.uid) n = this.start(pod, pvcs, replaceMaps);
      this.advance(n);
    }
    for (const [name, n] of this.byPod) {
      if (!live.has(name)) {
        if (n.data.decommissioned) this.left.set(n.ip, this.endpoint(n, 'LEFT'));
        this.byPod.delete(name);
      }
    }
  }

  private start(pod: KubeObject, pvcs: readonly KubeObject[], replaceMaps: ReadonlyMap<string, Record<string, string>>): SimNode {
    const name = pod.metadata.name;
    const pvc = pvcs.find((p) => p.metadata.name === pvcName(name) && p.metadata.namespace === pod.metadata.namespace);
    const pvcUid = pvc?.metadata.uid ?? `none-${name}`;
    let data = this.data.get(pvcUid);
    const env = ((pod.spec as Any).containers[0].env as Any[]) ?? [];
    const autoBootstrap = env.find((e) => e.name === 'CASSIA_AUTO_BOOTSTRAP')?.value !== 'false';
    const labels = pod.metadata.labels ?? {};
    const replaced = replaceMaps.get(`${pod.metadata.namespace}/${labels[Labels.cluster]}`)?.[name];
    if (data === undefined) {
      const tokens = replaced !== undefined ? [...this.left.values(), ...this.byPod.values()].length.toString() : String(this.data.size);
      data = { hostId: uuid(), bootstrapped: false, decommissioned: false, tokens: [tokens] };
      this.data.set(pvcUid, data);
    }
    const ip = (pod.status as Any).podIP as string;
    const n: SimNode = {
      pod: name, uid: pod.metadata.uid!, pvcUid, ip, dc: labels[Labels.datacenter]!, rack: labels[Labels.rack]!, data,
      mode: data.decommissioned ? 'DECOMMISSIONED' : 'STARTING', ticks: 0, autoBootstrap, jobs: [], startedAtMs: this.clock.nowMs(),
    };
    this.byPod.set(name, n);
    return n;
  }

  private advance(n: SimNode): void {
    n.ticks++;
    if (n.mode === 'STARTING' && n.ticks >= 1) {
      if (n.data.bootstrapped || !n.autoBootstrap || this.byPod.size === 1) {
        n.mode = 'NORMAL';
        n.data.bootstrapped = true;
      } else {
        n.mode = 'JOINING';
        n.ticks = 0;
      }
    } else if (n.mode === 'JOINING' && n.ticks >= BOOTSTRAP_TICKS) {
      n.mode = 'NORMAL';
      n.data.bootstrapped = true;
    }
    for (const job of n.jobs) {
      if (TERMINAL_JOB_STATES.has(job.state)) continue;
      job.state = 'RUNNING';
      job.progress = { ...job.progress, done: job.progress.done + 1 };
      if (job.operation === 'decommission') {
        n.mode = 'LEAVING';
        if (job.progress.done >= DECOMMISSION_TICKS) {
          n.mode = 'DECOMMISSIONED';
          n.data.decommissioned = true;
          this.finishJob(job);
        }
      } else if (job.operation === 'drain') {
        n.mode = 'DRAINED';
        this.finishJob(job);
      } else {
        this.finishJob(job);
      }
    }
  }

  private finishJob(job: Job): void {
    job.state = 'SUCCEEDED';
    job.finishedAtMs = this.clock.nowMs();
    job.progress = { ...job.progress, done: job.progress.total };
  }

  private endpoint(n: SimNode, state?: EndpointView['state']): EndpointView {
    const ringState: EndpointView['state'] = state ?? (n.mode === 'JOINING' ? 'JOINING' : n.mode === 'LEAVING' ? 'LEAVING' : n.mode === 'DECOMMISSIONED' ? 'LEFT' : 'NORMAL');
    return {
      address: n.ip, hostId: n.data.hostId, datacenter: n.dc, rack: n.rack,
      status: n.mode === 'NORMAL' || n.mode === 'JOINING' || n.mode === 'LEAVING' ? 'UP' : 'DOWN',
      state: ringState, tokenCount: n.data.tokens.length, loadBytes: 1 << 20, schemaVersion: null, releaseVersion: '0.1.0',
      rpcReady: n.mode === 'NORMAL', isSelf: false, heartbeat: { generation: 1, version: 1 }, applicationStates: {},
    };
  }

  /** The management API of the node running in `pod` (as the operator's NodeApiFactory). */
  readonly factory: NodeApiFactory = ({ pod, address }) => {
    const self = this;
    const node = (): SimNode => {
      self.calls++;
      const n = self.byPod.get(pod);
      if (n === undefined || n.ip !== address) throw new ManagementApiError({ code: 'MGMT_ERR_CONNECTION', status: null, message: `${address}: connection refused` });
      return n;
    };
    const api: NodeApi = {
      async nodeInfo(): Promise<NodeInfo> {
        const n = node();
        return {
          hostId: n.mode === 'STARTING' && !n.data.bootstrapped ? null : n.data.hostId,
          clusterName: 'x', datacenter: n.dc, rack: n.rack, operationMode: n.mode, bootstrapped: n.data.bootstrapped, isSeed: false,
          listenAddress: n.ip, rpcAddress: n.ip, nativeTransportPort: 9042, storagePort: 7000, nativeTransportRunning: n.mode === 'NORMAL',
          gossipRunning: n.mode !== 'DRAINED', releaseVersion: '0.1.0', schemaVersion: null, tokens: n.data.tokens, loadBytes: 1 << 20,
          dataDisk: { totalBytes: 100 * 2 ** 30, freeBytes: 90 * 2 ** 30 }, startedAtMs: n.startedAtMs, uptimeMs: self.clock.nowMs() - n.startedAtMs,
          managementApi: { version: 'v1', revision: 1 },
        };
      },
      async clusterView(): Promise<ClusterView> {
        node();
        const endpoints = [...self.byPod.values()].map((n) => ({ ...self.endpoint(n), isSelf: n.pod === pod }));
        const live = new Set(endpoints.map((e) => e.address));
        for (const e of self.left.values()) if (!live.has(e.address)) endpoints.push(e);
        return { clusterName: 'x', partitioner: 'org.apache.cassandra.dht.Murmur3Partitioner', endpoints };
      },
      async keyspaces(): Promise<Keyspaces> {
        node();
        return { keyspaces: structuredClone(self.keyspaces) };
      },
      async jobs(): Promise<JobList> {
        return { jobs: structuredClone(node().jobs) };
      },
      async submit<O extends Operation>(operation: O, request: OperationRequest<O>): Promise<Job> {
        const n = node();
        const requestId = (request as { requestId?: string }).requestId ?? null;
        const existing = requestId === null ? undefined : n.jobs.find((j) => j.requestId === requestId);
        if (existing !== undefined) return structuredClone(existing);
        const running = n.jobs.find((j) => EXCLUSIVE_OPERATIONS.has(j.operation) && !TERMINAL_JOB_STATES.has(j.state));
        if (EXCLUSIVE_OPERATIONS.has(operation) && running !== undefined) {
          throw new ManagementApiError({ code: 'MGMT_ERR_OPERATION_IN_PROGRESS', status: 409, message: `${running.operation} running`, jobId: running.id });
        }
        const job: Job = {
          id: `job-${++self.jobSeq}`, operation, requestId, state: operation === 'seeds-reload' ? 'SUCCEEDED' : 'PENDING',
          submittedAtMs: self.clock.nowMs(), startedAtMs: null, finishedAtMs: null,
          progress: { unit: 'steps', done: 0, total: operation === 'decommission' ? DECOMMISSION_TICKS : 1, message: '' },
          error: null, cancellable: false, result: {},
        };
        n.jobs.push(job);
        if (n.jobs.length > 100) n.jobs.shift();
        return structuredClone(job);
      },
      async setReplication(keyspace: string, request: SetReplicationRequest): Promise<SetReplicationResponse> {
        node();
        const ks = self.keyspaces.find((k) => k.name === keyspace);
        if (ks === undefined) throw new ManagementApiError({ code: 'MGMT_ERR_NOT_FOUND', status: 404, message: keyspace });
        ks.replication = { class: 'NetworkTopologyStrategy', datacenters: { ...request.datacenters } };
        return { keyspace, replication: ks.replication, schemaVersion: uuid() };
      },
    };
    return api;
  };
}

export interface FakeClusterOptions {
  readonly kubeNodes?: number;
  readonly zones?: readonly string[];
  readonly log?: Logger;
}

/** The whole simulated world plus the operator's controller. */
export class FakeCluster {
  readonly api = new MemoryKubeApi();
  readonly clock = new ManualClock(Date.UTC(2026, 2, 1));
  readonly nodes: FakeNodes;
  readonly events = new MemoryEventSink();
  ctl: CassandraClusterController;
  private ipSeq = 0;
  private readonly kubeNodes: string[] = [];
  private readonly zones: readonly string[];
  private readonly log: Logger;
  passes = 0;

  constructor(options: FakeClusterOptions = {}) {
    this.nodes = new FakeNodes(this.clock);
    this.zones = options.zones ?? ['z1', 'z2', 'z3'];
    this.log = options.log ?? silentLogger;
    this.api.nowIso = () => new Date(this.clock.nowMs()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    for (let i = 0; i < (options.kubeNodes ?? 12); i++) this.kubeNodes.push(`knode-${i}`);
    this.ctl = this.newController();
  }

  private newController(): CassandraClusterController {
    let seq = 0;
    return createCassandraClusterController({
      api: this.api, clock: this.clock, log: this.log, events: this.events, clusterDomain: 'cluster.local',
      nodeApi: this.nodes.factory, randomHex: (n) => (++seq).toString(16).padStart(n * 2, '0'),
    });
  }

  async start(): Promise<void> {
    for (const [i, name] of this.kubeNodes.entries()) {
      await this.api.create(Resources.node, {
        metadata: { name, labels: { 'topology.kubernetes.io/zone': this.zones[i % this.zones.length]!, 'kubernetes.io/hostname': name } },
        status: { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: this.api.nowIso() }] },
      });
    }
    await this.ctl.cache.start();
  }

  async stop(): Promise<void> {
    await this.ctl.cache.stop();
  }

  /** Simulates an operator restart: a fresh controller with empty caches. */
  async restartOperator(): Promise<void> {
    await this.ctl.cache.stop();
    this.ctl = this.newController();
    await this.ctl.cache.start();
  }

  async apply(spec: Partial<CassandraClusterSpecInput> & { datacenters: CassandraClusterSpecInput['datacenters'] }, name = 'prod', namespace = 'db', annotations?: Record<string, string>): Promise<void> {
    const existing = this.api.peek(Resources.cassandraCluster, namespace, name);
    const object: KubeObject = { apiVersion: 'cassia.dev/v1alpha1', kind: 'CassandraCluster', metadata: { name, namespace }, spec: { clusterName: 'Prod', ...spec } };
    if (annotations !== undefined) object.metadata.annotations = annotations;
    if (existing === undefined) await this.api.create(Resources.cassandraCluster, object);
    else await this.api.apply(Resources.cassandraCluster, object, { fieldManager: 'user' });
    await flushMicrotasks();
  }

  status(name = 'prod', namespace = 'db'): CassandraClusterStatus {
    return (this.api.peek(Resources.cassandraCluster, namespace, name)?.status ?? {}) as CassandraClusterStatus;
  }

  /** One round: controllers and nodes move, time advances, the operator makes one pass per cluster. */
  async step(): Promise<void> {
    await this.syncStatefulSets();
    await this.kubelet();
    this.nodes.tick(this.api.all(Resources.pod), this.api.all(Resources.pvc), this.replaceMaps());
    await this.kubelet();
    await this.clock.advance(STEP_MS);
    await flushMicrotasks(50);
    const signal = new AbortController().signal;
    for (const cc of this.api.all(Resources.cassandraCluster)) {
      this.passes++;
      await this.ctl.controller.processOne(`${cc.metadata.namespace}/${cc.metadata.name}`, signal);
      await flushMicrotasks(50);
    }
  }

  /** Steps until `done(status)` holds; returns the steps taken or throws after `maxSteps`. */
  async runUntil(done: (s: CassandraClusterStatus) => boolean, maxSteps = 200, name = 'prod'): Promise<number> {
    for (let i = 1; i <= maxSteps; i++) {
      await this.step();
      if (done(this.status(name))) return i;
    }
    const s = this.status(name);
    throw new Error(`not converged after ${maxSteps} steps: ${s.operation?.summary ?? 'no operation'}; ${JSON.stringify(s.conditions?.filter((c) => c.status === 'True').map((c) => `${c.type}:${c.reason}:${c.message}`))}`);
  }

  private replaceMaps(): Map<string, Record<string, string>> {
    const out = new Map<string, Record<string, string>>();
    for (const cm of this.api.all(Resources.configMap)) {
      const cluster = cm.metadata.labels?.[Labels.cluster];
      if (cluster !== undefined && cm.metadata.name === replaceConfigMapName(cluster)) out.set(`${cm.metadata.namespace}/${cluster}`, (cm.data ?? {}) as Record<string, string>);
    }
    return out;
  }

  private async syncStatefulSets(): Promise<void> {
    const pods = this.api.all(Resources.pod);
    for (const sts of this.api.all(Resources.statefulSet)) {
      const spec = sts.spec as Any;
      const ns = sts.metadata.namespace!;
      const name = sts.metadata.name;
      const replicas = spec.replicas as number;
      for (let i = 0; i < replicas; i++) {
        const pod = `${name}-${i}`;
        const claim = spec.volumeClaimTemplates[0];
        if (this.api.peek(Resources.pvc, ns, pvcName(pod)) === undefined) {
          await this.api.create(Resources.pvc, { metadata: { name: pvcName(pod), namespace: ns, labels: claim.metadata.labels }, spec: claim.spec, status: { phase: 'Bound' } });
        }
        if (this.api.peek(Resources.pod, ns, pod) === undefined) {
          await this.api.create(Resources.pod, {
            metadata: {
              name: pod, namespace: ns,
              labels: { ...spec.template.metadata.labels, 'statefulset.kubernetes.io/pod-name': pod },
              annotations: spec.template.metadata.annotations,
              ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name, uid: sts.metadata.uid!, controller: true }],
            },
            spec: structuredClone(spec.template.spec),
            status: { phase: 'Pending' },
          });
        }
      }
      for (const p of pods) {
        if (p.metadata.namespace !== ns || !p.metadata.name.startsWith(`${name}-`)) continue;
        const ordinal = Number(p.metadata.name.slice(name.length + 1));
        if (Number.isInteger(ordinal) && ordinal >= replicas) await this.api.delete(Resources.pod, ns, p.metadata.name);
      }
      const ready = this.api.all(Resources.pod).filter((p) => p.metadata.namespace === ns && p.metadata.name.startsWith(`${name}-`)
        && ((p.status as Any)?.conditions ?? []).some((c: Any) => c.type === 'Ready' && c.status === 'True')).length;
      const status = { replicas, readyReplicas: ready, observedGeneration: sts.metadata.generation };
      if (JSON.stringify(sts.status ?? {}) !== JSON.stringify(status)) await this.api.mergePatch(Resources.statefulSet, ns, name, { status }, { subresource: 'status' });
    }
  }

  private async kubelet(): Promise<void> {
    for (const pod of this.api.all(Resources.pod)) {
      const status = (pod.status ?? {}) as Any;
      const ns = pod.metadata.namespace!;
      if (status.phase === 'Pending' && status.podIP === undefined) {
        const nodeName = this.kubeNodes[this.ipSeq % this.kubeNodes.length]!;
        const ip = `10.1.${(this.ipSeq >> 8) & 255}.${this.ipSeq & 255}`;
        this.ipSeq++;
        await this.api.mergePatch(Resources.pod, ns, pod.metadata.name, { spec: { nodeName } });
        await this.api.mergePatch(Resources.pod, ns, pod.metadata.name, {
          status: { phase: 'Running', podIP: ip, conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: 'False' }], containerStatuses: [{ name: 'cassia', restartCount: 0 }] },
        }, { subresource: 'status' });
        continue;
      }
      const ready = this.nodes.isReady(pod.metadata.name, pod.metadata.uid!);
      const was = (status.conditions ?? []).some((c: Any) => c.type === 'Ready' && c.status === 'True');
      if (ready !== was) {
        await this.api.mergePatch(Resources.pod, ns, pod.metadata.name, {
          status: { conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: ready ? 'True' : 'False' }] },
        }, { subresource: 'status' });
      }
    }
  }
}
