// What storage needs to know about a table, compiled once per TableMetadata: the clustering
// comparator, per-column cell-path comparators, counter and multi-cell flags, and the dropped
// columns whose older cells must stay hidden. Built lazily and cached per metadata object.
import { cellPathComparatorFor, clusteringComparator, comparatorFor, isCounter, isMultiCell } from '../schema/index.ts';
import type { ClusteringComparator, TableMetadata, ValueComparator } from '../schema/index.ts';

export interface ColumnLayout {
  readonly name: string;
  readonly isStatic: boolean;
  readonly isMultiCell: boolean;
  readonly isCounter: boolean;
  /** Orders cell paths of a multi-cell column (unsigned bytes otherwise). */
  readonly comparePaths: ValueComparator;
}

export interface TableLayout {
  readonly metadata: TableMetadata;
  readonly tableId: string;
  readonly clusteringSize: number;
  /** Full clusterings or prefixes (a shorter equal prefix sorts first). */
  readonly compareClusterings: ClusteringComparator;
  /** One per clustering column, DESC already applied. */
  readonly clusteringValueComparators: readonly ValueComparator[];
  /** Static and regular columns of the current schema. */
  readonly columns: ReadonlyMap<string, ColumnLayout>;
  /** Column name -> dropped-at micros: cells at or before it are hidden on read. */
  readonly droppedAtMicros: ReadonlyMap<string, number>;
  readonly hasStaticColumns: boolean;
  readonly isCounterTable: boolean;
}

const unsignedBytes: ValueComparator = (a, b) => Buffer.compare(a, b);

/** The comparator for paths of a column the schema no longer knows (dropped): bytes. */
export const UNKNOWN_COLUMN_PATH_COMPARATOR: ValueComparator = unsignedBytes;

const cache = new WeakMap<TableMetadata, TableLayout>();

export function tableLayoutOf(metadata: TableMetadata): TableLayout {
  const cached = cache.get(metadata);
  if (cached !== undefined) return cached;
  const columns = new Map<string, ColumnLayout>();
  let hasStatic = false;
  for (const c of metadata.regularAndStatic) {
    const multi = isMultiCell(c.type);
    columns.set(c.name, {
      name: c.name,
      isStatic: c.kind === 'static',
      isMultiCell: multi,
      isCounter: isCounter(c.type),
      comparePaths: multi ? cellPathComparatorFor(c.type) : unsignedBytes,
    });
    if (c.kind === 'static') hasStatic = true;
  }
  const dropped = new Map<string, number>();
  for (const d of metadata.droppedColumns) {
    dropped.set(d.name, Math.max(dropped.get(d.name) ?? -Infinity, d.droppedAtMicros));
  }
  const layout: TableLayout = {
    metadata,
    tableId: metadata.id,
    clusteringSize: metadata.clustering.length,
    compareClusterings: clusteringComparator(metadata),
    clusteringValueComparators: metadata.clustering.map((c) => {
      const base = comparatorFor(c.type);
      return c.clusteringOrder === 'desc' ? (a: Buffer, b: Buffer) => base(b, a) : base;
    }),
    columns,
    droppedAtMicros: dropped,
    hasStaticColumns: hasStatic,
    isCounterTable: metadata.isCounterTable,
  };
  cache.set(metadata, layout);
  return layout;
}

export function comparePathsOf(layout: TableLayout, column: string): ValueComparator {
  return layout.columns.get(column)?.comparePaths ?? UNKNOWN_COLUMN_PATH_COMPARATOR;
}

/** Column names order cells inside a row (UTF-16 code unit order, as the schema sorts them). */
export function compareColumnNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
