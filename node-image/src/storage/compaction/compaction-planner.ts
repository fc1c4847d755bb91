// The compaction planner: a pure step from (state, SSTable metadata, time) to compaction tasks
// (STYLE.md rule 4). One function per strategy (cassandra-internals.md 7.4), then the common
// single-SSTable tombstone compaction when the strategy has nothing to do. Inputs of running
// compactions (`compacting`) are never chosen again; a task never mixes SSTables a running task holds.
import { NO_DELETION_TIME } from '../model.ts';
import {
  LCS_L0_COMPACTING_MAX, LCS_LEVELS_MAX, STCS_BUCKET_HIGH_DEFAULT, STCS_BUCKET_LOW_DEFAULT, STCS_MIN_SSTABLE_SIZE_BYTES_DEFAULT,
} from './compaction-options.ts';
import type { CompactionStrategyOptions, LeveledOptions, SizeTieredOptions, TimeWindowOptions } from './compaction-options.ts';
import { overlaps, totalBytes } from './compaction-task.ts';
import type { CompactionTask, Plan, PlannerInput, PlannerState, SSTableInfo } from './compaction-task.ts';
import { mostInterestingBucket, sizeTieredBuckets, sizeTieredPending } from './size-tiered.ts';

export function planCompactions(state: PlannerState, input: PlannerInput, options: CompactionStrategyOptions): Plan {
  if (!options.enabled || input.tasksMax <= 0) return { state, tasks: [], pendingEstimate: pendingOf(input, options) };
  let plan: Plan;
  switch (options.kind) {
    case 'size-tiered': plan = planSizeTiered(state, input, options); break;
    case 'leveled': plan = planLeveled(state, input, options); break;
    case 'time-window': plan = planTimeWindow(state, input, options); break;
  }
  if (plan.tasks.length === 0) {
    const tombstone = tombstoneCompaction(input, options);
    if (tombstone !== null) return { state: plan.state, tasks: [tombstone], pendingEstimate: plan.pendingEstimate + 1 };
  }
  return plan;
}

function pendingOf(input: PlannerInput, options: CompactionStrategyOptions): number {
  switch (options.kind) {
    case 'size-tiered': {
      const free = input.sstables.filter((s) => !s.compacting);
      return sizeTieredPending(sizeTieredBuckets(free, options), options);
    }
    case 'leveled': return leveledPending(input.sstables, options);
    case 'time-window': return timeWindowPending(input, options);
  }
}

// ---------------------------------------------------------------------------------------------
// Size-tiered

function planSizeTiered(state: PlannerState, input: PlannerInput, options: SizeTieredOptions): Plan {
  const free = input.sstables.filter((s) => !s.compacting);
  const buckets = sizeTieredBuckets(free, options);
  const tasks: CompactionTask[] = [];
  const remaining = buckets.map((b) => [...b]);
  while (tasks.length < input.tasksMax) {
    const bucket = mostInterestingBucket(remaining, options);
    if (bucket === null) break;
    tasks.push({ kind: 'compact', reason: `size-tiered bucket of ${bucket.length}`, inputs: generations(bucket), outputLevel: 0, maxOutputBytes: Infinity });
    const taken = new Set(bucket);
    for (let i = 0; i < remaining.length; i++) remaining[i] = remaining[i]!.filter((s) => !taken.has(s));
  }
  return { state, tasks, pendingEstimate: sizeTieredPending(buckets, options) };
}

// ---------------------------------------------------------------------------------------------
// Leveled

/** Target bytes of level L >= 1: fanout^L x sstable_size. */
export function levelMaxBytes(level: number, options: LeveledOptions): number {
  return options.fanout ** level * options.sstableSizeBytes;
}

function byLevel(sstables: readonly SSTableInfo[]): SSTableInfo[][] {
  const levels: SSTableInfo[][] = Array.from({ length: LCS_LEVELS_MAX }, () => []);
  for (const s of sstables) levels[Math.min(LCS_LEVELS_MAX - 1, Math.max(0, s.level))]!.push(s);
  for (let l = 1; l < levels.length; l++) levels[l]!.sort((a, b) => (a.minToken < b.minToken ? -1 : a.minToken > b.minToken ? 1 : a.generation - b.generation));
  return levels;
}

