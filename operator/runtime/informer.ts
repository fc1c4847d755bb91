// An informer: lists a collection, then watches it from the list's resourceVersion with
// bookmarks, keeping a local store current and calling handlers on adds, updates and deletes.
// A watch that ends is resumed from the last seen resourceVersion; 410 Gone (history compacted)
// triggers a full relist whose differences are delivered as events. Errors back off exponentially.
import type { Clock } from './clock.ts';
import { KubeApiError, keyOf, type KubeApi, type KubeObject, type ResourceRef, type WatchEvent } from './kube-api.ts';
import type { Logger } from './logger.ts';

export interface InformerHandler {
  onAdd?(object: KubeObject): void;
  onUpdate?(previous: KubeObject, object: KubeObject): void;
  onDelete?(object: KubeObject): void;
}

export type IndexFunction = (object: KubeObject) => string | undefined;

/** Page size of lists (bounded memory per request). */
export const LIST_PAGE_SIZE = 500;
/** Pages per relist: a bound on a single list (500 x 2000 = 1M objects). */
export const LIST_PAGES_MAX = 2000;
export const WATCH_TIMEOUT_SECONDS = 300;
export const BACKOFF_INITIAL_MS = 500;
export const BACKOFF_MAX_MS = 30_000;

/** Objects by key plus secondary indexes (e.g. by owning cluster). */
export class ObjectStore {
  private readonly objects = new Map<string, KubeObject>();
  private readonly indexFns = new Map<string, IndexFunction>();
  private readonly indexes = new Map<string, Map<string, Set<string>>>();

  addIndex(name: string, fn: IndexFunction): void {
    this.indexFns.set(name, fn);
    const index = new Map<string, Set<string>>();
    this.indexes.set(name, index);
    for (const [key, o] of this.objects) this.indexOne(name, fn, index, key, o);
  }

  get(key: string): KubeObject | undefined {
    return this.objects.get(key);
  }

  get size(): number {
    return this.objects.size;
  }

  keys(): IterableIterator<string> {
    return this.objects.keys();
  }

  values(): IterableIterator<KubeObject> {
    return this.objects.values();
  }

  byIndex(name: string, value: string): KubeObject[] {
    const keys = this.indexes.get(name)?.get(value);
    if (keys === undefined) return [];
    const out: KubeObject[] = [];
    for (const k of keys) out.push(this.objects.get(k)!);
    return out;
  }

  set(object: KubeObject): KubeObject | undefined {
    const key = keyOf(object);
    const previous = this.objects.get(key);
    if (previous !== undefined) this.unindex(key, previous);
    this.objects.set(key, object);
    for (const [name, fn] of this.indexFns) this.indexOne(name, fn, this.indexes.get(name)!, key, object);
    return previous;
  }

  delete(key: string): KubeObject | undefined {
    const previous = this.objects.get(key);
    if (previous === undefined) return undefined;
    this.unindex(key, previous);
    this.objects.delete(key);
    return previous;
  }

  private indexOne(_name: string, fn: IndexFunction, index: Map<string, Set<string>>, key: string, o: KubeObject): void {
    const value = fn(o);
    if (value === undefined) return;
    let set = index.get(value);
    if (set === undefined) {
      set = new Set();
      index.set(value, set);
    }
    set.add(key);
  }

  private unindex(key: string, o: KubeObject): void {
    for (const [name, fn] of this.indexFns) {
      const value = fn(o);
      if (value === undefined) continue;
      const index = this.indexes.get(name)!;
      const set = index.get(value);
      set?.delete(key);
      if (set?.size === 0) index.delete(value);
    }
  }
}

export interface InformerStats {
  lists: number;
  relists: number;
  watches: number;
  events: number;
  bookmarks: number;
  expired: number;
  errors: number;
}

export class Informer {
  readonly ref: ResourceRef;
  readonly store = new ObjectStore();
  readonly stats: InformerStats = { lists: 0, relists: 0, watches: 0, events: 0, bookmarks: 0, expired: 0, errors: 0 };
  private readonly api: KubeApi;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly namespace: string | undefined;
  private readonly labelSelector: string | undefined;
  private readonly handlers: InformerHandler[] = [];
  private readonly abort = new AbortController();
  private resourceVersion: string | undefined;
  private synced = false;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private currentWatch: { stop(): void } | undefined;

