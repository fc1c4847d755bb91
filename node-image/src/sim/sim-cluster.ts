// N real nodes (startNode) in one process over the simulated clock, timers, network and disks.
// Node i listens on 127.0.0.i and keeps one MemoryDisk across incarnations. A crash kills the
// incarnation (no more events of it run; its sockets reset peers, or go silent on power loss) and
// then either keeps everything handed to the OS (kill -9) or drops and tears unsynced bytes
// (power loss); a restart opens a new incarnation on the same disk.
import type { NodeConfig, NodeConfigInput } from '../config/index.ts';
import { parseNodeConfig } from '../config/index.ts';
import type { Io } from '../io/index.ts';
import { MemoryDisk } from '../io/index.ts';
import { assert } from '../lib/index.ts';
import { startNode } from '../node.ts';
import type { RunningNode } from '../node.ts';
import { LogRing } from './ring-logger.ts';
import type { SimScheduler } from './scheduler.ts';
import { SimNetwork } from './sim-network.ts';
import type { NetworkProfile } from './sim-network.ts';
import { SimProcess } from './sim-process.ts';
import type { SimRandom } from './sim-random.ts';

/** Bound on nodes in one simulation. */
export const SIM_NODES_MAX = 16;
/**
 * RING_DELAY of simulated nodes: a third of Cassandra's 30 s. It is also the fat-client timeout, so
 * much shorter values make gossip drop a bootstrapping node that is merely slow to be heard from.
 */
export const RING_DELAY_MS_DEFAULT = 10_000;
/** A start (shadow round, join, replay) taking longer than this in virtual time is killed. */
export const NODE_START_TIMEOUT_MS_DEFAULT = 120_000;

export interface DiskProfile {
  /** fsync completes after a uniform delay in [min, max]. */
  readonly fsyncMinMs: number;
  readonly fsyncMaxMs: number;
  /** On power loss, flip bits in the torn tail with this probability. */
  readonly garbleProbability: number;
}

export const DEFAULT_DISK: DiskProfile = { fsyncMinMs: 0.05, fsyncMaxMs: 2, garbleProbability: 0.3 };

export type CrashKind = 'kill' | 'power';

export interface SimClusterOptions {
  readonly scheduler: SimScheduler;
  readonly random: SimRandom;
  readonly nodes: number;
  readonly network: NetworkProfile;
  readonly disk?: DiskProfile;
  /** Config for every node (addresses, seeds and directories are filled in). */
  readonly config?: (index: number) => NodeConfigInput;
  /** Wall clock offset of each node, ms (0 by default). */
  readonly clockSkewMs?: (index: number) => number;
  /** Record debug lines in the log ring. */
  readonly debugLogs?: boolean;
  /** The ring node logs go to (default: a new one). */
  readonly log?: LogRing;
}

export class SimNode {
  readonly index: number;
  readonly host: string;
  readonly disk: MemoryDisk;
  readonly config: NodeConfig;
  process: SimProcess | null = null;
  running: RunningNode | null = null;
  incarnations = 0;

  constructor(options: { index: number; host: string; disk: MemoryDisk; config: NodeConfig }) {
    this.index = options.index;
    this.host = options.host;
    this.disk = options.disk;
    this.config = options.config;
  }

  get name(): string {
    return `n${this.index}`;
  }

  /** The running node, or an error naming the node. */
  live(): RunningNode {
    assert(this.running !== null, `${this.name} is not running`);
    return this.running;
  }
}

export class SimCluster {
  readonly scheduler: SimScheduler;
  readonly network: SimNetwork;
  readonly log: LogRing;
  readonly nodes: readonly SimNode[];
  /** Nodes named in every node's seed list. */
  readonly seedIndexes: readonly number[];
  private readonly random: SimRandom;
  private readonly diskProfile: DiskProfile;
  private readonly diskRandom: SimRandom;
  private readonly clockSkewMs: (index: number) => number;
  private readonly debugLogs: boolean;
  /** One-shot: crash this node between the start and the end of its next fsync. */
  private readonly crashDuringFsync = new Map<number, { kind: CrashKind; done: () => void }>();

