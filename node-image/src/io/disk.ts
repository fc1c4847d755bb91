// The file system as an injected dependency. Writes and reads are synchronous (they hit the page
// cache and cost microseconds, far less than a thread-pool round trip); durability (fsync) is
// asynchronous so group commit can batch it. The simulator implements this with a disk that
// loses unsynced bytes and tears the last write on a crash.

export interface FileStat {
  readonly sizeBytes: number;
  readonly isDirectory: boolean;
}

export interface ReadableFile {
  readonly path: string;
  readonly sizeBytes: number;
  /** Reads up to `length` bytes at `position` into `target[targetOffset..]`; returns bytes read. */
  read(options: { target: Uint8Array; targetOffset: number; length: number; position: number }): number;
  close(): void;
}

export interface WritableFile {
  readonly path: string;
  /** Bytes appended so far (the next append's offset). */
  readonly positionBytes: number;
  /** Appends to the OS (page cache). Survives a process kill; not a power loss until `sync`. */
  append(bytes: Uint8Array): void;
  /** Flushes appended bytes to stable storage. */
  sync(): Promise<void>;
  /** Synchronous flush, for shutdown paths and small metadata files. */
  syncNow(): void;
  close(): void;
}

export interface Disk {
  mkdirp(path: string): void;
  /** Names (not paths) of the entries of a directory; empty if it does not exist. */
  list(path: string): string[];
  stat(path: string): FileStat | null;
  readFile(path: string): Buffer;
  /** Writes a whole file durably: temp file, fsync, rename over `path`, fsync the directory. */
  writeFileAtomic(path: string, bytes: Uint8Array): void;
  openRead(path: string): ReadableFile;
  /** Creates (truncating) or opens for append. */
  openWrite(path: string, options: { truncate: boolean }): WritableFile;
  rename(from: string, to: string): void;
  remove(path: string): void;
  /**
   * remove() off the calling thread: unlinking a large file takes the filesystem milliseconds.
   * Absent where removal is cheap (memory disks): callers then use remove().
   */
  removeInBackground?(path: string): Promise<void>;
  /** Removes a directory tree; no error if absent. */
  removeTree(path: string): void;
  syncDirectory(path: string): void;
  /**
   * syncDirectory() and writeFileAtomic() off the calling thread: an fsync waits for the device,
   * milliseconds while compactions write. Absent where they are cheap (memory disks): callers then
   * use the synchronous ones.
   */
  syncDirectoryInBackground?(path: string): Promise<void>;
  writeFileAtomicInBackground?(path: string, bytes: Uint8Array): Promise<void>;
  /** Size and free space of the filesystem holding `path` (statfs); absent where unknown (memory disks). */
  space?(path: string): DiskSpace;
}

export interface DiskSpace {
  readonly totalBytes: number;
  /** Available to this (unprivileged) process, as df's "Avail". */
  readonly freeBytes: number;
}
