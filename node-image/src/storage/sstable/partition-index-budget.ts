// The shard's memory budget for in-memory partition indexes (Cassandra's index_summary_capacity),
// shared by every SSTable reader. A new index is dense when it fits what is left, else sampled at
// the smallest power-of-two interval that fits (never sparser than PARTITION_INDEX_INTERVAL_MAX,
// which may overshoot the budget, as Cassandra's max_index_interval does). When an index is
// released, sampled ones are rebuilt denser while they fit, largest-read first. Invariant:
// usedBytes is the sum of the sizes of the registered indexes.
import { assert } from '../../lib/index.ts';
import { DENSE_INDEX_OFFSET_INTERVAL, PARTITION_INDEX_INTERVAL_MAX, partitionIndexBytes } from './partition-index.ts';

/**
 * Default budget: 64 MiB holds ~4M partitions densely (16.5 bytes each), about 5% of a 1.3 GiB
 * heap (Cassandra's default is 5% of the heap); Cassia's cached bytes default to 128 MiB of
 * chunks and 16 MiB of keys, and a dense index replaces most of what a key cache did.
 */
export const INDEX_SUMMARY_CAPACITY_BYTES_DEFAULT = 64 * 1024 * 1024;
/** Upper bound of the setting (a dense index of 1 G partitions). */
export const INDEX_SUMMARY_CAPACITY_BYTES_MAX = 16 * 1024 * 1024 * 1024;
/** Rebuilds (index rescans) done per release at most, so a close stays short. */
export const INDEX_UPGRADES_PER_RELEASE_MAX = 4;

/** What the budget needs of an index holder (an SSTable reader). */
export interface PartitionIndexHolder {
  /** Partitions of the SSTable. */
  readonly partitionCount: number;
  /** Current interval (1: dense). */
  readonly partitionIndexInterval: number;
  /** Point reads served, to pick whom to upgrade first. */
  readonly readCount: number;
  /** Rebuilds the index at `interval` (rescans Index.db); false when it could not. */
  rebuildPartitionIndex(interval: number): boolean;
  /** The same rebuild in steps (null: not possible now); the holder re-registers when it ends. */
  beginPartitionIndexRebuild?(interval: number): PartitionIndexRebuild | null;
}

/** A rebuild done in steps. */
export interface PartitionIndexRebuild {
  /** Parses up to `entries` more index entries; true once the rebuild has ended (done or given up). */
  step(entries: number): boolean;
}

/** Index entries a stepped upgrade parses per event-loop turn (about a millisecond). */
export const INDEX_UPGRADE_STEP_ENTRIES = 16_384;

/** Runs a function on a later event-loop turn (the engine's timers). */
export type UpgradeScheduler = (run: () => void) => void;

export interface PartitionIndexStats {
  readonly capacityBytes: number;
  readonly bytes: number;
  readonly sstables: number;
  readonly dense: number;
  readonly sampled: number;
  /** Largest interval in use (1 when all are dense or none exist). */
  readonly intervalMax: number;
}

export class PartitionIndexBudget {
  readonly capacityBytes: number;
  private used = 0;
  private readonly holders = new Map<PartitionIndexHolder, number>();
  private scheduler: UpgradeScheduler | null = null;
  /** Stepped upgrades: the one under way, whether a turn is scheduled, and how many more may start. */
  private rebuild: PartitionIndexRebuild | null = null;
  private turnScheduled = false;
  private upgradesLeft = 0;

  constructor(capacityBytes: number = INDEX_SUMMARY_CAPACITY_BYTES_DEFAULT) {
    assert(capacityBytes >= 0 && capacityBytes <= INDEX_SUMMARY_CAPACITY_BYTES_MAX, 'index summary capacity');
    this.capacityBytes = capacityBytes;
  }

  get usedBytes(): number {
    return this.used;
  }

  /** The interval for a new index of `count` partitions with what is left of the budget. */
  intervalFor(count: number): number {
    const free = this.capacityBytes - this.used;
    if (partitionIndexBytes(count, 1) <= free) return 1;
    let interval = DENSE_INDEX_OFFSET_INTERVAL;
    while (interval < PARTITION_INDEX_INTERVAL_MAX && partitionIndexBytes(count, interval) > free) interval *= 2;
    return interval;
  }

