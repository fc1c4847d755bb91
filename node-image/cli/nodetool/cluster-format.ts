// `nodetool describecluster` (name, partitioner, schema versions) and `nodetool gossipinfo` (every
// endpoint's generation, heartbeat and application states), in Cassandra's layout.
import type { ClusterView, SchemaVersions } from '../../src/management/contract/index.ts';

export function formatDescribeCluster(view: ClusterView, versions: SchemaVersions): string {
  const lines = ['Cluster Information:', `\tName: ${view.clusterName}`, `\tPartitioner: ${view.partitioner}`, '\tSchema versions:'];
  for (const v of versions.versions) lines.push(`\t\t${v.schemaVersion}: [${v.endpoints.join(', ')}]`, '');
  if (versions.unreachable.length > 0) lines.push(`\t\tUNREACHABLE: [${versions.unreachable.join(', ')}]`, '');
  return `${lines.join('\n')}\n`;
}

export function formatGossipInfo(view: ClusterView): string {
  const lines: string[] = [];
  for (const e of view.endpoints) {
    lines.push(`/${e.address}`, `  generation:${e.heartbeat.generation}`, `  heartbeat:${e.heartbeat.version}`);
    for (const name of Object.keys(e.applicationStates).sort()) lines.push(`  ${name}:${e.applicationStates[name]}`);
  }
  return `${lines.join('\n')}\n`;
}
