// The node's Prometheus metrics: one prom-client Registry per node (never the global default, so
// several nodes in one process stay apart), served at /metrics. Request metrics are counted as
// they happen (InstrumentedCqlService); storage, connection and mode figures are read from their
// owners when Prometheus scrapes, so they cost nothing between scrapes.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Clock } from '../../io/index.ts';
import type { CqlService } from '../../cql/index.ts';
import type { StorageEngineWithStats } from '../../storage/index.ts';
import type { Job, OperationMode } from '../contract/index.ts';
import { OperationModeSchema } from '../contract/index.ts';
import type { CoordinatorMetricsSource } from '../../coordinator/index.ts';
import { registerCoordinatorMetrics } from './coordinator-metrics.ts';
import { CqlRequestStats } from './cql-request-stats.ts';
import { InstrumentedCqlService } from './instrumented-cql-service.ts';

/** What the scrape-time gauges read. Attached once the node's parts exist. */
export interface NodeMetricsSources {
  readonly storage: Pick<StorageEngineWithStats, 'tableStats' | 'commitLogStats' | 'memtableBytes'>;
  /** The tables the storage engine holds. */
  tables(): Iterable<{ readonly keyspace: string; readonly name: string; readonly id: string }>;
  cqlConnections(): number;
  operationMode(): OperationMode;
  /** The cluster coordinator (absent on a node without peers). */
  readonly coordinator?: CoordinatorMetricsSource | null;
}

export interface NodeMetricsOptions {
  readonly clock: Clock;
  /** prom-client's process and Node.js runtime metrics (CPU, memory, event loop lag, GC). */
  readonly processMetrics: boolean;
}

export class NodeMetrics {
  readonly registry = new Registry();
  private readonly clock: Clock;
  private readonly cql = new CqlRequestStats();
  private readonly managementRequests: Counter<'route' | 'status'>;
  private readonly jobs: Counter<'operation' | 'state'>;
  private sources: NodeMetricsSources | null = null;

  constructor(options: NodeMetricsOptions) {
    this.clock = options.clock;
    const registers = [this.registry];
    this.cql.register(this.registry);
    this.managementRequests = new Counter({
      name: 'cassia_management_requests_total', help: 'Management API requests, by route and HTTP status', labelNames: ['route', 'status'], registers,
    });
    this.jobs = new Counter({
      name: 'cassia_management_jobs_total', help: 'Management operations finished, by operation and final state', labelNames: ['operation', 'state'], registers,
    });
    this.defineScrapeTimeMetrics();
    registerCoordinatorMetrics(this.registry, () => this.sources?.coordinator ?? null);
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /** Wraps the CQL service handed to the protocol server. */
  instrumentCql(inner: CqlService): CqlService {
    return new InstrumentedCqlService({ inner, clock: this.clock, stats: this.cql });
  }

  attach(sources: NodeMetricsSources): void {
    this.sources = sources;
  }

  managementRequest(route: string, status: number): void {
    this.managementRequests.labels(route, String(status)).inc();
  }

  jobFinished(job: Job): void {
    this.jobs.labels(job.operation, job.state).inc();
  }

  /** The Prometheus text exposition (MetricsEndpoint of the management server). */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private defineScrapeTimeMetrics(): void {
    const registers = [this.registry];
    const self = this;
    const perTable = (name: string, help: string, value: (s: NonNullable<ReturnType<NodeMetricsSources['storage']['tableStats']>>) => number): void => {
      new Gauge({
        name, help, labelNames: ['keyspace', 'table'], registers,
        collect(this: Gauge<'keyspace' | 'table'>) {
          this.reset();
          const sources = self.sources;
          if (sources === null) return;
          for (const t of sources.tables()) {
            const stats = sources.storage.tableStats(t.id);
            if (stats !== null) this.labels(t.keyspace, t.name).set(value(stats));
          }
        },
      });
    };
    perTable('cassia_table_memtable_bytes', 'Bytes in the memtables (live and flushing) of a table', (s) => s.memtableBytes);
    perTable('cassia_table_memtable_partitions', 'Partitions in the live memtable of a table', (s) => s.memtablePartitions);
    perTable('cassia_table_sstables', 'SSTables of a table', (s) => s.sstableCount);
    perTable('cassia_table_sstable_bytes', 'On-disk bytes of the SSTables of a table', (s) => s.sstableBytes);

    const single = (name: string, help: string, value: (s: NodeMetricsSources) => number): void => {
      new Gauge({
        name, help, registers,
        collect(this: Gauge) {
          const sources = self.sources;
          if (sources !== null) this.set(value(sources));
        },
      });
    };
    single('cassia_memtable_bytes', 'Bytes in all memtables of the node', (s) => s.storage.memtableBytes());
    single('cassia_load_bytes', 'On-disk bytes of all SSTables of the node (gossip LOAD)', (s) => {
      let total = 0;
      for (const t of s.tables()) total += s.storage.tableStats(t.id)?.sstableBytes ?? 0;
      return total;
    });
    single('cassia_commitlog_bytes', 'Bytes in commit log segments', (s) => s.storage.commitLogStats().totalBytes);
    single('cassia_commitlog_segments', 'Commit log segments on disk', (s) => s.storage.commitLogStats().segments);
    single('cassia_cql_connections', 'Open CQL client connections', (s) => s.cqlConnections());

    // Totals kept by the commit log, exposed as counters (set to the owner's total at scrape time).
    const total = (name: string, help: string, value: (s: NodeMetricsSources) => number): void => {
      new Counter({
        name, help, registers,
        collect(this: Counter) {
          const sources = self.sources;
          if (sources === null) return;
          this.reset();
          this.inc(value(sources));
        },
      });
    };
    total('cassia_commitlog_appends_total', 'Mutations appended to the commit log since start', (s) => s.storage.commitLogStats().appends);
    total('cassia_commitlog_syncs_total', 'Commit log fsyncs since start', (s) => s.storage.commitLogStats().syncs);

    new Gauge({
      name: 'cassia_node_operation_mode', help: 'The node operation mode (1 for the current one)', labelNames: ['mode'], registers,
      collect(this: Gauge<'mode'>) {
        const sources = self.sources;
        if (sources === null) return;
        const current = sources.operationMode();
        for (const mode of OperationModeSchema.options) this.labels(mode).set(mode === current ? 1 : 0);
      },
    });
  }
}
