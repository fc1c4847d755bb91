// The ring as an immutable snapshot (Cassandra's TokenMetadata): registered endpoints with their
// host id, dc and rack; normal tokens; bootstrapping tokens; leaving, moving and replacing
// endpoints. Every update returns a new snapshot with ringVersion + 1 (copy on write), so shards
// and in-flight requests keep a consistent view. Invariants: each normal or bootstrap token has
// exactly one owner, every owner is registered, sortedTokens is strictly increasing, host ids are
// unique. The topology (dc -> racks -> endpoints) counts ring members only (owners of normal tokens).
import { assert } from '../lib/index.ts';
import { type EndpointAddress, type EndpointInfo, type HostId, compareEndpoints } from './endpoint.ts';
import { type Token, type TokenRange, compareTokens } from './token-range.ts';

/** Members of the ring grouped by datacenter and rack (sorted endpoint lists). */
export interface Topology {
  readonly endpointsByDc: ReadonlyMap<string, readonly EndpointAddress[]>;
  readonly racksByDc: ReadonlyMap<string, ReadonlyMap<string, readonly EndpointAddress[]>>;
}

interface Fields {
  readonly ringVersion: number;
  readonly endpoints: ReadonlyMap<EndpointAddress, EndpointInfo>;
  readonly normal: ReadonlyMap<Token, EndpointAddress>;
  readonly sortedTokens: readonly Token[];
  readonly bootstrap: ReadonlyMap<Token, EndpointAddress>;
  readonly leaving: ReadonlySet<EndpointAddress>;
  readonly moving: ReadonlyMap<EndpointAddress, Token>;
  readonly replacementToOriginal: ReadonlyMap<EndpointAddress, EndpointAddress>;
}

export class TokenMetadata {
  /** Increases by one on every update; caches of derived data key on it with the snapshot. */
  readonly ringVersion: number;
  /** Normal tokens in increasing order. */
  readonly sortedTokens: readonly Token[];
  private readonly endpointsMap: ReadonlyMap<EndpointAddress, EndpointInfo>;
  private readonly normal: ReadonlyMap<Token, EndpointAddress>;
  private readonly bootstrap: ReadonlyMap<Token, EndpointAddress>;
  private readonly leaving: ReadonlySet<EndpointAddress>;
  private readonly moving: ReadonlyMap<EndpointAddress, Token>;
  private readonly replacementToOriginal: ReadonlyMap<EndpointAddress, EndpointAddress>;
  // Derived data, computed on first use; pure memoization of immutable fields.
  private topologyMemo: Topology | undefined;
  private ownersMemo: readonly EndpointAddress[] | undefined;
  private tokensByEndpointMemo: ReadonlyMap<EndpointAddress, readonly Token[]> | undefined;

  private constructor(f: Fields) {
    this.ringVersion = f.ringVersion;
    this.endpointsMap = f.endpoints;
    this.normal = f.normal;
    this.sortedTokens = f.sortedTokens;
    this.bootstrap = f.bootstrap;
    this.leaving = f.leaving;
    this.moving = f.moving;
    this.replacementToOriginal = f.replacementToOriginal;
  }

  static empty(): TokenMetadata {
    return new TokenMetadata({
      ringVersion: 0, endpoints: new Map(), normal: new Map(), sortedTokens: [], bootstrap: new Map(),
      leaving: new Set(), moving: new Map(), replacementToOriginal: new Map(),
    });
  }

  private fields(): Fields {
    return {
      ringVersion: this.ringVersion, endpoints: this.endpointsMap, normal: this.normal, sortedTokens: this.sortedTokens,
      bootstrap: this.bootstrap, leaving: this.leaving, moving: this.moving, replacementToOriginal: this.replacementToOriginal,
    };
  }

  private next(changes: Partial<Fields>): TokenMetadata {
    const f = { ...this.fields(), ...changes, ringVersion: this.ringVersion + 1 };
    if (changes.normal !== undefined && changes.sortedTokens === undefined) {
      return new TokenMetadata({ ...f, sortedTokens: [...f.normal.keys()].sort(compareTokens) });
    }
    return new TokenMetadata(f);
  }

