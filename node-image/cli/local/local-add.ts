// `cassia local add [--dc D] [--rack R]`: one more node for a running local cluster, on the next
// loopback address, seeded by the existing seeds so it bootstraps (streams its ranges, then NORMAL).
// A node of a datacenter new to the cluster joins without streaming (auto_bootstrap: false); the
// output says to ALTER the keyspaces and run `nodetool rebuild <dc>` on it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { LOCAL_NODES_MAX, nodeAddress, seedAddresses } from './cluster-layout.ts';
import { clusterDir, nodePaths, readManifest, writeManifest } from './cluster-manifest.ts';
import type { ManifestNode } from './cluster-manifest.ts';
import { portInUse } from './cql-probe.ts';
import { ensureManagementToken, reportingManifestErrors, runningPid, startNodeProcess, waitForCql } from './local-cluster.ts';
import type { CliIo } from './local-cluster.ts';
import { renderNodeConfig } from './node-config-file.ts';
import { removePidFile, stopProcess } from './process-control.ts';

/** The joining node's ring delay: short, since a local cluster's gossip settles in a second or two. */
export const LOCAL_ADD_RING_DELAY_MS = 5000;
export const LOCAL_ADD_START_TIMEOUT_MS_DEFAULT = 300_000;

export interface LocalAddOptions {
  readonly dir?: string;
  readonly dc?: string;
  readonly rack?: string;
  readonly startTimeoutMs: number;
  readonly stopTimeoutMs: number;
}

export function localAdd(options: LocalAddOptions, io: CliIo): Promise<number> {
  return reportingManifestErrors('add', io, () => add(options, io));
}

async function add(options: LocalAddOptions, io: CliIo): Promise<number> {
  const directory = clusterDir(options.dir, io.cwd);
  const manifest = readManifest(directory);
  if (manifest === null || manifest.nodes.length === 0) {
    io.err(`cassia local add: no local cluster in ${directory}; run \`cassia local up\` first`);
    return 1;
  }
  if (!manifest.nodes.some((n) => runningPid(directory, n) !== null)) {
    io.err('cassia local add: no node of the cluster is running; run `cassia local up` first');
    return 1;
  }
  const index = Math.max(...manifest.nodes.map((n) => n.index)) + 1;
  if (index > LOCAL_NODES_MAX) {
    io.err(`cassia local add: a local cluster has at most ${LOCAL_NODES_MAX} nodes`);
    return 2;
  }
  const first = manifest.nodes[0]!;
  const dc = options.dc ?? first.dc;
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(dc)) {
    io.err(`cassia local add: invalid data center name '${dc}'`);
    return 2;
  }
  const newDc = !manifest.nodes.some((n) => n.dc === dc);
  const node: ManifestNode = {
    index, name: `node${index}`, address: nodeAddress(index), dc, rack: options.rack ?? 'rack1',
    cqlPort: first.cqlPort, storagePort: first.storagePort, managementPort: first.managementPort,
  };
  if (await portInUse({ host: node.address, port: node.cqlPort })) {
    io.err(`cassia local add: ${node.address}:${node.cqlPort} is already in use`);
    return 1;
  }
  const paths = nodePaths(directory, node.name);
  for (const d of [paths.dir, paths.data, paths.commitLog, paths.hints, paths.logs]) mkdirSync(d, { recursive: true });
  const config = renderNodeConfig({
    clusterName: manifest.clusterName, node, seeds: seedAddresses(manifest.nodes), cqlPort: node.cqlPort, storagePort: node.storagePort,
    managementPort: node.managementPort, commitLogSync: manifest.commitLogSync, dataDirectory: paths.data, commitLogDirectory: paths.commitLog,
    hintsDirectory: paths.hints, managementTokenFile: ensureManagementToken(directory),
  });
  writeFileSync(paths.config, `${config}ring_delay: ${LOCAL_ADD_RING_DELAY_MS}\n${newDc ? 'auto_bootstrap: false\n' : ''}`);
  writeManifest(directory, { ...manifest, nodes: [...manifest.nodes, node] });
  removePidFile(paths.pid);
  io.out(`${node.name}: starting on ${node.address} (${dc}/${node.rack})${newDc ? ', new datacenter: joining without streaming' : ', bootstrapping'}`);
  const started = startNodeProcess(directory, node, false);
  const failure = await waitForCql(directory, [node], [started], options.startTimeoutMs);
  if (failure !== null) {
    for (const line of failure) io.err(line);
    await stopProcess(started.pid, paths.config, options.stopTimeoutMs);
    removePidFile(paths.pid);
    io.err(`cassia local add: ${node.name} did not join; it was stopped (its folder is kept)`);
    return 1;
  }
  io.out(`${node.name} joined the cluster and serves CQL on ${node.address}:${node.cqlPort} (pid ${started.pid})`);
  if (newDc) {
    io.out(`Next: ALTER KEYSPACE ... to replicate to ${dc}, then: npm run cassia -- nodetool -h ${node.address} -p ${node.managementPort} rebuild ${first.dc}`);
  }
  return 0;
}
