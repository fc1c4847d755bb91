import { describe, expect, it } from 'vitest';
import {
  BASE_PATH,
  JobSchema,
  MANAGEMENT_ERROR_CODES,
  NodeInfoSchema,
  OPERATIONS,
  OPERATION_REQUEST_SCHEMAS,
  RepairRequestSchema,
  ROUTES,
  matchRoute,
  routePath,
  type RouteName,
} from './index.ts';
import { sampleNodeInfo } from './samples.ts';


describe('route table', () => {
  it('fills and matches every route path', () => {
    for (const [name, route] of Object.entries(ROUTES) as Array<[RouteName, (typeof ROUTES)[RouteName]]>) {
      const params: Record<string, string> = { keyspace: 'ks1', operation: 'repair', id: 'job-1' };
      const path = routePath(route, params);
      expect(path.startsWith(`${BASE_PATH}/`)).toBe(true);
      const m = matchRoute(route.method, path);
      expect(m).not.toBe(undefined);
      expect(m).not.toBe('method-not-allowed');
      if (typeof m === 'object') {
        // GET and DELETE /jobs/{id} share a path; the method decides.
        expect(ROUTES[m.name].method).toBe(route.method);
        expect(ROUTES[m.name].path).toBe(route.path);
        if (route.path.includes('{id}')) expect(m.params.id).toBe('job-1');
      }
      void name;
    }
  });

  it('encodes and decodes parameters', () => {
    const path = routePath(ROUTES.job, { id: 'a/b c' });
    expect(path).toBe('/api/v1/jobs/a%2Fb%20c');
    expect(matchRoute('GET', path)).toEqual({ name: 'job', params: { id: 'a/b c' } });
  });

  it('tells unknown paths from wrong methods', () => {
    expect(matchRoute('GET', '/api/v1/nope')).toBe(undefined);
    expect(matchRoute('GET', '/other')).toBe(undefined);
    expect(matchRoute('POST', '/api/v1/node')).toBe('method-not-allowed');
    expect(matchRoute('POST', '/api/v1/ops/decommission')).toEqual({ name: 'submitOperation', params: { operation: 'decommission' } });
  });

  it('protects everything but the probes', () => {
    const open = Object.entries(ROUTES).filter(([, r]) => !r.auth).map(([n]) => n).sort();
    expect(open).toEqual(['liveness', 'readiness']);
  });

  it('has a request schema for every operation', () => {
    for (const op of OPERATIONS) expect(OPERATION_REQUEST_SCHEMAS[op]).toBeDefined();
  });
});

describe('schemas', () => {
  it('accepts a node info and rejects a token that is not a decimal int64', () => {
    expect(NodeInfoSchema.parse(sampleNodeInfo).tokens).toHaveLength(3);
    expect(NodeInfoSchema.safeParse({ ...sampleNodeInfo, tokens: ['0x10'] }).success).toBe(false);
    expect(NodeInfoSchema.safeParse({ ...sampleNodeInfo, operationMode: 'FLYING' }).success).toBe(false);
  });

  it('defaults repair to full primary-range and pairs subrange tokens', () => {
    expect(RepairRequestSchema.parse({})).toEqual({ primaryRange: true, full: true, intensity: 1 });
    expect(RepairRequestSchema.safeParse({ startToken: '1' }).success).toBe(false);
    expect(RepairRequestSchema.safeParse({ startToken: '1', endToken: '5' }).success).toBe(true);
    expect(RepairRequestSchema.safeParse({ intensity: 0 }).success).toBe(false);
  });

  it('validates jobs', () => {
    const job = {
      id: 'j1', operation: 'decommission', requestId: null, state: 'RUNNING', submittedAtMs: 1, startedAtMs: 2,
      finishedAtMs: null, progress: { unit: 'ranges', done: 1, total: 4, message: 'streaming' }, error: null,
      cancellable: false, result: {},
    };
    expect(JobSchema.parse(job).state).toBe('RUNNING');
    expect(JobSchema.safeParse({ ...job, error: { code: 'NOPE', message: 'x' } }).success).toBe(false);
  });

  it('maps every error code to an HTTP error status', () => {
    for (const status of Object.values(MANAGEMENT_ERROR_CODES)) expect(status).toBeGreaterThanOrEqual(400);
  });
});
