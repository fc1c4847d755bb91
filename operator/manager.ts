// The operator process minus flag parsing: health/metrics server, leader election on a Lease, and
// the CassandraCluster controller (caches + workers) while leading. Losing leadership stops the
// controllers and ends run() so the process exits and restarts clean (as client-go does).
import { createCassandraClusterController, type CassandraClusterController, type NodeApiFactory } from './controllers/cassandracluster/index.ts';
import {
  EventRecorder,
  HealthServer,
  LeaderElector,
  type Clock,
  type KubeApi,
  type LeaderElectionConfig,
  type Logger,
  type OperatorMetrics,
} from './runtime/index.ts';

export interface ManagerOptions {
  readonly api: KubeApi;
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: OperatorMetrics;
  readonly identity: string;
  readonly clusterDomain: string;
  readonly namespace?: string | undefined;
  readonly workers?: number;
  /** Undefined: run without leader election (single replica, tests). */
  readonly leaderElection?: LeaderElectionConfig | undefined;
  readonly health?: { host: string; port: number } | undefined;
  readonly nodeApi?: NodeApiFactory;
}

/** In-flight reconcile passes get this long to finish at shutdown. */
export const SHUTDOWN_GRACE_MS = 30_000;

export type ManagerOutcome = 'stopped' | 'lost-leadership';

export class Manager {
  private readonly options: ManagerOptions;
  private ctl: CassandraClusterController | undefined;
  private health: HealthServer | undefined;
  private leading = false;
  /** Port the health server listens on (after run() started it). */
  healthPort: number | undefined;

  constructor(options: ManagerOptions) {
    this.options = options;
  }

  get controller(): CassandraClusterController | undefined {
    return this.ctl;
  }

  get isLeading(): boolean {
    return this.leading;
  }

  /** Runs until `signal` aborts ('stopped') or leadership is lost ('lost-leadership'). */
  async run(signal: AbortSignal): Promise<ManagerOutcome> {
    const { options } = this;
    const log = options.log;
    if (options.health !== undefined) {
      this.health = new HealthServer({
        host: options.health.host,
        port: options.health.port,
        registry: options.metrics.registry,
        // A standby replica is ready; a leader is ready once its caches have synced.
        ready: () => !this.leading || (this.ctl?.cache.synced ?? false),
      });
      this.healthPort = await this.health.listen();
      log.info({ port: this.healthPort }, 'health and metrics server listening');
    }
    try {
      if (options.leaderElection === undefined) {
        await this.lead(signal);
        await waitForAbort(signal);
        await this.stopControllers();
        return 'stopped';
      }
      const elector = new LeaderElector({ api: options.api, clock: options.clock, log, config: options.leaderElection });
      let leadingDone: Promise<void> = Promise.resolve();
      await elector.run(signal, {
        onStartedLeading: (leading) => {
          options.metrics.leader.set(1);
          leadingDone = this.lead(leading).catch((error: unknown) => log.error({ err: String(error) }, 'controllers failed to start'));
        },
        onStoppedLeading: () => {
          options.metrics.leader.set(0);
        },
      });
      await leadingDone;
      await this.stopControllers();
      return signal.aborted ? 'stopped' : 'lost-leadership';
    } finally {
      await this.health?.close();
    }
  }

  private async lead(signal: AbortSignal): Promise<void> {
    const { options } = this;
    this.leading = true;
    const events = new EventRecorder({ api: options.api, clock: options.clock, log: options.log, component: 'cassia-operator', instance: options.identity });
    this.ctl = createCassandraClusterController({
      api: options.api,
      clock: options.clock,
      log: options.log,
      events,
      clusterDomain: options.clusterDomain,
      namespace: options.namespace,
      workers: options.workers ?? 4,
      metrics: options.metrics,
      ...(options.nodeApi ? { nodeApi: options.nodeApi } : {}),
    });
    await this.ctl.cache.start();
    if (signal.aborted) return;
    this.ctl.controller.start(signal);
    options.log.info({ namespace: options.namespace ?? '(all)' }, 'controllers started');
  }

  private async stopControllers(): Promise<void> {
    this.leading = false;
    const ctl = this.ctl;
    if (ctl === undefined) return;
    this.ctl = undefined;
    const grace = new AbortController();
    const timer = this.options.clock.setTimeout(() => grace.abort(), SHUTDOWN_GRACE_MS);
    await Promise.race([ctl.controller.stop(), this.options.clock.sleep(SHUTDOWN_GRACE_MS, grace.signal)]);
    timer.cancel();
    grace.abort();
    await ctl.cache.stop();
  }
}

function waitForAbort(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
