// The main thread's side of compaction workers: at most `size` threads (concurrent_compactors),
// spawned on demand through the injected WorkerSpawner, each running one task at a time; tasks
// beyond wait in a bounded queue. A job's hooks answer the worker's progress reports (throttle,
// cancellation) and generation requests. A worker that exits or errors fails its job (the caller
// removes its temp outputs) and is replaced by a fresh one for the next job.
import { assert } from '../../lib/index.ts';
import type { Logger, WorkerChannel, WorkerSpawner } from '../../io/index.ts';
import type { FromWorker, ToWorker, WirePrepared, WorkerCounters, WorkerTask } from './compaction-worker-protocol.ts';

/** Jobs waiting for a free worker; beyond, a job fails at once. */
export const WORKER_QUEUE_MAX = 256;
/** Generations a worker may ask for in one request. */
export const WORKER_GENERATIONS_PER_REQUEST_MAX = 64;

export const COMPACTION_WORKER_MODULE_URL = new URL('./compaction-worker.ts', import.meta.url).href;

export interface WorkerJobHooks {
  /** After each slice: resolves to whether the worker goes on. */
  progress(bytesRead: number, writtenBytes: number): Promise<'continue' | 'cancel'>;
  /** Fresh generations for more outputs. */
  generations(count: number): number[];
  /** Checked before the job starts and while it waits in the queue. */
  cancelled(): boolean;
}

export type WorkerJobResult =
  | { readonly kind: 'done'; readonly prepared: readonly WirePrepared[]; readonly counters: WorkerCounters }
  | { readonly kind: 'cancelled' }
  | { readonly kind: 'failed'; readonly message: string; readonly corruption: { readonly path: string; readonly offsetBytes: number; readonly reason: string } | null };

interface Job {
  readonly task: WorkerTask;
  readonly transfer: readonly ArrayBuffer[];
  readonly hooks: WorkerJobHooks;
  readonly resolve: (result: WorkerJobResult) => void;
}

interface Slot {
  readonly channel: WorkerChannel;
  job: Job | null;
  exited: boolean;
}

export class CompactionWorkerPool {
  private readonly spawner: WorkerSpawner;
  private readonly logger: Logger;
  private readonly moduleUrl: string;
  private size: number;
  private readonly slots = new Set<Slot>();
  private readonly queue: Job[] = [];
  private closed = false;

  constructor(options: { spawner: WorkerSpawner; logger: Logger; size: number; moduleUrl?: string }) {
    assert(options.size >= 1, 'at least one compaction worker');
    this.spawner = options.spawner;
    this.logger = options.logger;
    this.size = options.size;
    this.moduleUrl = options.moduleUrl ?? COMPACTION_WORKER_MODULE_URL;
  }

  get workerCount(): number {
    return this.slots.size;
  }

  setSize(n: number): void {
    assert(n >= 1, 'at least one compaction worker');
    this.size = n;
    this.trim();
    this.dispatch();
  }

  /** Runs the task in a worker; never rejects (failures are results). */
  run(task: WorkerTask, transfer: readonly ArrayBuffer[], hooks: WorkerJobHooks): Promise<WorkerJobResult> {
    if (this.closed) return Promise.resolve({ kind: 'cancelled' });
    if (this.queue.length >= WORKER_QUEUE_MAX) {
      return Promise.resolve({ kind: 'failed', message: `more than ${WORKER_QUEUE_MAX} compactions wait for a worker`, corruption: null });
    }
    return new Promise((resolve) => {
      this.queue.push({ task, transfer, hooks, resolve });
      this.dispatch();
    });
  }

  /** Terminates every worker; running jobs end as cancelled. */
  close(): void {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.resolve({ kind: 'cancelled' });
    for (const slot of [...this.slots]) {
      const job = slot.job;
      slot.job = null;
      job?.resolve({ kind: 'cancelled' });
      this.slots.delete(slot);
      slot.channel.terminate();
    }
  }

  private dispatch(): void {
    while (!this.closed && this.queue.length > 0) {
      const job = this.queue[0]!;
      if (job.hooks.cancelled()) {
        this.queue.shift();
        job.resolve({ kind: 'cancelled' });
        continue;
      }
      let slot: Slot | null = null;
      for (const s of this.slots) {
        if (s.job === null && !s.exited) {
          slot = s;
          break;
        }
      }
      if (slot === null && this.slots.size < this.size) slot = this.spawn();
      if (slot === null) return;
      this.queue.shift();
      try {
        slot.channel.post(job.task, job.transfer);
      } catch (error) {
        // Not clonable or not transferable: this job fails, the worker stays free.
        job.resolve({ kind: 'failed', message: `compaction task not sent to a worker: ${(error as Error).message}`, corruption: null });
        continue;
      }
      slot.job = job;
    }
  }

  private spawn(): Slot {
    const channel = this.spawner.spawn(this.moduleUrl);
    const slot: Slot = { channel, job: null, exited: false };
    this.slots.add(slot);
    channel.listen({
      message: (m) => this.onMessage(slot, m as FromWorker),
      exit: (error) => this.onExit(slot, error),
    });
    return slot;
  }

  private onMessage(slot: Slot, m: FromWorker): void {
    const job = slot.job;
    if (job === null) return;
    switch (m.type) {
      case 'progress':
        job.hooks.progress(m.bytesRead, m.writtenBytes).then((answer) => {
          if (slot.job === job) slot.channel.post({ type: answer } satisfies ToWorker);
        }, () => {
          if (slot.job === job) slot.channel.post({ type: 'cancel' } satisfies ToWorker);
        });
        return;
      case 'need-generations': {
        const count = Math.max(1, Math.min(WORKER_GENERATIONS_PER_REQUEST_MAX, m.count));
        if (job.hooks.cancelled()) slot.channel.post({ type: 'cancel' } satisfies ToWorker);
        else slot.channel.post({ type: 'generations', generations: job.hooks.generations(count) } satisfies ToWorker);
        return;
      }
      case 'done':
        this.finish(slot, { kind: 'done', prepared: m.prepared, counters: m.counters });
        return;
      case 'cancelled':
        this.finish(slot, { kind: 'cancelled' });
        return;
      case 'failed':
        this.finish(slot, { kind: 'failed', message: m.message, corruption: m.corruption });
        return;
    }
  }

  private finish(slot: Slot, result: WorkerJobResult): void {
    const job = slot.job!;
    slot.job = null;
    job.resolve(result);
    this.trim();
    this.dispatch();
  }

  private onExit(slot: Slot, error: Error | null): void {
    slot.exited = true;
    this.slots.delete(slot);
    const job = slot.job;
    slot.job = null;
    if (job !== null) {
      this.logger.error({ err: error?.message ?? 'exited' }, 'compaction worker died during a task');
      job.resolve({ kind: 'failed', message: `compaction worker died: ${error?.message ?? 'exited'}`, corruption: null });
    }
    this.dispatch();
  }

  /** Idle workers beyond the size are terminated (busy ones once their job ends). */
  private trim(): void {
    let excess = this.slots.size - this.size;
    for (const s of [...this.slots]) {
      if (excess <= 0) break;
      if (s.job !== null) continue;
      this.slots.delete(s);
      s.exited = true;
      s.channel.terminate();
      excess--;
    }
  }
}
