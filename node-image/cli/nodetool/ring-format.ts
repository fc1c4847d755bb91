// `nodetool ring`: per datacenter, every token with its endpoint's rack, status, state, load and
// ownership; the last token is printed first on its own line, as Cassandra does (the ring wraps).
import type { ClusterView, Ring } from '../../src/management/contract/index.ts';
import { formatBytes } from './size-format.ts';
import { formatPercent } from './status-format.ts';
import { formatColumns } from './text-table.ts';

const STATE_WORD: Readonly<Record<string, string>> = {
  NORMAL: 'Normal', LEAVING: 'Leaving', JOINING: 'Joining', REPLACING: 'Joining', MOVING: 'Moving', SHUTDOWN: 'Normal',
};

export function formatRing(ring: Ring, view: ClusterView): string {
  const endpoints = new Map(ring.endpoints.map((e) => [e.address, e]));
  const loads = new Map(view.endpoints.map((e) => [e.address, e.loadBytes]));
  const byDc = new Map<string, Ring['tokens'][number][]>();
  for (const t of ring.tokens) {
    const dc = endpoints.get(t.address)?.datacenter ?? 'unknown';
    byDc.set(dc, [...(byDc.get(dc) ?? []), t]);
  }
  const lines: string[] = [];
  for (const dc of [...byDc.keys()].sort()) {
    const tokens = byDc.get(dc)!;
    lines.push('', `Datacenter: ${dc}`, '==========');
    const rows: string[][] = [['Address', 'Rack', 'Status', 'State', 'Load', ring.keyspace === null ? 'Owns' : 'Owns (effective)', 'Token']];
    rows.push(['', '', '', '', '', '', tokens[tokens.length - 1]!.token]);
    for (const t of tokens) {
      const e = endpoints.get(t.address);
      const load = loads.get(t.address);
      rows.push([
        t.address,
        e?.rack ?? '?',
        e === undefined ? '?' : e.status === 'UP' ? 'Up' : 'Down',
        e === undefined ? '?' : (STATE_WORD[e.state] ?? e.state),
        load == null ? '?' : formatBytes(load),
        e === undefined ? '?' : formatPercent(e.ownership, 2),
        t.token,
      ]);
    }
    lines.push(...formatColumns(rows));
  }
  return `${lines.join('\n')}\n\n`;
}
