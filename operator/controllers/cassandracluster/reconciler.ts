// The CassandraCluster reconciler: observe -> plan -> apply for one cluster key. Returns when to
// look again (operations poll their nodes; idle clusters are re-checked every minute).
import { ZodError } from 'zod';
import { Resources, type Clock, type EventSink, type KubeApi, type KubeObject, type OperatorMetrics, type ReconcileContext, type ReconcileResult } from '../../runtime/index.ts';
import { applyPlan, StaleStatusError, type ApplyReport } from './apply.ts';
import { observe, type ClusterCache, type NodeApiFactory, type NodeCallFailure, type Observed } from './observe.ts';
import { PlanMemo, plan, type Plan } from './plan.ts';

export interface ReconcilerOptions {
  readonly api: KubeApi;
  readonly cache: ClusterCache & { getCluster(namespace: string, name: string): KubeObject | undefined };
  readonly nodeApi: NodeApiFactory;
  readonly events: EventSink;
  readonly clock: Clock;
  readonly clusterDomain: string;
  readonly metrics?: OperatorMetrics;
  readonly randomHex?: (bytes: number) => string;
}

/** Retry delay after losing a status write race (fresh cache by then). */
export const STALE_RETRY_MS = 200;
export const INVALID_SPEC_RETRY_MS = 60_000;

export interface PassRecord {
  readonly observed: Observed;
  readonly plan: Plan;
  readonly report: ApplyReport;
}

export class CassandraClusterReconciler {
  private readonly options: ReconcilerOptions;
  /** The last pass (tests and the benchmark look at it). */
  last: PassRecord | undefined;
  private readonly lastApplied = new Map<string, KubeObject>();
  private readonly memo = new PlanMemo();
  /** Failed management API calls of each cluster's last pass (one entry per cluster with failures). */
  private readonly callFailures = new Map<string, readonly NodeCallFailure[]>();

  constructor(options: ReconcilerOptions) {
    this.options = options;
  }

  readonly reconcile = async (key: string, outer: ReconcileContext): Promise<ReconcileResult> => {
    const { cache, clock } = this.options;
    const [namespace, name] = key.split('/') as [string, string];
    const context: ReconcileContext = { ...outer, log: outer.log.child({ namespace, cluster: name }) };
    const raw = cache.getCluster(namespace, name);
    if (raw === undefined || raw.metadata.deletionTimestamp !== undefined) {
      // Deleted: owner references let the garbage collector remove what we created.
      this.options.metrics?.clusterNodes.remove({ namespace, cluster: name, kind: 'ready' });
      this.options.metrics?.clusterNodes.remove({ namespace, cluster: name, kind: 'desired' });
      this.callFailures.delete(key);
      return {};
    }
    let observed: Observed;
    try {
      observed = await observe({ raw, cache, nodeApi: this.options.nodeApi, nowMs: clock.nowMs(), callFailures: this.callFailures.get(key) ?? [] });
    } catch (error) {
      if (error instanceof ZodError) {
        context.log.error({ err: error.message }, 'stored spec does not parse; waiting for a fix');
        return { requeueAfterMs: INVALID_SPEC_RETRY_MS };
      }
      throw error;
    }
    const p = plan(observed, { clusterDomain: this.options.clusterDomain, memo: this.memo });
    let report: ApplyReport;
    try {
      report = await applyPlan(raw, p, observed, {
        api: this.options.api, cache, nodeApi: this.options.nodeApi, events: this.options.events, log: context.log, lastApplied: this.lastApplied,
        ...(this.options.randomHex ? { randomHex: this.options.randomHex } : {}),
      });
    } catch (error) {
      if (error instanceof StaleStatusError) return { requeueAfterMs: STALE_RETRY_MS };
      throw error;
    }
    this.last = { observed, plan: p, report };
    if (report.callFailures.length > 0) this.callFailures.set(key, report.callFailures);
    else this.callFailures.delete(key);
    const m = this.options.metrics;
    if (report.errors.length > 0) m?.reconcileErrors.inc({ controller: 'cassandracluster' });
    if (m !== undefined) {
      m.clusterNodes.set({ namespace, cluster: name, kind: 'ready' }, p.status.readyNodes ?? 0);
      m.clusterNodes.set({ namespace, cluster: name, kind: 'desired' }, p.status.desiredNodes ?? 0);
    }
    if (p.status.operation !== undefined) {
      context.log.info({ operation: p.status.operation.summary, calls: report.nodeCalls, applied: report.applied }, 'operation step');
    }
    return { requeueAfterMs: p.requeueAfterMs };
  };
}

export const WATCHED_RESOURCES = [
  Resources.statefulSet, Resources.pod, Resources.pvc, Resources.service, Resources.configMap, Resources.secret,
  Resources.pdb, Resources.serviceAccount, Resources.role, Resources.roleBinding,
] as const;
