// A controller: workers take keys from a rate-limited work queue and run the reconcile function.
// Success forgets the key's backoff (and requeues after requeueAfterMs when asked); an error
// requeues with exponential backoff. Each pass gets a child logger with a reconcile id.
import type { Clock } from './clock.ts';
import type { Logger } from './logger.ts';
import type { OperatorMetrics } from './metrics.ts';
import type { WorkQueue } from './workqueue.ts';

export interface ReconcileResult {
  /** Reconcile again after this delay even if nothing changes (polling the node API). */
  readonly requeueAfterMs?: number;
}

export interface ReconcileContext {
  readonly log: Logger;
  readonly reconcileId: string;
  /** Aborts when the controller shuts down or leadership is lost. */
  readonly signal: AbortSignal;
}

export type ReconcileFunction = (key: string, context: ReconcileContext) => Promise<ReconcileResult>;

export const WORKERS_MAX = 64;
/** A pass slower than this is logged as a warning (every call inside has its own timeout). */
export const SLOW_RECONCILE_MS = 30_000;

export class Controller {
  readonly name: string;
  readonly queue: WorkQueue;
  private readonly reconcile: ReconcileFunction;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly metrics: OperatorMetrics | undefined;
  private readonly workers: number;
  private seq = 0;
  private running: Promise<void>[] = [];
  readonly stats = { passes: 0, errors: 0, requeues: 0 };

  constructor(options: {
    name: string;
    queue: WorkQueue;
    reconcile: ReconcileFunction;
    clock: Clock;
    log: Logger;
    workers?: number;
    metrics?: OperatorMetrics;
  }) {
    this.name = options.name;
    this.queue = options.queue;
    this.reconcile = options.reconcile;
    this.clock = options.clock;
    this.log = options.log.child({ controller: options.name });
    this.metrics = options.metrics;
    this.workers = Math.max(1, Math.min(WORKERS_MAX, options.workers ?? 4));
  }

  enqueue(key: string): void {
    this.metrics?.queueAdds.inc({ controller: this.name });
    this.queue.add(key);
  }

  /** Starts the workers; they stop when the queue shuts down. */
  start(signal: AbortSignal): void {
    for (let i = 0; i < this.workers; i++) this.running.push(this.worker(signal));
  }

  /** Stops taking keys and waits for passes in flight to finish. */
  async stop(): Promise<void> {
    this.queue.shutdown();
    await Promise.all(this.running);
    this.running = [];
  }

  /** Runs one key now (tests and benchmarks drive the controller without workers). */
  async processOne(key: string, signal: AbortSignal): Promise<void> {
    const reconcileId = `${this.name}-${(++this.seq).toString(36)}`;
    const log = this.log.child({ key, reconcileId });
    const start = this.clock.monotonicMs();
    this.stats.passes++;
    try {
      const result = await this.reconcile(key, { log, reconcileId, signal });
      this.queue.forget(key);
      if (result.requeueAfterMs !== undefined) {
        this.stats.requeues++;
        this.queue.addAfter(key, result.requeueAfterMs);
        this.metrics?.reconcileTotal.inc({ controller: this.name, result: 'requeue' });
      } else {
        this.metrics?.reconcileTotal.inc({ controller: this.name, result: 'success' });
      }
    } catch (error) {
      this.stats.errors++;
      this.metrics?.reconcileTotal.inc({ controller: this.name, result: 'error' });
      this.metrics?.reconcileErrors.inc({ controller: this.name });
      log.error({ err: error instanceof Error ? (error.stack ?? error.message) : String(error), requeues: this.queue.numRequeues(key) }, 'reconcile failed');
      if (!signal.aborted) this.queue.addRateLimited(key);
    } finally {
      const elapsedMs = this.clock.monotonicMs() - start;
      this.metrics?.reconcileDuration.observe({ controller: this.name }, elapsedMs / 1000);
      this.metrics?.queueDepth.set({ controller: this.name }, this.queue.length + this.queue.delayed);
      if (elapsedMs > SLOW_RECONCILE_MS) log.warn({ elapsedMs }, 'slow reconcile');
    }
  }

  private async worker(signal: AbortSignal): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        await this.processOne(key, signal);
      } finally {
        this.queue.done(key);
      }
    }
  }
}
