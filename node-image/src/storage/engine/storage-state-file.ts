// The engine's small durable state, one JSON file in the data directory written atomically:
// the floor for new commit-log segment ids (ids never go back, even when every segment has been
// deleted) and per-table truncation positions (replay skips a truncated table's entries before
// them). Format: docs/formats/commit-log.md ("Storage state file").
import type { Disk } from '../../io/index.ts';
import type { CommitLogPosition } from '../commit-log/commit-log-position.ts';
import { StorageCorruptionError } from '../errors.ts';

export const STORAGE_STATE_FILE_NAME = 'storage-state.json';
export const STORAGE_STATE_VERSION = 1;

export interface StorageState {
  readonly segmentIdFloor: number;
  readonly truncations: ReadonlyMap<string, CommitLogPosition>;
}

export function readStorageState(disk: Disk, dataDirectory: string): StorageState {
  const path = `${dataDirectory}/${STORAGE_STATE_FILE_NAME}`;
  if (disk.stat(path) === null) return { segmentIdFloor: 0, truncations: new Map() };
  let parsed: { version?: unknown; segmentIdFloor?: unknown; truncations?: unknown };
  try {
    parsed = JSON.parse(disk.readFile(path).toString('utf8')) as typeof parsed;
  } catch {
    throw new StorageCorruptionError({ path, offsetBytes: 0, reason: 'state file is not JSON' });
  }
  if (parsed.version !== STORAGE_STATE_VERSION || typeof parsed.segmentIdFloor !== 'number' || typeof parsed.truncations !== 'object' || parsed.truncations === null) {
    throw new StorageCorruptionError({ path, offsetBytes: 0, reason: 'state file fields malformed' });
  }
  const truncations = new Map<string, CommitLogPosition>();
  for (const [tableId, value] of Object.entries(parsed.truncations as Record<string, { segmentId?: unknown; offsetBytes?: unknown }>)) {
    if (typeof value.segmentId !== 'number' || typeof value.offsetBytes !== 'number') {
      throw new StorageCorruptionError({ path, offsetBytes: 0, reason: `truncation of ${tableId} malformed` });
    }
    truncations.set(tableId, { segmentId: value.segmentId, offsetBytes: value.offsetBytes });
  }
  return { segmentIdFloor: parsed.segmentIdFloor, truncations };
}

export function writeStorageState(disk: Disk, dataDirectory: string, state: StorageState): void {
  const json = JSON.stringify({
    version: STORAGE_STATE_VERSION,
    segmentIdFloor: state.segmentIdFloor,
    truncations: Object.fromEntries(state.truncations),
  });
  disk.writeFileAtomic(`${dataDirectory}/${STORAGE_STATE_FILE_NAME}`, Buffer.from(json, 'utf8'));
}