  constructor(options: SimClusterOptions) {
    assert(options.nodes >= 1 && options.nodes <= SIM_NODES_MAX, `sim: 1..${SIM_NODES_MAX} nodes`);
    this.scheduler = options.scheduler;
    this.random = options.random.fork();
    this.diskRandom = options.random.fork();
    this.network = new SimNetwork({ scheduler: this.scheduler, random: options.random.fork(), profile: options.network });
    this.log = options.log ?? new LogRing({ now: () => this.scheduler.nowMs });
    this.diskProfile = options.disk ?? DEFAULT_DISK;
    this.clockSkewMs = options.clockSkewMs ?? (() => 0);
    this.debugLogs = options.debugLogs ?? false;
    this.seedIndexes = options.nodes === 1 ? [1] : [1, 2];
    const seeds = this.seedIndexes.map((i) => `127.0.0.${i}`).join(',');
    const nodes: SimNode[] = [];
    for (let i = 1; i <= options.nodes; i++) {
      const host = `127.0.0.${i}`;
      const config = parseNodeConfig({
        cluster_name: 'sim',
        seeds,
        num_tokens: 4,
        ring_delay: RING_DELAY_MS_DEFAULT,
        commitlog_sync: 'batch',
        ...(options.config?.(i) ?? {}),
        listen_address: host,
        rpc_address: host,
        data_file_directories: ['/var/lib/cassia/data'],
        commitlog_directory: '/var/lib/cassia/commitlog',
        hints_directory: '/var/lib/cassia/hints',
      });
      const disk = this.newDisk(i, () => nodes[i - 1]!.process);
      nodes.push(new SimNode({ index: i, host, disk, config }));
    }
    this.nodes = nodes;
  }

  node(index: number): SimNode {
    const node = this.nodes[index - 1];
    assert(node !== undefined, `sim: no node ${index}`);
    return node;
  }

  /** Nodes currently running. */
  runningNodes(): SimNode[] {
    return this.nodes.filter((n) => n.running !== null);
  }

  /**
   * Starts node `index` (a new incarnation on its disk); resolves once it serves CQL. A start that
   * takes longer than `timeoutMs` of virtual time is killed (as an operator would) and rejects with
   * NodeStartTimeoutError.
   */
  async start(index: number, options: { timeoutMs?: number } = {}): Promise<RunningNode> {
    const node = this.node(index);
    assert(node.process === null || !node.process.alive, `${node.name} is already running`);
    node.incarnations++;
    const process = new SimProcess({ name: node.name, incarnation: node.incarnations });
    node.process = process;
    const io: Io = {
      clock: this.scheduler.clock({ skewMs: this.clockSkewMs(index) }),
      timers: this.scheduler.timers(process),
      random: this.random.fork(),
      disk: node.disk.processView(),
      network: this.network.view({ process, host: node.host }),
      logger: this.log.logger(`${node.name}.${node.incarnations}`, { debug: this.debugLogs }),
    };
    this.log.note(`start ${process}`);
    const startedAtMs = this.scheduler.nowMs;
    this.scheduler.trace.addString(`start ${process}`);
    let started: RunningNode | null;
    const timeoutMs = options.timeoutMs ?? NODE_START_TIMEOUT_MS_DEFAULT;
    const watchdog = this.scheduler.schedule({ delayMs: timeoutMs, owner: process, label: 'start-timeout' }, () => {
      this.log.note(`${process} did not start within ${timeoutMs} ms: killing it`);
      this.crash(index, 'kill');
    });
    try {
      started = await raceDeath(process, startNode(node.config, io));
    } catch (error) {
      watchdog.cancel();
      // A node that fails to start exits: nothing of this incarnation may run on.
      this.log.note(`${process} failed to start: ${error instanceof Error ? error.message : String(error)}`);
      process.kill();
      node.disk.kill();
      throw error;
    }
    watchdog.cancel();
    if (started === null) {
      if (this.scheduler.nowMs - startedAtMs >= timeoutMs) throw new NodeStartTimeoutError(`${process} did not start within ${timeoutMs} ms`);
      throw new NodeDiedError(`${process} died while starting`);
    }
    node.running = started;
    process.onDeath(() => {
      if (node.process === process) node.running = null;
      // prom-client's default process metrics (GC and event-loop observers, process-wide) keep
      // the registry, and through its collectors the whole dead node, reachable: let it go.
      started.metrics.registry.clear();
    });
    return started;
  }

