// Worker threads as an injected dependency: a spawner starts a module in a thread of its own and
// hands back a message channel to it. Only io/real implements it (node:worker_threads); the
// simulator has none, so everything that could run in a worker keeps an in-process path.
import type { Disk } from './disk.ts';

/** The main thread's end of one worker thread. */
export interface WorkerChannel {
  /** Structured clone; the ArrayBuffers in `transfer` move to the worker (zero copy). */
  post(message: unknown, transfer?: readonly ArrayBuffer[]): void;
  /** Replaces the handlers. `exit` is called once, when the thread ends (error: why, if it failed). */
  listen(handlers: { message: (message: unknown) => void; exit: (error: Error | null) => void }): void;
  /** Stops the thread at once (its pending work is lost); `exit` is called. */
  terminate(): void;
}

export interface WorkerSpawner {
  /**
   * Starts a worker running the module at `moduleUrl` (a file: URL), whose export
   * `runWorker(host: WorkerHost)` is called once inside the thread.
   */
  spawn(moduleUrl: string): WorkerChannel;
}

/** What a worker module gets from its thread. */
export interface WorkerHost {
  readonly disk: Disk;
  /** Milliseconds from an arbitrary origin, never decreasing (slicing and progress reports). */
  monotonicMs(): number;
  post(message: unknown, transfer?: readonly ArrayBuffer[]): void;
  onMessage(handler: (message: unknown) => void): void;
  /**
   * Runs this thread `niceIncrement` below its current priority where the OS can do it for one
   * thread (Linux), so background work yields the CPU to the event loop when cores are busy.
   * Returns the thread's priority now (nice value), or null when unchanged.
   */
  lowerPriority?(niceIncrement: number): number | null;
}
