// The table option `compaction` parsed into typed strategy options (cassandra-internals.md 7.4):
// SizeTiered (default), Leveled and TimeWindow, with Cassandra's sub-options and defaults.
// Malformed values fall back to the default with a warning: the CQL layer validates options, and
// storage must never stop compacting because of one.

export type CompactionStrategyKind = 'size-tiered' | 'leveled' | 'time-window';

export interface CommonCompactionOptions {
  readonly enabled: boolean;
  readonly minThreshold: number;
  readonly maxThreshold: number;
  /** Droppable-tombstone ratio above which a single-SSTable tombstone compaction runs. */
  readonly tombstoneThreshold: number;
  /** An SSTable younger than this is not considered for a tombstone compaction. */
  readonly tombstoneCompactionIntervalSeconds: number;
  /** Skip the overlap estimate before a tombstone compaction. */
  readonly uncheckedTombstoneCompaction: boolean;
  /** Purge only repaired tombstones: nothing is marked repaired yet, so nothing is purged. */
  readonly onlyPurgeRepairedTombstones: boolean;
}

export interface SizeTieredOptions extends CommonCompactionOptions {
  readonly kind: 'size-tiered';
  readonly minSSTableSizeBytes: number;
  readonly bucketLow: number;
  readonly bucketHigh: number;
}

export interface LeveledOptions extends CommonCompactionOptions {
  readonly kind: 'leveled';
  readonly sstableSizeBytes: number;
  readonly fanout: number;
  readonly singleSSTableUplevel: boolean;
}

export interface TimeWindowOptions extends CommonCompactionOptions {
  readonly kind: 'time-window';
  readonly windowSizeMicros: number;
  readonly expiredCheckFrequencySeconds: number;
  readonly unsafeAggressiveExpiration: boolean;
  /** Multiplier from the table's timestamp unit to microseconds (timestamp_resolution). */
  readonly timestampMicrosPerUnit: number;
  /** Size-tiered parameters used inside the newest window. */
  readonly minSSTableSizeBytes: number;
  readonly bucketLow: number;
  readonly bucketHigh: number;
}

export type CompactionStrategyOptions = SizeTieredOptions | LeveledOptions | TimeWindowOptions;

export const MIN_THRESHOLD_DEFAULT = 4;
export const MAX_THRESHOLD_DEFAULT = 32;
export const TOMBSTONE_THRESHOLD_DEFAULT = 0.2;
export const TOMBSTONE_COMPACTION_INTERVAL_SECONDS_DEFAULT = 86_400;
export const STCS_MIN_SSTABLE_SIZE_BYTES_DEFAULT = 50 * 1024 * 1024;
export const STCS_BUCKET_LOW_DEFAULT = 0.5;
export const STCS_BUCKET_HIGH_DEFAULT = 1.5;
export const LCS_SSTABLE_SIZE_BYTES_DEFAULT = 160 * 1024 * 1024;
export const LCS_FANOUT_DEFAULT = 10;
/** Levels 0..8 (Cassandra's MAX_LEVEL_COUNT 9). */
export const LCS_LEVELS_MAX = 9;
/** More L0 SSTables than this and L0 is first compacted size-tiered (MAX_COMPACTING_L0). */
export const LCS_L0_COMPACTING_MAX = 32;
export const TWCS_WINDOW_SIZE_DEFAULT = 1;
export const TWCS_EXPIRED_CHECK_FREQUENCY_SECONDS_DEFAULT = 600;
/** Bounds of thresholds (a compaction of more inputs holds more open files). */
export const THRESHOLD_MIN = 2;
export const THRESHOLD_MAX = 1024;

const WINDOW_UNIT_SECONDS: Readonly<Record<string, number>> = {
  MINUTES: 60,
  HOURS: 3600,
  DAYS: 86_400,
};

const TIMESTAMP_RESOLUTION_MICROS: Readonly<Record<string, number>> = {
  MICROSECONDS: 1,
  MILLISECONDS: 1000,
  SECONDS: 1_000_000,
  MINUTES: 60_000_000,
  HOURS: 3_600_000_000,
  DAYS: 86_400_000_000,
  NANOSECONDS: 0.001,
};

export interface ParsedCompactionOptions {
  readonly options: CompactionStrategyOptions;
  readonly warnings: readonly string[];
}

