// An in-memory Kubernetes API for tests and benchmarks: resourceVersions, list/watch with a bounded
// event history (older resourceVersions get 410 Gone, like etcd compaction), bookmarks, status
// subresources, generation, optimistic concurrency, owner-reference garbage collection, finalizers,
// and server-side apply approximated per field manager (fields a manager stops applying are removed).
import {
  KubeApiError,
  keyOf,
  matchesSelector,
  objectKey,
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

/** Watch events kept per resource for watches that resume from an older resourceVersion. */
export const WATCH_HISTORY_MAX = 10_000;

interface Watcher {
  ref: ResourceRef;
  options: WatchOptions;
  onEvent: (event: WatchEvent) => void;
  stopped: boolean;
  finish: (result: Error | undefined) => void;
  /** Live events held back while the backlog is replayed (keeps resourceVersion order). */
  held: WatchEvent[] | null;
}

interface HistoryEntry { rv: number; type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: KubeObject }

type Json = { [k: string]: unknown };

const clone = <T>(v: T): T => structuredClone(v);

function isPlainObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Recursive merge: objects merge, everything else (arrays included) is replaced. null deletes. */
export function mergeInto(target: Json, patch: Json): Json {
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete target[k];
    else if (isPlainObject(v) && isPlainObject(target[k])) mergeInto(target[k], v);
    else target[k] = clone(v);
  }
  return target;
}

/** Removes from target the fields that were in previous but are absent from next (SSA ownership). */
function removeDropped(target: Json, previous: Json, next: Json): void {
  for (const [k, v] of Object.entries(previous)) {
    if (!(k in next)) {
      delete target[k];
    } else if (isPlainObject(v) && isPlainObject(next[k]) && isPlainObject(target[k])) {
      removeDropped(target[k], v, next[k]);
    }
  }
}

function specOf(o: KubeObject): string {
  const { metadata: _m, status: _s, ...rest } = o;
  return JSON.stringify(rest);
}

export interface MemoryKubeApiStats {
  list: number;
  watch: number;
  get: number;
  apply: number;
  create: number;
  replace: number;
  mergePatch: number;
  delete: number;
}

export class MemoryKubeApi implements KubeApi {
  private rv = 1;
  private uidSeq = 0;
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private readonly refs = new Map<string, ResourceRef>();
  private readonly history = new Map<string, HistoryEntry[]>();
  private readonly appliedBy = new Map<string, Json>();
  private readonly watchers = new Set<Watcher>();
  private readonly failures: Array<{ verb: keyof MemoryKubeApiStats; error: Error }> = [];
  readonly stats: MemoryKubeApiStats = { list: 0, watch: 0, get: 0, apply: 0, create: 0, replace: 0, mergePatch: 0, delete: 0 };
  /** While true, watch events are lost on the way (a network partition between watch and server). */
  partitionWatches = false;
  /** Wall clock used for timestamps. */
  nowIso: () => string = () => new Date(0).toISOString();

  /** The next call of `verb` fails with `error` (fault injection). */
  failNext(verb: keyof MemoryKubeApiStats, error: Error): void {
    this.failures.push({ verb, error });
  }

  get currentResourceVersion(): string {
    return String(this.rv);
  }

  /** Drops all watch history: watches resuming from any older resourceVersion get 410. */
  compact(): void {
    for (const h of this.history.values()) h.length = 0;
    this.compactedAt = this.rv;
  }

  private compactedAt = 0;

  /** Sends a BOOKMARK with the current resourceVersion to every open watch. */
  bookmark(): void {
    for (const w of this.watchers) {
      if (w.stopped) continue;
      const event: WatchEvent = { type: 'BOOKMARK', object: { kind: w.ref.kind, apiVersion: '', metadata: { name: '', resourceVersion: String(this.rv) } } };
      if (w.held !== null) w.held.push(event);
      else w.onEvent(event);
    }
  }

  /** Ends every open watch as a server timeout would (clients re-watch). */
  closeWatches(): void {
    for (const w of [...this.watchers]) this.endWatch(w, undefined);
  }

  get openWatches(): number {
    return this.watchers.size;
  }

  /** All stored objects of a kind (copies), for assertions. */
  all(ref: ResourceRef): KubeObject[] {
    return [...this.bucket(ref).values()].map(clone);
  }

  peek(ref: ResourceRef, namespace: string | undefined, name: string): KubeObject | undefined {
    const o = this.bucket(ref).get(objectKey(ref.namespaced ? namespace : undefined, name));
    return o === undefined ? undefined : clone(o);
  }

