// Crash safety with compaction constantly running (memory disk): inserts and deletes of earlier
// keys under batch sync, tiny memtables so flushes and compactions (gc_grace 0: purging) never
// stop, fsyncs completing at seeded random times, and a power loss or a kill -9 at a random point:
// between event-loop turns, or inside a sequence of file operations (the Nth rename, remove,
// directory sync... of a flush or a compaction commit).
// After every restart: each acknowledged insert not since deleted is there, each acknowledged
// delete holds (a purge never brings data back), and no temp file or compaction record is left.
import { describe, expect, it } from 'vitest';
import { MemoryDisk, silentLogger } from '../../io/index.ts';
import type { Disk } from '../../io/index.ts';
import { realTimers } from '../../io/real/index.ts';
import { TOKEN_MAX, TOKEN_MIN } from '../../lib/index.ts';
import { openStorageEngine } from '../engine/storage-engine.ts';
import type { StorageEngineWithStats } from '../engine/storage-engine.ts';
import type { Mutation, ReadCommand } from '../model.ts';
import { toLivePartition } from '../read/partition-merger.ts';
import { ManualClock, testConfig } from '../testing/engine-harness.ts';
import { TABLE_MAIN, int, liveCell, makeSchema, marker, mutationOf, row, text, update } from '../testing/fixtures.ts';

const NOW = 1_700_000_000;
const PARTITIONS = 11;
const SCHEMA = makeSchema([{ ...TABLE_MAIN, options: { ...TABLE_MAIN.options, gcGraceSeconds: 0, compaction: { class: 'SizeTieredCompactionStrategy', min_threshold: '2' } } }]);

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

function insert(n: number): Mutation {
  return mutationOf(update(TABLE_MAIN.id, n % PARTITIONS, {
    rows: [row([int(n)], { liveness: marker(1000 + n), cells: [liveCell('v', int(n * 5), 1000 + n), liveCell('w', text(`v${n}-${'q'.repeat(n % 60)}`), 1000 + n)] })],
  }));
}

