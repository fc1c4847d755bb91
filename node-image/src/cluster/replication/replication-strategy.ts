// What every replication strategy provides: the natural replicas of the range holding a token, in
// order (primary first), computed from a TokenMetadata snapshot. Strategies are immutable values
// built from validated keyspace options; `cacheKey` identifies their placement rule so replica maps
// can be cached per (ring snapshot, strategy).
import type { EndpointAddress } from '../endpoint.ts';
import type { TokenMetadata } from '../token-metadata.ts';
import type { Token } from '../token-range.ts';

export const StrategyKind = {
  Local: 'local',
  Simple: 'simple',
  NetworkTopology: 'network_topology',
  Everywhere: 'everywhere',
} as const;
export type StrategyKindValue = (typeof StrategyKind)[keyof typeof StrategyKind];

export interface ReplicationStrategy {
  readonly kind: StrategyKindValue;
  /** Canonical description of the placement rule, e.g. "simple:3" or "nts:dc1=3,dc2=2". */
  readonly cacheKey: string;
  /**
   * Natural replicas of the range (predecessor, first token >= t], distinct, primary first. Empty
   * when the ring has no tokens (LocalStrategy always answers the local node).
   */
  calculateNaturalReplicas(t: Token, metadata: TokenMetadata): EndpointAddress[];
  /**
   * Replication factor counted in one datacenter, as consistency levels use it: NTS answers the
   * DC's option; DC-agnostic strategies answer their total (Cassandra does the same for LOCAL_*).
   */
  replicationFactorIn(dc: string, metadata: TokenMetadata): number;
  /** Replicas wanted overall (sum over DCs for NetworkTopologyStrategy, members for Everywhere). */
  totalReplicationFactor(metadata: TokenMetadata): number;
}
