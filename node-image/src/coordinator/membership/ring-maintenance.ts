// Gossip status -> ring (StorageService.handleState* of the gossip era, spec 3.4 and 5): NORMAL
// registers the endpoint and gives it its tokens (host id and token conflicts resolved in favour of
// the later start, as Cassandra does), BOOT records bootstrap tokens, LEAVING/removing mark it
// leaving, MOVING marks a move, LEFT/removed and gossip removal take it out. Pure: a snapshot in,
// a snapshot and what changed out. The local node is never changed here (it sets itself up).
import {
  AppState, GossipStatus, UNKNOWN_DC, UNKNOWN_RACK, decodeTokens, gossipStatus, parseStatus, statusValue,
} from '../../cluster/index.ts';
import type { EndpointAddress, EndpointState, Token, TokenMetadata } from '../../cluster/index.ts';
import { hostIdOf } from './member-view.ts';

export interface RingChange {
  readonly ring: TokenMetadata;
  /** Endpoints that became ring members (owners of normal tokens). */
  readonly joined: readonly EndpointAddress[];
  /** Endpoints that stopped being ring members. */
  readonly left: readonly EndpointAddress[];
  /** Members whose normal tokens changed. */
  readonly moved: readonly EndpointAddress[];
  readonly warnings: readonly string[];
}

export interface RingContext {
  readonly self: EndpointAddress;
  /** Gossip generation of an endpoint (its start time); 0 when unknown. */
  readonly generationOf: (endpoint: EndpointAddress) => number;
}

