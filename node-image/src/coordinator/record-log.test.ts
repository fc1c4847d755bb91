import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryDisk, silentLogger } from '../io/index.ts';
import { DecodeError } from '../storage/index.ts';
import { RecordLog } from './record-log.ts';

const DIR = '/system/test-log';

/** A keyed register on the log: body = key byte, value byte (value 0 deletes). */
class Register {
  readonly values = new Map<number, number>();
  readonly log: RecordLog;
  liveBytes = 0;

  constructor(disk: MemoryDisk, compactBytesMin = 64) {
    this.log = RecordLog.open(
      { disk: disk.processView(), directory: DIR, prefix: 'reg-', logger: silentLogger, name: 'register log', compactBytesMin },
      (body) => {
        if (body.length !== 2) throw new DecodeError('register records are 2 bytes', 0);
        if (body[1] === 0) this.values.delete(body[0]!);
        else this.values.set(body[0]!, body[1]!);
      },
      () => this.live(),
    );
  }

  set(key: number, value: number): void {
    if (value === 0) this.values.delete(key);
    else this.values.set(key, value);
    this.log.append(Buffer.from([key, value]));
    this.liveBytes = this.values.size * RecordLog.framedBytes(2);
    this.log.compactIfLarge(this.liveBytes, () => this.live());
  }

  private *live(): Generator<Buffer> {
    for (const [k, v] of this.values) yield Buffer.from([k, v]);
  }
}

describe('RecordLog', () => {
  it('replays synced records after a power loss and drops unsynced ones', async () => {
    const disk = new MemoryDisk();
    const a = new Register(disk);
    a.set(1, 10);
    a.set(2, 20);
    await a.log.durable();
    a.set(3, 30);
    disk.crash({ seed: 1, unsyncedBytes: 'none' });
    const b = new Register(disk);
    expect([...b.values]).toEqual([[1, 10], [2, 20]]);
  });

  it('ends a file at a torn or garbled tail and keeps every record before it', async () => {
    for (let seed = 1; seed <= 20; seed++) {
      const disk = new MemoryDisk();
      const a = new Register(disk, 1 << 20);
      for (let i = 1; i <= 5; i++) a.set(i, i);
      await a.log.durable();
      for (let i = 6; i <= 9; i++) a.set(i, i);
      disk.crash({ seed, unsyncedBytes: 'random', garbleTornTail: true });
      const b = new Register(disk, 1 << 20);
      const keys = [...b.values.keys()];
      // A prefix of the appends: the synced five, then some of the rest in order.
      expect(keys.slice(0, 5)).toEqual([1, 2, 3, 4, 5]);
      expect(keys).toEqual(keys.map((_, i) => i + 1));
    }
  });

  it('stops a file at a record its owner cannot decode', () => {
    const disk = new MemoryDisk();
    const a = new Register(disk, 1 << 20);
    a.set(1, 1);
    a.log.append(Buffer.from([9, 9, 9]));
    a.set(2, 2);
    const b = new Register(disk, 1 << 20);
    expect([...b.values]).toEqual([[1, 1]]);
  });

  it('rewrites into one small log when mostly garbage, and reopens to the same state (property)', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.tuple(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 3 })), { maxLength: 300 }), async (ops) => {
      const disk = new MemoryDisk();
      const a = new Register(disk);
      for (const [k, v] of ops) a.set(k, v);
      await a.log.durable();
      const files = disk.processView().list(DIR);
      expect(files.length).toBe(1);
      // Never larger than the floor plus one record beyond twice the live size.
      const size = disk.processView().readFile(`${DIR}/${files[0]!}`).length;
      expect(size).toBeLessThanOrEqual(Math.max(64, 2 * a.liveBytes) + RecordLog.framedBytes(2));
      const expected = [...a.values].sort();
      disk.crash({ seed: 1, unsyncedBytes: 'none' });
      const b = new Register(disk);
      expect([...b.values].sort()).toEqual(expected);
    }), { numRuns: 100 });
  });
});
