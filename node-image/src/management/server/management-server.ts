// The node's management HTTP server (docs/design/management-api.md is the contract, and
// docs/design/management-server.md this implementation): routes by the contract's ROUTES, checks
// the bearer token before anything else of a protected request is looked at, validates queries
// and bodies with the contract's schemas, answers errors in the contract's shape, and validates
// its own answers so a backend cannot drift from the contract unnoticed.
import type { z } from 'zod';
import type { Clock, HttpRequest, HttpResponse, Listener, Logger, Network, Random, Timers } from '../../io/index.ts';
import { assertNever } from '../../lib/index.ts';
import {
  ErrorBodySchema, METRICS_PATH, OperationSchema, REQUEST_BODY_BYTES_MAX, ROUTES, matchRoute, operationBodySchema, type ErrorBody, type Job,
  type Liveness, type ManagementErrorCode, type Operation, type Readiness, type RouteName, type RouteSpec, type NotReadyReason,
} from '../contract/index.ts';
import { BearerTokenCheck } from './bearer-token.ts';
import { JobTable } from './job-table.ts';
import type { ManagementBackend, ParsedOperationRequest } from './management-backend.ts';
import { ManagementError, badRequest, notFound } from './management-error.ts';

/** Where /metrics comes from (the node's Prometheus registry). */
export interface MetricsEndpoint {
  scrape(): Promise<{ readonly contentType: string; readonly body: string }>;
}

export interface ManagementServerOptions {
  readonly network: Network;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly random: Random;
  readonly logger: Logger;
  readonly backend: ManagementBackend;
  /** The bearer token; null keeps every protected route closed (401). */
  readonly token: string | null;
  readonly metrics?: MetricsEndpoint | null;
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** Also listen on these hosts, on the port the first listener got (127.0.0.1 for a preStop hook). Failures are logged, not fatal. */
  readonly extraHosts?: readonly string[];
  /** Called once per answered request with the route name (or 'metrics', 'unknown') and status. */
  readonly onRequest?: (route: string, status: number) => void;
  readonly runningJobsMax?: number;
  readonly finishedJobsMax?: number;
  /** Called when a job finishes (metrics). */
  readonly onJobFinished?: (job: Job) => void;
}

/** How long close() waits for running jobs (a drain's flush) before the node stops anyway. */
export const CLOSE_JOBS_WAIT_MS = 60_000;

const JSON_HEADERS: Readonly<Record<string, string>> = { 'content-type': 'application/json', 'cache-control': 'no-store' };
/** Error messages in answers are cut to what ErrorBodySchema accepts. */
const ERROR_MESSAGE_CHARS_MAX = 4096;

export class ManagementServer {
  readonly jobs: JobTable;
  private readonly options: ManagementServerOptions;
  private readonly logger: Logger;
  private readonly backend: ManagementBackend;
  private readonly auth: BearerTokenCheck;
  private readonly listeners: Listener[] = [];
  private closing: Promise<void> | null = null;

  constructor(options: ManagementServerOptions) {
    this.options = options;
    this.logger = options.logger.child({ component: 'management' });
    this.backend = options.backend;
    this.auth = new BearerTokenCheck(options.token);
    this.jobs = new JobTable({
      clock: options.clock,
      random: options.random,
      logger: this.logger,
      ...(options.runningJobsMax === undefined ? {} : { runningJobsMax: options.runningJobsMax }),
      ...(options.finishedJobsMax === undefined ? {} : { finishedJobsMax: options.finishedJobsMax }),
      ...(options.onJobFinished === undefined ? {} : { onFinished: options.onJobFinished }),
    });
  }

  /** Binds the main address (failure is fatal) and the extra ones (failures logged). */
  async start(): Promise<{ host: string; port: number }> {
    const handler = (request: HttpRequest): Promise<HttpResponse> => this.handle(request);
    // The network stops reading a body beyond the bound and answers this itself.
    const bodyTooLarge = this.errorResponse(new ManagementError('MGMT_ERR_PAYLOAD_TOO_LARGE', `request body above ${REQUEST_BODY_BYTES_MAX} bytes`));
    const limits = { bodyBytesMax: REQUEST_BODY_BYTES_MAX, bodyTooLarge };
    const main = await this.options.network.listenHttp({ host: this.options.host, port: this.options.port, ...limits }, handler);
    this.listeners.push(main);
    for (const host of this.options.extraHosts ?? []) {
      if (host === main.host) continue;
      try {
        this.listeners.push(await this.options.network.listenHttp({ host, port: main.port, ...limits }, handler));
      } catch (error) {
        this.logger.warn({ host, port: main.port, err: error }, 'management API not reachable on an extra address');
      }
    }
    if (!this.auth.configured) this.logger.warn({}, 'no management token configured: every protected route answers 401');
    this.logger.info({ addresses: this.listeners.map((l) => `${l.host}:${l.port}`) }, 'management API listening');
    return { host: main.host, port: main.port };
  }

