// Internode addresses "ip:port" ("[ipv6]:port"), the same form as cluster's EndpointAddress:
// parsing into host and port for connecting, and formatting back.
import { MessagingError } from './messaging-service.ts';
import type { PeerAddress } from './messaging-service.ts';

const ADDRESS_RE = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]]+)):(\d{1,5})$/;

export function parsePeerAddress(address: PeerAddress): { host: string; port: number } {
  const m = ADDRESS_RE.exec(address);
  const port = m === null ? NaN : Number(m[3]);
  if (m === null || port > 0xffff) throw new MessagingError('MSG_ERR_BAD_MESSAGE', `invalid internode address '${address}' (expected ip:port)`);
  return { host: m[1] ?? m[2]!, port };
}

export function formatPeerAddress(host: string, port: number): PeerAddress {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
