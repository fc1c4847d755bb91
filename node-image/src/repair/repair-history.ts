// Durable repair history (the role of system_distributed.repair_history): one JSON document in the
// node's system directory, replaced atomically after each repair, newest last.
// Invariant: at most REPAIR_HISTORY_MAX entries (oldest dropped).
import type { Disk } from '../io/index.ts';

export const REPAIR_HISTORY_FILE_NAME = 'repair-history.json';
export const REPAIR_HISTORY_MAX = 1000;

export interface RepairHistoryEntry {
  readonly id: string;
  readonly keyspace: string;
  readonly tables: readonly string[];
  readonly ranges: number;
  readonly primaryRange: boolean;
  readonly startedAtMs: number;
  readonly finishedAtMs: number;
  readonly status: 'SUCCESS' | 'FAILED';
  readonly mismatchedRanges: number;
  readonly streamedBytes: number;
  readonly error: string | null;
}

export function loadRepairHistory(disk: Disk, directory: string): RepairHistoryEntry[] {
  const path = `${directory}/${REPAIR_HISTORY_FILE_NAME}`;
  if (disk.stat(path) === null) return [];
  try {
    const parsed = JSON.parse(disk.readFile(path).toString('utf8')) as { entries?: unknown };
    return Array.isArray(parsed.entries) ? (parsed.entries as RepairHistoryEntry[]) : [];
  } catch {
    return [];
  }
}

export function appendRepairHistory(disk: Disk, directory: string, entry: RepairHistoryEntry): void {
  const entries = [...loadRepairHistory(disk, directory), entry].slice(-REPAIR_HISTORY_MAX);
  disk.writeFileAtomic(`${directory}/${REPAIR_HISTORY_FILE_NAME}`, Buffer.from(JSON.stringify({ entries }), 'utf8'));
}