  /**
   * Stops listening and waits for running jobs (cancellable ones are cancelled), at most
   * CLOSE_JOBS_WAIT_MS. Safe to call twice.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const listeners = this.listeners.splice(0);
      await Promise.all(listeners.map((l) => l.close()));
      let timer: { cancel(): void } | null = null;
      const waited = await Promise.race([
        this.jobs.close().then(() => true),
        new Promise<false>((resolve) => {
          timer = this.options.timers.setTimeout(() => resolve(false), CLOSE_JOBS_WAIT_MS);
        }),
      ]);
      (timer as { cancel(): void } | null)?.cancel();
      if (!waited) this.logger.warn({ jobs: this.jobs.list().filter((j) => j.state === 'RUNNING').map((j) => j.id) }, 'stopping with jobs still running');
    })();
    return this.closing;
  }

  /** One request to one answer; never rejects. Public for tests (no socket needed). */
  async handle(request: HttpRequest): Promise<HttpResponse> {
    let routeLabel = 'unknown';
    let response: HttpResponse;
    try {
      const { answer, label } = await this.dispatch(request);
      routeLabel = label;
      response = answer;
    } catch (error) {
      response = this.errorResponse(error);
    }
    this.options.onRequest?.(routeLabel, response.status);
    return response;
  }

  private async dispatch(request: HttpRequest): Promise<{ answer: HttpResponse; label: string }> {
    const queryAt = request.url.indexOf('?');
    const path = queryAt < 0 ? request.url : request.url.slice(0, queryAt);
    const queryText = queryAt < 0 ? '' : request.url.slice(queryAt + 1);
    if (path === METRICS_PATH) {
      if (request.method !== 'GET') throw new ManagementError('MGMT_ERR_METHOD_NOT_ALLOWED', `${request.method} ${path} is not allowed`);
      return { answer: await this.metrics(), label: 'metrics' };
    }
    let match: ReturnType<typeof matchRoute>;
    let malformedPath = false;
    try {
      match = matchRoute(request.method, path);
    } catch {
      match = undefined; // decodeURIComponent failed
      malformedPath = true;
    }
    const open = typeof match === 'object' && !ROUTES[match.name].auth;
    // The token is checked before the path's parameters, the query or the body are looked at.
    if (!open && !this.auth.matches(request.headers['authorization'])) {
      throw new ManagementError('MGMT_ERR_UNAUTHORIZED', this.auth.configured ? 'missing or wrong bearer token' : 'no management token is configured on this node');
    }
    if (malformedPath) throw badRequest(`malformed path ${path.slice(0, 200)}`);
    if (match === undefined) throw notFound(`no route ${request.method} ${path.slice(0, 200)}`);
    if (match === 'method-not-allowed') throw new ManagementError('MGMT_ERR_METHOD_NOT_ALLOWED', `${request.method} ${path.slice(0, 200)} is not allowed`);
    if (request.body.length > REQUEST_BODY_BYTES_MAX) {
      throw new ManagementError('MGMT_ERR_PAYLOAD_TOO_LARGE', `request body of ${request.body.length} bytes (at most ${REQUEST_BODY_BYTES_MAX})`);
    }
    const answer = await this.route(match.name, match.params, queryText, request.body);
    return { answer, label: match.name };
  }

