// Durable hints on disk, per target host: one open (writing) file per host, rolled over at a size
// bound; closed files are what the dispatcher replays and deletes. Appends go to the OS at once and
// are fsynced every flush period (as Cassandra flushes hint buffers every 10 s). Opening scans the
// directory, so hints survive restarts; a torn tail is cut off at the first bad entry when read.
// Bounded: bytes per host (writes beyond are refused) and bytes per file (roll-over).
import type { Disk, Logger, WritableFile } from '../../io/index.ts';
import { assert } from '../../lib/index.ts';
import type { Mutation } from '../../storage/index.ts';
import { HintEncoder, HintFileReader, hintFileName, parseHintFileName } from './hint-file.ts';

export interface HintStoreLimits {
  /** A file rolls over beyond this size (Cassandra max_hints_file_size, 128 MiB). */
  readonly fileBytesMax: number;
  /** Hints kept per target host; more are refused (Cassandra max_hints_size_per_host). */
  readonly hostBytesMax: number;
}

export interface HintFileInfo {
  readonly path: string;
  readonly hostId: string;
  readonly createdMs: number;
  sizeBytes: number;
}

interface HostHints {
  /** Closed files, oldest first. */
  readonly closed: HintFileInfo[];
  writing: { info: HintFileInfo; file: WritableFile; unsynced: boolean } | null;
  totalBytes: number;
}

export class HintStore {
  private readonly disk: Disk;
  private readonly directory: string;
  private readonly limits: HintStoreLimits;
  private readonly logger: Logger;
  private readonly hosts = new Map<string, HostHints>();
  private readonly encoder = new HintEncoder();
  private lastCreatedMs = 0;

  constructor(options: { disk: Disk; directory: string; limits: HintStoreLimits; logger: Logger }) {
    this.disk = options.disk;
    this.directory = options.directory;
    this.limits = options.limits;
    this.logger = options.logger;
    assert(options.limits.fileBytesMax > 0 && options.limits.hostBytesMax > 0, 'hint limits must be positive');
    this.disk.mkdirp(this.directory);
    this.load();
  }

  private load(): void {
    const files: HintFileInfo[] = [];
    for (const name of this.disk.list(this.directory)) {
      const parsed = parseHintFileName(name);
      if (parsed === null) continue;
      const path = `${this.directory}/${name}`;
      const stat = this.disk.stat(path);
      if (stat === null || stat.isDirectory) continue;
      if (stat.sizeBytes === 0) {
        this.disk.remove(path);
        continue;
      }
      // Bytes a killed process handed to the OS may not be on disk yet: make them durable now.
      const handle = this.disk.openWrite(path, { truncate: false });
      handle.syncNow();
      handle.close();
      files.push({ path, hostId: parsed.hostId, createdMs: parsed.createdMs, sizeBytes: stat.sizeBytes });
    }
    this.disk.syncDirectory(this.directory);
    files.sort((a, b) => a.createdMs - b.createdMs || (a.path < b.path ? -1 : 1));
    for (const f of files) {
      const host = this.host(f.hostId);
      host.closed.push(f);
      host.totalBytes += f.sizeBytes;
      this.lastCreatedMs = Math.max(this.lastCreatedMs, f.createdMs);
    }
    if (files.length > 0) this.logger.info({ files: files.length, hosts: this.hosts.size }, 'hint files found');
  }

  private host(hostId: string): HostHints {
    let h = this.hosts.get(hostId);
    if (h === undefined) {
      h = { closed: [], writing: null, totalBytes: 0 };
      this.hosts.set(hostId, h);
    }
    return h;
  }

  /** Bytes of hints held for a host. */
  bytesFor(hostId: string): number {
    return this.hosts.get(hostId)?.totalBytes ?? 0;
  }

