// Test support for topology tests: a Cassia node process whose start may take long (a bootstrap
// streams its ranges before the node serves CQL), so the CQL wait is the caller's bound rather than
// the shared support's fixed 180 s. Otherwise like test/support/cassia-process.ts (a startTimeoutMs
// option there would let this file go).
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const MAIN = resolve(import.meta.dirname, '..', '..', '..', 'node-image', 'src', 'main.ts');
const STOP_TIMEOUT_MS = 30_000;
const POLL_MS = 200;

export interface TopologyProcessOptions {
  readonly address: string;
  readonly port: number;
  readonly storagePort: number;
  readonly managementPort: number;
  readonly managementTokenFile: string;
  readonly seeds: string;
  readonly clusterName: string;
  readonly dc: string;
  readonly rack: string;
  readonly extraConfig: Readonly<Record<string, string | number | boolean>>;
  readonly dataDir?: string;
  readonly startTimeoutMs: number;
}

export interface TopologyProcess {
  readonly address: string;
  readonly dataDir: string;
  readonly pid: number | undefined;
  stop(): Promise<void>;
  kill(): Promise<void>;
  restart(): Promise<void>;
  destroy(): Promise<void>;
  logTail(bytes?: number): string;
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

export async function startTopologyProcess(o: TopologyProcessOptions): Promise<TopologyProcess> {
  const ownsDir = o.dataDir === undefined;
  const dataDir = o.dataDir ?? mkdtempSync(join(tmpdir(), 'cassia-topology-node-'));
  mkdirSync(dataDir, { recursive: true });
  const configPath = join(dataDir, 'cassia.yaml');
  writeFileSync(configPath, [
    `cluster_name: ${JSON.stringify(o.clusterName)}`, `listen_address: ${o.address}`, `rpc_address: ${o.address}`, `seeds: "${o.seeds}"`,
    `native_transport_port: ${o.port}`, `storage_port: ${o.storagePort}`, `management_port: ${o.managementPort}`,
    `management_token_file: ${JSON.stringify(o.managementTokenFile)}`, `data_file_directories: [${join(dataDir, 'data')}]`,
    `commitlog_directory: ${join(dataDir, 'commitlog')}`, `hints_directory: ${join(dataDir, 'hints')}`, `dc: ${o.dc}`, `rack: ${o.rack}`,
    'log_level: info',
    ...Object.entries(o.extraConfig).map(([k, v]) => `${k}: ${typeof v === 'string' ? JSON.stringify(v) : String(v)}`), '',
  ].join('\n'));
  const logPath = join(dataDir, 'node.log');
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  const tail = (bytes = 6000): string => (existsSync(logPath) ? readFileSync(logPath, 'utf8').slice(-bytes) : '(no log)');

  const launch = async (): Promise<void> => {
    if (await listening(o.address, o.port)) throw new Error(`${o.address}:${o.port} is already in use`);
    const fd = openSync(logPath, 'a');
    const c = spawn(process.execPath, [MAIN, '--config', configPath], { cwd: dataDir, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    child = c;
    exited = new Promise((done) => {
      if (c.exitCode !== null || c.signalCode !== null) done();
      else c.once('exit', () => done());
    });
    const deadline = Date.now() + o.startTimeoutMs;
    while (Date.now() < deadline) {
      if (c.exitCode !== null || c.signalCode !== null) {
        throw new Error(`cassia exited during start (code ${String(c.exitCode)}, signal ${String(c.signalCode)})\n${tail(8000)}`);
      }
      if (await listening(o.address, o.port)) return;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    c.kill('SIGKILL');
    throw new Error(`cassia did not serve CQL on ${o.address}:${o.port} within ${o.startTimeoutMs} ms\n${tail(8000)}`);
  };

  const stop = async (): Promise<void> => {
    const c = child;
    if (c === null || c.exitCode !== null || c.signalCode !== null) return;
    c.kill('SIGTERM');
    const timer = setTimeout(() => c.kill('SIGKILL'), STOP_TIMEOUT_MS);
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
    process.off('exit', killOnExit);
    if (ownsDir) rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    address: o.address,
    dataDir,
    get pid() {
      return (child as ChildProcess | null)?.pid;
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
