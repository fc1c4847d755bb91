// The peers this node last knew as ring members (Cassandra's system.peers table), kept in one JSON
// file replaced atomically, so a restarted node knows the ring and its peers' identities before
// gossip reaches it (they start as DOWN until gossip says otherwise). A missing file is an empty
// list; a corrupt one is ignored with a warning (gossip rebuilds it within seconds).
import { endpointAddress, hostId as toHostId, parseToken } from '../../cluster/index.ts';
import type { EndpointAddress, HostId, Token } from '../../cluster/index.ts';
import type { Disk } from '../../io/index.ts';

export const PEERS_FILE_NAME = 'peers.json';
const FORMAT = 'cassia-peers';
const VERSION = 1;
/** More saved peers than gossip tracks endpoints would be a corrupt file. */
export const SAVED_PEERS_MAX = 4096;

export interface SavedPeer {
  readonly address: EndpointAddress;
  readonly hostId: HostId;
  readonly datacenter: string;
  readonly rack: string;
  readonly tokens: readonly Token[];
  readonly nativeHost: string;
  readonly nativePort: number;
  readonly releaseVersion: string;
  readonly schemaVersion: string;
}

export function serializeSavedPeers(peers: readonly SavedPeer[]): Buffer {
  const body = {
    format: FORMAT,
    version: VERSION,
    peers: peers.map((p) => ({ ...p, tokens: p.tokens.map((t) => t.toString()) })),
  };
  return Buffer.from(JSON.stringify(body), 'utf8');
}

export function parseSavedPeers(bytes: Buffer): SavedPeer[] {
  const body = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  if (body['format'] !== FORMAT || body['version'] !== VERSION) throw new Error('unknown format');
  const list = body['peers'];
  if (!Array.isArray(list) || list.length > SAVED_PEERS_MAX) throw new Error('bad peer list');
  return list.map((x: Record<string, unknown>) => {
    const str = (k: string): string => {
      const v = x[k];
      if (typeof v !== 'string') throw new Error(`bad ${k}`);
      return v;
    };
    const port = x['nativePort'];
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 0xffff) throw new Error('bad nativePort');
    const tokens = x['tokens'];
    if (!Array.isArray(tokens) || tokens.length === 0) throw new Error('bad tokens');
    return {
      address: endpointAddress(str('address')),
      hostId: toHostId(str('hostId')),
      datacenter: str('datacenter'),
      rack: str('rack'),
      tokens: tokens.map((t: unknown) => {
        const parsed = parseToken(String(t));
        if (parsed === null) throw new Error(`bad token ${String(t)}`);
        return parsed;
      }),
      nativeHost: str('nativeHost'),
      nativePort: port,
      releaseVersion: str('releaseVersion'),
      schemaVersion: str('schemaVersion'),
    };
  });
}

export function loadSavedPeers(disk: Disk, directory: string): { peers: SavedPeer[]; warning: string | null } {
  const path = `${directory}/${PEERS_FILE_NAME}`;
  if (disk.stat(path) === null) return { peers: [], warning: null };
  try {
    return { peers: parseSavedPeers(disk.readFile(path)), warning: null };
  } catch (error) {
    return { peers: [], warning: `ignoring unreadable ${path}: ${(error as Error).message}` };
  }
}

export function savePeers(disk: Disk, directory: string, peers: readonly SavedPeer[]): void {
  disk.writeFileAtomic(`${directory}/${PEERS_FILE_NAME}`, serializeSavedPeers(peers));
}
