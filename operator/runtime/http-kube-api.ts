// KubeApi over the real API server: REST verbs through @kubernetes/client-node's authenticated
// fetch (KubeConfig handles tokens, client certs and CAs), watches through its Watch helper.
// Objects stay plain JSON (no model classes), so what we apply is exactly what we built.
import { HttpMethod, IsomorphicFetchHttpLibrary, RequestContext, Watch, type KubeConfig } from '@kubernetes/client-node';
import {
  KubeApiError,
  type ApplyOptions,
  type DeleteOptions,
  type KubeApi,
  type KubeObject,
  type ListOptions,
  type ListResult,
  type ResourceRef,
  type WatchEvent,
  type WatchOptions,
  type WatchStream,
} from './kube-api.ts';

/** Timeout of one non-watch request. */
export const REQUEST_TIMEOUT_MS = 30_000;
/** A watch that delivers nothing (not even a bookmark) for this long is restarted. */
export const WATCH_IDLE_TIMEOUT_MS = 10 * 60_000;

type Method = (typeof HttpMethod)[keyof typeof HttpMethod];

export class HttpKubeApi implements KubeApi {
  private readonly config: KubeConfig;
  private readonly http = new IsomorphicFetchHttpLibrary();
  private readonly server: string;

  constructor(config: KubeConfig) {
    this.config = config;
    const cluster = config.getCurrentCluster();
    if (cluster === null) throw new Error('kubeconfig has no current cluster');
    this.server = cluster.server.replace(/\/+$/, '');
  }

  async list(ref: ResourceRef, options: ListOptions): Promise<ListResult> {
    const query: Record<string, string> = {};
    if (options.labelSelector) query.labelSelector = options.labelSelector;
    if (options.limit !== undefined) query.limit = String(options.limit);
    if (options.continueToken !== undefined) query.continue = options.continueToken;
    const body = await this.request(HttpMethod.GET, collectionPath(ref, options.namespace), query) as {
      items?: KubeObject[]; metadata?: { resourceVersion?: string; continue?: string };
    };
    const items = (body.items ?? []).map((o) => ({ ...o, apiVersion: o.apiVersion ?? apiVersion(ref), kind: o.kind ?? ref.kind }));
    return { items, resourceVersion: body.metadata?.resourceVersion ?? '', continueToken: body.metadata?.continue || undefined };
  }

  watch(ref: ResourceRef, options: WatchOptions, onEvent: (event: WatchEvent) => void): WatchStream {
    const watch = new Watch(this.config);
    // The helper restarts an idle connection after requestTimeoutMs; bookmarks keep it busy.
    (watch as unknown as { requestTimeoutMs: number }).requestTimeoutMs = WATCH_IDLE_TIMEOUT_MS;
    let abort: AbortController | undefined;
    let stopped = false;
    let finish!: (r: Error | undefined) => void;
    const done = new Promise<Error | undefined>((resolve) => { finish = resolve; });
    const query: Record<string, string | number | boolean> = {
      resourceVersion: options.resourceVersion,
      allowWatchBookmarks: true,
      timeoutSeconds: options.timeoutSeconds,
    };
    if (options.labelSelector) query.labelSelector = options.labelSelector;
    watch.watch(collectionPath(ref, options.namespace), query, (type: string, object: unknown) => {
      if (!stopped) onEvent({ type: type as WatchEvent['type'], object: object as WatchEvent['object'] });
    }, (error: unknown) => {
      if (error === null || error === undefined || stopped) return finish(undefined);
      const e = error as { statusCode?: number; message?: string; name?: string };
      if (e.statusCode !== undefined) finish(new KubeApiError({ status: e.statusCode, reason: reasonOf(e.statusCode), message: e.message ?? 'watch failed' }));
      else finish(error instanceof Error ? error : new Error(String(error)));
    }).then((controller) => {
      abort = controller;
      if (stopped) controller.abort();
    }, (error: unknown) => finish(error instanceof Error ? error : new Error(String(error))));
    return {
      stop: () => {
        stopped = true;
        abort?.abort();
        finish(undefined);
      },
      done,
    };
  }

  async get(ref: ResourceRef, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    try {
      return await this.request(HttpMethod.GET, objectPath(ref, namespace, name), {}) as KubeObject;
    } catch (error) {
      if (KubeApiError.isNotFound(error)) return undefined;
      throw error;
    }
  }

  async apply(ref: ResourceRef, object: KubeObject, options: ApplyOptions): Promise<KubeObject> {
    const query: Record<string, string> = { fieldManager: options.fieldManager };
    if (options.force) query.force = 'true';
    const path = objectPath(ref, object.metadata.namespace, object.metadata.name) + (options.subresource ? `/${options.subresource}` : '');
    const body = { ...object, apiVersion: object.apiVersion ?? apiVersion(ref), kind: object.kind ?? ref.kind };
    return await this.request(HttpMethod.PATCH, path, query, body, 'application/apply-patch+yaml') as KubeObject;
  }

