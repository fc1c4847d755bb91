// Starts one Apache Cassandra 5.0 node from Maven Central jars as a foreground child process on its
// own loopback address, waits until it serves CQL, and stops it (SIGTERM, then SIGKILL after a bound).
// Invariant: the JVM never outlives this process (an exit hook kills it) and never binds 127.0.0.x.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveCassandraArtifacts, type CassandraArtifacts } from './cassandra-artifacts.ts';
import { writeCassandraConfig, type CommitLogSyncMode } from './cassandra-config.ts';
import { cassandraJvmArgs, defaultHeapMb, findJava } from './jvm-options.ts';
import { exitPromise, isListening, logTail, terminate, waitForPort } from '../process-control.ts';

export const PEER_ADDRESS_DEFAULT = '127.0.1.1';
export const PEER_NATIVE_PORT_DEFAULT = 9042;
export const PEER_STORAGE_PORT_DEFAULT = 7000;
/** A cold JVM on a busy 2-core machine takes ~20-40 s; allow a wide margin. */
export const PEER_START_TIMEOUT_MS_DEFAULT = 240_000;
/** Drain on SIGTERM usually takes a few seconds; SIGKILL after this. */
export const PEER_STOP_TIMEOUT_MS_DEFAULT = 30_000;

export interface CassandraPeerOptions {
  readonly commitlogSync?: CommitLogSyncMode;
  /** Loopback address outside 127.0.0.0/24; default 127.0.1.1 (or $CASSIA_PEER_ADDRESS). */
  readonly address?: string;
  readonly nativePort?: number;
  readonly storagePort?: number;
  /** Default: Cassandra's own formula for this machine's memory. */
  readonly heapMb?: number;
  /** Small memtables and pools plus no fsync of system tables: for differential tests. */
  readonly smallFootprint?: boolean;
  /** cluster_name; default 'cassia-peer'. */
  readonly clusterName?: string;
  /** Seed addresses of a multi-node peer cluster (each outside 127.0.0.0/24); default: this node alone. */
  readonly seeds?: readonly string[];
  /** allocate_tokens_for_local_replication_factor; default 1 (a cluster sets its keyspaces' RF). */
  readonly tokenAllocationReplicationFactor?: number;
  /** cassandra.ring_delay_ms; default PEER_RING_DELAY_MS (1 s, enough for one node). */
  readonly ringDelayMs?: number;
  /** Reuse a data folder (a restart); default: a fresh temporary folder removed on stop. */
  readonly dataDir?: string;
  readonly startTimeoutMs?: number;
  readonly stopTimeoutMs?: number;
  /** Progress lines (default: stderr). */
  readonly log?: (line: string) => void;
}

export interface CassandraPeer {
  /** `address:port`, as cassandra-driver's contactPoints take it. */
  readonly contactPoint: string;
  readonly address: string;
  readonly nativePort: number;
  readonly localDataCenter: string;
  readonly version: string;
  readonly pid: number;
  readonly heapMb: number;
  readonly commitlogSync: CommitLogSyncMode;
  readonly artifacts: CassandraArtifacts;
  /** Spawn to first accepted CQL connection. */
  readonly startMs: number;
  readonly dataDir: string;
  readonly logDir: string;
  stop(): Promise<void>;
}

