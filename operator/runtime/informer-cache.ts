// Shared informer caches for a controller: one informer per resource, objects indexed by the
// cluster that owns them (label cassia.dev/cluster, or the object itself for the primary
// resource), and a change feed that maps every event to the owning cluster's key.
import type { Clock } from './clock.ts';
import { Informer } from './informer.ts';
import { keyOf, objectKey, type KubeApi, type KubeObject, type ResourceRef } from './kube-api.ts';
import type { Logger } from './logger.ts';

export const OWNER_INDEX = 'owner';

export interface InformerCacheOptions {
  readonly api: KubeApi;
  readonly clock: Clock;
  readonly log: Logger;
  /** The primary resource (CassandraCluster). */
  readonly primary: ResourceRef;
  /** Namespaced resources owned by a primary object, selected by `ownerLabel`. */
  readonly owned: readonly ResourceRef[];
  /** Other resources cached whole (e.g. Nodes). */
  readonly others: readonly ResourceRef[];
  readonly ownerLabel: string;
  /** Watch one namespace only; all namespaces when undefined. */
  readonly namespace?: string | undefined;
}

export type ChangeHandler = (event: { ref: ResourceRef; type: 'add' | 'update' | 'delete'; object: KubeObject; previous?: KubeObject; ownerKey: string | undefined }) => void;

export class InformerCache {
  private readonly informers = new Map<string, Informer>();
  private readonly options: InformerCacheOptions;
  private readonly handlers: ChangeHandler[] = [];

  constructor(options: InformerCacheOptions) {
    this.options = options;
    const add = (ref: ResourceRef, labelSelector: string | undefined, ownerOf: (o: KubeObject) => string | undefined): void => {
      const informer = new Informer({ api: options.api, ref, clock: options.clock, log: options.log, namespace: ref.namespaced ? options.namespace : undefined, labelSelector });
      informer.store.addIndex(OWNER_INDEX, ownerOf);
      informer.addHandler({
        onAdd: (object) => this.emit({ ref, type: 'add', object, ownerKey: ownerOf(object) }),
        onUpdate: (previous, object) => this.emit({ ref, type: 'update', object, previous, ownerKey: ownerOf(object) }),
        onDelete: (object) => this.emit({ ref, type: 'delete', object, ownerKey: ownerOf(object) }),
      });
      this.informers.set(ref.plural, informer);
    };
    add(options.primary, undefined, (o) => keyOf(o));
    for (const ref of options.owned) {
      add(ref, options.ownerLabel, (o) => {
        const owner = o.metadata.labels?.[options.ownerLabel];
        return owner === undefined ? undefined : objectKey(o.metadata.namespace, owner);
      });
    }
    for (const ref of options.others) add(ref, undefined, () => undefined);
  }

  onChange(handler: ChangeHandler): void {
    this.handlers.push(handler);
  }

  /** Lists every resource (in parallel) and starts the watches. */
  async start(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.start()));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
  }

  get synced(): boolean {
    return [...this.informers.values()].every((i) => i.hasSynced);
  }

  informer(ref: ResourceRef): Informer {
    const i = this.informers.get(ref.plural);
    if (i === undefined) throw new Error(`no informer for ${ref.plural}`);
    return i;
  }

  get(ref: ResourceRef, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.informers.get(ref.plural)?.store.get(objectKey(ref.namespaced ? namespace : undefined, name));
  }

  listOwned(ref: ResourceRef, namespace: string, owner: string): KubeObject[] {
    return this.informers.get(ref.plural)?.store.byIndex(OWNER_INDEX, objectKey(namespace, owner)) ?? [];
  }

  getCluster(namespace: string, name: string): KubeObject | undefined {
    return this.get(this.options.primary, namespace, name);
  }

  list(ref: ResourceRef): KubeObject[] {
    return [...(this.informers.get(ref.plural)?.store.values() ?? [])];
  }

  private emit(event: Parameters<ChangeHandler>[0]): void {
    for (const h of this.handlers) h(event);
  }
}
