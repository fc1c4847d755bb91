// Messages waiting for a peer's connection: a FIFO bounded by count and bytes (STYLE.md rule 9).
// Each entry is an encoded frame plus the request id it belongs to (NO_REQUEST for one-way
// messages) and when it was queued, so stale one-way messages and finished requests can be skipped.
// Invariant: count <= countMax and bytes <= bytesMax at all times.
import { assert } from '../lib/index.ts';

export const NO_REQUEST = -1;

export interface QueuedFrame {
  readonly frame: Buffer;
  /** The request's id, or NO_REQUEST for a one-way message. */
  readonly requestId: number;
  readonly queuedAtMs: number;
}

export class OutboundQueue {
  private readonly countMax: number;
  private readonly bytesMax: number;
  private items: Array<QueuedFrame | undefined> = [];
  private head = 0;
  private totalBytes = 0;

  constructor(options: { countMax: number; bytesMax: number }) {
    this.countMax = options.countMax;
    this.bytesMax = options.bytesMax;
  }

  get size(): number {
    return this.items.length - this.head;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  /** False (nothing queued) when the message would exceed a bound. */
  push(item: QueuedFrame): boolean {
    if (this.size >= this.countMax || this.totalBytes + item.frame.length > this.bytesMax) return false;
    this.items.push(item);
    this.totalBytes += item.frame.length;
    return true;
  }

  peek(): QueuedFrame | undefined {
    return this.items[this.head];
  }

  shift(): QueuedFrame | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head]!;
    this.items[this.head] = undefined;
    this.head++;
    this.totalBytes -= item.frame.length;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    assert(this.totalBytes >= 0, 'outbound queue byte count went negative');
    return item;
  }

  /** Removes and returns everything (oldest first). */
  drain(): QueuedFrame[] {
    const out = this.items.slice(this.head) as QueuedFrame[];
    this.items = [];
    this.head = 0;
    this.totalBytes = 0;
    return out;
  }
}
