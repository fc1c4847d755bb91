// Topology operations: joining (bootstrap, replace), decommission, removenode, rebuild, and the
// range movements they stream.
export {
  ALLOCATE_TOKENS_RF_DEFAULT, JOIN_WAIT_MS_MAX, LEFT_EXPIRY_MS, TopologyError, TopologyService, rangeMovementReason,
} from './topology-service.ts';
export type { Progress, TopologyMode, TopologyServiceOptions } from './topology-service.ts';
export { planStreams, replicatedRanges, ringSegments, transfers } from './range-movements.ts';
export type { RingSegment, Transfer } from './range-movements.ts';
export { DECOMMISSIONED_FILE_NAME, isDecommissioned, loadBootstrapRecord, saveBootstrapRecord } from './topology-files.ts';
export type { BootstrapRecord } from './topology-files.ts';
export { SEED_RESOLVE_ATTEMPTS_MAX, resolveSeeds, resolveSeedsForStart } from './seed-resolver.ts';
export type { NameResolver } from './seed-resolver.ts';