  async create(ref: ResourceRef, object: KubeObject): Promise<KubeObject> {
    const body = { ...object, apiVersion: object.apiVersion ?? apiVersion(ref), kind: object.kind ?? ref.kind };
    return await this.request(HttpMethod.POST, collectionPath(ref, object.metadata.namespace), {}, body, 'application/json') as KubeObject;
  }

  async replace(ref: ResourceRef, object: KubeObject, options: { subresource?: 'status' } = {}): Promise<KubeObject> {
    const body = { ...object, apiVersion: object.apiVersion ?? apiVersion(ref), kind: object.kind ?? ref.kind };
    const path = objectPath(ref, object.metadata.namespace, object.metadata.name) + (options.subresource ? `/${options.subresource}` : '');
    return await this.request(HttpMethod.PUT, path, {}, body, 'application/json') as KubeObject;
  }

  async mergePatch(ref: ResourceRef, namespace: string | undefined, name: string, patch: unknown, options: { subresource?: 'status' } = {}): Promise<KubeObject> {
    const path = objectPath(ref, namespace, name) + (options.subresource ? `/${options.subresource}` : '');
    return await this.request(HttpMethod.PATCH, path, {}, patch, 'application/merge-patch+json') as KubeObject;
  }

  async delete(ref: ResourceRef, namespace: string | undefined, name: string, options: DeleteOptions = {}): Promise<boolean> {
    const body: Record<string, unknown> = { kind: 'DeleteOptions', apiVersion: 'v1' };
    if (options.propagationPolicy) body.propagationPolicy = options.propagationPolicy;
    if (options.gracePeriodSeconds !== undefined) body.gracePeriodSeconds = options.gracePeriodSeconds;
    if (options.uid !== undefined || options.resourceVersion !== undefined) {
      body.preconditions = { uid: options.uid, resourceVersion: options.resourceVersion };
    }
    try {
      await this.request(HttpMethod.DELETE, objectPath(ref, namespace, name), {}, body, 'application/json');
      return true;
    } catch (error) {
      if (KubeApiError.isNotFound(error)) return false;
      throw error;
    }
  }

  private async request(method: Method, path: string, query: Record<string, string>, body?: unknown, contentType?: string): Promise<unknown> {
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const ctx = new RequestContext(url.toString(), method);
    await this.config.applySecurityAuthentication(ctx);
    ctx.setHeaderParam('Accept', 'application/json');
    if (body !== undefined) {
      ctx.setHeaderParam('Content-Type', contentType ?? 'application/json');
      ctx.setBody(JSON.stringify(body));
    }
    ctx.setSignal(AbortSignal.timeout(REQUEST_TIMEOUT_MS));
    const response = await this.http.send(ctx).toPromise();
    const text = await response.body.text();
    let json: unknown;
    try {
      json = text === '' ? {} : JSON.parse(text);
    } catch {
      json = { message: text };
    }
    if (response.httpStatusCode >= 200 && response.httpStatusCode < 300) return json;
    const status = json as { reason?: string; message?: string };
    throw new KubeApiError({
      status: response.httpStatusCode,
      reason: status.reason ?? reasonOf(response.httpStatusCode),
      message: `${method} ${path}: ${status.message ?? text.slice(0, 500)}`,
    });
  }
}

function apiVersion(ref: ResourceRef): string {
  return ref.group === '' ? ref.version : `${ref.group}/${ref.version}`;
}

function collectionPath(ref: ResourceRef, namespace: string | undefined): string {
  const base = ref.group === '' ? `/api/${ref.version}` : `/apis/${ref.group}/${ref.version}`;
  if (ref.namespaced && namespace !== undefined) return `${base}/namespaces/${encodeURIComponent(namespace)}/${ref.plural}`;
  return `${base}/${ref.plural}`;
}

function objectPath(ref: ResourceRef, namespace: string | undefined, name: string): string {
  return `${collectionPath(ref, ref.namespaced ? namespace : undefined)}/${encodeURIComponent(name)}`;
}

function reasonOf(status: number): string {
  switch (status) {
    case 404: return 'NotFound';
    case 409: return 'Conflict';
    case 410: return 'Gone';
    case 422: return 'Invalid';
    case 403: return 'Forbidden';
    case 401: return 'Unauthorized';
    case 429: return 'TooManyRequests';
    default: return status >= 500 ? 'InternalError' : 'BadRequest';
  }
}
