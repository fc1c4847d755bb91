// Write and read paths, consistency levels, hints, read repair, paging, Paxos.
export type {
  CasRequest, Coordinator, NodeInfo, ReadOptions, SchemaChangeRequest, WriteOptions,
} from './coordinator.ts';
export type { ReplicationFactors } from './consistency.ts';
export { blockFor, replicationFactorsOf, unavailable } from './consistency.ts';
export { LocalCoordinator } from './local-coordinator.ts';
export type { LocalCoordinatorOptions } from './local-coordinator.ts';
export { SchemaStore, SCHEMA_FILE_NAME } from './schema-store.ts';
export { KeyedSerialQueue } from './serial-queue.ts';
export { LOCAL_STATE_FILE_NAME, LocalStateError, openLocalNodeState, saveLocalNodeState } from './local-node-state.ts';
export type { LocalNodeState } from './local-node-state.ts';
export type { EndpointStatus, MemberView, Membership, MembershipEvent } from './membership.ts';
export { GOSSIP_INTERVAL_MS_DEFAULT, LOAD_BROADCAST_INTERVAL_MS, MembershipError, MembershipService } from './membership-service.ts';
export type { MembershipServiceOptions } from './membership-service.ts';
export type { ClientEvent } from './membership/client-event-notifier.ts';
export { SEEDS_MAX, SeedListError, gossipEnabled, isIpSeed, parseSeedList } from './membership/seed-list.ts';
export {
  JOIN_WAIT_MS_MAX, LEFT_EXPIRY_MS, TopologyError, TopologyService, isDecommissioned, loadBootstrapRecord, planStreams, rangeMovementReason,
  replicatedRanges, saveBootstrapRecord,
  resolveSeeds, resolveSeedsForStart, ringSegments, transfers,
} from './topology/index.ts';
export type { Progress as TopologyProgress, TopologyMode, TopologyServiceOptions, Transfer } from './topology/index.ts';
export { BATCHLOG_REPLAY_INTERVAL_MS_DEFAULT, ClusterCoordinator, PAXOS_DIRECTORY_NAME } from './cluster-coordinator.ts';
export type { BatchlogConfig, BatchlogStats } from './batchlog/batchlog-service.ts';
export type { ClusterCoordinatorOptions } from './cluster-coordinator.ts';
export { COORDINATOR_STATS_HELP, COORDINATOR_TIMEOUTS_DEFAULTS } from './coordinator-context.ts';
export type { CoordinatorStats, CoordinatorTimeouts } from './coordinator-context.ts';
export { HINTS_CONFIG_DEFAULTS, HintTransferError } from './hints/hints-service.ts';
export type { HintsConfig, HintsStats } from './hints/hints-service.ts';
export { planPaxos, planRead, planWrite } from './replica-plan.ts';
export {
  CoordinatorRequestMetrics, REQUEST_CONSISTENCY_NAMES, REQUEST_LATENCY_BUCKETS_SECONDS, REQUEST_OPERATIONS, REQUEST_OUTCOMES, RequestOperationIndex,
} from './request-metrics.ts';
export type { CoordinatorMetricsSource, RequestOperation, RequestOutcome } from './request-metrics.ts';
export type { PaxosPlan, ReadPlan, ReplicaSet, ReplicaTopology, WritePlan } from './replica-plan.ts';
// Test and simulator support (pure, deterministic): in-memory messaging with faults, static
// membership, an N-node in-process cluster, storage-level fixtures, a CAS register checker.
export { MemoryMessagingHub, MemoryMessagingService } from './testing/memory-messaging.ts';
export type { FaultDecision, FaultRule, MessageEnvelope } from './testing/memory-messaging.ts';
export { StaticMembership, StaticMembershipBoard } from './testing/static-membership.ts';
export { TestCluster, TestNode, evenTokens } from './testing/test-cluster.ts';
export type { DrivableTime, TestClusterOptions, TestNodeSpec } from './testing/test-cluster.ts';
export * as coordinatorFixtures from './testing/kv-fixtures.ts';
export { checkRegisterHistory } from './testing/register-linearizability.ts';
export type { LinearizabilityVerdict, RegisterOperation } from './testing/register-linearizability.ts';
