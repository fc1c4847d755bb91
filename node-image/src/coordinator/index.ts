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
  JOIN_WAIT_MS_MAX, LEFT_EXPIRY_MS, TopologyError, TopologyService, isDecommissioned, planStreams, rangeMovementReason, replicatedRanges,
  resolveSeeds, resolveSeedsForStart, ringSegments, transfers,
} from './topology/index.ts';
export type { Progress as TopologyProgress, TopologyMode, TopologyServiceOptions, Transfer } from './topology/index.ts';
