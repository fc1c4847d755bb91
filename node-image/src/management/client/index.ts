// Typed client of the management API (operator and nodetool).
export { ManagementApiError, ManagementClient, CLIENT_TIMEOUT_MS_DEFAULT, CLIENT_TIMEOUT_MS_MAX, JOB_POLLS_MAX, RESPONSE_CHARS_MAX } from './management-client.ts';
export type { ClientErrorCode, FetchLike, ManagementClientOptions, WaitForJobOptions } from './management-client.ts';
