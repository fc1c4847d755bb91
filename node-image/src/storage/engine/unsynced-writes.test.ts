// UnsyncedWrites: append-order settling across batches (durable or failed), ring growth, the
// oldest position, a throwing apply not stopping the rest of its batch, and entries added (growing
// the ring) from inside a settle callback.
import { describe, expect, it } from 'vitest';
import type { Mutation } from '../model.ts';
import { UNSYNCED_WRITES_INITIAL_CAPACITY, UnsyncedWrites } from './unsynced-writes.ts';

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A stand-in mutation carrying its sequence number as keyspace. */
function entry(n: number): Mutation {
  return { keyspace: String(n), key: Buffer.alloc(1), token: 0n, updates: [] };
}

describe('UnsyncedWrites', () => {
  it('settles entries in append order, batch by batch, before the batch promise reaches later reactions', async () => {
    const settled: string[] = [];
    const writes = new UnsyncedWrites({ settle: (m, position, durable) => settled.push(`${m.keyspace}@${position.segmentId}:${position.offsetBytes}:${durable}`), onError: (e) => { throw e; } });
    const batches = [deferred(), deferred(), deferred()];
    // More entries than the initial ring capacity, so the ring grows while entries wait.
    const perBatch = UNSYNCED_WRITES_INITIAL_CAPACITY;
    let n = 0;
    for (const b of batches) for (let i = 0; i < perBatch; i++, n++) writes.add(entry(n), { segmentId: 1 + Math.floor(n / 100), offsetBytes: n, durable: b.promise });
    expect(writes.size).toBe(3 * perBatch);
    expect([writes.oldestSegmentId, writes.oldestOffsetBytes]).toEqual([1, 0]);

    let seenByWriter = -1;
    const writer = batches[0]!.promise.then(() => {
      seenByWriter = settled.length;
    });
    batches[0]!.resolve();
    await writer;
    expect(seenByWriter).toBe(perBatch);
    expect(writes.size).toBe(2 * perBatch);
    expect([writes.oldestSegmentId, writes.oldestOffsetBytes]).toEqual([1 + Math.floor(perBatch / 100), perBatch]);

    batches[1]!.reject(new Error('fsync failed'));
    batches[2]!.resolve();
    await batches[2]!.promise;
    await Promise.resolve();
    expect(writes.size).toBe(0);
    expect(settled.map((s) => Number(s.split('@')[0]))).toEqual([...Array(3 * perBatch).keys()]);
    expect(settled.filter((s) => s.endsWith(':false')).length).toBe(perBatch);
    expect(settled[perBatch]!.endsWith(':false')).toBe(true);
    expect(settled[2 * perBatch]!.endsWith(':true')).toBe(true);
  });

  it('keeps settling the rest of a batch when one entry throws, reporting the error', async () => {
    const errors: string[] = [];
    const settled: string[] = [];
    const writes = new UnsyncedWrites({
      settle: (m) => {
        if (m.keyspace === '1') throw new Error('apply failed');
        settled.push(m.keyspace);
      },
      onError: (e) => errors.push(e.message),
    });
    const b = deferred();
    for (let i = 0; i < 3; i++) writes.add(entry(i), { segmentId: 1, offsetBytes: i, durable: b.promise });
    b.resolve();
    await b.promise;
    await Promise.resolve();
    expect(settled).toEqual(['0', '2']);
    expect(errors).toEqual(['apply failed']);
    expect(writes.size).toBe(0);
  });

  it('settles a batch correctly when its settle callbacks add entries that grow the ring', async () => {
    const settled: string[] = [];
    const next = deferred();
    let added = 0;
    const writes = new UnsyncedWrites({
      settle: (m) => {
        settled.push(m.keyspace);
        // Each of the first batch's entries appends two more, to a later batch (as a counter write
        // waiting for its partition starts then): the full ring grows in the first callback.
        if (Number(m.keyspace) < UNSYNCED_WRITES_INITIAL_CAPACITY) {
          for (let j = 0; j < 2; j++, added++) writes.add(entry(1000 + added), { segmentId: 2, offsetBytes: added, durable: next.promise });
        }
      },
      onError: (e) => { throw e; },
    });
    const first = deferred();
    const n = UNSYNCED_WRITES_INITIAL_CAPACITY;
    for (let i = 0; i < n; i++) writes.add(entry(i), { segmentId: 1, offsetBytes: i, durable: first.promise });
    first.resolve();
    await first.promise;
    await Promise.resolve();
    expect(settled).toEqual([...Array(n).keys()].map(String));
    expect(writes.size).toBe(2 * n);
    expect([writes.oldestSegmentId, writes.oldestOffsetBytes]).toEqual([2, 0]);
    next.resolve();
    await next.promise;
    await Promise.resolve();
    expect(settled.slice(n)).toEqual([...Array(2 * n).keys()].map((i) => String(1000 + i)));
    expect(writes.size).toBe(0);
  });
});