  async list(ref: ResourceRef, options: ListOptions): Promise<ListResult> {
    this.stats.list++;
    this.maybeFail('list');
    const items = [...this.bucket(ref).values()]
      .filter((o) => this.visible(ref, o, options.namespace, options.labelSelector))
      .sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
    const start = options.continueToken === undefined ? 0 : Number(options.continueToken);
    const limit = options.limit ?? items.length;
    const page = items.slice(start, start + limit).map(clone);
    const next = start + limit < items.length ? String(start + limit) : undefined;
    return { items: page, resourceVersion: String(this.rv), continueToken: next };
  }

  watch(ref: ResourceRef, options: WatchOptions, onEvent: (event: WatchEvent) => void): WatchStream {
    this.stats.watch++;
    let finish!: (r: Error | undefined) => void;
    const done = new Promise<Error | undefined>((resolve) => { finish = resolve; });
    const watcher: Watcher = { ref, options, onEvent, stopped: false, finish, held: [] };
    const from = Number(options.resourceVersion);
    const failure = this.failures.findIndex((f) => f.verb === 'watch');
    if (failure >= 0) {
      const [f] = this.failures.splice(failure, 1);
      queueMicrotask(() => finish(f!.error));
      return { stop: () => {}, done };
    }
    if (from < this.compactedAt) {
      queueMicrotask(() => {
        onEvent({ type: 'ERROR', object: { metadata: { name: '' }, code: 410, reason: 'Expired', message: `too old resource version: ${from} (${this.compactedAt})` } });
        finish(undefined);
      });
      return { stop: () => {}, done };
    }
    this.watchers.add(watcher);
    const backlog = (this.history.get(ref.plural) ?? []).filter((e) => e.rv > from);
    queueMicrotask(() => {
      for (const e of backlog) {
        if (watcher.stopped) return;
        if (this.visible(ref, e.object, options.namespace, options.labelSelector)) watcher.onEvent({ type: e.type, object: clone(e.object) });
      }
      const held = watcher.held ?? [];
      watcher.held = null;
      for (const e of held) {
        if (watcher.stopped) return;
        watcher.onEvent(e);
      }
    });
    return { stop: () => this.endWatch(watcher, undefined), done };
  }

  async get(ref: ResourceRef, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    this.stats.get++;
    this.maybeFail('get');
    return this.peek(ref, namespace, name);
  }

  async apply(ref: ResourceRef, object: KubeObject, options: ApplyOptions): Promise<KubeObject> {
    this.stats.apply++;
    this.maybeFail('apply');
    const ns = ref.namespaced ? object.metadata.namespace : undefined;
    const key = objectKey(ns, object.metadata.name);
    const existing = this.bucket(ref).get(key);
    const managerKey = `${ref.plural}/${key}/${options.fieldManager}/${options.subresource ?? ''}`;
    const applied = clone(object) as Json;
    if (existing === undefined) {
      if (options.subresource === 'status') throw new KubeApiError({ status: 404, reason: 'NotFound', message: `${ref.kind} ${key} not found` });
      this.appliedBy.set(managerKey, applied);
      return clone(this.store(ref, 'ADDED', this.fresh(ref, clone(object))));
    }
    const next = clone(existing) as Json;
    const previous = this.appliedBy.get(managerKey);
    if (options.subresource === 'status') {
      const status = isPlainObject(next.status) ? next.status : {};
      if (previous !== undefined && isPlainObject(previous.status) && isPlainObject(applied.status)) removeDropped(status, previous.status, applied.status);
      next.status = isPlainObject(applied.status) ? mergeInto(status, applied.status) : status;
    } else {
      const { status: _ignored, ...body } = applied;
      if (previous !== undefined) {
        const { status: _p, ...prevBody } = previous;
        removeDropped(next, prevBody, body);
      }
      mergeInto(next, body);
      next.status = existing.status;
      if (next.status === undefined) delete next.status;
    }
    this.appliedBy.set(managerKey, applied);
    return clone(this.update(ref, existing, next as KubeObject));
  }

