// Table properties of CREATE/ALTER TABLE (WITH ...): parsed, validated and normalized as
// Cassandra stores them in system_schema.tables (fully qualified class names, string maps).
import { configError, invalidRequest, syntaxError } from '../../lib/index.ts';
import type { TableOptions } from '../../schema/index.ts';
import type { Property, PropertyValue } from '../ast.ts';

const COMPACTION_PACKAGE = 'org.apache.cassandra.db.compaction.';
const COMPRESSION_PACKAGE = 'org.apache.cassandra.io.compress.';
const COMPACTION_CLASSES = ['SizeTieredCompactionStrategy', 'LeveledCompactionStrategy', 'TimeWindowCompactionStrategy', 'UnifiedCompactionStrategy'];
const COMPRESSION_CLASSES = ['LZ4Compressor', 'SnappyCompressor', 'DeflateCompressor', 'ZstdCompressor', 'NoopCompressor'];

export const TABLE_PROPERTY_NAMES = new Set([
  'bloom_filter_fp_chance', 'caching', 'comment', 'compaction', 'compression', 'crc_check_chance', 'default_time_to_live',
  'gc_grace_seconds', 'max_index_interval', 'memtable_flush_period_in_ms', 'min_index_interval', 'read_repair', 'speculative_retry',
  'additional_write_policy', 'cdc', 'extensions', 'id', 'memtable', 'allow_auto_snapshot', 'incremental_backups',
  'dclocal_read_repair_chance', 'read_repair_chance',
]);

export function propertyText(value: PropertyValue, name: string): string {
  if (value.kind === 'constant') return value.text;
  if (value.kind === 'identifier') return value.name;
  throw syntaxError(`Invalid value for property '${name}'. It should be a string`);
}

export function propertyMap(value: PropertyValue, name: string): Record<string, string> {
  if (value.kind !== 'map') throw syntaxError(`Invalid value for property '${name}'. It should be a map.`);
  const out: Record<string, string> = {};
  for (const [k, v] of value.entries) {
    if (v.kind === 'map') throw syntaxError(`Invalid value for property '${name}': nested maps are not allowed`);
    out[k] = propertyText(v, name);
  }
  return out;
}

function propertyNumber(value: PropertyValue, name: string): number {
  const text = propertyText(value, name);
  const n = Number(text);
  if (!Number.isFinite(n)) throw syntaxError(`Invalid double value ${text} for '${name}'`);
  return n;
}

function propertyInt(value: PropertyValue, name: string): number {
  const text = propertyText(value, name);
  if (!/^-?\d+$/.test(text)) throw syntaxError(`Invalid integer value ${text} for '${name}'`);
  return Number.parseInt(text, 10);
}

function qualify(name: string, pkg: string, known: readonly string[]): string {
  if (name.includes('.')) return name;
  if (!known.includes(name)) return `${pkg}${name}`;
  return `${pkg}${name}`;
}

function normalizeCompaction(map: Record<string, string>): Record<string, string> {
  const cls = map['class'];
  if (cls === undefined) throw configError('Missing sub-option \'class\' for the \'compaction\' option.');
  const qualified = qualify(cls, COMPACTION_PACKAGE, COMPACTION_CLASSES);
  const short = qualified.slice(qualified.lastIndexOf('.') + 1);
  if (!COMPACTION_CLASSES.includes(short)) throw configError(`Unable to find compaction strategy class '${qualified}'`);
  const out: Record<string, string> = { ...map, class: qualified };
  // Cassandra records the thresholds with every strategy (CompactionParams defaults).
  out['max_threshold'] ??= '32';
  out['min_threshold'] ??= '4';
  for (const key of ['min_threshold', 'max_threshold', 'sstable_size_in_mb', 'compaction_window_size', 'fanout_size']) {
    const v = out[key];
    if (v !== undefined && !/^\d+$/.test(v)) throw configError(`${key} must be a positive integer, found ${v}`);
  }
  if (out['min_threshold'] !== undefined && Number(out['min_threshold']) < 2) {
    throw configError(`Disabling compaction by setting compaction thresholds to 0 has been removed, set the compaction option 'enabled' to false instead.`);
  }
  return out;
}

