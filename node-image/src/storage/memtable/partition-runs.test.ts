import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PARTITION_RUNS_BUFFER, PartitionRuns, compareTreeKeys, sortByTokenAndKey } from './partition-runs.ts';
import type { TreeKey } from './partition-runs.ts';
import { TokenIndex } from './token-index.ts';
import type { TokenIndexed } from './token-index.ts';

interface Entry extends TreeKey, TokenIndexed<Entry> {
  readonly token: bigint;
}

function entryOf(token: bigint, key: Buffer): Entry {
  return {
    token, tokenApprox: Number(token), tokenHigh: Number(BigInt.asIntN(32, token >> 32n)), tokenLow: Number(BigInt.asUintN(32, token)), key, sameSlot: null,
    keyEquals: (other: Buffer) => other.equals(key),
  };
}

// Tokens close together and far apart: doubles tie for neighbours above 2^53.
const token = fc.oneof(fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }), fc.bigInt({ min: (1n << 60n), max: (1n << 60n) + 40n }), fc.constantFrom(0n, -1n, 1n));
const entries = (max: number) => fc.uniqueArray(fc.tuple(token, fc.uint8Array({ minLength: 1, maxLength: 3 })), { maxLength: max, selector: ([t, k]) => `${t}/${Buffer.from(k).toString('hex')}` });

describe('sortByTokenAndKey', () => {
  it('orders as the (token, key) comparator does, equal tokens and all (property)', () => {
    fc.assert(fc.property(entries(2 * PARTITION_RUNS_BUFFER + 3), (list) => {
      const values = list.map(([t, k]) => entryOf(t, Buffer.from(k)));
      expect(sortByTokenAndKey(values)).toEqual([...values].sort(compareTreeKeys));
    }), { numRuns: 100 });
  });
});

describe('PartitionRuns', () => {
  it('iterates in (token, key) order and seeks, whatever the insertion order, across buffer seals and merges (property)', () => {
    fc.assert(fc.property(entries(3 * PARTITION_RUNS_BUFFER + 7), token, fc.nat(), (list, probeToken, readAt) => {
      const runs = new PartitionRuns<Entry>();
      const values = list.map(([t, k]) => entryOf(t, Buffer.from(k)));
      // A read part-way through (it seals a partial buffer), then the rest of the inserts.
      const split = list.length === 0 ? 0 : readAt % (list.length + 1);
      for (const v of values.slice(0, split)) runs.insert(v);
      const early: Entry[] = [];
      for (const c = runs.first(); c.valid; c.next()) early.push(c.value);
      expect(early).toEqual(values.slice(0, split).sort(compareTreeKeys));
      for (const v of values.slice(split)) runs.insert(v);
      const sorted = [...values].sort(compareTreeKeys);
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
    const runs = new PartitionRuns<Entry>();
    const index = new TokenIndex<Entry>();
    const values: Entry[] = [];
    const seen = new Set<string>();
    while (values.length < 10_000) {
      // A quarter of the tokens near 2^60 (their doubles tie), some sharing a token with another key.
      const t = random() < 0.25 ? (1n << 60n) + BigInt(Math.floor(random() * 3000)) : BigInt(Math.floor((random() - 0.5) * 2 ** 53)) * 1024n;
      const k = Buffer.from([Math.floor(random() * 4)]);
      const id = `${t}/${k[0]}`;
      if (seen.has(id)) continue;
      seen.add(id);
      const v = entryOf(t, k);
      values.push(v);
      runs.insert(v);
      index.add(v);
    }
    const forward: Entry[] = [];
    for (const c = runs.first(); c.valid; c.next()) forward.push(c.value);
    expect(forward).toEqual([...values].sort(compareTreeKeys));
    const sorted = [...values].sort(compareTreeKeys);
    // Seeks to tokens whose doubles many partitions share (near 2^60), and elsewhere.
    for (const t of [(1n << 60n) + 1500n, (1n << 60n) - 1n, (1n << 60n) + 2999n, -1n, 0n, 123456789n * 1024n]) {
      const probe = (v: Entry): number => (v.token < t ? -1 : v.token > t ? 1 : 0);
      const c = runs.seek(probe, Number(t));
      expect(c.valid ? c.value : undefined).toBe(sorted.find((v) => v.token >= t));
    }
    for (const v of values) expect(index.get(v.token, Buffer.from(v.key))).toBe(v);
    // A presized index finds the same.
    const presized = new TokenIndex<Entry>(values.length);
    for (const v of values) presized.add({ ...v, sameSlot: null });
    for (const v of values) expect(presized.get(v.token, Buffer.from(v.key))?.key).toEqual(v.key);
    expect(index.get(1n << 62n, Buffer.from([0]))).toBeUndefined();
  });

  it('keeps a cursor on the runs it opened while later inserts build new ones', () => {
    const runs = new PartitionRuns<Entry>();
    const all = Array.from({ length: 3 * PARTITION_RUNS_BUFFER }, (_, i) => entryOf(BigInt(i * 7919 % 1000) * 1000n + BigInt(i), Buffer.from([i & 0xff])));
    for (const v of all.slice(0, PARTITION_RUNS_BUFFER)) runs.insert(v);
    const cursor = runs.first();
    for (const v of all.slice(PARTITION_RUNS_BUFFER)) runs.insert(v);
    const seen: Entry[] = [];
    for (; cursor.valid; cursor.next()) seen.push(cursor.value);
    expect(seen).toEqual(all.slice(0, PARTITION_RUNS_BUFFER).sort(compareTreeKeys));
  });
});

describe('TokenIndex', () => {
  it('finds every added partition by exact token and key, and nothing else (property)', () => {
    fc.assert(fc.property(entries(2000), entries(50), (added, probes) => {
      const index = new TokenIndex<Entry>();
      const values = added.map(([t, k]) => entryOf(t, Buffer.from(k)));
      for (const v of values) {
        expect(index.get(v.token, v.key)).toBeUndefined();
        index.add(v);
      }
      for (const v of values) expect(index.get(v.token, Buffer.from(v.key))).toBe(v);
      const present = new Set(added.map(([t, k]) => `${t}/${Buffer.from(k).toString('hex')}`));
      for (const [t, k] of probes) {
        const found = index.get(t, Buffer.from(k));
        if (present.has(`${t}/${Buffer.from(k).toString('hex')}`)) expect(found?.token).toBe(t);
        else expect(found).toBeUndefined();
      }
    }), { numRuns: 60 });
  });
});
