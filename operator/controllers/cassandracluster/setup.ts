// Wiring of the CassandraCluster controller: informer caches over the resources it owns, a work
// queue fed by their changes (our own status writes do not trigger passes: only spec, labels,
// annotations and deletion do), the reconciler, and the management API client factory that reads
// each cluster's bearer token from its Secret.
import { ManagementClient } from '../../../node-image/src/management/client/index.ts';
import { MANAGEMENT_PORT_DEFAULT } from '../../../node-image/src/management/contract/index.ts';
import {
  Controller,
  InformerCache,
  Resources,
  WorkQueue,
  defaultControllerRateLimiter,
  type Clock,
  type EventSink,
  type KubeApi,
  type KubeObject,
  type Logger,
  type OperatorMetrics,
} from '../../runtime/index.ts';
import { Labels, managementTokenSecretName, stableStringify } from '../../specs/index.ts';
import type { NodeApi, NodeApiFactory } from './observe.ts';
import { CassandraClusterReconciler, WATCHED_RESOURCES } from './reconciler.ts';

export const CONTROLLER_NAME = 'cassandracluster';
/** Timeout of one management API call from the operator. */
export const NODE_API_TIMEOUT_MS = 3_000;
/** Management clients kept (by address and token). */
export const NODE_CLIENTS_MAX = 10_000;

/** Spec, labels, annotations or deletion changed: worth a pass (status-only updates are ours). */
export function significantChange(previous: KubeObject | undefined, next: KubeObject): boolean {
  if (previous === undefined) return true;
  const a = previous.metadata;
  const b = next.metadata;
  return a.generation !== b.generation || a.deletionTimestamp !== b.deletionTimestamp
    || stableStringify(a.annotations ?? {}) !== stableStringify(b.annotations ?? {})
    || stableStringify(a.labels ?? {}) !== stableStringify(b.labels ?? {});
}

/** NodeApi through ManagementClient, with the token from the cluster's Secret in the cache. */
export function managementNodeApi(cache: InformerCache, options: { port?: number; timeoutMs?: number } = {}): NodeApiFactory {
  const clients = new Map<string, ManagementClient>();
  return ({ namespace, cluster, address }) => {
    const secret = cache.get(Resources.secret, namespace, managementTokenSecretName(cluster));
    const encoded = (secret?.data as Record<string, string> | undefined)?.token;
    if (encoded === undefined) return undefined;
    const token = Buffer.from(encoded, 'base64').toString('utf8').trim();
    const host = address.includes(':') ? `[${address}]` : address;
    const baseUrl = `http://${host}:${options.port ?? MANAGEMENT_PORT_DEFAULT}`;
    const key = `${baseUrl}|${token}`;
    let client = clients.get(key);
    if (client === undefined) {
      client = new ManagementClient({ baseUrl, token, timeoutMs: options.timeoutMs ?? NODE_API_TIMEOUT_MS });
      clients.set(key, client);
      if (clients.size > NODE_CLIENTS_MAX) clients.delete(clients.keys().next().value!);
    }
    return client satisfies NodeApi;
  };
}

export interface CassandraClusterControllerOptions {
  readonly api: KubeApi;
  readonly clock: Clock;
  readonly log: Logger;
  readonly events: EventSink;
  readonly clusterDomain: string;
  readonly namespace?: string | undefined;
  readonly workers?: number;
  readonly metrics?: OperatorMetrics;
  /** Defaults to the real management API client. */
  readonly nodeApi?: NodeApiFactory;
  readonly randomHex?: (bytes: number) => string;
}

export interface CassandraClusterController {
  readonly cache: InformerCache;
  readonly controller: Controller;
  readonly reconciler: CassandraClusterReconciler;
}

export function createCassandraClusterController(options: CassandraClusterControllerOptions): CassandraClusterController {
  const cache = new InformerCache({
    api: options.api,
    clock: options.clock,
    log: options.log,
    primary: Resources.cassandraCluster,
    owned: WATCHED_RESOURCES,
    others: [Resources.node],
    ownerLabel: Labels.cluster,
    namespace: options.namespace,
  });
  const reconciler = new CassandraClusterReconciler({
    api: options.api,
    cache,
    nodeApi: options.nodeApi ?? managementNodeApi(cache),
    events: options.events,
    clock: options.clock,
    clusterDomain: options.clusterDomain,
    ...(options.metrics ? { metrics: options.metrics } : {}),
    ...(options.randomHex ? { randomHex: options.randomHex } : {}),
  });
  const controller = new Controller({
    name: CONTROLLER_NAME,
    queue: new WorkQueue({ clock: options.clock, rateLimiter: defaultControllerRateLimiter(options.clock) }),
    reconcile: reconciler.reconcile,
    clock: options.clock,
    log: options.log,
    workers: options.workers ?? 4,
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
  cache.onChange((e) => {
    if (e.ref === Resources.cassandraCluster) {
      if (e.type !== 'update' || significantChange(e.previous, e.object)) controller.enqueue(e.ownerKey!);
    } else if (e.ownerKey !== undefined) {
      controller.enqueue(e.ownerKey);
    }
  });
  return { cache, controller, reconciler };
}