  async create(ref: ResourceRef, object: KubeObject): Promise<KubeObject> {
    this.stats.create++;
    this.maybeFail('create');
    const ns = ref.namespaced ? object.metadata.namespace : undefined;
    let name = object.metadata.name;
    const generateName = (object.metadata as { generateName?: string }).generateName;
    if ((name === undefined || name === '') && generateName !== undefined) name = `${generateName}${(++this.uidSeq).toString(36)}`;
    const key = objectKey(ns, name);
    if (this.bucket(ref).has(key)) throw new KubeApiError({ status: 409, reason: 'AlreadyExists', message: `${ref.kind} ${key} already exists` });
    const o = clone(object);
    o.metadata.name = name;
    return clone(this.store(ref, 'ADDED', this.fresh(ref, o)));
  }

  async replace(ref: ResourceRef, object: KubeObject, options: { subresource?: 'status' } = {}): Promise<KubeObject> {
    this.stats.replace++;
    this.maybeFail('replace');
    const ns = ref.namespaced ? object.metadata.namespace : undefined;
    const key = objectKey(ns, object.metadata.name);
    const existing = this.bucket(ref).get(key);
    if (existing === undefined) throw new KubeApiError({ status: 404, reason: 'NotFound', message: `${ref.kind} ${key} not found` });
    if (object.metadata.resourceVersion !== undefined && object.metadata.resourceVersion !== existing.metadata.resourceVersion) {
      throw new KubeApiError({ status: 409, reason: 'Conflict', message: `${ref.kind} ${key}: the object has been modified` });
    }
    let next = clone(object);
    if (options.subresource === 'status') {
      next = clone(existing);
      next.status = clone(object.status);
      if (next.status === undefined) delete next.status;
    } else {
      next.status = existing.status;
      if (next.status === undefined) delete next.status;
    }
    return clone(this.update(ref, existing, next));
  }

  async mergePatch(ref: ResourceRef, namespace: string | undefined, name: string, patch: unknown, options: { subresource?: 'status' } = {}): Promise<KubeObject> {
    this.stats.mergePatch++;
    this.maybeFail('mergePatch');
    const key = objectKey(ref.namespaced ? namespace : undefined, name);
    const existing = this.bucket(ref).get(key);
    if (existing === undefined) throw new KubeApiError({ status: 404, reason: 'NotFound', message: `${ref.kind} ${key} not found` });
    const p = clone(patch) as Json;
    const next = clone(existing) as Json;
    if (options.subresource === 'status') {
      const status = isPlainObject(next.status) ? next.status : {};
      if (isPlainObject(p.status)) next.status = mergeInto(status, p.status);
    } else {
      delete p.status;
      mergeInto(next, p);
    }
    return clone(this.update(ref, existing, next as KubeObject));
  }

  async delete(ref: ResourceRef, namespace: string | undefined, name: string, options: DeleteOptions = {}): Promise<boolean> {
    this.stats.delete++;
    this.maybeFail('delete');
    const key = objectKey(ref.namespaced ? namespace : undefined, name);
    const existing = this.bucket(ref).get(key);
    if (existing === undefined) return false;
    if (options.uid !== undefined && existing.metadata.uid !== options.uid) {
      throw new KubeApiError({ status: 409, reason: 'Conflict', message: `precondition failed: uid ${options.uid}` });
    }
    if (options.resourceVersion !== undefined && existing.metadata.resourceVersion !== options.resourceVersion) {
      throw new KubeApiError({ status: 409, reason: 'Conflict', message: `precondition failed: resourceVersion ${options.resourceVersion}` });
    }
    if ((existing.metadata.finalizers?.length ?? 0) > 0) {
      if (existing.metadata.deletionTimestamp === undefined) {
        const next = clone(existing);
        next.metadata.deletionTimestamp = this.nowIso();
        this.update(ref, existing, next);
      }
      return true;
    }
    this.remove(ref, key, existing, options.propagationPolicy ?? 'Background');
    return true;
  }

  // ------------------------------------------------------------------------------------------

  private maybeFail(verb: keyof MemoryKubeApiStats): void {
    const i = this.failures.findIndex((f) => f.verb === verb);
    if (i >= 0) throw this.failures.splice(i, 1)[0]!.error;
  }

  private bucket(ref: ResourceRef): Map<string, KubeObject> {
    let b = this.objects.get(ref.plural);
    if (b === undefined) {
      b = new Map();
      this.objects.set(ref.plural, b);
      this.refs.set(ref.plural, ref);
    }
    return b;
  }

  private visible(ref: ResourceRef, o: KubeObject, namespace: string | undefined, selector: string | undefined): boolean {
    if (ref.namespaced && namespace !== undefined && o.metadata.namespace !== namespace) return false;
    return matchesSelector(o.metadata.labels, selector);
  }

