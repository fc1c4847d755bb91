// The cassia.yaml of one local node: its loopback address, ports, seeds, dc/rack and its own data,
// commit log and hints folders (absolute paths, so the node's working directory does not matter).
// Pure; the keys are those of node-image/src/config/node-config.ts.
import { stringify } from 'yaml';
import type { LocalNodeSpec } from './cluster-layout.ts';

export type CommitLogSync = 'periodic' | 'batch';

export interface NodeConfigInput {
  readonly clusterName: string;
  readonly node: LocalNodeSpec;
  readonly seeds: readonly string[];
  readonly cqlPort: number;
  readonly storagePort: number;
  readonly managementPort: number;
  readonly commitLogSync: CommitLogSync;
  readonly dataDirectory: string;
  readonly commitLogDirectory: string;
  readonly hintsDirectory: string;
  /** Bearer token file of the management API, shared by the cluster's nodes and nodetool. */
  readonly managementTokenFile: string;
}

export function renderNodeConfig(input: NodeConfigInput): string {
  const config = {
    cluster_name: input.clusterName,
    seeds: input.seeds.join(','),
    // Gossip even when the node is its own only seed, so `cassia local add` can join it later.
    start_gossip: true,
    listen_address: input.node.address,
    rpc_address: input.node.address,
    native_transport_port: input.cqlPort,
    storage_port: input.storagePort,
    management_address: input.node.address,
    management_port: input.managementPort,
    management_token_file: input.managementTokenFile,
    data_file_directories: [input.dataDirectory],
    commitlog_directory: input.commitLogDirectory,
    hints_directory: input.hintsDirectory,
    commitlog_sync: input.commitLogSync,
    dc: input.node.dc,
    rack: input.node.rack,
  };
  return `# Written by \`cassia local up\` for ${input.node.name}; rewritten on every \`up\` while the node is stopped.\n${stringify(config)}`;
}