function normalizeCompression(map: Record<string, string>): Record<string, string> {
  if (map['enabled'] === 'false' || Object.keys(map).length === 0) return { enabled: 'false' };
  const cls = map['class'] ?? map['sstable_compression'];
  if (cls === undefined) throw configError('Missing sub-option \'class\' for the \'compression\' option.');
  const qualified = qualify(cls, COMPRESSION_PACKAGE, COMPRESSION_CLASSES);
  const short = qualified.slice(qualified.lastIndexOf('.') + 1);
  if (!COMPRESSION_CLASSES.includes(short)) throw configError(`Could not create Compression for type ${cls}`);
  const out: Record<string, string> = { chunk_length_in_kb: map['chunk_length_in_kb'] ?? '16', class: qualified };
  for (const [k, v] of Object.entries(map)) {
    if (k === 'class' || k === 'sstable_compression' || k === 'chunk_length_in_kb' || k === 'enabled') continue;
    out[k] = v;
  }
  const chunk = Number(out['chunk_length_in_kb']);
  if (!Number.isInteger(chunk) || chunk <= 0 || (chunk & (chunk - 1)) !== 0) {
    throw configError(`chunk_length_in_kb must be a power of 2, found ${out['chunk_length_in_kb']}`);
  }
  return out;
}

/** Applies WITH properties on top of `base` (defaults for CREATE, the current options for ALTER). */
export function applyTableProperties(base: TableOptions, properties: readonly Property[]): TableOptions {
  const o: { -readonly [K in keyof TableOptions]: TableOptions[K] } = { ...base };
  const seen = new Set<string>();
  for (const { name, value } of properties) {
    if (seen.has(name)) throw syntaxError(`Multiple definitions for property ${name}`);
    seen.add(name);
    if (!TABLE_PROPERTY_NAMES.has(name)) throw syntaxError(`Unknown property '${name}'`);
    switch (name) {
      case 'bloom_filter_fp_chance': {
        const v = propertyNumber(value, name);
        if (v <= 0 || v > 1) throw configError(`bloom_filter_fp_chance must be larger than 0 and less than or equal to 1.0 (got ${v})`);
        o.bloomFilterFpChance = v;
        break;
      }
      case 'caching': o.caching = { keys: 'ALL', rows_per_partition: 'NONE', ...propertyMap(value, name) }; break;
      case 'comment': o.comment = propertyText(value, name); break;
      case 'compaction': o.compaction = normalizeCompaction(propertyMap(value, name)); break;
      case 'compression': o.compression = normalizeCompression(propertyMap(value, name)); break;
      case 'crc_check_chance': o.crcCheckChance = propertyNumber(value, name); break;
      case 'default_time_to_live': {
        const v = propertyInt(value, name);
        if (v < 0) throw configError(`default_time_to_live must be greater than or equal to 0 (got ${v})`);
        if (v > 630_720_000) throw configError(`default_time_to_live must be less than or equal to 630720000 (got ${v})`);
        o.defaultTimeToLiveSeconds = v;
        break;
      }
      case 'gc_grace_seconds': {
        const v = propertyInt(value, name);
        if (v < 0) throw configError(`gc_grace_seconds must be greater than or equal to 0 (got ${v})`);
        o.gcGraceSeconds = v;
        break;
      }
      case 'max_index_interval': o.maxIndexInterval = propertyInt(value, name); break;
      case 'min_index_interval': o.minIndexInterval = propertyInt(value, name); break;
      case 'memtable_flush_period_in_ms': o.memtableFlushPeriodMs = propertyInt(value, name); break;
      case 'read_repair': {
        const v = propertyText(value, name).toUpperCase();
        if (v !== 'BLOCKING' && v !== 'NONE') throw configError(`Invalid read_repair value '${v}'`);
        o.readRepair = v;
        break;
      }
      case 'speculative_retry': o.speculativeRetry = propertyText(value, name); break;
      case 'additional_write_policy': o.additionalWritePolicy = propertyText(value, name); break;
      case 'cdc': o.cdc = propertyText(value, name).toLowerCase() === 'true'; break;
      case 'extensions': o.extensions = propertyMap(value, name); break;
      case 'dclocal_read_repair_chance':
      case 'read_repair_chance':
        throw syntaxError(`Unknown property '${name}'`);
      default:
        // id, memtable, allow_auto_snapshot, incremental_backups: accepted, not stored.
        break;
    }
  }
  if (o.minIndexInterval < 1) throw configError(`min_index_interval must be greater than 0, but was ${o.minIndexInterval}`);
  if (o.maxIndexInterval < o.minIndexInterval) {
    throw configError(`max_index_interval (${o.maxIndexInterval}) must be greater than the min_index_interval (${o.minIndexInterval})`);
  }
  return o;
}

export function rejectUnknown(properties: readonly Property[], allowed: ReadonlySet<string>): void {
  for (const p of properties) if (!allowed.has(p.name)) throw syntaxError(`Unknown property '${p.name}'`);
}

export { invalidRequest };
