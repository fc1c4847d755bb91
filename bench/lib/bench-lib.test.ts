// Unit tests of the benchmark library (bench/lib): histogram accuracy, the stress workload's keys
// and values, and runLoad's bounds and accounting against a fake client. No I/O. They live here
// because the unit project only collects node-image, operator and scripts.
import type cassandra from 'cassandra-driver';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { bucketIndex, bucketUpperMicros } from './latency-histogram.ts';
import { LatencyHistogram, runLoad, stressKey, stressWorkload, uniformInts } from './index.ts';
import { readBenchEnv } from './bench-env.ts';
import { listeningInode, procTcpAddress, statCpuTicks } from './server-cpu.ts';

describe('LatencyHistogram', () => {
  test('buckets are monotone and contain their values', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 2 }), (v) => {
        const i = bucketIndex(v);
        expect(bucketUpperMicros(i)).toBeGreaterThanOrEqual(v);
        if (i > 0) expect(bucketUpperMicros(i - 1)).toBeLessThan(v);
        expect(bucketIndex(v + 1)).toBeGreaterThanOrEqual(i);
      }),
      { numRuns: 20_000 },
    );
  });

  test('quantiles are within 1/64 of the exact value', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 10_000_000 }), { minLength: 1, maxLength: 500 }), (values) => {
        const h = new LatencyHistogram();
        for (const v of values) h.recordMicros(v);
        const sorted = [...values].sort((a, b) => a - b);
        for (const q of [0.5, 0.99, 0.999, 1]) {
          const exact = sorted[Math.ceil(q * sorted.length) - 1]!;
          const got = h.quantileMicros(q);
          expect(got).toBeGreaterThanOrEqual(exact);
          expect(got).toBeLessThanOrEqual(exact + Math.max(0, exact / 64));
        }
      }),
    );
  });

  test('summary in milliseconds, merge adds counts', () => {
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    for (let i = 1; i <= 100; i++) a.recordMicros(i * 1000);
    b.recordMicros(500_000);
    a.merge(b);
    const s = a.summary();
    expect(s.count).toBe(101);
    expect(s.p50Ms).toBeCloseTo(51, 0);
    expect(s.maxMs).toBe(500);
  });
});

describe('stress workload', () => {
  test('keys are 10 bytes and distinct', () => {
    const seen = new Set<string>();
    for (let n = 0; n < 50_000; n++) {
      const key = stressKey(n);
      expect(key.length).toBe(10);
      seen.add(key.toString('hex'));
    }
    expect(seen.size).toBe(50_000);
  });

  test('insert binds a key and five 34-byte values; deterministic per seed', () => {
    const a = stressWorkload(7).insertParams(3);
    const b = stressWorkload(7).insertParams(3);
    expect(a).toHaveLength(6);
    for (const v of a.slice(1)) expect((v as Buffer).length).toBe(34);
    expect(a).toEqual(b);
  });

  test('uniform ints stay in range and follow the seed', () => {
    const x = uniformInts(1);
    const y = uniformInts(1);
    for (let i = 0; i < 1000; i++) {
      const v = x(10);
      expect(v).toBe(y(10));
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(10);
    }
  });
});

/** A client whose execute answers on the next macrotask; every `failEvery`-th request fails. */
function fakeClient(options: { failEvery?: number }): { client: cassandra.Client; maxInFlight: () => number; calls: unknown[][] } {
  let inFlight = 0;
  let max = 0;
  let n = 0;
  const calls: unknown[][] = [];
  const client = {
    execute(_query: string, params: unknown[], _opts: unknown, callback: (error: Error | null) => void): void {
      inFlight++;
      max = Math.max(max, inFlight);
      n++;
      calls.push(params);
      const fail = options.failEvery !== undefined && n % options.failEvery === 0;
      setImmediate(() => {
        inFlight--;
        callback(fail ? Object.assign(new Error('boom'), { code: 0x1001 }) : null);
      });
    },
  } as unknown as cassandra.Client;
  return { client, maxInFlight: () => max, calls };
}

