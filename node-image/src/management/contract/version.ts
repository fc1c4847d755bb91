// Version of the management HTTP API. Paths live under BASE_PATH; additive changes (new endpoints,
// new optional fields) bump MANAGEMENT_API_REVISION, breaking ones need a new /api/vN.

export const MANAGEMENT_API_VERSION = 'v1' as const;
/** Revision within v1; a client may check `NodeInfo.managementApi.revision` before a newer call. */
export const MANAGEMENT_API_REVISION = 1;
export const BASE_PATH = `/api/${MANAGEMENT_API_VERSION}` as const;
/** Default port of the management HTTP server (ARCHITECTURE.md "Node contracts"). */
export const MANAGEMENT_PORT_DEFAULT = 8080;
/** Prometheus exposition, outside the versioned tree and open like the probes. */
export const METRICS_PATH = '/metrics';
/** Request bodies above this size are refused with 413 (every limit has a bound). */
export const REQUEST_BODY_BYTES_MAX = 64 * 1024;
/** Authorization header scheme: `Authorization: Bearer <token>`. */
export const AUTH_SCHEME = 'Bearer';
/** Token length bounds accepted by the node (the operator generates 64 hex chars). */
export const TOKEN_CHARS_MIN = 16;
export const TOKEN_CHARS_MAX = 512;
