// Typed storage failures (operating errors, STYLE.md rule 7). Corruption names the file and the
// offset where a checksum or structure check failed; no data from a corrupt block is returned.
// Both are CqlErrors with the ServerError code, so they can reach a client as they are; the
// coordinator may map them to ReadFailure/WriteFailure, which need fields storage does not know.
import { ConsistencyLevel, CqlError, ErrorCode } from '../lib/index.ts';

export const StorageErrorCode = {
  Corruption: 'CASSIA_STORAGE_CORRUPTION',
  TombstoneOverwhelming: 'CASSIA_STORAGE_TOMBSTONE_OVERWHELMING',
  Closed: 'CASSIA_STORAGE_CLOSED',
  Failed: 'CASSIA_STORAGE_FAILED',
} as const;

export type StorageErrorCodeValue = (typeof StorageErrorCode)[keyof typeof StorageErrorCode];

export class StorageCorruptionError extends CqlError {
  readonly storageCode = StorageErrorCode.Corruption;
  readonly path: string;
  readonly offsetBytes: number;

  constructor(options: { path: string; offsetBytes: number; reason: string }) {
    super(ErrorCode.ServerError, `corrupt storage file ${options.path} at offset ${options.offsetBytes}: ${options.reason}`);
    this.path = options.path;
    this.offsetBytes = options.offsetBytes;
  }
}

/** The engine is closed, or stopped accepting writes after a disk failure (commit failure policy "stop"). */
export class StorageUnavailableError extends CqlError {
  readonly storageCode: StorageErrorCodeValue;

  constructor(code: typeof StorageErrorCode.Closed | typeof StorageErrorCode.Failed, message: string) {
    super(ErrorCode.ServerError, message);
    this.storageCode = code;
  }
}

/**
 * A read went through more tombstones than tombstone_failure_threshold (cassandra-internals 4.5):
 * Cassandra's TombstoneOverwhelmingException, a ReadFailure. Storage does not know the request's
 * consistency level; the coordinator rewrites the failure fields with the real ones.
 */
export class TombstoneOverwhelmingError extends CqlError {
  readonly storageCode = StorageErrorCode.TombstoneOverwhelming;
  readonly tombstones: number;

  constructor(options: { tombstones: number; partitionKeyHex: string }) {
    super(ErrorCode.ReadFailure, `Scanned over ${options.tombstones} tombstones during a read of partition 0x${options.partitionKeyHex}; query aborted`, {
      kind: 'read_failure', consistency: ConsistencyLevel.ONE, received: 0, blockFor: 1, failures: 1, dataPresent: false,
    });
    this.tombstones = options.tombstones;
  }
}
