// An in-memory Disk for unit tests and the simulator. It models what survives a power loss: file
// bytes up to the last sync, and directory entries (create, rename, remove) up to the last
// syncDirectory of their parent. `crash()` reverts to that durable state, optionally keeping a
// seeded prefix of the unsynced tail of each file (a torn write); `kill()` models kill -9, where
// everything handed to the OS survives. Handles opened before a crash or kill become stale.
import type { Disk, FileStat, ReadableFile, WritableFile } from './disk.ts';

export interface MemoryDiskCrashOptions {
  /** Seed of the PRNG that chooses how much of each unsynced tail survives. */
  readonly seed: number;
  /**
   * 'none': drop every unsynced byte; 'random': keep a random prefix of each file's unsynced
   * bytes (a torn write); 'all': keep them (the OS got them out before the power went).
   */
  readonly unsyncedBytes: 'none' | 'random' | 'all';
  /** Flip bits in the last few bytes of each kept torn tail (garbage instead of a clean prefix). */
  readonly garbleTornTail?: boolean;
}

export interface MemoryDiskStats {
  readonly fileSyncs: number;
  readonly directorySyncs: number;
  readonly appends: number;
  readonly appendedBytes: number;
}

/** Largest torn-tail region whose bytes may be garbled on crash. */
const GARBLE_BYTES_MAX = 16;
const INITIAL_CAPACITY_BYTES = 256;

/** File contents shared by every path (directory entry) that names it, like an inode. */
class Inode {
  data: Buffer = Buffer.alloc(INITIAL_CAPACITY_BYTES);
  lengthBytes = 0;
  /** Bytes known to be on stable storage (a prefix of `data`). */
  syncedLengthBytes = 0;
  /** Contents as of the last sync when the file was truncated since; null when only appended. */
  durableBeforeTruncate: Buffer | null = null;

  append(bytes: Uint8Array): void {
    const needed = this.lengthBytes + bytes.length;
    if (needed > this.data.length) {
      let capacity = this.data.length * 2;
      while (capacity < needed) capacity *= 2;
      const grown = Buffer.alloc(capacity);
      this.data.copy(grown, 0, 0, this.lengthBytes);
      this.data = grown;
    }
    this.data.set(bytes, this.lengthBytes);
    this.lengthBytes = needed;
  }

  truncate(): void {
    if (this.durableBeforeTruncate === null) {
      this.durableBeforeTruncate = Buffer.from(this.data.subarray(0, this.syncedLengthBytes));
    }
    this.lengthBytes = 0;
    this.syncedLengthBytes = 0;
  }

  markSynced(lengthBytes: number): void {
    if (lengthBytes >= this.syncedLengthBytes) this.syncedLengthBytes = Math.min(lengthBytes, this.lengthBytes);
    this.durableBeforeTruncate = null;
  }

  contents(): Buffer {
    return this.data.subarray(0, this.lengthBytes);
  }
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

function normalize(path: string): string {
  let p = path.replace(/\/+/g, '/');
  if (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  return p;
}

/** mulberry32: a tiny seeded PRNG, enough to choose torn lengths reproducibly. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface MemoryDiskOptions {
  /**
   * Decides when an asynchronous sync completes (default: on the next microtask). The simulator
   * and crash tests pass a scheduler that delays it, so a crash can land while a sync is in flight.
   */
  readonly scheduleSync?: (complete: () => void) => void;
}

export class MemoryDisk implements Disk {
  readonly scheduleSync: ((complete: () => void) => void) | null;
  /** The namespace as processes see it. */
  private files = new Map<string, Inode>();
  /** The namespace as it would be found after a power loss. */
  private durableFiles = new Map<string, Inode>();
  /** Directories are durable as soon as they are created (kept simple on purpose). */
  private readonly directories = new Set<string>(['/']);
  /** Incremented by crash()/kill(): handles from an older epoch are stale. */
  private epoch = 0;
  private counters = { fileSyncs: 0, directorySyncs: 0, appends: 0, appendedBytes: 0 };
  /** Fault injection: when set, the next sync (file or directory) fails with this error. */
  private failNextSync: Error | null = null;

