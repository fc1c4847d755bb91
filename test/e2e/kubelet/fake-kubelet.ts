// The fake kubelet: registers Nodes (zone-labelled), keeps their Leases and Ready status fresh,
// and runs every Pod bound to them through a PodWorker, publishing status and finalizing
// deletions. One instance serves all fake Nodes; pod IPs are unique across them.
import fs from 'node:fs';
import path from 'node:path';
import { isNotFound, KubeApiError, type KubeRest } from '../kube/kube-rest.ts';
import { Reflector } from '../kube/reflector.ts';
import type { ConfigMap, Pod, Secret } from '../kube/types.ts';
import type { LocalRuntime } from './container-command.ts';
import type { PodFacts } from './env.ts';
import { PodIpAllocator } from './pod-ip-allocator.ts';
import { PodWorker, forcedKillGraceMs } from './pod-worker.ts';

export const leaseDurationSeconds = 40;
export const leaseRenewMs = 10_000;
export const nodeStatusRefreshMs = 60_000;
export const defaultZones = ['zone-a', 'zone-b', 'zone-c'] as const;
export const defaultNodesPerZone = 2;
export const nodeCapacity = { cpu: '16', memory: '64Gi', pods: '110', 'ephemeral-storage': '100Gi' } as const;
export const kubeletVersion = 'v1.35.4-cassia-e2e';
const fieldManager = 'cassia-e2e-kubelet';

export type FakeNode = { name: string; zone: string; ip: string };

export type FakeKubeletOptions = {
  rest: KubeRest;
  /** Second octet of the pod addresses 127.B.x.y (the run's claimed block, pod-ip-block.ts); 0 by default. */
  podIpSecondOctet?: number;
  /** Per-pod folders live under <stateDir>/pods. */
  stateDir: string;
  /** Container logs: <logDir>/<ns>_<pod>_<uid8>/<container>-<restart>.log */
  logDir: string;
  zones?: readonly string[];
  nodesPerZone?: number;
  runtime: LocalRuntime;
  dnsServer: string;
  apiServer: { host: string; port: number; caPem: string };
  log: (msg: string) => void;
};

export class FakeKubelet {
  readonly nodes: FakeNode[];
  private readonly options: FakeKubeletOptions;
  private readonly rest: KubeRest;
  private readonly ips: PodIpAllocator;
  private readonly workers = new Map<string, PodWorker>();
  private readonly nodeByName = new Map<string, FakeNode>();
  private readonly pods: Reflector<Pod>;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly syncing = new Map<string, { dirty: boolean }>();
  private readonly lastSent = new Map<string, string>();
  private stopping = false;

  private constructor(options: FakeKubeletOptions) {
    this.options = options;
    this.rest = options.rest;
    this.ips = new PodIpAllocator({ secondOctet: options.podIpSecondOctet ?? 0 });
    const zones = options.zones ?? defaultZones;
    const perZone = options.nodesPerZone ?? defaultNodesPerZone;
    this.nodes = [];
    let n = 0;
    for (const zone of zones) {
      for (let i = 0; i < perZone; i++) {
        n++;
        const node = { name: `e2e-${zone}-${i}`, zone, ip: `127.0.1.${n}` };
        this.nodes.push(node);
        this.nodeByName.set(node.name, node);
      }
    }
    this.pods = new Reflector<Pod>({
      rest: this.rest,
      path: '/api/v1/pods',
      handlers: { upsert: (pod) => this.onPod(pod), delete: (pod) => this.onPodDeleted(pod) },
      onError: (err) => this.options.log(`kubelet pod watch error: ${String(err)}`),
    });
  }

  static async start(options: FakeKubeletOptions): Promise<FakeKubelet> {
    const k = new FakeKubelet(options);
    fs.mkdirSync(path.join(options.stateDir, 'pods'), { recursive: true });
    await Promise.all(k.nodes.map((n) => k.registerNode(n)));
    await k.renewLeases();
    k.timers.push(setInterval(() => void k.renewLeases(), leaseRenewMs));
    k.timers.push(setInterval(() => void Promise.all(k.nodes.map((n) => k.postNodeStatus(n))).catch((e: unknown) => k.options.log(String(e))), nodeStatusRefreshMs));
    await k.pods.start();
    return k;
  }

