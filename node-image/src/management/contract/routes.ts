// The route table of the management API: one entry per endpoint with method, path template, auth,
// request and response schemas. The node's server routes by it and the client calls by it, so the
// two cannot disagree on a path or a shape.
import { z } from 'zod';
import { ClusterViewSchema } from './cluster-view.ts';
import { JobListSchema, JobSchema, OPERATION_REQUEST_SCHEMAS, type Operation } from './jobs.ts';
import { NodeInfoSchema } from './node-info.ts';
import { LivenessSchema, ReadinessSchema } from './probes.ts';
import { RingSchema } from './ring.ts';
import { KeyspacesSchema, SchemaVersionsSchema, SetReplicationRequestSchema, SetReplicationResponseSchema } from './schema-info.ts';
import { CompactionThroughputSchema, CompactionsSchema, StreamsSchema, TableStatsSchema } from './stats.ts';
import { BASE_PATH } from './version.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface RouteSpec {
  readonly method: HttpMethod;
  /** Under BASE_PATH; `{name}` marks a path parameter. */
  readonly path: string;
  /** False only for probes (kubelet calls them without a token). */
  readonly auth: boolean;
  readonly query?: z.ZodType;
  readonly body?: z.ZodType;
  readonly response: z.ZodType;
  /** Status of a success answer; readiness may also answer 503 with a Readiness body. */
  readonly successStatus: number;
}

const keyspaceQuery = z.object({ keyspace: z.string().max(48).optional() });
const tableQuery = z.object({ keyspace: z.string().max(48).optional(), table: z.string().max(48).optional() });

export const ROUTES = {
  liveness: { method: 'GET', path: '/probes/liveness', auth: false, response: LivenessSchema, successStatus: 200 },
  readiness: { method: 'GET', path: '/probes/readiness', auth: false, response: ReadinessSchema, successStatus: 200 },
  nodeInfo: { method: 'GET', path: '/node', auth: true, response: NodeInfoSchema, successStatus: 200 },
  clusterView: { method: 'GET', path: '/cluster', auth: true, response: ClusterViewSchema, successStatus: 200 },
  ring: { method: 'GET', path: '/ring', auth: true, query: keyspaceQuery, response: RingSchema, successStatus: 200 },
  schemaVersions: { method: 'GET', path: '/schema/versions', auth: true, response: SchemaVersionsSchema, successStatus: 200 },
  keyspaces: { method: 'GET', path: '/schema/keyspaces', auth: true, response: KeyspacesSchema, successStatus: 200 },
  setReplication: {
    method: 'PUT', path: '/schema/keyspaces/{keyspace}/replication', auth: true,
    body: SetReplicationRequestSchema, response: SetReplicationResponseSchema, successStatus: 200,
  },
  tableStats: { method: 'GET', path: '/tables/stats', auth: true, query: tableQuery, response: TableStatsSchema, successStatus: 200 },
  compactions: { method: 'GET', path: '/compactions', auth: true, response: CompactionsSchema, successStatus: 200 },
  compactionThroughput: { method: 'GET', path: '/compaction/throughput', auth: true, response: CompactionThroughputSchema, successStatus: 200 },
  setCompactionThroughput: {
    method: 'PUT', path: '/compaction/throughput', auth: true, body: CompactionThroughputSchema, response: CompactionThroughputSchema, successStatus: 200,
  },
  streams: { method: 'GET', path: '/streams', auth: true, response: StreamsSchema, successStatus: 200 },
  /** POST /ops/{operation}: 202 with a new job, 200 with the existing job for a known requestId. */
  submitOperation: { method: 'POST', path: '/ops/{operation}', auth: true, response: JobSchema, successStatus: 202 },
  jobs: { method: 'GET', path: '/jobs', auth: true, response: JobListSchema, successStatus: 200 },
  job: { method: 'GET', path: '/jobs/{id}', auth: true, response: JobSchema, successStatus: 200 },
  /** Cancel a cancellable job; answers the job (state CANCELLED once it stopped). */
  cancelJob: { method: 'DELETE', path: '/jobs/{id}', auth: true, response: JobSchema, successStatus: 200 },
} as const satisfies Record<string, RouteSpec>;
export type RouteName = keyof typeof ROUTES;

/** Body schema for POST /ops/{operation}. */
export function operationBodySchema(operation: Operation): z.ZodType {
  return OPERATION_REQUEST_SCHEMAS[operation];
}

/** Full path of a route with its parameters filled in (values are URI-encoded). */
export function routePath(route: RouteSpec, params: Readonly<Record<string, string>> = {}): string {
  const filled = route.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`missing path parameter ${name} for ${route.path}`);
    return encodeURIComponent(value);
  });
  return `${BASE_PATH}${filled}`;
}

/**
 * Matches a request path (without query) against the table. Returns the route name and decoded
 * parameters, or undefined. Server side helper; linear scan over a dozen routes.
 */
export function matchRoute(method: string, path: string): { name: RouteName; params: Record<string, string> } | 'method-not-allowed' | undefined {
  if (!path.startsWith(`${BASE_PATH}/`)) return undefined;
  const rest = path.slice(BASE_PATH.length).split('/');
  let pathMatched = false;
  for (const [name, route] of Object.entries(ROUTES) as Array<[RouteName, RouteSpec]>) {
    const parts = route.path.split('/');
    if (parts.length !== rest.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < parts.length && ok; i++) {
      const want = parts[i]!;
      const got = rest[i]!;
      if (want.startsWith('{') && want.endsWith('}')) {
        if (got === '') ok = false;
        else params[want.slice(1, -1)] = decodeURIComponent(got);
      } else if (want !== got) {
        ok = false;
      }
    }
    if (!ok) continue;
    pathMatched = true;
    if (route.method === method) return { name, params };
  }
  return pathMatched ? 'method-not-allowed' : undefined;
}
