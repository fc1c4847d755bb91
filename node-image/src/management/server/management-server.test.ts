import { describe, expect, it } from 'vitest';
import type { HttpRequest, HttpResponse } from '../../io/index.ts';
import { silentLogger } from '../../io/index.ts';
import { ManualClock } from '../../storage/testing/engine-harness.ts';
import { ErrorBodySchema, JobSchema, REQUEST_BODY_BYTES_MAX, ReadinessSchema } from '../contract/index.ts';
import { FakeBackend } from './fake-backend.ts';
import { ManagementServer } from './management-server.ts';
import { refused } from './management-error.ts';

const TOKEN = 'a'.repeat(64);

function setup(options: { token?: string | null; onTimer?: (fn: () => void, ms: number) => void } = {}) {
  const backend = new FakeBackend();
  const clock = new ManualClock();
  let seed = 7;
  const random = { nextUint32: () => (seed = (seed * 1664525 + 1013904223) >>> 0), nextFloat: () => 0.5, fillBytes: () => {} };
  const requests: Array<[string, number]> = [];
  const server = new ManagementServer({
    network: { listen: unusable, connect: unusable, listenHttp: unusable },
    clock, random, logger: silentLogger, backend,
    timers: {
      setTimeout: (fn: () => void, ms: number) => {
        options.onTimer?.(fn, ms);
        return { cancel: () => {} };
      },
      setInterval: () => ({ cancel: () => {} }),
      setImmediate: () => ({ cancel: () => {} }),
    },
    token: options.token === undefined ? TOKEN : options.token,
    metrics: { scrape: async () => ({ contentType: 'text/plain; version=0.0.4', body: 'cassia_up 1\n' }) },
    host: '127.0.0.1', port: 0,
    onRequest: (route, status) => requests.push([route, status]),
  });
  const call = (method: string, url: string, init: { body?: unknown; token?: string | null; raw?: Buffer } = {}): Promise<HttpResponse> => {
    const token = init.token === undefined ? TOKEN : init.token;
    const body = init.raw ?? (init.body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(init.body)));
    const request: HttpRequest = {
      method, url, body, remoteAddress: '127.0.0.1',
      headers: token === null ? {} : { authorization: `Bearer ${token}` },
    };
    return server.handle(request);
  };
  return { backend, clock, server, call, requests };
}

async function unusable(): Promise<never> {
  throw new Error('no network in unit tests');
}

function json(response: HttpResponse): unknown {
  return JSON.parse(String(response.body));
}

