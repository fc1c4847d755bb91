import { describe, expect, it } from 'vitest';
import { ManagementApiError, ManagementClient, type FetchLike } from './index.ts';
import type { Job } from '../contract/index.ts';
import { sampleNodeInfo } from '../contract/samples.ts';

interface Call { url: string; method: string; headers: Record<string, string>; body?: string }

function fakeFetch(answer: (call: Call) => { status: number; body: unknown }): { fetch: FetchLike; calls: Call[] } {
  const calls: Call[] = [];
  const fetch: FetchLike = async (url, init) => {
    const call: Call = { url, method: init.method, headers: init.headers };
    if (init.body !== undefined) call.body = init.body;
    calls.push(call);
    const { status, body } = answer(call);
    return { status, text: async () => (typeof body === 'string' ? body : JSON.stringify(body)) };
  };
  return { fetch, calls };
}

function job(state: Job['state'], done = 0): Job {
  return {
    id: 'j1', operation: 'repair', requestId: 'r1', state, submittedAtMs: 1, startedAtMs: 1, finishedAtMs: null,
    progress: { unit: 'ranges', done, total: 3, message: '' }, error: null, cancellable: true, result: {},
  };
}

describe('ManagementClient', () => {
  it('sends the bearer token on protected routes only', async () => {
    const { fetch, calls } = fakeFetch((c) => c.url.endsWith('/probes/liveness')
      ? { status: 200, body: { status: 'alive', uptimeMs: 5 } }
      : { status: 200, body: sampleNodeInfo });
    const client = new ManagementClient({ baseUrl: 'http://10.0.0.1:8080/', token: 'secret-token-123456', fetch });
    await client.liveness();
    const info = await client.nodeInfo();
    expect(info.hostId).toBe(sampleNodeInfo.hostId);
    expect(calls[0]!.url).toBe('http://10.0.0.1:8080/api/v1/probes/liveness');
    expect(calls[0]!.headers.authorization).toBe(undefined);
    expect(calls[1]!.headers.authorization).toBe('Bearer secret-token-123456');
  });

  it('returns readiness for 503 too', async () => {
    const { fetch } = fakeFetch(() => ({ status: 503, body: { ready: false, operationMode: 'JOINING', nativeTransportRunning: false, reasons: ['NOT_NORMAL'] } }));
    const r = await new ManagementClient({ baseUrl: 'http://x', fetch }).readiness();
    expect(r.ready).toBe(false);
    expect(r.reasons).toEqual(['NOT_NORMAL']);
  });

  it('submits operations with defaults applied, accepting 200 and 202', async () => {
    let status = 202;
    const { fetch, calls } = fakeFetch(() => ({ status, body: job('PENDING') }));
    const client = new ManagementClient({ baseUrl: 'http://x', token: 't'.repeat(16), fetch });
    await client.submit('repair', { requestId: 'r1', keyspace: 'ks' });
    expect(calls[0]!.method).toBe('POST');
    expect(calls[0]!.url).toBe('http://x/api/v1/ops/repair');
    expect(JSON.parse(calls[0]!.body!)).toEqual({ requestId: 'r1', keyspace: 'ks', primaryRange: true, full: true, intensity: 1 });
    status = 200;
    expect((await client.submit('repair', { requestId: 'r1' })).id).toBe('j1');
  });

  it('refuses an invalid request without sending it', async () => {
    const { fetch, calls } = fakeFetch(() => ({ status: 202, body: job('PENDING') }));
    const client = new ManagementClient({ baseUrl: 'http://x', fetch });
    await expect(client.submit('removenode', { hostId: 'not-a-uuid' })).rejects.toMatchObject({ code: 'MGMT_ERR_BAD_REQUEST' });
    expect(calls).toHaveLength(0);
  });

  it('maps error bodies to typed errors', async () => {
    const { fetch } = fakeFetch(() => ({ status: 409, body: { error: { code: 'MGMT_ERR_OPERATION_IN_PROGRESS', message: 'decommission running', jobId: 'j9' } } }));
    const client = new ManagementClient({ baseUrl: 'http://x', fetch });
    const error = await client.submit('drain', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ManagementApiError);
    expect(error).toMatchObject({ code: 'MGMT_ERR_OPERATION_IN_PROGRESS', status: 409, jobId: 'j9' });
  });

  it('maps bare statuses, bad JSON and contract mismatches', async () => {
    let answer: { status: number; body: unknown } = { status: 401, body: 'nope' };
    const { fetch } = fakeFetch(() => answer);
    const client = new ManagementClient({ baseUrl: 'http://x', fetch });
    await expect(client.nodeInfo()).rejects.toMatchObject({ code: 'MGMT_ERR_UNAUTHORIZED', status: 401 });
    answer = { status: 200, body: '{not json' };
    await expect(client.nodeInfo()).rejects.toMatchObject({ code: 'MGMT_ERR_BAD_RESPONSE' });
    answer = { status: 200, body: { ...sampleNodeInfo, loadBytes: -1 } };
    await expect(client.nodeInfo()).rejects.toMatchObject({ code: 'MGMT_ERR_BAD_RESPONSE' });
  });

  it('reports timeouts and connection failures', async () => {
    const timeoutFetch: FetchLike = async () => {
      throw Object.assign(new Error('aborted'), { name: 'TimeoutError' });
    };
    await expect(new ManagementClient({ baseUrl: 'http://x', fetch: timeoutFetch, timeoutMs: 10 }).nodeInfo())
      .rejects.toMatchObject({ code: 'MGMT_ERR_TIMEOUT', status: null });
    const refusedFetch: FetchLike = async () => {
      throw new TypeError('fetch failed');
    };
    await expect(new ManagementClient({ baseUrl: 'http://x', fetch: refusedFetch }).nodeInfo())
      .rejects.toMatchObject({ code: 'MGMT_ERR_CONNECTION' });
  });

  it('waits for a job with an injected sleep and a bounded number of polls', async () => {
    const states: Job[] = [job('PENDING'), job('RUNNING', 1), job('RUNNING', 2), { ...job('SUCCEEDED', 3), finishedAtMs: 9 }];
    let i = 0;
    const { fetch, calls } = fakeFetch(() => ({ status: 200, body: states[Math.min(i++, states.length - 1)] }));
    const client = new ManagementClient({ baseUrl: 'http://x', fetch });
    const slept: number[] = [];
    const seen: number[] = [];
    const done = await client.waitForJob('j1', {
      pollIntervalMs: 50, timeoutMs: 1000, sleep: async (ms) => { slept.push(ms); }, onProgress: (j) => seen.push(j.progress.done),
    });
    expect(done.state).toBe('SUCCEEDED');
    expect(calls.every((c) => c.url === 'http://x/api/v1/jobs/j1')).toBe(true);
    expect(slept).toEqual([50, 50, 50]);
    expect(seen).toEqual([0, 1, 2, 3]);

    i = 0;
    const stuck = fakeFetch(() => ({ status: 200, body: job('RUNNING') }));
    const c2 = new ManagementClient({ baseUrl: 'http://x', fetch: stuck.fetch });
    await expect(c2.waitForJob('j1', { pollIntervalMs: 100, timeoutMs: 300, sleep: async () => {} })).rejects.toMatchObject({ code: 'MGMT_ERR_TIMEOUT' });
    expect(stuck.calls).toHaveLength(3);
  });

  it('rejects an unbounded timeout', () => {
    expect(() => new ManagementClient({ baseUrl: 'http://x', timeoutMs: 0 })).toThrow(RangeError);
  });
});