describe('runLoad', () => {
  test('stops at countMax with the requested concurrency', async () => {
    const fake = fakeClient({});
    const result = await runLoad({ client: fake.client, statement: 'Q', params: (i) => [i], concurrency: 16, durationMs: 60_000, countMax: 1000 });
    expect(result.ops).toBe(1000);
    expect(result.stoppedBy).toBe('count');
    expect(fake.maxInFlight()).toBe(16);
    expect(result.nextIndex).toBe(1000);
    expect(fake.calls.map((p) => p[0])).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  test('stops at the duration', async () => {
    const fake = fakeClient({});
    const result = await runLoad({ client: fake.client, statement: 'Q', params: () => [], concurrency: 4, durationMs: 50 });
    expect(result.stoppedBy).toBe('duration');
    expect(result.elapsedMs).toBeGreaterThanOrEqual(50);
    expect(result.ops).toBeGreaterThan(0);
  });

  test('counts errors by kind and stops at errorsMax', async () => {
    const fake = fakeClient({ failEvery: 2 });
    const result = await runLoad({ client: fake.client, statement: 'Q', params: () => [], concurrency: 2, durationMs: 60_000, errorsMax: 10 });
    expect(result.stoppedBy).toBe('errors');
    expect(result.errors).toBeGreaterThanOrEqual(10);
    expect(Object.values(result.errorsByKind)[0]?.count).toBe(result.errors);
    expect(Object.keys(result.errorsByKind)[0]).toBe('Error(0x1001)');
  });

  test('mixed operations are reported separately', async () => {
    const fake = fakeClient({});
    const result = await runLoad({
      client: fake.client,
      operations: [
        { name: 'write', statement: 'W', params: () => ['w'] },
        { name: 'read', statement: 'R', params: () => ['r'] },
      ],
      choose: (i) => i & 1,
      concurrency: 8,
      durationMs: 60_000,
      countMax: 100,
      startIndex: 10,
    });
    expect(result.perOperation['write']?.ops).toBe(50);
    expect(result.perOperation['read']?.ops).toBe(50);
    expect(result.nextIndex).toBe(110);
  });

  test('per-operation latencies are kept apart', async () => {
    const client = {
      execute(query: string, _params: unknown[], _opts: unknown, callback: (error: Error | null) => void): void {
        if (query === 'SLOW') setTimeout(() => callback(null), 20);
        else setImmediate(() => callback(null));
      },
    } as unknown as cassandra.Client;
    const result = await runLoad({
      client,
      operations: [
        { name: 'fast', statement: 'FAST', params: () => [] },
        { name: 'slow', statement: 'SLOW', params: () => [] },
      ],
      concurrency: 4,
      durationMs: 60_000,
      countMax: 40,
    });
    expect(result.perOperation['slow']!.latency.p50Ms).toBeGreaterThanOrEqual(15);
    expect(result.perOperation['fast']!.latency.p50Ms).toBeLessThan(10);
  });

  test('rejects bad options', () => {
    const fake = fakeClient({});
    expect(() => runLoad({ client: fake.client, statement: 'Q', params: () => [], concurrency: 0, durationMs: 1 })).toThrow(RangeError);
    expect(() => runLoad({ client: fake.client, durationMs: 1 })).toThrow(/statement/);
  });
});

describe('bench env', () => {
  test('defaults and overrides', () => {
    expect(readBenchEnv({}, {}).durationMs).toBe(60_000);
    const env = readBenchEnv({}, { BENCH_DURATION_MS: '5000', BENCH_COMMITLOG_SYNC: 'batch', BENCH_CONCURRENCY: '64' });
    expect(env).toMatchObject({ durationMs: 5000, commitLogSync: 'batch', concurrency: 64 });
    expect(() => readBenchEnv({}, { BENCH_COMMITLOG_SYNC: 'never' })).toThrow();
    expect(() => readBenchEnv({}, { BENCH_DURATION_MS: '-1' })).toThrow();
  });
});

describe('server CPU probe parsing', () => {
  test('IPv4 address and port as /proc/net/tcp prints them', () => {
    expect(procTcpAddress('127.0.0.1', 9042)).toBe('0100007F:2352');
    expect(procTcpAddress('127.0.1.2', 80)).toBe('0201007F:0050');
    expect(() => procTcpAddress('::1', 9042)).toThrow();
  });

  test('finds the inode of the listening socket only', () => {
    const table = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:2352 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 111 1 0 20 4 30 10 -1',
      '   1: 0100007F:2352 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 222 1 0 100 0 0 10 0',
    ].join('\n');
    expect(listeningInode(table, '0100007F:2352')).toBe('222');
    expect(listeningInode(table, '0100007F:0050')).toBeNull();
  });

  test('utime + stime from a stat line whose command holds spaces and parentheses', () => {
    const stat = '4064 (node (main) x) S 4063 4063 1 0 -1 4194304 100 0 0 0 150 25 0 0 20 0 11 0 99 0 0';
    expect(statCpuTicks(stat)).toBe(175);
  });
});
