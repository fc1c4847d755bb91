// Test support: a Cassia node in its own real process (node-image/src/main.ts), on a loopback
// address and a free port, with a data folder that survives restarts and kill -9. Shared by
// integration and interop tests.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { nodeRuntimeFlags } from '../../node-image/cli/runtime-flags.ts';

const REPO_ROOT = resolve(import.meta.dirname, '..', '..');
const MAIN = join(REPO_ROOT, 'node-image', 'src', 'main.ts');
/** A joining node waits RING_DELAY (30 s) and streams before it serves CQL; a loaded 2-core CI machine doubles that. */
const START_TIMEOUT_MS = 180_000;
const STOP_TIMEOUT_MS = 20_000;
const POLL_MS = 100;

export interface CassiaProcessOptions {
  /** Loopback address (127.0.0.x); default 127.0.0.1. */
  readonly address?: string;
  /** CQL port; default: a free port picked at start. */
  readonly port?: number;
  readonly commitLogSync?: 'periodic' | 'batch' | 'group';
  /** Extra cassia.yaml lines. */
  readonly extraConfig?: Readonly<Record<string, string | number | boolean>>;
  /** Data folder to reuse; default: a new temp folder removed by `destroy()`. */
  readonly dataDir?: string;
  readonly dc?: string;
  /** Management API port; default 0 (a port the test does not know). */
  readonly managementPort?: number;
  /** File holding the management API's bearer token (management_token_file). */
  readonly managementTokenFile?: string;
  readonly rack?: string;
  /** cassia.yaml `seeds`; default: the node's own address (a one-node cluster without gossip). */
  readonly seeds?: string;
  /** Internode (gossip) port; default 7000, which only matters when the node has peers. */
  readonly storagePort?: number;
  readonly clusterName?: string;
  /** How long to wait for CQL (a bootstrap streams before serving); default START_TIMEOUT_MS. */
  readonly startTimeoutMs?: number;
  /** How long a graceful stop may take before SIGKILL; default STOP_TIMEOUT_MS. */
  readonly stopTimeoutMs?: number;
}

export interface CassiaProcess {
  readonly address: string;
  readonly port: number;
  readonly contactPoint: string;
  readonly dataDir: string;
  readonly dc: string;
  /** The configured management port (0: unknown to the test). */
  readonly managementPort: number;
  readonly storagePort: number;
  readonly pid: number | undefined;
  /** Exit code of the current or last run once it ended; null while it runs or if a signal ended it. */
  readonly exitCode: number | null;
  /** Graceful stop (SIGTERM, then SIGKILL after a bound). */
  stop(): Promise<void>;
  /** kill -9, no cleanup of any kind. */
  kill(): Promise<void>;
  /** Starts the process again on the same data folder and port. */
  restart(): Promise<void>;
  /** Stops and deletes the data folder (if created here). */
  destroy(): Promise<void>;
  logTail(bytes?: number): string;
}

export async function freePort(address = '127.0.0.1'): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, address, () => {
      const a = server.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

function listening(address: string, port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host: address, port });
    const finish = (ok: boolean): void => {
      socket.destroy();
      done(ok);
    };
    socket.setTimeout(1000, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

export async function startCassiaProcess(options: CassiaProcessOptions = {}): Promise<CassiaProcess> {
  const address = options.address ?? '127.0.0.1';
  const port = options.port ?? (await freePort(address));
  const ownsDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'cassia-test-'));
  const dc = options.dc ?? 'dc1';
  const storagePort = options.storagePort ?? 7000;
  const startTimeoutMs = options.startTimeoutMs ?? START_TIMEOUT_MS;
  const stopTimeoutMs = options.stopTimeoutMs ?? STOP_TIMEOUT_MS;
  mkdirSync(dataDir, { recursive: true });
  const configPath = join(dataDir, 'cassia.yaml');
  const lines = [
    `cluster_name: ${JSON.stringify(options.clusterName ?? 'cassia-test')}`,
    `listen_address: ${address}`,
    `rpc_address: ${address}`,
    `seeds: "${options.seeds ?? address}"`,
    `native_transport_port: ${port}`,
    ...(options.storagePort === undefined ? [] : [`storage_port: ${options.storagePort}`]),
    `management_port: ${options.managementPort ?? 0}`,
    ...(options.managementTokenFile === undefined ? [] : [`management_token_file: ${JSON.stringify(options.managementTokenFile)}`]),
    `data_file_directories: [${join(dataDir, 'data')}]`,
    `commitlog_directory: ${join(dataDir, 'commitlog')}`,
    `hints_directory: ${join(dataDir, 'hints')}`,
    `commitlog_sync: ${options.commitLogSync ?? 'periodic'}`,
    `dc: ${dc}`,
    ...(options.rack === undefined ? [] : [`rack: ${options.rack}`]),
    'log_level: info',
    ...Object.entries(options.extraConfig ?? {}).map(([k, v]) => `${k}: ${typeof v === 'string' ? JSON.stringify(v) : String(v)}`),
    '',
  ];
  writeFileSync(configPath, lines.join('\n'));
  const logPath = join(dataDir, 'node.log');
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();

  const launch = async (): Promise<void> => {
    if (await listening(address, port)) throw new Error(`${address}:${port} is already in use`);
    const fd = openSync(logPath, 'a');
    const c = spawn(process.execPath, [...nodeRuntimeFlags(), MAIN, '--config', configPath], { cwd: dataDir, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    child = c;
    exited = new Promise((done) => {
      if (c.exitCode !== null || c.signalCode !== null) done();
      else c.once('exit', () => done());
    });
    const deadline = Date.now() + startTimeoutMs;
    while (Date.now() < deadline) {
      if (c.exitCode !== null || c.signalCode !== null) {
        throw new Error(`cassia exited during start (code ${String(c.exitCode)}, signal ${String(c.signalCode)})\n${tail(8000)}`);
      }
      if (await listening(address, port)) return;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    c.kill('SIGKILL');
    throw new Error(`cassia did not serve CQL on ${address}:${port} within ${startTimeoutMs} ms\n${tail(8000)}`);
  };

  const tail = (bytes = 6000): string => (existsSync(logPath) ? readFileSync(logPath, 'utf8').slice(-bytes) : '(no log)');

  const stop = async (): Promise<void> => {
    const c = child;
    if (c === null || c.exitCode !== null || c.signalCode !== null) return;
    c.kill('SIGTERM');
    const timer = setTimeout(() => c.kill('SIGKILL'), stopTimeoutMs);
    await exited;
    clearTimeout(timer);
  };
  const killOnExit = (): void => {
    const c = child;
    if (c !== null && c.exitCode === null) c.kill('SIGKILL');
  };
  process.on('exit', killOnExit);
  try {
    await launch();
  } catch (error) {
    // A node that never started leaves nothing running; its temp folder goes too (the log is in the error).
    process.off('exit', killOnExit);
    if (ownsDir) rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    address, port, contactPoint: `${address}:${port}`, dataDir, dc, storagePort, managementPort: options.managementPort ?? 0,
    get pid() {
      return (child as ChildProcess | null)?.pid;
    },
    get exitCode() {
      return (child as ChildProcess | null)?.exitCode ?? null;
    },
    stop,
    async kill() {
      const c = child;
      if (c === null || c.exitCode !== null || c.signalCode !== null) return;
      c.kill('SIGKILL');
      await exited;
    },
    async restart() {
      await stop();
      await launch();
    },
    async destroy() {
      await stop();
      process.off('exit', killOnExit);
      if (ownsDir) rmSync(dataDir, { recursive: true, force: true });
    },
    logTail: tail,
  };
}
