import { describe, expect, it } from 'vitest';
import { realTimers } from '../../io/real/index.ts';
import type { ReadCommand } from '../model.ts';
import { harness } from '../testing/engine-harness.ts';
import { TABLE_MAIN, int, liveCell, makeSchema, marker, mutationOf, pkOf, row, update } from '../testing/fixtures.ts';

const ALL = { kind: 'slices', slices: [{ start: { values: [], inclusive: true }, end: { values: [], inclusive: true } }], reversed: false } as const;
const NO_LIMITS = { rows: Infinity, perPartitionRows: Infinity, partitions: Infinity };

function single(pk: number): ReadCommand {
  const { key, token } = pkOf(pk);
  return { tableId: TABLE_MAIN.id, partitions: { kind: 'single', key, token }, clustering: ALL, columns: 'all', limits: NO_LIMITS, nowSeconds: 1_700_000_000, resumeAfterClustering: null, includeStaticRow: true };
}

describe('storage engine smoke', () => {
  it('writes, reads, flushes, reopens and replays', async () => {
    const h = harness({ timers: realTimers, schema: makeSchema([TABLE_MAIN]) });
    let engine = await h.open();
    await engine.apply(mutationOf(update(TABLE_MAIN.id, 1, { rows: [row([int(1)], { liveness: marker(10), cells: [liveCell('v', int(100), 10)] })] })));
    expect(engine.read(single(1)).partitions[0]!.rows[0]!.cells[0]!.value).toEqual(int(100));
    await engine.flush();
    expect(engine.tableStats(TABLE_MAIN.id)!.sstableCount).toBe(1);
    await engine.apply(mutationOf(update(TABLE_MAIN.id, 1, { rows: [row([int(2)], { liveness: marker(11), cells: [liveCell('v', int(200), 11)] })] })));
    await engine.close();
    engine = await h.open();
    const rows = engine.read(single(1)).partitions[0]!.rows;
    expect(rows.map((r) => r.cells[0]!.value.readInt32BE(0))).toEqual([100, 200]);
    await engine.close();
  });
});
