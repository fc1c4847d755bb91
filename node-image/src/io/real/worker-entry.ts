// Entry module of every worker thread (real-workers.ts): moves its thread off the event loop's core
// (cpu-affinity.ts), imports the module named in workerData and calls its runWorker with the real
// disk and a channel to the parent. Nothing else runs here.
import { getPriority, setPriority } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import type { WorkerHost } from '../workers.ts';
import { moveThisThreadToBackgroundCpus } from './cpu-affinity.ts';
import { realDisk } from './real-disk.ts';

interface WorkerModule {
  runWorker(host: WorkerHost): void;
}

const port = parentPort;
if (port === null) throw new Error('worker-entry.ts runs only in a worker thread');
const { moduleUrl } = workerData as { moduleUrl: string };
// Every worker thread is background work (flush, compaction): off the event loop's core.
moveThisThreadToBackgroundCpus();
const module = (await import(moduleUrl)) as WorkerModule;
module.runWorker({
  disk: realDisk,
  monotonicMs: () => performance.now(),
  post: (message, transfer) => port.postMessage(message, transfer === undefined ? undefined : [...transfer]),
  onMessage: (handler) => {
    port.on('message', handler);
  },
  lowerPriority: (niceIncrement) => {
    // Linux keeps a nice value per thread, and setpriority(PRIO_PROCESS, 0) changes the calling
    // thread's only; elsewhere it would change the whole process, event loop included.
    if (process.platform !== 'linux') return null;
    try {
      const nice = Math.min(19, getPriority(0) + niceIncrement);
      setPriority(0, nice);
      return getPriority(0);
    } catch {
      return null;
    }
  },
});
