import { describe, expect, it } from 'vitest';
import { MemoryDisk, silentLogger } from '../../io/index.ts';
import type { Timers } from '../../io/index.ts';
import { realTimers } from '../../io/real/index.ts';
import { CqlError, ErrorCode } from '../../lib/index.ts';
import type { CommitLogSyncMode } from '../engine.ts';
import type { Mutation } from '../model.ts';
import { ManualClock, recordingLogger } from '../testing/engine-harness.ts';
import { TABLE_MAIN, int, liveCell, mutationOf, row, update } from '../testing/fixtures.ts';
import { CommitLog } from './commit-log.ts';
import type { CommitLogOptions } from './commit-log.ts';
import { listSegments, readSegment } from './commit-log-replay.ts';
import { SEGMENT_HEADER_BYTES } from './segment-format.ts';

const DIR = '/cl';

function mutation(pk: number, valueBytes = 4): Mutation {
  return mutationOf(update(TABLE_MAIN.id, pk, { rows: [row([int(1)], { cells: [liveCell('w', Buffer.alloc(valueBytes, 7), 10 + pk)] })] }));
}

function commitLog(disk: MemoryDisk, overrides: Partial<CommitLogOptions> = {}, syncMode: CommitLogSyncMode = 'batch', timers: Timers = realTimers): CommitLog {
  return new CommitLog({
    disk, clock: new ManualClock(), timers, logger: silentLogger, directory: DIR, syncMode,
    syncPeriodMs: 20, groupWindowMs: 50, segmentSizeBytes: 64 * 1024, totalSpaceBytes: 1024 * 1024, mutationSizeMaxBytes: 8 * 1024,
    onTotalSpaceExceeded: () => {}, ...overrides,
  });
}

function replayAll(disk: MemoryDisk, logger = silentLogger): Mutation[] {
  const out: Mutation[] = [];
  for (const s of listSegments(disk, DIR)) for (const e of readSegment(disk, s, logger).entries) out.push(e.mutation);
  return out;
}

