// The commit record of a compaction (Cassandra's lifecycle transaction log): which SSTables it
// replaces and which it adds. Protocol, each step durable before the next:
//   1. outputs written and fsynced under temp names (invisible);
//   2. `txn-<id>.json` written atomically: the compaction is now decided;
//   3. outputs published (data components, directory sync, TOCs, directory sync);
//   4. inputs deleted (TOC first), directory synced;
//   5. the record removed.
// Recovery at open (before SSTables are listed): if every output has its TOC, the compaction
// completed: delete whatever inputs remain. Otherwise it did not: delete the outputs and keep every
// input (none was deleted before all outputs were visible). Either way remove the record.
// So after kill -9 at any point a table holds either the inputs or the outputs, never a mix.
import type { Disk } from '../../io/index.ts';
import { StorageCorruptionError } from '../errors.ts';
import { ALL_COMPONENTS, Component, componentFileName, tempFileName } from '../sstable/sstable-format.ts';

export const TRANSACTION_FILE_PREFIX = 'txn-';
export const TRANSACTION_FILE_SUFFIX = '.json';
export const TRANSACTION_FORMAT_VERSION = 1;

export interface CompactionRecord {
  readonly id: number;
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
}

export function transactionFileName(id: number): string {
  return `${TRANSACTION_FILE_PREFIX}${id}${TRANSACTION_FILE_SUFFIX}`;
}

export function writeCompactionRecord(disk: Disk, directory: string, record: CompactionRecord): void {
  disk.writeFileAtomic(`${directory}/${transactionFileName(record.id)}`, recordBytes(record));
}

function recordBytes(record: CompactionRecord): Buffer {
  return Buffer.from(JSON.stringify({ version: TRANSACTION_FORMAT_VERSION, ...record }), 'utf8');
}

export function removeCompactionRecord(disk: Disk, directory: string, id: number): void {
  disk.remove(`${directory}/${transactionFileName(id)}`);
  disk.syncDirectory(directory);
}

/** writeCompactionRecord with its fsyncs off the event loop where the disk can. */
export async function writeCompactionRecordInBackground(disk: Disk, directory: string, record: CompactionRecord): Promise<void> {
  if (disk.writeFileAtomicInBackground === undefined) {
    writeCompactionRecord(disk, directory, record);
    return;
  }
  await disk.writeFileAtomicInBackground(`${directory}/${transactionFileName(record.id)}`, recordBytes(record));
}

/** removeCompactionRecord with its directory sync off the event loop where the disk can. */
export async function removeCompactionRecordInBackground(disk: Disk, directory: string, id: number): Promise<void> {
  disk.remove(`${directory}/${transactionFileName(id)}`);
  await syncDirectoryInBackground(disk, directory);
}

/** disk.syncDirectory off the event loop where the disk can. */
export function syncDirectoryInBackground(disk: Disk, directory: string): Promise<void> {
  if (disk.syncDirectoryInBackground === undefined) {
    disk.syncDirectory(directory);
    return Promise.resolve();
  }
  return disk.syncDirectoryInBackground(directory);
}

function parseRecord(disk: Disk, path: string): CompactionRecord {
  let parsed: { version?: unknown; id?: unknown; inputs?: unknown; outputs?: unknown };
  try {
    parsed = JSON.parse(disk.readFile(path).toString('utf8')) as typeof parsed;
  } catch {
    throw new StorageCorruptionError({ path, offsetBytes: 0, reason: 'compaction record is not JSON' });
  }
  const ints = (v: unknown): v is number[] => Array.isArray(v) && v.every((n) => Number.isSafeInteger(n) && (n as number) > 0);
  if (parsed.version !== TRANSACTION_FORMAT_VERSION || typeof parsed.id !== 'number' || !ints(parsed.inputs) || !ints(parsed.outputs)) {
    throw new StorageCorruptionError({ path, offsetBytes: 0, reason: 'compaction record fields malformed' });
  }
  return { id: parsed.id, inputs: parsed.inputs, outputs: parsed.outputs };
}

export interface RecoveryOutcome {
  readonly record: CompactionRecord;
  readonly completed: boolean;
}

/**
 * Finishes or rolls back every compaction a crash interrupted in `directory`. Records are
 * written atomically (temp file and rename), so a record that exists is whole; a malformed one is
 * corruption and stops the open rather than guess which SSTables to delete.
 */
export function recoverCompactions(disk: Disk, directory: string): RecoveryOutcome[] {
  const outcomes: RecoveryOutcome[] = [];
  const names = disk.list(directory).filter((n) => n.startsWith(TRANSACTION_FILE_PREFIX) && n.endsWith(TRANSACTION_FILE_SUFFIX));
  for (const name of names) {
    const record = parseRecord(disk, `${directory}/${name}`);
    const complete = record.outputs.every((g) => disk.stat(`${directory}/${componentFileName(g, Component.TOC)}`) !== null);
    const doomed = complete ? record.inputs : record.outputs;
    for (const g of doomed) {
      disk.remove(`${directory}/${componentFileName(g, Component.TOC)}`);
      for (const c of ALL_COMPONENTS) {
        disk.remove(`${directory}/${componentFileName(g, c)}`);
        disk.remove(`${directory}/${tempFileName(g, c)}`);
      }
    }
    disk.syncDirectory(directory);
    disk.remove(`${directory}/${name}`);
    disk.syncDirectory(directory);
    outcomes.push({ record, completed: complete });
  }
  // writeFileAtomic's own temp file, if a crash hit between its write and its rename.
  for (const name of disk.list(directory)) {
    if (name.startsWith(TRANSACTION_FILE_PREFIX) && name.endsWith(`${TRANSACTION_FILE_SUFFIX}.tmp`)) disk.remove(`${directory}/${name}`);
  }
  return outcomes;
}
