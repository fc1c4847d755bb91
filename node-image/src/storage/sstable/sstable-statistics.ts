// Statistics.db: what an SSTable holds, known without reading its data: timestamp, token and
// deletion-time bounds, counts and histograms (the compaction planner works from these alone),
// the LCS level, the commit-log position its data covers, the column-name dictionary its cells
// refer to, and the summary sampling. Stored as JSON framed by [u32 length][utf8 json][u32 crc32(json)].
import { crc32 } from 'node:zlib';
import type { CommitLogPosition } from '../commit-log/commit-log-position.ts';
import { StorageCorruptionError } from '../errors.ts';
import type { DropTimeBins } from './sstable-histograms.ts';
import { PARTITION_SIZE_BUCKETS } from './sstable-histograms.ts';

export interface SSTableStatistics {
  readonly formatVersion: number;
  readonly tableId: string;
  readonly generation: number;
  readonly partitionCount: number;
  /** Rows, excluding static rows. */
  readonly rowCount: number;
  /** Cells, row markers and deletions: the denominator of the droppable-tombstone ratio. */
  readonly cellCount: number;
  /** Cell tombstones, row deletions, complex deletions, range tombstones and partition deletions. */
  readonly tombstoneCount: number;
  readonly minTimestampMicros: number;
  readonly maxTimestampMicros: number;
  readonly minToken: bigint;
  readonly maxToken: bigint;
  /**
   * Greatest local deletion time of anything in the SSTable: NO_DELETION_TIME as soon as one
   * cell or row marker neither expires nor is a tombstone. Below gcBefore, everything is droppable.
   */
  readonly maxLocalDeletionTimeSeconds: number;
  /** Drop times of tombstones and expiring cells (estimates droppable tombstones at any gcBefore). */
  readonly dropTimes: DropTimeBins;
  /** Partition counts per power-of-two size bucket (PARTITION_SIZE_BUCKETS entries). */
  readonly partitionSizeCounts: readonly number[];
  readonly maxPartitionBytes: number;
  /** LCS level (0: flushed or not leveled). */
  readonly level: number;
  /** Wall-clock second the SSTable was written (tombstone_compaction_interval). */
  readonly createdAtSeconds: number;
  /** Replay skips this table's commit-log entries before this position. */
  readonly commitLogPosition: CommitLogPosition;
  /** Cells name their column by index in this list. */
  readonly columns: readonly string[];
  /** Every this-many index entries one is sampled into the summary. */
  readonly indexInterval: number;
}

const NUMBER_FIELDS = [
  'formatVersion', 'generation', 'partitionCount', 'rowCount', 'cellCount', 'tombstoneCount', 'minTimestampMicros', 'maxTimestampMicros',
  'maxLocalDeletionTimeSeconds', 'maxPartitionBytes', 'level', 'createdAtSeconds', 'indexInterval',
] as const;

export function serializeStatistics(stats: SSTableStatistics): Buffer {
  const json = Buffer.from(JSON.stringify({ ...stats, minToken: stats.minToken.toString(), maxToken: stats.maxToken.toString() }), 'utf8');
  const out = Buffer.alloc(json.length + 8);
  out.writeUInt32BE(json.length, 0);
  json.copy(out, 4);
  out.writeUInt32BE(crc32(json) >>> 0, 4 + json.length);
  return out;
}

export function deserializeStatistics(bytes: Buffer, path: string): SSTableStatistics {
  if (bytes.length < 8) throw new StorageCorruptionError({ path, offsetBytes: 0, reason: 'statistics too short' });
  const length = bytes.readUInt32BE(0);
  if (length + 8 !== bytes.length) throw new StorageCorruptionError({ path, offsetBytes: 0, reason: `statistics length ${length} does not match the file` });
  const json = bytes.subarray(4, 4 + length);
  if ((crc32(json) >>> 0) !== bytes.readUInt32BE(4 + length)) throw new StorageCorruptionError({ path, offsetBytes: 4, reason: 'statistics checksum mismatch' });
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(json.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new StorageCorruptionError({ path, offsetBytes: 4, reason: 'statistics are not JSON' });
  }
  for (const n of NUMBER_FIELDS) {
    if (typeof parsed[n] !== 'number') throw new StorageCorruptionError({ path, offsetBytes: 4, reason: `statistics field ${n} missing` });
  }
  const position = parsed['commitLogPosition'] as { segmentId?: unknown; offsetBytes?: unknown } | undefined;
  const sizes = parsed['partitionSizeCounts'];
  const drops = parsed['dropTimes'];
  if (position === undefined || typeof position.segmentId !== 'number' || typeof position.offsetBytes !== 'number' ||
      typeof parsed['minToken'] !== 'string' || typeof parsed['maxToken'] !== 'string' || !Array.isArray(parsed['columns']) ||
      typeof parsed['tableId'] !== 'string' || !Array.isArray(sizes) || sizes.length !== PARTITION_SIZE_BUCKETS || !Array.isArray(drops) ||
      !drops.every((d) => Array.isArray(d) && d.length === 2 && typeof d[0] === 'number' && typeof d[1] === 'number')) {
    throw new StorageCorruptionError({ path, offsetBytes: 4, reason: 'statistics fields malformed' });
  }
  return {
    ...(parsed as unknown as SSTableStatistics),
    minToken: BigInt(parsed['minToken']),
    maxToken: BigInt(parsed['maxToken']),
    commitLogPosition: { segmentId: position.segmentId, offsetBytes: position.offsetBytes },
    columns: (parsed['columns'] as unknown[]).map(String),
    partitionSizeCounts: (sizes as unknown[]).map(Number),
    dropTimes: drops as Array<[number, number]>,
  };
}
