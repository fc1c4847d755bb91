// The storage data model (Cassandra 3.0+ "rows and cells"), shared by the write path (mutations),
// the read path (read commands and their results), the commit log and SSTables. All values are
// serialized bytes; ordering comes from the table's clustering comparator (schema layer).
// Everything here is immutable plain data so it can cross shard and node boundaries.
//
// Reconciliation rules (cassandra-internals.md 4.7): higher timestamp wins; on a tie a tombstone
// beats an expiring cell beats a live cell, then the greater localDeletionTime, then the greater
// value bytes (unsigned). A deletion at timestamp T shadows everything with timestamp <= T.

/** Cell.localDeletionTimeSeconds of a cell that neither expires nor is a tombstone. */
export const NO_DELETION_TIME = 2147483647;

/** A deletion: everything written at or before `markedForDeleteAtMicros` is shadowed. */
export interface DeletionTime {
  readonly markedForDeleteAtMicros: number;
  /** Server time (seconds) of the deletion; purgeable after this + gc_grace_seconds. */
  readonly localDeletionTimeSeconds: number;
}

/** The primary-key liveness of a row (the "row marker" written by INSERT). */
export interface LivenessInfo {
  readonly timestampMicros: number;
  /** 0 when the row marker does not expire. */
  readonly ttlSeconds: number;
  /** NO_DELETION_TIME when it does not expire, else the second it expires. */
  readonly localExpirationTimeSeconds: number;
}

export interface Cell {
  /** Column name (a static or regular column of the table). */
  readonly column: string;
  /**
   * Cell path for multi-cell (non-frozen) columns, else null: the serialized map key, the
   * serialized set element, a 16-byte timeuuid for list elements, or the 2-byte big-endian field
   * index for UDT fields.
   */
  readonly path: Buffer | null;
  /** Serialized value. Empty for tombstones and for set elements. For counters: 8-byte total. */
  readonly value: Buffer;
  readonly timestampMicros: number;
  /** 0 when the cell does not expire. */
  readonly ttlSeconds: number;
  /** NO_DELETION_TIME for a live non-expiring cell; expiry second if expiring; deletion second if a tombstone. */
  readonly localDeletionTimeSeconds: number;
  readonly tombstone: boolean;
  /**
   * Only in mutations, never stored: `value` is an 8-byte signed delta to add to the counter's
   * current total. The replica that applies it resolves it to a total (read-modify-write).
   */
  readonly counterDelta?: boolean;
}

export interface ComplexDeletion {
  readonly column: string;
  readonly deletion: DeletionTime;
}

/** Clustering values of a row, one serialized value per clustering column (empty: no clustering). */
export type Clustering = readonly Buffer[];

export interface Row {
  /** Empty for the static row and in tables without clustering columns. */
  readonly clustering: Clustering;
  readonly liveness: LivenessInfo | null;
  readonly deletion: DeletionTime | null;
  /** Sorted by column name, then by path (the column's element comparator). */
  readonly cells: readonly Cell[];
  /** Whole-collection deletions of multi-cell columns (e.g. `SET m = {...}` deletes first). */
  readonly complexDeletions: readonly ComplexDeletion[];
}

/**
 * A bound on clustering prefixes. `values` may be a prefix of the clustering (fewer values than
 * clustering columns); an empty prefix is the bottom (as a start) or the top (as an end).
 */
export interface ClusteringBound {
  readonly values: readonly Buffer[];
  readonly inclusive: boolean;
}

export interface RangeTombstone {
  /** Start and end in the table's clustering order (start sorts before end). */
  readonly start: ClusteringBound;
  readonly end: ClusteringBound;
  readonly deletion: DeletionTime;
}

/** Changes to one partition of one table. Rows sorted by clustering, no duplicate clusterings. */
export interface PartitionUpdate {
  readonly tableId: string;
  /** Serialized partition key (composite encoding for multi-column keys). */
  readonly key: Buffer;
  readonly token: bigint;
  readonly partitionDeletion: DeletionTime | null;
  readonly staticRow: Row | null;
  readonly rows: readonly Row[];
  readonly rangeTombstones: readonly RangeTombstone[];
}

/** The unit of the commit log and of replication: one partition key, one or more tables of one keyspace. */
export interface Mutation {
  readonly keyspace: string;
  readonly key: Buffer;
  readonly token: bigint;
  readonly updates: readonly PartitionUpdate[];
}

// ---------------------------------------------------------------------------------------------
// Reads

/** A slice of clusterings, start and end in the table's clustering order. */
export interface Slice {
  readonly start: ClusteringBound;
  readonly end: ClusteringBound;
}

export type ClusteringFilter =
  /** Slices sorted and non-overlapping in clustering order; [{[] incl, [] incl}] selects everything. */
  | { readonly kind: 'slices'; readonly slices: readonly Slice[]; readonly reversed: boolean }
  /** Exact clusterings, sorted in clustering order. */
  | { readonly kind: 'names'; readonly clusterings: readonly Clustering[]; readonly reversed: boolean };

/** A position on the ring: a token, and optionally a key inside it (null: before/after all keys of the token). */
export interface PartitionPosition {
  readonly token: bigint;
  readonly key: Buffer | null;
}

export type PartitionSelector =
  | { readonly kind: 'single'; readonly key: Buffer; readonly token: bigint }
  /**
   * Partitions ordered by (token, key bytes) strictly after `start` (or at it when
   * `startInclusive`) and up to `end` (inclusive when `endInclusive`). Ranges never wrap: the
   * coordinator splits a wrapping ring range at the minimum token before it reaches storage.
   */
  | {
      readonly kind: 'range';
      readonly start: PartitionPosition;
      readonly startInclusive: boolean;
      readonly end: PartitionPosition;
      readonly endInclusive: boolean;
    };

export interface DataLimits {
  /** Maximum live rows returned over all partitions (Infinity for no limit). */
  readonly rows: number;
  /** Maximum live rows per partition (PER PARTITION LIMIT; Infinity for none). */
  readonly perPartitionRows: number;
  /** Maximum partitions returned (Infinity for none; 1 for DISTINCT pages is not implied). */
  readonly partitions: number;
}

export interface ReadCommand {
  readonly tableId: string;
  readonly partitions: PartitionSelector;
  readonly clustering: ClusteringFilter;
  /** Static and regular columns to return; 'all' for every column. Row liveness is always evaluated. */
  readonly columns: readonly string[] | 'all';
  readonly limits: DataLimits;
  /** Server time used to decide TTL expiry. */
  readonly nowSeconds: number;
  /**
   * Paging: inside the partition whose key equals the selector's start (or the single
   * partition), skip rows up to and including this clustering (in query order).
   */
  readonly resumeAfterClustering: Clustering | null;
  /** When true, the static row is returned even if the partition has no rows in the filter. */
  readonly includeStaticRow: boolean;
}

/**
 * One partition of a read result after merging every source: shadowed data is removed, but
 * deletions (partition, range, row, cell tombstones) within the selected range are kept so that
 * replicas' results can be merged by the coordinator. `toLive` drops them.
 */
export interface ReadPartition {
  readonly key: Buffer;
  readonly token: bigint;
  readonly partitionDeletion: DeletionTime | null;
  readonly staticRow: Row | null;
  /** In query order (reversed when the filter is reversed). */
  readonly rows: readonly Row[];
  readonly rangeTombstones: readonly RangeTombstone[];
}

export interface ReadResult {
  /** In ring order: (token, key bytes). */
  readonly partitions: readonly ReadPartition[];
}
