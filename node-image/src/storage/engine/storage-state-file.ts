// The engine's small durable state, one JSON file in the data directory written atomically:
// the floor for new commit-log segment ids (ids never go back, even when every segment has been
// deleted), per-table truncation positions (replay skips a truncated table's entries before
// them) and per-table replay floors (SSTables dropped whole by compaction covered the log up to
// there; replay must not go back before it). Format: docs/formats/commit-log.md ("Storage state file").
import type { Disk } from '../../io/index.ts';
import type { CommitLogPosition } from '../commit-log/commit-log-position.ts';
import { StorageCorruptionError } from '../errors.ts';

export const STORAGE_STATE_FILE_NAME = 'storage-state.json';
export const STORAGE_STATE_VERSION = 1;

export interface StorageState {
  readonly segmentIdFloor: number;
  readonly truncations: ReadonlyMap<string, CommitLogPosition>;
  readonly replayFloors: ReadonlyMap<string, CommitLogPosition>;
}

export function readStorageState(disk: Disk, dataDirectory: string): StorageState {
  const path = `${dataDirectory}/${STORAGE_STATE_FILE_NAME}`;
  if (disk.stat(path) === null) return { segmentIdFloor: 0, truncations: new Map(), replayFloors: new Map() };
  let parsed: { version?: unknown; segmentIdFloor?: unknown; truncations?: unknown; replayFloors?: unknown };
  try {
    parsed = JSON.parse(disk.readFile(path).toString('utf8')) as typeof parsed;
  } catch {
    throw new StorageCorruptionError({ path, offsetBytes: 0, reason: 'state file is not JSON' });
  }
  if (parsed.version !== STORAGE_STATE_VERSION || typeof parsed.segmentIdFloor !== 'number' || typeof parsed.truncations !== 'object' || parsed.truncations === null) {
    throw new StorageCorruptionError({ path, offsetBytes: 0, reason: 'state file fields malformed' });
  }
  const positions = (field: unknown, what: string): Map<string, CommitLogPosition> => {
    const out = new Map<string, CommitLogPosition>();
    if (field === undefined) return out;
    if (typeof field !== 'object' || field === null) throw new StorageCorruptionError({ path, offsetBytes: 0, reason: `${what} malformed` });
    for (const [tableId, value] of Object.entries(field as Record<string, { segmentId?: unknown; offsetBytes?: unknown }>)) {
      if (typeof value.segmentId !== 'number' || typeof value.offsetBytes !== 'number') {
        throw new StorageCorruptionError({ path, offsetBytes: 0, reason: `${what} of ${tableId} malformed` });
      }
      out.set(tableId, { segmentId: value.segmentId, offsetBytes: value.offsetBytes });
    }
    return out;
  };
  return { segmentIdFloor: parsed.segmentIdFloor, truncations: positions(parsed.truncations, 'truncation'), replayFloors: positions(parsed.replayFloors, 'replay floor') };
}

export function writeStorageState(disk: Disk, dataDirectory: string, state: StorageState): void {
  const json = JSON.stringify({
    version: STORAGE_STATE_VERSION,
    segmentIdFloor: state.segmentIdFloor,
    truncations: Object.fromEntries(state.truncations),
    replayFloors: Object.fromEntries(state.replayFloors),
  });
  disk.writeFileAtomic(`${dataDirectory}/${STORAGE_STATE_FILE_NAME}`, Buffer.from(json, 'utf8'));
}
