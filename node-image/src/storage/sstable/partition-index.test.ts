// The in-memory partition index against a sorted-array model: dense lookups find exactly the
// partitions present (and their Data extents), sampled ones give a scan start at or before the
// target within the interval, and the budget picks dense or the smallest fitting interval.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DENSE_INDEX_OFFSET_INTERVAL, DIRECTORY_ENTRIES_MIN, PARTITION_INDEX_INTERVAL_MAX, PartitionIndexBuilder, partitionIndexBytes } from './partition-index.ts';
import type { PartitionIndex } from './partition-index.ts';
import { INDEX_UPGRADE_STEP_ENTRIES, PartitionIndexBudget } from './partition-index-budget.ts';
import type { PartitionIndexHolder } from './partition-index-budget.ts';

interface ModelEntry {
  high: number;
  low: number;
  dataOffsetBytes: number;
  dataLengthBytes: number;
  indexOffsetBytes: number;
  direct: boolean;
}

const compare = (a: { high: number; low: number }, b: { high: number; low: number }): number => (a.high !== b.high ? a.high - b.high : a.low - b.low);

/** Sorted entries with contiguous Data extents; a few tokens repeat (colliding keys). */
const entriesArb = fc
  .array(fc.record({ high: fc.integer({ min: -4, max: 4 }), low: fc.integer({ min: 0, max: 0xffffffff }), length: fc.integer({ min: 1, max: 500 }), rowIndex: fc.boolean() }), { maxLength: 400 })
  .map((raw) => {
    const sorted = raw.sort(compare);
    let data = 0;
    let index = 0;
    return sorted.map((r): ModelEntry => {
      const e = { high: r.high, low: r.low, dataOffsetBytes: data, dataLengthBytes: r.length, indexOffsetBytes: index, direct: !r.rowIndex };
      data += r.length;
      index += 30;
      return e;
    });
  });

/** Dense then sampled at `interval` by finish, or (`asItGoes`) sampled while adding. */
function build(entries: readonly ModelEntry[], interval: number, asItGoes = false): PartitionIndex {
  const builder = new PartitionIndexBuilder(Math.max(1, entries.length >> 1), asItGoes ? interval : 1);
  for (const e of entries) builder.add(e.high, e.low, e);
  const end = entries.length === 0 ? 0 : entries[entries.length - 1]!.dataOffsetBytes + entries[entries.length - 1]!.dataLengthBytes;
  return asItGoes ? builder.finish(end) : builder.finish(end, interval);
}

const targetArb = fc.record({ high: fc.integer({ min: -5, max: 5 }), low: fc.integer({ min: 0, max: 0xffffffff }) });

describe('partition index', () => {
  it('dense: finds exactly the present tokens, with their Data extents; shared tokens and row indexes go through Index.db', () => {
    fc.assert(
      fc.property(entriesArb, fc.array(targetArb, { maxLength: 30 }), fc.nat(), (entries, extra, pick) => {
        const index = build(entries, 1);
        expect(index.dense).toBe(true);
        expect(index.count).toBe(entries.length);
        const targets = [...extra];
        if (entries.length > 0) targets.push(entries[pick % entries.length]!);
        for (const t of targets) {
          const i = index.exact(t.high, t.low);
          const first = entries.findIndex((e) => compare(e, t) === 0);
          expect(i).toBe(first);
          if (i < 0) continue;
          const shared = entries.filter((e) => compare(e, t) === 0).length > 1;
          expect(index.isDirect(i)).toBe(entries[i]!.direct && !shared);
          expect(index.dataOffsetOf(i)).toBe(entries[i]!.dataOffsetBytes);
          expect(index.dataLengthOf(i)).toBe(entries[i]!.dataLengthBytes);
        }
      }),
    );
  });

  it('lowerBound through the bucket directory is the first token at or after the target, for any spread of tokens', () => {
    // Tokens over the whole range, bunched in a few buckets, with extremes and repeats; enough of
    // them for a directory (DIRECTORY_ENTRIES_MIN) of one to several bits.
    const highArb = fc.oneof(
      fc.integer({ min: -0x80000000, max: 0x7fffffff }),
      fc.integer({ min: -3, max: 3 }),
      fc.constantFrom(-0x80000000, 0x7fffffff, -0x7fffffff, 0x40000000, -0x40000000),
    );
    const tokenArb = fc.record({ high: highArb, low: fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.constantFrom(0, 0xffffffff)) });
    fc.assert(
      fc.property(fc.array(tokenArb, { minLength: DIRECTORY_ENTRIES_MIN - 1, maxLength: 3000 }), fc.array(tokenArb, { maxLength: 40 }), (raw, extra) => {
        const tokens = raw.sort(compare);
        const builder = new PartitionIndexBuilder(tokens.length);
        tokens.forEach((t, i) => builder.add(t.high, t.low, { dataOffsetBytes: i * 10, dataLengthBytes: 10, indexOffsetBytes: i * 30, direct: true }));
        const index = builder.finish(tokens.length * 10);
        for (const t of [...extra, ...tokens.filter((_, i) => i % 97 === 0), tokens[0]!, tokens[tokens.length - 1]!]) {
          const expected = tokens.findIndex((e) => compare(e, t) >= 0);
          expect(index.lowerBound(t.high, t.low)).toBe(expected < 0 ? tokens.length : expected);
        }
      }),
      { numRuns: 200 },
    );
  });

  for (const interval of [1, DENSE_INDEX_OFFSET_INTERVAL, 64]) {
    it(`interval ${interval}: a scan start is at or before every partition at or after the target, and close to it`, () => {
      fc.assert(
        fc.property(entriesArb, targetArb, (entries, t) => {
          const index = build(entries, interval);
          expect(index.interval).toBe(interval);
          if (interval > 1) expect(build(entries, interval, true)).toEqual(index);
          expect(index.sizeBytes).toBeLessThanOrEqual(partitionIndexBytes(entries.length, interval));
          if (entries.length === 0) return;
          const start = index.scanStartFor(t.high, t.low);
          const firstAtOrAfter = entries.findIndex((e) => compare(e, t) >= 0);
          const startEntry = entries.findIndex((e) => e.indexOffsetBytes === start);
          expect(startEntry).toBeGreaterThanOrEqual(0);
          if (firstAtOrAfter >= 0) {
            expect(startEntry).toBeLessThanOrEqual(firstAtOrAfter);
            // Entries scanned before reaching the first candidate: at most the sampling step.
            expect(firstAtOrAfter - startEntry).toBeLessThanOrEqual(index.scanEntriesMax);
          }
          // Every partition before the start sorts before the target.
          for (let k = 0; k < startEntry; k++) expect(compare(entries[k]!, t)).toBeLessThan(0);
        }),
      );
    });
  }

  it('marks a partition whose Data extent is not followed directly by the next one as Index.db-only', () => {
    const builder = new PartitionIndexBuilder(4);
    builder.add(0, 1, { dataOffsetBytes: 0, dataLengthBytes: 10, indexOffsetBytes: 0, direct: true });
    builder.add(0, 2, { dataOffsetBytes: 12, dataLengthBytes: 10, indexOffsetBytes: 20, direct: true });
    builder.add(0, 3, { dataOffsetBytes: 22, dataLengthBytes: 5, indexOffsetBytes: 40, direct: true });
    const index = builder.finish(30);
    expect([0, 1, 2].map((i) => index.isDirect(i))).toEqual([false, true, false]);
  });
});

