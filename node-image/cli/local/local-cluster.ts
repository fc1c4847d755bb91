// `cassia local up|down|status|clear`: a dev cluster of node processes on 127.0.0.x, one folder
// per node under the cluster folder. `up` starts the nodes that are not running (detached, logs to
// files, pid files) and returns once every node answers a CQL handshake; with --foreground it
// stays attached, prints the logs and stops the nodes it started on Ctrl-C/SIGTERM. Stopping is
// always SIGTERM, a bounded wait, then SIGKILL. Data folders are never touched except by `clear`.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LayoutError, planLayout, seedAddresses } from './cluster-layout.ts';
import { clusterDir, DEFAULT_LOCAL_DIR, MANIFEST_FILE, ManifestError, nodePaths, readManifest, writeManifest } from './cluster-manifest.ts';
import type { ClusterManifest, ManifestNode } from './cluster-manifest.ts';
import { portInUse, probeCql } from './cql-probe.ts';
import { renderNodeConfig } from './node-config-file.ts';
import { nodeRuntimeFlags } from '../runtime-flags.ts';
import type { CommitLogSync } from './node-config-file.ts';
import { fileSize, LogFollower, prettyLogLine, tailLines } from './node-logs.ts';
import { isRunning, readPidFile, removePidFile, stopProcess, writePidFile } from './process-control.ts';

/**
 * Nodes only form one cluster once gossip and replication land (the cluster issue); until then a
 * second node would be a separate one-node database, so `up` refuses more than one.
 */
export const MULTI_NODE_AVAILABLE = true;

export const DEFAULT_CQL_PORT = 9042;
export const DEFAULT_STORAGE_PORT = 7000;
export const DEFAULT_MANAGEMENT_PORT = 8080;
export const DEFAULT_CLUSTER_NAME = 'Cassia Local';
export const DEFAULT_START_TIMEOUT_MS = 60_000;
export const DEFAULT_STOP_TIMEOUT_MS = 30_000;
/** How often `up` probes nodes that are starting. */
export const START_POLL_MS = 200;
/** How often `--foreground` looks for new log lines. */
export const FOLLOW_POLL_MS = 100;
/** Log lines shown when a node fails to start. */
export const FAILURE_LOG_LINES = 25;

const CASSIA_ENTRY = resolve(import.meta.dirname, '..', 'cassia.ts');

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  readonly cwd: string;
}

/** Flags of `local up`; undefined means "not given" (the manifest's value, else the default, applies). */
export interface LocalUpOptions {
  readonly dir?: string;
  readonly nodes?: number;
  readonly datacenters?: string;
  readonly racks?: number;
  readonly basePort?: number;
  readonly storagePort?: number;
  readonly managementPort?: number;
  readonly commitLogSync?: CommitLogSync;
  readonly clusterName?: string;
  readonly foreground: boolean;
  readonly startTimeoutMs: number;
  readonly stopTimeoutMs: number;
}

function dirFlag(dir: string | undefined): string {
  return dir === undefined || dir === DEFAULT_LOCAL_DIR ? '' : ` --dir ${dir}`;
}

function nodeMarker(clusterDirectory: string, node: ManifestNode): string {
  return nodePaths(clusterDirectory, node.name).config;
}

export function runningPid(clusterDirectory: string, node: ManifestNode): number | null {
  const paths = nodePaths(clusterDirectory, node.name);
  const pid = readPidFile(paths.pid);
  return pid !== null && isRunning(pid, paths.config) ? pid : null;
}

/** The manifest `up` would run: flags given, else the existing manifest's values, else defaults. */
export function plannedManifest(options: LocalUpOptions, existing: ClusterManifest | null): ClusterManifest {
  const layoutGiven = options.nodes !== undefined || options.datacenters !== undefined || options.racks !== undefined;
  const first = existing?.nodes[0];
  const cqlPort = options.basePort ?? first?.cqlPort ?? DEFAULT_CQL_PORT;
  const storagePort = options.storagePort ?? first?.storagePort ?? DEFAULT_STORAGE_PORT;
  const managementPort = options.managementPort ?? first?.managementPort ?? DEFAULT_MANAGEMENT_PORT;
  if (options.clusterName !== undefined && options.clusterName.trim() === '') throw new LayoutError('--cluster-name must not be empty');
  const specs = layoutGiven || existing === null
    ? planLayout({ nodes: options.nodes, datacenters: options.datacenters, racks: options.racks })
    : existing.nodes;
  return {
    version: 1,
    clusterName: options.clusterName ?? existing?.clusterName ?? DEFAULT_CLUSTER_NAME,
    commitLogSync: options.commitLogSync ?? existing?.commitLogSync ?? 'periodic',
    nodes: specs.map((n) => ({ index: n.index, name: n.name, address: n.address, dc: n.dc, rack: n.rack, cqlPort, storagePort, managementPort })),
  };
}

