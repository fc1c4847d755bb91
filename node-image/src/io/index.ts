// Interfaces to the outside world. Real implementations: io/real. Simulated ones: sim/.
export type { Clock, TimerHandle, Timers } from './clock.ts';
export { MicrosTimestampSource, pollUntil } from './clock.ts';
export type { Random } from './random.ts';
export { randomInt } from './random.ts';
export type { Disk, DiskSpace, FileStat, ReadableFile, WritableFile } from './disk.ts';
export type {
  ClientTlsOptions, ConnectOptions, HttpHandler, HttpRequest, HttpResponse, Listener, ListenOptions, Network, ServerTlsOptions, Socket, TlsCredentials,
  TlsCredentialSource,
} from './network.ts';
export type { Logger } from './logger.ts';
export type { WorkerChannel, WorkerHost, WorkerSpawner } from './workers.ts';
export { silentLogger } from './logger.ts';

import type { Clock, Timers } from './clock.ts';
import type { Disk } from './disk.ts';
import type { Logger } from './logger.ts';
import type { Network } from './network.ts';
import type { Random } from './random.ts';
import type { WorkerSpawner } from './workers.ts';

/** Everything nondeterministic a shard or node needs, bundled for composition roots. */
export interface Io {
  readonly clock: Clock;
  readonly timers: Timers;
  readonly random: Random;
  readonly disk: Disk;
  readonly network: Network;
  readonly logger: Logger;
  /** Worker threads (real nodes only): compactions run in them when present. */
  readonly workers?: WorkerSpawner;
}
export { MemoryDisk } from './memory-disk.ts';
export type { MemoryDiskCrashOptions, MemoryDiskOptions, MemoryDiskStats } from './memory-disk.ts';
