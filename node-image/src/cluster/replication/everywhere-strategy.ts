// EverywhereStrategy (a DataStax/ScyllaDB extension, not in Apache Cassandra): every ring member is
// a replica, in ring order from the token, so the primary is the same as SimpleStrategy's.
import type { TokenMetadata } from '../token-metadata.ts';
import type { Token } from '../token-range.ts';
import { type ReplicationStrategy, StrategyKind } from './replication-strategy.ts';
import { walkDistinct } from './simple-strategy.ts';

export function everywhereStrategy(): ReplicationStrategy {
  return {
    kind: StrategyKind.Everywhere,
    cacheKey: 'everywhere',
    calculateNaturalReplicas: (t: Token, metadata: TokenMetadata) => walkDistinct(t, metadata, metadata.members().length),
    replicationFactorIn: (_dc: string, metadata: TokenMetadata) => metadata.members().length,
    totalReplicationFactor: (metadata: TokenMetadata) => metadata.members().length,
  };
}