function leveledPending(sstables: readonly SSTableInfo[], options: LeveledOptions): number {
  const levels = byLevel(sstables);
  let n = levels[0]!.length > 0 ? Math.ceil(levels[0]!.length / LCS_L0_COMPACTING_MAX) : 0;
  for (let l = 1; l < levels.length; l++) {
    const excess = totalBytes(levels[l]!) - levelMaxBytes(l, options);
    if (excess > 0) n += Math.ceil(excess / options.sstableSizeBytes);
  }
  return n;
}

function planLeveled(state: PlannerState, input: PlannerInput, options: LeveledOptions): Plan {
  const levels = byLevel(input.sstables);
  const lastCompacted = [...state.lastCompactedToken];
  const tasks: CompactionTask[] = [];
  const taken = new Set<number>();
  const busy = (s: SSTableInfo): boolean => s.compacting || taken.has(s.generation);
  const l0Free = levels[0]!.filter((s) => !busy(s));

  // 1. Too many L0 SSTables: size-tiered inside L0 first (cheaper than rewriting L1 again and again).
  if (l0Free.length > LCS_L0_COMPACTING_MAX) {
    const tiers = { ...options, minSSTableSizeBytes: STCS_MIN_SSTABLE_SIZE_BYTES_DEFAULT, bucketLow: STCS_BUCKET_LOW_DEFAULT, bucketHigh: STCS_BUCKET_HIGH_DEFAULT };
    const bucket = mostInterestingBucket(sizeTieredBuckets(l0Free, tiers), tiers);
    if (bucket !== null) {
      tasks.push({ kind: 'compact', reason: `size-tiered in L0 (${levels[0]!.length} SSTables)`, inputs: generations(bucket), outputLevel: 0, maxOutputBytes: Infinity });
      for (const s of bucket) taken.add(s.generation);
    }
  }

  // 2. The highest level over its target: next SSTable after the last compacted one, plus its overlap below.
  for (let level = LCS_LEVELS_MAX - 2; level >= 1 && tasks.length < input.tasksMax; level--) {
    const members = levels[level]!;
    if (totalBytes(members) <= levelMaxBytes(level, options) * 1.001) continue;
    const next = levels[level + 1]!;
    const start = lastCompacted[level] ?? null;
    // Round robin: first SSTable whose min token is after the last compacted max token, wrapping.
    const ordered = start === null ? members : [...members.filter((s) => s.minToken > start), ...members.filter((s) => s.minToken <= start)];
    for (const candidate of ordered) {
      if (busy(candidate)) continue;
      const below = next.filter((s) => overlaps(s, candidate));
      if (below.some(busy)) continue;
      const inputs = [candidate, ...below];
      tasks.push({ kind: 'compact', reason: `L${level} -> L${level + 1}`, inputs: generations(inputs), outputLevel: level + 1, maxOutputBytes: options.sstableSizeBytes });
      for (const s of inputs) taken.add(s.generation);
      lastCompacted[level] = candidate.maxToken;
      break;
    }
  }

  // 3. L0 -> L1: once L0 holds min_threshold SSTables or more than one SSTable's worth of bytes.
  // Only one at a time: two concurrent L0 -> L1 compactions would write overlapping L1 SSTables.
  const l0 = levels[0]!;
  if (tasks.length < input.tasksMax && !l0.some(busy) && l0.length > 0 && (l0.length >= options.minThreshold || totalBytes(l0) > options.sstableSizeBytes)) {
    const candidates = [...l0].sort((a, b) => a.generation - b.generation).slice(0, LCS_L0_COMPACTING_MAX);
    const range = { minToken: minOf(candidates), maxToken: maxOf(candidates) };
    const below = levels[1]!.filter((s) => overlaps(s, range));
    if (!below.some(busy)) {
      const inputs = [...candidates, ...below];
      tasks.push({ kind: 'compact', reason: `L0 -> L1 (${candidates.length} L0 SSTables)`, inputs: generations(inputs), outputLevel: 1, maxOutputBytes: options.sstableSizeBytes });
    }
  }
  return { state: { ...state, lastCompactedToken: lastCompacted }, tasks, pendingEstimate: leveledPending(input.sstables, options) };
}

