// Typed client of the management HTTP API over fetch, used by the operator and by nodetool. Every
// call has a timeout, sends the bearer token when the route needs it, and validates the answer
// against the contract; failures are ManagementApiError with a stable code.
import type { z } from 'zod';
import {
  AUTH_SCHEME,
  ErrorBodySchema,
  ReadinessSchema,
  ROUTES,
  TERMINAL_JOB_STATES,
  operationBodySchema,
  routePath,
  type ClusterView,
  type CompactionThroughput,
  type Compactions,
  type Job,
  type JobList,
  type Keyspaces,
  type Liveness,
  type ManagementErrorCode,
  type NodeInfo,
  type Operation,
  type OperationRequest,
  type Readiness,
  type Ring,
  type RouteName,
  type RouteSpec,
  type SchemaVersions,
  type SetReplicationRequest,
  type SetReplicationResponse,
  type Streams,
  type TableStats,
} from '../contract/index.ts';

/** Codes the client adds to the server's registry. */
export type ClientErrorCode = ManagementErrorCode | 'MGMT_ERR_TIMEOUT' | 'MGMT_ERR_CONNECTION' | 'MGMT_ERR_BAD_RESPONSE';

export class ManagementApiError extends Error {
  override readonly name = 'ManagementApiError';
  readonly code: ClientErrorCode;
  /** HTTP status, null when no answer arrived. */
  readonly status: number | null;
  /** For MGMT_ERR_OPERATION_IN_PROGRESS: the job holding the node. */
  readonly jobId: string | undefined;

  constructor(options: { code: ClientErrorCode; status: number | null; message: string; jobId?: string | undefined }) {
    super(options.message);
    this.code = options.code;
    this.status = options.status;
    this.jobId = options.jobId;
  }
}

/** The subset of fetch the client uses, so tests and the simulator can inject their own. */
export type FetchLike = (url: string, init: {
  method: string;
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
}) => Promise<{ status: number; text(): Promise<string> }>;

export const CLIENT_TIMEOUT_MS_DEFAULT = 5_000;
export const CLIENT_TIMEOUT_MS_MAX = 10 * 60_000;
/** Answers above this are refused as MGMT_ERR_BAD_RESPONSE. */
export const RESPONSE_CHARS_MAX = 32 * 1024 * 1024;
/** waitForJob polls at most this many times whatever the deadline. */
export const JOB_POLLS_MAX = 100_000;

export interface ManagementClientOptions {
  /** e.g. http://10.1.2.3:8080 (no trailing slash needed). */
  readonly baseUrl: string;
  /** Bearer token; omitted from probes. */
  readonly token?: string | undefined;
  readonly timeoutMs?: number;
  readonly fetch?: FetchLike;
}

export interface WaitForJobOptions {
  readonly pollIntervalMs: number;
  /** Give up (MGMT_ERR_TIMEOUT) after this long; counted by polls x interval, no clock needed. */
  readonly timeoutMs: number;
  /** Injected so node-image code stays free of real timers. */
  readonly sleep: (ms: number) => Promise<void>;
  readonly onProgress?: (job: Job) => void;
}

export class ManagementClient {
  readonly baseUrl: string;
  private readonly token: string | undefined;
  private readonly timeoutMs: number;
  private readonly fetchFn: FetchLike;

  constructor(options: ManagementClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.token = options.token;
    this.timeoutMs = options.timeoutMs ?? CLIENT_TIMEOUT_MS_DEFAULT;
    if (!(this.timeoutMs > 0 && this.timeoutMs <= CLIENT_TIMEOUT_MS_MAX)) {
      throw new RangeError(`timeoutMs must be in (0, ${CLIENT_TIMEOUT_MS_MAX}]`);
    }
    this.fetchFn = options.fetch ?? (globalThis.fetch as unknown as FetchLike);
  }

  liveness(): Promise<Liveness> {
    return this.call('liveness', {});
  }

  /** Readiness answers 503 with the same body when not ready; both come back as a Readiness. */
  async readiness(): Promise<Readiness> {
    const { status, text } = await this.send(ROUTES.readiness, routePath(ROUTES.readiness), undefined);
    if (status === 200 || status === 503) return this.parse(ReadinessSchema, text, status);
    throw this.errorFrom(status, text);
  }

  nodeInfo(): Promise<NodeInfo> {
    return this.call('nodeInfo', {});
  }

  clusterView(): Promise<ClusterView> {
    return this.call('clusterView', {});
  }

  ring(keyspace?: string): Promise<Ring> {
    return this.call('ring', { query: keyspace === undefined ? {} : { keyspace } });
  }

  schemaVersions(): Promise<SchemaVersions> {
    return this.call('schemaVersions', {});
  }

  keyspaces(): Promise<Keyspaces> {
    return this.call('keyspaces', {});
  }

  setReplication(keyspace: string, request: SetReplicationRequest): Promise<SetReplicationResponse> {
    return this.call('setReplication', { params: { keyspace }, body: request });
  }

  tableStats(filter: { keyspace?: string; table?: string } = {}): Promise<TableStats> {
    return this.call('tableStats', { query: filter });
  }

  compactions(): Promise<Compactions> {
    return this.call('compactions', {});
  }

