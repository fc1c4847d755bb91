// The seed list of cassia.yaml ("ip[:port],..." as SimpleSeedProvider reads it) as internode
// addresses, the storage port filling in where a seed names none, and whether this node gossips
// at all: a node whose seeds name only itself runs alone unless start_gossip says otherwise.
// Host names are not resolved yet (io has no resolver): such seeds are set aside with a warning.
import { endpointAddress } from '../../cluster/index.ts';
import type { EndpointAddress } from '../../cluster/index.ts';
import { formatPeerAddress } from '../../messaging/index.ts';

/** Seeds beyond this are a configuration mistake (Cassandra recommends 2-3 per DC). */
export const SEEDS_MAX = 256;

export class SeedListError extends Error {
  override readonly name = 'SeedListError';
}

function seedAddress(entry: string, defaultPort: number): EndpointAddress {
  let host = entry;
  let port = defaultPort;
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(entry);
  if (bracketed !== null) {
    host = bracketed[1]!;
    if (bracketed[2] !== undefined) port = Number(bracketed[2]);
  } else if ((entry.match(/:/g) ?? []).length === 1) {
    const [h, p] = entry.split(':') as [string, string];
    if (!/^\d{1,5}$/.test(p)) throw new SeedListError(`invalid seed '${entry}' (expected ip[:port])`);
    host = h;
    port = Number(p);
  }
  if (host === '' || port > 0xffff) throw new SeedListError(`invalid seed '${entry}' (expected ip[:port])`);
  try {
    return endpointAddress(formatPeerAddress(host, port));
  } catch {
    throw new SeedListError(`invalid seed '${entry}' (expected ip[:port])`);
  }
}

/** Parses `seeds`; duplicates are dropped, order is kept. */
export function parseSeedList(seeds: string, defaultPort: number): EndpointAddress[] {
  const out: EndpointAddress[] = [];
  for (const raw of seeds.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const address = seedAddress(entry, defaultPort);
    if (!out.includes(address)) out.push(address);
  }
  if (out.length > SEEDS_MAX) throw new SeedListError(`${out.length} seeds listed (at most ${SEEDS_MAX})`);
  return out;
}

const IPV4_RE = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6_RE = /^[0-9a-fA-F:.]+$/;

/** Whether a seed's host is an IP address (v4 dotted quad or v6 in brackets), not a name to resolve. */
export function isIpSeed(seed: EndpointAddress): boolean {
  if (seed.startsWith('[')) return IPV6_RE.test(seed.slice(1, seed.indexOf(']')));
  return IPV4_RE.test(seed.slice(0, seed.lastIndexOf(':')));
}

/** Whether the node runs messaging and gossip: start_gossip if set, else a seed other than itself. */
export function gossipEnabled(options: { startGossip: boolean | undefined; seeds: readonly EndpointAddress[]; self: EndpointAddress }): boolean {
  if (options.startGossip !== undefined) return options.startGossip;
  return options.seeds.some((s) => s !== options.self);
}