  constructor(options: { api: KubeApi; ref: ResourceRef; clock: Clock; log: Logger; namespace?: string | undefined; labelSelector?: string | undefined }) {
    this.api = options.api;
    this.ref = options.ref;
    this.clock = options.clock;
    this.log = options.log.child({ informer: options.ref.plural });
    this.namespace = options.namespace;
    this.labelSelector = options.labelSelector;
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  get lastResourceVersion(): string | undefined {
    return this.resourceVersion;
  }

  addHandler(handler: InformerHandler): void {
    this.handlers.push(handler);
  }

  /** Lists once (retrying with backoff), then keeps watching in the background. */
  async start(): Promise<void> {
    for (let failures = 0; !this.stopped; failures++) {
      try {
        await this.relist();
        break;
      } catch (error) {
        this.stats.errors++;
        this.log.warn({ err: String(error) }, 'initial list failed; retrying');
        await this.clock.sleep(backoffMs(failures), this.abort.signal);
      }
    }
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    this.currentWatch?.stop();
    await this.loop;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        if (this.resourceVersion === undefined) {
          this.stats.relists++;
          await this.relist();
        }
        const outcome = await this.watchOnce();
        if (outcome === 'expired') {
          this.stats.expired++;
          this.resourceVersion = undefined;
          this.log.info({}, 'watch expired (410); relisting');
        }
        failures = 0;
      } catch (error) {
        if (this.stopped) break;
        this.stats.errors++;
        if (KubeApiError.isGone(error)) this.resourceVersion = undefined;
        const delayMs = backoffMs(failures++);
        this.log.warn({ err: String(error), delayMs }, 'watch failed; backing off');
        await this.clock.sleep(delayMs, this.abort.signal);
      }
    }
  }

  private async relist(): Promise<void> {
    this.stats.lists++;
    const seen = new Set<string>();
    let continueToken: string | undefined;
    let resourceVersion = '';
    const items: KubeObject[] = [];
    for (let page = 0; page < LIST_PAGES_MAX; page++) {
      const result = await this.api.list(this.ref, { namespace: this.namespace, labelSelector: this.labelSelector, limit: LIST_PAGE_SIZE, continueToken });
      items.push(...result.items);
      if (page === 0 || resourceVersion === '') resourceVersion = result.resourceVersion;
      continueToken = result.continueToken;
      if (continueToken === undefined) break;
    }
    for (const o of items) {
      o.apiVersion ??= this.ref.group === '' ? this.ref.version : `${this.ref.group}/${this.ref.version}`;
      o.kind ??= this.ref.kind;
      seen.add(keyOf(o));
      this.upsert(o);
    }
    for (const key of [...this.store.keys()]) {
      if (!seen.has(key)) {
        const gone = this.store.delete(key)!;
        for (const h of this.handlers) h.onDelete?.(gone);
      }
    }
    this.resourceVersion = resourceVersion;
    this.synced = true;
  }

  private watchOnce(): Promise<'closed' | 'expired'> {
    this.stats.watches++;
    let expired = false;
    let failure: Error | undefined;
    const stream = this.api.watch(this.ref, {
      namespace: this.namespace,
      labelSelector: this.labelSelector,
      resourceVersion: this.resourceVersion!,
      timeoutSeconds: WATCH_TIMEOUT_SECONDS,
    }, (event: WatchEvent) => {
      if (expired || failure !== undefined) return;
      switch (event.type) {
        case 'ADDED':
        case 'MODIFIED':
          this.stats.events++;
          event.object.apiVersion ??= this.ref.group === '' ? this.ref.version : `${this.ref.group}/${this.ref.version}`;
          event.object.kind ??= this.ref.kind;
          this.upsert(event.object);
          this.resourceVersion = event.object.metadata.resourceVersion ?? this.resourceVersion;
          break;
        case 'DELETED': {
          this.stats.events++;
          const gone = this.store.delete(keyOf(event.object));
          if (gone !== undefined) for (const h of this.handlers) h.onDelete?.(event.object);
          this.resourceVersion = event.object.metadata.resourceVersion ?? this.resourceVersion;
          break;
        }
        case 'BOOKMARK':
          this.stats.bookmarks++;
          this.resourceVersion = event.object.metadata.resourceVersion ?? this.resourceVersion;
          break;
        case 'ERROR':
          if (event.object.code === 410) expired = true;
          else failure = new KubeApiError({ status: event.object.code ?? 500, reason: event.object.reason ?? 'InternalError', message: event.object.message ?? 'watch error' });
          stream.stop();
          break;
      }
    });
    this.currentWatch = stream;
    return stream.done.then((error) => {
      this.currentWatch = undefined;
      if (failure !== undefined) throw failure;
      if (error !== undefined && !this.stopped) throw error;
      return expired ? 'expired' : 'closed';
    });
  }

  private upsert(o: KubeObject): void {
    const previous = this.store.set(o);
    if (previous === undefined) {
      for (const h of this.handlers) h.onAdd?.(o);
    } else if (previous.metadata.resourceVersion !== o.metadata.resourceVersion) {
      for (const h of this.handlers) h.onUpdate?.(previous, o);
    }
  }
}

function backoffMs(failures: number): number {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_INITIAL_MS * 2 ** Math.min(failures, 20));
}
