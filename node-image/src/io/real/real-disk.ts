// The real file system. Reads and appends are synchronous syscalls (page cache); fsync runs on
// the libuv thread pool so group commit can overlap it with new appends.
import * as fs from 'node:fs';
import { dirname } from 'node:path';
import type { Disk, DiskSpace, FileStat, ReadableFile, WritableFile } from '../disk.ts';

class RealReadableFile implements ReadableFile {
  readonly path: string;
  readonly sizeBytes: number;
  private fd: number;

  constructor(path: string) {
    this.path = path;
    this.fd = fs.openSync(path, 'r');
    this.sizeBytes = fs.fstatSync(this.fd).size;
  }

  read(options: { target: Uint8Array; targetOffset: number; length: number; position: number }): number {
    let done = 0;
    while (done < options.length) {
      const n = fs.readSync(this.fd, options.target, options.targetOffset + done, options.length - done, options.position + done);
      if (n === 0) break;
      done += n;
    }
    return done;
  }

  close(): void {
    if (this.fd >= 0) {
      fs.closeSync(this.fd);
      this.fd = -1;
    }
  }
}

class RealWritableFile implements WritableFile {
  readonly path: string;
  positionBytes: number;
  private fd: number;

  constructor(path: string, truncate: boolean) {
    this.path = path;
    this.fd = fs.openSync(path, truncate ? 'w' : 'a');
    this.positionBytes = truncate ? 0 : fs.fstatSync(this.fd).size;
  }

  append(bytes: Uint8Array): void {
    let done = 0;
    while (done < bytes.length) {
      done += fs.writeSync(this.fd, bytes, done, bytes.length - done);
    }
    this.positionBytes += bytes.length;
  }

  sync(): Promise<void> {
    const fd = this.fd;
    return new Promise((resolve, reject) => {
      fs.fdatasync(fd, (error) => (error ? reject(error) : resolve()));
    });
  }

  syncNow(): void {
    fs.fdatasyncSync(this.fd);
  }

  close(): void {
    if (this.fd >= 0) {
      fs.closeSync(this.fd);
      this.fd = -1;
    }
  }
}

export const realDisk: Disk = {
  mkdirp(path) {
    fs.mkdirSync(path, { recursive: true });
  },
  list(path) {
    try {
      return fs.readdirSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  },
  stat(path): FileStat | null {
    try {
      const s = fs.statSync(path);
      return { sizeBytes: s.size, isDirectory: s.isDirectory() };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  },
  readFile(path) {
    return fs.readFileSync(path);
  },
  writeFileAtomic(path, bytes) {
    const tmp = `${path}.tmp`;
    const fd = fs.openSync(tmp, 'w');
    try {
      let done = 0;
      while (done < bytes.length) done += fs.writeSync(fd, bytes, done, bytes.length - done);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, path);
    syncDirectory(dirname(path));
  },
  openRead(path) {
    return new RealReadableFile(path);
  },
  openWrite(path, options) {
    return new RealWritableFile(path, options.truncate);
  },
  rename(from, to) {
    fs.renameSync(from, to);
  },
  remove(path) {
    fs.rmSync(path, { force: true });
  },
  removeInBackground(path) {
    return fs.promises.rm(path, { force: true });
  },
  removeTree(path) {
    fs.rmSync(path, { recursive: true, force: true });
  },
  syncDirectory,
  syncDirectoryInBackground,
  async writeFileAtomicInBackground(path, bytes) {
    const tmp = `${path}.tmp`;
    const handle = await fs.promises.open(tmp, 'w');
    try {
      let done = 0;
      while (done < bytes.length) done += (await handle.write(bytes, done, bytes.length - done)).bytesWritten;
      await handle.sync();
    } finally {
      await handle.close();
    }
    fs.renameSync(tmp, path);
    await syncDirectoryInBackground(dirname(path));
  },
  space(path): DiskSpace {
    const s = fs.statfsSync(path);
    return { totalBytes: s.blocks * s.bsize, freeBytes: s.bavail * s.bsize };
  },
};

async function syncDirectoryInBackground(path: string): Promise<void> {
  const handle = await fs.promises.open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function syncDirectory(path: string): void {
  const fd = fs.openSync(path, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
