// CQL request counters and latency histograms kept in flat typed arrays, indexed by series
// (opcode x statement kind x consistency): recording a request is a few array writes, no label
// hashing and no allocation. At scrape time the arrays are turned into prom-client metric objects
// (counter and histogram shapes) registered on the node's registry.
import type { MetricObjectWithValues, MetricValue, MetricValueWithName, Registry } from 'prom-client';
import { ErrorCode } from '../../lib/index.ts';
import { STATEMENT_KINDS } from './statement-kind.ts';

export const OPCODES = ['QUERY', 'PREPARE', 'EXECUTE', 'BATCH'] as const;
/** Consistency codes 0x00..0x0a by code, then one slot for requests without one (PREPARE). */
export const CONSISTENCY_NAMES = ['ANY', 'ONE', 'TWO', 'THREE', 'QUORUM', 'ALL', 'LOCAL_QUORUM', 'EACH_QUORUM', 'SERIAL', 'LOCAL_SERIAL', 'LOCAL_ONE', 'NONE'] as const;
export const CONSISTENCY_NONE = CONSISTENCY_NAMES.length - 1;
/** Request latency bucket bounds, seconds: 0.25 ms .. 10 s (then +Inf). */
export const CQL_LATENCY_BUCKETS_SECONDS: readonly number[] = [
  0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

const ERROR_NAMES: readonly string[] = [...Object.keys(ErrorCode), 'Other'];
const ERROR_INDEX = new Map<number, number>(Object.values(ErrorCode).map((code, i) => [code, i]));
const ERROR_OTHER = ERROR_NAMES.length - 1;

const KINDS = STATEMENT_KINDS.length;
const LEVELS = CONSISTENCY_NAMES.length;
const SERIES = OPCODES.length * KINDS * LEVELS;
const BUCKETS = CQL_LATENCY_BUCKETS_SECONDS.length + 1;

export class CqlRequestStats {
  private readonly requests = new Float64Array(SERIES);
  /** Per series, non-cumulative counts per bucket (last = above the largest bound). */
  private readonly buckets = new Float64Array(SERIES * BUCKETS);
  private readonly sums = new Float64Array(SERIES);
  private readonly errors = new Float64Array(OPCODES.length * KINDS * ERROR_NAMES.length);

  /** Series index of a request; consistency codes out of range count as NONE. */
  static series(opcode: number, kind: number, consistency: number): number {
    const c = consistency >= 0 && consistency < CONSISTENCY_NONE ? consistency : CONSISTENCY_NONE;
    return (opcode * KINDS + kind) * LEVELS + c;
  }

  received(series: number): void {
    this.requests[series]!++;
  }

  answered(series: number, seconds: number): void {
    let b = 0;
    while (b < BUCKETS - 1 && seconds > CQL_LATENCY_BUCKETS_SECONDS[b]!) b++;
    this.buckets[series * BUCKETS + b]!++;
    this.sums[series]! += seconds;
  }

  failed(opcode: number, kind: number, errorCode: number | null): void {
    const e = errorCode === null ? ERROR_OTHER : (ERROR_INDEX.get(errorCode) ?? ERROR_OTHER);
    this.errors[(opcode * KINDS + kind) * ERROR_NAMES.length + e]!++;
  }

  /** Registers the three metrics (requests, errors, duration) on `registry`, read from these arrays at scrape time. */
  register(registry: Registry): void {
    const metric = (name: string, help: string, type: 'counter' | 'histogram', values: () => Array<MetricValue<string> | MetricValueWithName<string>>) => ({
      name, help, type,
      // The shape prom-client's own metrics answer from get(); the registry formats it.
      get: async (): Promise<MetricObjectWithValues<MetricValue<string>>> => ({ name, help, type, aggregator: 'sum', values: values() }) as never,
      reset: () => {},
    });
    const register = (m: ReturnType<typeof metric>): void => registry.registerMetric(m as never);
    register(metric('cassia_cql_requests_total', 'CQL requests received, by opcode, statement kind and consistency level', 'counter', () => {
      const out: Array<MetricValue<string>> = [];
      for (let s = 0; s < SERIES; s++) if (this.requests[s]! > 0) out.push({ value: this.requests[s]!, labels: seriesLabels(s) });
      return out;
    }));
    register(metric('cassia_cql_request_errors_total', 'CQL requests answered with an error, by opcode, statement kind and error code', 'counter', () => {
      const out: Array<MetricValue<string>> = [];
      for (let i = 0; i < this.errors.length; i++) {
        if (this.errors[i] === 0) continue;
        const e = i % ERROR_NAMES.length;
        const ok = (i - e) / ERROR_NAMES.length;
        out.push({ value: this.errors[i]!, labels: { opcode: OPCODES[Math.floor(ok / KINDS)]!, kind: STATEMENT_KINDS[ok % KINDS]!, code: ERROR_NAMES[e]! } });
      }
      return out;
    }));
    register(metric('cassia_cql_request_duration_seconds', 'CQL request latency from decoded request to answer, seconds', 'histogram', () => {
      const out: Array<MetricValueWithName<string>> = [];
      const name = 'cassia_cql_request_duration_seconds';
      for (let s = 0; s < SERIES; s++) {
        let count = 0;
        for (let b = 0; b < BUCKETS; b++) count += this.buckets[s * BUCKETS + b]!;
        if (count === 0) continue;
        const labels = seriesLabels(s);
        let cumulative = 0;
        for (let b = 0; b < BUCKETS; b++) {
          cumulative += this.buckets[s * BUCKETS + b]!;
          const le = b < BUCKETS - 1 ? CQL_LATENCY_BUCKETS_SECONDS[b]! : '+Inf';
          out.push({ metricName: `${name}_bucket`, value: cumulative, labels: { ...labels, le } });
        }
        out.push({ metricName: `${name}_sum`, value: this.sums[s]!, labels });
        out.push({ metricName: `${name}_count`, value: count, labels });
      }
      return out;
    }));
  }
}

function seriesLabels(series: number): Record<string, string> {
  const c = series % LEVELS;
  const ok = (series - c) / LEVELS;
  return { opcode: OPCODES[Math.floor(ok / KINDS)]!, kind: STATEMENT_KINDS[ok % KINDS]!, consistency: CONSISTENCY_NAMES[c]! };
}
