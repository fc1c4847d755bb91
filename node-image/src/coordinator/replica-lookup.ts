// Natural and pending replicas of a token for a keyspace, from the current ring snapshot: the
// keyspace's strategy is built once per replication options, natural replicas come from the
// cluster layer's per-snapshot replica map (binary search, no allocation) and pending replicas from
// a per-snapshot pending-range index. Caches are dropped whenever the ring snapshot changes.
import {
  ReplicaMapCache, calculatePendingRanges, createReplicationStrategy,
} from '../cluster/index.ts';
import type { EndpointAddress, PendingRanges, ReplicationStrategy, Token, TokenMetadata } from '../cluster/index.ts';
import type { KeyspaceMetadata, ReplicationOptions } from '../schema/index.ts';
import type { ReplicationFactors } from './consistency.ts';
import { replicationFactorsOf } from './consistency.ts';
import type { ReplicaSet } from './replica-plan.ts';

/** Distinct replication settings cached; beyond it the caches start over (keyspaces are few). */
export const STRATEGY_CACHE_ENTRIES_MAX = 1024;

const NO_PENDING: readonly EndpointAddress[] = Object.freeze([]);

export class ReplicaLookup {
  private readonly localAddress: EndpointAddress;
  private readonly maps = new ReplicaMapCache();
  private readonly strategies = new Map<string, ReplicationStrategy>();
  private pendingRing: TokenMetadata | null = null;
  private readonly pending = new Map<string, PendingRanges>();
  /** Cache keys of replication options (keyspace metadata objects live as long as their schema). */
  private readonly replicationKeys = new WeakMap<ReplicationOptions, string>();
  private factorsRing: TokenMetadata | null = null;
  private readonly factorsCache = new Map<string, ReplicationFactors>();

  constructor(localAddress: EndpointAddress) {
    this.localAddress = localAddress;
  }

  strategyOf(replication: ReplicationOptions): ReplicationStrategy {
    const key = this.replicationKey(replication);
    let strategy = this.strategies.get(key);
    if (strategy === undefined) {
      if (this.strategies.size >= STRATEGY_CACHE_ENTRIES_MAX) this.strategies.clear();
      strategy = createReplicationStrategy(replication, { localAddress: this.localAddress });
      this.strategies.set(key, strategy);
    }
    return strategy;
  }

  private replicationKey(replication: ReplicationOptions): string {
    let key = this.replicationKeys.get(replication);
    if (key === undefined) {
      key = `${replication.class}|${JSON.stringify(Object.entries(replication.options).sort())}`;
      this.replicationKeys.set(replication, key);
    }
    return key;
  }

  /** Natural replicas (primary first; shared frozen array) and pending replicas of `token`. */
  replicas(keyspace: KeyspaceMetadata, ring: TokenMetadata, token: bigint): ReplicaSet {
    const strategy = this.strategyOf(keyspace.replication);
    const natural = this.maps.get(strategy, ring).replicasFor(token as Token);
    return { natural, pending: this.pendingRanges(strategy, ring).pendingFor(token as Token) };
  }

  naturalReplicas(keyspace: KeyspaceMetadata, ring: TokenMetadata, token: bigint): readonly EndpointAddress[] {
    return this.maps.get(this.strategyOf(keyspace.replication), ring).replicasFor(token as Token);
  }

  /** Replication factors of a keyspace (cached per replication options and ring snapshot). */
  factors(keyspace: KeyspaceMetadata, ring: TokenMetadata): ReplicationFactors {
    if (ring !== this.factorsRing) {
      this.factorsCache.clear();
      this.factorsRing = ring;
    }
    const key = this.replicationKey(keyspace.replication);
    let factors = this.factorsCache.get(key);
    if (factors === undefined) {
      if (this.factorsCache.size >= STRATEGY_CACHE_ENTRIES_MAX) this.factorsCache.clear();
      factors = replicationFactorsOf(keyspace.replication, ring.members().length);
      this.factorsCache.set(key, factors);
    }
    return factors;
  }

  private pendingRanges(strategy: ReplicationStrategy, ring: TokenMetadata): PendingRanges | { pendingFor(t: Token): readonly EndpointAddress[] } {
    if (ring.bootstrappingEndpoints().size === 0 && ring.leavingEndpoints().size === 0 && ring.movingEndpoints().size === 0) {
      return EMPTY_PENDING;
    }
    if (ring !== this.pendingRing) {
      this.pending.clear();
      this.pendingRing = ring;
    }
    let ranges = this.pending.get(strategy.cacheKey);
    if (ranges === undefined) {
      if (this.pending.size >= STRATEGY_CACHE_ENTRIES_MAX) this.pending.clear();
      ranges = calculatePendingRanges(strategy, ring);
      this.pending.set(strategy.cacheKey, ranges);
    }
    return ranges;
  }
}

const EMPTY_PENDING = { pendingFor: (): readonly EndpointAddress[] => NO_PENDING };