  /** Accounts an index of `sizeBytes` (a holder registers once; again to change its size). */
  register(holder: PartitionIndexHolder, sizeBytes: number): void {
    this.used += sizeBytes - (this.holders.get(holder) ?? 0);
    this.holders.set(holder, sizeBytes);
  }

  /**
   * With a scheduler, upgrades are rebuilt in steps of INDEX_UPGRADE_STEP_ENTRIES, one step per
   * turn: rebuilding a million-partition index in one go held the event loop for 300 ms inside
   * the close of a compaction's input.
   */
  setScheduler(scheduler: UpgradeScheduler | null): void {
    this.scheduler = scheduler;
  }

  /** Forgets a holder (closed SSTable) and upgrades sampled indexes into the space freed. */
  release(holder: PartitionIndexHolder): void {
    const size = this.holders.get(holder);
    if (size === undefined) return;
    this.holders.delete(holder);
    this.used -= size;
    if (this.scheduler === null) {
      this.upgrade();
      return;
    }
    this.upgradesLeft = Math.min(this.upgradesLeft + INDEX_UPGRADES_PER_RELEASE_MAX, 4 * INDEX_UPGRADES_PER_RELEASE_MAX);
    this.scheduleTurn();
  }

  private scheduleTurn(): void {
    if (this.turnScheduled || this.scheduler === null) return;
    this.turnScheduled = true;
    this.scheduler(() => {
      this.turnScheduled = false;
      this.upgradeTurn();
    });
  }

  /** One step of the stepped upgrades: starts the next rebuild if none runs, advances it, reschedules. */
  private upgradeTurn(): void {
    if (this.rebuild === null) {
      if (this.upgradesLeft <= 0) return;
      const next = this.nextUpgrade();
      if (next === null) {
        this.upgradesLeft = 0;
        return;
      }
      this.upgradesLeft--;
      const { holder, interval } = next;
      if (holder.beginPartitionIndexRebuild === undefined) holder.rebuildPartitionIndex(interval);
      else this.rebuild = holder.beginPartitionIndexRebuild(interval);
    }
    if (this.rebuild !== null && this.rebuild.step(INDEX_UPGRADE_STEP_ENTRIES)) this.rebuild = null;
    if (this.rebuild !== null || this.upgradesLeft > 0) this.scheduleTurn();
  }

  /** The most-read sampled index that the free budget can make denser, and to what interval. */
  private nextUpgrade(): { holder: PartitionIndexHolder; interval: number } | null {
    for (const h of this.sampledByReads()) {
      const interval = this.upgradeInterval(h);
      if (interval < h.partitionIndexInterval) return { holder: h, interval };
    }
    return null;
  }

  /** The sampled indexes, most-read first: the order upgrades take them in. */
  private sampledByReads(): PartitionIndexHolder[] {
    return [...this.holders.keys()].filter((h) => h.partitionIndexInterval > 1).sort((a, b) => b.readCount - a.readCount);
  }

  private upgradeInterval(h: PartitionIndexHolder): number {
    const current = this.holders.get(h)!;
    const free = this.capacityBytes - this.used + current;
    let interval = 1;
    if (partitionIndexBytes(h.partitionCount, 1) > free) {
      interval = DENSE_INDEX_OFFSET_INTERVAL;
      while (interval < h.partitionIndexInterval && partitionIndexBytes(h.partitionCount, interval) > free) interval *= 2;
    }
    return interval;
  }

  private upgrade(): void {
    let rebuilds = 0;
    for (const h of this.sampledByReads()) {
      if (rebuilds >= INDEX_UPGRADES_PER_RELEASE_MAX) break;
      const interval = this.upgradeInterval(h);
      if (interval >= h.partitionIndexInterval) continue;
      rebuilds++;
      // The holder re-registers its new size.
      h.rebuildPartitionIndex(interval);
    }
  }

  stats(): PartitionIndexStats {
    let dense = 0;
    let intervalMax = 1;
    for (const h of this.holders.keys()) {
      if (h.partitionIndexInterval === 1) dense++;
      intervalMax = Math.max(intervalMax, h.partitionIndexInterval);
    }
    return { capacityBytes: this.capacityBytes, bytes: this.used, sstables: this.holders.size, dense, sampled: this.holders.size - dense, intervalMax };
  }
}