export function parseCompactionOptions(raw: Readonly<Record<string, string>>): ParsedCompactionOptions {
  const warnings: string[] = [];
  const number = (name: string, fallback: number, check: (n: number) => boolean): number => {
    const text = raw[name];
    if (text === undefined) return fallback;
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n) || !check(n)) {
      warnings.push(`compaction option ${name}=${text} is invalid; using ${fallback}`);
      return fallback;
    }
    return n;
  };
  const bool = (name: string, fallback: boolean): boolean => {
    const text = raw[name];
    if (text === undefined) return fallback;
    if (text.toLowerCase() === 'true') return true;
    if (text.toLowerCase() === 'false') return false;
    warnings.push(`compaction option ${name}=${text} is not a boolean; using ${fallback}`);
    return fallback;
  };
  let minThreshold = number('min_threshold', MIN_THRESHOLD_DEFAULT, (n) => Number.isInteger(n) && n >= THRESHOLD_MIN && n <= THRESHOLD_MAX);
  const maxThreshold = number('max_threshold', MAX_THRESHOLD_DEFAULT, (n) => Number.isInteger(n) && n >= THRESHOLD_MIN && n <= THRESHOLD_MAX);
  if (minThreshold > maxThreshold) {
    warnings.push(`min_threshold ${minThreshold} exceeds max_threshold ${maxThreshold}; using ${maxThreshold}`);
    minThreshold = maxThreshold;
  }
  const common: CommonCompactionOptions = {
    enabled: bool('enabled', true),
    minThreshold,
    maxThreshold,
    tombstoneThreshold: number('tombstone_threshold', TOMBSTONE_THRESHOLD_DEFAULT, (n) => n >= 0),
    tombstoneCompactionIntervalSeconds: number('tombstone_compaction_interval', TOMBSTONE_COMPACTION_INTERVAL_SECONDS_DEFAULT, (n) => n >= 0),
    uncheckedTombstoneCompaction: bool('unchecked_tombstone_compaction', false),
    onlyPurgeRepairedTombstones: bool('only_purge_repaired_tombstones', false),
  };
  const sizeTiered = {
    minSSTableSizeBytes: number('min_sstable_size', STCS_MIN_SSTABLE_SIZE_BYTES_DEFAULT, (n) => Number.isInteger(n) && n >= 0),
    bucketLow: number('bucket_low', STCS_BUCKET_LOW_DEFAULT, (n) => n > 0 && n < 1),
    bucketHigh: number('bucket_high', STCS_BUCKET_HIGH_DEFAULT, (n) => n > 1),
  };
  const cls = raw['class'] ?? 'SizeTieredCompactionStrategy';
  const short = cls.slice(cls.lastIndexOf('.') + 1);
  switch (short) {
    case 'SizeTieredCompactionStrategy':
      return { options: { kind: 'size-tiered', ...common, ...sizeTiered }, warnings };
    case 'LeveledCompactionStrategy': {
      const mb = number('sstable_size_in_mb', LCS_SSTABLE_SIZE_BYTES_DEFAULT / (1024 * 1024), (n) => n > 0 && n <= 1024 * 1024);
      return {
        options: {
          kind: 'leveled', ...common,
          sstableSizeBytes: Math.max(1, Math.floor(mb * 1024 * 1024)),
          fanout: number('fanout_size', LCS_FANOUT_DEFAULT, (n) => Number.isInteger(n) && n >= 2 && n <= 1000),
          singleSSTableUplevel: bool('single_sstable_uplevel', false),
        },
        warnings,
      };
    }
    case 'TimeWindowCompactionStrategy': {
      const unitName = (raw['compaction_window_unit'] ?? 'DAYS').toUpperCase();
      let unitSeconds = WINDOW_UNIT_SECONDS[unitName];
      if (unitSeconds === undefined) {
        warnings.push(`compaction_window_unit ${unitName} is not MINUTES, HOURS or DAYS; using DAYS`);
        unitSeconds = WINDOW_UNIT_SECONDS['DAYS']!;
      }
      const size = number('compaction_window_size', TWCS_WINDOW_SIZE_DEFAULT, (n) => Number.isInteger(n) && n >= 1);
      const resolutionName = (raw['timestamp_resolution'] ?? 'MICROSECONDS').toUpperCase();
      let resolution = TIMESTAMP_RESOLUTION_MICROS[resolutionName];
      if (resolution === undefined) {
        warnings.push(`timestamp_resolution ${resolutionName} is unknown; using MICROSECONDS`);
        resolution = 1;
      }
      return {
        options: {
          kind: 'time-window', ...common, ...sizeTiered,
          windowSizeMicros: unitSeconds * size * 1_000_000,
          expiredCheckFrequencySeconds: number('expired_sstable_check_frequency_seconds', TWCS_EXPIRED_CHECK_FREQUENCY_SECONDS_DEFAULT, (n) => n >= 0),
          unsafeAggressiveExpiration: bool('unsafe_aggressive_sstable_expiration', false),
          timestampMicrosPerUnit: resolution,
        },
        warnings,
      };
    }
    default:
      warnings.push(`compaction class ${cls} is not supported; using SizeTieredCompactionStrategy`);
      return { options: { kind: 'size-tiered', ...common, ...sizeTiered }, warnings };
  }
}
