// Error bodies of the management API: every non-2xx answer carries { error: { code, message } }
// with a stable code from MANAGEMENT_ERROR_CODES, so callers branch on codes, never on text.
import { z } from 'zod';

/** Stable error codes and the HTTP status each one is sent with. */
export const MANAGEMENT_ERROR_CODES = {
  /** Missing or wrong bearer token. Nothing was changed. */
  MGMT_ERR_UNAUTHORIZED: 401,
  /** Malformed path, query or body (fails the contract's schema). */
  MGMT_ERR_BAD_REQUEST: 400,
  /** Unknown path, job id, keyspace or host id. */
  MGMT_ERR_NOT_FOUND: 404,
  /** Method not allowed on this path. */
  MGMT_ERR_METHOD_NOT_ALLOWED: 405,
  /** An exclusive operation (decommission, removenode, rebuild, drain, bootstrap) is running. */
  MGMT_ERR_OPERATION_IN_PROGRESS: 409,
  /** The operation is refused in the current state (reason in message), e.g. a DC would drop below a keyspace's RF. */
  MGMT_ERR_REFUSED: 409,
  /** The job cannot be cancelled (decommission past LEAVING, removenode). */
  MGMT_ERR_NOT_CANCELLABLE: 409,
  /** Body above REQUEST_BODY_BYTES_MAX. */
  MGMT_ERR_PAYLOAD_TOO_LARGE: 413,
  /** Too many jobs queued or kept (JOBS_KEPT_MAX). */
  MGMT_ERR_TOO_MANY_JOBS: 429,
  /** The node cannot answer yet (still starting, gossip not running). */
  MGMT_ERR_UNAVAILABLE: 503,
  /** A bug or an unexpected failure on the node. */
  MGMT_ERR_INTERNAL: 500,
} as const;
export type ManagementErrorCode = keyof typeof MANAGEMENT_ERROR_CODES;

const codeValues = Object.keys(MANAGEMENT_ERROR_CODES) as [ManagementErrorCode, ...ManagementErrorCode[]];
export const ManagementErrorCodeSchema = z.enum(codeValues);

export const ErrorBodySchema = z.object({
  error: z.object({
    code: ManagementErrorCodeSchema,
    message: z.string().max(4096),
    /** For MGMT_ERR_OPERATION_IN_PROGRESS: the job that holds the node. */
    jobId: z.string().optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;