function sameNode(a: ManifestNode, b: ManifestNode): boolean {
  return a.name === b.name && a.address === b.address && a.dc === b.dc && a.rack === b.rack && a.cqlPort === b.cqlPort
    && a.storagePort === b.storagePort && a.managementPort === b.managementPort;
}

function writeNodeConfig(clusterDirectory: string, manifest: ClusterManifest, node: ManifestNode): void {
  const paths = nodePaths(clusterDirectory, node.name);
  for (const dir of [paths.dir, paths.data, paths.commitLog, paths.hints, paths.logs]) mkdirSync(dir, { recursive: true });
  writeFileSync(paths.config, renderNodeConfig({
    clusterName: manifest.clusterName,
    node,
    seeds: seedAddresses(manifest.nodes),
    cqlPort: node.cqlPort,
    storagePort: node.storagePort,
    managementPort: node.managementPort,
    commitLogSync: manifest.commitLogSync,
    dataDirectory: paths.data,
    commitLogDirectory: paths.commitLog,
    hintsDirectory: paths.hints,
    managementTokenFile: ensureManagementToken(clusterDirectory),
  }));
}

/** The cluster's management token file, created once (64 hex characters, owner-only). */
export function ensureManagementToken(clusterDirectory: string): string {
  const path = join(clusterDirectory, MANAGEMENT_TOKEN_FILE);
  if (!existsSync(path)) writeFileSync(path, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
  return path;
}

export const MANAGEMENT_TOKEN_FILE = 'management-token';

export interface StartedNode {
  readonly node: ManifestNode;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Size of the log before this start: --foreground prints from here. */
  readonly logOffset: number;
  exit: { code: number | null; signal: NodeJS.Signals | null } | null;
}

export function startNodeProcess(clusterDirectory: string, node: ManifestNode, foreground: boolean): StartedNode {
  const paths = nodePaths(clusterDirectory, node.name);
  const logOffset = fileSize(paths.log);
  const fd = openSync(paths.log, 'a');
  writeSync(fd, `--- cassia local: starting ${node.name} on ${node.address}:${node.cqlPort} at ${new Date().toISOString()} ---\n`);
  let child: ChildProcess;
  try {
    // Own process group: a Ctrl-C in the terminal reaches the CLI, which stops nodes in order.
    child = spawn(process.execPath, [...nodeRuntimeFlags(), CASSIA_ENTRY, 'node', '--config', paths.config], {
      cwd: paths.dir, detached: true, stdio: ['ignore', fd, fd], env: process.env,
    });
  } finally {
    closeSync(fd);
  }
  if (child.pid === undefined) throw new Error(`could not start ${node.name}`);
  writePidFile(paths.pid, child.pid);
  const started: StartedNode = { node, pid: child.pid, child, logOffset, exit: null };
  child.once('exit', (code, signal) => {
    started.exit = { code, signal };
  });
  if (!foreground) child.unref();
  return started;
}

function failureReport(clusterDirectory: string, node: ManifestNode, headline: string): string[] {
  const paths = nodePaths(clusterDirectory, node.name);
  const tail = tailLines(paths.log, FAILURE_LOG_LINES);
  return [headline, `last lines of ${paths.log}:`, ...tail.map((l) => `  ${l}`)];
}

/** Waits until every node answers CQL; the failure message, or null on success. */
export async function waitForCql(clusterDirectory: string, nodes: readonly ManifestNode[], started: readonly StartedNode[], timeoutMs: number): Promise<string[] | null> {
  const deadline = Date.now() + timeoutMs;
  const pending = new Set(nodes.map((n) => n.name));
  while (pending.size > 0) {
    for (const node of nodes) {
      if (!pending.has(node.name)) continue;
      const s = started.find((x) => x.node.name === node.name);
      if (s !== undefined && (s.exit !== null || !isRunning(s.pid, nodeMarker(clusterDirectory, node)))) {
        const how = s.exit === null ? 'exited' : `exited (code ${String(s.exit.code)}, signal ${String(s.exit.signal)})`;
        return failureReport(clusterDirectory, node, `${node.name} ${how} before serving CQL on ${node.address}:${node.cqlPort}`);
      }
      if ((await probeCql({ host: node.address, port: node.cqlPort })).ok) pending.delete(node.name);
    }
    if (pending.size === 0) break;
    if (Date.now() >= deadline) {
      const node = nodes.find((n) => pending.has(n.name))!;
      return failureReport(clusterDirectory, node, `${node.name} did not serve CQL on ${node.address}:${node.cqlPort} within ${Math.round(timeoutMs / 1000)} s`);
    }
    await sleep(START_POLL_MS);
  }
  return null;
}

async function stopStarted(clusterDirectory: string, started: readonly StartedNode[], stopTimeoutMs: number): Promise<void> {
  await Promise.all(started.map(async (s) => {
    await stopProcess(s.pid, nodeMarker(clusterDirectory, s.node), stopTimeoutMs);
    removePidFile(nodePaths(clusterDirectory, s.node.name).pid);
  }));
}

export function printSummary(io: CliIo, manifest: ClusterManifest, options: LocalUpOptions, states: ReadonlyMap<string, string>, pids: ReadonlyMap<string, number>): void {
  for (const n of manifest.nodes) {
    io.out(`${n.name}  ${n.address}:${n.cqlPort}  ${n.dc}/${n.rack}  pid ${pids.get(n.name) ?? '-'}  ${states.get(n.name) ?? ''}`);
  }
  const contactPoints = manifest.nodes.map((n) => `${n.address}:${n.cqlPort}`);
  const count = manifest.nodes.length;
  io.out(`Local cluster '${manifest.clusterName}' is up: ${count} node${count === 1 ? '' : 's'} serving CQL.`);
  io.out(`Contact points: ${contactPoints.join(',')}`);
  io.out(`Driver: new cassandra.Client({ contactPoints: [${contactPoints.map((c) => `'${c}'`).join(', ')}], localDataCenter: '${manifest.nodes[0]!.dc}' })`);
  io.out(`cqlsh:  npm run cassia -- cqlsh ${contactPoints[0]!}`);
  io.out(`nodetool: npm run cassia -- nodetool -h ${manifest.nodes[0]!.address} -p ${manifest.nodes[0]!.managementPort} --token-file ${join(options.dir ?? DEFAULT_LOCAL_DIR, MANAGEMENT_TOKEN_FILE)} status`);
  if (!options.foreground) io.out(`Stop:   npm run cassia -- local down${dirFlag(options.dir)}`);
}

/** Runs a local subcommand, turning a broken manifest into a message and exit code 1. */
export async function reportingManifestErrors(command: string, io: CliIo, run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof ManifestError)) throw error;
    io.err(`cassia local ${command}: ${error.message}`);
    return 1;
  }
}

