// The Cassia side of the peer comparison. The gate is a run-time check that node-image/src/node.ts
// exports `startNode`; the node then runs in its own process (node-image/src/main.ts --config, real
// io, like production) so it never shares an event loop with the load generator or the harness.
// CASSIA_PEER_CASSIA_CONTACT_POINT=host:port uses an already running node instead;
// CASSIA_PEER_NODE_ARGS adds Node.js flags to the node process (e.g. "--cpu-prof --cpu-prof-dir=/tmp/p").
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CommitLogSyncMode } from './cassandra/index.ts';
import { nodeRuntimeFlags } from '../../node-image/cli/runtime-flags.ts';
import { exitPromise, hasExited, isListening, logTail, terminate, waitForPort } from './process-control.ts';

const REPO_ROOT = resolve(import.meta.dirname, '..', '..');
export const CASSIA_NODE_MODULE = join(REPO_ROOT, 'node-image', 'src', 'node.ts');
export const CASSIA_MAIN_MODULE = join(REPO_ROOT, 'node-image', 'src', 'main.ts');
/** Cassia nodes live on 127.0.0.x; the peer runs use the top of that range. */
export const CASSIA_PEER_ADDRESS_DEFAULT = '127.0.0.250';
/** Same data-center name as the Cassandra peer's SimpleSnitch, so clients are configured alike. */
export const CASSIA_PEER_DC = 'datacenter1';
const CASSIA_START_TIMEOUT_MS = 60_000;
const CASSIA_STOP_TIMEOUT_MS = 15_000;

export interface RunningTarget {
  readonly name: 'cassia' | 'cassandra';
  readonly contactPoint: string;
  readonly localDataCenter: string;
  /** False once the node process has exited without being asked to. */
  alive(): boolean;
  stop(): Promise<void>;
}

export type CassiaTargetResult =
  | { readonly ok: true; readonly target: RunningTarget }
  | { readonly ok: false; readonly reason: string };

export interface CassiaTargetOptions {
  readonly commitLogSync: CommitLogSyncMode;
  readonly address?: string;
  readonly nativePort?: number;
  readonly log?: (line: string) => void;
}

/** Why the Cassia side cannot run, or undefined when it can (checked at run time). */
export async function cassiaUnavailableReason(): Promise<string | undefined> {
  if (process.env['CASSIA_PEER_SKIP_CASSIA'] === '1') return 'CASSIA_PEER_SKIP_CASSIA=1';
  if (!existsSync(CASSIA_NODE_MODULE)) return 'node-image/src/node.ts does not exist yet (no Cassia node to start)';
  // An import failure of an existing node.ts is a real failure, not a reason to skip.
  const mod = (await import(pathToFileURL(CASSIA_NODE_MODULE).href)) as Record<string, unknown>;
  if (typeof mod['startNode'] !== 'function') return 'node-image/src/node.ts does not export startNode yet';
  if (!existsSync(CASSIA_MAIN_MODULE)) return 'node-image/src/main.ts (the node process entry) does not exist yet';
  return undefined;
}

/** Decides whether the Cassia side can run, and starts a node if so. */
export async function startCassiaTarget(options: CassiaTargetOptions): Promise<CassiaTargetResult> {
  const external = process.env['CASSIA_PEER_CASSIA_CONTACT_POINT'];
  if (external !== undefined && external !== '') {
    const localDataCenter = process.env['CASSIA_PEER_CASSIA_DC'] ?? CASSIA_PEER_DC;
    return { ok: true, target: { name: 'cassia', contactPoint: external, localDataCenter, alive: () => true, stop: async () => {} } };
  }
  const reason = await cassiaUnavailableReason();
  if (reason !== undefined) return { ok: false, reason };
  return { ok: true, target: await startCassiaProcess(options) };
}

