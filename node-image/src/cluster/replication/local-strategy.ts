// LocalStrategy: data lives only on the local node (system keyspaces). Replicas are always [self].
import type { EndpointAddress } from '../endpoint.ts';
import { type ReplicationStrategy, StrategyKind } from './replication-strategy.ts';

export function localStrategy(localAddress: EndpointAddress): ReplicationStrategy {
  return {
    kind: StrategyKind.Local,
    cacheKey: `local:${localAddress}`,
    calculateNaturalReplicas: () => [localAddress],
    replicationFactorIn: () => 1,
    totalReplicationFactor: () => 1,
  };
}
