// A binary min-heap of scheduled simulation events ordered by (virtual time, sequence). The
// sequence number is unique and increasing, so the order is total and a run is reproducible.

export interface SimEvent {
  atMs: number;
  readonly seq: number;
  /** Set when the event must not run (cancelled timer, dead process). Removed lazily. */
  cancelled: boolean;
}

export class EventHeap<E extends SimEvent> {
  private readonly items: E[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): E | undefined {
    return this.items[0];
  }

  push(event: E): void {
    const a = this.items;
    a.push(event);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(a[i]!, a[parent]!)) break;
      const t = a[i]!;
      a[i] = a[parent]!;
      a[parent] = t;
      i = parent;
    }
  }

  pop(): E | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (top === undefined || last === undefined) return undefined;
    if (a.length > 0) {
      a[0] = last;
      this.siftDown(0);
    }
    return top;
  }

  /** Drops cancelled events (called when they make up most of the heap). */
  compact(): void {
    const live = this.items.filter((e) => !e.cancelled);
    this.items.length = 0;
    for (const e of live) this.items.push(e);
    for (let i = (this.items.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private siftDown(start: number): void {
    const a = this.items;
    let i = start;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < a.length && before(a[l]!, a[m]!)) m = l;
      if (r < a.length && before(a[r]!, a[m]!)) m = r;
      if (m === i) return;
      const t = a[i]!;
      a[i] = a[m]!;
      a[m] = t;
      i = m;
    }
  }
}

function before(x: SimEvent, y: SimEvent): boolean {
  return x.atMs < y.atMs || (x.atMs === y.atMs && x.seq < y.seq);
}