  constructor(options: MemoryDiskOptions = {}) {
    this.scheduleSync = options.scheduleSync ?? null;
  }

  stats(): MemoryDiskStats {
    return { ...this.counters };
  }

  /** Makes the next file or directory sync throw (or reject) with `error`. */
  injectSyncFailure(error: Error): void {
    this.failNextSync = error;
  }

  /** Power loss: unsynced bytes and directory changes are lost (or torn per `options`). */
  crash(options: MemoryDiskCrashOptions): void {
    const random = seededRandom(options.seed);
    const survivors = new Map<string, Inode>();
    const seen = new Set<Inode>();
    for (const [path, inode] of [...this.durableFiles.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      survivors.set(path, inode);
      if (seen.has(inode)) continue;
      seen.add(inode);
      const durable = inode.durableBeforeTruncate;
      if (durable !== null) {
        // Truncated since the last sync: the old durable contents come back.
        inode.data = Buffer.alloc(Math.max(INITIAL_CAPACITY_BYTES, durable.length));
        durable.copy(inode.data);
        inode.lengthBytes = durable.length;
        inode.syncedLengthBytes = durable.length;
        inode.durableBeforeTruncate = null;
        continue;
      }
      const unsynced = inode.lengthBytes - inode.syncedLengthBytes;
      let kept = 0;
      if (options.unsyncedBytes === 'all') kept = unsynced;
      else if (options.unsyncedBytes === 'random') kept = Math.floor(random() * (unsynced + 1));
      if (kept > 0 && options.garbleTornTail === true && kept < unsynced) {
        const garbled = Math.min(GARBLE_BYTES_MAX, kept);
        for (let i = 0; i < garbled; i++) {
          const at = inode.syncedLengthBytes + kept - 1 - i;
          inode.data[at] = inode.data[at]! ^ (1 + Math.floor(random() * 255));
        }
      }
      inode.lengthBytes = inode.syncedLengthBytes + kept;
      inode.syncedLengthBytes = inode.lengthBytes;
    }
    this.files = survivors;
    this.durableFiles = new Map(survivors);
    this.epoch++;
  }

  /** kill -9: the process dies, the OS keeps every appended byte and directory change. */
  kill(): void {
    this.epoch++;
  }

  /**
   * A Disk bound to the current process: every call through it fails once the disk crashes or
   * the process is killed, so a dead engine's leftover callbacks cannot touch the next one's files.
   */
  processView(): Disk {
    const epoch = this.epoch;
    const check = (path: string): void => this.checkEpoch(epoch, path);
    return {
      mkdirp: (path) => (check(path), this.mkdirp(path)),
      list: (path) => (check(path), this.list(path)),
      stat: (path) => (check(path), this.stat(path)),
      readFile: (path) => (check(path), this.readFile(path)),
      writeFileAtomic: (path, bytes) => (check(path), this.writeFileAtomic(path, bytes)),
      openRead: (path) => (check(path), this.openRead(path)),
      openWrite: (path, options) => (check(path), this.openWrite(path, options)),
      rename: (from, to) => (check(from), this.rename(from, to)),
      remove: (path) => (check(path), this.remove(path)),
      removeTree: (path) => (check(path), this.removeTree(path)),
      syncDirectory: (path) => (check(path), this.syncDirectory(path)),
    };
  }

  /** Bytes of `path` (for assertions in tests). */
  peek(path: string): Buffer | null {
    const inode = this.files.get(normalize(path));
    return inode === undefined ? null : Buffer.from(inode.contents());
  }

  /** Overwrites bytes in place (for corruption tests); the change counts as synced. */
  corrupt(path: string, offsetBytes: number, bytes: Uint8Array): void {
    const inode = this.files.get(normalize(path));
    if (inode === undefined) throw new Error(`ENOENT: ${path}`);
    if (offsetBytes + bytes.length > inode.lengthBytes) throw new Error(`corrupt beyond end of ${path}`);
    inode.data.set(bytes, offsetBytes);
  }

  // -------------------------------------------------------------------------------------------
  // Disk

  mkdirp(path: string): void {
    let p = normalize(path);
    const chain: string[] = [];
    while (!this.directories.has(p)) {
      if (this.files.has(p)) throw new Error(`EEXIST: ${p} is a file`);
      chain.push(p);
      p = parentOf(p);
    }
    for (const d of chain) this.directories.add(d);
  }

  list(path: string): string[] {
    const dir = normalize(path);
    if (!this.directories.has(dir)) return [];
    const prefix = dir === '/' ? '/' : `${dir}/`;
    const names = new Set<string>();
    for (const p of this.files.keys()) {
      if (p.startsWith(prefix) && !p.slice(prefix.length).includes('/')) names.add(p.slice(prefix.length));
    }
    for (const d of this.directories) {
      if (d !== dir && d.startsWith(prefix) && !d.slice(prefix.length).includes('/')) names.add(d.slice(prefix.length));
    }
    return [...names].sort();
  }

  stat(path: string): FileStat | null {
    const p = normalize(path);
    if (this.directories.has(p)) return { sizeBytes: 0, isDirectory: true };
    const inode = this.files.get(p);
    return inode === undefined ? null : { sizeBytes: inode.lengthBytes, isDirectory: false };
  }

  readFile(path: string): Buffer {
    const inode = this.files.get(normalize(path));
    if (inode === undefined) throw enoent(path);
    return Buffer.from(inode.contents());
  }

  writeFileAtomic(path: string, bytes: Uint8Array): void {
    const p = normalize(path);
    const tmp = `${p}.tmp`;
    const file = this.openWrite(tmp, { truncate: true });
    file.append(bytes);
    file.syncNow();
    file.close();
    this.rename(tmp, p);
    this.syncDirectory(parentOf(p));
  }

  openRead(path: string): ReadableFile {
    const p = normalize(path);
    const inode = this.files.get(p);
    if (inode === undefined) throw enoent(path);
    return new MemoryReadableFile(this, p, inode, this.epoch);
  }

  openWrite(path: string, options: { truncate: boolean }): WritableFile {
    const p = normalize(path);
    this.requireDirectory(parentOf(p), path);
    let inode = this.files.get(p);
    if (inode === undefined) {
      inode = new Inode();
      this.files.set(p, inode);
    } else if (options.truncate) {
      inode.truncate();
    }
    return new MemoryWritableFile(this, p, inode, this.epoch);
  }

  rename(from: string, to: string): void {
    const f = normalize(from);
    const t = normalize(to);
    const inode = this.files.get(f);
    if (inode === undefined) throw enoent(from);
    this.requireDirectory(parentOf(t), to);
    this.files.delete(f);
    this.files.set(t, inode);
  }

  remove(path: string): void {
    this.files.delete(normalize(path));
  }

  removeTree(path: string): void {
    const p = normalize(path);
    const prefix = `${p}/`;
    for (const f of [...this.files.keys()]) {
      if (f === p || f.startsWith(prefix)) this.files.delete(f);
    }
    // Directory removal is durable at once (directories are kept simple); so are their files.
    for (const f of [...this.durableFiles.keys()]) {
      if (f === p || f.startsWith(prefix)) this.durableFiles.delete(f);
    }
    for (const d of [...this.directories]) {
      if (d === p || d.startsWith(prefix)) this.directories.delete(d);
    }
  }

  syncDirectory(path: string): void {
    const dir = normalize(path);
    this.takeInjectedFailure();
    this.counters.directorySyncs++;
    const prefix = dir === '/' ? '/' : `${dir}/`;
    const inDir = (p: string): boolean => p.startsWith(prefix) && !p.slice(prefix.length).includes('/');
    for (const p of [...this.durableFiles.keys()]) {
      if (inDir(p) && !this.files.has(p)) this.durableFiles.delete(p);
    }
    for (const [p, inode] of this.files) {
      if (inDir(p)) this.durableFiles.set(p, inode);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Internal, for handles

  checkEpoch(epoch: number, path: string): void {
    if (epoch !== this.epoch) throw new Error(`EBADF: stale handle for ${path} (the disk crashed or the process was killed)`);
  }

  isCurrentEpoch(epoch: number): boolean {
    return epoch === this.epoch;
  }

  countAppend(bytes: number): void {
    this.counters.appends++;
    this.counters.appendedBytes += bytes;
  }

  countSync(): void {
    this.takeInjectedFailure();
    this.counters.fileSyncs++;
  }

  private takeInjectedFailure(): void {
    const error = this.failNextSync;
    if (error !== null) {
      this.failNextSync = null;
      throw error;
    }
  }

  private requireDirectory(dir: string, path: string): void {
    if (!this.directories.has(dir)) throw enoent(path);
  }
}

function enoent(path: string): Error {
  const error = new Error(`ENOENT: no such file or directory, '${path}'`) as NodeJS.ErrnoException;
  error.code = 'ENOENT';
  return error;
}

class MemoryReadableFile implements ReadableFile {
  readonly path: string;
  readonly sizeBytes: number;
  private readonly disk: MemoryDisk;
  private readonly inode: Inode;
  private readonly epoch: number;
  private closed = false;

  constructor(disk: MemoryDisk, path: string, inode: Inode, epoch: number) {
    this.disk = disk;
    this.path = path;
    this.inode = inode;
    this.epoch = epoch;
    this.sizeBytes = inode.lengthBytes;
  }

  read(options: { target: Uint8Array; targetOffset: number; length: number; position: number }): number {
    if (this.closed) throw new Error(`EBADF: ${this.path} is closed`);
    this.disk.checkEpoch(this.epoch, this.path);
    const end = Math.min(this.inode.lengthBytes, options.position + options.length);
    if (end <= options.position) return 0;
    options.target.set(this.inode.data.subarray(options.position, end), options.targetOffset);
    return end - options.position;
  }

  close(): void {
    this.closed = true;
  }
}

class MemoryWritableFile implements WritableFile {
  readonly path: string;
  private readonly disk: MemoryDisk;
  private readonly inode: Inode;
  private readonly epoch: number;
  private closed = false;

  constructor(disk: MemoryDisk, path: string, inode: Inode, epoch: number) {
    this.disk = disk;
    this.path = path;
    this.inode = inode;
    this.epoch = epoch;
  }

  get positionBytes(): number {
    return this.inode.lengthBytes;
  }

  append(bytes: Uint8Array): void {
    this.check();
    this.inode.append(bytes);
    this.disk.countAppend(bytes.length);
  }

  /** Resolves on a later microtask; the bytes present at the call become durable then. */
  sync(): Promise<void> {
    try {
      this.check();
      this.disk.countSync();
    } catch (error) {
      return Promise.reject(error as Error);
    }
    const target = this.inode.lengthBytes;
    const schedule = this.disk.scheduleSync;
    if (schedule === null) {
      return Promise.resolve().then(() => {
        this.disk.checkEpoch(this.epoch, this.path);
        this.inode.markSynced(target);
      });
    }
    return new Promise((resolve, reject) => {
      schedule(() => {
        if (!this.disk.isCurrentEpoch(this.epoch)) {
          reject(new Error(`EBADF: stale handle for ${this.path} (the disk crashed or the process was killed)`));
          return;
        }
        this.inode.markSynced(target);
        resolve();
      });
    });
  }

  syncNow(): void {
    this.check();
    this.disk.countSync();
    this.inode.markSynced(this.inode.lengthBytes);
  }

  close(): void {
    this.closed = true;
  }

  private check(): void {
    if (this.closed) throw new Error(`EBADF: ${this.path} is closed`);
    this.disk.checkEpoch(this.epoch, this.path);
  }
}
