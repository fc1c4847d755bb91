// Typed storage failures (operating errors, STYLE.md rule 7). Corruption names the file and the
// offset where a checksum or structure check failed; no data from a corrupt block is returned.
// Both are CqlErrors with the ServerError code, so they can reach a client as they are; the
// coordinator may map them to ReadFailure/WriteFailure, which need fields storage does not know.
import { CqlError, ErrorCode } from '../lib/index.ts';

export const StorageErrorCode = {
  Corruption: 'CASSIA_STORAGE_CORRUPTION',
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