  private async route(name: RouteName, params: Readonly<Record<string, string>>, queryText: string, body: Buffer): Promise<HttpResponse> {
    const backend = this.backend;
    const spec: RouteSpec = ROUTES[name];
    switch (name) {
      case 'liveness': {
        const live: Liveness = { status: 'alive', uptimeMs: Math.max(0, Math.floor(backend.uptimeMs())) };
        return this.answer(spec, 200, live);
      }
      case 'readiness': {
        const readiness = this.readiness();
        return this.answer(spec, readiness.ready ? 200 : 503, readiness);
      }
      case 'nodeInfo':
        return this.answer(spec, 200, await backend.nodeInfo());
      case 'clusterView':
        return this.answer(spec, 200, await backend.clusterView());
      case 'ring': {
        const query = parseWith(ROUTES.ring.query, queryFrom(queryText), 'query');
        return this.answer(spec, 200, await backend.ring(query.keyspace ?? null));
      }
      case 'schemaVersions':
        return this.answer(spec, 200, await backend.schemaVersions());
      case 'keyspaces':
        return this.answer(spec, 200, await backend.keyspaces());
      case 'setReplication': {
        const keyspace = params['keyspace']!;
        const request = parseWith(ROUTES.setReplication.body, jsonBody(body), 'body');
        return this.answer(spec, 200, await backend.setReplication(keyspace, request));
      }
      case 'tableStats': {
        const query = parseWith(ROUTES.tableStats.query, queryFrom(queryText), 'query');
        return this.answer(spec, 200, await backend.tableStats({ keyspace: query.keyspace, table: query.table }));
      }
      case 'compactions':
        return this.answer(spec, 200, await backend.compactions());
      case 'compactionThroughput': {
        if (backend.compactionThroughput === undefined) throw new ManagementError('MGMT_ERR_UNAVAILABLE', 'this node does not report its compaction throughput');
        return this.answer(spec, 200, await backend.compactionThroughput());
      }
      case 'setCompactionThroughput': {
        if (backend.setCompactionThroughput === undefined) throw new ManagementError('MGMT_ERR_UNAVAILABLE', 'this node cannot change its compaction throughput');
        const request = parseWith(ROUTES.setCompactionThroughput.body, jsonBody(body), 'body');
        return this.answer(spec, 200, await backend.setCompactionThroughput(request));
      }
      case 'streams':
        return this.answer(spec, 200, await backend.streams());
      case 'submitOperation': {
        const operation = OperationSchema.safeParse(params['operation']);
        if (!operation.success) throw notFound(`no operation ${String(params['operation']).slice(0, 100)}`);
        const { job, created } = this.submit(operation.data, body);
        return this.answer(spec, created ? 202 : 200, job);
      }
      case 'jobs':
        return this.answer(spec, 200, { jobs: this.jobs.list() });
      case 'job': {
        const job = this.jobs.get(params['id']!);
        if (job === undefined) throw notFound(`no job ${params['id']!.slice(0, 128)} (jobs live in memory; a restarted node forgets them)`);
        return this.answer(spec, 200, job);
      }
      case 'cancelJob':
        return this.answer(spec, 200, this.jobs.cancel(params['id']!));
      default:
        return assertNever(name);
    }
  }

  private submit(operation: Operation, body: Buffer): { job: Job; created: boolean } {
    const request = parseWith(operationBodySchema(operation), jsonBody(body), 'body') as ParsedOperationRequest<Operation> & { requestId?: string };
    return this.jobs.submit(operation, request.requestId, () => this.backend.prepareOperation(operation, request));
  }

  private readiness(): Readiness {
    const mode = this.backend.operationMode();
    const nativeTransportRunning = this.backend.nativeTransportRunning();
    const reasons: NotReadyReason[] = [];
    if (mode === 'STARTING') reasons.push('STARTING');
    else if (mode === 'DRAINED' || mode === 'DRAINING') reasons.push('DRAINED');
    else if (mode !== 'NORMAL') reasons.push('NOT_NORMAL');
    if (!nativeTransportRunning) reasons.push('NATIVE_TRANSPORT_DOWN');
    return { ready: reasons.length === 0, operationMode: mode, nativeTransportRunning, reasons };
  }

  private async metrics(): Promise<HttpResponse> {
    const metrics = this.options.metrics;
    if (metrics == null) throw notFound('no metrics registry on this node');
    const { contentType, body } = await metrics.scrape();
    return { status: 200, headers: { 'content-type': contentType, 'cache-control': 'no-store' }, body };
  }

  /** Serializes an answer after checking it against the route's response schema. */
  private answer(spec: RouteSpec, status: number, value: unknown): HttpResponse {
    const checked = spec.response.safeParse(value);
    if (!checked.success) {
      this.logger.error({ path: spec.path, issues: checked.error.issues.slice(0, 5) }, 'answer does not match the contract');
      throw new ManagementError('MGMT_ERR_INTERNAL', `answer of ${spec.method} ${spec.path} does not match the contract: ${checked.error.message.slice(0, 1000)}`);
    }
    return { status, headers: JSON_HEADERS, body: JSON.stringify(checked.data) };
  }

  private errorResponse(error: unknown): HttpResponse {
    let code: ManagementErrorCode = 'MGMT_ERR_INTERNAL';
    let message: string;
    let jobId: string | undefined;
    let status = 500;
    if (error instanceof ManagementError) {
      code = error.code;
      message = error.message;
      jobId = error.jobId;
      status = error.status;
    } else {
      message = error instanceof Error ? error.message : String(error);
      this.logger.error({ err: error }, 'management request failed');
    }
    const body: ErrorBody = { error: { code, message: message.slice(0, ERROR_MESSAGE_CHARS_MAX), ...(jobId === undefined ? {} : { jobId }) } };
    return { status, headers: JSON_HEADERS, body: JSON.stringify(ErrorBodySchema.parse(body)) };
  }
}

function queryFrom(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(text)) out[k] = v;
  return out;
}

function jsonBody(body: Buffer): unknown {
  if (body.length === 0) return {};
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw badRequest(`body is not JSON: ${(error as Error).message}`);
  }
}

function parseWith<S extends z.ZodType>(schema: S | undefined, value: unknown, what: string): z.output<S> {
  if (schema === undefined) return value as z.output<S>;
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw badRequest(`invalid ${what}: ${issues.slice(0, 2000)}`);
  }
  return parsed.data;
}
