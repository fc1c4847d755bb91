// Test-only memtable helpers shared by the memtable tests. Never imported by production code.
import type { PartitionUpdate } from '../model.ts';
import { Memtable } from '../memtable/memtable.ts';
import type { LayoutSource, MemtablePartition } from '../memtable/memtable.ts';

/** A memtable of `updates` applied in order (`encodeRows: false` keeps every row as objects). */
export function memtableOf(source: LayoutSource, updates: readonly PartitionUpdate[], encodeRows: boolean): Memtable {
  const m = new Memtable(source, 0, { encodeRows });
  for (const u of updates) m.apply(u);
  return m;
}

/** The memtable's partitions in (token, key) order. */
export function partitionsOf(m: Memtable): MemtablePartition[] {
  const out: MemtablePartition[] = [];
  for (const c = m.partitions.first(); c.valid; c.next()) out.push(c.value);
  return out;
}
