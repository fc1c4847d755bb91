import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NO_DELETION_TIME } from '../model.ts';
import { parseCompactionOptions } from './compaction-options.ts';
import type { CompactionStrategyOptions, LeveledOptions, TimeWindowOptions } from './compaction-options.ts';
import { fullyExpired, levelMaxBytes, majorCompaction, planCompactions, timeWindowOf, tombstoneCompaction } from './compaction-planner.ts';
import { INITIAL_PLANNER_STATE, overlaps } from './compaction-task.ts';
import type { PlannerInput, SSTableInfo } from './compaction-task.ts';

const MB = 1024 * 1024;
const NOW = 1_700_000_000;
const DAY_MICROS = 86_400_000_000;

function sst(generation: number, parts: Partial<SSTableInfo> = {}): SSTableInfo {
  return {
    generation, sizeBytes: MB, level: 0, minToken: -100n, maxToken: 100n, minTimestampMicros: 1, maxTimestampMicros: 2,
    maxLocalDeletionTimeSeconds: NO_DELETION_TIME, droppableTombstoneRatio: 0, createdAtSeconds: NOW - 10, partitionCount: 1000, hotness: 0,
    compacting: false, ...parts,
  };
}

function input(sstables: SSTableInfo[], parts: Partial<PlannerInput> = {}): PlannerInput {
  return { sstables, nowSeconds: NOW, gcBeforeSeconds: NOW - 864_000, memtableMinTimestampMicros: Infinity, tasksMax: 1, ...parts };
}

function options(raw: Record<string, string>): CompactionStrategyOptions {
  return parseCompactionOptions(raw).options;
}

const STCS = options({ class: 'SizeTieredCompactionStrategy' });

describe('compaction options', () => {
  it('parses the three strategies with Cassandra defaults and rejects bad values with a warning', () => {
    expect(STCS).toMatchObject({ kind: 'size-tiered', minThreshold: 4, maxThreshold: 32, bucketLow: 0.5, bucketHigh: 1.5, minSSTableSizeBytes: 50 * MB, tombstoneThreshold: 0.2 });
    expect(options({ class: 'org.apache.cassandra.db.compaction.LeveledCompactionStrategy' })).toMatchObject({ kind: 'leveled', sstableSizeBytes: 160 * MB, fanout: 10 });
    expect(options({ class: 'TimeWindowCompactionStrategy', compaction_window_unit: 'HOURS', compaction_window_size: '6' }))
      .toMatchObject({ kind: 'time-window', windowSizeMicros: 6 * 3600 * 1e6, expiredCheckFrequencySeconds: 600 });
    const bad = parseCompactionOptions({ class: 'SizeTieredCompactionStrategy', min_threshold: 'x', bucket_low: '2' });
    expect(bad.options).toMatchObject({ minThreshold: 4, bucketLow: 0.5 });
    expect(bad.warnings.length).toBe(2);
    expect(parseCompactionOptions({ class: 'Nope' }).options.kind).toBe('size-tiered');
  });
});