// ---------------------------------------------------------------------------------------------
// Time-window

/** The window an SSTable belongs to: the one holding its max timestamp. */
export function timeWindowOf(timestampMicros: number, options: TimeWindowOptions): number {
  return Math.floor((timestampMicros * options.timestampMicrosPerUnit) / options.windowSizeMicros);
}

/**
 * SSTables whose data has all expired past gc_grace and that shadow nothing still live: every
 * overlapping SSTable that is not itself fully expired (and the memtables) holds only newer data.
 */
export function fullyExpired(input: PlannerInput, options: { unsafeAggressiveExpiration: boolean }): SSTableInfo[] {
  const expired = input.sstables.filter((s) => !s.compacting && s.maxLocalDeletionTimeSeconds !== NO_DELETION_TIME && s.maxLocalDeletionTimeSeconds < input.gcBeforeSeconds);
  if (options.unsafeAggressiveExpiration) return expired;
  const expiredSet = new Set(expired);
  return expired.filter((s) => {
    if (s.maxTimestampMicros >= input.memtableMinTimestampMicros) return false;
    for (const other of input.sstables) {
      if (expiredSet.has(other) || !overlaps(other, s)) continue;
      if (other.minTimestampMicros <= s.maxTimestampMicros) return false;
    }
    return true;
  });
}

function timeWindowPending(input: PlannerInput, options: TimeWindowOptions): number {
  const windows = groupWindows(input.sstables.filter((s) => !s.compacting), options);
  const now = timeWindowOf(input.nowSeconds * 1_000_000 / options.timestampMicrosPerUnit, options);
  let n = 0;
  for (const [window, members] of windows) {
    if (window >= now) n += sizeTieredPending(sizeTieredBuckets(members, options), options);
    else if (members.length >= 2) n++;
  }
  return n;
}

function groupWindows(sstables: readonly SSTableInfo[], options: TimeWindowOptions): Map<number, SSTableInfo[]> {
  const windows = new Map<number, SSTableInfo[]>();
  for (const s of sstables) {
    const w = timeWindowOf(s.maxTimestampMicros, options);
    const list = windows.get(w) ?? [];
    list.push(s);
    windows.set(w, list);
  }
  return windows;
}

function planTimeWindow(state: PlannerState, input: PlannerInput, options: TimeWindowOptions): Plan {
  const tasks: CompactionTask[] = [];
  let next = state;
  const dropped = new Set<SSTableInfo>();
  if (input.nowSeconds - state.lastExpiredCheckSeconds >= options.expiredCheckFrequencySeconds) {
    next = { ...state, lastExpiredCheckSeconds: input.nowSeconds };
    const expired = fullyExpired(input, options);
    if (expired.length > 0) {
      tasks.push({ kind: 'drop', reason: `${expired.length} fully expired SSTables`, inputs: generations(expired), outputLevel: 0, maxOutputBytes: Infinity });
      for (const s of expired) dropped.add(s);
    }
  }
  // A window with a compaction running is left alone until it finishes.
  const busyWindows = new Set<number>();
  for (const s of input.sstables) if (s.compacting) busyWindows.add(timeWindowOf(s.maxTimestampMicros, options));
  const windows = groupWindows(input.sstables.filter((s) => !s.compacting && !dropped.has(s)), options);
  const now = timeWindowOf(input.nowSeconds * 1_000_000 / options.timestampMicrosPerUnit, options);
  for (const window of [...windows.keys()].sort((a, b) => b - a)) {
    if (tasks.length >= input.tasksMax) break;
    if (busyWindows.has(window)) continue;
    const members = windows.get(window)!;
    if (window >= now) {
      const bucket = mostInterestingBucket(sizeTieredBuckets(members, options), options);
      if (bucket !== null) tasks.push({ kind: 'compact', reason: `size-tiered in the current window (${bucket.length})`, inputs: generations(bucket), outputLevel: 0, maxOutputBytes: Infinity });
    } else if (members.length >= 2) {
      const inputs = [...members].sort((a, b) => a.sizeBytes - b.sizeBytes || a.generation - b.generation).slice(0, options.maxThreshold);
      tasks.push({ kind: 'compact', reason: `window ${window}: ${inputs.length} SSTables into one`, inputs: generations(inputs), outputLevel: 0, maxOutputBytes: Infinity });
    }
  }
  return { state: next, tasks, pendingEstimate: timeWindowPending(input, options) };
}