function remove(n: number, ts: number): Mutation {
  return mutationOf(update(TABLE_MAIN.id, n % PARTITIONS, { rows: [row([int(n)], { deletion: { markedForDeleteAtMicros: ts, localDeletionTimeSeconds: NOW - 1 } })] }));
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

function scan(engine: StorageEngineWithStats): Set<number> {
  const found = new Set<number>();
  for (const p of engine.read(SCAN).partitions) {
    for (const r of toLivePartition(p, NOW).rows) {
      const n = r.clustering[0]!.readInt32BE(0);
      expect(r.cells.find((c) => c.column === 'v')!.value.readInt32BE(0)).toBe(n * 5);
      found.add(n);
    }
  }
  return found;
}

/**
 * The disk as one process sees it, dying (kill -9 or power loss) at its `countdown`-th mutating
 * file operation: that call and every later one fail, as they would never run.
 */
function dyingView(disk: MemoryDisk, countdown: number, die: () => void): { view: Disk; died: () => boolean } {
  const view = disk.processView();
  let left = countdown;
  let dead = false;
  const step = (): void => {
    if (dead) throw new Error('process killed');
    if (--left <= 0) {
      dead = true;
      die();
      throw new Error('process killed');
    }
  };
  return {
    died: () => dead,
    view: {
      ...view,
      mkdirp: (p) => (step(), view.mkdirp(p)),
      writeFileAtomic: (p, b) => (step(), view.writeFileAtomic(p, b)),
      openWrite: (p, o) => (step(), view.openWrite(p, o)),
      rename: (a, b) => (step(), view.rename(a, b)),
      remove: (p) => (step(), view.remove(p)),
      removeTree: (p) => (step(), view.removeTree(p)),
      syncDirectory: (p) => (step(), view.syncDirectory(p)),
    },
  };
}

async function rounds(seed: number, count: number): Promise<{ inserts: number; deletes: number; compactions: number }> {
  const random = prng(seed);
  const disk = new MemoryDisk({
    scheduleSync: (done) => {
      const r = random();
      if (r < 0.4) queueMicrotask(done);
      else if (r < 0.8) setImmediate(done);
      else setImmediate(() => setImmediate(done));
    },
  });
  const config = testConfig({
    commitLogSync: 'batch', commitLogSegmentSizeBytes: 16 * 1024, mutationSizeMaxBytes: 4 * 1024, commitLogTotalSpaceBytes: 64 * 1024,
    memtableFlushThresholdBytes: 6 * 1024, memtableSpaceMaxBytes: 1024 * 1024,
  });
  const present = new Set<number>();
  const deleted = new Set<number>();
  /** Inserted then a delete issued without its acknowledgement: either state is right. */
  const uncertain = new Set<number>();
  let next = 0;
  let deleteTs = 10_000_000;
  let compactions = 0;
  let inserts = 0;
  let deletes = 0;
  for (let round = 0; round <= count; round++) {
    // Half the rounds die inside a file operation, the others between turns.
    const faultAt = round < count && random() < 0.5 ? 20 + Math.floor(random() * 300) : Infinity;
    const killInside = random() < 0.5;
    const dying = dyingView(disk, faultAt, () => {
      if (killInside) disk.kill();
      else disk.crash({ seed: seed * 7 + round, unsyncedBytes: 'random', garbleTornTail: true });
    });
    let engine: StorageEngineWithStats;
    try {
      engine = await openStorageEngine({ disk: dying.view, clock: new ManualClock(), timers: realTimers, logger: silentLogger, config, schema: SCHEMA });
    } catch (error) {
      if (!dying.died()) throw error;
      continue;
    }
    const found = scan(engine);
    for (const n of present) if (!found.has(n)) throw new Error(`seed ${seed} round ${round}: acknowledged insert ${n} lost`);
    for (const n of deleted) if (found.has(n)) throw new Error(`seed ${seed} round ${round}: acknowledged delete of ${n} undone`);
    if (faultAt === Infinity) {
      // Once compactions started at open are done, nothing half-written is left behind.
      await engine.settleCompactions();
      const dir = `${config.dataDirectory}/${TABLE_MAIN.id}`;
      expect(disk.list(dir).filter((f) => f.startsWith('tmp-') || f.startsWith('txn-'))).toEqual([]);
    }
    if (round === count) {
      await engine.close();
      break;
    }
    let stop = false;
    const worker = async (): Promise<void> => {
      while (!stop) {
        const candidates = [...present];
        if (candidates.length > 10 && random() < 0.3) {
          const n = candidates[Math.floor(random() * candidates.length)]!;
          present.delete(n);
          uncertain.add(n);
          try {
            await engine.apply(remove(n, deleteTs++));
            if (stop) return;
            uncertain.delete(n);
            deleted.add(n);
            deletes++;
          } catch {
            return;
          }
        } else {
          const n = next++;
          try {
            await engine.apply(insert(n));
            if (stop) return;
            present.add(n);
            inserts++;
          } catch {
            return;
          }
        }
      }
    };
    const workers = Array.from({ length: 1 + Math.floor(random() * 6) }, worker);
    const turns = 50 + Math.floor(random() * 400);
    for (let t = 0; t < turns && !dying.died(); t++) await new Promise((r) => setImmediate(r));
    compactions += engine.compactionStats().completedTasks + engine.compactionStats().active.length;
    stop = true;
    if (!dying.died()) {
      if (random() < 0.5) disk.kill();
      else disk.crash({ seed: seed * 1000 + round, unsyncedBytes: random() < 0.5 ? 'none' : 'random', garbleTornTail: random() < 0.5 });
    }
    await Promise.all(workers);
    await engine.close().catch(() => undefined);
  }
  return { inserts, deletes, compactions };
}

describe('compaction under crashes (memory disk)', () => {
  it('loses no acknowledged insert or delete when killed or powered off during flushes and compactions', async () => {
    let inserts = 0;
    let deletes = 0;
    let compactions = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const r = await rounds(seed, 5);
      inserts += r.inserts;
      deletes += r.deletes;
      compactions += r.compactions;
    }
    expect(inserts).toBeGreaterThan(1000);
    expect(deletes).toBeGreaterThan(100);
    expect(compactions).toBeGreaterThan(30);
  }, 180_000);
});