export function localUp(options: LocalUpOptions, io: CliIo): Promise<number> {
  return reportingManifestErrors('up', io, () => up(options, io));
}

async function up(options: LocalUpOptions, io: CliIo): Promise<number> {
  const directory = clusterDir(options.dir, io.cwd);
  let manifest: ClusterManifest;
  const existing = readManifest(directory);
  try {
    manifest = plannedManifest(options, existing);
  } catch (error) {
    if (error instanceof LayoutError) {
      io.err(`cassia local up: ${error.message}`);
      return 2;
    }
    throw error;
  }
  if (manifest.nodes.length > 1 && !MULTI_NODE_AVAILABLE) {
    io.err(`cassia local up: multi-node clusters are not available yet (nodes do not gossip or replicate until the cluster work lands); `
      + `asked for ${manifest.nodes.length} nodes, use --nodes 1`);
    return 2;
  }
  // Nodes of the existing manifest that run must keep their settings: never start duplicates.
  const runningBefore = new Map<string, number>();
  for (const node of existing?.nodes ?? []) {
    const pid = runningPid(directory, node);
    if (pid !== null) runningBefore.set(node.name, pid);
  }
  if (runningBefore.size > 0) {
    const changed = existing!.nodes.filter((n) => runningBefore.has(n.name)).filter((n) => {
      const planned = manifest.nodes.find((m) => m.name === n.name);
      return planned === undefined || !sameNode(planned, n) || manifest.commitLogSync !== existing!.commitLogSync;
    });
    if (changed.length > 0) {
      io.err(`cassia local up: ${changed.map((n) => n.name).join(', ')} already running in ${directory} with other settings; `
        + `run \`cassia local down${dirFlag(options.dir)}\` first`);
      return 1;
    }
  }
  writeManifest(directory, manifest);

  const started: StartedNode[] = [];
  const states = new Map<string, string>();
  const pids = new Map<string, number>(runningBefore);
  for (const node of manifest.nodes) {
    if (runningBefore.has(node.name)) {
      states.set(node.name, 'already running');
      io.out(`${node.name} is already running (pid ${runningBefore.get(node.name)!}); not starting another`);
      continue;
    }
    removePidFile(nodePaths(directory, node.name).pid);
    if (await portInUse({ host: node.address, port: node.cqlPort })) {
      io.err(`cassia local up: ${node.address}:${node.cqlPort} is already in use by another process; choose another --base-port`);
      await stopStarted(directory, started, options.stopTimeoutMs);
      return 1;
    }
    let s: StartedNode;
    try {
      writeNodeConfig(directory, manifest, node);
      s = startNodeProcess(directory, node, options.foreground);
    } catch (error) {
      io.err(`cassia local up: cannot start ${node.name} in ${nodePaths(directory, node.name).dir}: ${(error as Error).message}`);
      await stopStarted(directory, started, options.stopTimeoutMs);
      return 1;
    }
    started.push(s);
    pids.set(node.name, s.pid);
    states.set(node.name, 'started');
  }
  const failure = await waitForCql(directory, manifest.nodes, started, options.startTimeoutMs);
  if (failure !== null) {
    for (const line of failure) io.err(line);
    await stopStarted(directory, started, options.stopTimeoutMs);
    io.err(`cassia local up: failed; the nodes started by this command were stopped`);
    return 1;
  }
  printSummary(io, manifest, options, states, pids);
  if (!options.foreground) return 0;
  return followForeground(directory, started, options, io);
}

