// SSTable layout constants and file naming (docs/formats/sstable.md). An SSTable is the set of
// files `<version>-<generation>-<Component>` in its table's directory; it exists once its TOC is
// there under its final name. Temp files carry a `tmp-` prefix and are removed on open.

/** Format version tag in file names; bump on any incompatible change. */
export const SSTABLE_VERSION = 'cb';
/** Versions this code cannot read (written by older releases); found at open, they are refused clearly. */
export const SSTABLE_VERSIONS_RETIRED: readonly string[] = ['ca'];
export const SSTABLE_FORMAT_VERSION = 2;
/** Largest partition key (Cassandra's limit: the key length is an unsigned short). */
export const PARTITION_KEY_LENGTH_MAX = 65535;
/** Bytes read to parse one index entry in the common case (key up to ~450 bytes). */
export const INDEX_ENTRY_WINDOW_BYTES = 512;
/** Upper bound of one encoded index entry: key, token, four varints. */
export const INDEX_ENTRY_BYTES_MAX = PARTITION_KEY_LENGTH_MAX + 3 + 8 + 4 * 8;
/** Bound on hash functions of a bloom filter. */
export const BLOOM_HASH_COUNT_MAX = 16;
/** Bound on a bloom filter's bits (2^32 - 1 keeps offsets in a u32). */
export const BLOOM_BITS_MAX = 0xffffffff;
/** Sampling of the partition index into the in-memory summary when nothing else decides. */
export const SUMMARY_INTERVAL_DEFAULT = 128;
/** Densest summary sampling (a lookup scans at most this many index entries). */
export const SUMMARY_INTERVAL_MIN = 16;
/** The summary of an SSTable aims at about this many entries (sparser sampling beyond). */
export const SUMMARY_ENTRIES_TARGET = 65536;
/**
 * Rows of a partition are grouped into blocks of about this many bytes; a partition with more
 * than one block gets a row index (first/last clustering and offset per block), so a slice of a
 * large partition reads the index and one or two blocks (Cassandra's column_index_size).
 */
export const ROW_INDEX_BLOCK_BYTES = 16 * 1024;

export const Component = {
  Data: 'Data.db',
  Index: 'Index.db',
  Filter: 'Filter.db',
  Statistics: 'Statistics.db',
  CompressionInfo: 'CompressionInfo.db',
  TOC: 'TOC.txt',
} as const;
export type ComponentName = (typeof Component)[keyof typeof Component];

/** Written before the TOC, renamed into place before it. */
export const DATA_COMPONENTS: readonly ComponentName[] = [Component.Data, Component.Index, Component.Filter, Component.Statistics, Component.CompressionInfo];
export const ALL_COMPONENTS: readonly ComponentName[] = [...DATA_COMPONENTS, Component.TOC];

export const TEMP_PREFIX = 'tmp-';
/** Subdirectory of a table directory holding quarantined (corrupt) SSTables. */
export const QUARANTINE_DIRECTORY = 'quarantine';

export function componentFileName(generation: number, component: ComponentName): string {
  return `${SSTABLE_VERSION}-${generation}-${component}`;
}

export function tempFileName(generation: number, component: ComponentName): string {
  return `${TEMP_PREFIX}${componentFileName(generation, component)}`;
}

const NAME = /^(tmp-)?([a-z]{2})-(\d+)-(.+)$/;

export interface ParsedSSTableFileName {
  readonly temp: boolean;
  readonly version: string;
  readonly generation: number;
  readonly component: string;
}

export function parseSSTableFileName(name: string): ParsedSSTableFileName | null {
  const m = NAME.exec(name);
  if (m === null) return null;
  return { temp: m[1] !== undefined, version: m[2]!, generation: Number(m[3]), component: m[4]! };
}
