import { describe, expect, it } from 'vitest';
import { ManualClock, flushMicrotasks } from './clock.ts';
import { Informer } from './informer.ts';
import { Resources, type KubeObject } from './kube-api.ts';
import { silentLogger } from './logger.ts';
import { MemoryKubeApi } from './memory-kube-api.ts';

const cm = (name: string, data: Record<string, string> = {}, labels: Record<string, string> = { app: 'x' }): KubeObject =>
  ({ metadata: { name, namespace: 'ns', labels }, data });

function setup(): { api: MemoryKubeApi; clock: ManualClock; informer: Informer; log: string[] } {
  const api = new MemoryKubeApi();
  const clock = new ManualClock();
  const informer = new Informer({ api, ref: Resources.configMap, clock, log: silentLogger, namespace: 'ns', labelSelector: 'app=x' });
  const log: string[] = [];
  informer.addHandler({
    onAdd: (o) => log.push(`add ${o.metadata.name}`),
    onUpdate: (_p, o) => log.push(`update ${o.metadata.name}`),
    onDelete: (o) => log.push(`delete ${o.metadata.name}`),
  });
  return { api, clock, informer, log };
}

describe('Informer', () => {
  it('lists, then follows the watch from the list resourceVersion', async () => {
    const { api, informer, log } = setup();
    await api.create(Resources.configMap, cm('a'));
    await api.create(Resources.configMap, cm('other', {}, { app: 'y' }));
    await informer.start();
    expect(informer.hasSynced).toBe(true);
    expect(log).toEqual(['add a']);
    await api.create(Resources.configMap, cm('b'));
    await api.mergePatch(Resources.configMap, 'ns', 'a', { data: { k: 'v' } });
    await api.delete(Resources.configMap, 'ns', 'b');
    await flushMicrotasks();
    expect(log).toEqual(['add a', 'add b', 'update a', 'delete b']);
    expect(informer.store.get('ns/a')!.data).toEqual({ k: 'v' });
    expect(informer.lastResourceVersion).toBe(api.currentResourceVersion);
    await informer.stop();
    expect(api.openWatches).toBe(0);
  });

  it('advances its resourceVersion on bookmarks and resumes a closed watch without relisting', async () => {
    const { api, informer } = setup();
    await informer.start();
    await api.create(Resources.configMap, cm('other', {}, { app: 'y' }));
    api.bookmark();
    await flushMicrotasks();
    expect(informer.stats.bookmarks).toBe(1);
    expect(informer.lastResourceVersion).toBe(api.currentResourceVersion);
    api.closeWatches();
    await flushMicrotasks();
    await api.create(Resources.configMap, cm('c'));
    await flushMicrotasks();
    expect(informer.store.get('ns/c')).toBeDefined();
    expect(informer.stats.lists).toBe(1);
    expect(informer.stats.watches).toBe(2);
    await informer.stop();
  });

  it('relists on 410 Gone and delivers what changed meanwhile as events', async () => {
    const { api, informer, log } = setup();
    await api.create(Resources.configMap, cm('a'));
    await api.create(Resources.configMap, cm('b'));
    await informer.start();
    // Events lost in a partition, then history compaction: resuming from the old version is 410.
    api.partitionWatches = true;
    await api.delete(Resources.configMap, 'ns', 'a');
    await api.create(Resources.configMap, cm('c'));
    api.compact();
    api.partitionWatches = false;
    log.length = 0;
    api.closeWatches();
    await flushMicrotasks(50);
    expect(informer.stats.expired).toBe(1);
    expect(informer.stats.relists).toBe(1);
    expect(log.sort()).toEqual(['add c', 'delete a']);
    expect([...informer.store.keys()].sort()).toEqual(['ns/b', 'ns/c']);
    await informer.stop();
  });

  it('backs off after watch errors and recovers', async () => {
    const { api, clock, informer } = setup();
    await informer.start();
    api.failNext('watch', new Error('connection reset'));
    api.closeWatches();
    await flushMicrotasks(50);
    expect(informer.stats.errors).toBe(1);
    await api.create(Resources.configMap, cm('late'));
    expect(informer.store.get('ns/late')).toBe(undefined);
    await clock.advance(500);
    await flushMicrotasks(50);
    expect(informer.store.get('ns/late')).toBeDefined();
    await informer.stop();
  });

  it('retries the initial list with backoff', async () => {
    const { api, clock, informer } = setup();
    api.failNext('list', new Error('apiserver down'));
    const started = informer.start();
    await flushMicrotasks();
    expect(informer.hasSynced).toBe(false);
    await clock.advance(500);
    await started;
    expect(informer.hasSynced).toBe(true);
    await informer.stop();
  });

  it('indexes objects and keeps the index current', async () => {
    const { api, informer } = setup();
    informer.store.addIndex('owner', (o) => o.metadata.labels?.owner);
    await api.create(Resources.configMap, cm('a', {}, { app: 'x', owner: 'c1' }));
    await informer.start();
    await api.create(Resources.configMap, cm('b', {}, { app: 'x', owner: 'c1' }));
    await flushMicrotasks();
    expect(informer.store.byIndex('owner', 'c1').map((o) => o.metadata.name).sort()).toEqual(['a', 'b']);
    await api.mergePatch(Resources.configMap, 'ns', 'a', { metadata: { labels: { owner: 'c2' } } });
    await flushMicrotasks();
    expect(informer.store.byIndex('owner', 'c1').map((o) => o.metadata.name)).toEqual(['b']);
    expect(informer.store.byIndex('owner', 'c2').map((o) => o.metadata.name)).toEqual(['a']);
    await informer.stop();
  });
});

describe('Informer pagination', () => {
  it('lists in pages and keeps every object', async () => {
    const api = new MemoryKubeApi();
    for (let i = 0; i < 1203; i++) await api.create(Resources.configMap, cm(`c${i}`));
    const informer = new Informer({ api, ref: Resources.configMap, clock: new ManualClock(), log: silentLogger, namespace: 'ns' });
    await informer.start();
    expect(informer.store.size).toBe(1203);
    expect(api.stats.list).toBe(3);
    await informer.stop();
  });
});
