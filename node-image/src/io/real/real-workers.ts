// Worker threads (node:worker_threads): each spawned worker runs worker-entry.ts, which imports the
// requested module and calls its runWorker with the real disk. Node runs the .ts sources directly
// in the thread too (type stripping). Workers are referenced: whoever spawns one terminates it.
import { Worker } from 'node:worker_threads';
import type { WorkerChannel, WorkerSpawner } from '../workers.ts';
import { moveV8PlatformThreadsToBackgroundCpus } from './cpu-affinity.ts';

/** Heap of one worker's old generation (a compaction streams; it holds little). */
export const WORKER_HEAP_MAX_MB = 512;

class RealWorkerChannel implements WorkerChannel {
  private readonly worker: Worker;
  private onMessage: (message: unknown) => void = () => undefined;
  private onExit: (error: Error | null) => void = () => undefined;
  private failure: Error | null = null;
  private exited = false;

  constructor(moduleUrl: string) {
    // V8's threads go with the background workers, off the event loop's core (cpu-affinity.ts).
    moveV8PlatformThreadsToBackgroundCpus();
    this.worker = new Worker(new URL('./worker-entry.ts', import.meta.url), {
      workerData: { moduleUrl },
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MAX_MB },
    });
    this.worker.on('message', (m: unknown) => this.onMessage(m));
    this.worker.on('error', (error: Error) => {
      this.failure = error;
    });
    this.worker.on('exit', (code: number) => {
      if (this.exited) return;
      this.exited = true;
      this.onExit(this.failure ?? (code === 0 ? null : new Error(`worker thread exited with code ${code}`)));
    });
  }

  post(message: unknown, transfer?: readonly ArrayBuffer[]): void {
    this.worker.postMessage(message, transfer === undefined ? undefined : [...transfer]);
  }

  listen(handlers: { message: (message: unknown) => void; exit: (error: Error | null) => void }): void {
    this.onMessage = handlers.message;
    this.onExit = handlers.exit;
  }

  terminate(): void {
    if (this.failure === null) this.failure = new Error('worker thread terminated');
    void this.worker.terminate().catch(() => undefined);
  }
}

export const realWorkers: WorkerSpawner = {
  spawn: (moduleUrl) => new RealWorkerChannel(moduleUrl),
};