describe('size-tiered planning', () => {
  const cases: Array<{ name: string; sizes: number[]; opts?: Record<string, string>; expected: number[][] }> = [
    { name: 'fewer than min_threshold similar SSTables: nothing', sizes: [10, 10, 10], expected: [] },
    { name: 'four similar SSTables compact together', sizes: [100, 110, 90, 105], expected: [[1, 2, 3, 4]] },
    { name: 'small ones (below min_sstable_size) share a bucket whatever their ratio', sizes: [1, 5, 20, 40], expected: [[1, 2, 3, 4]] },
    { name: 'different tiers do not mix', sizes: [100, 100, 100, 400, 400, 400, 400], expected: [[4, 5, 6, 7]] },
    { name: 'a bucket is trimmed to max_threshold', sizes: [100, 100, 100, 100, 100, 100], opts: { max_threshold: '4' }, expected: [[1, 2, 3, 4]] },
    { name: 'min_threshold is honoured', sizes: [100, 100], opts: { min_threshold: '2' }, expected: [[1, 2]] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const tables = c.sizes.map((s, i) => sst(i + 1, { sizeBytes: s * MB }));
      const plan = planCompactions(INITIAL_PLANNER_STATE, input(tables), options({ class: 'SizeTieredCompactionStrategy', ...c.opts }));
      expect(plan.tasks.map((t) => [...t.inputs])).toEqual(c.expected);
      for (const t of plan.tasks) expect(t).toMatchObject({ kind: 'compact', outputLevel: 0, maxOutputBytes: Infinity });
    });
  }

  it('prefers the hottest bucket, then the smaller one, and never picks compacting SSTables', () => {
    const small = [1, 2, 3, 4].map((g) => sst(g, { sizeBytes: 100 * MB }));
    const big = [5, 6, 7, 8].map((g) => sst(g, { sizeBytes: 1000 * MB }));
    expect(planCompactions(INITIAL_PLANNER_STATE, input([...small, ...big]), STCS).tasks[0]!.inputs).toEqual([1, 2, 3, 4]);
    const hotBig = [...small, ...big.map((s) => ({ ...s, hotness: 5 }))];
    expect(planCompactions(INITIAL_PLANNER_STATE, input(hotBig), STCS).tasks[0]!.inputs).toEqual([5, 6, 7, 8]);
    const busy = [...small.map((s, i) => (i === 0 ? { ...s, compacting: true } : s)), ...big];
    expect(planCompactions(INITIAL_PLANNER_STATE, input(busy), STCS).tasks[0]!.inputs).toEqual([5, 6, 7, 8]);
    expect(planCompactions(INITIAL_PLANNER_STATE, input([...small, ...big], { tasksMax: 2 }), STCS).tasks.length).toBe(2);
    expect(planCompactions(INITIAL_PLANNER_STATE, input([...small, ...big], { tasksMax: 0 }), STCS).tasks).toEqual([]);
  });

  it('does nothing when compaction is disabled', () => {
    const tables = [1, 2, 3, 4].map((g) => sst(g));
    expect(planCompactions(INITIAL_PLANNER_STATE, input(tables), options({ class: 'SizeTieredCompactionStrategy', enabled: 'false' })).tasks).toEqual([]);
  });
});

