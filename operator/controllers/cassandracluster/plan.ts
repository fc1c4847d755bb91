// plan(): desired + observed -> the next safe step, as data. Pure: no I/O, no clock (time comes
// from Observed.nowMs), no randomness. The topology operation in progress lives in
// status.operation (a journal written before each step is performed), so any pass may be
// interrupted and the next one resumes; management API jobs carry a requestId derived from the
// journal, so a step re-issued after a crash returns the job already started instead of a second.
//
// Order of a pass: validate the spec; continue the journal's operation, or start the most urgent
// one (stop, resume, replace a dead node, remove a DC, add a DC, scale down, scale up, cleanup,
// rolling restart); advance scheduled repair when no operation runs; choose seeds; build every
// desired object; compute status. Refusals (replication factor, disk, a DC still replicated) set
// Blocked with a reason and an event, and planning continues with what is still allowed.
import type { Job, Operation as NodeOperation } from '../../../node-image/src/management/contract/index.ts';
import { datacenterStorage, type CassandraClusterStatus, type Condition, type Datacenter, type NodeStatus, type Operation, type OperationRecord, type OperationType } from '../../api/index.ts';
import { Resources, type KubeObject, type ResourceRef } from '../../runtime/index.ts';
import {
  MANAGED_SYSTEM_KEYSPACES,
  buildCassiaConfig,
  buildClientService,
  buildConfigMap,
  buildNodesService,
  buildPodDisruptionBudget,
  buildReplaceConfigMap,
  buildRole,
  buildRoleBinding,
  buildSeedService,
  buildServiceAccount,
  buildStatefulSet,
  configMapName,
  findReservedConfigKeys,
  ordinalOf,
  pdbName,
  podName,
  pvcName,
  renderCassiaYaml,
  restartInputs,
  restartReason,
  stableStringify,
  stsName,
} from '../../specs/index.ts';
import { nextCronTime } from './cron.ts';
import type { Observed } from './observe.ts';
import { compareQuantities } from './quantity.ts';
import { ConditionType, OPERATION_CONDITION, Reason, getCondition, setCondition, sortConditions } from './status.ts';
import {
  addressOf,
  checkDiskForDecommission,
  clusterHealth,
  computeSeeds,
  expectedPods,
  hostIdOf,
  isBootstrapped,
  isNormal,
  rackStates,
  replicationViolations,
  type RackState,
} from './topology.ts';

export interface PlanOptions {
  readonly clusterDomain: string;
  /**
   * Optional cache of per-DC rendered config and restart inputs, keyed by the cluster's uid,
   * generation and restart annotation (the spec cannot change without a new generation).
   */
  readonly memo?: PlanMemo;
}

/** Rendered cassia.yaml and restart inputs per DC, reused across passes of one generation. */
export class PlanMemo {
  private readonly entries = new Map<string, { yaml: Map<string, string>; inputs: Map<string, Record<string, string>> }>();
  static readonly ENTRIES_MAX = 1024;

  get(key: string): { yaml: Map<string, string>; inputs: Map<string, Record<string, string>> } | undefined {
    return this.entries.get(key);
  }

  set(key: string, value: { yaml: Map<string, string>; inputs: Map<string, Record<string, string>> }): void {
    this.entries.set(key, value);
    if (this.entries.size > PlanMemo.ENTRIES_MAX) this.entries.delete(this.entries.keys().next().value!);
  }
}

export type NodeCall =
  | { readonly kind: 'submit'; readonly pod: string; readonly operation: NodeOperation; readonly request: Record<string, unknown> }
  | { readonly kind: 'setReplication'; readonly pod: string; readonly keyspace: string; readonly datacenters: Record<string, number> };

export interface PlannedDelete {
  readonly ref: ResourceRef;
  readonly name: string;
  readonly uid?: string;
  readonly gracePeriodSeconds?: number;
}

export interface PlannedPatch {
  readonly ref: ResourceRef;
  readonly name: string;
  readonly patch: unknown;
}

export interface PlannedEvent {
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
}

export interface Plan {
  /** Desired objects, applied with server-side apply (idempotent). */
  readonly objects: KubeObject[];
  readonly patches: PlannedPatch[];
  readonly deletes: PlannedDelete[];
  readonly ensureSecrets: Array<'managementToken' | 'superuser'>;
  readonly podLabels: Array<{ pod: string; seed: boolean }>;
  readonly nodeCalls: NodeCall[];
  /** The next status; written first (with the observed resourceVersion) when it changed. */
  readonly status: CassandraClusterStatus;
  readonly events: PlannedEvent[];
  readonly requeueAfterMs: number;
}

export const REQUEUE_ACTIVE_MS = 5_000;
export const REQUEUE_IDLE_MS = 60_000;
export const REQUEUE_REPAIR_MS = 15_000;
/** A failed decommission/add is not retried for this long (unless the spec changes). */
export const RETRY_AFTER_FAILURE_MS = 10 * 60_000;
/** Stop proceeds to scale to zero after this long even if some drains did not finish. */
export const STOP_DRAIN_TIMEOUT_MS = 5 * 60_000;
/** How long a decommissioned node's LEFT may take to reach the ring view before its pod is removed anyway. */
export const LEFT_PROPAGATION_WAIT_MS = 60_000;
const LEFT_PROPAGATION_PROGRESS = 'left; waiting for the ring to see LEFT';
/** Rebuild attempts per pod when adding a DC. */
export const REBUILD_ATTEMPTS_MAX = 3;
/** Restarts of a container after which a node is reported as not starting. */
export const CRASH_RESTARTS_DEGRADED = 3;
/**
 * Exit code of a node that refuses its configuration (node-image/src/main.ts: a ConfigError or an
 * unreadable cassia.yaml), with the reason on stderr (e.g. TLS requested from a node version that
 * does not implement it).
 */
export const NODE_EXIT_CONFIG_REFUSED = 2;
/** Characters of the node's own explanation kept in the Valid condition. */
const NODE_REFUSAL_CHARS_MAX = 400;
/**
 * Managed system keyspaces a DC change may go on without when the node refuses to change their
 * replication (e.g. a node version that presents them without storing them): tracing and
 * repair history. system_auth is never skipped (logins in the new DC depend on it).
 */
export const BEST_EFFORT_SYSTEM_KEYSPACES: readonly string[] = ['system_distributed', 'system_traces'];
/** Replication factor the operator gives system keyspaces in a new DC (capped by its size). */
export const SYSTEM_KEYSPACE_RF_MAX = 3;
const LOAD_ROUNDING_BYTES = 2 ** 20;

type Outcome = 'started' | 'waiting' | 'blocked' | 'none';
type JobLookup = Job | 'absent' | 'unknown';

function sameRecord(a: Readonly<Record<string, string>> | undefined, b: Readonly<Record<string, string>>): boolean {
  if (a === undefined) return false;
  const keys = Object.keys(b);
  if (Object.keys(a).length !== keys.length) return false;
  for (const k of keys) if (a[k] !== b[k]) return false;
  return true;
}

/**
 * The node's reason from a termination message (a log tail): its last `cassia: ...` line, else the
 * last non-empty line; bounded.
 */