  private fresh(ref: ResourceRef, o: KubeObject): KubeObject {
    if (!ref.namespaced) delete o.metadata.namespace;
    o.metadata.uid = `uid-${++this.uidSeq}`;
    o.metadata.creationTimestamp = this.nowIso();
    o.metadata.generation = 1;
    o.apiVersion = ref.group === '' ? ref.version : `${ref.group}/${ref.version}`;
    o.kind = ref.kind;
    delete o.metadata.deletionTimestamp;
    return o;
  }

  private update(ref: ResourceRef, existing: KubeObject, next: KubeObject): KubeObject {
    next.metadata.uid = existing.metadata.uid!;
    next.metadata.creationTimestamp = existing.metadata.creationTimestamp!;
    next.metadata.generation = existing.metadata.generation ?? 1;
    if (existing.metadata.deletionTimestamp !== undefined) next.metadata.deletionTimestamp = existing.metadata.deletionTimestamp;
    next.apiVersion = existing.apiVersion!;
    next.kind = existing.kind!;
    if (specOf(next) !== specOf(existing)) next.metadata.generation = (existing.metadata.generation ?? 1) + 1;
    const unchanged = JSON.stringify({ ...next, metadata: { ...next.metadata, resourceVersion: undefined } })
      === JSON.stringify({ ...existing, metadata: { ...existing.metadata, resourceVersion: undefined } });
    if (unchanged) return existing;
    if (next.metadata.deletionTimestamp !== undefined && (next.metadata.finalizers?.length ?? 0) === 0) {
      this.remove(ref, keyOf(next), existing, 'Background');
      return next;
    }
    return this.store(ref, 'MODIFIED', next);
  }

  private store(ref: ResourceRef, type: 'ADDED' | 'MODIFIED', o: KubeObject): KubeObject {
    o.metadata.resourceVersion = String(++this.rv);
    this.bucket(ref).set(keyOf(o), o);
    this.record(ref, type, o);
    return o;
  }

  private remove(ref: ResourceRef, key: string, existing: KubeObject, policy: 'Foreground' | 'Background' | 'Orphan'): void {
    this.bucket(ref).delete(key);
    const gone = clone(existing);
    gone.metadata.resourceVersion = String(++this.rv);
    this.record(ref, 'DELETED', gone);
    for (const k of [...this.appliedBy.keys()]) if (k.startsWith(`${ref.plural}/${key}/`)) this.appliedBy.delete(k);
    const uid = existing.metadata.uid;
    if (uid === undefined) return;
    // Garbage collection of dependents (or orphaning: drop the owner reference).
    for (const [plural, bucket] of this.objects) {
      const depRef = this.refs.get(plural)!;
      for (const [depKey, dep] of [...bucket]) {
        const owners = dep.metadata.ownerReferences ?? [];
        if (!owners.some((r) => r.uid === uid)) continue;
        if (policy === 'Orphan') {
          const next = clone(dep);
          next.metadata.ownerReferences = owners.filter((r) => r.uid !== uid);
          this.update(depRef, dep, next);
        } else if ((dep.metadata.finalizers?.length ?? 0) === 0) {
          this.remove(depRef, depKey, dep, 'Background');
        }
      }
    }
  }

  private record(ref: ResourceRef, type: 'ADDED' | 'MODIFIED' | 'DELETED', o: KubeObject): void {
    let h = this.history.get(ref.plural);
    if (h === undefined) {
      h = [];
      this.history.set(ref.plural, h);
    }
    h.push({ rv: Number(o.metadata.resourceVersion), type, object: o });
    if (h.length > WATCH_HISTORY_MAX) {
      const dropped = h.splice(0, h.length - WATCH_HISTORY_MAX);
      this.compactedAt = Math.max(this.compactedAt, dropped[dropped.length - 1]!.rv);
    }
    for (const w of this.watchers) {
      if (w.stopped || w.ref.plural !== ref.plural || this.partitionWatches) continue;
      if (!this.visible(ref, o, w.options.namespace, w.options.labelSelector)) continue;
      const event: WatchEvent = { type, object: clone(o) };
      if (w.held !== null) w.held.push(event);
      else w.onEvent(event);
    }
  }

  private endWatch(w: Watcher, result: Error | undefined): void {
    if (w.stopped) return;
    w.stopped = true;
    this.watchers.delete(w);
    w.finish(result);
  }
}