  compactionThroughput(): Promise<CompactionThroughput> {
    return this.call('compactionThroughput', {});
  }

  setCompactionThroughput(mbPerSecond: number): Promise<CompactionThroughput> {
    return this.call('setCompactionThroughput', { body: { mbPerSecond } });
  }

  streams(): Promise<Streams> {
    return this.call('streams', {});
  }

  /** Starts an operation; with the same requestId it returns the job already started. */
  submit<O extends Operation>(operation: O, request: OperationRequest<O>): Promise<Job> {
    const checked = operationBodySchema(operation).safeParse(request);
    if (!checked.success) {
      return Promise.reject(new ManagementApiError({ code: 'MGMT_ERR_BAD_REQUEST', status: null, message: `invalid ${operation} request: ${checked.error.message}` }));
    }
    return this.call('submitOperation', { params: { operation }, body: checked.data, okStatuses: [200, 202] });
  }

  jobs(): Promise<JobList> {
    return this.call('jobs', {});
  }

  job(id: string): Promise<Job> {
    return this.call('job', { params: { id } });
  }

  cancelJob(id: string): Promise<Job> {
    return this.call('cancelJob', { params: { id } });
  }

  /** Polls a job until it is SUCCEEDED, FAILED or CANCELLED; bounded by timeoutMs and JOB_POLLS_MAX. */
  async waitForJob(id: string, options: WaitForJobOptions): Promise<Job> {
    const polls = Math.min(JOB_POLLS_MAX, Math.max(1, Math.ceil(options.timeoutMs / Math.max(1, options.pollIntervalMs))));
    for (let i = 0; i < polls; i++) {
      const job = await this.job(id);
      options.onProgress?.(job);
      if (TERMINAL_JOB_STATES.has(job.state)) return job;
      await options.sleep(options.pollIntervalMs);
    }
    throw new ManagementApiError({ code: 'MGMT_ERR_TIMEOUT', status: null, message: `job ${id} not finished after ${options.timeoutMs} ms` });
  }

  private async call<T>(name: RouteName, args: {
    params?: Record<string, string>;
    query?: Record<string, string | undefined>;
    body?: unknown;
    okStatuses?: readonly number[];
  }): Promise<T> {
    const route: RouteSpec = ROUTES[name];
    let path = routePath(route, args.params);
    if (args.query !== undefined) {
      const search = new URLSearchParams();
      for (const [k, v] of Object.entries(args.query)) if (v !== undefined) search.set(k, v);
      const s = search.toString();
      if (s !== '') path += `?${s}`;
    }
    const { status, text } = await this.send(route, path, args.body);
    const ok = args.okStatuses ?? [route.successStatus];
    if (!ok.includes(status)) throw this.errorFrom(status, text);
    return this.parse(route.response, text, status) as T;
  }

  private async send(route: RouteSpec, path: string, body: unknown): Promise<{ status: number; text: string }> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (route.auth && this.token !== undefined) headers.authorization = `${AUTH_SCHEME} ${this.token}`;
    const init: Parameters<FetchLike>[1] = { method: route.method, headers, signal: AbortSignal.timeout(this.timeoutMs) };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const url = `${this.baseUrl}${path}`;
    try {
      const response = await this.fetchFn(url, init);
      const text = await response.text();
      if (text.length > RESPONSE_CHARS_MAX) {
        throw new ManagementApiError({ code: 'MGMT_ERR_BAD_RESPONSE', status: response.status, message: `${route.method} ${url}: answer above ${RESPONSE_CHARS_MAX} chars` });
      }
      return { status: response.status, text };
    } catch (error) {
      if (error instanceof ManagementApiError) throw error;
      const e = error as { name?: string; message?: string };
      if (e.name === 'TimeoutError' || e.name === 'AbortError') {
        throw new ManagementApiError({ code: 'MGMT_ERR_TIMEOUT', status: null, message: `${route.method} ${url}: no answer within ${this.timeoutMs} ms` });
      }
      throw new ManagementApiError({ code: 'MGMT_ERR_CONNECTION', status: null, message: `${route.method} ${url}: ${e.message ?? String(error)}` });
    }
  }

  private parse<S extends z.ZodType>(schema: S, text: string, status: number): z.infer<S> {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ManagementApiError({ code: 'MGMT_ERR_BAD_RESPONSE', status, message: `answer is not JSON: ${text.slice(0, 200)}` });
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new ManagementApiError({ code: 'MGMT_ERR_BAD_RESPONSE', status, message: `answer does not match the contract: ${parsed.error.message.slice(0, 1000)}` });
    }
    return parsed.data;
  }

  private errorFrom(status: number, text: string): ManagementApiError {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const body = ErrorBodySchema.safeParse(json);
    if (body.success) {
      return new ManagementApiError({ code: body.data.error.code, status, message: body.data.error.message, jobId: body.data.error.jobId });
    }
    const code: ClientErrorCode = status === 401 ? 'MGMT_ERR_UNAUTHORIZED' : status === 404 ? 'MGMT_ERR_NOT_FOUND' : status >= 500 ? 'MGMT_ERR_INTERNAL' : 'MGMT_ERR_BAD_RESPONSE';
    return new ManagementApiError({ code, status, message: `HTTP ${status}: ${text.slice(0, 200)}` });
  }
}