  /** Creation time of the oldest file held for a host, or null. */
  oldestHintMs(hostId: string): number | null {
    const h = this.hosts.get(hostId);
    if (h === undefined) return null;
    const first = h.closed[0] ?? h.writing?.info;
    return first === undefined ? null : first.createdMs;
  }

  /** Hosts with hints, in id order. */
  hostsWithHints(): string[] {
    return [...this.hosts.entries()].filter(([, h]) => h.totalBytes > 0).map(([id]) => id).sort();
  }

  /**
   * Appends a hint for `hostId`; returns false (nothing written) when the host's bound is reached.
   * The bytes reach the OS before returning; they are fsynced by the next `sync()`.
   */
  write(hostId: string, createdAtMs: number, gcGraceSeconds: number, mutation: Mutation): boolean {
    const h = this.host(hostId);
    const bytes = this.encoder.encode(createdAtMs, gcGraceSeconds, mutation);
    if (h.totalBytes + bytes.length > this.limits.hostBytesMax) return false;
    if (h.writing !== null && h.writing.info.sizeBytes + bytes.length > this.limits.fileBytesMax && h.writing.info.sizeBytes > 0) this.roll(h);
    if (h.writing === null) {
      // File names carry distinct, increasing creation millis so that their order is the write order.
      const createdMs = Math.max(Math.floor(createdAtMs), this.lastCreatedMs + 1);
      this.lastCreatedMs = createdMs;
      const path = `${this.directory}/${hintFileName(hostId, createdMs)}`;
      const file = this.disk.openWrite(path, { truncate: true });
      this.disk.syncDirectory(this.directory);
      h.writing = { info: { path, hostId, createdMs, sizeBytes: 0 }, file, unsynced: false };
    }
    h.writing.file.append(bytes);
    h.writing.info.sizeBytes += bytes.length;
    h.writing.unsynced = true;
    h.totalBytes += bytes.length;
    return true;
  }

  /** Fsyncs every file with unsynced appends. */
  async sync(): Promise<void> {
    const pending: Array<Promise<void>> = [];
    for (const h of this.hosts.values()) {
      if (h.writing !== null && h.writing.unsynced) {
        h.writing.unsynced = false;
        pending.push(h.writing.file.sync());
      }
    }
    await Promise.all(pending);
  }

  /** Closes the writing file of a host (synced) so that it can be replayed; new hints start a new file. */
  private roll(h: HostHints): void {
    const w = h.writing;
    if (w === null) return;
    if (w.unsynced) w.file.syncNow();
    w.file.close();
    h.writing = null;
    h.closed.push(w.info);
  }

  /** Every file of a host ready for replay (the writing one is closed first), oldest first. */
  filesToReplay(hostId: string): readonly HintFileInfo[] {
    const h = this.hosts.get(hostId);
    if (h === undefined) return [];
    this.roll(h);
    return [...h.closed];
  }

  openReader(file: HintFileInfo, fromOffsetBytes: number): HintFileReader {
    return new HintFileReader(this.disk.openRead(file.path), fromOffsetBytes);
  }

  /** Deletes a replayed (or expired) file. */
  deleteFile(file: HintFileInfo): void {
    const h = this.hosts.get(file.hostId);
    if (h === undefined) return;
    const i = h.closed.indexOf(file);
    if (i < 0) return;
    h.closed.splice(i, 1);
    h.totalBytes -= file.sizeBytes;
    this.disk.remove(file.path);
    this.disk.syncDirectory(this.directory);
    if (h.totalBytes === 0 && h.writing === null) this.hosts.delete(file.hostId);
  }

  /** Drops every hint of a host (it left the ring). */
  deleteAll(hostId: string): void {
    const h = this.hosts.get(hostId);
    if (h === undefined) return;
    this.roll(h);
    for (const f of [...h.closed]) this.deleteFile(f);
    this.hosts.delete(hostId);
  }

  /** Syncs and closes the writing files. */
  close(): void {
    for (const h of this.hosts.values()) this.roll(h);
  }
}
