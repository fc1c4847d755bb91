// Ring bookkeeping for a peer announcing BOOT_REPLACE,<address>: the replacement registers with its
// own host id and takes the dead node's tokens as bootstrap tokens, so writes for those ranges
// reach it as a pending replica (4.0+ behaviour); NORMAL later moves the tokens to it for good.
// Invariants: the ring is unchanged when the target is unknown or the state carries no tokens.
import { AppState, decodeTokens, endpointAddress, hostId as toHostId, parseStatus, statusValue } from '../../cluster/index.ts';
import type { EndpointAddress, EndpointState, TokenMetadata } from '../../cluster/index.ts';

/** The replaced address named by a BOOT_REPLACE status, or null for any other status. */
export function bootReplaceTarget(state: EndpointState, defaultPort: number): EndpointAddress | null {
  const value = statusValue(state);
  if (value === undefined) return null;
  const parsed = parseStatus(value);
  if (parsed.kind !== 'BOOT_REPLACE') return null;
  const raw = parsed.replacedAddress;
  try {
    return endpointAddress(/:\d+$/.test(raw) && !raw.endsWith(']') ? raw : `${raw}:${defaultPort}`);
  } catch {
    return null;
  }
}

export function applyBootReplace(ring: TokenMetadata, endpoint: EndpointAddress, state: EndpointState, replaced: EndpointAddress): TokenMetadata {
  const tokensValue = state.states[AppState.Tokens]?.value;
  const id = state.states[AppState.HostId]?.value;
  if (tokensValue === undefined || id === undefined || !ring.isMember(replaced)) return ring;
  let tokens;
  let host;
  try {
    tokens = decodeTokens(tokensValue);
    host = toHostId(id);
  } catch {
    return ring;
  }
  if (tokens.length === 0) return ring;
  const existing = ring.endpointForHostId(host);
  if (existing !== undefined && existing.address !== endpoint) return ring;
  const dc = state.states[AppState.Dc]?.value ?? ring.endpoint(replaced)!.dc;
  const rack = state.states[AppState.Rack]?.value ?? ring.endpoint(replaced)!.rack;
  const registered = ring.withEndpoint({ address: endpoint, hostId: host, dc, rack });
  if (registered.bootstrapCollision(endpoint, tokens, replaced) !== null) return ring;
  return registered.withBootstrapTokens(endpoint, tokens, replaced);
}
