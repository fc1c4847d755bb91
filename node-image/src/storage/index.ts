// Storage: commit log, memtables, SSTables, compaction; one engine per shard.
export type {
  Cell, Clustering, ClusteringBound, ClusteringFilter, ComplexDeletion, DataLimits, DeletionTime, LivenessInfo, Mutation,
  PartitionPosition, PartitionSelector, PartitionUpdate, RangeTombstone, ReadCommand, ReadPartition, ReadResult, Row, Slice,
} from './model.ts';
export { NO_DELETION_TIME } from './model.ts';
export type { CommitLogSyncMode, StorageConfig, StorageEngine, TableStats } from './engine.ts';
export {
  openStorageEngine, MEMTABLE_CLEANUP_FRACTION, TOMBSTONE_FAILURE_THRESHOLD_DEFAULT, TOMBSTONE_WARN_THRESHOLD_DEFAULT, WRITE_SLOWDOWN_FRACTION,
} from './engine/storage-engine.ts';
export type { CachesStats, StorageEngineOptions, StorageEngineWithStats } from './engine/storage-engine.ts';
export { COMPACTION_THROUGHPUT_BYTES_PER_SECOND_DEFAULT, CONCURRENT_COMPACTORS_DEFAULT } from './compaction/compaction-manager.ts';
export type { ActiveCompaction, CompactionOutcome, CompactionSettings, CompactionStats } from './compaction/compaction-manager.ts';
export type { ScrubOutcome, VerifyOutcome } from './compaction/sstable-maintenance.ts';
export type { CacheStats } from './sstable/key-cache.ts';
export type { CommitLogStats } from './commit-log/commit-log.ts';
export { StorageCorruptionError, StorageErrorCode, StorageUnavailableError, TombstoneOverwhelmingError } from './errors.ts';
export type { StorageErrorCodeValue } from './errors.ts';
export {
  isCellLive, isLivenessLive, isRowLive, mergeCellLists, mergeRows, reconcileCells, reconcileLiveness, shadowRow, toLiveRow,
} from './reconcile.ts';
export { isPartitionEmpty, mergeReadPartitions, toLivePartition } from './read/partition-merger.ts';
export { tableLayoutOf } from './table-layout.ts';
export type { TableLayout } from './table-layout.ts';
// Binary codecs, reused by the coordinator for internode messages (one serializer per concept).
export { ByteReader, DecodeError } from './codec/byte-reader.ts';
export { ByteWriter } from './codec/byte-writer.ts';
export { MUTATION_FORMAT_VERSION, MutationDecoder, MutationEncoder } from './codec/mutation-codec.ts';
export { PartitionDecoder, PartitionEncoder, inlineColumnNames } from './codec/partition-codec.ts';
export type { PartitionContents } from './codec/partition-codec.ts';
