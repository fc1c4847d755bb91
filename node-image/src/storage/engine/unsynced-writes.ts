// Writes appended to the commit log under batch or group sync whose fsync has not completed yet,
// in commit-log order. Invariants: entries settle (become durable or fail) in append order, batch
// by batch, because the commit log settles its batches in log order; each batch gets one reaction,
// registered before its promise is handed to any caller, so an entry is settled before its writer
// sees the acknowledgement. The oldest entry's position bounds what a memtable flush may cover.
// A settle callback may add entries (a counter write waiting for its partition appends then).
import { assert } from '../../lib/index.ts';
import type { CommitLogPosition } from '../commit-log/commit-log-position.ts';
import type { Mutation } from '../model.ts';

/**
 * Called once per entry, in append order: `durable` is false when its batch failed. `position` is
 * where the entry starts; the object is reused, valid during the call only.
 */
export type SettleUnsyncedWrite = (mutation: Mutation, position: CommitLogPosition, durable: boolean) => void;

/** Initial ring capacity (entries); it doubles as needed, bounded by the writes of one sync window. */
export const UNSYNCED_WRITES_INITIAL_CAPACITY = 256;

export class UnsyncedWrites {
  private readonly settleEntry: SettleUnsyncedWrite;
  private readonly onError: (error: Error) => void;
  private mutations: (Mutation | undefined)[] = new Array<Mutation | undefined>(UNSYNCED_WRITES_INITIAL_CAPACITY);
  private segmentIds = new Float64Array(UNSYNCED_WRITES_INITIAL_CAPACITY);
  private offsets = new Float64Array(UNSYNCED_WRITES_INITIAL_CAPACITY);
  private head = 0;
  private count = 0;
  /** Entries per batch not settled yet, oldest first (batchHead indexes the oldest). */
  private readonly batchSizes: number[] = [];
  private batchHead = 0;
  private lastBatch: Promise<void> | null = null;
  private readonly settling = { segmentId: 0, offsetBytes: 0 };
  private readonly onDurable = (): void => this.settleBatch(true);
  private readonly onFailed = (): void => this.settleBatch(false);

  constructor(options: { settle: SettleUnsyncedWrite; onError: (error: Error) => void }) {
    this.settleEntry = options.settle;
    this.onError = options.onError;
  }

  get size(): number {
    return this.count;
  }

  /** Segment id of the oldest entry (size > 0). */
  get oldestSegmentId(): number {
    assert(this.count > 0, 'no unsynced write');
    return this.segmentIds[this.head]!;
  }

  /** Offset of the oldest entry in its segment (size > 0). */
  get oldestOffsetBytes(): number {
    assert(this.count > 0, 'no unsynced write');
    return this.offsets[this.head]!;
  }

  /** Records an entry just appended at (segmentId, offsetBytes); `durable` is its batch's promise. */
  add(mutation: Mutation, options: { segmentId: number; offsetBytes: number; durable: Promise<void> }): void {
    if (this.count === this.mutations.length) this.grow();
    const at = (this.head + this.count) % this.mutations.length;
    this.mutations[at] = mutation;
    this.segmentIds[at] = options.segmentId;
    this.offsets[at] = options.offsetBytes;
    this.count++;
    if (options.durable === this.lastBatch && this.batchSizes.length > this.batchHead) {
      this.batchSizes[this.batchSizes.length - 1]!++;
      return;
    }
    this.lastBatch = options.durable;
    this.batchSizes.push(1);
    options.durable.then(this.onDurable, this.onFailed);
  }

  private settleBatch(durable: boolean): void {
    assert(this.batchHead < this.batchSizes.length, 'a batch settled with no unsynced entries');
    const n = this.batchSizes[this.batchHead++]!;
    if (this.batchHead === this.batchSizes.length) {
      this.batchSizes.length = 0;
      this.batchHead = 0;
      this.lastBatch = null;
    } else if (this.batchHead >= 1024 && this.batchHead * 2 >= this.batchSizes.length) {
      this.batchSizes.splice(0, this.batchHead);
      this.batchHead = 0;
    }
    // The ring is read through `this` at each step: a settle callback may add entries (and grow it).
    for (let i = 0; i < n; i++) {
      const mutation = this.mutations[this.head]!;
      this.mutations[this.head] = undefined;
      this.settling.segmentId = this.segmentIds[this.head]!;
      this.settling.offsetBytes = this.offsets[this.head]!;
      this.head = (this.head + 1) % this.mutations.length;
      this.count--;
      try {
        this.settleEntry(mutation, this.settling, durable);
      } catch (error) {
        this.onError(error as Error);
      }
    }
  }

  private grow(): void {
    const capacity = this.mutations.length * 2;
    const mutations = new Array<Mutation | undefined>(capacity);
    const segmentIds = new Float64Array(capacity);
    const offsets = new Float64Array(capacity);
    for (let i = 0; i < this.count; i++) {
      const from = (this.head + i) % this.mutations.length;
      mutations[i] = this.mutations[from];
      segmentIds[i] = this.segmentIds[from]!;
      offsets[i] = this.offsets[from]!;
    }
    this.mutations = mutations;
    this.segmentIds = segmentIds;
    this.offsets = offsets;
    this.head = 0;
  }
}
