// Effective ownership (nodetool status "Owns (effective)"): for each endpoint, the fraction of the
// ring it replicates under a strategy. Under RF r the fractions of a DC sum to r.
import type { EndpointAddress } from '../endpoint.ts';
import { RingReplicaMap } from '../replication/ring-replica-map.ts';
import type { ReplicationStrategy } from '../replication/replication-strategy.ts';
import type { TokenMetadata } from '../token-metadata.ts';
import { rangeSize } from '../token-range.ts';

export function effectiveOwnership(strategy: ReplicationStrategy, metadata: TokenMetadata): Map<EndpointAddress, number> {
  const out = new Map<EndpointAddress, number>(metadata.members().map((m) => [m, 0]));
  if (metadata.sortedTokens.length === 0) return out;
  for (const { range, replicas } of new RingReplicaMap(strategy, metadata).entries()) {
    const size = metadata.sortedTokens.length === 1 ? 1 : rangeSize(range);
    for (const endpoint of replicas) out.set(endpoint, (out.get(endpoint) ?? 0) + size);
  }
  return out;
}

/** Largest over smallest of a set of ownership fractions (1 is perfectly even). */
export function ownershipSpread(values: Iterable<number>): number {
  let min = Number.POSITIVE_INFINITY;
  let max = 0;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return min === 0 ? Number.POSITIVE_INFINITY : max / min;
}
