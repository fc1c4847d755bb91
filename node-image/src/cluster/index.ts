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
  replicationWarnings, resolveStrategyClass, validateReplication,
} from './replication/replication-options.ts';
export type { PrepareContext, ReplicationFactor, StrategyContext, ValidationContext } from './replication/replication-options.ts';
export { REPLICA_MAP_CACHE_ENTRIES_MAX, ReplicaMapCache, RingReplicaMap } from './replication/ring-replica-map.ts';
export { localStrategy } from './replication/local-strategy.ts';
export { simpleStrategy } from './replication/simple-strategy.ts';
export { networkTopologyStrategy } from './replication/network-topology-strategy.ts';
export { everywhereStrategy } from './replication/everywhere-strategy.ts';
export {
  DEFAULT_PHI_ACCRUAL_CONFIG, FD_MAX_INTERVAL_QUIRK_MS, PHI_FACTOR, createFailureDetector, interpret as interpretFailureDetector,
  meanIntervalMs, phiOf, removeEndpoint as removeFromFailureDetector, reportArrival,
} from './failure-detector/phi-accrual-detector.ts';
export type { ArrivalWindow, FailureDetectorState, Interpretation, PhiAccrualConfig } from './failure-detector/phi-accrual-detector.ts';
export { APPLICATION_STATES, AppState, applicationStateOfOrdinal, applicationStateOrdinal, isApplicationState } from './gossip/application-state.ts';
export type { ApplicationState } from './gossip/application-state.ts';
export {
  DEAD_STATES, GOSSIP_TOKENS_MAX, GossipStatus, SILENT_SHUTDOWN_STATES, decodeTokens, encodeTokens, javaDoubleString,
  parseStatus, removalCoordinator, statusBootReplace, statusBootstrapping, statusExpireTimeMs, statusHibernate, statusLeaving,
  statusLeft, statusMoving, statusName, statusNormal, statusRemoved, statusRemoving, statusShutdown,
} from './gossip/versioned-value.ts';
export type { GossipStatusName, ParsedStatus, VersionedValue } from './gossip/versioned-value.ts';
export {
  EMPTY_HEARTBEAT, EMPTY_VERSION, VERSION_MAX, gossipStatus, isDeadState, isShutdownState, isSilentShutdownState, maxVersion,
  stateEntries, stateNewerThan, statusValue,
} from './gossip/endpoint-state.ts';
export type { ApplicationStates, EndpointState, HeartBeatState } from './gossip/endpoint-state.ts';
export {
  GOSSIP_MESSAGE_ENTRIES_MAX, GOSSIP_NAME_LENGTH_MAX, GOSSIP_VALUE_LENGTH_MAX, gossipMessageFromJson, gossipMessageToJson,
} from './gossip/gossip-message.ts';
export type { EndpointStateEntry, GossipDigest, GossipMessage, GossipMessageJson, GossipMessageType } from './gossip/gossip-message.ts';
export {
  GOSSIP_ENDPOINTS_MAX, MAX_GENERATION_DIFFERENCE_SECONDS, MURMUR3_PARTITIONER, SHADOW_ROUND_RESEND_MS, VERY_LONG_TIME_MS,
  createGossiper, gossipStep, gossiperConfig, isEndpointAlive, isRingMember, makeDigests, nextGeneration,
} from './gossip/gossiper.ts';
export type {
  EndpointRecord, GossipEvent, GossipInput, GossipOutput, GossipStepResult, GossiperConfig, GossiperState,
} from './gossip/gossiper.ts';
export { GossipSimulation, SIMULATION_EVENTS_PER_RUN_MAX, SIMULATION_NODES_MAX } from './gossip/gossip-simulation.ts';
export type { SimulationOptions } from './gossip/gossip-simulation.ts';
/** @deprecated lib's PRNG, re-exported until sim/ and the coordinator tests import it from lib/index.ts. */
export { SeededRandom } from '../lib/index.ts';
export { ALLOCATION_DC_TOKENS_MAX, ALLOCATION_REFINE_PASSES_MAX, allocateTokens } from './tokens/replication-aware-allocator.ts';
export type { AllocationRequest } from './tokens/replication-aware-allocator.ts';
export {
  DEFAULT_NUM_TOKENS, NUM_TOKENS_MAX, chooseBootstrapTokens, randomTokens, resolveTokenConfig, tokensFromString,
} from './tokens/token-allocation.ts';
export type { BootstrapTokens, ResolvedTokenConfig, TokenConfig, TokenSource } from './tokens/token-allocation.ts';
export { effectiveOwnership, ownershipSpread } from './tokens/ownership.ts';
export { FINAL_TOKEN_WEIGHT, IRREVERSIBLE_WEIGHT, IncrementalScorer, TOKEN_WEIGHT, scoreFull } from './tokens/allocation-scorer.ts';
export type { ScoringSetup } from './tokens/allocation-scorer.ts';
