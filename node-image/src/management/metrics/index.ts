// Prometheus metrics of a node: a per-node registry, the instrumented CQL service decorator and
// scrape-time storage gauges. Served by the management server at /metrics.
export { NodeMetrics } from './node-metrics.ts';
export type { NodeMetricsOptions, NodeMetricsSources } from './node-metrics.ts';
export { CONSISTENCY_NAMES, CQL_LATENCY_BUCKETS_SECONDS, CqlRequestStats, OPCODES } from './cql-request-stats.ts';
export { InstrumentedCqlService, PREPARED_KINDS_MAX } from './instrumented-cql-service.ts';
export { STATEMENT_KINDS, statementKindIndex } from './statement-kind.ts';
export type { StatementKind } from './statement-kind.ts';
export { registerCoordinatorMetrics } from './coordinator-metrics.ts';
