import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MinHeap, timeThenSeq } from './min-heap.ts';
import type { TimedItem } from './min-heap.ts';

const byTimeThenSeq = (x: TimedItem, y: TimedItem): number => x.atMs - y.atMs || x.seq - y.seq;

/** Pushes and pops interleaved as `ops` says, against a sorted array as the model. */
function runAgainstModel(ops: ReadonlyArray<{ push: boolean; atMs: number }>): void {
  const heap = new MinHeap<TimedItem>(timeThenSeq);
  const model: TimedItem[] = [];
  let seq = 0;
  for (const op of ops) {
    if (op.push) {
      const item = { atMs: op.atMs, seq: seq++ };
      heap.push(item);
      model.push(item);
      model.sort(byTimeThenSeq);
    } else {
      expect(heap.pop()).toBe(model.shift());
    }
    expect(heap.size).toBe(model.length);
    expect(heap.peek()).toBe(model[0]);
  }
  while (model.length > 0) expect(heap.pop()).toBe(model.shift());
  expect(heap.pop()).toBeUndefined();
}

describe('MinHeap', () => {
  it('pops in (time, sequence) order under any interleaving of pushes and pops', () => {
    fc.assert(fc.property(fc.array(fc.record({ push: fc.boolean(), atMs: fc.integer({ min: 0, max: 20 }) }), { maxLength: 300 }), runAgainstModel));
  });

  it('retain drops rejected items and keeps the order of the rest', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 200 }), fc.integer({ min: 2, max: 5 }), (times, modulus) => {
      const heap = new MinHeap<TimedItem>(timeThenSeq);
      const items = times.map((atMs, seq) => ({ atMs, seq }));
      for (const item of items) heap.push(item);
      heap.retain((item) => item.seq % modulus !== 0);
      const expected = items.filter((item) => item.seq % modulus !== 0).sort(byTimeThenSeq);
      expect([...heap].length).toBe(expected.length);
      const popped: TimedItem[] = [];
      for (let item = heap.pop(); item !== undefined; item = heap.pop()) popped.push(item);
      expect(popped).toEqual(expected);
    }));
  });

  it('updateTop restores the order after the top item grew (a k-way merge advancing its smallest run)', () => {
    fc.assert(fc.property(fc.array(fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 1, maxLength: 20 }), { maxLength: 8 }), (lists) => {
      const runs = lists.map((l) => [...l].sort((a, b) => a - b));
      const at = runs.map(() => 0);
      const heap = new MinHeap<number>((a, b) => runs[a]![at[a]!]! < runs[b]![at[b]!]!);
      runs.forEach((_, r) => heap.push(r));
      const merged: number[] = [];
      for (let r = heap.peek(); r !== undefined; r = heap.peek()) {
        merged.push(runs[r]![at[r]!]!);
        if (++at[r]! >= runs[r]!.length) heap.pop();
        else heap.updateTop();
      }
      expect(merged).toEqual(runs.flat().sort((a, b) => a - b));
    }));
  });

  it('clear empties it; an empty heap peeks and pops undefined', () => {
    const heap = new MinHeap<number>((a, b) => a < b);
    expect(heap.peek()).toBeUndefined();
    expect(heap.pop()).toBeUndefined();
    for (const n of [5, 1, 3]) heap.push(n);
    expect([...heap].sort()).toEqual([1, 3, 5]);
    heap.clear();
    expect(heap.size).toBe(0);
    expect(heap.pop()).toBeUndefined();
  });
});
