// A small raw-JSON Kubernetes REST client (node:https + a kubeconfig loaded by
// @kubernetes/client-node): objects stay plain JSON (timestamps are strings), watches stream lines.
import https from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';

/** Largest response body we buffer (a full pod list of a test cluster is far below this). */
export const kubeResponseMaxBytes = 64 * 1024 * 1024;
/** Per-request timeout for non-watch calls. */
export const kubeRequestTimeoutMs = 30_000;
/** Server-side watch timeout; the watcher reconnects after it. */
export const kubeWatchTimeoutSeconds = 300;

export type Json = Record<string, unknown>;

export type PatchType = 'merge' | 'strategic' | 'json' | 'apply';
const patchContentTypes: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
  apply: 'application/apply-patch+yaml',
};

/** A non-2xx answer of the API server, with its Status reason when there is one. */
export class KubeApiError extends Error {
  readonly statusCode: number;
  readonly reason: string;
  constructor(options: { method: string; path: string; statusCode: number; reason: string; message: string }) {
    super(`${options.method} ${options.path}: ${options.statusCode} ${options.reason}: ${options.message}`);
    this.name = 'KubeApiError';
    this.statusCode = options.statusCode;
    this.reason = options.reason;
  }
}

export function isNotFound(err: unknown): boolean {
  return err instanceof KubeApiError && err.statusCode === 404;
}
export function isConflict(err: unknown): boolean {
  return err instanceof KubeApiError && err.statusCode === 409;
}

