import { describe, expect, it } from 'vitest';
import { int, liveCell, pkOf, row } from '../testing/fixtures.ts';
import { RowCache } from './row-cache.ts';

describe('row cache', () => {
  it('keeps a copy of values that are small views of a large buffer (a memtable slab), and the rest as they are', () => {
    const slab = Buffer.alloc(256 * 1024, 7);
    const view = slab.subarray(100, 104);
    const own = int(5);
    const { key, token } = pkOf(1);
    const cache = new RowCache(1024 * 1024);
    const partition = { key, token, partitionDeletion: null, staticRow: null, rows: [row([int(0)], { cells: [liveCell('v', view, 1)] }), row([int(1)], { cells: [liveCell('v', own, 1)] })], rangeTombstones: [] };
    cache.put('t', key, { partition, complete: true });
    const cached = cache.get('t', key)!.partition!;
    const [copied, kept] = cached.rows.map((r) => r.cells[0]!.value);
    expect(copied).toEqual(view);
    expect(copied!.buffer).not.toBe(slab.buffer);
    expect(kept).toBe(own);
    expect(partition.rows[0]!.cells[0]!.value).toBe(view); // the caller's rows are not changed
  });
});
