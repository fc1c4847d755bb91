// Anti-entropy repair: Merkle trees from validation passes, compared across replicas, mismatching
// ranges streamed; durable history.
export { MERKLE_DEPTH_MAX, MERKLE_HASH_BYTES, MerkleTree, depthFor } from './merkle-tree.ts';
export { PartitionHasher, validate } from './validation.ts';
export { REPAIR_HISTORY_FILE_NAME, appendRepairHistory, loadRepairHistory } from './repair-history.ts';
export type { RepairHistoryEntry } from './repair-history.ts';
export { RepairError, RepairService, VALIDATION_TIMEOUT_MS } from './repair-service.ts';
export type { RepairRequest, RepairResult, RepairServiceOptions } from './repair-service.ts';