export type WatchEvent = { type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR'; object: Json };

export class KubeRest {
  readonly server: string;
  private readonly agent: https.Agent;
  private readonly headers: Record<string, string>;

  private constructor(options: { server: string; agent: https.Agent; headers: Record<string, string> }) {
    this.server = options.server.replace(/\/$/, '');
    this.agent = options.agent;
    this.headers = options.headers;
  }

  static async fromKubeconfigFile(path: string): Promise<KubeRest> {
    const kc = new KubeConfig();
    kc.loadFromFile(path);
    return KubeRest.fromKubeConfig(kc);
  }

  static async fromKubeConfig(kc: KubeConfig): Promise<KubeRest> {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    const opts: https.RequestOptions = {};
    await kc.applyToHTTPSOptions(opts);
    const agent = new https.Agent({
      keepAlive: true,
      maxSockets: 64,
      ca: opts.ca,
      cert: opts.cert,
      key: opts.key,
      ...(opts.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: opts.rejectUnauthorized }),
    });
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(opts.headers ?? {})) if (typeof v === 'string') headers[k] = v;
    return new KubeRest({ server: cluster.server, agent, headers });
  }

  close(): void {
    this.agent.destroy();
  }

  async get<T = Json>(path: string): Promise<T> {
    return (await this.request('GET', path)) as T;
  }

  async getOrNull<T = Json>(path: string): Promise<T | null> {
    try {
      return await this.get<T>(path);
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async create<T = Json>(path: string, body: unknown): Promise<T> {
    return (await this.request('POST', path, { body })) as T;
  }

  async replace<T = Json>(path: string, body: unknown): Promise<T> {
    return (await this.request('PUT', path, { body })) as T;
  }

  async patch<T = Json>(path: string, body: unknown, type: PatchType = 'merge'): Promise<T> {
    return (await this.request('PATCH', path, { body, contentType: patchContentTypes[type] })) as T;
  }

  /** Server-side apply of one object (JSON is valid YAML). */
  async apply<T = Json>(path: string, body: unknown, fieldManager: string): Promise<T> {
    const sep = path.includes('?') ? '&' : '?';
    return this.patch<T>(`${path}${sep}fieldManager=${encodeURIComponent(fieldManager)}&force=true`, body, 'apply');
  }

  /** DELETE; resolves to false when the object was already gone. */
  async delete(path: string, body?: unknown): Promise<boolean> {
    try {
      await this.request('DELETE', path, body === undefined ? {} : { body });
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  async request(
    method: string,
    path: string,
    options: { body?: unknown; contentType?: string } = {},
  ): Promise<unknown> {
    const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
    const url = new URL(this.server + path);
    return new Promise((resolve, reject) => {
      const req = https.request(
        url,
        {
          method,
          agent: this.agent,
          timeout: kubeRequestTimeoutMs,
          headers: {
            ...this.headers,
            Accept: 'application/json',
            ...(payload ? { 'Content-Type': options.contentType ?? 'application/json', 'Content-Length': payload.length } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > kubeResponseMaxBytes) {
              req.destroy(new Error(`${method} ${path}: response larger than ${kubeResponseMaxBytes} bytes`));
              return;
            }
            chunks.push(c);
          });
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = undefined;
            try {
              parsed = text.length > 0 ? JSON.parse(text) : undefined;
            } catch {
              parsed = text;
            }
            const code = res.statusCode ?? 0;
            if (code >= 200 && code < 300) {
              resolve(parsed);
              return;
            }
            const status = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Json;
            reject(
              new KubeApiError({
                method,
                path,
                statusCode: code,
                reason: typeof status['reason'] === 'string' ? status['reason'] : String(res.statusMessage ?? ''),
                message: typeof status['message'] === 'string' ? status['message'] : text.slice(0, 500),
              }),
            );
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out after ${kubeRequestTimeoutMs} ms`)));
      req.on('error', reject);
      if (payload) req.write(payload);
      req.end();
    });
  }

  /**
   * Opens a watch stream; calls onEvent per line until the server closes it (resolves), the
   * signal aborts (resolves) or the connection fails (rejects). A non-200 answer rejects with
   * KubeApiError (410 Gone means: relist).
   */
  async watch(path: string, onEvent: (ev: WatchEvent) => void, signal: AbortSignal): Promise<void> {
    const url = new URL(this.server + path);
    url.searchParams.set('watch', '1');
    url.searchParams.set('allowWatchBookmarks', 'true');
    url.searchParams.set('timeoutSeconds', String(kubeWatchTimeoutSeconds));
    await new Promise<void>((resolve, reject) => {
      if (signal.aborted) {
        resolve();
        return;
      }
      const req = https.request(url, { method: 'GET', agent: this.agent, headers: { ...this.headers, Accept: 'application/json' } }, (res) => {
        if (res.statusCode !== 200) {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            reject(
              new KubeApiError({
                method: 'WATCH',
                path,
                statusCode: res.statusCode ?? 0,
                reason: String(res.statusMessage ?? ''),
                message: Buffer.concat(chunks).toString('utf8').slice(0, 500),
              }),
            ),
          );
          return;
        }
        let pending = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          pending += chunk;
          let nl = pending.indexOf('\n');
          while (nl >= 0) {
            const line = pending.slice(0, nl);
            pending = pending.slice(nl + 1);
            if (line.trim().length > 0) {
              let ev: WatchEvent;
              try {
                ev = JSON.parse(line) as WatchEvent;
              } catch (err) {
                req.destroy(err as Error);
                return;
              }
              if (ev.type === 'ERROR') {
                const st = ev.object;
                const code = typeof st['code'] === 'number' ? st['code'] : 500;
                req.destroy(
                  new KubeApiError({ method: 'WATCH', path, statusCode: code, reason: String(st['reason'] ?? ''), message: String(st['message'] ?? '') }),
                );
                return;
              }
              onEvent(ev);
            }
            nl = pending.indexOf('\n');
          }
        });
        res.on('end', () => resolve());
        res.on('error', (err) => (signal.aborted ? resolve() : reject(err)));
      });
      const onAbort = (): void => {
        req.destroy();
        resolve();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      req.on('error', (err) => (signal.aborted ? resolve() : reject(err)));
      req.on('close', () => signal.removeEventListener('abort', onAbort));
      req.end();
    });
  }
}

/** "ns/name" (or "name" for cluster-scoped objects). */
export function objectKey(obj: Json): string {
  const md = (obj['metadata'] ?? {}) as Json;
  const ns = typeof md['namespace'] === 'string' ? md['namespace'] : '';
  return ns ? `${ns}/${String(md['name'])}` : String(md['name']);
}
