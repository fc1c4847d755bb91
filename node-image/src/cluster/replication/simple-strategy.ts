// SimpleStrategy: walk the ring clockwise from the token and take the first `rf` distinct owners,
// ignoring datacenters and racks. With fewer members than rf, every member is a replica.
import { assert } from '../../lib/index.ts';
import type { EndpointAddress } from '../endpoint.ts';
import type { TokenMetadata } from '../token-metadata.ts';
import type { Token } from '../token-range.ts';
import { type ReplicationStrategy, StrategyKind } from './replication-strategy.ts';

export function simpleStrategy(replicationFactor: number): ReplicationStrategy {
  assert(Number.isInteger(replicationFactor) && replicationFactor >= 0, `bad replication factor ${replicationFactor}`);
  return {
    kind: StrategyKind.Simple,
    cacheKey: `simple:${replicationFactor}`,
    calculateNaturalReplicas: (t: Token, metadata: TokenMetadata) => walkDistinct(t, metadata, replicationFactor),
    replicationFactorIn: () => replicationFactor,
    totalReplicationFactor: () => replicationFactor,
  };
}

/** First `count` distinct token owners clockwise from the range holding t. */
export function walkDistinct(t: Token, metadata: TokenMetadata, count: number): EndpointAddress[] {
  const tokens = metadata.sortedTokens;
  const replicas: EndpointAddress[] = [];
  if (tokens.length === 0 || count === 0) return replicas;
  const start = metadata.firstTokenIndex(t);
  for (let step = 0; step < tokens.length && replicas.length < count; step++) {
    const owner = metadata.ownerOf(tokens[(start + step) % tokens.length]!)!;
    if (!replicas.includes(owner)) replicas.push(owner);
  }
  return replicas;
}
