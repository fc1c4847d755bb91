// The cluster coordinator's metrics on the node's registry, read from the coordinator at scrape
// time (nothing is recorded here): request latency by operation and consistency level, request
// errors by kind (timeouts, unavailables, failures), the coordinator's counters (read repairs,
// speculative retries, digest mismatches...), hinted handoff (stored, replayed, pending bytes) and
// the batchlog (stored, removed, replayed).
// A node without peers (LocalCoordinator) has no source: the series are simply absent.
import type { MetricObjectWithValues, MetricValue, MetricValueWithName, Registry } from 'prom-client';
import { COORDINATOR_STATS_HELP, REQUEST_LATENCY_BUCKETS_SECONDS } from '../../coordinator/index.ts';
import type { CoordinatorMetricsSource } from '../../coordinator/index.ts';

type Values = Array<MetricValue<string> | MetricValueWithName<string>>;

/** `fooBarBaz` -> `foo_bar_baz`. */
export function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** Registers the coordinator's metrics on `registry`; `source()` is read at every scrape. */
export function registerCoordinatorMetrics(registry: Registry, source: () => CoordinatorMetricsSource | null): void {
  const metric = (name: string, help: string, type: 'counter' | 'gauge' | 'histogram', values: (s: CoordinatorMetricsSource) => Values): void => {
    registry.registerMetric({
      name, help, type,
      get: async (): Promise<MetricObjectWithValues<MetricValue<string>>> => {
        const s = source();
        return { name, help, type, aggregator: 'sum', values: s === null ? [] : values(s) } as never;
      },
      reset: () => {},
    } as never);
  };

  const latency = 'cassia_coordinator_request_duration_seconds';
  metric(latency, 'Coordinator request latency (successful or not), by operation and consistency level, seconds', 'histogram', (s) => {
    const out: Values = [];
    for (const series of s.requestMetrics.latencySeries()) {
      const labels = { operation: series.operation, consistency: series.consistency };
      series.cumulative.forEach((value, b) => {
        const le = b < REQUEST_LATENCY_BUCKETS_SECONDS.length ? REQUEST_LATENCY_BUCKETS_SECONDS[b]! : '+Inf';
        out.push({ metricName: `${latency}_bucket`, value, labels: { ...labels, le } });
      });
      out.push({ metricName: `${latency}_sum`, value: series.sumSeconds, labels });
      out.push({ metricName: `${latency}_count`, value: series.count, labels });
    }
    return out;
  });
  metric('cassia_coordinator_request_errors_total', 'Coordinator requests that failed, by operation and kind (timeout, unavailable, failure, overloaded, other)', 'counter',
    (s) => s.requestMetrics.errorSeries().map((e) => ({ value: e.count, labels: { operation: e.operation, kind: e.outcome } })));

  for (const [field, help] of Object.entries(COORDINATOR_STATS_HELP)) {
    const key = field as keyof typeof COORDINATOR_STATS_HELP;
    metric(`cassia_coordinator_${snakeCase(field)}_total`, help, 'counter', (s) => [{ value: s.stats[key], labels: {} }]);
  }

  metric('cassia_hints_stored_total', 'Hints stored for replicas that were down or did not answer', 'counter', (s) => [{ value: s.hintsSummary().stats.stored, labels: {} }]);
  metric('cassia_hints_replayed_total', 'Hints delivered to their target', 'counter', (s) => [{ value: s.hintsSummary().stats.delivered, labels: {} }]);
  metric('cassia_hints_refused_total', 'Hints not stored (window passed or host hint bytes at the bound)', 'counter', (s) => [{ value: s.hintsSummary().stats.refused, labels: {} }]);
  metric('cassia_hints_expired_total', 'Hints dropped at replay because gc_grace_seconds passed', 'counter', (s) => [{ value: s.hintsSummary().stats.expired, labels: {} }]);
  metric('cassia_hints_failed_deliveries_total', 'Hint pages that failed to deliver (resumed later)', 'counter', (s) => [{ value: s.hintsSummary().stats.failedDeliveries, labels: {} }]);
  metric('cassia_hints_dropped_total', 'Hints dropped: of hosts that left the ring, or of tables truncated or dropped since', 'counter', (s) => [{ value: s.hintsSummary().stats.dropped, labels: {} }]);
  metric('cassia_hints_transferred_total', 'Hints handed to another node on decommission', 'counter', (s) => [{ value: s.hintsSummary().stats.transferred, labels: {} }]);
  metric('cassia_hints_stored_for_others_total', 'Hints stored here for another host (received on its decommission, or re-routed)', 'counter',
    (s) => [{ value: s.hintsSummary().stats.storedForOthers, labels: {} }]);
  metric('cassia_hints_pending_bytes', 'Bytes of hints held on disk for other hosts', 'gauge', (s) => [{ value: s.hintsSummary().pendingBytes, labels: {} }]);
  metric('cassia_batchlog_stored_total', 'Logged batches stored here as a batchlog replica', 'counter', (s) => [{ value: s.batchlogSummary().stats.stored, labels: {} }]);
  metric('cassia_batchlog_removed_total', 'Logged batches removed after their coordinator applied them', 'counter', (s) => [{ value: s.batchlogSummary().stats.removed, labels: {} }]);
  metric('cassia_batchlog_replayed_total', 'Logged batches replayed by this node (coordinator did not remove them in time)', 'counter',
    (s) => [{ value: s.batchlogSummary().stats.replayed, labels: {} }]);
  metric('cassia_batchlog_replay_failures_total', 'Batch replays that failed (retried next round)', 'counter', (s) => [{ value: s.batchlogSummary().stats.replayFailures, labels: {} }]);
  metric('cassia_batchlog_pending_batches', 'Logged batches held here as a batchlog replica', 'gauge', (s) => [{ value: s.batchlogSummary().pendingBatches, labels: {} }]);
  metric('cassia_hints_pending_hosts', 'Hosts this node holds hints for', 'gauge', (s) => [{ value: s.hintsSummary().hosts, labels: {} }]);
}
