// Cluster logic as pure state machines (no sockets, no timers): tokens and ranges, the ring
// (TokenMetadata), replication strategies, pending ranges, snitch, token allocation, gossip and
// failure detection. Drivers (messaging, node.ts) feed inputs and perform outputs.
export type { EndpointAddress, EndpointInfo, HostId } from './endpoint.ts';
export { compareEndpoints, endpointAddress, hostId } from './endpoint.ts';
export { ClusterError, ClusterErrorCode } from './errors.ts';
export type { ClusterErrorCodeValue } from './errors.ts';
export type { Token, TokenRange } from './token-range.ts';
export {
  FULL_RING, MAX_TOKEN, MIN_TOKEN, RING_WIDTH, compareTokens, formatRange, intersectRanges, isFullRing, isWrapAround,
  midpoint, normalizeRandomToken, normalizeRanges, parseToken, rangeContains, rangeContainsRange, rangeEquals, rangeSize,
  rangeWidth, rangesIntersect, splitRange, subtractRange, subtractRanges, token, tokenRange, unwrapRange,
} from './token-range.ts';
export { TokenMetadata } from './token-metadata.ts';
export type { Topology } from './token-metadata.ts';
export { PendingRanges, calculatePendingRanges } from './pending-ranges.ts';
export type { PendingRange } from './pending-ranges.ts';
export { LOCATION_NAME_LENGTH_MAX, Proximity, UNKNOWN_DC, UNKNOWN_RACK, localLocation, proximityOf, sortByProximity } from './snitch.ts';
export type { LocalEndpoint, Location, ProximityValue } from './snitch.ts';
export { StrategyKind } from './replication/replication-strategy.ts';
export type { ReplicationStrategy, StrategyKindValue } from './replication/replication-strategy.ts';
export {
  DEFAULT_KEYSPACE_RF, StrategyClass, createReplicationStrategy, parseReplicationFactor, prepareReplicationOptions,
  resolveStrategyClass, validateReplication,
} from './replication/replication-options.ts';
export type { PrepareContext, ReplicationFactor, StrategyContext, ValidationContext } from './replication/replication-options.ts';
export { REPLICA_MAP_CACHE_ENTRIES_MAX, ReplicaMapCache, RingReplicaMap } from './replication/ring-replica-map.ts';
export { localStrategy } from './replication/local-strategy.ts';
export { simpleStrategy } from './replication/simple-strategy.ts';
export { networkTopologyStrategy } from './replication/network-topology-strategy.ts';
export { everywhereStrategy } from './replication/everywhere-strategy.ts';
