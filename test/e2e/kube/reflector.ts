// List-then-watch cache of one resource collection (raw JSON), reconnecting with bounded
// backoff; handlers see every upsert/delete in order. Invariant: cache == server state as of rv.
import type { Json, KubeRest, WatchEvent } from './kube-rest.ts';
import { KubeApiError, objectKey } from './kube-rest.ts';

export const reflectorBackoffMinMs = 200;
export const reflectorBackoffMaxMs = 5_000;

export type ReflectorHandlers<T> = {
  upsert?: (obj: T, old: T | undefined) => void;
  delete?: (obj: T) => void;
  /** Called after each (re)list, once the cache holds the listed state. */
  synced?: () => void;
};

export class Reflector<T extends object = Json> {
  readonly path: string;
  private readonly rest: KubeRest;
  private readonly handlers: ReflectorHandlers<T>;
  private readonly onError: (err: unknown) => void;
  private readonly cache = new Map<string, T>();
  private readonly abort = new AbortController();
  private resourceVersion = '';
  private loop: Promise<void> | undefined;
  private firstSync: { promise: Promise<void>; resolve: () => void };

  constructor(options: { rest: KubeRest; path: string; handlers: ReflectorHandlers<T>; onError: (err: unknown) => void }) {
    this.rest = options.rest;
    this.path = options.path;
    this.handlers = options.handlers;
    this.onError = options.onError;
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    this.firstSync = { promise, resolve };
  }

  /** Starts the loop; resolves after the first list. */
  async start(): Promise<void> {
    this.loop ??= this.run();
    await this.firstSync.promise;
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  get(key: string): T | undefined {
    return this.cache.get(key);
  }

  list(): T[] {
    return [...this.cache.values()];
  }

  private async run(): Promise<void> {
    let backoffMs = reflectorBackoffMinMs;
    while (!this.abort.signal.aborted) {
      try {
        if (this.resourceVersion === '') await this.relist();
        const sep = this.path.includes('?') ? '&' : '?';
        await this.rest.watch(`${this.path}${sep}resourceVersion=${this.resourceVersion}`, (ev) => this.onEvent(ev), this.abort.signal);
        backoffMs = reflectorBackoffMinMs;
      } catch (err) {
        if (this.abort.signal.aborted) break;
        if (err instanceof KubeApiError && err.statusCode === 410) {
          this.resourceVersion = '';
          continue;
        }
        this.onError(err);
        await sleepUnlessAborted(backoffMs, this.abort.signal);
        backoffMs = Math.min(backoffMs * 2, reflectorBackoffMaxMs);
      }
    }
  }

  private async relist(): Promise<void> {
    const list = await this.rest.get<{ metadata: { resourceVersion: string }; items: T[] }>(this.path);
    const seen = new Set<string>();
    for (const item of list.items) {
      const key = objectKey(item as Json);
      seen.add(key);
      const old = this.cache.get(key);
      this.cache.set(key, item);
      this.safely(() => this.handlers.upsert?.(item, old));
    }
    for (const [key, obj] of [...this.cache]) {
      if (!seen.has(key)) {
        this.cache.delete(key);
        this.safely(() => this.handlers.delete?.(obj));
      }
    }
    this.resourceVersion = list.metadata.resourceVersion;
    this.safely(() => this.handlers.synced?.());
    this.firstSync.resolve();
  }

  private onEvent(ev: WatchEvent): void {
    const obj = ev.object as T;
    const md = (ev.object['metadata'] ?? {}) as Json;
    if (typeof md['resourceVersion'] === 'string') this.resourceVersion = md['resourceVersion'];
    if (ev.type === 'BOOKMARK') return;
    const key = objectKey(ev.object);
    if (ev.type === 'DELETED') {
      this.cache.delete(key);
      this.safely(() => this.handlers.delete?.(obj));
      return;
    }
    const old = this.cache.get(key);
    this.cache.set(key, obj);
    this.safely(() => this.handlers.upsert?.(obj, old));
  }

  private safely(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.onError(err);
    }
  }
}

async function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  await new Promise<void>((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
