import { describe, expect, it } from 'vitest';
import { NO_DELETION_TIME } from './model.ts';
import type { Cell } from './model.ts';
import { isCellLive, isRowLive, mergeRows, reconcileCells, reconcileLiveness, shadowRow, toLiveRow } from './reconcile.ts';
import { tableLayoutOf } from './table-layout.ts';
import { TABLE_MAIN, deletion, expiringCell, int, liveCell, marker, row, text, tombstoneCell } from './testing/fixtures.ts';

const layout = tableLayoutOf(TABLE_MAIN);

describe('reconcileCells (cassandra-internals 4.7)', () => {
  const cases: Array<{ name: string; left: Cell; right: Cell; winner: 'left' | 'right'; counter?: boolean }> = [
    { name: 'higher timestamp wins (live vs live)', left: liveCell('v', int(1), 10), right: liveCell('v', int(0), 11), winner: 'right' },
    { name: 'higher timestamp wins over a tombstone', left: tombstoneCell('v', 10, 100), right: liveCell('v', int(0), 11), winner: 'right' },
    { name: 'higher timestamp tombstone wins', left: liveCell('v', int(9), 10), right: tombstoneCell('v', 12, 5), winner: 'right' },
    { name: 'tie: tombstone beats live', left: liveCell('v', int(9), 10), right: tombstoneCell('v', 10, 5), winner: 'right' },
    { name: 'tie: tombstone beats live (left)', left: tombstoneCell('v', 10, 5), right: liveCell('v', int(9), 10), winner: 'left' },
    { name: 'tie: expiring beats live, even when the live value is greater', left: liveCell('v', int(9), 10), right: expiringCell('v', int(1), 10, 60, 2000), winner: 'right' },
    { name: 'tie: tombstone beats expiring', left: expiringCell('v', int(9), 10, 60, 9999), right: tombstoneCell('v', 10, 5), winner: 'right' },
    { name: 'tie: both expiring, greater localDeletionTime wins', left: expiringCell('v', int(9), 10, 60, 1000), right: expiringCell('v', int(1), 10, 60, 1001), winner: 'right' },
    { name: 'tie: both tombstones, greater localDeletionTime wins', left: tombstoneCell('v', 10, 7), right: tombstoneCell('v', 10, 6), winner: 'left' },
    { name: 'tie: both live, greater value wins (unsigned bytes)', left: liveCell('v', int(1), 10), right: liveCell('v', int(-1), 10), winner: 'right' },
    { name: 'tie: equal values keep the left cell', left: liveCell('v', int(1), 10), right: liveCell('v', int(1), 10), winner: 'left' },
    { name: 'tie: both expiring with equal ldt, greater value wins', left: expiringCell('v', int(2), 10, 60, 1000), right: expiringCell('v', int(1), 10, 60, 1000), winner: 'left' },
    { name: 'counter: tombstone wins regardless of timestamp', left: tombstoneCell('c', 1, 5), right: liveCell('c', int(9), 100), winner: 'left', counter: true },
    { name: 'counter: live totals by timestamp', left: liveCell('c', int(9), 100), right: liveCell('c', int(3), 101), winner: 'right', counter: true },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const expected = c.winner === 'left' ? c.left : c.right;
      expect(reconcileCells(c.left, c.right, c.counter ?? false)).toBe(expected);
      // Symmetric except where the rule keeps the left cell on a full tie.
      if (!(c.left.value.equals(c.right.value) && c.left.timestampMicros === c.right.timestampMicros && c.left.tombstone === c.right.tombstone && c.left.localDeletionTimeSeconds === c.right.localDeletionTimeSeconds)) {
        expect(reconcileCells(c.right, c.left, c.counter ?? false)).toBe(expected);
      }
    });
  }
});

describe('reconcileLiveness', () => {
  it('prefers the higher timestamp, then expiring, then the later expiration', () => {
    const a = marker(10);
    const b = marker(11);
    expect(reconcileLiveness(a, b)).toBe(b);
    const e = marker(10, 60, 5000);
    expect(reconcileLiveness(a, e)).toBe(e);
    expect(reconcileLiveness(e, a)).toBe(e);
    const later = marker(10, 60, 6000);
    expect(reconcileLiveness(e, later)).toBe(later);
    expect(reconcileLiveness(null, a)).toBe(a);
    expect(reconcileLiveness(a, null)).toBe(a);
  });
});