  private async registerNode(node: FakeNode): Promise<void> {
    const body = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: node.name,
        labels: {
          'kubernetes.io/hostname': node.name,
          'kubernetes.io/os': 'linux',
          'kubernetes.io/arch': process.arch === 'arm64' ? 'arm64' : 'amd64',
          'topology.kubernetes.io/zone': node.zone,
          'topology.kubernetes.io/region': 'local',
          'node.cassia.dev/e2e': 'true',
        },
        annotations: { 'node.alpha.kubernetes.io/ttl': '0' },
      },
      spec: {},
    };
    try {
      await this.rest.create('/api/v1/nodes', body);
    } catch (err) {
      if (!(err instanceof KubeApiError && err.statusCode === 409)) throw err;
    }
    await this.postNodeStatus(node);
  }

  private async postNodeStatus(node: FakeNode): Promise<void> {
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const cond = (type: string, status: 'True' | 'False', reason: string, message: string): Record<string, string> => ({
      type,
      status,
      reason,
      message,
      lastHeartbeatTime: now,
      lastTransitionTime: this.nodeTransition(node.name, type, now),
    });
    await this.rest.patch(`/api/v1/nodes/${node.name}/status`, {
      status: {
        capacity: nodeCapacity,
        allocatable: nodeCapacity,
        conditions: [
          cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
          cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
          cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
          cond('NetworkUnavailable', 'False', 'RouteCreated', 'loopback network'),
          cond('Ready', 'True', 'KubeletReady', 'cassia e2e kubelet is posting ready status'),
        ],
        addresses: [
          { type: 'InternalIP', address: node.ip },
          { type: 'Hostname', address: node.name },
        ],
        daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
        nodeInfo: {
          machineID: node.name,
          systemUUID: node.name,
          bootID: node.name,
          kernelVersion: 'cassia-e2e',
          osImage: 'cassia e2e local processes',
          containerRuntimeVersion: 'cassia-e2e://1',
          kubeletVersion,
          kubeProxyVersion: '',
          operatingSystem: 'linux',
          architecture: process.arch === 'arm64' ? 'arm64' : 'amd64',
        },
        phase: 'Running',
      },
    });
  }

  private readonly transitions = new Map<string, string>();
  private nodeTransition(node: string, type: string, now: string): string {
    const key = `${node}/${type}`;
    const t = this.transitions.get(key) ?? now;
    this.transitions.set(key, t);
    return t;
  }

  private async renewLeases(): Promise<void> {
    const renewTime = microTime(new Date());
    await Promise.all(
      this.nodes.map(async (n) => {
        try {
          await this.rest.apply(
            `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${n.name}`,
            {
              apiVersion: 'coordination.k8s.io/v1',
              kind: 'Lease',
              metadata: { name: n.name, namespace: 'kube-node-lease' },
              spec: { holderIdentity: n.name, leaseDurationSeconds, renewTime },
            },
            fieldManager,
          );
        } catch (err) {
          if (!this.stopping) this.options.log(`lease renew for ${n.name} failed: ${String(err)}`);
        }
      }),
    );
  }

  private onPod(pod: Pod): void {
    if (this.stopping) return;
    const nodeName = pod.spec.nodeName;
    if (!nodeName) return;
    const node = this.nodeByName.get(nodeName);
    if (!node) return;
    const uid = pod.metadata.uid ?? '';
    const existing = this.workers.get(uid);
    if (existing) {
      existing.update(pod);
      return;
    }
    const phase = pod.status?.phase;
    if (pod.metadata.deletionTimestamp && (phase === 'Succeeded' || phase === 'Failed' || phase === undefined || phase === 'Pending')) {
      // Nothing of ours runs for it: confirm the deletion right away.
      void this.finalize(pod);
      return;
    }
    if (phase === 'Succeeded' || phase === 'Failed') return;
    const podIP = this.ips.allocate(uid);
    const facts: PodFacts = { podIP, hostIP: node.ip, nodeCpu: nodeCapacity.cpu, nodeMemory: nodeCapacity.memory };
    const o = this.options;
    const worker = new PodWorker({
      pod,
      podIP,
      hostIP: node.ip,
      podDir: path.join(o.stateDir, 'pods', uid),
      facts,
      host: {
        runtime: o.runtime,
        volumes: { rest: this.rest, facts },
        envLookups: {
          configMap: (ns, name) => this.rest.getOrNull<ConfigMap>(`/api/v1/namespaces/${ns}/configmaps/${name}`),
          secret: (ns, name) => this.rest.getOrNull<Secret>(`/api/v1/namespaces/${ns}/secrets/${name}`),
        },
        dnsServer: o.dnsServer,
        apiServer: o.apiServer,
        logDir: o.logDir,
        log: o.log,
        statusChanged: (w) => this.syncStatus(w),
      },
    });
    this.workers.set(uid, worker);
    o.log(`pod ${worker.name} -> ${nodeName} ip ${podIP}`);
    worker.start();
    if (pod.metadata.deletionTimestamp) worker.update(pod);
    void worker.done.then(() => this.onWorkerDone(worker));
  }

  private onPodDeleted(pod: Pod): void {
    const w = this.workers.get(pod.metadata.uid ?? '');
    if (!w) return;
    // Force-deleted (or deleted by us): stop the processes, no API calls needed.
    w.pod = { ...w.pod, metadata: { ...w.pod.metadata, deletionTimestamp: new Date().toISOString() } };
    void w.forceStop();
  }

  private async onWorkerDone(w: PodWorker): Promise<void> {
    // Publish the final container states, then confirm the deletion to the API server.
    await this.flushStatus(w);
    if (!this.stopping) await this.finalize(w.pod);
    this.workers.delete(w.uid);
    this.ips.release(w.uid);
    this.lastSent.delete(w.uid);
    fs.rmSync(w.podDir, { recursive: true, force: true });
  }

  private async finalize(pod: Pod): Promise<void> {
    const ns = pod.metadata.namespace ?? 'default';
    try {
      await this.rest.delete(`/api/v1/namespaces/${ns}/pods/${pod.metadata.name}`, {
        apiVersion: 'v1',
        kind: 'DeleteOptions',
        gracePeriodSeconds: 0,
        preconditions: { uid: pod.metadata.uid },
      });
    } catch (err) {
      // 409: a different pod with that name exists already (ours is gone).
      if (!(err instanceof KubeApiError && err.statusCode === 409)) this.options.log(`deleting pod ${ns}/${pod.metadata.name} failed: ${String(err)}`);
    }
  }

  /** Coalesces status publications per pod: at most one request in flight, then the latest. */
  private syncStatus(w: PodWorker): void {
    if (this.stopping) return;
    const entry = this.syncing.get(w.uid);
    if (entry) {
      entry.dirty = true;
      return;
    }
    const state = { dirty: false };
    this.syncing.set(w.uid, state);
    void (async () => {
      try {
        do {
          state.dirty = false;
          await this.sendStatus(w);
        } while (state.dirty && !this.stopping);
      } finally {
        this.syncing.delete(w.uid);
      }
    })();
  }

  private async flushStatus(w: PodWorker): Promise<void> {
    for (let i = 0; i < 100 && this.syncing.has(w.uid); i++) await new Promise((r) => setTimeout(r, 20));
    if (!this.stopping) await this.sendStatus(w);
  }

  private async sendStatus(w: PodWorker): Promise<void> {
    const status = w.buildStatus();
    const json = JSON.stringify(status, (k, v: unknown) => (k === 'lastHeartbeatTime' ? undefined : v));
    if (this.lastSent.get(w.uid) === json) return;
    const ns = w.pod.metadata.namespace ?? 'default';
    try {
      // metadata.uid makes the patch fail (422) if the name now belongs to a newer pod.
      await this.rest.patch(`/api/v1/namespaces/${ns}/pods/${w.pod.metadata.name}/status`, { metadata: { uid: w.uid }, status });
      this.lastSent.set(w.uid, json);
    } catch (err) {
      if (isNotFound(err) || (err instanceof KubeApiError && (err.statusCode === 422 || err.statusCode === 409))) return;
      this.options.log(`status update of ${w.name} failed: ${String(err)}`);
    }
  }

  /** Pods currently run by this kubelet (for diagnostics). */
  describe(): string[] {
    return [...this.workers.values()].map((w) => `${w.name} ${w.podIP} ${w.buildStatus().phase}`);
  }

  /** Stops every pod's processes (no API calls) and the watches. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const t of this.timers) clearInterval(t);
    await this.pods.stop();
    await Promise.all([...this.workers.values()].map((w) => w.terminate(forcedKillGraceMs)));
  }
}

/** MicroTime as the API expects it: RFC 3339 with exactly six fractional digits. */
export function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
