import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../cluster/index.ts';
import { MemoryDisk, silentLogger } from '../../io/index.ts';
import { BallotGenerator, ballotFromMicros, ballotMicros, compareBallots, maxBallot } from './ballot.ts';
import { PaxosStateStore } from './paxos-state-store.ts';

class Clock {
  ms = 1_700_000_000_000;
  nowMs(): number {
    return this.ms;
  }
  monotonicMs(): number {
    return this.ms;
  }
}

const DIR = '/system/paxos';
const node = Buffer.alloc(8, 1);

function open(disk: MemoryDisk, clock: Clock, ttlMs = 1e12): PaxosStateStore {
  return PaxosStateStore.open({ disk: disk.processView(), directory: DIR, clock, logger: silentLogger, ttlMs });
}

describe('ballots', () => {
  it('round-trip micros and order by micros, then node bytes', () => {
    const a = ballotFromMicros(1_700_000_000_000_123, node);
    expect(ballotMicros(a)).toBe(1_700_000_000_000_123);
    expect(a[6]! >> 4).toBe(1);
    const b = ballotFromMicros(1_700_000_000_000_124, Buffer.alloc(8, 0));
    expect(compareBallots(a, b)).toBeLessThan(0);
    const c = ballotFromMicros(1_700_000_000_000_123, Buffer.alloc(8, 2));
    expect(compareBallots(a, c)).toBeLessThan(0);
    expect(maxBallot(a, null)).toBe(a);
    expect(maxBallot(c, a)).toBe(c);
  });

  it('a generator goes above every ballot it observed, even with a clock behind', () => {
    const clock = new Clock();
    const gen = new BallotGenerator({ clock, random: new SeededRandom(1) });
    const first = gen.next();
    const far = ballotFromMicros(clock.ms * 1000 + 5_000_000, node);
    gen.observe(far);
    const next = gen.next();
    expect(compareBallots(next, far)).toBeGreaterThan(0);
    expect(compareBallots(next, first)).toBeGreaterThan(0);
    expect(compareBallots(gen.next(), next)).toBeGreaterThan(0);
  });
});

describe('Paxos state store', () => {
  it('keeps the last state of each partition across restarts and power loss after durable()', async () => {
    const disk = new MemoryDisk();
    const clock = new Clock();
    let store = open(disk, clock);
    const b1 = ballotFromMicros(1000, node);
    const b2 = ballotFromMicros(2000, node);
    store.set('t', Buffer.from('k1'), { promised: b1, accepted: null, committed: null, updatedAtMs: clock.ms });
    store.set('t', Buffer.from('k1'), { promised: b2, accepted: { ballot: b2, mutation: Buffer.from('m2') }, committed: { ballot: b1, mutation: Buffer.from('m1') }, updatedAtMs: clock.ms });
    store.set('t', Buffer.from('k2'), { promised: b1, accepted: null, committed: null, updatedAtMs: clock.ms });
    await store.durable();
    store.set('t', Buffer.from('k3'), { promised: b1, accepted: null, committed: null, updatedAtMs: clock.ms });
    disk.crash({ seed: 3, unsyncedBytes: 'none' });
    store = open(disk, clock);
    expect(store.size).toBe(2);
    const s = store.get('t', Buffer.from('k1'))!;
    expect(s.promised!.equals(b2)).toBe(true);
    expect(s.accepted!.mutation.toString()).toBe('m2');
    expect(s.committed!.ballot.equals(b1)).toBe(true);
    expect(store.get('t', Buffer.from('k3'))).toBeNull();
    // Reopening rewrote one fresh log.
    expect(disk.processView().list(DIR)).toHaveLength(1);
  });

  it('ignores a torn tail and drops states older than the TTL when reopening', async () => {
    const disk = new MemoryDisk();
    const clock = new Clock();
    let store = open(disk, clock, 60_000);
    store.set('t', Buffer.from('old'), { promised: ballotFromMicros(1, node), accepted: null, committed: null, updatedAtMs: clock.ms });
    clock.ms += 120_000;
    store.set('t', Buffer.from('new'), { promised: ballotFromMicros(2, node), accepted: null, committed: null, updatedAtMs: clock.ms });
    await store.durable();
    const log = `${DIR}/${disk.processView().list(DIR)[0]!}`;
    const size = disk.peek(log)!.length;
    disk.corrupt(log, size - 2, Buffer.from([0xff, 0xff]));
    store = open(disk, clock, 60_000);
    // 'new' was the torn record; 'old' expired.
    expect(store.get('t', Buffer.from('new'))).toBeNull();
    expect(store.get('t', Buffer.from('old'))).toBeNull();
  });

  it('rewrites the log when it grows past twice its live size', async () => {
    const disk = new MemoryDisk();
    const clock = new Clock();
    const store = open(disk, clock);
    const big = Buffer.alloc(64 * 1024, 7);
    for (let i = 0; i < 200; i++) {
      store.set('t', Buffer.from('k'), { promised: ballotFromMicros(1 + i, node), accepted: { ballot: ballotFromMicros(1 + i, node), mutation: big }, committed: null, updatedAtMs: clock.ms });
      await store.durable();
    }
    const files = disk.processView().list(DIR);
    expect(files).toHaveLength(1);
    expect(disk.peek(`${DIR}/${files[0]!}`)!.length).toBeLessThan(8 * 1024 * 1024);
    expect(ballotMicros(store.get('t', Buffer.from('k'))!.promised!)).toBe(200);
  });
});
