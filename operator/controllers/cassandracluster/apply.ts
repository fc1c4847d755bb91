// apply: performs a Plan, idempotently. The status (the operation journal) is written first with
// the resourceVersion the plan was made from, so a stale plan fails with a conflict instead of
// repeating a step; then generated secrets, objects (server-side apply, skipped when the cached
// object already holds every desired field), patches, seed labels, deletions (with UID
// preconditions), management API calls (each idempotent by requestId) and events.
import { randomBytes } from 'node:crypto';
import { KubeApiError, Resources, type EventSink, type KubeApi, type KubeObject, type Logger, type ResourceRef } from '../../runtime/index.ts';
import { FIELD_MANAGER, Labels, PASSWORD_BYTES, TOKEN_BYTES, buildManagementTokenSecret, buildSuperuserSecret, deepEqual } from '../../specs/index.ts';
import { CALL_FAILURES_MAX, type ClusterCache, type NodeApiFactory, type NodeCallFailure, type Observed } from './observe.ts';
import type { Plan } from './plan.ts';

const REFS_BY_KIND: Readonly<Record<string, ResourceRef>> = Object.fromEntries(Object.values(Resources).map((r) => [r.kind, r]));

/** The status write lost a race with another writer: reconcile again from fresh state. */
export class StaleStatusError extends Error {
  override readonly name = 'StaleStatusError';
}

export interface ApplyDependencies {
  readonly api: KubeApi;
  readonly cache: ClusterCache;
  readonly nodeApi: NodeApiFactory;
  readonly events: EventSink;
  readonly log: Logger;
  /** Random hex of n bytes (injected for tests). */
  readonly randomHex?: (bytes: number) => string;
  /**
   * What we last applied per object. An object is skipped only when the cache already holds
   * every desired field AND the desired object equals the one we applied last: a field we
   * stopped setting (a shrinking map) must still be applied so server-side apply removes it.
   */
  readonly lastApplied?: Map<string, KubeObject>;
}

/** Objects whose last applied form is remembered (oldest dropped first). */
export const LAST_APPLIED_ENTRIES_MAX = 100_000;

export interface ApplyReport {
  statusWritten: boolean;
  applied: number;
  skipped: number;
  deleted: number;
  nodeCalls: number;
  errors: string[];
  /** Management API calls that failed (fed to the next pass's plan). */
  callFailures: NodeCallFailure[];
}

