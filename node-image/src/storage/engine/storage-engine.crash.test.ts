// Crash tests on the memory disk: writes (and the flushes and segment switches they trigger) run
// while fsyncs complete at seeded random times; the power goes at a random point, dropping or
// tearing unsynced bytes. After reopening, every write acknowledged under batch (or group) sync is there,
// nothing read is corrupt, and the engine keeps working for the next round. Under periodic sync the
// process dies instead (what it handed to the OS survives): every acknowledged write is there too.
import { describe, expect, it } from 'vitest';
import { MemoryDisk, silentLogger } from '../../io/index.ts';
import { realTimers } from '../../io/real/index.ts';
import { TOKEN_MAX, TOKEN_MIN } from '../../lib/index.ts';
import type { Mutation, ReadCommand } from '../model.ts';
import { toLivePartition } from '../read/partition-merger.ts';
import { ManualClock, testConfig } from '../testing/engine-harness.ts';
import { TABLE_MAIN, int, liveCell, makeSchema, marker, mutationOf, row, text, update } from '../testing/fixtures.ts';
import { openStorageEngine } from './storage-engine.ts';
import type { StorageEngineWithStats } from './storage-engine.ts';

const NOW = 1_700_000_000;
const SCHEMA = makeSchema([TABLE_MAIN]);

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The partition of write number n: one of 13 (rows pile up in them) or, under periodic sync, every
 * other write a new partition of its own (logged in its memtable's encoding, and copied from there).
 */
function partitionOf(n: number, sync: Sync): number {
  return sync === 'periodic' && n % 2 === 0 ? 100 + n : n % 13;
}

type Sync = 'batch' | 'group' | 'periodic';

/** Write number n: partition partitionOf(n), clustering n, a value derived from n. */
function write(n: number, sync: Sync): Mutation {
  return mutationOf(update(TABLE_MAIN.id, partitionOf(n, sync), {
    rows: [row([int(n)], { liveness: marker(1000 + n), cells: [liveCell('v', int(n * 7), 1000 + n), liveCell('w', text(`value-${n}-${'x'.repeat(n % 50)}`), 1000 + n)] })],
  }));
}

const SCAN: ReadCommand = {
  tableId: TABLE_MAIN.id,
  partitions: { kind: 'range', start: { token: TOKEN_MIN, key: null }, startInclusive: true, end: { token: TOKEN_MAX, key: null }, endInclusive: true },
  clustering: { kind: 'slices', slices: [{ start: { values: [], inclusive: true }, end: { values: [], inclusive: true } }], reversed: false },
  columns: 'all',
  limits: { rows: Infinity, perPartitionRows: Infinity, partitions: Infinity },
  nowSeconds: NOW,
  resumeAfterClustering: null,
  includeStaticRow: true,
};

/** Every row found, checked against what write(n) wrote. */
function scan(engine: StorageEngineWithStats, sync: Sync): Set<number> {
  const found = new Set<number>();
  for (const p of engine.read(SCAN).partitions) {
    for (const r of toLivePartition(p, NOW).rows) {
      const n = r.clustering[0]!.readInt32BE(0);
      expect(p.key.readInt32BE(0)).toBe(partitionOf(n, sync));
      expect(r.cells.find((c) => c.column === 'v')!.value.readInt32BE(0)).toBe(n * 7);
      expect(r.cells.find((c) => c.column === 'w')!.value.toString()).toBe(`value-${n}-${'x'.repeat(n % 50)}`);
      found.add(n);
    }
  }
  return found;
}

async function crashRounds(seed: number, rounds: number, sync: Sync): Promise<{ acked: number; replayedRounds: number }> {
  const random = prng(seed);
  const disk = new MemoryDisk({
    // fsyncs complete after a random short delay, so crashes land while some are in flight.
    scheduleSync: (done) => {
      const r = random();
      if (r < 0.4) queueMicrotask(done);
      else if (r < 0.8) setImmediate(done);
      else setImmediate(() => setImmediate(done));
    },
  });
  const config = testConfig({
    commitLogSync: sync,
    commitLogSyncGroupWindowMs: 1,
    commitLogSegmentSizeBytes: 16 * 1024,
    mutationSizeMaxBytes: 4 * 1024,
    commitLogTotalSpaceBytes: 64 * 1024,
    memtableFlushThresholdBytes: 24 * 1024,
    memtableSpaceMaxBytes: 1024 * 1024,
  });
  const acked = new Set<number>();
  let next = 0;
  for (let round = 0; round < rounds; round++) {
    const engine = await openStorageEngine({ disk: disk.processView(), clock: new ManualClock(), timers: realTimers, logger: silentLogger, config, schema: SCHEMA });
    const found = scan(engine, sync);
    for (const n of acked) {
      if (!found.has(n)) throw new Error(`seed ${seed} round ${round}: acknowledged write ${n} lost`);
    }
    const writes = 20 + Math.floor(random() * 250);
    const concurrency = 1 + Math.floor(random() * 8);
    let stop = false;
    const worker = async (): Promise<void> => {
      while (!stop && next < Number.MAX_SAFE_INTEGER) {
        const n = next++;
        try {
          await engine.apply(write(n, sync));
          if (!stop) acked.add(n);
        } catch {
          return;
        }
      }
    };
    const workers = Array.from({ length: concurrency }, worker);
    const target = next + writes;
    while (next < target) await new Promise((r) => setImmediate(r));
    // Power loss: some unsynced bytes survive, torn (periodic: the process dies, the OS keeps
    // every byte written); the engine instance is dead from here on.
    stop = true;
    const mode = random();
    const torn = random() < 0.5;
    disk.crash({ seed: seed * 1000 + round, unsyncedBytes: sync === 'periodic' ? 'all' : mode < 0.3 ? 'none' : mode < 0.6 ? 'all' : 'random', garbleTornTail: torn });
    await Promise.all(workers);
    await engine.close().catch(() => undefined);
  }
  const engine = await openStorageEngine({ disk: disk.processView(), clock: new ManualClock(), timers: realTimers, logger: silentLogger, config, schema: SCHEMA });
  const found = scan(engine, sync);
  for (const n of acked) expect(found.has(n)).toBe(true);
  await engine.close();
  return { acked: acked.size, replayedRounds: rounds };
}

describe('storage engine crash safety (memory disk)', () => {
  it('keeps every write acknowledged under batch sync across random power losses', async () => {
    let total = 0;
    for (let seed = 1; seed <= 25; seed++) total += (await crashRounds(seed, 4, 'batch')).acked;
    expect(total).toBeGreaterThan(1000);
  }, 120_000);

  it('keeps every write acknowledged under periodic sync across process crashes', async () => {
    let total = 0;
    for (let seed = 201; seed <= 215; seed++) total += (await crashRounds(seed, 4, 'periodic')).acked;
    expect(total).toBeGreaterThan(1000);
  }, 120_000);

  it('keeps every write acknowledged under group sync across random power losses', async () => {
    let total = 0;
    for (let seed = 101; seed <= 108; seed++) total += (await crashRounds(seed, 3, 'group')).acked;
    expect(total).toBeGreaterThan(200);
  }, 120_000);
});