export function nodeRefusalText(message: string | undefined): string | undefined {
  if (message === undefined) return undefined;
  const lines = message.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const line = lines.findLast((l) => l.startsWith('cassia: ')) ?? lines.at(-1);
  if (line === undefined) return undefined;
  const text = line.replace(/^cassia: /, '');
  return text.length > NODE_REFUSAL_CHARS_MAX ? `${text.slice(0, NODE_REFUSAL_CHARS_MAX - 3)}...` : text;
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const clone = <T>(v: T): T => structuredClone(v);

export function plan(o: Observed, options: PlanOptions): Plan {
  return new Planner(o, options).run();
}

class Planner {
  private readonly o: Observed;
  private readonly options: PlanOptions;
  private readonly name: string;
  private readonly now: string;
  private readonly prev: CassandraClusterStatus;
  private readonly prevNodes: ReadonlyMap<string, NodeStatus>;
  private readonly out: Plan;
  private op: Operation | undefined;
  private nextOpId: number;
  private history: OperationRecord[];
  private pendingCleanup: string[];
  private readonly replicas = new Map<string, number>();
  private readonly dcPhase = new Map<string, 'Pending' | 'Joining' | 'Ready' | 'Removing'>();
  private readonly inputs = new Map<string, Record<string, string>>();
  private readonly configYaml = new Map<string, string>();
  private blocked: { reason: string; message: string } | undefined;
  private waiting: { reason: string; message: string } | undefined;
  private readonly degraded: string[] = [];
  private invalid: { reason: string; message: string } | undefined;
  private readonly removedDcs: string[];
  /** Operation ids, repair-run ids and `<op>/<pod>` pairs born in this pass (no job can exist). */
  private readonly freshIds = new Set<string>();

  constructor(o: Observed, options: PlanOptions) {
    this.o = o;
    this.options = options;
    this.name = o.cc.metadata.name;
    this.now = iso(o.nowMs);
    // Only the parts a pass mutates are copied (the journal and the repair run), not the nodes.
    const status = o.cc.status ?? {};
    this.prev = { ...status, ...(status.operation ? { operation: clone(status.operation) } : {}) };
    this.op = this.prev.operation;
    this.nextOpId = this.prev.nextOperationId ?? 1;
    this.history = this.prev.history ?? [];
    this.prevNodes = new Map((this.prev.nodes ?? []).map((n) => [n.pod, n]));
    this.pendingCleanup = [...(this.prev.pendingCleanup ?? [])];
    const specDcs = new Set(o.cc.spec.datacenters.map((d) => d.name));
    this.removedDcs = [...new Set([...o.statefulSets.values()].map((s) => s.dc))].filter((dc) => !specDcs.has(dc)).sort();
    this.out = {
      objects: [], patches: [], deletes: [], ensureSecrets: [], podLabels: [], nodeCalls: [], events: [],
      status: {}, requeueAfterMs: REQUEUE_IDLE_MS,
    };
  }

  run(): Plan {
    const cc = this.o.cc;
    if (cc.metadata.annotations?.['cassia.dev/paused'] === 'true') return this.paused();
    this.validate();
    this.checkNodeRefusals();
    this.computeDcPhases();
    this.computeInputs();
    if (!this.o.secrets.managementToken) this.out.ensureSecrets.push('managementToken');
    if (cc.spec.auth.enabled && cc.spec.auth.superuserSecretName === undefined && !this.o.secrets.superuser) this.out.ensureSecrets.push('superuser');

    this.restartStuckPods();
    if (this.op !== undefined) this.stepOperation();
    if (this.op === undefined) this.startOperation();
    const repairStatus = this.stepRepair();
    const seeds = this.chooseSeeds();
    this.buildObjects();
    this.buildStatus(seeds, repairStatus);
    const active = this.op !== undefined || this.waiting !== undefined;
    (this.out as { requeueAfterMs: number }).requeueAfterMs = active ? REQUEUE_ACTIVE_MS : repairStatus?.current !== undefined ? REQUEUE_REPAIR_MS : REQUEUE_IDLE_MS;
    return this.out;
  }

  // ---------------------------------------------------------------------------------------------
  // Validation, phases, inputs

  private paused(): Plan {
    const status = clone(this.prev);
    const conditions = status.conditions ?? [];
    setCondition(conditions, { type: ConditionType.Progressing, status: 'False', reason: Reason.Paused, message: 'reconciliation paused by annotation cassia.dev/paused' }, { nowIso: this.now, generation: this.o.cc.metadata.generation });
    status.conditions = sortConditions(conditions);
    return { ...this.out, status, requeueAfterMs: REQUEUE_IDLE_MS };
  }

  private validate(): void {
    const reserved = findReservedConfigKeys(this.o.cc);
    if (reserved.length > 0) {
      this.invalid = { reason: Reason.ReservedConfigKeys, message: `config keys owned by the operator are ignored: ${reserved.join(', ')}` };
    }
    for (const dc of this.o.cc.spec.datacenters) {
      const size = datacenterStorage(this.o.cc.spec, dc).size;
      for (const rack of dc.racks) {
        const sts = this.o.statefulSets.get(stsName(this.name, dc.name, rack.name));
        if (sts === undefined) continue;
        const cmp = compareQuantities(size, sts.claimStorage);
        if (cmp !== undefined && cmp < 0) {
          this.invalid = { reason: Reason.StorageShrinkRefused, message: `storage of ${dc.name} cannot shrink from ${sts.claimStorage} to ${size}` };
        } else if (cmp !== undefined && cmp > 0) {
          for (let i = 0; i < sts.replicas; i++) {
            const pvc = this.o.pvcs.get(pvcName(podName(sts.name, i)));
            const c = compareQuantities(size, pvc?.requestedStorage);
            if (pvc !== undefined && !pvc.deleting && c !== undefined && c > 0) {
              this.out.patches.push({ ref: Resources.pvc, name: pvc.name, patch: { spec: { resources: { requests: { storage: size } } } } });
            }
          }
        }
      }
    }
  }

  /**
   * A node pod that is not ready and whose container last exited with NODE_EXIT_CONFIG_REFUSED
   * runs a node that refuses the configuration the spec renders: Valid=False with the node's own
   * reason (from the termination message) so the user sees which requested feature this node
   * version does not support. The pod keeps crash-looping until the spec or the image changes.
   */
  private checkNodeRefusals(): void {
    if (this.invalid !== undefined) return;
    const refused = [...this.o.pods.values()]
      .filter((p) => !p.ready && !p.deleting && p.lastTermination?.exitCode === NODE_EXIT_CONFIG_REFUSED)
      .sort((a, b) => a.name.localeCompare(b.name));
    const first = refused[0];
    if (first === undefined) return;
    const explanation = nodeRefusalText(first.lastTermination!.message);
    const hints: string[] = [];
    const tls = this.o.cc.spec.tls;
    if (tls?.clientSecretName !== undefined || tls?.internodeSecretName !== undefined) hints.push('spec.tls is set: check that this node image supports TLS');
    const pods = refused.length === 1 ? `pod ${first.name}` : `pods ${refused.slice(0, 3).map((p) => p.name).join(', ')}${refused.length > 3 ? ', ...' : ''}`;
    this.invalid = {
      reason: Reason.NodeRefusedConfiguration,
      message: `${pods}: the node refused its configuration (exit code ${NODE_EXIT_CONFIG_REFUSED})${explanation === undefined ? '; see the pod log' : `: ${explanation}`}${hints.length > 0 ? ` (${hints.join('; ')})` : ''}`,
    };
  }

  private computeDcPhases(): void {
    const prevDcs = this.prev.datacenters ?? [];
    const anyReady = prevDcs.some((d) => d.phase === 'Ready');
    for (const dc of this.o.cc.spec.datacenters) {
      const prev = prevDcs.find((d) => d.name === dc.name)?.phase;
      this.dcPhase.set(dc.name, prev === undefined || prev === 'Removing' ? (anyReady ? 'Joining' : 'Pending') : prev);
    }
    for (const dc of this.removedDcs) this.dcPhase.set(dc, 'Removing');
  }

  private computeInputs(): void {
    const meta = this.o.cc.metadata;
    const key = `${meta.uid ?? meta.name}/${meta.generation ?? 0}/${meta.annotations?.['cassia.dev/restart-requested'] ?? ''}/${this.options.clusterDomain}`;
    const cached = meta.generation === undefined ? undefined : this.options.memo?.get(key);
    if (cached !== undefined) {
      for (const [k, v] of cached.yaml) this.configYaml.set(k, v);
      for (const [k, v] of cached.inputs) this.inputs.set(k, v);
      return;
    }
    for (const dc of this.o.cc.spec.datacenters) {
      const yaml = renderCassiaYaml(buildCassiaConfig(this.o.cc, dc, { clusterDomain: this.options.clusterDomain }));
      this.configYaml.set(dc.name, yaml);
      this.inputs.set(dc.name, restartInputs(this.o.cc, dc, yaml));
    }
    this.options.memo?.set(key, { yaml: new Map(this.configYaml), inputs: new Map(this.inputs) });
  }

  private dcSpec(name: string | undefined): Datacenter | undefined {
    return this.o.cc.spec.datacenters.find((d) => d.name === name);
  }

  // ---------------------------------------------------------------------------------------------
  // Journal helpers

  private newOp(type: OperationType, fields: Partial<Operation> & { phase: string }): Operation {
    const op: Operation = {
      id: `op-${this.nextOpId++}`,
      type,
      startedAt: this.now,
      lastProgressAt: this.now,
      attempts: 0,
      summary: '',
      ...fields,
    };
    this.op = op;
    this.freshIds.add(op.id);
    this.summarize();
    return op;
  }

  private summarize(): void {
    const op = this.op;
    if (op === undefined) return;
    const where = [op.datacenter, op.rack].filter((x) => x !== undefined).join('/');
    const text = `${op.type}${where ? ` ${where}` : ''}${op.pod ? ` ${op.pod}` : ''}: ${op.phase}${op.progress ? ` (${op.progress})` : ''}`;
    op.summary = text.length > 256 ? `${text.slice(0, 253)}...` : text;
  }

  /** Records progress; lastProgressAt moves only when something visible changed. */
  private progress(fields: Partial<Operation>): void {
    const op = this.op!;
    const before = stableStringify({ phase: op.phase, pod: op.pod, progress: op.progress, pods: op.pods, lastError: op.lastError, attempts: op.attempts });
    // A pod the journal takes up in this pass has no job of this operation yet.
    if (fields.pod !== undefined && fields.pod !== op.pod) this.freshIds.add(`${op.id}/${fields.pod}`);
    // A new step starts without the previous step's error.
    if (!('lastError' in fields) && ((fields.phase !== undefined && fields.phase !== op.phase) || ('pod' in fields && fields.pod !== op.pod))) delete op.lastError;
    Object.assign(op, fields);
    const after = stableStringify({ phase: op.phase, pod: op.pod, progress: op.progress, pods: op.pods, lastError: op.lastError, attempts: op.attempts });
    if (before !== after) op.lastProgressAt = this.now;
    this.summarize();
  }

  private finish(result: OperationRecord['result'], message: string): void {
    const op = this.op!;
    this.history = [{ id: op.id, type: op.type, result, startedAt: op.startedAt, finishedAt: this.now, message: message.slice(0, 1024) }, ...this.history].slice(0, 10);
    this.op = undefined;
  }

  private event(type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.out.events.push({ type, reason, message });
  }

  private requestId(verb: string, pod: string): string {
    const op = this.op!;
    const uid = (this.o.cc.metadata.uid ?? '').slice(0, 8);
    return `${uid}/${op.id}/${pod}/${verb}.${op.attempts}`;
  }

  private findJob(pod: string, requestId: string): JobLookup {
    // An id born in this pass cannot have jobs yet, whatever the node was asked before.
    if ([...this.freshIds].some((marker) => requestId.includes(`/${marker}/`))) return 'absent';
    const jobs = this.o.jobs.get(pod);
    if (jobs === undefined) return 'unknown';
    return jobs.find((j) => j.requestId === requestId) ?? 'absent';
  }

  private submit(pod: string, operation: NodeOperation, request: Record<string, unknown>): void {
    this.out.nodeCalls.push({ kind: 'submit', pod, operation, request });
  }

  private mode(pod: string): string | undefined {
    const info = this.o.nodeInfo.get(pod);
    return info?.ok === true ? info.info.operationMode : undefined;
  }

  private recentFailure(type: OperationType, match: string): boolean {
    const last = this.history.find((h) => h.type === type);
    if (last === undefined || last.result !== 'Failed' || !last.message.includes(match)) return false;
    return this.o.nowMs - Date.parse(last.finishedAt) < RETRY_AFTER_FAILURE_MS;
  }

  private wait(reason: string, message: string): 'waiting' {
    this.waiting = { reason, message };
    return 'waiting';
  }

  private block(reason: string, message: string): 'blocked' {
    this.blocked ??= { reason, message };
    return 'blocked';
  }

  // ---------------------------------------------------------------------------------------------
  // Starting operations

  private startOperation(): void {
    const attempts: Array<() => Outcome> = [
      () => this.startStop(),
      () => (this.o.cc.spec.stopped ? 'waiting' : 'none'),
      () => this.startResume(),
      () => this.startVolumeLossReplacement(),
      () => this.startReplace(),
      () => this.startRemoveDatacenter(),
      () => this.startAddDatacenter(),
      () => this.startScaleDown('shrink'),
      () => this.startScaleUp(),
      () => this.startScaleDown('rebalance'),
      () => this.startCleanup(),
      () => this.startRollingRestart(),
    ];
    for (const attempt of attempts) {
      const outcome = attempt();
      if (outcome === 'started' || outcome === 'waiting') return;
    }
  }

  private startStop(): Outcome {
    if (!this.o.cc.spec.stopped) return 'none';
    const running = [...this.o.pods.values()].filter((p) => !p.deleting).map((p) => p.name).sort();
    const anyReplicas = [...this.o.statefulSets.values()].some((s) => s.replicas > 0);
    if (running.length === 0 && !anyReplicas) return 'none';
    const op = this.newOp('Stop', { phase: 'Draining', pods: running.filter((p) => isNormal(this.o, p)) });
    for (const pod of op.pods ?? []) this.submit(pod, 'drain', { requestId: this.requestId('drain', pod) });
    this.event('Normal', Reason.Stopping, `stopping: draining ${op.pods?.length ?? 0} node(s), then scaling every rack to zero (volumes kept)`);
    return 'started';
  }

  private startResume(): Outcome {
    const sts = [...this.o.statefulSets.values()];
    if (sts.length === 0 || sts.some((s) => s.replicas > 0)) return 'none';
    const known = (this.prev.nodes ?? []).filter((n) => n.hostId !== undefined && this.dcSpec(n.datacenter) !== undefined);
    if (known.length === 0) return 'none';
    const pods = known.map((n) => n.pod).sort();
    this.newOp('Resume', { phase: 'Starting', pods, progress: `0/${pods.length} ready` });
    this.applyResumeReplicas();
    this.event('Normal', Reason.Resuming, `resuming ${pods.length} node(s); bootstrapped nodes start in parallel`);
    return 'started';
  }

  private applyResumeReplicas(): void {
    for (const pod of this.op?.pods ?? []) {
      for (const s of this.o.statefulSets.values()) {
        const ordinal = ordinalOf(pod, s.name);
        if (ordinal !== undefined) this.replicas.set(s.name, Math.max(this.replicas.get(s.name) ?? s.replicas, ordinal + 1));
      }
    }
  }

  /** When a pod counts as lost (unschedulable, or its Kubernetes node gone or NotReady). */
  private lostSinceMs(pod: string): number | undefined {
    const p = this.o.pods.get(pod);
    // Only a node that holds data can be lost; a new pod that cannot be scheduled is just Pending.
    if (p === undefined || !isBootstrapped(this.o, pod)) return undefined;
    let since = p.unschedulableSinceMs;
    if (p.nodeName !== undefined) {
      const node = this.o.k8sNodes.get(p.nodeName);
      if (node !== undefined && !node.ready) since = Math.min(since ?? Infinity, node.notReadySinceMs ?? this.o.nowMs);
    }
    if (since === undefined) return undefined;
    const prev = this.prevNodes.get(pod)?.lostSince;
    return prev !== undefined ? Math.min(since, Date.parse(prev)) : since;
  }

  /**
   * A pod whose node was NORMAL before (host id and address known) came back without its data
   * volume (the claim was deleted or lost): the new node finds its former address in the standing
   * `<cc>-replace` entry and replaces it (same tokens, streamed from the replicas). Nothing to do
   * but record it in the journal and wait for NORMAL; when it already finished unseen, only the
   * history records it.
   */
  private startVolumeLossReplacement(): Outcome {
    for (const p of [...this.o.pods.values()].sort((a, b) => a.name.localeCompare(b.name))) {
      const prev = this.prevNodes.get(p.name);
      const info = this.o.nodeInfo.get(p.name);
      if (p.deleting || prev?.hostId === undefined || prev.lastNormalAddress === undefined || info?.ok !== true) continue;
      // A restarting node may say STARTING before it has read its saved state: not yet a verdict.
      const fresh = (info.info.hostId !== null && info.info.hostId !== prev.hostId) || (!info.info.bootstrapped && info.info.operationMode !== 'STARTING');
      if (!fresh) continue;
      const why = `${p.name} came back without its data volume: the new node replaces its former self (host ${prev.hostId}, ${prev.lastNormalAddress})`;
      this.newOp('ReplaceNode', { phase: 'Replacing', datacenter: p.dc, rack: p.rack, pod: p.name, hostId: prev.hostId, address: prev.lastNormalAddress, podUid: p.uid, reason: why });
      this.event('Warning', Reason.Replacing, why);
      this.stepReplace();
      return 'started';
    }
    return 'none';
  }

  private startReplace(): Outcome {
    const spec = this.o.cc.spec;
    const candidates: Array<{ pod: string; why: string }> = [];
    for (const pod of expectedPods(this.o)) {
      const p = this.o.pods.get(pod);
      if (p?.replaceRequested === true) {
        candidates.push({ pod, why: 'requested by annotation cassia.dev/replace' });
        continue;
      }
      const lost = this.lostSinceMs(pod);
      if (spec.replacement.automatic && lost !== undefined && this.o.nowMs - lost >= spec.replacement.delaySeconds * 1000 && !isNormal(this.o, pod)) {
        candidates.push({ pod, why: `lost for ${Math.round((this.o.nowMs - lost) / 1000)} s (automatic replacement)` });
      }
    }
    const target = candidates[0];
    if (target === undefined) return 'none';
    const { pod, why } = target;
    const hostId = hostIdOf(this.o, pod);
    const address = this.prevNodes.get(pod)?.lastNormalAddress ?? this.prevNodes.get(pod)?.address ?? addressOf(this.o, pod);
    if (hostId === undefined || address === undefined) {
      return this.block(Reason.ReplacementImpossible, `${pod} cannot be replaced: it never joined the ring (no host id/address known); delete the pod to restart it instead`);
    }
    const health = clusterHealth(this.o, new Set([pod]));
    if (!health.ok) return this.wait(Reason.WaitingForHealthyCluster, `replacement of ${pod} waits for ${health.waitingFor.slice(0, 5).join(', ')}`);
    const p = this.o.pods.get(pod)!;
    this.newOp('ReplaceNode', { phase: 'Preparing', datacenter: p.dc, rack: p.rack, pod, hostId, address, podUid: p.uid, reason: why });
    this.event('Warning', Reason.Replacing, `replacing ${pod} (host ${hostId}, ${address}): ${why}`);
    return 'started';
  }

  private startRemoveDatacenter(): Outcome {
    const dc = this.removedDcs.find((d) => this.dcPhase.has(d));
    if (dc === undefined) return 'none';
    const stsOfDc = [...this.o.statefulSets.values()].filter((s) => s.dc === dc);
    if (stsOfDc.every((s) => s.replicas === 0) && ![...this.o.pods.values()].some((p) => p.dc === dc)) {
      // Already emptied (a finished removal whose objects are still being deleted): just delete.
      for (const s of stsOfDc) this.out.deletes.push({ ref: Resources.statefulSet, name: s.name });
      this.out.deletes.push({ ref: Resources.pdb, name: pdbName(this.name, dc) }, { ref: Resources.configMap, name: configMapName(this.name, dc) });
      this.dcPhase.delete(dc);
      return 'none';
    }
    if (this.o.keyspaces === undefined) return this.wait(Reason.KeyspacesUnknown, `removal of ${dc} waits for a node to report keyspaces`);
    const replicated = this.o.keyspaces.filter((ks) => !ks.system && (
      (ks.replication.class === 'NetworkTopologyStrategy' && (ks.replication.datacenters[dc] ?? 0) > 0) || ks.replication.class === 'SimpleStrategy'
    )).map((ks) => ks.name).sort();
    if (replicated.length > 0) {
      return this.block(Reason.DatacenterStillReplicated, `datacenter ${dc} cannot be removed while keyspaces replicate to it: ${replicated.join(', ')} (ALTER KEYSPACE to drop ${dc}, or switch SimpleStrategy keyspaces to NetworkTopologyStrategy)`);
    }
    const health = clusterHealth(this.o);
    if (!health.ok) return this.wait(Reason.WaitingForHealthyCluster, `removal of ${dc} waits for ${health.waitingFor.slice(0, 5).join(', ')}`);
    this.newOp('RemoveDatacenter', { phase: 'UpdatingReplication', datacenter: dc });
    this.event('Normal', Reason.RemovingDatacenter, `removing datacenter ${dc}: system keyspaces first, then its nodes one at a time`);
    this.stepRemoveDatacenter();
    return 'started';
  }

  private startAddDatacenter(): Outcome {
    const dc = this.o.cc.spec.datacenters.find((d) => this.dcPhase.get(d.name) === 'Joining');
    if (dc === undefined) return 'none';
    if (this.recentFailure('AddDatacenter', dc.name)) return this.block(Reason.RetryingLater, `adding ${dc.name} failed recently; retrying later`);
    const health = clusterHealth(this.o);
    if (!health.ok) return this.wait(Reason.WaitingForHealthyCluster, `adding ${dc.name} waits for ${health.waitingFor.slice(0, 5).join(', ')}`);
    this.newOp('AddDatacenter', { phase: 'CreatingNodes', datacenter: dc.name });
    this.event('Normal', Reason.AddingDatacenter, `adding datacenter ${dc.name} (${dc.size} nodes): join without bootstrap, extend replication, rebuild`);
    this.stepAddDatacenter();
    return 'started';
  }

  private startScaleUp(): Outcome {
    for (const dc of this.o.cc.spec.datacenters) {
      if (this.dcPhase.get(dc.name) === 'Joining') continue;
      const racks = rackStates(this.o, dc);
      const needing = racks.filter((r) => r.current < r.target);
      if (needing.length === 0) continue;
      const health = clusterHealth(this.o);
      if (!health.ok) return this.wait(Reason.WaitingForHealthyCluster, `scale-up of ${dc.name} waits for ${health.waitingFor.slice(0, 5).join(', ')}`);
      const rack = needing.reduce((a, b) => (b.current < a.current ? b : a));
      const anyBootstrapped = (this.prev.nodes ?? []).some((n) => n.hostId !== undefined) || [...this.o.pods.keys()].some((pod) => isBootstrapped(this.o, pod));
      const pod = podName(rack.sts, rack.current);
      const total = racks.reduce((n, r) => n + r.current, 0);
      this.newOp(anyBootstrapped ? 'ScaleUp' : 'Create', { phase: 'Bootstrapping', datacenter: dc.name, rack: rack.rack, pod, progress: `node ${total + 1}/${dc.size}` });
      this.replicas.set(rack.sts, rack.current + 1);
      this.event('Normal', Reason.Bootstrapping, `adding ${pod} to ${dc.name}/${rack.rack} (node ${total + 1} of ${dc.size})`);
      return 'started';
    }
    return 'none';
  }

  private startScaleDown(mode: 'shrink' | 'rebalance'): Outcome {
    for (const dc of this.o.cc.spec.datacenters) {
      if (this.dcPhase.get(dc.name) === 'Joining') continue;
      const racks = rackStates(this.o, dc);
      const total = racks.reduce((n, r) => n + r.current, 0);
      if (mode === 'shrink' && total <= dc.size) continue;
      const over = racks.filter((r) => r.current > r.target);
      if (over.length === 0) continue;
      const rack = over.reduce((a, b) => (b.current >= a.current ? b : a));
      const pod = podName(rack.sts, rack.current - 1);
      const outcome = this.tryDecommission(dc.name, rack, pod, total);
      if (outcome !== 'none') return outcome;
    }
    return 'none';
  }

  private tryDecommission(dc: string, rack: RackState, pod: string, dcTotal: number): Outcome {
    if (this.recentFailure('ScaleDown', pod)) return this.block(Reason.RetryingLater, `decommission of ${pod} failed recently; retrying after ${RETRY_AFTER_FAILURE_MS / 60_000} min`);
    const health = clusterHealth(this.o);
    if (!health.ok) return this.wait(Reason.WaitingForHealthyCluster, `scale-down of ${dc} waits for ${health.waitingFor.slice(0, 5).join(', ')}`);
    if (this.o.keyspaces === undefined) return this.wait(Reason.KeyspacesUnknown, `scale-down of ${dc} waits for a node to report keyspaces`);
    const clusterTotal = [...this.o.statefulSets.values()].reduce((n, s) => n + s.replicas, 0);
    const violations = replicationViolations(this.o, { dc, remaining: dcTotal - 1, clusterRemaining: clusterTotal - 1 });
    if (violations.length > 0) {
      return this.block(Reason.ScaleDownBelowReplicationFactor, `${dc} cannot go to ${dcTotal - 1} node(s): ${violations.join(', ')}`);
    }
    const others = expectedPods(this.o).filter((p) => p !== pod && this.o.pods.get(p)?.dc === dc);
    const disk = checkDiskForDecommission(this.o, { leaving: pod, others });
    if (disk.kind === 'unknown') return this.wait(Reason.WaitingForHealthyCluster, `scale-down of ${dc}: ${disk.message}`);
    if (disk.kind === 'short') return this.block(Reason.NotEnoughDiskToScaleDown, `the other nodes of ${dc} cannot absorb ${pod}'s data: ${disk.message}`);
    const hostId = hostIdOf(this.o, pod);
    const address = addressOf(this.o, pod);
    this.newOp('ScaleDown', { phase: 'Decommissioning', datacenter: dc, rack: rack.rack, pod, ...(hostId ? { hostId } : {}), ...(address ? { address } : {}) });
    this.submit(pod, 'decommission', { requestId: this.requestId('decommission', pod) });
    this.event('Normal', Reason.Decommissioning, `decommissioning ${pod} (${dc}/${rack.rack}): streaming its ranges to the remaining nodes`);
    return 'started';
  }

  private startCleanup(): Outcome {
    for (const dc of [...this.pendingCleanup]) {
      const spec = this.dcSpec(dc);
      if (spec === undefined) {
        this.pendingCleanup = this.pendingCleanup.filter((d) => d !== dc);
        continue;
      }
      if (rackStates(this.o, spec).some((r) => r.current !== r.target)) continue;
      const health = clusterHealth(this.o);
      if (!health.ok) return this.wait(Reason.WaitingForHealthyCluster, `cleanup of ${dc} waits for ${health.waitingFor.slice(0, 5).join(', ')}`);
      const pods = expectedPods(this.o).filter((p) => this.o.pods.get(p)?.dc === dc);
      this.newOp('Cleanup', { phase: 'CleaningUp', datacenter: dc, pods, progress: `0/${pods.length}` });
      this.event('Normal', Reason.CleanupStarted, `cleanup of ${dc}: dropping data its nodes no longer own, one node at a time`);
      this.stepCleanup();
      return 'started';
    }
    return 'none';
  }

  /** Pods whose running inputs differ from their rack's desired inputs, in restart order. */
  /**
   * A pod that does not serve (its node process does not answer: crash-looping, or Pending) and
   * was created from an older template than its StatefulSet now carries: deleting it costs
   * nothing and lets the StatefulSet recreate it from the current template. This is how fixing
   * the spec unblocks a rollout stuck on a configuration the node refuses, or a pod that cannot
   * be scheduled with its old resources (OnDelete updates would otherwise never reach it).
   */
  private stuckOnOldTemplate(pod: string): string | undefined {
    const p = this.o.pods.get(pod);
    if (p === undefined || p.deleting || p.ready || this.mode(pod) !== undefined) return undefined;
    if (p.phase !== 'Pending' && p.restartCount === 0 && p.lastTermination === undefined) return undefined;
    const desired = this.inputs.get(p.dc);
    const sts = this.o.statefulSets.get(stsName(this.name, p.dc, p.rack));
    if (desired === undefined || sts === undefined || !sts.caughtUp || !sameRecord(sts.templateInputs, desired)) return undefined;
    return restartReason(p.inputs, desired);
  }

  private restartStuckPods(): void {
    const op = this.op;
    // Pods whose lifecycle the running operation manages itself are left to it.
    const managed = op !== undefined && op.pod !== undefined && op.type !== 'Create' && op.type !== 'ScaleUp' && op.type !== 'AddDatacenter' ? op.pod : undefined;
    for (const p of [...this.o.pods.values()].sort((a, b) => a.name.localeCompare(b.name))) {
      if (p.name === managed || (op?.type === 'Stop')) continue;
      const reason = this.stuckOnOldTemplate(p.name);
      if (reason === undefined) continue;
      this.out.deletes.push({ ref: Resources.pod, name: p.name, uid: p.uid });
      this.event('Normal', Reason.PodRestarted, `restarting ${p.name}, which does not serve, with the current template: ${reason}`);
    }
  }

  private podsNeedingRestart(): Array<{ pod: string; reason: string }> {
    const out: Array<{ pod: string; reason: string }> = [];
    for (const dc of this.o.cc.spec.datacenters) {
      const desired = this.inputs.get(dc.name)!;
      for (const rack of rackStates(this.o, dc)) {
        const sts = this.o.statefulSets.get(rack.sts);
        // Only once the StatefulSet carries the new template (else a recreated pod gets the old one).
        if (sts === undefined || !sts.caughtUp || !sameRecord(sts.templateInputs, desired)) continue;
        for (let i = rack.current - 1; i >= 0; i--) {
          const p = this.o.pods.get(podName(rack.sts, i));
          if (p === undefined || p.deleting) continue;
          const reason = restartReason(p.inputs, desired);
          if (reason !== undefined) out.push({ pod: p.name, reason });
        }
      }
    }
    return out;
  }

  private startRollingRestart(): Outcome {
    const pending = this.podsNeedingRestart();
    if (pending.length === 0) return 'none';
    const health = clusterHealth(this.o);
    if (!health.ok) return this.wait(Reason.WaitingForHealthyCluster, `rolling restart waits for ${health.waitingFor.slice(0, 5).join(', ')}`);
    const reasons = [...new Set(pending.map((p) => p.reason))];
    this.newOp('RollingRestart', { phase: 'Restarting', reason: reasons.slice(0, 3).join(' | '), pods: pending.map((p) => p.pod) });
    this.event('Normal', Reason.RollingRestart, `rolling restart of ${pending.length} node(s), one at a time: ${reasons[0]}`);
    this.restartNext(pending[0]!);
    return 'started';
  }

  private restartNext(next: { pod: string; reason: string }): void {
    const p = this.o.pods.get(next.pod)!;
    this.progress({ phase: 'WaitingForNode', pod: next.pod, podUid: p.uid, datacenter: p.dc, rack: p.rack });
    this.out.deletes.push({ ref: Resources.pod, name: next.pod, uid: p.uid });
    this.event('Normal', Reason.PodRestarted, `restarting ${next.pod}: ${next.reason}`);
  }

  // ---------------------------------------------------------------------------------------------
  // Continuing operations

  /**
   * Failed management API calls of the previous pass that belong to the journal's operation: the
   * last one becomes lastError (cleared when the step changes), so status says why it is stuck.
   */
  private noteCallFailures(): void {
    const op = this.op!;
    const replicationOp = op.type === 'AddDatacenter' || op.type === 'RemoveDatacenter';
    const mine = this.o.callFailures.filter((f) => (f.call === 'submit' ? f.target.includes(`/${op.id}/`) : replicationOp));
    const last = mine.at(-1);
    if (last === undefined) return;
    const what = last.call === 'submit' ? `${last.target.split('/').at(-1) ?? 'job'} on ${last.pod}` : `replication of ${last.target} via ${last.pod}`;
    this.progress({ lastError: `${what}: ${last.code}: ${last.message}`.slice(0, 1024) });
  }

  /** Keyspaces of this DC change the node refused to alter and that may be skipped (recorded in the journal). */
  private skipRefusedKeyspaces(): ReadonlySet<string> {
    const op = this.op!;
    const skipped = new Set(op.skippedKeyspaces ?? []);
    for (const f of this.o.callFailures) {
      if (f.call !== 'setReplication' || f.code !== 'MGMT_ERR_REFUSED' || !BEST_EFFORT_SYSTEM_KEYSPACES.includes(f.target) || skipped.has(f.target)) continue;
      skipped.add(f.target);
      this.event('Warning', Reason.ReplicationUnchangeable, `${op.type} ${op.datacenter ?? ''}: going on without ${f.target}, whose replication the node refuses to change: ${f.message}`.slice(0, 1024));
    }
    if (skipped.size > (op.skippedKeyspaces?.length ?? 0)) op.skippedKeyspaces = [...skipped].sort();
    return skipped;
  }

  private stepOperation(): void {
    this.noteCallFailures();
    const type = this.op!.type;
    if (this.o.cc.spec.stopped && (type === 'RollingRestart' || type === 'Cleanup')) {
      return this.finish('Abandoned', `${type} abandoned: the cluster is being stopped`);
    }
    switch (type) {
      case 'Create':
      case 'ScaleUp': return this.stepScaleUp();
      case 'ScaleDown': return this.stepScaleDown();
      case 'RollingRestart': return this.stepRollingRestart();
      case 'Stop': return this.stepStop();
      case 'Resume': return this.stepResume();
      case 'ReplaceNode': return this.stepReplace();
      case 'AddDatacenter': return this.stepAddDatacenter();
      case 'RemoveDatacenter': return this.stepRemoveDatacenter();
      case 'Cleanup': return this.stepCleanup();
    }
  }

  /** The node process runs beyond STARTING: its bootstrap can no longer be cancelled safely. */
  private nodeActive(pod: string): boolean {
    const mode = this.mode(pod);
    return (mode !== undefined && mode !== 'STARTING') || isBootstrapped(this.o, pod);
  }

  private describePod(pod: string): string {
    const p = this.o.pods.get(pod);
    if (p === undefined) return 'pod not created yet';
    const mode = this.mode(pod);
    if (p.restartCount >= CRASH_RESTARTS_DEGRADED) this.degraded.push(`${pod} restarted ${p.restartCount} times`);
    if (p.unschedulableSinceMs !== undefined) this.degraded.push(`${pod} cannot be scheduled`);
    return mode !== undefined ? `node ${mode}` : `pod ${p.phase}${p.unschedulableSinceMs !== undefined ? ' (unschedulable)' : ''}${p.ready ? ', ready' : ''}`;
  }

  private stepScaleUp(): void {
    const op = this.op!;
    const pod = op.pod!;
    const dc = this.dcSpec(op.datacenter);
    const sts = stsName(this.name, op.datacenter!, op.rack!);
    const ordinal = ordinalOf(pod, sts)!;
    const current = this.o.statefulSets.get(sts)?.replicas ?? 0;
    const target = dc === undefined ? 0 : rackStates(this.o, dc).find((r) => r.rack === op.rack)?.target ?? 0;
    if ((ordinal >= target || this.o.cc.spec.stopped) && !this.nodeActive(pod)) {
      // The size was lowered (or a stop requested) before the new node did anything: undo the pod.
      this.replicas.set(sts, Math.min(current, ordinal));
      if (this.o.pods.has(pod)) return this.progress({ phase: 'Cancelling' });
      const pvc = this.o.pvcs.get(pvcName(pod));
      if (pvc !== undefined && !pvc.deleting) this.out.deletes.push({ ref: Resources.pvc, name: pvc.name });
      this.event('Normal', Reason.BootstrapCancelled, `bootstrap of ${pod} cancelled: the size was lowered before it started`);
      return this.finish('Abandoned', `bootstrap of ${pod} cancelled before it started`);
    }
    if (isNormal(this.o, pod)) {
      // Older nodes of a running DC gave ranges away: clean them up once the scale-up is complete.
      const dcNodes = dc === undefined ? 0 : rackStates(this.o, dc).reduce((n, r) => n + r.current, 0);
      if (this.dcPhase.get(op.datacenter!) === 'Ready' && dcNodes > 1 && !this.pendingCleanup.includes(op.datacenter!)) {
        this.pendingCleanup.push(op.datacenter!);
      }
      this.event('Normal', Reason.NodeJoined, `${pod} joined the ring and serves CQL`);
      return this.finish('Succeeded', `${pod} bootstrapped into ${op.datacenter}/${op.rack}`);
    }
    this.replicas.set(sts, Math.max(current, ordinal + 1));
    this.progress({ progress: this.describePod(pod) });
  }

  /** Decommission of op.pod: Decommissioning -> Removing -> done (returns true when the pod is gone). */
  private stepDecommission(): boolean {
    const op = this.op!;
    const pod = op.pod!;
    const sts = stsName(this.name, op.datacenter!, op.rack!);
    const ordinal = ordinalOf(pod, sts)!;
    const current = this.o.statefulSets.get(sts)?.replicas ?? 0;
    if (op.phase === 'Decommissioning') {
      const requestId = this.requestId('decommission', pod);
      const job = this.findJob(pod, requestId);
      const ringState = op.address !== undefined && this.o.ring !== undefined && this.o.ringFrom !== pod
        ? (this.o.ring.get(op.address)?.state ?? 'ABSENT') : undefined;
      const ringLeft = ringState === 'LEFT' || ringState === 'REMOVED' || ringState === 'ABSENT';
      const selfLeft = this.mode(pod) === 'DECOMMISSIONED' || (typeof job === 'object' && job.state === 'SUCCEEDED');
      if (!ringLeft && selfLeft && ringState !== undefined) {
        // Left by its own account, but the ring (another node's gossip) does not show it yet:
        // removing the pod now stops the node before its LEFT state spread, and its peers keep it
        // LEAVING and refuse the next decommission. Wait for the ring, bounded.
        const since = op.progress === LEFT_PROPAGATION_PROGRESS && op.lastProgressAt !== undefined ? Date.parse(op.lastProgressAt) : this.o.nowMs;
        if (this.o.nowMs - since < LEFT_PROPAGATION_WAIT_MS) {
          this.progress({ progress: LEFT_PROPAGATION_PROGRESS });
          return false;
        }
      }
      const left = ringLeft || selfLeft;
      if (!left) {
        if (typeof job === 'object' && (job.state === 'FAILED' || job.state === 'CANCELLED')) {
          const why = job.error?.message ?? job.state;
          this.block(Reason.DecommissionFailed, `decommission of ${pod} failed: ${why}`);
          this.event('Warning', Reason.DecommissionFailed, `decommission of ${pod} failed: ${why}`);
          this.finish('Failed', `decommission of ${pod} failed: ${why}`);
          return false;
        }
        if (job === 'absent' && this.mode(pod) === 'NORMAL') this.submit(pod, 'decommission', { requestId });
        const progress = typeof job === 'object' ? `${job.progress.message || job.state} ${job.progress.done}/${job.progress.total} ${job.progress.unit}` : (ringState ?? this.mode(pod) ?? 'waiting for the node');
        this.progress({ progress: progress.slice(0, 200) });
        return false;
      }
      this.event('Normal', Reason.NodeLeft, `${pod} left the ring; removing its pod`);
      this.progress({ phase: 'Removing', progress: undefined });
    }
    this.replicas.set(sts, Math.min(current, ordinal));
    if (this.o.pods.has(pod)) return false;
    const pvc = this.o.pvcs.get(pvcName(pod));
    if (this.o.cc.spec.persistentVolumeClaimRetentionPolicy.whenScaled === 'Delete' && pvc !== undefined) {
      // The step ends only once the claim is gone: a delete lost with an operator crash (status
      // is written before deletes) is re-issued, and a later pod of that name never starts on
      // the decommissioned node's volume (which would refuse to rejoin).
      if (!pvc.deleting) this.out.deletes.push({ ref: Resources.pvc, name: pvc.name });
      this.progress({ progress: `deleting claim ${pvc.name}` });
      return false;
    }
    return true;
  }

  private stepScaleDown(): void {
    const op = this.op!;
    if (this.stepDecommission()) this.finish('Succeeded', `${op.pod} decommissioned from ${op.datacenter}/${op.rack}`);
  }

  private stepRollingRestart(): void {
    const op = this.op!;
    const pod = op.pod!;
    const p = this.o.pods.get(pod);
    if (p !== undefined && p.uid === op.podUid) {
      this.out.deletes.push({ ref: Resources.pod, name: pod, uid: p.uid });
      return this.progress({ progress: 'terminating' });
    }
    const stale = p === undefined ? undefined : this.stuckOnOldTemplate(pod);
    if (p !== undefined && stale !== undefined) {
      // The spec changed again while the restarted pod could not start (e.g. a configuration the
      // node refuses was fixed): restart it with the current template.
      this.out.deletes.push({ ref: Resources.pod, name: pod, uid: p.uid });
      this.event('Normal', Reason.PodRestarted, `restarting ${pod} again, which does not serve, with the current template: ${stale}`);
      return this.progress({ podUid: p.uid, progress: 'restarting again with the current template' });
    }
    if (p === undefined || !isNormal(this.o, pod)) return this.progress({ progress: p === undefined ? 'pod not recreated yet' : this.describePod(pod) });
    const pending = this.podsNeedingRestart();
    if (pending.length === 0) {
      this.event('Normal', Reason.RollingRestart, `rolling restart done (${op.reason ?? ''})`);
      return this.finish('Succeeded', `restarted: ${op.reason ?? ''}`);
    }
    const health = clusterHealth(this.o);
    if (!health.ok) {
      this.waiting = { reason: Reason.WaitingForHealthyCluster, message: `rolling restart waits for ${health.waitingFor.slice(0, 5).join(', ')}` };
      return this.progress({ progress: `${pending.length} left, waiting for a healthy cluster` });
    }
    this.progress({ pods: pending.map((x) => x.pod), progress: `${pending.length} left` });
    this.restartNext(pending[0]!);
  }

  private stepStop(): void {
    const op = this.op!;
    if (op.phase === 'Draining') {
      const elapsed = this.o.nowMs - Date.parse(op.startedAt);
      let pending = 0;
      for (const pod of op.pods ?? []) {
        const p = this.o.pods.get(pod);
        if (p === undefined || p.phase !== 'Running') continue;
        const requestId = this.requestId('drain', pod);
        const job = this.findJob(pod, requestId);
        const mode = this.mode(pod);
        if (mode === 'DRAINED' || (typeof job === 'object' && (job.state === 'SUCCEEDED' || job.state === 'FAILED'))) continue;
        if (mode === undefined && this.o.nodeInfo.get(pod)?.ok === false) continue;
        pending++;
        if (job === 'absent' && mode === 'NORMAL') this.submit(pod, 'drain', { requestId });
      }
      if (pending > 0 && elapsed < STOP_DRAIN_TIMEOUT_MS) return this.progress({ progress: `${pending} node(s) draining` });
      this.progress({ phase: 'ScalingToZero', progress: undefined });
    }
    for (const s of this.o.statefulSets.values()) this.replicas.set(s.name, 0);
    const left = [...this.o.pods.values()].length;
    if (left > 0) return this.progress({ progress: `${left} pod(s) terminating` });
    this.event('Normal', Reason.StoppedByUser, 'cluster stopped; volume claims kept');
    this.finish('Succeeded', 'stopped');
  }

  private stepResume(): void {
    const op = this.op!;
    this.applyResumeReplicas();
    const pods = op.pods ?? [];
    const ready = pods.filter((p) => isNormal(this.o, p)).length;
    if (ready < pods.length) {
      for (const p of pods) if (!isNormal(this.o, p)) this.describePod(p);
      return this.progress({ progress: `${ready}/${pods.length} ready` });
    }
    this.event('Normal', Reason.Running, `resumed: ${pods.length} node(s) ready`);
    this.finish('Succeeded', `resumed ${pods.length} node(s)`);
  }

  private stepReplace(): void {
    const op = this.op!;
    const pod = op.pod!;
    const p = this.o.pods.get(pod);
    if (op.phase === 'Preparing') {
      if (this.o.replaceMap?.[pod] !== op.address) return this.progress({ progress: 'publishing the replacement address' });
      this.progress({ phase: 'Recreating', progress: undefined });
      this.out.deletes.push({ ref: Resources.pvc, name: pvcName(pod) });
      if (p !== undefined) this.out.deletes.push({ ref: Resources.pod, name: pod, uid: p.uid, ...this.forceIfNodeGone(p.nodeName) });
      return;
    }
    if (op.phase === 'Recreating') {
      if (p === undefined) return this.progress({ progress: 'waiting for the new pod' });
      if (p.uid === op.podUid) {
        this.out.deletes.push({ ref: Resources.pod, name: pod, uid: p.uid, ...this.forceIfNodeGone(p.nodeName) });
        return this.progress({ progress: 'old pod terminating' });
      }
      const pvc = this.o.pvcs.get(pvcName(pod));
      if (p.phase === 'Pending' && (pvc === undefined || pvc.deleting)) {
        // The new pod raced the old claim's deletion: recreate it so it gets a fresh claim.
        if (pvc !== undefined) this.out.deletes.push({ ref: Resources.pvc, name: pvc.name });
        this.out.deletes.push({ ref: Resources.pod, name: pod, uid: p.uid });
        return this.progress({ progress: 'new pod bound to the old claim; recreating' });
      }
      this.progress({ phase: 'Replacing', progress: undefined });
    }
    if (isNormal(this.o, pod)) {
      this.event('Normal', Reason.NodeReplaced, `${pod} replaced ${op.address} (old host ${op.hostId}) and serves its ranges`);
      return this.finish('Succeeded', `${pod} replaced ${op.address}`);
    }
    this.progress({ progress: this.describePod(pod) });
  }

  private forceIfNodeGone(nodeName: string | undefined): { gracePeriodSeconds?: number } {
    if (nodeName === undefined) return {};
    const node = this.o.k8sNodes.get(nodeName);
    return node !== undefined && !node.ready ? { gracePeriodSeconds: 0 } : {};
  }

  private stepAddDatacenter(): void {
    const op = this.op!;
    const dc = this.dcSpec(op.datacenter);
    if (dc === undefined) return this.finish('Abandoned', `datacenter ${op.datacenter} left the spec while being added`);
    if (op.phase === 'CreatingNodes') {
      if (op.pod !== undefined && !isNormal(this.o, op.pod)) {
        const sts = stsName(this.name, dc.name, op.rack!);
        const ordinal = ordinalOf(op.pod, sts)!;
        this.replicas.set(sts, Math.max(this.o.statefulSets.get(sts)?.replicas ?? 0, ordinal + 1));
        return this.progress({ progress: this.describePod(op.pod) });
      }
      const racks = rackStates(this.o, dc);
      const needing = racks.filter((r) => r.current < r.target);
      if (needing.length > 0) {
        const rack = needing.reduce((a, b) => (b.current < a.current ? b : a));
        const pod = podName(rack.sts, rack.current);
        this.replicas.set(rack.sts, rack.current + 1);
        const total = racks.reduce((n, r) => n + r.current, 0);
        return this.progress({ pod, rack: rack.rack, progress: `node ${total + 1}/${dc.size}` });
      }
      this.progress({ phase: 'UpdatingReplication', pod: undefined, rack: undefined, progress: undefined });
    }
    if (op.phase === 'UpdatingReplication') {
      if (this.o.keyspaces === undefined || this.o.ringFrom === undefined) return this.progress({ progress: 'waiting for keyspaces' });
      const targets = [
        ...MANAGED_SYSTEM_KEYSPACES.map((name) => ({ name, rf: Math.min(SYSTEM_KEYSPACE_RF_MAX, dc.size) })),
        ...(dc.join?.keyspaces ?? []).map((k) => ({ name: k.name, rf: k.replicationFactor })),
      ];
      let pending = 0;
      const skipped = this.skipRefusedKeyspaces();
      for (const t of targets) {
        const ks = this.o.keyspaces.find((k) => k.name === t.name);
        if (ks === undefined || skipped.has(t.name)) continue;
        if (ks.replication.class === 'NetworkTopologyStrategy' && ks.replication.datacenters[dc.name] === t.rf) continue;
        const datacenters: Record<string, number> = {};
        if (ks.replication.class === 'NetworkTopologyStrategy') Object.assign(datacenters, ks.replication.datacenters);
        else for (const other of this.o.cc.spec.datacenters) if (other.name !== dc.name) datacenters[other.name] = ks.replication.replicationFactor ?? 1;
        datacenters[dc.name] = t.rf;
        this.out.nodeCalls.push({ kind: 'setReplication', pod: this.o.ringFrom, keyspace: t.name, datacenters });
        pending++;
      }
      if (pending > 0) return this.progress({ progress: `extending replication of ${pending} keyspace(s)` });
      const pods = expectedPods(this.o).filter((p) => this.o.pods.get(p)?.dc === dc.name);
      this.progress({ phase: 'Rebuilding', pods, pod: pods[0], attempts: 0, progress: `0/${pods.length}` });
    }
    if (op.phase === 'Rebuilding') {
      const pods = op.pods ?? [];
      const pod = pods[0];
      if (pod === undefined) {
        this.dcPhase.set(dc.name, 'Ready');
        this.event('Normal', Reason.DatacenterAdded, `datacenter ${dc.name} added and rebuilt`);
        return this.finish('Succeeded', `datacenter ${dc.name} added`);
      }
      const source = dc.join?.sourceDatacenter ?? this.o.cc.spec.datacenters.find((d) => d.name !== dc.name && this.dcPhase.get(d.name) === 'Ready')?.name;
      const requestId = this.requestId('rebuild', pod);
      const job = this.findJob(pod, requestId);
      if (job === 'absent' && isNormal(this.o, pod)) {
        this.submit(pod, 'rebuild', { requestId, ...(source ? { sourceDatacenter: source } : {}) });
        return this.progress({ pod, progress: `rebuilding ${pod} from ${source ?? 'any DC'}` });
      }
      if (typeof job !== 'object') return this.progress({ pod });
      if (job.state === 'SUCCEEDED') {
        const rest = pods.slice(1);
        return this.progress({ pods: rest, pod: rest[0], attempts: 0, progress: `${(this.inDc(dc.name).length - rest.length)}/${this.inDc(dc.name).length} rebuilt` });
      }
      if (job.state === 'FAILED' || job.state === 'CANCELLED') {
        const attempts = (op.attempts ?? 0) + 1;
        const why = job.error?.message ?? job.state;
        if (attempts >= REBUILD_ATTEMPTS_MAX) {
          this.event('Warning', Reason.RebuildFailed, `rebuild of ${pod} failed ${attempts} times: ${why}`);
          return this.finish('Failed', `adding ${dc.name}: rebuild of ${pod} failed: ${why}`);
        }
        return this.progress({ attempts, lastError: why.slice(0, 500) });
      }
      this.progress({ progress: `${pod}: ${job.progress.done}/${job.progress.total} ${job.progress.unit}` });
    }
  }

  private inDc(dc: string): string[] {
    return expectedPods(this.o).filter((p) => this.o.pods.get(p)?.dc === dc);
  }

  private stepRemoveDatacenter(): void {
    const op = this.op!;
    const dc = op.datacenter!;
    if (this.dcSpec(dc) !== undefined) return this.finish('Abandoned', `datacenter ${dc} is back in the spec`);
    if (op.phase === 'UpdatingReplication') {
      if (this.o.keyspaces === undefined || this.o.ringFrom === undefined) return this.progress({ progress: 'waiting for keyspaces' });
      let pending = 0;
      const skipped = this.skipRefusedKeyspaces();
      for (const ks of this.o.keyspaces) {
        if (!(MANAGED_SYSTEM_KEYSPACES as readonly string[]).includes(ks.name) || ks.replication.class !== 'NetworkTopologyStrategy' || skipped.has(ks.name)) continue;
        if ((ks.replication.datacenters[dc] ?? 0) === 0) continue;
        const datacenters = Object.fromEntries(Object.entries(ks.replication.datacenters).filter(([d]) => d !== dc));
        this.out.nodeCalls.push({ kind: 'setReplication', pod: this.o.ringFrom, keyspace: ks.name, datacenters });
        pending++;
      }
      if (pending > 0) return this.progress({ progress: `removing ${dc} from ${pending} system keyspace(s)` });
      this.progress({ phase: 'Decommissioning', progress: undefined, pod: undefined });
    }
    const stsOfDc = [...this.o.statefulSets.values()].filter((s) => s.dc === dc);
    if (op.phase === 'Decommissioning' || op.phase === 'Removing') {
      if (op.pod !== undefined) {
        if (!this.stepDecommission()) return;
        this.progress({ phase: 'Decommissioning', pod: undefined, hostId: undefined, address: undefined, rack: undefined, attempts: 0 });
      }
      const withNodes = stsOfDc.filter((s) => (this.replicas.get(s.name) ?? s.replicas) > 0);
      if (withNodes.length > 0) {
        const s = withNodes.reduce((a, b) => ((this.replicas.get(b.name) ?? b.replicas) >= (this.replicas.get(a.name) ?? a.replicas) ? b : a));
        const pod = podName(s.name, (this.replicas.get(s.name) ?? s.replicas) - 1);
        const hostId = hostIdOf(this.o, pod);
        const address = addressOf(this.o, pod);
        this.progress({ phase: 'Decommissioning', pod, rack: s.rack, ...(hostId ? { hostId } : {}), ...(address ? { address } : {}) });
        if (this.mode(pod) === 'NORMAL') this.submit(pod, 'decommission', { requestId: this.requestId('decommission', pod), force: true });
        return;
      }
      this.progress({ phase: 'Deleting', pod: undefined });
    }
    if ([...this.o.pods.values()].some((p) => p.dc === dc)) return this.progress({ progress: 'pods terminating' });
    for (const s of stsOfDc) this.out.deletes.push({ ref: Resources.statefulSet, name: s.name });
    this.out.deletes.push({ ref: Resources.pdb, name: pdbName(this.name, dc) }, { ref: Resources.configMap, name: configMapName(this.name, dc) });
    this.dcPhase.delete(dc);
    this.event('Normal', Reason.DatacenterRemoved, `datacenter ${dc} removed`);
    this.finish('Succeeded', `datacenter ${dc} removed`);
  }

  private stepCleanup(): void {
    const op = this.op!;
    const dc = op.datacenter!;
    for (let guard = 0; guard < 10_000; guard++) {
      const pods = op.pods ?? [];
      const pod = pods[0];
      if (pod === undefined) {
        this.pendingCleanup = this.pendingCleanup.filter((d) => d !== dc);
        this.event('Normal', Reason.CleanupDone, `cleanup of ${dc} done`);
        return this.finish('Succeeded', `cleanup of ${dc}`);
      }
      const requestId = this.requestId('cleanup', pod);
      const job = this.findJob(pod, requestId);
      const skip = (): void => this.progress({ pods: pods.slice(1), pod: pods[1], attempts: 0 });
      if (!this.o.pods.has(pod)) {
        skip();
        continue;
      }
      if (job === 'absent') {
        if (isNormal(this.o, pod)) this.submit(pod, 'cleanup', { requestId });
        return this.progress({ pod, progress: `${pods.length} node(s) left` });
      }
      if (job === 'unknown') return this.progress({ pod });
      if (job.state === 'SUCCEEDED') {
        skip();
        continue;
      }
      if (job.state === 'FAILED' || job.state === 'CANCELLED') {
        this.event('Warning', Reason.CleanupFailed, `cleanup of ${pod} failed: ${job.error?.message ?? job.state}`);
        skip();
        continue;
      }
      return this.progress({ pod, progress: `${pod}: ${job.progress.done}/${job.progress.total} ${job.progress.unit}` });
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Scheduled repair (not a topology change; it waits while one runs)

  private stepRepair(): CassandraClusterStatus['repair'] {
    const spec = this.o.cc.spec.repair;
    const r = this.prev.repair === undefined ? {} : clone(this.prev.repair);
    if (!spec.enabled) {
      if (r.current !== undefined) delete r.current;
      delete r.nextRunAt;
      delete r.schedule;
      return Object.keys(r).length === 0 ? undefined : r;
    }
    let nextRunMs: number;
    try {
      // nextRunAt is kept while the schedule it was computed from is unchanged (a status written
      // before `schedule` was recorded keeps it too); a changed schedule is recomputed (and so
      // checked) at once rather than after the old next run.
      const keep = r.nextRunAt !== undefined && (r.schedule === undefined || r.schedule === spec.schedule);
      nextRunMs = keep ? Date.parse(r.nextRunAt!) : nextCronTime(spec.schedule, this.o.nowMs);
      r.schedule = spec.schedule;
    } catch (e) {
      this.invalid = { reason: Reason.InvalidRepairSchedule, message: `repair.schedule: ${e instanceof Error ? e.message : String(e)}` };
      return r;
    }
    r.nextRunAt = iso(nextRunMs);
    if (this.op !== undefined || this.o.cc.spec.stopped) return r;
    if (r.current === undefined) {
      if (this.o.nowMs < nextRunMs) return r;
      if (!clusterHealth(this.o).ok) return r;
      const units: string[] = [];
      for (const pod of expectedPods(this.o)) {
        if (spec.keyspaces.length === 0) units.push(pod);
        else for (const ks of spec.keyspaces) units.push(`${pod}:${ks}`);
      }
      r.current = { id: `repair-${this.nextOpId++}`, startedAt: this.now, pods: units, done: 0, failed: [] };
      this.freshIds.add(r.current.id);
      this.event('Normal', Reason.RepairStarted, `scheduled repair ${r.current.id}: primary ranges of ${expectedPods(this.o).length} node(s), one at a time`);
    }
    const run = r.current;
    for (let guard = 0; guard < 10_000; guard++) {
      const unit = run.pods[0];
      if (unit === undefined) {
        const result = run.failed.length === 0 ? 'Succeeded' : run.done === 0 ? 'Failed' : 'PartiallyFailed';
        r.last = { id: run.id, startedAt: run.startedAt, finishedAt: this.now, result, message: run.failed.length === 0 ? `${run.done} unit(s) repaired` : `failed: ${run.failed.join(', ')}`.slice(0, 1024) };
        delete r.current;
        r.nextRunAt = iso(nextCronTime(spec.schedule, this.o.nowMs));
        this.event(result === 'Succeeded' ? 'Normal' : 'Warning', result === 'Succeeded' ? Reason.RepairFinished : Reason.RepairFailed, `repair ${run.id}: ${r.last.message}`);
        return r;
      }
      const [pod, keyspace] = unit.split(':') as [string, string | undefined];
      const uid = (this.o.cc.metadata.uid ?? '').slice(0, 8);
      const requestId = `${uid}/${run.id}/${unit}`;
      const job = this.findJob(pod, requestId);
      if (!this.o.pods.has(pod) && !expectedPods(this.o).includes(pod)) {
        run.pods.shift();
        continue;
      }
      if (job === 'absent') {
        if (isNormal(this.o, pod)) {
          this.submit(pod, 'repair', { requestId, primaryRange: true, intensity: spec.intensity, ...(keyspace ? { keyspace } : {}) });
          run.pod = pod;
        }
        return r;
      }
      if (job === 'unknown') return r;
      if (job.state === 'SUCCEEDED') {
        run.done++;
        run.pods.shift();
        continue;
      }
      if (job.state === 'FAILED' || job.state === 'CANCELLED') {
        run.failed.push(unit);
        run.pods.shift();
        continue;
      }
      run.pod = pod;
      run.jobId = job.id;
      return r;
    }
    return r;
  }

  // ---------------------------------------------------------------------------------------------
  // Seeds, objects, status

  private chooseSeeds(): string[] {
    const excluded = new Set<string>();
    const op = this.op;
    if (op?.pod !== undefined && (op.type === 'ScaleDown' || op.type === 'ReplaceNode' || op.type === 'RemoveDatacenter')) excluded.add(op.pod);
    for (const p of this.o.pods.values()) if (this.dcPhase.get(p.dc) === 'Removing') excluded.add(p.name);
    const seeds = computeSeeds(this.o, excluded);
    for (const p of this.o.pods.values()) {
      const want = seeds.includes(p.name);
      if (p.seedLabel !== want) this.out.podLabels.push({ pod: p.name, seed: want });
    }
    const previous = this.prev.seeds ?? [];
    if (stableStringify(previous) !== stableStringify(seeds) && previous.length > 0) {
      // Nodes re-resolve the seed Service now rather than at their next retry.
      for (const p of this.o.pods.values()) {
        if (isNormal(this.o, p.name)) this.submit(p.name, 'seeds-reload', { requestId: `seeds/${stableStringify(seeds).length}/${seeds.join(',')}`.slice(0, 128) });
      }
    }
    return seeds;
  }

  private desiredReplicas(sts: string, current: number): number {
    const override = this.replicas.get(sts);
    if (override !== undefined) return override;
    if (this.o.cc.spec.stopped && this.op === undefined) return 0;
    return current;
  }

  /**
   * The `<cc>-replace` map (pod -> address its node replaces on a first boot). Standing entries:
   * every node that was NORMAL keeps its last NORMAL address there, so a pod that comes back
   * without its volume replaces its former self instead of joining as a new node (which would
   * leave the old host DOWN in the ring, owning its tokens). A node that restarts with its volume
   * ignores the entry (it has joined before). Left out: a node being decommissioned or removed,
   * and nodes forgotten after they left (a later pod of the same name is a new node).
   */
  private replacements(): Record<string, string> {
    const out: Record<string, string> = {};
    const op = this.op;
    const leaving = op !== undefined && (op.type === 'ScaleDown' || op.type === 'RemoveDatacenter') ? op.pod : undefined;
    for (const n of [...this.prevNodes.values()].sort((a, b) => a.pod.localeCompare(b.pod))) {
      if (n.lastNormalAddress === undefined || n.hostId === undefined || n.pod === leaving) continue;
      if (n.state === 'LEAVING' || n.state === 'LEFT' || n.state === 'DECOMMISSIONED' || this.dcPhase.get(n.datacenter) === 'Removing') continue;
      out[n.pod] = n.lastNormalAddress;
    }
    if (op?.type === 'ReplaceNode' && op.pod !== undefined && op.address !== undefined) out[op.pod] = op.address;
    return out;
  }

  private buildObjects(): void {
    const cc = this.o.cc;
    const objects = this.out.objects;
    objects.push(buildServiceAccount(cc), buildRole(cc), buildRoleBinding(cc), buildNodesService(cc), buildSeedService(cc), buildClientService(cc));
    objects.push(buildReplaceConfigMap(cc, this.replacements()));
    for (const dc of cc.spec.datacenters) {
      objects.push(buildConfigMap(cc, dc.name, this.configYaml.get(dc.name)!), buildPodDisruptionBudget(cc, dc.name));
      for (const rack of dc.racks) {
        const name = stsName(this.name, dc.name, rack.name);
        const observed = this.o.statefulSets.get(name);
        const sts = buildStatefulSet({
          cc, dc, rack,
          replicas: this.desiredReplicas(name, observed?.replicas ?? 0),
          inputs: this.inputs.get(dc.name)!,
          autoBootstrap: this.dcPhase.get(dc.name) !== 'Joining',
          clusterDomain: this.options.clusterDomain,
        });
        if (observed !== undefined) {
          // volumeClaimTemplates are immutable: keep what exists (claims are expanded in place).
          const claim = ((sts.spec as Record<string, unknown>).volumeClaimTemplates as Array<{ spec: Record<string, unknown> }>)[0]!;
          claim.spec.resources = { requests: { storage: observed.claimStorage } };
          if (observed.claimStorageClass !== undefined) claim.spec.storageClassName = observed.claimStorageClass;
          else delete claim.spec.storageClassName;
        }
        objects.push(sts);
      }
    }
    for (const s of this.o.statefulSets.values()) {
      if (this.dcSpec(s.dc) !== undefined) continue;
      const want = this.desiredReplicas(s.name, s.replicas);
      if (want !== s.replicas) this.out.patches.push({ ref: Resources.statefulSet, name: s.name, patch: { spec: { replicas: want } } });
    }
  }

  private buildStatus(seeds: string[], repair: CassandraClusterStatus['repair']): void {
    const o = this.o;
    const cc = o.cc;
    const stopped = cc.spec.stopped;
    const status: CassandraClusterStatus = {};
    status.observedGeneration = cc.metadata.generation ?? 0;

    // Nodes: every expected pod, existing pods, and remembered nodes of a stopped cluster.
    const prevNodes = this.prevNodes;
    const names = new Set<string>(expectedPods(o));
    for (const p of o.pods.values()) names.add(p.name);
    for (const [name, s] of o.statefulSets) {
      const want = this.desiredReplicas(name, s.replicas);
      for (let i = 0; i < want; i++) names.add(podName(name, i));
    }
    if (stopped || this.op?.type === 'Resume' || this.op?.type === 'Stop') for (const n of prevNodes.values()) if (n.hostId !== undefined) names.add(n.pod);
    const nodes: NodeStatus[] = [];
    let readyCount = 0;
    const stsOfPod = (pod: string): { dc: string; rack: string } | undefined => o.statefulSets.get(pod.slice(0, pod.lastIndexOf('-')));
    for (const pod of [...names].sort()) {
      const p = o.pods.get(pod);
      const prev = prevNodes.get(pod);
      const info = o.nodeInfo.get(pod);
      const sts = stsOfPod(pod);
      const dc = p?.dc ?? prev?.datacenter ?? sts?.dc;
      const rack = p?.rack ?? prev?.rack ?? sts?.rack;
      if (dc === undefined || rack === undefined) continue;
      if (this.dcPhase.get(dc) === undefined && !this.removedDcs.includes(dc)) continue;
      const ready = isNormal(o, pod);
      if (ready) readyCount++;
      const node: NodeStatus = {
        pod, datacenter: dc, rack,
        state: info?.ok === true ? info.info.operationMode : p === undefined ? (stopped ? 'Stopped' : 'Missing') : p.deleting ? 'Terminating' : p.phase === 'Pending' ? 'Pending' : p.ready ? 'Ready' : 'Starting',
        ready,
        seed: seeds.includes(pod),
      };
      const hostId = info?.ok === true && info.info.hostId !== null ? info.info.hostId : prev?.hostId;
      if (hostId !== undefined) node.hostId = hostId;
      const address = p?.podIP ?? prev?.address;
      if (address !== undefined) node.address = address;
      // Only a NORMAL node with a host id moves lastNormalAddress; a fresh node (lost volume)
      // keeps its predecessor's until it is NORMAL itself.
      if (info?.ok === true && info.info.operationMode === 'NORMAL' && info.info.hostId !== null) node.lastNormalAddress = info.info.listenAddress;
      else if (prev?.lastNormalAddress !== undefined) node.lastNormalAddress = prev.lastNormalAddress;
      if (info?.ok === true) {
        node.tokenCount = info.info.tokens.length;
        node.loadBytes = Math.round(info.info.loadBytes / LOAD_ROUNDING_BYTES) * LOAD_ROUNDING_BYTES;
      } else {
        if (prev?.tokenCount !== undefined) node.tokenCount = prev.tokenCount;
        if (prev?.loadBytes !== undefined) node.loadBytes = prev.loadBytes;
      }
      const desired = this.inputs.get(dc);
      if (p !== undefined && desired !== undefined) {
        const reason = restartReason(p.inputs, desired);
        if (reason !== undefined) node.pendingRestart = reason;
      }
      const lost = this.lostSinceMs(pod);
      if (lost !== undefined) {
        node.lostSince = iso(lost);
        this.degraded.push(`${pod} lost since ${node.lostSince}`);
      }
      nodes.push(node);
    }

    // Datacenters and racks.
    let desiredTotal = 0;
    status.datacenters = [];
    for (const dc of cc.spec.datacenters) {
      const racks = rackStates(o, dc).map((r) => ({
        name: r.rack,
        desiredNodes: stopped ? 0 : r.target,
        currentNodes: this.desiredReplicas(r.sts, r.current),
        readyNodes: nodes.filter((n) => n.datacenter === dc.name && n.rack === r.rack && n.ready).length,
      }));
      const desiredNodes = racks.reduce((n, r) => n + r.desiredNodes, 0);
      const readyNodes = racks.reduce((n, r) => n + r.readyNodes, 0);
      desiredTotal += desiredNodes;
      let phase = this.dcPhase.get(dc.name)!;
      if (phase === 'Pending' && !stopped && readyNodes >= dc.size && racks.every((r) => r.currentNodes === r.desiredNodes)) phase = 'Ready';
      status.datacenters.push({ name: dc.name, desiredNodes, readyNodes, phase, racks });
    }
    for (const dc of this.removedDcs) {
      if (this.dcPhase.get(dc) === undefined) continue;
      const racks = [...o.statefulSets.values()].filter((s) => s.dc === dc).map((s) => ({
        name: s.rack, desiredNodes: 0, currentNodes: this.desiredReplicas(s.name, s.replicas),
        readyNodes: nodes.filter((n) => n.datacenter === dc && n.rack === s.rack && n.ready).length,
      }));
      status.datacenters.push({ name: dc, desiredNodes: 0, readyNodes: racks.reduce((n, r) => n + r.readyNodes, 0), phase: 'Removing', racks });
    }

    // Conditions.
    const conditions = (this.prev.conditions ?? []).map((c) => ({ ...c }));
    const ctx = { nowIso: this.now, generation: cc.metadata.generation };
    const set = (type: string, on: boolean, reason: string, message: string): void => setCondition(conditions, { type, status: on ? 'True' : 'False', reason, message }, ctx);
    set(ConditionType.Valid, this.invalid === undefined, this.invalid?.reason ?? Reason.SpecValid, this.invalid?.message ?? 'spec accepted');
    const allReady = !stopped && desiredTotal > 0 && readyCount >= desiredTotal && nodes.filter((n) => !n.ready).length === 0;
    set(ConditionType.Ready, allReady, stopped ? Reason.StoppedByUser : allReady ? Reason.AllNodesReady : Reason.NodesNotReady,
      stopped ? 'cluster is stopped' : `${readyCount}/${desiredTotal} nodes ready`);
    const op = this.op;
    const progressing = op !== undefined || this.waiting !== undefined;
    set(ConditionType.Progressing, progressing, op?.type ?? this.waiting?.reason ?? Reason.Idle,
      op !== undefined ? `${op.summary}${op.lastError !== undefined ? `; last error: ${op.lastError}` : ''}` : (this.waiting?.message ?? 'nothing to do'));
    const notReady = nodes.filter((n) => !n.ready && n.pod !== op?.pod && !stopped && n.state !== 'Stopped').map((n) => `${n.pod} (${n.state})`);
    // A host in the ring that no pod accounts for and that is down (e.g. a pod that lost its
    // volume and joined as a new node): it still owns tokens and counts against consistency.
    const known = new Set([...nodes, ...prevNodes.values()].map((n) => n.hostId).filter((h) => h !== undefined));
    const ghosts = [...(o.ring?.values() ?? [])]
      .filter((e) => e.status === 'DOWN' && e.hostId !== null && !known.has(e.hostId) && e.state === 'NORMAL')
      .map((e) => `unknown host ${e.hostId} at ${e.address} is DOWN and still owns ${e.tokenCount} token(s) (removenode it if it is gone)`);
    const degradedItems = [...new Set([...this.degraded, ...notReady, ...ghosts])];
    const lostAny = nodes.some((n) => n.lostSince !== undefined);
    set(ConditionType.Degraded, degradedItems.length > 0, lostAny ? Reason.NodeLost : degradedItems.length > 0 ? Reason.NodesNotReady : Reason.AllNodesReady,
      degradedItems.length > 0 ? degradedItems.slice(0, 10).join('; ') : 'no problem found');
    for (const type of [ConditionType.ScalingUp, ConditionType.ScalingDown, ConditionType.Updating, ConditionType.ReplacingNode, ConditionType.AddingDatacenter, ConditionType.RemovingDatacenter]) {
      const on = op !== undefined && OPERATION_CONDITION[op.type] === type;
      set(type, on, on ? op.type : Reason.Idle, on ? op.summary : `no ${type} operation`);
    }
    const stoppedNow = stopped && o.pods.size === 0 && op === undefined;
    set(ConditionType.Stopped, stoppedNow || op?.type === 'Stop', stoppedNow ? Reason.StoppedByUser : op?.type === 'Stop' ? Reason.Stopping : op?.type === 'Resume' ? Reason.Resuming : Reason.Running,
      stoppedNow ? 'every rack is scaled to zero; volumes kept' : op?.type === 'Stop' ? op.summary : 'cluster is running');
    set(ConditionType.Repairing, repair?.current !== undefined, repair?.current !== undefined ? Reason.RepairStarted : Reason.Idle,
      repair?.current !== undefined ? `repair ${repair.current.id}: ${repair.current.done} done, ${repair.current.pods.length} left` : repair?.last !== undefined ? `last repair ${repair.last.id}: ${repair.last.result}` : 'no repair running');
    const prevBlocked = getCondition(this.prev.conditions, ConditionType.Blocked);
    set(ConditionType.Blocked, this.blocked !== undefined, this.blocked?.reason ?? Reason.NotBlocked, this.blocked?.message ?? 'no change is refused');
    if (this.blocked !== undefined && (prevBlocked?.status !== 'True' || prevBlocked.message !== this.blocked.message)) {
      this.event('Warning', this.blocked.reason, this.blocked.message);
    }
    if (this.invalid !== undefined && getCondition(this.prev.conditions, ConditionType.Valid)?.status !== 'False') this.event('Warning', this.invalid.reason, this.invalid.message);
    status.conditions = sortConditions(conditions as Condition[]);

    status.readyNodes = readyCount;
    status.desiredNodes = desiredTotal;
    status.nodeSummary = `${readyCount}/${desiredTotal}`;
    status.datacenterSummary = status.datacenters.map((d) => d.name).join(',');
    if (op !== undefined) status.operation = op;
    status.nextOperationId = this.nextOpId;
    if (this.history.length > 0) status.history = this.history;
    status.nodes = nodes;
    status.seeds = seeds;
    if (this.pendingCleanup.length > 0) status.pendingCleanup = [...this.pendingCleanup].sort();
    if (repair !== undefined) status.repair = repair;
    (this.out as { status: CassandraClusterStatus }).status = status;
  }
}