/** True when every field of `want` is present with the same value in `have` (server defaults ignored). */
export function isSubset(want: unknown, have: unknown): boolean {
  if (want === null || typeof want !== 'object') return want === have || (typeof want === 'number' && String(want) === have);
  // The API server drops empty maps and lists (a ConfigMap with data: {} comes back without data).
  if (have === undefined && (Array.isArray(want) ? want.length === 0 : Object.keys(want).length === 0)) return true;
  if (Array.isArray(want)) {
    if (!Array.isArray(have) || have.length !== want.length) return false;
    return want.every((w, i) => isSubset(w, have[i]));
  }
  if (have === null || typeof have !== 'object' || Array.isArray(have)) return false;
  for (const [k, v] of Object.entries(want as Record<string, unknown>)) {
    if (v === undefined) continue;
    if (!isSubset(v, (have as Record<string, unknown>)[k])) return false;
  }
  return true;
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * The namespace is being deleted (the garbage collector and the namespace controller remove what
 * we made): nothing can be created there any more, so the pass ends quietly instead of re-creating
 * Secrets and recording ApplyFailed events until the CassandraCluster itself is gone.
 */
function namespaceTerminating(report: ApplyReport, log: Logger): ApplyReport {
  log.info({}, 'namespace is being terminated; nothing more to apply');
  return report;
}

export async function applyPlan(raw: KubeObject, plan: Plan, observed: Observed, deps: ApplyDependencies): Promise<ApplyReport> {
  const { api, cache, log } = deps;
  const ns = raw.metadata.namespace!;
  const report: ApplyReport = { statusWritten: false, applied: 0, skipped: 0, deleted: 0, nodeCalls: 0, errors: [], callFailures: [] };
  const randomHex = deps.randomHex ?? ((n: number) => randomBytes(n).toString('hex'));

  if (!deepEqual(plan.status, raw.status ?? {})) {
    try {
      await api.replace(Resources.cassandraCluster, { ...raw, status: plan.status }, { subresource: 'status' });
      report.statusWritten = true;
    } catch (error) {
      if (KubeApiError.isConflict(error)) throw new StaleStatusError(`status of ${ns}/${raw.metadata.name} changed meanwhile`);
      throw error;
    }
  }

  const cc = observed.cc;
  for (const secret of plan.ensureSecrets) {
    const object = secret === 'managementToken' ? buildManagementTokenSecret(cc, randomHex(TOKEN_BYTES)) : buildSuperuserSecret(cc, randomHex(PASSWORD_BYTES));
    try {
      await api.create(Resources.secret, object);
      report.applied++;
    } catch (error) {
      if (KubeApiError.isNamespaceTerminating(error)) return namespaceTerminating(report, log);
      if (!(error instanceof KubeApiError && error.status === 409)) report.errors.push(`create secret ${object.metadata.name}: ${errorText(error)}`);
    }
  }

  for (const object of plan.objects) {
    const ref = REFS_BY_KIND[object.kind ?? ''];
    if (ref === undefined) {
      report.errors.push(`no resource for kind ${object.kind}`);
      continue;
    }
    const cached = cache.get(ref, ns, object.metadata.name);
    const key = `${ref.plural}/${ns}/${object.metadata.name}`;
    const last = deps.lastApplied?.get(key);
    if (cached !== undefined && last !== undefined && deepEqual(last, object) && isSubset({ ...object, apiVersion: undefined, kind: undefined }, cached)) {
      report.skipped++;
      continue;
    }
    try {
      await api.apply(ref, { ...object, metadata: { ...object.metadata, namespace: ns } }, { fieldManager: FIELD_MANAGER, force: true });
      report.applied++;
      if (deps.lastApplied !== undefined) {
        deps.lastApplied.delete(key);
        deps.lastApplied.set(key, object);
        if (deps.lastApplied.size > LAST_APPLIED_ENTRIES_MAX) deps.lastApplied.delete(deps.lastApplied.keys().next().value!);
      }
    } catch (error) {
      if (KubeApiError.isNamespaceTerminating(error)) return namespaceTerminating(report, log);
      report.errors.push(`apply ${object.kind} ${object.metadata.name}: ${errorText(error)}`);
    }
  }

  for (const patch of plan.patches) {
    try {
      await api.mergePatch(patch.ref, ns, patch.name, patch.patch);
    } catch (error) {
      if (!KubeApiError.isNotFound(error)) report.errors.push(`patch ${patch.ref.kind} ${patch.name}: ${errorText(error)}`);
    }
  }

  for (const { pod, seed } of plan.podLabels) {
    try {
      await api.mergePatch(Resources.pod, ns, pod, { metadata: { labels: { [Labels.seed]: seed ? 'true' : null } } });
    } catch (error) {
      if (!KubeApiError.isNotFound(error)) report.errors.push(`label pod ${pod}: ${errorText(error)}`);
    }
  }

  for (const d of plan.deletes) {
    try {
      const options: { uid?: string; gracePeriodSeconds?: number } = {};
      if (d.uid !== undefined) options.uid = d.uid;
      if (d.gracePeriodSeconds !== undefined) options.gracePeriodSeconds = d.gracePeriodSeconds;
      if (await api.delete(d.ref, ns, d.name, options)) report.deleted++;
    } catch (error) {
      // A failed UID precondition means the object was already replaced: nothing to do.
      if (!KubeApiError.isConflict(error)) report.errors.push(`delete ${d.ref.kind} ${d.name}: ${errorText(error)}`);
    }
  }

  for (const call of plan.nodeCalls) {
    const address = observed.pods.get(call.pod)?.podIP;
    const node = address === undefined ? undefined : deps.nodeApi({ namespace: ns, cluster: raw.metadata.name, pod: call.pod, address });
    const target = call.kind === 'submit' ? String(call.request.requestId ?? call.operation) : call.keyspace;
    const fail = (code: string, message: string): void => {
      if (report.callFailures.length < CALL_FAILURES_MAX) report.callFailures.push({ pod: call.pod, call: call.kind, target, code, message: message.slice(0, 500) });
    };
    if (node === undefined) {
      log.warn({ pod: call.pod, call: call.kind }, 'node not reachable for a planned call; the next pass retries');
      fail('UNREACHABLE', `${call.pod} has no address or management token yet`);
      continue;
    }
    try {
      if (call.kind === 'submit') await node.submit(call.operation, call.request as never);
      else await node.setReplication(call.keyspace, { datacenters: call.datacenters });
      report.nodeCalls++;
    } catch (error) {
      // Refusals and in-progress answers are expected; the next pass reads the outcome.
      log.warn({ pod: call.pod, call: call.kind, err: errorText(error) }, 'management API call failed');
      const code = (error as { code?: unknown }).code;
      fail(typeof code === 'string' ? code : 'UNKNOWN', errorText(error));
    }
  }

  for (const e of plan.events) await deps.events.record(raw, e.type, e.reason, e.message);
  if (report.errors.length > 0) {
    // Not thrown: the journal is already written and the rest of the plan performed; a failure
    // on one object (e.g. missing RBAC for Roles) must not slow every pass down to the backoff.
    log.error({ errors: report.errors }, 'some objects could not be applied');
    await deps.events.record(raw, 'Warning', 'ApplyFailed', report.errors.join('; '));
  }
  return report;
}