async function followForeground(directory: string, started: StartedNode[], options: LocalUpOptions, io: CliIo): Promise<number> {
  const followers = started.map((s) => ({ name: s.node.name, follower: new LogFollower(nodePaths(directory, s.node.name).log, s.logOffset) }));
  const width = Math.max(...started.map((s) => s.node.name.length), 1);
  const print = (lines: Iterable<readonly [string, string]>): void => {
    for (const [name, line] of lines) io.out(`${name.padEnd(width)} | ${prettyLogLine(line)}`);
  };
  const pollAll = (drain: boolean): void => {
    for (const f of followers) print((drain ? f.follower.drain() : f.follower.poll()).map((l) => [f.name, l] as const));
  };
  io.out(`Following node logs; Ctrl-C stops ${started.length === 1 ? 'the node' : 'the nodes'} started here.`);
  let signals = 0;
  const onSignal = (): void => {
    signals++;
    if (signals > 1) {
      for (const s of started) {
        try {
          process.kill(s.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  };
  const handled: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of handled) process.on(s, onSignal);
  let exitCode = 0;
  try {
    while (signals === 0) {
      pollAll(false);
      const died = started.find((s) => s.exit !== null);
      if (died !== undefined) {
        io.err(`${died.node.name} exited (code ${String(died.exit!.code)}, signal ${String(died.exit!.signal)}); stopping the others`);
        exitCode = 1;
        break;
      }
      await sleep(FOLLOW_POLL_MS);
    }
    io.out(`Stopping ${started.map((s) => s.node.name).join(', ')} (SIGTERM, then SIGKILL after ${Math.round(options.stopTimeoutMs / 1000)} s)`);
    const stopping = stopStarted(directory, started, options.stopTimeoutMs);
    while (started.some((s) => s.exit === null && isRunning(s.pid, nodeMarker(directory, s.node)))) {
      pollAll(false);
      await sleep(FOLLOW_POLL_MS);
    }
    await stopping;
    pollAll(true);
    io.out('Stopped.');
  } finally {
    for (const s of handled) process.off(s, onSignal);
  }
  return exitCode;
}

export function localDown(options: { dir?: string; stopTimeoutMs: number }, io: CliIo): Promise<number> {
  return reportingManifestErrors('down', io, () => down(options, io));
}

async function down(options: { dir?: string; stopTimeoutMs: number }, io: CliIo): Promise<number> {
  const directory = clusterDir(options.dir, io.cwd);
  const manifest = readManifest(directory);
  if (manifest === null) {
    io.out(`No local cluster in ${directory}.`);
    return 0;
  }
  const outcomes = await Promise.all(manifest.nodes.map(async (node) => {
    const paths = nodePaths(directory, node.name);
    const pid = readPidFile(paths.pid);
    const outcome = pid === null ? 'not-running' : await stopProcess(pid, paths.config, options.stopTimeoutMs);
    if (outcome !== 'stuck') removePidFile(paths.pid);
    return { node, pid, outcome };
  }));
  let code = 0;
  for (const { node, pid, outcome } of outcomes) {
    switch (outcome) {
      case 'stopped': io.out(`${node.name} stopped (pid ${pid!})`); break;
      case 'killed': io.out(`${node.name} killed with SIGKILL after ${Math.round(options.stopTimeoutMs / 1000)} s (pid ${pid!})`); break;
      case 'not-running': io.out(`${node.name} was not running`); break;
      case 'stuck':
        io.err(`${node.name} (pid ${pid!}) did not exit even after SIGKILL`);
        code = 1;
        break;
    }
  }
  return code;
}

export function localStatus(options: { dir?: string }, io: CliIo): Promise<number> {
  return reportingManifestErrors('status', io, () => status(options, io));
}

async function status(options: { dir?: string }, io: CliIo): Promise<number> {
  const directory = clusterDir(options.dir, io.cwd);
  const manifest = readManifest(directory);
  if (manifest === null) {
    io.out(`No local cluster in ${directory}. Start one with \`cassia local up${dirFlag(options.dir)}\`.`);
    return 0;
  }
  const rows = await Promise.all(manifest.nodes.map(async (node) => {
    const pid = runningPid(directory, node);
    const cql = pid === null ? '-' : (await probeCql({ host: node.address, port: node.cqlPort })).ok ? 'reachable' : 'unreachable';
    return [node.name, `${node.address}:${node.cqlPort}`, node.dc, node.rack, pid === null ? '-' : String(pid), pid === null ? 'down' : 'up', cql];
  }));
  const header = ['Name', 'Address', 'DC', 'Rack', 'PID', 'Process', 'CQL'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  io.out(`Cluster '${manifest.clusterName}' in ${directory}`);
  io.out(line(header));
  for (const r of rows) io.out(line(r));
  return 0;
}

export function localClear(options: { dir?: string; yes: boolean; stopTimeoutMs: number }, io: CliIo): Promise<number> {
  return reportingManifestErrors('clear', io, () => clear(options, io));
}

async function clear(options: { dir?: string; yes: boolean; stopTimeoutMs: number }, io: CliIo): Promise<number> {
  const directory = clusterDir(options.dir, io.cwd);
  if (!existsSync(directory)) {
    io.out(`Nothing to clear: ${directory} does not exist.`);
    return 0;
  }
  const manifest = readManifest(directory);
  if (manifest === null && readdirSync(directory).length > 0) {
    io.err(`cassia local clear: ${directory} holds no ${MANIFEST_FILE}, so it is not a cassia local cluster; not deleting it`);
    return 1;
  }
  if (!options.yes) {
    io.err(`cassia local clear stops the nodes and deletes all their data under ${directory}; re-run with --yes to confirm`);
    return 1;
  }
  const downCode = await down(options, io);
  if (downCode !== 0) return downCode;
  rmSync(directory, { recursive: true, force: true });
  io.out(`Deleted ${directory}.`);
  return 0;
}
