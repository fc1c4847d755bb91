// `nodetool status`: one block per datacenter, a line per endpoint with the two-letter status/state
// code (UN, DN, UJ, UL, ...), load, token count, ownership, host id and rack, as Cassandra prints it.
import type { ClusterView, EndpointState, Ring } from '../../src/management/contract/index.ts';
import { formatBytes } from './size-format.ts';
import { formatColumns } from './text-table.ts';

const STATE_LETTER: Readonly<Record<EndpointState, string>> = {
  NORMAL: 'N', LEAVING: 'L', JOINING: 'J', REPLACING: 'J', MOVING: 'M', LEFT: '?', REMOVING: 'L', REMOVED: '?', HIBERNATING: '?',
  SHUTDOWN: 'N', UNKNOWN: '?',
};

/** Endpoints that have left the ring are not listed (they stay in gossip for a while). */
const GONE: ReadonlySet<EndpointState> = new Set(['LEFT', 'REMOVED']);

export function formatPercent(fraction: number, decimals: number): string {
  return `${(fraction * 100).toFixed(decimals)}%`;
}

export function formatStatus(view: ClusterView, ring: Ring): string {
  const ownership = new Map(ring.endpoints.map((e) => [e.address, e.ownership]));
  const byDc = new Map<string, ClusterView['endpoints'][number][]>();
  for (const e of view.endpoints) {
    if (GONE.has(e.state)) continue;
    const dc = e.datacenter ?? 'unknown';
    byDc.set(dc, [...(byDc.get(dc) ?? []), e]);
  }
  const lines: string[] = [];
  for (const dc of [...byDc.keys()].sort()) {
    const header = `Datacenter: ${dc}`;
    lines.push(header, '='.repeat(header.length), 'Status=Up/Down', '|/ State=Normal/Leaving/Joining/Moving');
    const rows: string[][] = [['--', 'Address', 'Load', 'Tokens', ring.keyspace === null ? 'Owns' : 'Owns (effective)', 'Host ID', 'Rack']];
    const endpoints = byDc.get(dc)!.sort((a, b) => a.address.localeCompare(b.address, 'en', { numeric: true }));
    for (const e of endpoints) {
      const owns = ownership.get(e.address);
      rows.push([
        `${e.status === 'UP' ? 'U' : 'D'}${STATE_LETTER[e.state]}`,
        e.address,
        e.loadBytes === null ? '?' : formatBytes(e.loadBytes),
        String(e.tokenCount),
        owns === undefined ? '?' : formatPercent(owns, 1),
        e.hostId ?? '?',
        e.rack ?? '?',
      ]);
    }
    lines.push(...formatColumns(rows), '');
  }
  return `${lines.join('\n')}\n`;
}
