// A long-running child process in its own process group with output appended to a log file;
// stop() sends SIGTERM to the group, waits the grace period, then SIGKILL. Exit is observable.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';

export type ExitInfo = { code: number | null; signal: NodeJS.Signals | null };

export class ManagedProcess {
  readonly name: string;
  readonly logPath: string;
  readonly child: ChildProcess;
  readonly exited: Promise<ExitInfo>;
  private exitInfo: ExitInfo | undefined;

  constructor(options: {
    name: string;
    file: string;
    args: readonly string[];
    logPath: string;
    env?: NodeJS.ProcessEnv;
    cwd?: string;
  }) {
    this.name = options.name;
    this.logPath = options.logPath;
    const fd = fs.openSync(options.logPath, 'a');
    fs.writeSync(fd, `# ${new Date().toISOString()} ${options.file} ${options.args.join(' ')}\n`);
    this.child = spawn(options.file, options.args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', fd, fd],
      detached: true,
    });
    fs.closeSync(fd);
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
      this.child.on('error', (err) => {
        fs.appendFileSync(options.logPath, `# spawn error: ${err.message}\n`);
        this.exitInfo = { code: -1, signal: null };
        resolve(this.exitInfo);
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get hasExited(): ExitInfo | undefined {
    return this.exitInfo;
  }

  /** Sends a signal to the whole process group (ignores a group that is already gone). */
  signal(sig: NodeJS.Signals, options: { evenAfterExit?: boolean } = {}): void {
    if ((this.exitInfo && !options.evenAfterExit) || this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, sig);
    } catch {
      // already gone
    }
  }

  /** SIGTERM, wait up to graceMs, then SIGKILL; resolves once the process has exited. */
  async stop(graceMs: number): Promise<ExitInfo> {
    if (this.exitInfo) return this.exitInfo;
    this.signal('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), graceMs);
    });
    const first = await Promise.race([this.exited, timedOut]);
    clearTimeout(timer);
    if (first === 'timeout') {
      this.signal('SIGKILL');
      return this.exited;
    }
    // The leader exited; make sure no stray member of its group survives.
    this.signal('SIGKILL', { evenAfterExit: true });
    return first;
  }

  /** Last lines of the log, for error messages. */
  tail(lines = 30): string {
    try {
      const text = fs.readFileSync(this.logPath, 'utf8');
      return text.split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }
}