export async function startCassandraPeer(options: CassandraPeerOptions = {}): Promise<CassandraPeer> {
  const log = options.log ?? ((line: string) => process.stderr.write(`[cassandra-peer] ${line}\n`));
  const address = options.address ?? process.env['CASSIA_PEER_ADDRESS'] ?? PEER_ADDRESS_DEFAULT;
  const nativePort = options.nativePort ?? PEER_NATIVE_PORT_DEFAULT;
  const storagePort = options.storagePort ?? PEER_STORAGE_PORT_DEFAULT;
  const commitlogSync = options.commitlogSync ?? 'periodic';
  const heapMb = options.heapMb ?? defaultHeapMb();
  const smallFootprint = options.smallFootprint ?? false;
  const startTimeoutMs = options.startTimeoutMs ?? PEER_START_TIMEOUT_MS_DEFAULT;
  const stopTimeoutMs = options.stopTimeoutMs ?? PEER_STOP_TIMEOUT_MS_DEFAULT;

  if (await isListening(address, nativePort)) {
    throw new Error(`${address}:${nativePort} already accepts connections; another peer is running there`);
  }
  const artifacts = resolveCassandraArtifacts();
  if (artifacts.downloaded) log(`resolved ${artifacts.jarCount} jars in ${artifacts.resolveMs} ms`);
  const { javaPath, major } = findJava();

  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'cassia-peer-cassandra-'));
  const confDir = join(dataDir, 'conf');
  const logDir = join(dataDir, 'logs');
  mkdirSync(confDir, { recursive: true });
  mkdirSync(logDir, { recursive: true });
  const { yamlPath, logbackPath } = writeCassandraConfig(confDir, logDir, {
    clusterName: options.clusterName ?? 'cassia-peer',
    address,
    nativePort,
    storagePort,
    dataDir,
    commitlogSync,
    smallFootprint,
    ...(options.seeds === undefined ? {} : { seeds: options.seeds }),
    ...(options.tokenAllocationReplicationFactor === undefined ? {} : { tokenAllocationReplicationFactor: options.tokenAllocationReplicationFactor }),
  });
  const args = cassandraJvmArgs({
    heapMb,
    jammJar: artifacts.jammJar,
    libDir: artifacts.libDir,
    confDir,
    yamlPath,
    logbackPath,
    storageDir: dataDir,
    logDir,
    unsafeSystem: smallFootprint,
    ...(options.ringDelayMs === undefined ? {} : { ringDelayMs: options.ringDelayMs }),
  });

  const outputPath = join(logDir, 'output.log');
  const outputFd = openSync(outputPath, 'a');
  const spawnedAtMs = Date.now();
  const child = spawn(javaPath, args, { cwd: dataDir, stdio: ['ignore', outputFd, outputFd] });
  closeSync(outputFd);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not spawn ${javaPath}`);
  const ownsDataDir = options.dataDir === undefined;
  const killOnExit = (): void => {
    child.kill('SIGKILL');
    // Exit before stop() (e.g. a signal while starting): the temporary folder goes too, best effort
    // (the killed JVM may still be writing into it).
    if (ownsDataDir) {
      try {
        rmSync(dataDir, { recursive: true, force: true, maxRetries: 3 });
      } catch {
        // left behind in the temporary directory
      }
    }
  };
  process.on('exit', killOnExit);
  log(`started java ${major} pid ${pid} on ${address}:${nativePort} (heap ${heapMb} MiB, commitlog_sync ${commitlogSync}, data ${dataDir})`);

  const exited = exitPromise(child);
  const cleanup = (): void => {
    process.off('exit', killOnExit);
    if (ownsDataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await waitForPort({ what: 'cassandra', address, port: nativePort, timeoutMs: startTimeoutMs, child });
  } catch (error) {
    await terminate(child, exited, stopTimeoutMs);
    const tail = logTail([join(logDir, 'system.log'), outputPath]);
    cleanup();
    throw new Error(`${(error as Error).message}\n--- cassandra log tail ---\n${tail}`, { cause: error });
  }
  const startMs = Date.now() - spawnedAtMs;
  log(`serving CQL on ${address}:${nativePort} after ${startMs} ms`);

  let stopped: Promise<void> | undefined;
  return {
    contactPoint: `${address}:${nativePort}`,
    address,
    nativePort,
    localDataCenter: 'datacenter1',
    version: artifacts.version,
    pid,
    heapMb,
    commitlogSync,
    artifacts,
    startMs,
    dataDir,
    logDir,
    stop(): Promise<void> {
      stopped ??= (async () => {
        const stopStartMs = Date.now();
        const how = await terminate(child, exited, stopTimeoutMs);
        log(`stopped pid ${pid} (${how}) in ${Date.now() - stopStartMs} ms`);
        cleanup();
      })();
      return stopped;
    },
  };
}