describe('leveled planning', () => {
  const lcs = options({ class: 'LeveledCompactionStrategy', sstable_size_in_mb: '1' }) as LeveledOptions;
  const range = (from: number, to: number): { minToken: bigint; maxToken: bigint } => ({ minToken: BigInt(from), maxToken: BigInt(to) });

  it('sizes levels as fanout^L x sstable_size', () => {
    expect(levelMaxBytes(1, lcs)).toBe(10 * MB);
    expect(levelMaxBytes(2, lcs)).toBe(100 * MB);
  });

  it('moves L0 to L1 with the overlapping L1 SSTables once L0 holds min_threshold SSTables (or an SSTable\'s worth)', () => {
    const l0 = [1, 2, 3].map((g) => sst(g, { sizeBytes: 100_000, ...range(0, 1000) }));
    const l1 = [sst(10, { level: 1, ...range(0, 300) }), sst(11, { level: 1, ...range(301, 600) }), sst(12, { level: 1, ...range(2000, 3000) })];
    expect(planCompactions(INITIAL_PLANNER_STATE, input([...l0, ...l1]), lcs).tasks).toEqual([]);
    const bigL0 = planCompactions(INITIAL_PLANNER_STATE, input([sst(1, { sizeBytes: 2 * MB, ...range(0, 100) }), ...l1]), lcs);
    expect(bigL0.tasks[0]).toMatchObject({ inputs: [1, 10], outputLevel: 1 });
    const plan = planCompactions(INITIAL_PLANNER_STATE, input([...l0, sst(4, { sizeBytes: 100_000, ...range(500, 900) }), ...l1]), lcs);
    expect(plan.tasks).toHaveLength(1);
    expect(plan.tasks[0]).toMatchObject({ inputs: [1, 2, 3, 4, 10, 11], outputLevel: 1, maxOutputBytes: MB });
  });

  it('compacts the highest level over its target into the next, round robin', () => {
    // L1 target is 10 MB: twelve 1 MB SSTables exceed it.
    const l1 = [...Array(12).keys()].map((i) => sst(100 + i, { level: 1, ...range(i * 100, i * 100 + 99) }));
    const l2 = [sst(200, { level: 2, ...range(0, 150) }), sst(201, { level: 2, ...range(151, 1000) })];
    const first = planCompactions(INITIAL_PLANNER_STATE, input([...l1, ...l2]), lcs);
    expect(first.tasks[0]).toMatchObject({ inputs: [100, 200], outputLevel: 2, reason: 'L1 -> L2' });
    const second = planCompactions(first.state, input([...l1, ...l2]), lcs);
    expect(second.tasks[0]).toMatchObject({ inputs: [101, 200, 201], outputLevel: 2 });
    expect(second.pendingEstimate).toBeGreaterThan(0);
  });

  it('never starts two compactions writing overlapping SSTables into one level', () => {
    const l0 = [1, 2, 3, 4].map((g) => sst(g, range(0, 1000)));
    const l1 = [sst(10, { level: 1, ...range(0, 300), compacting: true })];
    expect(planCompactions(INITIAL_PLANNER_STATE, input([...l0, ...l1]), lcs).tasks).toEqual([]);
    const busyL0 = [...l0.map((s, i) => (i === 0 ? { ...s, compacting: true } : s))];
    expect(planCompactions(INITIAL_PLANNER_STATE, input(busyL0), lcs).tasks).toEqual([]);
  });

  it('runs size-tiered inside L0 when L0 holds more than 32 SSTables', () => {
    const l0 = [...Array(40).keys()].map((i) => sst(i + 1, { sizeBytes: MB }));
    const plan = planCompactions(INITIAL_PLANNER_STATE, input(l0), lcs);
    expect(plan.tasks[0]).toMatchObject({ outputLevel: 0 });
    expect(plan.tasks[0]!.reason).toMatch(/size-tiered in L0/);
    expect(plan.tasks[0]!.inputs.length).toBe(32);
  });

  it('keeps every level non-overlapping whatever it plans (property)', () => {
    fc.assert(fc.property(
      fc.array(fc.record({ level: fc.integer({ min: 0, max: 3 }), start: fc.integer({ min: 0, max: 10_000 }), width: fc.integer({ min: 0, max: 2000 }), sizeMb: fc.integer({ min: 1, max: 30 }) }), { maxLength: 60 }),
      (specs) => {
        // Build valid levels: drop SSTables of level >= 1 overlapping an earlier one of the same level.
        const tables: SSTableInfo[] = [];
        specs.forEach((s, i) => {
          const candidate = sst(i + 1, { level: s.level, sizeBytes: s.sizeMb * MB, ...range(s.start, s.start + s.width) });
          if (candidate.level > 0 && tables.some((t) => t.level === candidate.level && overlaps(t, candidate))) return;
          tables.push(candidate);
        });
        const plan = planCompactions(INITIAL_PLANNER_STATE, input(tables, { tasksMax: 4 }), lcs);
        const used = new Set<number>();
        for (const task of plan.tasks) {
          for (const g of task.inputs) {
            expect(used.has(g)).toBe(false);
            used.add(g);
          }
          if (task.outputLevel === 0) continue;
          // The outputs cover the inputs' token range; no SSTable left in the output level may overlap it.
          const inputs = tables.filter((t) => task.inputs.includes(t.generation));
          const span = { minToken: inputs.reduce((m, t) => (t.minToken < m ? t.minToken : m), inputs[0]!.minToken), maxToken: inputs.reduce((m, t) => (t.maxToken > m ? t.maxToken : m), inputs[0]!.maxToken) };
          const remaining = tables.filter((t) => t.level === task.outputLevel && !task.inputs.includes(t.generation));
          for (const r of remaining) expect(overlaps(r, span)).toBe(false);
        }
      },
    ), { numRuns: 300 });
  });
});

