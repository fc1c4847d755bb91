// Identities of cluster members. An endpoint is keyed by its internode address ("ip:port"), as
// Cassandra keys gossip and TokenMetadata by InetAddressAndPort; the host id is an attribute that
// survives an address change. Both are branded strings so they cannot be mixed up.

declare const endpointAddressBrand: unique symbol;
declare const hostIdBrand: unique symbol;

/** Internode address of a node, "ip:port" (IPv6 as "[ip]:port"). */
export type EndpointAddress = string & { readonly [endpointAddressBrand]: true };
/** A node's UUID host id, lower-case canonical form. */
export type HostId = string & { readonly [hostIdBrand]: true };

const ADDRESS_RE = /^(?:\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):\d{1,5}$/;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Checks the "host:port" shape; throws a TypeError for anything else (input validation). */
export function endpointAddress(text: string): EndpointAddress {
  if (!ADDRESS_RE.test(text)) throw new TypeError(`invalid endpoint address '${text}' (expected ip:port)`);
  return text as EndpointAddress;
}

export function hostId(text: string): HostId {
  const lower = text.toLowerCase();
  if (!UUID_RE.test(lower)) throw new TypeError(`invalid host id '${text}' (expected a UUID)`);
  return lower as HostId;
}

/** What the ring needs to know about a member: identity and placement. */
export interface EndpointInfo {
  readonly address: EndpointAddress;
  readonly hostId: HostId;
  readonly dc: string;
  readonly rack: string;
}

/** Stable order for endpoint addresses (plain code-unit order, as a sorted set of strings). */
export function compareEndpoints(a: EndpointAddress, b: EndpointAddress): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