  // ---- endpoints ---------------------------------------------------------------------------------

  /** Registers an endpoint or updates its host id, dc or rack. */
  withEndpoint(info: EndpointInfo): TokenMetadata {
    for (const other of this.endpointsMap.values()) {
      assert(other.hostId !== info.hostId || other.address === info.address,
        `host id ${info.hostId} already belongs to ${other.address}; remove it before reusing the id for ${info.address}`);
    }
    const current = this.endpointsMap.get(info.address);
    if (current !== undefined && current.hostId === info.hostId && current.dc === info.dc && current.rack === info.rack) return this;
    const endpoints = new Map(this.endpointsMap);
    endpoints.set(info.address, info);
    return this.next({ endpoints });
  }

  endpoint(address: EndpointAddress): EndpointInfo | undefined {
    return this.endpointsMap.get(address);
  }

  endpointForHostId(id: HostId): EndpointInfo | undefined {
    for (const info of this.endpointsMap.values()) if (info.hostId === id) return info;
    return undefined;
  }

  /** Every registered endpoint, members or not, sorted by address. */
  allEndpoints(): EndpointInfo[] {
    return [...this.endpointsMap.values()].sort((a, b) => compareEndpoints(a.address, b.address));
  }

  private requireEndpoint(address: EndpointAddress): EndpointInfo {
    const info = this.endpointsMap.get(address);
    assert(info !== undefined, `endpoint ${address} is not registered in token metadata`);
    return info;
  }

  // ---- tokens ------------------------------------------------------------------------------------

  /**
   * Makes `tokens` the endpoint's normal tokens (Cassandra updateNormalTokens): its previous normal
   * and bootstrap tokens, leaving/moving marks and replacement link go; a token owned by another
   * endpoint changes owner.
   */
  withNormalTokens(address: EndpointAddress, tokens: readonly Token[]): TokenMetadata {
    this.requireEndpoint(address);
    assert(tokens.length > 0, `no tokens given for ${address}`);
    const normal = new Map<Token, EndpointAddress>();
    for (const [t, owner] of this.normal) if (owner !== address) normal.set(t, owner);
    for (const t of tokens) normal.set(t, address);
    const bootstrap = new Map<Token, EndpointAddress>();
    for (const [t, owner] of this.bootstrap) if (owner !== address && !normal.has(t)) bootstrap.set(t, owner);
    return this.next({
      normal, bootstrap,
      leaving: without(this.leaving, address),
      moving: withoutKey(this.moving, address),
      replacementToOriginal: withoutKey(this.replacementToOriginal, address),
    });
  }

  /**
   * Why `tokens` cannot be bootstrap tokens of `address`, or null when they can: a token may not be
   * another endpoint's bootstrap token, nor a normal token unless `address` replaces its owner.
   * Callers handling gossip check this first (a peer may announce anything).
   */
  bootstrapCollision(address: EndpointAddress, tokens: readonly Token[], replacing?: EndpointAddress): string | null {
    for (const t of tokens) {
      const other = this.bootstrap.get(t);
      if (other !== undefined && other !== address) return `Bootstrap Token collision between ${other} and ${address} (token ${t})`;
      const owner = this.normal.get(t);
      if (owner !== undefined && owner !== replacing) return `Bootstrap Token collision between ${owner} and ${address} (token ${t})`;
    }
    return null;
  }

  /**
   * Records tokens an endpoint is bootstrapping into (Cassandra addBootstrapTokens). Asserts there
   * is no collision (see bootstrapCollision).
   */
  withBootstrapTokens(address: EndpointAddress, tokens: readonly Token[], replacing?: EndpointAddress): TokenMetadata {
    this.requireEndpoint(address);
    assert(tokens.length > 0, `no bootstrap tokens given for ${address}`);
    const bootstrap = new Map<Token, EndpointAddress>();
    for (const [t, owner] of this.bootstrap) if (owner !== address) bootstrap.set(t, owner);
    const collision = this.bootstrapCollision(address, tokens, replacing);
    assert(collision === null, collision ?? '');
    for (const t of tokens) bootstrap.set(t, address);
    let replacementToOriginal = this.replacementToOriginal;
    if (replacing !== undefined) {
      const m = new Map(this.replacementToOriginal);
      m.set(address, replacing);
      replacementToOriginal = m;
    }
    return this.next({ bootstrap, replacementToOriginal });
  }

