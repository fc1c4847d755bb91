// The node side of the management API: HTTP server, jobs, bearer token, and the backend interface
// the node implements (a single-node backend now; gossip-backed answers later).
export { CLOSE_JOBS_WAIT_MS, ManagementServer } from './management-server.ts';
export type { ManagementServerOptions, MetricsEndpoint } from './management-server.ts';
export type {
  Awaitable, JobResult, ManagementBackend, OperationContext, OperationRunner, ParsedOperationRequest,
} from './management-backend.ts';
export { ManagementError, badRequest, notFound, refused, unavailable } from './management-error.ts';
export { JobTable, RUNNING_JOBS_MAX } from './job-table.ts';
export type { JobTableOptions } from './job-table.ts';
export { BearerTokenCheck, ManagementTokenError, loadManagementToken } from './bearer-token.ts';
export { SingleNodeBackend, endpointState, replicationInfo, seedHosts } from './single-node-backend.ts';
export type { SingleNodeBackendOptions } from './single-node-backend.ts';
export { sortTokens, tokenOwnership } from './token-ownership.ts';
export type { OwnedToken } from './token-ownership.ts';
export { ClusterBackend, DECOMMISSION_EXIT_DELAY_MS } from './cluster-backend.ts';
export type { CleanupCapableStorage, ClusterBackendOptions } from './cluster-backend.ts';
