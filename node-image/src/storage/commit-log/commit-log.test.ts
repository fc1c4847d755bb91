import { describe, expect, it } from 'vitest';
import { MemoryDisk, silentLogger } from '../../io/index.ts';
import type { Timers } from '../../io/index.ts';
import { realTimers } from '../../io/real/index.ts';
import { CqlError, ErrorCode } from '../../lib/index.ts';
import type { CommitLogSyncMode } from '../engine.ts';
import type { Mutation } from '../model.ts';
import { ManualClock, recordingLogger } from '../testing/engine-harness.ts';
import { crc32Of } from '../codec/small-crc32.ts';
import { MUTATION_FORMAT_VERSION, MutationEncoder } from '../codec/mutation-codec.ts';
import { ByteWriter } from '../codec/byte-writer.ts';
import { Memtable } from '../memtable/memtable.ts';
import { tableLayoutOf } from '../table-layout.ts';
import { TABLE_MAIN, TABLE_SIMPLE, expiringCell, int, liveCell, marker, mutationOf, row, text, tombstoneCell, update } from '../testing/fixtures.ts';
import { CommitLog } from './commit-log.ts';
import type { CommitLogOptions } from './commit-log.ts';
import { listSegments, readSegment } from './commit-log-replay.ts';
import { FRAME_HEADER_BYTES, FRAME_TRAILER_BYTES, SEGMENT_FORMAT_VERSION_ENTRIES, SEGMENT_HEADER_BYTES, encodeSegmentHeader, readFrame, segmentFileName } from './segment-format.ts';

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

  it('skips a frame whose checksum fails mid-segment, logs file and offset, and keeps a copy of the segment', async () => {
    const disk = new MemoryDisk();
    const log = commitLog(disk, { segmentSizeBytes: 4096, mutationSizeMaxBytes: 1024 });
    log.start(1);
    for (let i = 0; i < 12; i++) await log.append(mutation(i, 600)).durable;
    log.close();
    const segments = listSegments(disk, DIR);
    expect(segments.length).toBeGreaterThan(2);
    const first = disk.peek(segments[0]!.path)!;
    // Damage the second frame of the first segment (one entry each: every append was awaited).
    const firstFrameLength = FRAME_HEADER_BYTES + first.readUInt32BE(SEGMENT_HEADER_BYTES) + FRAME_TRAILER_BYTES;
    const at = SEGMENT_HEADER_BYTES + firstFrameLength + 30;
    disk.corrupt(segments[0]!.path, at, Buffer.from([first[at]! ^ 0xff]));
    const logger = recordingLogger();
    const replayed = replayAll(disk, logger);
    expect(replayed.length).toBe(11);
    expect(replayed).toEqual([...Array(12).keys()].filter((i) => i !== 1).map((i) => mutation(i, 600)));
    const error = logger.records.find((r) => r.level === 'error');
    expect(error!.fields).toMatchObject({ file: segments[0]!.path, offsetBytes: SEGMENT_HEADER_BYTES + firstFrameLength, reason: 'frame checksum mismatch' });
    expect(disk.list(`${DIR}/quarantine`)).toEqual([segments[0]!.path.slice(DIR.length + 1)]);
  });

  describe('one-row writes in the memtable\'s encoding', () => {
    const main = (): Memtable => new Memtable({ layout: tableLayoutOf(TABLE_MAIN) });
    const simple = (): Memtable => new Memtable({ layout: tableLayoutOf(TABLE_SIMPLE) });
    /** A one-row write the memtable keeps encoded, with `n` picking its columns (new names mid-frame). */
    const plain = (pk: number, n: number): Mutation => mutationOf(update(TABLE_MAIN.id, pk, {
      rows: [row([int(n)], { liveness: marker(1000 + n), cells: [liveCell('v', int(n), 1000 + n), ...(n % 2 === 0 ? [liveCell('w', text(`w${n}`), 1001 + n)] : [])] })],
    }));

    /** Appends each write with its table's memtable as the encoder, applying it as the engine does. */
    function appendAll(log: CommitLog, writes: ReadonlyArray<{ m: Mutation; memtable: Memtable }>): { durable: Promise<void>; encoded: boolean[] } {
      let durable: Promise<void> = Promise.resolve();
      const encoded: boolean[] = [];
      for (const { m, memtable } of writes) {
        durable = log.appendDurable(m, memtable);
        encoded.push(log.loggedInEncoding());
        if (log.loggedInEncoding()) memtable.applyLogged(m.updates[0]!);
        else memtable.apply(m.updates[0]!);
      }
      return { durable, encoded };
    }

    it('logs them as ENCODED_PARTITION entries with the frame\'s column names and replays the mutations they were', async () => {
      const disk = new MemoryDisk();
      const log = commitLog(disk, {}, 'periodic');
      log.start(1);
      const a = main();
      const b = simple();
      const simpleWrite = mutationOf(update(TABLE_SIMPLE.id, 7, { rows: [row([], { cells: [liveCell('v', int(7), 50)] })] }));
      const writes = [
        { m: plain(1, 1), memtable: a },
        { m: simpleWrite, memtable: b },
        { m: plain(2, 2), memtable: a },
        // An existing partition: encoded in the log all the same, merged as objects by the memtable.
        { m: plain(1, 3), memtable: a },
        // Not one encoded row: a tombstone, two rows, a TTL'd cell, two tables in one mutation.
        { m: mutationOf(update(TABLE_MAIN.id, 3, { rows: [row([int(1)], { cells: [tombstoneCell('v', 60, 1)] })] })), memtable: a },
        { m: mutationOf(update(TABLE_MAIN.id, 4, { rows: [row([int(1)], { liveness: marker(70) }), row([int(2)], { liveness: marker(70) })] })), memtable: a },
        { m: mutationOf(update(TABLE_MAIN.id, 5, { rows: [row([int(1)], { cells: [expiringCell('v', int(5), 80, 100, 2_000_000_000)] })] })), memtable: a },
        { m: plain(6, 4), memtable: a },
      ];
      const { durable, encoded } = appendAll(log, writes);
      expect(encoded).toEqual([true, true, true, true, false, false, true, true]);
      await durable;
      const both = mutationOf(update(TABLE_MAIN.id, 8, { rows: [row([int(1)], { liveness: marker(90) })] }), update(TABLE_SIMPLE.id, 8, { rows: [row([], { liveness: marker(90) })] }));
      await log.appendDurable(both, null);
      expect(log.loggedInEncoding()).toBe(false);
      log.close();
      const bytes = disk.peek(`${DIR}/${segmentFileName(1)}`)!;
      // One frame for the first turn, one for the second.
      const first = readFrame(bytes, SEGMENT_HEADER_BYTES);
      expect(first.kind).toBe('frame');
      const second = readFrame(bytes, (first as { nextOffsetBytes: number }).nextOffsetBytes);
      expect(second.kind).toBe('frame');
      expect(readFrame(bytes, (second as { nextOffsetBytes: number }).nextOffsetBytes).kind).toBe('end');
      expect(replayAll(disk)).toEqual([...writes.map((w) => w.m), both]);
    });

    it('replays every write across segment switches, whichever entry kind took it', async () => {
      const disk = new MemoryDisk();
      const log = commitLog(disk, { segmentSizeBytes: 2048, mutationSizeMaxBytes: 1024 }, 'periodic');
      log.start(1);
      const memtable = main();
      const written: Mutation[] = [];
      for (let turn = 0; turn < 40; turn++) {
        const writes = Array.from({ length: 1 + (turn % 7) }, (_, i) => ({ m: plain(turn * 10 + i, turn * 10 + i), memtable }));
        written.push(...writes.map((w) => w.m));
        await appendAll(log, writes).durable;
      }
      log.close();
      expect(listSegments(disk, DIR).length).toBeGreaterThan(3);
      expect(replayAll(disk)).toEqual(written);
    });

    it('skips a corrupt frame and decodes the frames after it with their own column names', async () => {
      const disk = new MemoryDisk();
      const log = commitLog(disk, {}, 'periodic');
      log.start(1);
      const memtable = main();
      const turns = [[plain(1, 2), plain(2, 4)], [plain(3, 6)], [plain(4, 8), plain(5, 9)]];
      for (const t of turns) await appendAll(log, t.map((m) => ({ m, memtable }))).durable;
      log.close();
      const path = `${DIR}/${segmentFileName(1)}`;
      disk.corrupt(path, SEGMENT_HEADER_BYTES + 20, Buffer.from([disk.peek(path)![SEGMENT_HEADER_BYTES + 20]! ^ 0x55]));
      const logger = recordingLogger();
      expect(replayAll(disk, logger)).toEqual([...turns[1]!, ...turns[2]!]);
      expect(logger.records.find((r) => r.level === 'error')!.fields).toMatchObject({ file: path, offsetBytes: SEGMENT_HEADER_BYTES, reason: 'frame checksum mismatch' });
    });
  });

  it('replays segments of format 1 (one checksummed entry per mutation), which earlier versions wrote', () => {
    const disk = new MemoryDisk();
    const writes = [mutation(1), mutation(2, 300), mutation(3)];
    const w = new ByteWriter(1024);
    w.bytes(encodeSegmentHeader(4, MUTATION_FORMAT_VERSION, SEGMENT_FORMAT_VERSION_ENTRIES));
    const encoder = new MutationEncoder();
    for (const m of writes) {
      const start = w.length;
      w.u32(0);
      w.u32(0);
      encoder.write(w, m);
      const length = w.length - start - 8;
      w.u32At(start, length);
      w.u32At(start + 4, crc32Of(w.buffer, start, start + 4));
      w.u32(crc32Of(w.buffer, start + 8, start + 8 + length));
    }
    disk.mkdirp(DIR);
    disk.writeFileAtomic(`${DIR}/${segmentFileName(4, SEGMENT_FORMAT_VERSION_ENTRIES)}`, Buffer.from(w.view()));
    expect(listSegments(disk, DIR).map((s) => s.path)).toEqual([`${DIR}/CommitLog-1-4.log`]);
    expect(replayAll(disk)).toEqual(writes);
  });
});