async function startCassiaProcess(options: CassiaTargetOptions): Promise<RunningTarget> {
  const log = options.log ?? ((line: string) => process.stderr.write(`[cassia-peer] ${line}\n`));
  const address = options.address ?? CASSIA_PEER_ADDRESS_DEFAULT;
  const nativePort = options.nativePort ?? 9042;
  if (!address.startsWith('127.0.0.')) throw new Error(`Cassia peer address ${address} is outside 127.0.0.0/24`);
  if (await isListening(address, nativePort)) throw new Error(`${address}:${nativePort} already accepts connections`);
  const dataDir = mkdtempSync(join(tmpdir(), 'cassia-peer-cassia-'));
  const configPath = join(dataDir, 'cassia.yaml');
  mkdirSync(join(dataDir, 'logs'));
  writeFileSync(
    configPath,
    [
      'cluster_name: cassia-peer',
      `listen_address: ${address}`,
      `rpc_address: ${address}`,
      `seeds: "${address}"`,
      `native_transport_port: ${nativePort}`,
      'management_port: 0',
      `data_file_directories: [${join(dataDir, 'data')}]`,
      `commitlog_directory: ${join(dataDir, 'commitlog')}`,
      `hints_directory: ${join(dataDir, 'hints')}`,
      `commitlog_sync: ${options.commitLogSync}`,
      `dc: ${CASSIA_PEER_DC}`,
      'rack: rack1',
      'log_level: warn',
      '',
    ].join('\n'),
  );
  const outputPath = join(dataDir, 'logs', 'output.log');
  const outputFd = openSync(outputPath, 'a');
  const spawnedAtMs = Date.now();
  const nodeArgs = (process.env['CASSIA_PEER_NODE_ARGS'] ?? '').split(' ').filter((arg) => arg !== '');
  const child = spawn(process.execPath, [...nodeRuntimeFlags(), ...nodeArgs, CASSIA_MAIN_MODULE, '--config', configPath], {
    cwd: dataDir,
    stdio: ['ignore', outputFd, outputFd],
  });
  closeSync(outputFd);
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.on('exit', killOnExit);
  const exited = exitPromise(child);
  const cleanup = (): void => {
    process.off('exit', killOnExit);
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await waitForPort({ what: 'cassia', address, port: nativePort, timeoutMs: CASSIA_START_TIMEOUT_MS, child });
  } catch (error) {
    await terminate(child, exited, CASSIA_STOP_TIMEOUT_MS);
    const tail = logTail([outputPath]);
    cleanup();
    throw new Error(`${(error as Error).message}\n--- cassia output tail ---\n${tail}`, { cause: error });
  }
  log(`pid ${String(child.pid)} serving CQL on ${address}:${nativePort} after ${Date.now() - spawnedAtMs} ms (commitlog_sync ${options.commitLogSync})`);
  let stopped: Promise<void> | undefined;
  return {
    name: 'cassia',
    contactPoint: `${address}:${nativePort}`,
    localDataCenter: CASSIA_PEER_DC,
    alive: () => !hasExited(child),
    stop(): Promise<void> {
      stopped ??= (async () => {
        if (hasExited(child)) log(`pid ${String(child.pid)} had already exited:\n${logTail([outputPath])}`);
        const how = await terminate(child, exited, CASSIA_STOP_TIMEOUT_MS);
        log(`stopped pid ${String(child.pid)} (${how})`);
        cleanup();
      })();
      return stopped;
    },
  };
}

/** The banner printed when the Cassia side does not run: impossible to miss in CI output. */
export function skipBanner(what: string, reason: string): string {
  const line = '!'.repeat(100);
  return `\n${line}\n!!! ${what}: CASSIA SIDE SKIPPED: ${reason}\n!!! Only Apache Cassandra ran. It runs once node-image/src/node.ts exports startNode and\n!!! node-image/src/main.ts exists (see test/peer/cassia-target.ts), or with CASSIA_PEER_CASSIA_CONTACT_POINT=host:port.\n${line}\n`;
}
