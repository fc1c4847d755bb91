// Coordinator request metrics in flat typed arrays (Cassandra's ClientRequestMetrics): latency
// histograms per (operation, consistency level) and outcome counters (timeouts, unavailables,
// failures) per operation. Recording is a few array writes, no allocation; the management layer
// turns the arrays into Prometheus series at scrape time. Counts only grow.
import { CqlError, ErrorCode } from '../lib/index.ts';
import type { CoordinatorStats } from './coordinator-context.ts';
import type { BatchlogStats } from './batchlog/batchlog-service.ts';
import type { HintsStats } from './hints/hints-service.ts';

export const REQUEST_OPERATIONS = ['read', 'range_read', 'write', 'counter_write', 'cas_read', 'cas_write'] as const;
export type RequestOperation = (typeof REQUEST_OPERATIONS)[number];
export const RequestOperationIndex = {
  read: 0, range_read: 1, write: 2, counter_write: 3, cas_read: 4, cas_write: 5,
} as const satisfies Record<RequestOperation, number>;

/** Consistency codes 0x00..0x0b, by code. */
export const REQUEST_CONSISTENCY_NAMES = [
  'ANY', 'ONE', 'TWO', 'THREE', 'QUORUM', 'ALL', 'LOCAL_QUORUM', 'EACH_QUORUM', 'SERIAL', 'LOCAL_SERIAL', 'LOCAL_ONE', 'NODE_LOCAL',
] as const;

/** Latency bucket bounds, seconds: 0.25 ms .. 10 s (then +Inf), as the CQL request histogram. */
export const REQUEST_LATENCY_BUCKETS_SECONDS: readonly number[] = [
  0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

export const REQUEST_OUTCOMES = ['timeout', 'unavailable', 'failure', 'overloaded', 'other'] as const;
export type RequestOutcome = (typeof REQUEST_OUTCOMES)[number];

const OPS = REQUEST_OPERATIONS.length;
const LEVELS = REQUEST_CONSISTENCY_NAMES.length;
const BUCKETS = REQUEST_LATENCY_BUCKETS_SECONDS.length + 1;
const OUTCOMES = REQUEST_OUTCOMES.length;

export class CoordinatorRequestMetrics {
  /** Per (op, level), non-cumulative counts per bucket (last = above the largest bound). */
  readonly buckets = new Float64Array(OPS * LEVELS * BUCKETS);
  readonly sums = new Float64Array(OPS * LEVELS);
  /** Per (op, outcome). */
  readonly errors = new Float64Array(OPS * OUTCOMES);

  /** Records one request of `op` at `consistency` that took `seconds` (successful or not). */
  record(op: number, consistency: number, seconds: number): void {
    const level = consistency >= 0 && consistency < LEVELS ? consistency : 0;
    const series = op * LEVELS + level;
    let b = 0;
    while (b < BUCKETS - 1 && seconds > REQUEST_LATENCY_BUCKETS_SECONDS[b]!) b++;
    this.buckets[series * BUCKETS + b]!++;
    this.sums[series]! += seconds;
  }

  /** Counts a failed request of `op` by what its error means. */
  failed(op: number, error: unknown): void {
    this.errors[op * OUTCOMES + outcomeIndex(error)]!++;
  }

  /** Every (op, level) series with at least one request: cumulative buckets, sum, count. */
  latencySeries(): Array<{ operation: RequestOperation; consistency: string; cumulative: number[]; sumSeconds: number; count: number }> {
    const out: Array<{ operation: RequestOperation; consistency: string; cumulative: number[]; sumSeconds: number; count: number }> = [];
    for (let series = 0; series < OPS * LEVELS; series++) {
      let count = 0;
      const cumulative: number[] = [];
      for (let b = 0; b < BUCKETS; b++) {
        count += this.buckets[series * BUCKETS + b]!;
        cumulative.push(count);
      }
      if (count === 0) continue;
      out.push({
        operation: REQUEST_OPERATIONS[Math.floor(series / LEVELS)]!, consistency: REQUEST_CONSISTENCY_NAMES[series % LEVELS]!,
        cumulative, sumSeconds: this.sums[series]!, count,
      });
    }
    return out;
  }

  /** Non-zero error counts by (op, outcome). */
  errorSeries(): Array<{ operation: RequestOperation; outcome: RequestOutcome; count: number }> {
    const out: Array<{ operation: RequestOperation; outcome: RequestOutcome; count: number }> = [];
    for (let i = 0; i < this.errors.length; i++) {
      const count = this.errors[i]!;
      if (count > 0) out.push({ operation: REQUEST_OPERATIONS[Math.floor(i / OUTCOMES)]!, outcome: REQUEST_OUTCOMES[i % OUTCOMES]!, count });
    }
    return out;
  }

  /** Errors of one outcome summed over operations (tests, nodetool-like summaries). */
  errorCount(outcome: RequestOutcome, operation?: RequestOperation): number {
    const o = REQUEST_OUTCOMES.indexOf(outcome);
    let n = 0;
    for (let op = 0; op < OPS; op++) if (operation === undefined || REQUEST_OPERATIONS[op] === operation) n += this.errors[op * OUTCOMES + o]!;
    return n;
  }
}

function outcomeIndex(error: unknown): number {
  if (!(error instanceof CqlError)) return 4;
  switch (error.code) {
    case ErrorCode.ReadTimeout:
    case ErrorCode.WriteTimeout:
      return 0;
    case ErrorCode.Unavailable:
      return 1;
    case ErrorCode.ReadFailure:
    case ErrorCode.WriteFailure:
    case ErrorCode.CasWriteUnknown:
      return 2;
    case ErrorCode.Overloaded:
      return 3;
    default:
      return 4;
  }
}

/** Buckets per series (bounds plus +Inf). */
export const REQUEST_LATENCY_BUCKET_COUNT = BUCKETS;

/** What the node's metrics read from a cluster coordinator at scrape time. */
export interface CoordinatorMetricsSource {
  readonly stats: Readonly<CoordinatorStats>;
  readonly requestMetrics: CoordinatorRequestMetrics;
  /** Hint counters and the hints held on disk for other hosts. */
  hintsSummary(): { readonly stats: Readonly<HintsStats>; readonly pendingBytes: number; readonly hosts: number };
  /** Batchlog counters and the batches held here as a batchlog replica. */
  batchlogSummary(): { readonly stats: Readonly<BatchlogStats>; readonly pendingBatches: number };
}
