// Closed-loop load generator over cassandra-driver: a fixed number of requests in flight, each
// completion issuing the next, bounded by duration and by count. Prepared statements only.
// Hot path: one callback per in-flight slot created up front, one shared options object, no promises.
import cassandra from 'cassandra-driver';
import { LatencyHistogram, type LatencySummary } from './latency-histogram.ts';

export const LOAD_CONCURRENCY_DEFAULT = 128;
/** Upper bound on in-flight requests (the driver allows 2048 per connection). */
export const LOAD_CONCURRENCY_MAX = 4096;
/** Stop issuing once this many requests failed: a broken target should not spin for minutes. */
export const LOAD_ERRORS_MAX_DEFAULT = 1_000;
export const LOAD_COUNT_MAX_DEFAULT = 100_000_000;

export interface LoadOperation {
  readonly name: string;
  /** CQL with bind markers, prepared once by the driver. */
  readonly statement: string;
  /** Bound values of the i-th request (i counts all requests of the run, from startIndex). */
  readonly params: (i: number) => unknown[];
}

export interface LoadOptions {
  readonly client: cassandra.Client;
  /** One statement (`statement` + `params`) or several `operations` picked by `choose`. */
  readonly statement?: string;
  readonly params?: (i: number) => unknown[];
  readonly operations?: readonly LoadOperation[];
  /** Index into operations for request i; default: round robin. */
  readonly choose?: (i: number) => number;
  readonly concurrency?: number;
  readonly durationMs: number;
  readonly countMax?: number;
  /** cassandra-driver consistency; default LOCAL_ONE (cassandra-stress's default). */
  readonly consistency?: number;
  /** First request index passed to params (to continue a key sequence across runs). */
  readonly startIndex?: number;
  readonly errorsMax?: number;
}

export interface OperationResult {
  readonly ops: number;
  readonly errors: number;
  readonly latency: LatencySummary;
}

export interface LoadResult {
  /** Successful requests. */
  readonly ops: number;
  readonly errors: number;
  /** Error name or native-protocol code -> count; with the first message of each. */
  readonly errorsByKind: Readonly<Record<string, { count: number; firstMessage: string }>>;
  readonly elapsedMs: number;
  readonly opsPerSec: number;
  readonly concurrency: number;
  readonly latency: LatencySummary;
  readonly perOperation: Readonly<Record<string, OperationResult>>;
  /** Next unused request index. */
  readonly nextIndex: number;
  /** Why the run stopped: duration, count, or errors. */
  readonly stoppedBy: 'duration' | 'count' | 'errors';
  /** CPU time of this (load generator) process during the run, ms. */
  readonly clientCpuMs: number;
}

export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const operations = resolveOperations(options);
  const concurrency = options.concurrency ?? LOAD_CONCURRENCY_DEFAULT;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > LOAD_CONCURRENCY_MAX) {
    throw new RangeError(`concurrency ${concurrency} outside 1..${LOAD_CONCURRENCY_MAX}`);
  }
  if (!(options.durationMs > 0)) throw new RangeError(`durationMs ${options.durationMs} must be positive`);
  const countMax = options.countMax ?? LOAD_COUNT_MAX_DEFAULT;
  const errorsMax = options.errorsMax ?? LOAD_ERRORS_MAX_DEFAULT;
  const choose = options.choose ?? ((i: number) => i % operations.length);
  const queryOptions = {
    prepare: true,
    consistency: options.consistency ?? cassandra.types.consistencies.localOne,
  };
  const client = options.client;

  const histograms = operations.map(() => new LatencyHistogram());
  const opCounts = new Float64Array(operations.length);
  const errorCounts = new Float64Array(operations.length);
  const errorsByKind: Record<string, { count: number; firstMessage: string }> = {};
  const slotStartMs = new Float64Array(concurrency);
  const slotOperation = new Int32Array(concurrency);
  const startIndex = options.startIndex ?? 0;

  return new Promise((resolve) => {
    let issued = 0;
    let inFlight = 0;
    let errors = 0;
    let stoppedBy: LoadResult['stoppedBy'] = 'duration';
    let stopping = false;
    const cpuStart = process.cpuUsage();
    const startMs = performance.now();
    const deadlineMs = startMs + options.durationMs;

    const finish = (): void => {
      const elapsedMs = performance.now() - startMs;
      const cpu = process.cpuUsage(cpuStart);
      const total = new LatencyHistogram();
      const perOperation: Record<string, OperationResult> = {};
      operations.forEach((op, k) => {
        total.merge(histograms[k]!);
        perOperation[op.name] = { ops: opCounts[k]!, errors: errorCounts[k]!, latency: histograms[k]!.summary() };
      });
      const ops = total.count;
      resolve({
        ops,
        errors,
        errorsByKind,
        elapsedMs: Math.round(elapsedMs),
        opsPerSec: elapsedMs > 0 ? Math.round((ops * 1000) / elapsedMs) : 0,
        concurrency,
        latency: total.summary(),
        perOperation,
        nextIndex: startIndex + issued,
        stoppedBy,
        clientCpuMs: Math.round((cpu.user + cpu.system) / 1000),
      });
    };

    const issue = (slot: number, nowMs: number): void => {
      if (!stopping) {
        if (issued >= countMax) {
          stopping = true;
          stoppedBy = 'count';
        } else if (nowMs >= deadlineMs) {
          stopping = true;
        } else if (errors >= errorsMax) {
          stopping = true;
          stoppedBy = 'errors';
        }
      }
      if (stopping) {
        if (inFlight === 0) finish();
        return;
      }
      const i = startIndex + issued;
      issued++;
      const k = choose(i);
      const op = operations[k]!;
      slotOperation[slot] = k;
      slotStartMs[slot] = nowMs;
      inFlight++;
      client.execute(op.statement, op.params(i), queryOptions, callbacks[slot]!);
    };

    const callbacks = Array.from({ length: concurrency }, (_, slot) => (error: Error | null): void => {
      const nowMs = performance.now();
      inFlight--;
      const k = slotOperation[slot]!;
      if (error == null) {
        histograms[k]!.recordMicros((nowMs - slotStartMs[slot]!) * 1000);
        opCounts[k]! += 1;
      } else {
        errors++;
        errorCounts[k]! += 1;
        const kind = errorKind(error);
        const entry = (errorsByKind[kind] ??= { count: 0, firstMessage: error.message });
        entry.count++;
      }
      issue(slot, nowMs);
    });

    const nowMs = performance.now();
    for (let slot = 0; slot < concurrency; slot++) issue(slot, nowMs);
  });
}

function resolveOperations(options: LoadOptions): readonly LoadOperation[] {
  if (options.operations !== undefined) {
    if (options.statement !== undefined) throw new Error('give either statement or operations, not both');
    if (options.operations.length === 0) throw new Error('operations is empty');
    return options.operations;
  }
  if (options.statement === undefined || options.params === undefined) {
    throw new Error('runLoad needs statement and params, or operations');
  }
  return [{ name: 'op', statement: options.statement, params: options.params }];
}

function errorKind(error: Error): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'number' ? `${error.constructor.name}(0x${code.toString(16)})` : error.constructor.name;
}
