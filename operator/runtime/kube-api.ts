// The Kubernetes API as the runtime uses it: a handful of verbs over plain JSON objects, so the
// reconciler runs the same against the real API server (http-kube-api.ts) and in memory
// (memory-kube-api.ts, tests and benchmarks).

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/** Which REST collection an object lives in. */
export interface ResourceRef {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  readonly namespaced: boolean;
}

export const apiVersionOf = (ref: ResourceRef): string => (ref.group === '' ? ref.version : `${ref.group}/${ref.version}`);

export const Resources = {
  pod: { group: '', version: 'v1', kind: 'Pod', plural: 'pods', namespaced: true },
  service: { group: '', version: 'v1', kind: 'Service', plural: 'services', namespaced: true },
  configMap: { group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true },
  secret: { group: '', version: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true },
  serviceAccount: { group: '', version: 'v1', kind: 'ServiceAccount', plural: 'serviceaccounts', namespaced: true },
  pvc: { group: '', version: 'v1', kind: 'PersistentVolumeClaim', plural: 'persistentvolumeclaims', namespaced: true },
  event: { group: '', version: 'v1', kind: 'Event', plural: 'events', namespaced: true },
  node: { group: '', version: 'v1', kind: 'Node', plural: 'nodes', namespaced: false },
  statefulSet: { group: 'apps', version: 'v1', kind: 'StatefulSet', plural: 'statefulsets', namespaced: true },
  pdb: { group: 'policy', version: 'v1', kind: 'PodDisruptionBudget', plural: 'poddisruptionbudgets', namespaced: true },
  role: { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'Role', plural: 'roles', namespaced: true },
  roleBinding: { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'RoleBinding', plural: 'rolebindings', namespaced: true },
  lease: { group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', plural: 'leases', namespaced: true },
  cassandraCluster: { group: 'cassia.dev', version: 'v1alpha1', kind: 'CassandraCluster', plural: 'cassandraclusters', namespaced: true },
} as const satisfies Record<string, ResourceRef>;

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent {
  readonly type: WatchEventType;
  /** The object; for ERROR a metav1.Status ({ code, reason, message }). */
  readonly object: KubeObject & { code?: number; reason?: string; message?: string };
}

export interface WatchStream {
  /** Stops the watch; `done` then resolves. */
  stop(): void;
  /** Resolves with undefined when the server closed the watch normally, or with the error. */
  readonly done: Promise<KubeApiError | Error | undefined>;
}

export interface ListOptions {
  namespace?: string | undefined;
  labelSelector?: string | undefined;
  limit?: number | undefined;
  continueToken?: string | undefined;
}

export interface ListResult {
  items: KubeObject[];
  resourceVersion: string;
  continueToken?: string | undefined;
}

export interface WatchOptions {
  namespace?: string | undefined;
  labelSelector?: string | undefined;
  resourceVersion: string;
  /** Server-side timeout of the watch; the informer re-watches from the last resourceVersion. */
  timeoutSeconds: number;
}

export interface ApplyOptions {
  fieldManager: string;
  force?: boolean;
  subresource?: 'status';
}

export interface DeleteOptions {
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  /** 0 deletes a pod at once even if its kubelet is gone (force). */
  gracePeriodSeconds?: number;
  /** Preconditions: delete only this incarnation / version. */
  uid?: string;
  resourceVersion?: string;
}

export interface KubeApi {
  list(ref: ResourceRef, options: ListOptions): Promise<ListResult>;
  watch(ref: ResourceRef, options: WatchOptions, onEvent: (event: WatchEvent) => void): WatchStream;
  get(ref: ResourceRef, namespace: string | undefined, name: string): Promise<KubeObject | undefined>;
  /** Server-side apply (application/apply-patch+yaml, sent as JSON). */
  apply(ref: ResourceRef, object: KubeObject, options: ApplyOptions): Promise<KubeObject>;
  create(ref: ResourceRef, object: KubeObject): Promise<KubeObject>;
  /** PUT with metadata.resourceVersion: 409 Conflict if the object changed meanwhile. */
  replace(ref: ResourceRef, object: KubeObject, options?: { subresource?: 'status' }): Promise<KubeObject>;
  /** JSON merge patch (RFC 7386). */
  mergePatch(ref: ResourceRef, namespace: string | undefined, name: string, patch: unknown, options?: { subresource?: 'status' }): Promise<KubeObject>;
  /** Resolves false when the object did not exist. */
  delete(ref: ResourceRef, namespace: string | undefined, name: string, options?: DeleteOptions): Promise<boolean>;
}

/** An API answer that is not a success; `reason` is metav1.Status.reason (NotFound, Conflict, Gone, ...). */
export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';
  readonly status: number;
  readonly reason: string;

  constructor(options: { status: number; reason: string; message: string }) {
    super(options.message);
    this.status = options.status;
    this.reason = options.reason;
  }

  static isNotFound(e: unknown): boolean {
    return e instanceof KubeApiError && e.status === 404;
  }

  static isConflict(e: unknown): boolean {
    return e instanceof KubeApiError && e.status === 409;
  }

  static isGone(e: unknown): boolean {
    return e instanceof KubeApiError && e.status === 410;
  }

  /** 403 "unable to create new content in namespace ... because it is being terminated". */
  static isNamespaceTerminating(e: unknown): boolean {
    return e instanceof KubeApiError && e.status === 403 && e.message.includes('because it is being terminated');
  }
}

export const objectKey = (namespace: string | undefined, name: string): string => (namespace ? `${namespace}/${name}` : name);
export const keyOf = (o: KubeObject): string => objectKey(o.metadata.namespace, o.metadata.name);

/** Minimal label selector: `a=b,c=d` and `key` (exists). Enough for the operator's own selectors. */
export function matchesSelector(labels: Readonly<Record<string, string>> | undefined, selector: string | undefined): boolean {
  if (selector === undefined || selector === '') return true;
  for (const term of selector.split(',')) {
    const t = term.trim();
    if (t === '') continue;
    const ne = t.indexOf('!=');
    if (ne > 0) {
      if (labels?.[t.slice(0, ne)] === t.slice(ne + 2)) return false;
      continue;
    }
    const eq = t.indexOf('=');
    if (eq > 0) {
      const key = t.slice(0, eq);
      const value = t.slice(t[eq + 1] === '=' ? eq + 2 : eq + 1);
      if (labels?.[key] !== value) return false;
    } else if (labels?.[t] === undefined) {
      return false;
    }
  }
  return true;
}