describe('mergeRows and shadowRow', () => {
  it('merges cells by column and path and keeps the winner', () => {
    const a = row([int(1)], { liveness: marker(5), cells: [liveCell('tags', Buffer.alloc(0), 5, int(1)), liveCell('v', int(1), 5)] });
    const b = row([int(1)], { cells: [liveCell('m', int(3), 6, text('k')), liveCell('tags', Buffer.alloc(0), 6, int(2)), liveCell('v', int(2), 4)] });
    const merged = mergeRows(layout, a, b);
    expect(merged.cells.map((c) => [c.column, c.path === null ? null : c.column === 'm' ? c.path.toString() : c.path.readInt32BE(0)])).toEqual([
      ['m', 'k'], ['tags', 1], ['tags', 2], ['v', null],
    ]);
    expect(merged.cells[3]!.value).toEqual(int(1));
    expect(merged.liveness).toEqual(marker(5));
  });

  it('orders set elements with the element comparator (ints, not bytes)', () => {
    const a = row([int(1)], { cells: [liveCell('tags', Buffer.alloc(0), 5, int(-1))] });
    const b = row([int(1)], { cells: [liveCell('tags', Buffer.alloc(0), 5, int(2))] });
    const merged = mergeRows(layout, b, a);
    expect(merged.cells.map((c) => c.path!.readInt32BE(0))).toEqual([-1, 2]);
  });

  it('a row deletion shadows the marker and cells at or before it (ties go to the deletion)', () => {
    const data = row([int(1)], { liveness: marker(10), cells: [liveCell('v', int(1), 10), liveCell('w', text('x'), 11)] });
    const del = row([int(1)], { deletion: deletion(10) });
    const merged = mergeRows(layout, data, del);
    expect(merged.liveness).toBeNull();
    expect(merged.deletion).toEqual(deletion(10));
    expect(merged.cells.map((c) => c.column)).toEqual(['w']);
  });

  it('a complex deletion shadows the older elements of its collection only', () => {
    const data = row([int(1)], { cells: [liveCell('tags', Buffer.alloc(0), 5, int(1)), liveCell('tags', Buffer.alloc(0), 7, int(2)), liveCell('v', int(1), 1)] });
    const del = row([int(1)], { complexDeletions: [{ column: 'tags', deletion: deletion(6) }] });
    const merged = mergeRows(layout, data, del);
    expect(merged.cells.map((c) => [c.column, c.timestampMicros])).toEqual([['tags', 7], ['v', 1]]);
    expect(merged.complexDeletions).toEqual([{ column: 'tags', deletion: deletion(6) }]);
  });

  it('a partition or range deletion above removes the redundant row deletion and shadowed data', () => {
    const r = row([int(1)], { liveness: marker(10), deletion: deletion(5), cells: [liveCell('v', int(1), 12)], complexDeletions: [{ column: 'tags', deletion: deletion(9) }] });
    const shadowed = shadowRow(layout, r, deletion(11));
    expect(shadowed).toEqual(row([int(1)], { cells: [liveCell('v', int(1), 12)] }));
    expect(shadowRow(layout, r, deletion(12))).toBeNull();
    expect(shadowRow(layout, r, null)).toBe(r);
  });

  it('hides dropped and unknown columns when asked', () => {
    const r = row([int(1)], { cells: [liveCell('gone', int(1), 5), liveCell('v', int(2), 5)] });
    expect(shadowRow(layout, r, null, true)!.cells.map((c) => c.column)).toEqual(['v']);
  });
});

describe('liveness at a point in time', () => {
  it('expiring cells are live strictly before their expiry second', () => {
    const c = expiringCell('v', int(1), 10, 60, 1000);
    expect(isCellLive(c, 999)).toBe(true);
    expect(isCellLive(c, 1000)).toBe(false);
    expect(isCellLive(tombstoneCell('v', 10, 5), 0)).toBe(false);
    expect(isCellLive(liveCell('v', int(1), 10), 2 ** 31 - 2)).toBe(true);
  });

  it('a row is live through its marker or any live cell', () => {
    expect(isRowLive(row([int(1)], { liveness: marker(1) }), 0)).toBe(true);
    expect(isRowLive(row([int(1)], { liveness: marker(1, 10, 100) }), 100)).toBe(false);
    expect(isRowLive(row([int(1)], { cells: [tombstoneCell('v', 1, 1), liveCell('w', text('a'), 1)] }), 0)).toBe(true);
    expect(isRowLive(row([int(1)], { deletion: deletion(1) }), 0)).toBe(false);
    const r = row([int(1)], { liveness: marker(1, 10, 100), cells: [liveCell('v', int(1), 1), expiringCell('w', text('a'), 1, 10, 50)] });
    expect(toLiveRow(r, 100)).toEqual(row([int(1)], { cells: [liveCell('v', int(1), 1)] }));
    expect(NO_DELETION_TIME).toBe(2147483647);
  });
});
