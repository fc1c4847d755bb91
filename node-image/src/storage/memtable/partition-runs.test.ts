import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PARTITION_RUNS_BUFFER, PartitionRuns, comparePartitions, sortByTokenAndKey } from './partition-runs.ts';
import type { PartitionKeys } from './partition-runs.ts';
import { TokenIndex } from './token-index.ts';

interface Entry {
  readonly id: number;
  readonly token: bigint;
  readonly key: Buffer;
}

/** Partitions by number, as a memtable's table gives them to the runs and the index. */
class Entries implements PartitionKeys<Entry> {
  readonly list: Entry[] = [];

  add(token: bigint, key: Buffer): Entry {
    const entry = { id: this.list.length, token, key };
    this.list.push(entry);
    return entry;
  }

  tokenHigh(id: number): number {
    return Number(BigInt.asIntN(32, this.list[id]!.token >> 32n));
  }

  tokenLow(id: number): number {
    return Number(BigInt.asUintN(32, this.list[id]!.token));
  }

  compareKeys(a: number, b: number): number {
    return Buffer.compare(this.list[a]!.key, this.list[b]!.key);
  }

  keyEquals(id: number, key: Buffer): boolean {
    return this.list[id]!.key.equals(key);
  }

  valueOf(id: number): Entry {
    return this.list[id]!;
  }
}

/** The reference order: token, then key bytes. */
function compareEntries(a: Entry, b: Entry): number {
  if (a.token !== b.token) return a.token < b.token ? -1 : 1;
  return Buffer.compare(a.key, b.key);
}

// Tokens close together and far apart: doubles tie for neighbours above 2^53.
const token = fc.oneof(fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }), fc.bigInt({ min: (1n << 60n), max: (1n << 60n) + 40n }), fc.constantFrom(0n, -1n, 1n));
const entries = (max: number) => fc.uniqueArray(fc.tuple(token, fc.uint8Array({ minLength: 1, maxLength: 3 })), { maxLength: max, selector: ([t, k]) => `${t}/${Buffer.from(k).toString('hex')}` });

describe('sortByTokenAndKey', () => {
  it('orders as the (token, key) comparator does, equal tokens and all (property)', () => {
    fc.assert(fc.property(entries(2 * PARTITION_RUNS_BUFFER + 3), (list) => {
      const table = new Entries();
      const values = list.map(([t, k]) => table.add(t, Buffer.from(k)));
      const ids = Int32Array.from(values, (v) => v.id);
      const sorted = [...sortByTokenAndKey(table, ids, ids.length)].map((id) => table.valueOf(id));
      expect(sorted).toEqual([...values].sort(compareEntries));
      for (let i = 1; i < sorted.length; i++) expect(comparePartitions(table, sorted[i - 1]!.id, sorted[i]!.id)).toBeLessThan(0);
    }), { numRuns: 100 });
  });
});

