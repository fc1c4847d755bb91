// The only place that touches the real world (ARCHITECTURE.md "Determinism").
import type { Io } from '../index.ts';
import { realClock, realTimers } from './real-clock.ts';
import { realDisk } from './real-disk.ts';
import { createRealLogger } from './real-logger.ts';
import { realNetwork } from './real-network.ts';
import { realRandom } from './real-random.ts';
import { realWorkers } from './real-workers.ts';

export { realClock, realTimers, realDisk, realNetwork, realRandom, realWorkers, createRealLogger };

export function createRealIo(options: { logLevel: string; name: string; logFd?: number }): Io {
  return {
    clock: realClock,
    timers: realTimers,
    random: realRandom,
    disk: realDisk,
    network: realNetwork,
    workers: realWorkers,
    logger: createRealLogger({ level: options.logLevel, name: options.name, ...(options.logFd === undefined ? {} : { destinationFd: options.logFd }) }),
  };
}