function errorCode(response: HttpResponse): string {
  return ErrorBodySchema.parse(json(response)).error.code;
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

describe('management server: auth', () => {
  it('answers 401 without or with a wrong token, before anything else', async () => {
    const { call, backend } = setup();
    for (const token of [null, 'b'.repeat(64), `${TOKEN}x`, '']) {
      const r = await call('POST', '/api/v1/ops/flush', { token, raw: Buffer.from('{not json') });
      expect(r.status).toBe(401);
      expect(errorCode(r)).toBe('MGMT_ERR_UNAUTHORIZED');
    }
    // Unknown paths and malformed parameters do not reveal anything without a token either.
    expect((await call('GET', '/api/v1/nope', { token: null })).status).toBe(401);
    expect((await call('GET', '/api/v1/jobs/%E0%A4%A', { token: null })).status).toBe(401);
    expect(backend.prepared).toHaveLength(0);
  });

  it('keeps probes and /metrics open', async () => {
    const { call } = setup();
    const live = await call('GET', '/api/v1/probes/liveness', { token: null });
    expect(live.status).toBe(200);
    expect(json(live)).toEqual({ status: 'alive', uptimeMs: 1234 });
    expect((await call('GET', '/api/v1/probes/readiness', { token: null })).status).toBe(200);
    const metrics = await call('GET', '/metrics', { token: null });
    expect(metrics.status).toBe(200);
    expect(metrics.headers['content-type']).toContain('text/plain');
    expect(String(metrics.body)).toContain('cassia_up 1');
  });

  it('refuses protected routes when no token is configured', async () => {
    const { call } = setup({ token: null });
    const r = await call('GET', '/api/v1/node', { token: 'x'.repeat(20) });
    expect(r.status).toBe(401);
    expect((await call('GET', '/api/v1/probes/liveness', { token: null })).status).toBe(200);
  });

  it('accepts the scheme in any case', async () => {
    const { server } = setup();
    const r = await server.handle({ method: 'GET', url: '/api/v1/node', body: Buffer.alloc(0), remoteAddress: undefined, headers: { authorization: `bearer ${TOKEN}` } });
    expect(r.status).toBe(200);
  });
});

describe('management server: routing and validation', () => {
  it('answers 404, 405, 400 and 413 in the contract shape', async () => {
    const { call } = setup();
    const cases: Array<[Promise<HttpResponse>, number, string]> = [
      [call('GET', '/api/v1/nope'), 404, 'MGMT_ERR_NOT_FOUND'],
      [call('GET', '/elsewhere'), 404, 'MGMT_ERR_NOT_FOUND'],
      [call('POST', '/api/v1/node'), 405, 'MGMT_ERR_METHOD_NOT_ALLOWED'],
      [call('POST', '/metrics'), 405, 'MGMT_ERR_METHOD_NOT_ALLOWED'],
      [call('POST', '/api/v1/ops/fly'), 404, 'MGMT_ERR_NOT_FOUND'],
      [call('POST', '/api/v1/ops/flush', { raw: Buffer.from('{not json') }), 400, 'MGMT_ERR_BAD_REQUEST'],
      [call('POST', '/api/v1/ops/removenode', { body: { hostId: 'not-a-uuid' } }), 400, 'MGMT_ERR_BAD_REQUEST'],
      [call('POST', '/api/v1/ops/repair', { body: { startToken: '1' } }), 400, 'MGMT_ERR_BAD_REQUEST'],
      [call('PUT', '/api/v1/schema/keyspaces/ks/replication', { body: { datacenters: { dc1: 99 } } }), 400, 'MGMT_ERR_BAD_REQUEST'],
      [call('GET', '/api/v1/ring?keyspace=missing'), 404, 'MGMT_ERR_NOT_FOUND'],
      [call('GET', '/api/v1/jobs/nope'), 404, 'MGMT_ERR_NOT_FOUND'],
      [call('GET', '/api/v1/jobs/%E0%A4%A'), 400, 'MGMT_ERR_BAD_REQUEST'],
      [call('POST', '/api/v1/ops/flush', { raw: Buffer.alloc(REQUEST_BODY_BYTES_MAX + 1, 32) }), 413, 'MGMT_ERR_PAYLOAD_TOO_LARGE'],
    ];
    for (const [promise, status, code] of cases) {
      const r = await promise;
      expect([r.status, errorCode(r)]).toEqual([status, code]);
    }
  });

  it('passes validated queries and bodies to the backend', async () => {
    const { call, backend } = setup();
    const ring = await call('GET', '/api/v1/ring?keyspace=ks1&other=1');
    expect(json(ring)).toMatchObject({ keyspace: 'ks1' });
    const r = await call('PUT', '/api/v1/schema/keyspaces/ks/replication', { body: { datacenters: { dc1: 3, dc2: 1 } } });
    expect(r.status).toBe(200);
    expect(backend.replicationCalls).toEqual([{ keyspace: 'ks', request: { datacenters: { dc1: 3, dc2: 1 } } }]);
  });

  it('reports readiness from the mode and the CQL listener', async () => {
    const { call, backend } = setup();
    backend.mode = 'DRAINED';
    backend.cqlRunning = false;
    const r = await call('GET', '/api/v1/probes/readiness', { token: null });
    expect(r.status).toBe(503);
    expect(ReadinessSchema.parse(json(r))).toEqual({ ready: false, operationMode: 'DRAINED', nativeTransportRunning: false, reasons: ['DRAINED', 'NATIVE_TRANSPORT_DOWN'] });
    backend.mode = 'JOINING';
    backend.cqlRunning = true;
    expect(json(await call('GET', '/api/v1/probes/readiness'))).toMatchObject({ ready: false, reasons: ['NOT_NORMAL'] });
  });

  it('answers 500 when the backend breaks the contract', async () => {
    const { call, backend } = setup();
    backend.node = { ...backend.node, loadBytes: -5 };
    const r = await call('GET', '/api/v1/node');
    expect(r.status).toBe(500);
    expect(errorCode(r)).toBe('MGMT_ERR_INTERNAL');
  });

  it('counts requests by route and status', async () => {
    const { call, requests } = setup();
    await call('GET', '/api/v1/node');
    await call('GET', '/api/v1/node', { token: null });
    await call('GET', '/metrics');
    expect(requests).toEqual([['nodeInfo', 200], ['unknown', 401], ['metrics', 200]]);
  });
});

describe('management server: jobs', () => {
  it('runs an operation as a job: 202, PENDING, RUNNING, SUCCEEDED with the result', async () => {
    const { call, backend } = setup();
    const r = await call('POST', '/api/v1/ops/flush', { body: { keyspace: 'ks' } });
    expect(r.status).toBe(202);
    const job = JobSchema.parse(json(r));
    expect(job.state).toBe('PENDING');
    await settle();
    expect(backend.started).toHaveLength(1);
    expect(backend.started[0]!.request).toEqual({ keyspace: 'ks' });
    backend.started[0]!.context.progress({ done: 1, total: 3, message: 'step 1' });
    expect(JobSchema.parse(json(await call('GET', `/api/v1/jobs/${job.id}`)))).toMatchObject({ state: 'RUNNING', progress: { done: 1, total: 3, message: 'step 1' } });
    backend.started[0]!.resolve({ tablesFlushed: 2 });
    await settle();
    const done = JobSchema.parse(json(await call('GET', `/api/v1/jobs/${job.id}`)));
    expect(done).toMatchObject({ state: 'SUCCEEDED', result: { tablesFlushed: 2 }, progress: { done: 3, total: 3 }, error: null });
    expect(done.finishedAtMs).not.toBe(null);
  });

  it('returns the same job for the same requestId (200) and starts nothing', async () => {
    const { call, backend, clock } = setup();
    const first = JobSchema.parse(json(await call('POST', '/api/v1/ops/repair', { body: { requestId: 'c/op-1/pod-0' } })));
    const again = await call('POST', '/api/v1/ops/repair', { body: { requestId: 'c/op-1/pod-0', keyspace: 'other' } });
    expect(again.status).toBe(200);
    expect(JobSchema.parse(json(again)).id).toBe(first.id);
    await settle();
    expect(backend.prepared).toHaveLength(1);
    // Finished jobs keep their requestId for the retention time...
    backend.started[0]!.reject(refused('no'));
    await settle();
    const failed = JobSchema.parse(json(await call('POST', '/api/v1/ops/repair', { body: { requestId: 'c/op-1/pod-0' } })));
    expect(failed).toMatchObject({ id: first.id, state: 'FAILED', error: { code: 'MGMT_ERR_REFUSED', message: 'no' } });
    // ...and not beyond.
    clock.advance(60 * 60 * 1000);
    const fresh = await call('POST', '/api/v1/ops/repair', { body: { requestId: 'c/op-1/pod-0' } });
    expect(fresh.status).toBe(202);
    expect(JobSchema.parse(json(fresh)).id).not.toBe(first.id);
  });

  it('runs exclusive operations one at a time', async () => {
    const { call, backend } = setup();
    const decommission = JobSchema.parse(json(await call('POST', '/api/v1/ops/decommission', { body: {} })));
    const drain = await call('POST', '/api/v1/ops/drain');
    expect(drain.status).toBe(409);
    expect(ErrorBodySchema.parse(json(drain)).error).toMatchObject({ code: 'MGMT_ERR_OPERATION_IN_PROGRESS', jobId: decommission.id });
    // Non-exclusive operations still run.
    expect((await call('POST', '/api/v1/ops/flush')).status).toBe(202);
    await settle();
    backend.started[0]!.resolve({});
    await settle();
    expect((await call('POST', '/api/v1/ops/drain')).status).toBe(202);
  });

  it('answers a backend refusal with 409 and creates no job', async () => {
    const { call, backend } = setup();
    backend.refuse = refused('last node in the cluster');
    const r = await call('POST', '/api/v1/ops/decommission', { body: { requestId: 'x' } });
    expect(r.status).toBe(409);
    expect(ErrorBodySchema.parse(json(r)).error).toEqual({ code: 'MGMT_ERR_REFUSED', message: 'last node in the cluster' });
    expect(json(await call('GET', '/api/v1/jobs'))).toEqual({ jobs: [] });
  });

  it('cancels cancellable jobs and refuses the others', async () => {
    const { call, backend } = setup();
    const repair = JobSchema.parse(json(await call('POST', '/api/v1/ops/repair')));
    await settle();
    const answer = await call('DELETE', `/api/v1/jobs/${repair.id}`);
    expect(answer.status).toBe(200);
    await settle();
    expect(JobSchema.parse(json(await call('GET', `/api/v1/jobs/${repair.id}`))).state).toBe('CANCELLED');
    backend.cancellable = false;
    const drain = JobSchema.parse(json(await call('POST', '/api/v1/ops/drain')));
    const refusedCancel = await call('DELETE', `/api/v1/jobs/${drain.id}`);
    expect(refusedCancel.status).toBe(409);
    expect(ErrorBodySchema.parse(json(refusedCancel)).error).toMatchObject({ code: 'MGMT_ERR_NOT_CANCELLABLE', jobId: drain.id });
  });

  it('fails a job whose operation throws, with MGMT_ERR_INTERNAL for unexpected errors', async () => {
    const { call, backend } = setup();
    const job = JobSchema.parse(json(await call('POST', '/api/v1/ops/cleanup')));
    await settle();
    backend.started[0]!.reject(new TypeError('boom'));
    await settle();
    expect(JobSchema.parse(json(await call('GET', `/api/v1/jobs/${job.id}`)))).toMatchObject({ state: 'FAILED', error: { code: 'MGMT_ERR_INTERNAL', message: 'boom' } });
  });

  it('lists jobs newest first', async () => {
    const { call } = setup();
    const a = JobSchema.parse(json(await call('POST', '/api/v1/ops/flush')));
    const b = JobSchema.parse(json(await call('POST', '/api/v1/ops/cleanup')));
    const list = json(await call('GET', '/api/v1/jobs')) as { jobs: Array<{ id: string }> };
    expect(list.jobs.map((j) => j.id)).toEqual([b.id, a.id]);
  });

  it('closes without waiting forever for a job that does not stop', async () => {
    let fire: (() => void) | null = null;
    const { call, server, backend } = setup({ onTimer: (fn, ms) => { expect(ms).toBe(60_000); fire = fn; } });
    backend.cancellable = false;
    await call('POST', '/api/v1/ops/decommission');
    await settle();
    let closed = false;
    const closing = server.close().then(() => { closed = true; });
    await settle();
    expect(closed).toBe(false);
    expect(fire).not.toBe(null);
    fire!();
    await closing;
    expect(closed).toBe(true);
    expect((await call('POST', '/api/v1/ops/flush')).status).toBe(503);
  });
});