describe('PartitionRuns', () => {
  it('iterates in (token, key) order and seeks, whatever the insertion order, across buffer seals and merges (property)', () => {
    fc.assert(fc.property(entries(3 * PARTITION_RUNS_BUFFER + 7), token, fc.nat(), (list, probeToken, readAt) => {
      const table = new Entries();
      const runs = new PartitionRuns(table);
      const values = list.map(([t, k]) => table.add(t, Buffer.from(k)));
      // A read part-way through (it seals a partial buffer), then the rest of the inserts.
      const split = list.length === 0 ? 0 : readAt % (list.length + 1);
      for (const v of values.slice(0, split)) runs.insert(v.id);
      const early: Entry[] = [];
      for (const c = runs.first(); c.valid; c.next()) early.push(c.value);
      expect(early).toEqual(values.slice(0, split).sort(compareEntries));
      for (const v of values.slice(split)) runs.insert(v.id);
      const sorted = [...values].sort(compareEntries);
      const forward: Entry[] = [];
      for (const c = runs.first(); c.valid; c.next()) forward.push(c.value);
      expect(forward).toEqual(sorted);
      expect(runs.size).toBe(values.length);
      const probe = (v: Entry): number => (v.token < probeToken ? -1 : v.token > probeToken ? 1 : 0);
      const from = sorted.findIndex((v) => v.token >= probeToken);
      const seeked: Entry[] = [];
      for (const c = runs.seek(probe, Number(probeToken)); c.valid; c.next()) seeked.push(c.value);
      expect(seeked).toEqual(from < 0 ? [] : sorted.slice(from));
      // Collapsed into one run (before a flush): the same order and the same seek.
      runs.collapse();
      const collapsed: Entry[] = [];
      for (const c = runs.first(); c.valid; c.next()) collapsed.push(c.value);
      expect(collapsed).toEqual(sorted);
      const seekedAgain: Entry[] = [];
      for (const c = runs.seek(probe, Number(probeToken)); c.valid; c.next()) seekedAgain.push(c.value);
      expect(seekedAgain).toEqual(seeked);
    }), { numRuns: 60 });
  });

  it('orders ten thousand random partitions, with colliding doubles and tokens, through many merges', () => {
    let seed = 7;
    const random = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const table = new Entries();
    const runs = new PartitionRuns(table);
    const index = new TokenIndex(table);
    const values: Entry[] = [];
    const seen = new Set<string>();
    while (values.length < 10_000) {
      // A quarter of the tokens near 2^60 (their doubles tie), some sharing a token with another key.
      const t = random() < 0.25 ? (1n << 60n) + BigInt(Math.floor(random() * 3000)) : BigInt(Math.floor((random() - 0.5) * 2 ** 53)) * 1024n;
      const k = Buffer.from([Math.floor(random() * 4)]);
      const id = `${t}/${k[0]}`;
      if (seen.has(id)) continue;
      seen.add(id);
      const v = table.add(t, k);
      values.push(v);
      runs.insert(v.id);
      index.add(v.id);
    }
    const forward: Entry[] = [];
    for (const c = runs.first(); c.valid; c.next()) forward.push(c.value);
    expect(forward).toEqual([...values].sort(compareEntries));
    const sorted = [...values].sort(compareEntries);
    // Seeks to tokens whose doubles many partitions share (near 2^60), and elsewhere.
    for (const t of [(1n << 60n) + 1500n, (1n << 60n) - 1n, (1n << 60n) + 2999n, -1n, 0n, 123456789n * 1024n]) {
      const probe = (v: Entry): number => (v.token < t ? -1 : v.token > t ? 1 : 0);
      const c = runs.seek(probe, Number(t));
      expect(c.valid ? c.value : undefined).toBe(sorted.find((v) => v.token >= t));
    }
    for (const v of values) expect(index.get(v.token, Buffer.from(v.key))).toBe(v.id);
    // A presized index finds the same.
    const presized = new TokenIndex(table, values.length);
    for (const v of values) presized.add(v.id);
    for (const v of values) expect(presized.get(v.token, Buffer.from(v.key))).toBe(v.id);
    expect(index.get(1n << 62n, Buffer.from([0]))).toBe(-1);
  });

  it('keeps a cursor on the runs it opened while later inserts build new ones', () => {
    const table = new Entries();
    const runs = new PartitionRuns(table);
    const all = Array.from({ length: 3 * PARTITION_RUNS_BUFFER }, (_, i) => table.add(BigInt(i * 7919 % 1000) * 1000n + BigInt(i), Buffer.from([i & 0xff])));
    for (const v of all.slice(0, PARTITION_RUNS_BUFFER)) runs.insert(v.id);
    const cursor = runs.first();
    for (const v of all.slice(PARTITION_RUNS_BUFFER)) runs.insert(v.id);
    const seen: Entry[] = [];
    for (; cursor.valid; cursor.next()) seen.push(cursor.value);
    expect(seen).toEqual(all.slice(0, PARTITION_RUNS_BUFFER).sort(compareEntries));
  });
});

describe('TokenIndex', () => {
  it('finds every added partition by exact token and key, and nothing else (property)', () => {
    fc.assert(fc.property(entries(2000), entries(50), (added, probes) => {
      const table = new Entries();
      const index = new TokenIndex(table);
      const values = added.map(([t, k]) => table.add(t, Buffer.from(k)));
      for (const v of values) {
        expect(index.get(v.token, v.key)).toBe(-1);
        index.add(v.id);
      }
      for (const v of values) expect(index.get(v.token, Buffer.from(v.key))).toBe(v.id);
      const present = new Set(added.map(([t, k]) => `${t}/${Buffer.from(k).toString('hex')}`));
      for (const [t, k] of probes) {
        const found = index.get(t, Buffer.from(k));
        if (present.has(`${t}/${Buffer.from(k).toString('hex')}`)) expect(table.valueOf(found).token).toBe(t);
        else expect(found).toBe(-1);
      }
    }), { numRuns: 60 });
  });
});