  /** Drops bootstrap tokens (a failed or abandoned bootstrap). */
  withoutBootstrapTokens(tokens: readonly Token[]): TokenMetadata {
    const bootstrap = new Map(this.bootstrap);
    for (const t of tokens) bootstrap.delete(t);
    return this.next({ bootstrap });
  }

  /** Marks a member as leaving (decommission or removenode in progress). */
  withLeaving(address: EndpointAddress): TokenMetadata {
    assert(this.isMember(address), `only a ring member can leave: ${address}`);
    if (this.leaving.has(address)) return this;
    const leaving = new Set(this.leaving);
    leaving.add(address);
    return this.next({ leaving });
  }

  /** Marks a single-token member as moving to `to`. */
  withMoving(address: EndpointAddress, to: Token): TokenMetadata {
    assert(this.isMember(address), `only a ring member can move: ${address}`);
    const moving = new Map(this.moving);
    moving.set(address, to);
    return this.next({ moving });
  }

  /** Removes an endpoint entirely (Cassandra removeEndpoint): tokens, marks and registration. */
  withoutEndpoint(address: EndpointAddress): TokenMetadata {
    const normal = new Map<Token, EndpointAddress>();
    for (const [t, owner] of this.normal) if (owner !== address) normal.set(t, owner);
    const bootstrap = new Map<Token, EndpointAddress>();
    for (const [t, owner] of this.bootstrap) if (owner !== address) bootstrap.set(t, owner);
    const replacementToOriginal = new Map<EndpointAddress, EndpointAddress>();
    for (const [r, o] of this.replacementToOriginal) if (r !== address && o !== address) replacementToOriginal.set(r, o);
    return this.next({
      endpoints: withoutKey(this.endpointsMap, address), normal, bootstrap, replacementToOriginal,
      leaving: without(this.leaving, address), moving: withoutKey(this.moving, address),
    });
  }

  /** Only endpoints and normal tokens (Cassandra cloneOnlyTokenMap): no pending operations. */
  onlyTokenMap(): TokenMetadata {
    return this.next({ bootstrap: new Map(), leaving: new Set(), moving: new Map(), replacementToOriginal: new Map() });
  }

  // ---- queries -----------------------------------------------------------------------------------

  ownerOf(t: Token): EndpointAddress | undefined {
    return this.normal.get(t);
  }

  /** Whether the endpoint owns normal tokens. */
  isMember(address: EndpointAddress): boolean {
    return this.tokensByEndpoint().has(address);
  }

  /** Ring members sorted by address. */
  members(): readonly EndpointAddress[] {
    if (this.ownersMemo === undefined) this.ownersMemo = [...this.tokensByEndpoint().keys()].sort(compareEndpoints);
    return this.ownersMemo;
  }

  /** The endpoint's normal tokens in ring order (empty when it is not a member). */
  tokensOf(address: EndpointAddress): readonly Token[] {
    return this.tokensByEndpoint().get(address) ?? [];
  }

  bootstrapTokens(): ReadonlyMap<Token, EndpointAddress> {
    return this.bootstrap;
  }

  /** Bootstrapping endpoints with their tokens in increasing order. */
  bootstrappingEndpoints(): ReadonlyMap<EndpointAddress, readonly Token[]> {
    const out = new Map<EndpointAddress, Token[]>();
    for (const [t, owner] of this.bootstrap) {
      const list = out.get(owner);
      if (list === undefined) out.set(owner, [t]);
      else list.push(t);
    }
    for (const list of out.values()) list.sort(compareTokens);
    return out;
  }