  /** Crashes node `index` now. */
  crash(index: number, kind: CrashKind): void {
    const node = this.node(index);
    const process = node.process;
    if (process === null || !process.alive) return;
    this.log.note(`crash ${process} (${kind})`);
    this.scheduler.trace.addString(`crash ${process} ${kind}`);
    if (kind === 'power') this.network.dieSilently(process);
    process.kill();
    node.running = null;
    if (kind === 'kill') {
      node.disk.kill();
    } else {
      node.disk.crash({
        seed: this.diskRandom.nextUint32(),
        unsyncedBytes: 'random',
        garbleTornTail: this.diskRandom.chance(this.diskProfile.garbleProbability),
      });
    }
  }

  /** Stops node `index` cleanly (drain-like: commit log synced, files closed). */
  async stop(index: number): Promise<void> {
    const node = this.node(index);
    const process = node.process;
    if (process === null || !process.alive || node.running === null) return;
    this.log.note(`stop ${process}`);
    this.scheduler.trace.addString(`stop ${process}`);
    const running = node.running;
    await raceDeath(process, running.stop());
    process.kill();
    node.running = null;
    node.disk.kill();
  }

  /** Crashes (kill) every running node: the end of a run, so no timer outlives it. */
  shutdown(): void {
    for (const node of this.nodes) {
      if (node.process !== null && node.process.alive) {
        node.process.kill();
        node.running = null;
      }
    }
  }

  /**
   * Crashes node `index` while its next fsync is in flight (the window where a write is in the
   * memtable but not yet durable), or after `fallbackMs` if it issues none. Resolves once crashed.
   */
  crashDuringNextFsync(index: number, options: { kind: CrashKind; fallbackMs: number }): Promise<void> {
    return new Promise((resolve) => {
      const fallback = this.scheduler.schedule({ delayMs: options.fallbackMs, owner: null, label: 'crash-fallback' }, () => {
        this.crashDuringFsync.delete(index);
        this.crash(index, options.kind);
        resolve();
      });
      this.crashDuringFsync.set(index, {
        kind: options.kind,
        done: () => {
          fallback.cancel();
          resolve();
        },
      });
    });
  }

  private newDisk(index: number, owner: () => SimProcess | null): MemoryDisk {
    const profile = this.diskProfile;
    return new MemoryDisk({
      scheduleSync: (complete) => {
        const delayMs = this.diskRandom.between(profile.fsyncMinMs, profile.fsyncMaxMs);
        this.scheduler.schedule({ delayMs, owner: owner(), label: 'fsync' }, complete);
        const armed = this.crashDuringFsync.get(index);
        if (armed !== undefined) {
          this.crashDuringFsync.delete(index);
          this.scheduler.schedule({ delayMs: this.diskRandom.between(0, delayMs), owner: null, label: 'crash-in-fsync' }, () => {
            this.crash(index, armed.kind);
            armed.done();
          });
        }
      },
    });
  }
}

export class NodeDiedError extends Error {
  override readonly name = 'NodeDiedError';
}

export class NodeStartTimeoutError extends Error {
  override readonly name = 'NodeStartTimeoutError';
}

/** Resolves with the promise's value, or null if `process` dies first. */
export function raceDeath<T>(process: SimProcess, promise: Promise<T>): Promise<T | null> {
  return new Promise<T | null>((resolve, reject) => {
    const unregister = process.onDeath(() => resolve(null));
    promise.then(
      (value) => {
        unregister();
        resolve(value);
      },
      (error: unknown) => {
        unregister();
        reject(error as Error);
      },
    );
  });
}