describe('time-window planning', () => {
  const twcs = options({ class: 'TimeWindowCompactionStrategy', compaction_window_unit: 'DAYS', compaction_window_size: '1' }) as TimeWindowOptions;
  const today = Math.floor(NOW / 86_400) * DAY_MICROS;

  it('buckets SSTables by the window of their max timestamp', () => {
    expect(timeWindowOf(today + 5, twcs)).toBe(timeWindowOf(today + DAY_MICROS - 1, twcs));
    expect(timeWindowOf(today - 1, twcs)).toBe(timeWindowOf(today, twcs) - 1);
  });

  it('compacts an old window into one SSTable and size-tiers the current one', () => {
    const old = [sst(1, { maxTimestampMicros: today - DAY_MICROS, minTimestampMicros: today - 2 * DAY_MICROS + 1 }), sst(2, { maxTimestampMicros: today - DAY_MICROS + 5 })];
    const current = [3, 4, 5].map((g) => sst(g, { maxTimestampMicros: today + g }));
    const plan = planCompactions(INITIAL_PLANNER_STATE, input([...old, ...current], { tasksMax: 4 }), twcs);
    expect(plan.tasks.map((t) => [...t.inputs])).toEqual([[1, 2]]);
    const plan2 = planCompactions(INITIAL_PLANNER_STATE, input([...old, ...current, sst(6, { maxTimestampMicros: today + 9 })], { tasksMax: 4 }), twcs);
    expect(plan2.tasks.map((t) => [...t.inputs])).toEqual([[3, 4, 5, 6], [1, 2]]);
  });

  it('drops whole SSTables that are fully expired past gc_grace and shadow nothing newer', () => {
    const gcBefore = NOW - 864_000;
    const expired = sst(1, { maxLocalDeletionTimeSeconds: gcBefore - 1, minTimestampMicros: 10, maxTimestampMicros: 20, ...{ minToken: 0n, maxToken: 10n } });
    const newer = sst(2, { minTimestampMicros: 100, maxTimestampMicros: 200, minToken: 5n, maxToken: 50n });
    const older = sst(3, { minTimestampMicros: 1, maxTimestampMicros: 5, minToken: 5n, maxToken: 50n });
    const plan = planCompactions(INITIAL_PLANNER_STATE, input([expired, newer]), twcs);
    expect(plan.tasks[0]).toMatchObject({ kind: 'drop', inputs: [1] });
    expect(plan.state.lastExpiredCheckSeconds).toBe(NOW);
    // An overlapping SSTable with older data could be shadowed by its tombstones: keep it.
    expect(fullyExpired(input([expired, older]), twcs)).toEqual([]);
    expect(fullyExpired(input([expired, older]), { unsafeAggressiveExpiration: true })).toEqual([expired]);
    // Nor while a memtable holds older data.
    expect(fullyExpired(input([expired], { memtableMinTimestampMicros: 15 }), twcs)).toEqual([]);
    // Not expired past gc_grace yet.
    expect(fullyExpired(input([{ ...expired, maxLocalDeletionTimeSeconds: gcBefore + 1 }]), twcs)).toEqual([]);
    // The check runs at most once per expired_sstable_check_frequency_seconds.
    expect(planCompactions(plan.state, input([expired, newer], { nowSeconds: NOW + 10 }), twcs).tasks.filter((t) => t.kind === 'drop')).toEqual([]);
  });
});

describe('tombstone and major compactions', () => {
  it('picks the SSTable with the most droppable tombstones, old enough and not overlapping older data', () => {
    const a = sst(1, { droppableTombstoneRatio: 0.5, createdAtSeconds: NOW - 100_000, minToken: 0n, maxToken: 10n, minTimestampMicros: 100, maxTimestampMicros: 200 });
    const b = sst(2, { droppableTombstoneRatio: 0.9, createdAtSeconds: NOW - 100_000, minToken: 20n, maxToken: 30n, minTimestampMicros: 100, maxTimestampMicros: 200 });
    expect(tombstoneCompaction(input([a, b]), STCS)).toMatchObject({ inputs: [2] });
    expect(planCompactions(INITIAL_PLANNER_STATE, input([a, b]), STCS).tasks[0]).toMatchObject({ inputs: [2] });
    // Too young.
    expect(tombstoneCompaction(input([{ ...b, createdAtSeconds: NOW - 5 }]), STCS)).toBeNull();
    // Below tombstone_threshold.
    expect(tombstoneCompaction(input([{ ...b, droppableTombstoneRatio: 0.1 }]), STCS)).toBeNull();
    // An overlapping SSTable with older data blocks it, unless unchecked.
    const older = sst(3, { minToken: 25n, maxToken: 40n, minTimestampMicros: 1, maxTimestampMicros: 2 });
    expect(tombstoneCompaction(input([b, older]), STCS)).toBeNull();
    expect(tombstoneCompaction(input([b, older]), options({ class: 'SizeTieredCompactionStrategy', unchecked_tombstone_compaction: 'true' }))).toMatchObject({ inputs: [2] });
  });

  it('major compaction takes every idle SSTable; leveled puts them in the lowest level that holds them', () => {
    const tables = [1, 2, 3].map((g) => sst(g, { sizeBytes: 50 * MB }));
    expect(majorCompaction(tables, STCS)).toMatchObject({ inputs: [1, 2, 3], outputLevel: 0, maxOutputBytes: Infinity });
    const lcs = options({ class: 'LeveledCompactionStrategy', sstable_size_in_mb: '10' });
    expect(majorCompaction(tables, lcs)).toMatchObject({ outputLevel: 2, maxOutputBytes: 10 * MB });
    expect(majorCompaction([], STCS)).toBeNull();
  });
});
