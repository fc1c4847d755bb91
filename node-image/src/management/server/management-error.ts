// Expected failures of the management server, each with a stable code of the contract's registry
// (MANAGEMENT_ERROR_CODES) that fixes the HTTP status. Anything else thrown by a handler is a bug
// and answers 500 MGMT_ERR_INTERNAL.
import { MANAGEMENT_ERROR_CODES, type ManagementErrorCode } from '../contract/index.ts';

export class ManagementError extends Error {
  override readonly name = 'ManagementError';
  readonly code: ManagementErrorCode;
  /** For MGMT_ERR_OPERATION_IN_PROGRESS and MGMT_ERR_NOT_CANCELLABLE: the job concerned. */
  readonly jobId: string | undefined;

  constructor(code: ManagementErrorCode, message: string, jobId?: string) {
    super(message);
    this.code = code;
    this.jobId = jobId;
  }

  get status(): number {
    return MANAGEMENT_ERROR_CODES[this.code];
  }
}

export const badRequest = (message: string): ManagementError => new ManagementError('MGMT_ERR_BAD_REQUEST', message);
export const notFound = (message: string): ManagementError => new ManagementError('MGMT_ERR_NOT_FOUND', message);
export const refused = (message: string): ManagementError => new ManagementError('MGMT_ERR_REFUSED', message);
export const unavailable = (message: string): ManagementError => new ManagementError('MGMT_ERR_UNAVAILABLE', message);
