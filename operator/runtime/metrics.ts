// Operator metrics (prom-client, own registry): reconcile count, duration and errors per
// controller, work queue depth, leadership, informer events, and per-cluster node gauges.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class OperatorMetrics {
  readonly registry = new Registry();
  readonly reconcileTotal: Counter<'controller' | 'result'>;
  readonly reconcileDuration: Histogram<'controller'>;
  readonly reconcileErrors: Counter<'controller'>;
  readonly queueDepth: Gauge<'controller'>;
  readonly queueAdds: Counter<'controller'>;
  readonly leader: Gauge;
  readonly informerEvents: Gauge<'resource'>;
  readonly clusterNodes: Gauge<'namespace' | 'cluster' | 'kind'>;
  readonly clusterOperation: Gauge<'namespace' | 'cluster' | 'type'>;

  constructor(options: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.reconcileTotal = new Counter({ name: 'cassia_operator_reconcile_total', help: 'Reconcile passes by result (success, requeue, error).', labelNames: ['controller', 'result'], registers });
    this.reconcileDuration = new Histogram({
      name: 'cassia_operator_reconcile_duration_seconds', help: 'Duration of reconcile passes.', labelNames: ['controller'], registers,
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30],
    });
    this.reconcileErrors = new Counter({ name: 'cassia_operator_reconcile_errors_total', help: 'Reconcile passes that failed and were requeued with backoff.', labelNames: ['controller'], registers });
    this.queueDepth = new Gauge({ name: 'cassia_operator_workqueue_depth', help: 'Keys waiting in the work queue (ready + delayed).', labelNames: ['controller'], registers });
    this.queueAdds = new Counter({ name: 'cassia_operator_workqueue_adds_total', help: 'Keys added to the work queue.', labelNames: ['controller'], registers });
    this.leader = new Gauge({ name: 'cassia_operator_leader', help: '1 when this replica holds the leader lease.', registers });
    this.informerEvents = new Gauge({ name: 'cassia_operator_informer_events', help: 'Watch events received per resource since start.', labelNames: ['resource'], registers });
    this.clusterNodes = new Gauge({ name: 'cassia_operator_cluster_nodes', help: 'Nodes of each CassandraCluster (kind = ready | desired).', labelNames: ['namespace', 'cluster', 'kind'], registers });
    this.clusterOperation = new Gauge({ name: 'cassia_operator_cluster_operation', help: '1 while a topology operation of this type runs on the cluster.', labelNames: ['namespace', 'cluster', 'type'], registers });
    if (options.processMetrics === true) collectDefaultMetrics({ register: this.registry, prefix: 'cassia_operator_' });
  }
}
