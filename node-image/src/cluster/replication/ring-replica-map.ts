// Replicas of every ring range for one (TokenMetadata snapshot, strategy), computed once and then
// answered by binary search: replicasFor(token) does no allocation, which is what the coordinator
// calls per request. ReplicaMapCache keeps the maps of the latest snapshot, keyed by strategy.
import { assert } from '../../lib/index.ts';
import type { EndpointAddress } from '../endpoint.ts';
import type { TokenMetadata } from '../token-metadata.ts';
import { MIN_TOKEN, type Token, type TokenRange } from '../token-range.ts';
import type { ReplicationStrategy } from './replication-strategy.ts';

/** Distinct strategies cached per snapshot; beyond it the cache starts over (keyspaces are few). */
export const REPLICA_MAP_CACHE_ENTRIES_MAX = 1024;

export class RingReplicaMap {
  readonly metadata: TokenMetadata;
  readonly strategy: ReplicationStrategy;
  /** replicasByIndex[i] replicates the range ending at metadata.sortedTokens[i]. */
  private readonly replicasByIndex: ReadonlyArray<readonly EndpointAddress[]>;
  /** Answer for an empty ring (LocalStrategy still has the local node). */
  private readonly emptyRingReplicas: readonly EndpointAddress[];

  constructor(strategy: ReplicationStrategy, metadata: TokenMetadata) {
    this.metadata = metadata;
    this.strategy = strategy;
    const tokens = metadata.sortedTokens;
    const byIndex: Array<readonly EndpointAddress[]> = new Array(tokens.length);
    for (let i = 0; i < tokens.length; i++) byIndex[i] = Object.freeze(strategy.calculateNaturalReplicas(tokens[i]!, metadata));
    this.replicasByIndex = byIndex;
    this.emptyRingReplicas = tokens.length === 0 ? Object.freeze(strategy.calculateNaturalReplicas(MIN_TOKEN, metadata)) : [];
  }

  /** Natural replicas of the range holding `t`, primary first (shared frozen array: do not mutate). */
  replicasFor(t: Token): readonly EndpointAddress[] {
    if (this.replicasByIndex.length === 0) return this.emptyRingReplicas;
    return this.replicasByIndex[this.metadata.firstTokenIndex(t)]!;
  }

  /** Each ring range with its replicas, in ring order. */
  entries(): Array<{ range: TokenRange; replicas: readonly EndpointAddress[] }> {
    return this.replicasByIndex.map((replicas, i) => ({ range: this.metadata.rangeEndingAt(i), replicas }));
  }

  /** Ranges the endpoint replicates (Cassandra getAddressReplicas), in ring order. */
  rangesFor(endpoint: EndpointAddress): TokenRange[] {
    const out: TokenRange[] = [];
    for (let i = 0; i < this.replicasByIndex.length; i++) {
      if (this.replicasByIndex[i]!.includes(endpoint)) out.push(this.metadata.rangeEndingAt(i));
    }
    return out;
  }

  /** Ranges where the endpoint is the first replica (Cassandra getPrimaryRangesForEndpoint). */
  primaryRangesFor(endpoint: EndpointAddress): TokenRange[] {
    const out: TokenRange[] = [];
    for (let i = 0; i < this.replicasByIndex.length; i++) {
      if (this.replicasByIndex[i]![0] === endpoint) out.push(this.metadata.rangeEndingAt(i));
    }
    return out;
  }

  /** Every endpoint with the ranges it replicates. */
  rangesByEndpoint(): Map<EndpointAddress, TokenRange[]> {
    const out = new Map<EndpointAddress, TokenRange[]>();
    for (let i = 0; i < this.replicasByIndex.length; i++) {
      const range = this.metadata.rangeEndingAt(i);
      for (const endpoint of this.replicasByIndex[i]!) {
        const list = out.get(endpoint);
        if (list === undefined) out.set(endpoint, [range]);
        else list.push(range);
      }
    }
    return out;
  }
}

/**
 * Replica maps of the most recent snapshot, per strategy. A newer snapshot (or any other one)
 * replaces the whole cache: maps are only ever valid for the snapshot they were built from.
 */
export class ReplicaMapCache {
  private metadata: TokenMetadata | undefined;
  private readonly maps = new Map<string, RingReplicaMap>();

  get(strategy: ReplicationStrategy, metadata: TokenMetadata): RingReplicaMap {
    if (metadata !== this.metadata) {
      this.maps.clear();
      this.metadata = metadata;
    }
    let map = this.maps.get(strategy.cacheKey);
    if (map === undefined) {
      if (this.maps.size >= REPLICA_MAP_CACHE_ENTRIES_MAX) this.maps.clear();
      map = new RingReplicaMap(strategy, metadata);
      this.maps.set(strategy.cacheKey, map);
    }
    assert(map.metadata === metadata, 'replica map built from another snapshot');
    return map;
  }
}