describe('commit log', () => {
  it('coalesces the appends of one turn into one write and one fsync (batch)', async () => {
    const disk = new MemoryDisk();
    const log = commitLog(disk);
    log.start(1);
    const before = disk.stats();
    const acks = [];
    for (let i = 0; i < 100; i++) acks.push(log.append(mutation(i)).durable);
    expect(new Set(acks).size).toBe(1);
    await Promise.all(acks);
    const after = disk.stats();
    expect(after.appends - before.appends).toBe(1);
    expect(after.fileSyncs - before.fileSyncs).toBe(1);
    expect(replayAll(disk).length).toBe(100);
    log.close();
  });

  it('lets writes arriving during an fsync share the next one (group commit)', async () => {
    const releases: Array<() => void> = [];
    const disk = new MemoryDisk({ scheduleSync: (done) => releases.push(done) });
    const log = commitLog(disk);
    log.start(1);
    const first = log.append(mutation(0)).durable;
    await new Promise((r) => setImmediate(r));
    expect(releases.length).toBe(1);
    // Three more turns of writes while the first fsync is in flight.
    const later: Promise<void>[] = [];
    for (let turn = 0; turn < 3; turn++) {
      later.push(log.append(mutation(turn + 1)).durable);
      await new Promise((r) => setImmediate(r));
    }
    expect(releases.length).toBe(1);
    let laterDone = false;
    void Promise.all(later).then(() => (laterDone = true));
    releases.shift()!();
    await first;
    await new Promise((r) => setImmediate(r));
    expect(laterDone).toBe(false);
    expect(releases.length).toBe(1);
    releases.shift()!();
    await Promise.all(later);
    expect(disk.stats().fileSyncs).toBe(2);
    await log.whenSyncIdle();
    log.close();
  });

  it('acknowledges on append in periodic mode and fsyncs on the timer', async () => {
    const disk = new MemoryDisk();
    const log = commitLog(disk, {}, 'periodic');
    log.start(1);
    const syncsBefore = disk.stats().fileSyncs;
    await log.append(mutation(1)).durable;
    expect(disk.stats().fileSyncs).toBe(syncsBefore);
    await new Promise((r) => setTimeout(r, 60));
    expect(disk.stats().fileSyncs).toBeGreaterThan(syncsBefore);
    log.close();
  });

  it('makes periodic acknowledgements wait for an fsync once syncing lags 1.5 periods', async () => {
    const disk = new MemoryDisk();
    const clock = new ManualClock();
    const log = new CommitLog({
      disk, clock, timers: realTimers, logger: silentLogger, directory: DIR, syncMode: 'periodic', syncPeriodMs: 60_000, groupWindowMs: 0,
      segmentSizeBytes: 64 * 1024, totalSpaceBytes: 1 << 20, mutationSizeMaxBytes: 8192, onTotalSpaceExceeded: () => {},
    });
    log.start(1);
    await log.append(mutation(1)).durable;
    expect(disk.stats().fileSyncs).toBe(0);
    clock.advance(90_001);
    await log.append(mutation(2)).durable;
    expect(disk.stats().fileSyncs).toBe(1);
    await log.append(mutation(3)).durable;
    expect(disk.stats().fileSyncs).toBe(1);
    log.close();
  });

  it('starts at most one fsync per window in group mode', async () => {
    const disk = new MemoryDisk();
    const clock = new ManualClock();
    const log = new CommitLog({
      disk, clock, timers: realTimers, logger: silentLogger, directory: DIR, syncMode: 'group', syncPeriodMs: 10, groupWindowMs: 30,
      segmentSizeBytes: 64 * 1024, totalSpaceBytes: 1 << 20, mutationSizeMaxBytes: 8192, onTotalSpaceExceeded: () => {},
    });
    log.start(1);
    await log.append(mutation(1)).durable;
    expect(disk.stats().fileSyncs).toBe(1);
    // Within the window (the manual monotonic clock does not move): the next fsync waits for the timer.
    const second = log.append(mutation(2)).durable;
    const third = log.append(mutation(3)).durable;
    await new Promise((r) => setImmediate(r));
    expect(disk.stats().fileSyncs).toBe(1);
    clock.advance(30);
    await Promise.all([second, third]);
    expect(disk.stats().fileSyncs).toBe(2);
    log.close();
  });

  it('refuses a mutation above the maximum size with Invalid and queues nothing', async () => {
    const disk = new MemoryDisk();
    const log = commitLog(disk);
    log.start(1);
    const position = log.currentPosition();
    let error: unknown = null;
    try {
      log.append(mutation(1, 9000));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CqlError);
    expect((error as CqlError).code).toBe(ErrorCode.Invalid);
    expect(log.currentPosition()).toEqual(position);
    await log.append(mutation(2, 100)).durable;
    expect(replayAll(disk).length).toBe(1);
    log.close();
  });

  it('switches segments when full, asks for flushes beyond total space, and deletes clean segments', async () => {
    const disk = new MemoryDisk();
    const asked: string[][] = [];
    const log = commitLog(disk, { segmentSizeBytes: 8 * 1024, totalSpaceBytes: 32 * 1024, mutationSizeMaxBytes: 2048, onTotalSpaceExceeded: (t) => asked.push([...t]) });
    log.start(5);
    let last = { segmentId: 0, offsetBytes: 0 };
    for (let i = 0; i < 60; i++) {
      const { position, durable } = log.append(mutation(i, 1000));
      expect(position.segmentId > last.segmentId || position.offsetBytes > last.offsetBytes).toBe(true);
      last = position;
      await durable;
    }
    expect(log.segmentIds().length).toBeGreaterThan(5);
    expect(log.segmentIds()[0]).toBe(5);
    expect(asked.length).toBeGreaterThan(0);
    expect(asked[0]).toEqual([TABLE_MAIN.id]);
    expect(replayAll(disk).length).toBe(60);
    log.markClean(TABLE_MAIN.id, log.currentPosition());
    expect(log.segmentIds()).toEqual([last.segmentId]);
    expect(listSegments(disk, DIR).map((s) => s.id)).toEqual([last.segmentId]);
    log.close();
  });

  it('replays up to a torn tail and logs the file and offset', async () => {
    for (let seed = 1; seed <= 30; seed++) {
      const disk = new MemoryDisk();
      const log = commitLog(disk, {}, 'periodic');
      log.start(1);
      await log.append(mutation(0)).durable;
      disk.syncDirectory(DIR);
      log.close();
      const log2 = commitLog(disk, {}, 'periodic');
      log2.start(2);
      for (let i = 0; i < 20; i++) await log2.append(mutation(i, 200)).durable;
      disk.crash({ seed, unsyncedBytes: 'random', garbleTornTail: seed % 2 === 0 });
      const logger = recordingLogger();
      const replayed = replayAll(disk, logger);
      // Segment 1 was synced at close; segment 2 keeps a prefix of its entries.
      expect(replayed.length).toBeGreaterThanOrEqual(1);
      expect(replayed.length).toBeLessThanOrEqual(21);
      expect(replayed[0]).toEqual(mutation(0));
      for (let i = 1; i < replayed.length; i++) expect(replayed[i]).toEqual(mutation(i - 1, 200));
      if (replayed.length < 21) {
        const warnings = logger.records.filter((r) => r.level === 'warn');
        const seg2 = disk.peek(`${DIR}/CommitLog-1-2.log`);
        if (seg2 !== null && seg2.length > SEGMENT_HEADER_BYTES) {
          expect(warnings.length).toBe(1);
          expect(warnings[0]!.fields).toMatchObject({ file: `${DIR}/CommitLog-1-2.log` });
          expect((warnings[0]!.fields as { offsetBytes: number }).offsetBytes).toBeGreaterThanOrEqual(SEGMENT_HEADER_BYTES);
        }
      }
    }
  });

  it('skips an entry whose payload checksum fails mid-segment, logs file and offset, and keeps a copy of the segment', async () => {
    const disk = new MemoryDisk();
    const log = commitLog(disk, { segmentSizeBytes: 4096, mutationSizeMaxBytes: 1024 });
    log.start(1);
    for (let i = 0; i < 12; i++) await log.append(mutation(i, 600)).durable;
    log.close();
    const segments = listSegments(disk, DIR);
    expect(segments.length).toBeGreaterThan(2);
    const first = disk.peek(segments[0]!.path)!;
    // Damage the payload of the second entry of the first segment.
    const firstEntryLength = first.readUInt32BE(SEGMENT_HEADER_BYTES) + 12;
    const at = SEGMENT_HEADER_BYTES + firstEntryLength + 30;
    disk.corrupt(segments[0]!.path, at, Buffer.from([first[at]! ^ 0xff]));
    const logger = recordingLogger();
    const replayed = replayAll(disk, logger);
    expect(replayed.length).toBe(11);
    expect(replayed).toEqual([...Array(12).keys()].filter((i) => i !== 1).map((i) => mutation(i, 600)));
    const error = logger.records.find((r) => r.level === 'error');
    expect(error!.fields).toMatchObject({ file: segments[0]!.path, offsetBytes: SEGMENT_HEADER_BYTES + firstEntryLength, reason: 'payload checksum mismatch' });
    expect(disk.list(`${DIR}/quarantine`)).toEqual([segments[0]!.path.slice(DIR.length + 1)]);
  });
});
