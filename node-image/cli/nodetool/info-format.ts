// `nodetool info`: the node's identity and state as "Name : value" lines, Cassandra's labels first,
// then the fields Cassia adds (operation mode, data disk, schema version).
import type { NodeInfo } from '../../src/management/contract/index.ts';
import { formatBytes } from './size-format.ts';

const LABEL_WIDTH = 23;

function line(label: string, value: string): string {
  return `${label.padEnd(LABEL_WIDTH)}: ${value}`;
}

export function formatInfo(info: NodeInfo, options: { tokens: boolean }): string {
  const lines = [
    line('ID', info.hostId ?? '(none yet)'),
    line('Gossip active', String(info.gossipRunning)),
    line('Native Transport active', String(info.nativeTransportRunning)),
    line('Load', formatBytes(info.loadBytes)),
    line('Uptime (seconds)', String(Math.floor(info.uptimeMs / 1000))),
    line('Data Center', info.datacenter),
    line('Rack', info.rack),
    line('Operation Mode', info.operationMode),
    line('Data Disk', `${formatBytes(info.dataDisk.freeBytes)} free of ${formatBytes(info.dataDisk.totalBytes)}`),
    line('Schema Version', info.schemaVersion ?? '(none)'),
    line('Release Version', info.releaseVersion),
  ];
  if (options.tokens || info.tokens.length <= 1) for (const token of info.tokens) lines.push(line('Token', token));
  else lines.push(line('Token', `(invoke with -T/--tokens to see all ${info.tokens.length} tokens)`));
  return `${lines.join('\n')}\n`;
}