  leavingEndpoints(): ReadonlySet<EndpointAddress> {
    return this.leaving;
  }

  movingEndpoints(): ReadonlyMap<EndpointAddress, Token> {
    return this.moving;
  }

  /** The endpoint a bootstrapping node replaces, if any. */
  replacing(address: EndpointAddress): EndpointAddress | undefined {
    return this.replacementToOriginal.get(address);
  }

  /** Index in sortedTokens of the first token >= t, wrapping to 0 past the last (ring non-empty). */
  firstTokenIndex(t: Token): number {
    const tokens = this.sortedTokens;
    assert(tokens.length > 0, 'the ring has no tokens');
    let lo = 0;
    let hi = tokens.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (tokens[mid]! < t) lo = mid + 1;
      else hi = mid;
    }
    return lo === tokens.length ? 0 : lo;
  }

  /** The first ring token >= t, wrapping around: the right end of the range holding t. */
  firstTokenAtOrAfter(t: Token): Token {
    return this.sortedTokens[this.firstTokenIndex(t)]!;
  }

  /** The ring token before `t`, which must be a ring token. */
  predecessor(t: Token): Token {
    const i = this.indexOfToken(t);
    const n = this.sortedTokens.length;
    return this.sortedTokens[(i + n - 1) % n]!;
  }

  successor(t: Token): Token {
    const i = this.indexOfToken(t);
    return this.sortedTokens[(i + 1) % this.sortedTokens.length]!;
  }

  private indexOfToken(t: Token): number {
    const i = this.firstTokenIndex(t);
    assert(this.sortedTokens[i] === t, `${t} is not a ring token`);
    return i;
  }

  /** The range (predecessor, token] ending at the ring token at `index`. */
  rangeEndingAt(index: number): TokenRange {
    const n = this.sortedTokens.length;
    return { left: this.sortedTokens[(index + n - 1) % n]!, right: this.sortedTokens[index]! };
  }

  /** Primary ranges of an endpoint: (predecessor, token] for each of its normal tokens. */
  primaryRangesFor(address: EndpointAddress): TokenRange[] {
    return this.tokensOf(address).map((t) => ({ left: this.predecessor(t), right: t }));
  }

  /** Ring members grouped by dc and rack. */
  topology(): Topology {
    if (this.topologyMemo === undefined) {
      const endpointsByDc = new Map<string, EndpointAddress[]>();
      const racksByDc = new Map<string, Map<string, EndpointAddress[]>>();
      for (const address of this.members()) {
        const info = this.requireEndpoint(address);
        push(endpointsByDc, info.dc, address);
        let racks = racksByDc.get(info.dc);
        if (racks === undefined) racksByDc.set(info.dc, (racks = new Map()));
        push(racks, info.rack, address);
      }
      this.topologyMemo = { endpointsByDc, racksByDc };
    }
    return this.topologyMemo;
  }

  /** Datacenters of every registered endpoint (Cassandra Datacenters.getValidDatacenters adds the local one). */
  knownDatacenters(): Set<string> {
    return new Set([...this.endpointsMap.values()].map((e) => e.dc));
  }

  private tokensByEndpoint(): ReadonlyMap<EndpointAddress, readonly Token[]> {
    if (this.tokensByEndpointMemo === undefined) {
      const out = new Map<EndpointAddress, Token[]>();
      for (const t of this.sortedTokens) push(out, this.normal.get(t)!, t);
      this.tokensByEndpointMemo = out;
    }
    return this.tokensByEndpointMemo;
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

function without<T>(set: ReadonlySet<T>, value: T): ReadonlySet<T> {
  if (!set.has(value)) return set;
  const copy = new Set(set);
  copy.delete(value);
  return copy;
}

function withoutKey<K, V>(map: ReadonlyMap<K, V>, key: K): ReadonlyMap<K, V> {
  if (!map.has(key)) return map;
  const copy = new Map(map);
  copy.delete(key);
  return copy;
}