// ---------------------------------------------------------------------------------------------
// Tombstone compaction (every strategy)

/**
 * A single SSTable whose droppable-tombstone ratio exceeds tombstone_threshold, written more than
 * tombstone_compaction_interval ago, and (unless unchecked_tombstone_compaction) with no
 * overlapping SSTable that could hold older data its tombstones shadow (they could not be purged).
 */
export function tombstoneCompaction(input: PlannerInput, options: CompactionStrategyOptions): CompactionTask | null {
  if (options.onlyPurgeRepairedTombstones) return null;
  let best: SSTableInfo | null = null;
  for (const s of input.sstables) {
    if (s.compacting || s.droppableTombstoneRatio <= options.tombstoneThreshold) continue;
    // Strictly older than the interval: an output of this very second is never taken again at once.
    if (input.nowSeconds - s.createdAtSeconds <= options.tombstoneCompactionIntervalSeconds) continue;
    if (!options.uncheckedTombstoneCompaction) {
      let blocked = false;
      for (const other of input.sstables) {
        if (other !== s && overlaps(other, s) && other.minTimestampMicros <= s.maxTimestampMicros) {
          blocked = true;
          break;
        }
      }
      if (blocked) continue;
    }
    if (best === null || s.droppableTombstoneRatio > best.droppableTombstoneRatio) best = s;
  }
  if (best === null) return null;
  return {
    kind: 'compact', reason: `tombstone compaction (${Math.round(best.droppableTombstoneRatio * 100)}% droppable)`, inputs: [best.generation],
    outputLevel: best.level, maxOutputBytes: options.kind === 'leveled' ? options.sstableSizeBytes : Infinity,
  };
}

// ---------------------------------------------------------------------------------------------
// Major compaction (nodetool compact)

/** Every SSTable not already compacting, into one output (leveled: sized outputs in one level). */
export function majorCompaction(sstables: readonly SSTableInfo[], options: CompactionStrategyOptions): CompactionTask | null {
  const inputs = sstables.filter((s) => !s.compacting);
  if (inputs.length === 0) return null;
  if (options.kind !== 'leveled') {
    return { kind: 'compact', reason: `major compaction of ${inputs.length} SSTables`, inputs: generations(inputs), outputLevel: 0, maxOutputBytes: Infinity };
  }
  // Leveled: the lowest level that holds everything, so reads touch one SSTable per key.
  const total = totalBytes(inputs);
  let level = 1;
  while (level < LCS_LEVELS_MAX - 1 && levelMaxBytes(level, options) < total) level++;
  // The outputs replace every SSTable of every level, so the level stays non-overlapping only if
  // nothing else is left in it.
  if (sstables.some((s) => s.compacting && s.level === level)) return null;
  return { kind: 'compact', reason: `major compaction of ${inputs.length} SSTables into L${level}`, inputs: generations(inputs), outputLevel: level, maxOutputBytes: options.sstableSizeBytes };
}

function generations(sstables: readonly SSTableInfo[]): number[] {
  return sstables.map((s) => s.generation).sort((a, b) => a - b);
}

function minOf(sstables: readonly SSTableInfo[]): bigint {
  let m = sstables[0]!.minToken;
  for (const s of sstables) if (s.minToken < m) m = s.minToken;
  return m;
}

function maxOf(sstables: readonly SSTableInfo[]): bigint {
  let m = sstables[0]!.maxToken;
  for (const s of sstables) if (s.maxToken > m) m = s.maxToken;
  return m;
}