function sameTokens(a: readonly Token[], b: readonly Token[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function diff(before: TokenMetadata, after: TokenMetadata, warnings: string[]): RingChange {
  if (before === after) return { ring: after, joined: [], left: [], moved: [], warnings };
  const was = new Set(before.members());
  const now = new Set(after.members());
  const joined = [...now].filter((e) => !was.has(e));
  const left = [...was].filter((e) => !now.has(e));
  const moved = [...now].filter((e) => was.has(e) && !sameTokens(before.tokensOf(e), after.tokensOf(e)));
  return { ring: after, joined, left, moved, warnings };
}

function tokensIn(state: EndpointState, warnings: string[], endpoint: EndpointAddress): Token[] | null {
  const value = state.states[AppState.Tokens]?.value;
  if (value === undefined) {
    warnings.push(`${endpoint} has a status but no TOKENS; ignoring it`);
    return null;
  }
  try {
    const tokens = [...new Set(decodeTokens(value))];
    if (tokens.length === 0) {
      warnings.push(`${endpoint} gossips an empty TOKENS value; ignoring it`);
      return null;
    }
    return tokens;
  } catch (error) {
    warnings.push(`${endpoint}: ${(error as Error).message}`);
    return null;
  }
}

/** Registers (or re-registers) the endpoint with its host id, dc and rack; null when it cannot be. */
function register(ring: TokenMetadata, endpoint: EndpointAddress, state: EndpointState, ctx: RingContext, warnings: string[]): TokenMetadata | null {
  const id = hostIdOf(state);
  if (id === null) {
    warnings.push(`${endpoint} has no valid HOST_ID; ignoring its status`);
    return null;
  }
  const owner = ring.endpointForHostId(id);
  if (owner !== undefined && owner.address !== endpoint) {
    // Host ID collision: the endpoint that started later owns the id (a node that changed address).
    if (owner.address === ctx.self || ctx.generationOf(endpoint) <= ctx.generationOf(owner.address)) {
      warnings.push(`Not updating host ID ${id} for ${endpoint} because it's mine or ${owner.address} started later`);
      return null;
    }
    warnings.push(`Host ID collision for ${id} between ${owner.address} and ${endpoint}; ${endpoint} is the new owner`);
    ring = ring.withoutEndpoint(owner.address);
  }
  const dc = state.states[AppState.Dc]?.value ?? UNKNOWN_DC;
  const rack = state.states[AppState.Rack]?.value ?? UNKNOWN_RACK;
  return ring.withEndpoint({ address: endpoint, hostId: id, dc, rack });
}

function handleNormal(ring: TokenMetadata, endpoint: EndpointAddress, state: EndpointState, ctx: RingContext, warnings: string[]): TokenMetadata {
  const tokens = tokensIn(state, warnings, endpoint);
  if (tokens === null) return ring;
  const registered = register(ring, endpoint, state, ctx, warnings);
  if (registered === null) return ring;
  const owned: Token[] = [];
  const losers = new Set<EndpointAddress>();
  for (const t of tokens) {
    const owner = registered.ownerOf(t);
    if (owner === undefined || owner === endpoint) {
      owned.push(t);
    } else if (owner !== ctx.self && ctx.generationOf(endpoint) > ctx.generationOf(owner)) {
      warnings.push(`Token ${t} changing ownership from ${owner} to ${endpoint}`);
      owned.push(t);
      losers.add(owner);
    } else {
      warnings.push(`Nodes ${owner} and ${endpoint} have the same token ${t}. Ignoring ${endpoint}`);
    }
  }
  if (owned.length === 0) return ring;
  let next = registered.withNormalTokens(endpoint, owned);
  // An owner that lost every token is no longer part of the ring.
  for (const loser of losers) if (!next.isMember(loser)) next = next.withoutEndpoint(loser);
  return next;
}

function handleBootstrap(ring: TokenMetadata, endpoint: EndpointAddress, state: EndpointState, ctx: RingContext, warnings: string[]): TokenMetadata {
  const tokens = tokensIn(state, warnings, endpoint);
  if (tokens === null) return ring;
  // A member announcing BOOT restarted its bootstrap: its old tokens go first.
  let next = ring.isMember(endpoint) ? ring.withoutEndpoint(endpoint) : ring;
  const registered = register(next, endpoint, state, ctx, warnings);
  if (registered === null) return ring;
  next = registered;
  const collision = next.bootstrapCollision(endpoint, tokens);
  if (collision !== null) {
    warnings.push(collision);
    return ring;
  }
  return next.withBootstrapTokens(endpoint, tokens);
}

/** Updates the ring for the endpoint's current status (called after any STATUS change or a join). */
export function applyStatus(ring: TokenMetadata, endpoint: EndpointAddress, state: EndpointState, ctx: RingContext): RingChange {
  const warnings: string[] = [];
  if (endpoint === ctx.self) return diff(ring, ring, warnings);
  const value = statusValue(state);
  if (value === undefined) return diff(ring, ring, warnings);
  let next = ring;
  switch (gossipStatus(state)) {
    case GossipStatus.Normal:
      next = handleNormal(ring, endpoint, state, ctx, warnings);
      break;
    case GossipStatus.Boot:
      next = handleBootstrap(ring, endpoint, state, ctx, warnings);
      break;
    case GossipStatus.Leaving:
    case GossipStatus.Removing:
      if (ring.isMember(endpoint)) next = ring.withLeaving(endpoint);
      break;
    case GossipStatus.Moving: {
      const parsed = parseStatus(value);
      if (ring.isMember(endpoint) && parsed.kind === 'MOVING' && ring.tokensOf(endpoint).length === 1) next = ring.withMoving(endpoint, parsed.token);
      else warnings.push(`ignoring MOVING from ${endpoint} (not a single-token member)`);
      break;
    }
    case GossipStatus.Left:
    case GossipStatus.Removed:
      if (ring.endpoint(endpoint) !== undefined) next = ring.withoutEndpoint(endpoint);
      break;
    default:
      // hibernate, shutdown, BOOT_REPLACE (the topology work), unknown: no ring change.
      break;
  }
  return diff(ring, next, warnings);
}

/** Gossip forgot the endpoint (removeEndpoint / eviction): it leaves the ring. */
export function applyRemoval(ring: TokenMetadata, endpoint: EndpointAddress, ctx: RingContext): RingChange {
  if (endpoint === ctx.self || ring.endpoint(endpoint) === undefined) return diff(ring, ring, []);
  return diff(ring, ring.withoutEndpoint(endpoint), []);
}

/** A member's DC or RACK changed (rare; a snitch change): re-register it. */
export function applyLocation(ring: TokenMetadata, endpoint: EndpointAddress, state: EndpointState, ctx: RingContext): RingChange {
  const current = ring.endpoint(endpoint);
  if (endpoint === ctx.self || current === undefined) return diff(ring, ring, []);
  const dc = state.states[AppState.Dc]?.value ?? current.dc;
  const rack = state.states[AppState.Rack]?.value ?? current.rack;
  if (dc === current.dc && rack === current.rack) return diff(ring, ring, []);
  return diff(ring, ring.withEndpoint({ ...current, dc, rack }), []);
}
