// The batchlog on one node (Cassandra's BatchlogManager): as a batchlog replica it stores logged
// batches durably before acknowledging them and forgets them when their coordinator says they
// were applied; a batch still held `replayTimeoutMs` after it was stored (its coordinator died or
// its writes failed) is replayed: every mutation goes to every replica of its partition (the
// owner's `replay`, which hints those it cannot reach) and the batch is then forgotten. Replay
// runs every `replayIntervalMs`, one round at a time, at most BATCHLOG_REPLAY_BATCHES_MAX batches
// per round.
import type { Clock, Disk, Logger, TimerHandle, Timers } from '../../io/index.ts';
import { decodeBatch } from './batchlog-messages.ts';
import type { BatchlogOperation } from './batchlog-messages.ts';
import { BatchlogStore } from './batchlog-store.ts';

export const BATCHLOG_DIRECTORY_NAME = 'batchlog';
/** Batches replayed per round at most (the rest wait for the next round). */
export const BATCHLOG_REPLAY_BATCHES_MAX = 1024;

export interface BatchlogConfig {
  /** How often due batches are looked for (Cassandra: 10 s). */
  readonly replayIntervalMs: number;
  /** A batch is replayed once held this long (Cassandra: 2 x write_request_timeout). */
  readonly replayTimeoutMs: number;
}

export interface BatchlogStats {
  /** Batches stored as a batchlog replica. */
  stored: number;
  /** Batches removed because their coordinator applied them. */
  removed: number;
  /** Batches replayed by this node (their coordinator did not remove them in time). */
  replayed: number;
  /** Mutations sent by replays. */
  replayedMutations: number;
  /** Replays that failed (kept for the next round). */
  replayFailures: number;
}

export class BatchlogService {
  readonly store: BatchlogStore;
  readonly stats: BatchlogStats = { stored: 0, removed: 0, replayed: 0, replayedMutations: 0, replayFailures: 0 };
  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly logger: Logger;
  private readonly config: BatchlogConfig;
  private readonly replay: (mutations: readonly Buffer[], storedAtMs: number) => Promise<void>;
  private timer: TimerHandle | null = null;
  private round: Promise<void> | null = null;
  private closed = false;

  constructor(options: {
    readonly disk: Disk;
    readonly directory: string;
    readonly clock: Clock;
    readonly timers: Timers;
    readonly logger: Logger;
    readonly config: BatchlogConfig;
    /** Writes a batch's mutations to all their replicas (hinting the unreachable ones). */
    readonly replay: (mutations: readonly Buffer[], storedAtMs: number) => Promise<void>;
  }) {
    this.clock = options.clock;
    this.timers = options.timers;
    this.logger = options.logger.child({ component: 'batchlog' });
    this.config = options.config;
    this.replay = options.replay;
    this.store = BatchlogStore.open({ disk: options.disk, directory: options.directory, logger: this.logger });
  }

  start(): void {
    this.timer = this.timers.setInterval(() => {
      void this.replayDue();
    }, this.config.replayIntervalMs);
  }

  /** A batchlog write from a coordinator (or this node as its own batchlog replica); resolves once durable. */
  async apply(op: BatchlogOperation): Promise<void> {
    if (op.kind === 'store') {
      decodeBatch(op.batch);
      this.store.store({ id: op.id, storedAtMs: this.clock.nowMs(), batch: op.batch });
      this.stats.stored++;
      await this.store.durable();
      return;
    }
    // A lost removal only means a harmless replay: no need to wait for the disk.
    if (this.store.has(op.id)) this.stats.removed++;
    this.store.remove(op.id);
  }

  /** One replay round over the batches held longer than the replay timeout (runs alone). */
  replayDue(): Promise<void> {
    if (this.round !== null || this.closed) return this.round ?? Promise.resolve();
    this.round = this.replayRound().finally(() => {
      this.round = null;
    });
    return this.round;
  }

  private async replayRound(): Promise<void> {
    const dueBeforeMs = this.clock.nowMs() - this.config.replayTimeoutMs;
    let replayed = 0;
    for (const batch of this.store.batches()) {
      if (this.closed || replayed >= BATCHLOG_REPLAY_BATCHES_MAX) return;
      if (batch.storedAtMs > dueBeforeMs) continue;
      if (!this.store.has(batch.id)) continue;
      replayed++;
      try {
        const mutations = decodeBatch(batch.batch);
        await this.replay(mutations, batch.storedAtMs);
        this.stats.replayed++;
        this.stats.replayedMutations += mutations.length;
        if (!this.closed) this.store.remove(batch.id);
      } catch (error) {
        this.stats.replayFailures++;
        this.logger.warn({ err: error, batch: batch.id.toString('hex') }, 'batch replay failed; will retry');
      }
    }
  }

  async stop(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.timer?.cancel();
    await this.round;
    await this.store.close();
  }
}
