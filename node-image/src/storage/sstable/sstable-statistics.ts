// Statistics.db: what an SSTable holds, known without reading its data: timestamp and token
// bounds, counts, the commit-log position its data covers, the column-name dictionary its cells
// refer to, and the lengths needed to open Data and Index. Stored as JSON framed by
// [u32 length][utf8 json][u32 crc32(json)].
import { crc32 } from 'node:zlib';
import type { CommitLogPosition } from '../commit-log/commit-log-position.ts';
import { StorageCorruptionError } from '../errors.ts';

export interface SSTableStatistics {
  readonly formatVersion: number;
  readonly tableId: string;
  readonly generation: number;
  readonly partitionCount: number;
  readonly rowCount: number;
  /** Cell tombstones, row deletions, complex deletions, range tombstones and partition deletions. */
  readonly tombstoneCount: number;
  readonly minTimestampMicros: number;
  readonly maxTimestampMicros: number;
  readonly minToken: bigint;
  readonly maxToken: bigint;
  /** Greatest local deletion time of a tombstone or expiring cell (NO_DELETION_TIME-free: 0 if none). */
  readonly maxLocalDeletionTimeSeconds: number;
  /** Replay skips this table's commit-log entries before this position. */
  readonly commitLogPosition: CommitLogPosition;
  /** Cells name their column by index in this list. */
  readonly columns: readonly string[];
  readonly dataLengthBytes: number;
  readonly indexLengthBytes: number;
  readonly chunkLengthBytes: number;
  /** Every this-many index entries one is sampled into the summary. */
  readonly indexInterval: number;
}

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
  const numbers = ['formatVersion', 'generation', 'partitionCount', 'rowCount', 'tombstoneCount', 'minTimestampMicros', 'maxTimestampMicros',
    'maxLocalDeletionTimeSeconds', 'dataLengthBytes', 'indexLengthBytes', 'chunkLengthBytes', 'indexInterval'];
  for (const n of numbers) {
    if (typeof parsed[n] !== 'number') throw new StorageCorruptionError({ path, offsetBytes: 4, reason: `statistics field ${n} missing` });
  }
  const position = parsed['commitLogPosition'] as { segmentId?: unknown; offsetBytes?: unknown } | undefined;
  if (position === undefined || typeof position.segmentId !== 'number' || typeof position.offsetBytes !== 'number' ||
      typeof parsed['minToken'] !== 'string' || typeof parsed['maxToken'] !== 'string' || !Array.isArray(parsed['columns']) ||
      typeof parsed['tableId'] !== 'string') {
    throw new StorageCorruptionError({ path, offsetBytes: 4, reason: 'statistics fields malformed' });
  }
  return {
    ...(parsed as unknown as SSTableStatistics),
    minToken: BigInt(parsed['minToken']),
    maxToken: BigInt(parsed['maxToken']),
    commitLogPosition: { segmentId: position.segmentId, offsetBytes: position.offsetBytes },
    columns: (parsed['columns'] as unknown[]).map(String),
  };
}