describe('partition index budget', () => {
  const holder = (count: number, reads = 0): PartitionIndexHolder & { interval: number; rebuilt: number[] } => {
    const h = {
      partitionCount: count, readCount: reads, interval: 1, rebuilt: [] as number[],
      get partitionIndexInterval() {
        return h.interval;
      },
      rebuildPartitionIndex(interval: number) {
        h.interval = interval;
        h.rebuilt.push(interval);
        budget.register(h, partitionIndexBytes(count, interval));
        return true;
      },
    };
    return h;
  };
  let budget = new PartitionIndexBudget(0);

  it('gives dense indexes while they fit, then the smallest fitting interval, and upgrades on release', () => {
    budget = new PartitionIndexBudget(partitionIndexBytes(1000, 1) + partitionIndexBytes(1000, 64));
    const a = holder(1000);
    a.interval = budget.intervalFor(1000);
    expect(a.interval).toBe(1);
    budget.register(a, partitionIndexBytes(1000, a.interval));
    const b = holder(1000, 5);
    b.interval = budget.intervalFor(1000);
    expect(b.interval).toBe(64);
    budget.register(b, partitionIndexBytes(1000, b.interval));
    expect(budget.usedBytes).toBeLessThanOrEqual(budget.capacityBytes);
    expect(budget.stats()).toMatchObject({ sstables: 2, dense: 1, sampled: 1, intervalMax: 64 });
    budget.release(a);
    expect(b.rebuilt).toEqual([1]);
    expect(budget.stats()).toMatchObject({ sstables: 1, dense: 1, sampled: 0, bytes: partitionIndexBytes(1000, 1) });
  });

  it('with a scheduler, upgrades on release in steps, one per scheduled turn, never in the releasing call', () => {
    budget = new PartitionIndexBudget(partitionIndexBytes(50_000, 1) + partitionIndexBytes(50_000, 64));
    const turns: Array<() => void> = [];
    budget.setScheduler((run) => turns.push(run));
    const stepped = (count: number, reads: number) => {
      const h = holder(count, reads);
      const steps: number[] = [];
      return Object.assign(h, {
        steps,
        beginPartitionIndexRebuild(interval: number) {
          let parsed = 0;
          return {
            step(entries: number) {
              steps.push(entries);
              parsed += entries;
              if (parsed < count) return false;
              h.rebuildPartitionIndex(interval);
              return true;
            },
          };
        },
      });
    };
    const a = stepped(50_000, 0);
    budget.register(a, partitionIndexBytes(50_000, 1));
    const b = stepped(50_000, 9);
    b.interval = budget.intervalFor(50_000);
    expect(b.interval).toBe(64);
    budget.register(b, partitionIndexBytes(50_000, 64));
    budget.release(a);
    expect(b.rebuilt).toEqual([]); // nothing done in the closing call
    let ran = 0;
    while (turns.length > 0 && ran < 100) {
      turns.shift()!();
      ran++;
    }
    expect(b.rebuilt).toEqual([1]);
    expect(b.steps).toEqual([INDEX_UPGRADE_STEP_ENTRIES, INDEX_UPGRADE_STEP_ENTRIES, INDEX_UPGRADE_STEP_ENTRIES, INDEX_UPGRADE_STEP_ENTRIES]);
    expect(ran).toBeGreaterThanOrEqual(4);
    expect(budget.stats()).toMatchObject({ sstables: 1, dense: 1, sampled: 0, bytes: partitionIndexBytes(50_000, 1) });
  });

  it('never samples sparser than the maximum interval, even over budget', () => {
    budget = new PartitionIndexBudget(0);
    expect(budget.intervalFor(10_000_000)).toBe(PARTITION_INDEX_INTERVAL_MAX);
  });
});
