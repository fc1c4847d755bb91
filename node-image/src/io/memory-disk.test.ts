import { describe, expect, it } from 'vitest';
import { MemoryDisk } from './memory-disk.ts';

const bytes = (s: string): Buffer => Buffer.from(s);

describe('MemoryDisk', () => {
  it('reads back appended bytes and lists directory entries', () => {
    const disk = new MemoryDisk();
    disk.mkdirp('/data/t1');
    const f = disk.openWrite('/data/t1/a', { truncate: true });
    f.append(bytes('hello '));
    f.append(bytes('world'));
    expect(f.positionBytes).toBe(11);
    expect(disk.readFile('/data/t1/a').toString()).toBe('hello world');
    expect(disk.list('/data')).toEqual(['t1']);
    expect(disk.list('/data/t1')).toEqual(['a']);
    expect(disk.stat('/data/t1/a')).toEqual({ sizeBytes: 11, isDirectory: false });
    expect(disk.stat('/data/t1')).toEqual({ sizeBytes: 0, isDirectory: true });
    expect(disk.stat('/nope')).toBeNull();
    const r = disk.openRead('/data/t1/a');
    const target = Buffer.alloc(5);
    expect(r.read({ target, targetOffset: 0, length: 5, position: 6 })).toBe(5);
    expect(target.toString()).toBe('world');
    expect(r.read({ target, targetOffset: 0, length: 5, position: 20 })).toBe(0);
  });

  it('drops unsynced bytes and unsynced directory entries on crash', async () => {
    const disk = new MemoryDisk();
    disk.mkdirp('/d');
    const f = disk.openWrite('/d/log', { truncate: true });
    f.append(bytes('durable'));
    await f.sync();
    f.append(bytes('-lost'));
    // The file exists only in the process's view until the directory is synced.
    disk.crash({ seed: 1, unsyncedBytes: 'none' });
    expect(disk.stat('/d/log')).toBeNull();

    const g = disk.openWrite('/d/log', { truncate: true });
    g.append(bytes('durable'));
    g.syncNow();
    disk.syncDirectory('/d');
    g.append(bytes('-lost'));
    disk.crash({ seed: 1, unsyncedBytes: 'none' });
    expect(disk.readFile('/d/log').toString()).toBe('durable');
    expect(() => g.append(bytes('x'))).toThrow(/stale/);
  });

  it('keeps a seeded random prefix of the unsynced tail (torn write), reproducibly', () => {
    const lengths: number[] = [];
    for (const seed of [1, 2, 3, 4, 5, 1]) {
      const disk = new MemoryDisk();
      disk.mkdirp('/d');
      const f = disk.openWrite('/d/log', { truncate: true });
      f.append(bytes('0123456789'));
      f.syncNow();
      disk.syncDirectory('/d');
      f.append(Buffer.alloc(1000, 7));
      disk.crash({ seed, unsyncedBytes: 'random' });
      const after = disk.readFile('/d/log');
      expect(after.subarray(0, 10).toString()).toBe('0123456789');
      expect(after.length).toBeGreaterThanOrEqual(10);
      expect(after.length).toBeLessThanOrEqual(1010);
      lengths.push(after.length);
    }
    expect(lengths[0]).toBe(lengths[5]);
    expect(new Set(lengths).size).toBeGreaterThan(1);
  });

  it('keeps everything on kill (the OS has the bytes) but invalidates handles', () => {
    const disk = new MemoryDisk();
    disk.mkdirp('/d');
    const f = disk.openWrite('/d/log', { truncate: true });
    f.append(bytes('abc'));
    disk.kill();
    expect(disk.readFile('/d/log').toString()).toBe('abc');
    expect(() => f.append(bytes('x'))).toThrow(/stale/);
  });

  it('follows rename and remove semantics with syncDirectory', () => {
    const disk = new MemoryDisk();
    disk.mkdirp('/d');
    disk.writeFileAtomic('/d/state', bytes('v1'));
    const f = disk.openWrite('/d/tmp-x', { truncate: true });
    f.append(bytes('new'));
    f.syncNow();
    disk.rename('/d/tmp-x', '/d/x');
    expect(disk.list('/d')).toEqual(['state', 'x']);
    disk.crash({ seed: 1, unsyncedBytes: 'all' });
    // Neither the temp name nor the rename was made durable.
    expect(disk.list('/d')).toEqual(['state']);

    disk.writeFileAtomic('/d/state', bytes('v2'));
    disk.remove('/d/state');
    disk.crash({ seed: 1, unsyncedBytes: 'all' });
    expect(disk.readFile('/d/state').toString()).toBe('v2');
    disk.remove('/d/state');
    disk.syncDirectory('/d');
    disk.crash({ seed: 1, unsyncedBytes: 'all' });
    expect(disk.stat('/d/state')).toBeNull();
  });

  it('brings back the old durable contents when a truncation was not synced', () => {
    const disk = new MemoryDisk();
    disk.mkdirp('/d');
    disk.writeFileAtomic('/d/f', bytes('old'));
    const f = disk.openWrite('/d/f', { truncate: true });
    f.append(bytes('new!'));
    disk.crash({ seed: 9, unsyncedBytes: 'random' });
    expect(disk.readFile('/d/f').toString()).toBe('old');
  });

  it('completes async syncs through the injected scheduler and fails them after a crash', async () => {
    const pending: Array<() => void> = [];
    const disk = new MemoryDisk({ scheduleSync: (complete) => pending.push(complete) });
    disk.mkdirp('/d');
    const f = disk.openWrite('/d/f', { truncate: true });
    disk.syncDirectory('/d');
    f.append(bytes('abc'));
    const p1 = f.sync();
    pending.shift()!();
    await p1;
    f.append(bytes('def'));
    const p2 = f.sync();
    disk.crash({ seed: 1, unsyncedBytes: 'none' });
    pending.shift()!();
    await expect(p2).rejects.toThrow(/stale/);
    expect(disk.readFile('/d/f').toString()).toBe('abc');
    expect(disk.stats().fileSyncs).toBe(2);
  });

  it('garbles the torn tail when asked', () => {
    const disk = new MemoryDisk();
    disk.mkdirp('/d');
    const f = disk.openWrite('/d/f', { truncate: true });
    disk.syncDirectory('/d');
    f.append(Buffer.alloc(4096, 0));
    let garbled = false;
    for (let seed = 1; seed < 20 && !garbled; seed++) {
      const d2 = new MemoryDisk();
      d2.mkdirp('/d');
      const g = d2.openWrite('/d/f', { truncate: true });
      d2.syncDirectory('/d');
      g.append(Buffer.alloc(4096, 0));
      d2.crash({ seed, unsyncedBytes: 'random', garbleTornTail: true });
      garbled = d2.readFile('/d/f').some((b) => b !== 0);
    }
    expect(garbled).toBe(true);
  });

  it('fails the next sync when a failure is injected', () => {
    const disk = new MemoryDisk();
    disk.mkdirp('/d');
    const f = disk.openWrite('/d/f', { truncate: true });
    disk.injectSyncFailure(new Error('EIO'));
    expect(() => f.syncNow()).toThrow('EIO');
    f.syncNow();
  });
});

describe('MemoryDisk.processView', () => {
  it('fails every call after a crash or kill', () => {
    const disk = new MemoryDisk();
    const view = disk.processView();
    view.mkdirp('/d');
    expect(view.list('/')).toEqual(['d']);
    disk.kill();
    expect(() => view.list('/')).toThrow(/stale/);
    expect(() => view.remove('/d/x')).toThrow(/stale/);
    expect(disk.processView().list('/')).toEqual(['d']);
  });
});
