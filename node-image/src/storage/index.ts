// Storage: commit log, memtables, SSTables, compaction; one engine per shard.
export type {
  Cell, Clustering, ClusteringBound, ClusteringFilter, ComplexDeletion, DataLimits, DeletionTime, LivenessInfo, Mutation,
  PartitionPosition, PartitionSelector, PartitionUpdate, RangeTombstone, ReadCommand, ReadPartition, ReadResult, Row, Slice,
} from './model.ts';
export { NO_DELETION_TIME } from './model.ts';
export type { CommitLogSyncMode, StorageConfig, StorageEngine, TableStats } from './engine.ts';
