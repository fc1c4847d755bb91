import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BTreeMap } from './btree-map.ts';

const numeric = (a: number, b: number): number => a - b;

function collectForward(tree: BTreeMap<number, string>): number[] {
  const out: number[] = [];
  for (const c = tree.first(); c.valid; c.next()) out.push(c.key);
  return out;
}

function collectBackward(tree: BTreeMap<number, string>): number[] {
  const out: number[] = [];
  for (const c = tree.last(); c.valid; c.prev()) out.push(c.key);
  return out;
}

describe('BTreeMap', () => {
  it('is empty at first', () => {
    const tree = new BTreeMap<number, string>(numeric);
    expect(tree.size).toBe(0);
    expect(tree.first().valid).toBe(false);
    expect(tree.last().valid).toBe(false);
    expect(tree.seek((k) => k - 5, true).valid).toBe(false);
    expect(tree.get(1)).toBeUndefined();
  });

  it('matches a sorted-map model under random inserts, gets and seeks', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -500, max: 500 }), { maxLength: 3000 }),
        fc.array(fc.integer({ min: -600, max: 600 }), { maxLength: 50 }),
        (inserts, probes) => {
          const tree = new BTreeMap<number, string>(numeric);
          const model = new Map<number, string>();
          for (const [i, k] of inserts.entries()) {
            const previous = tree.set(k, `v${i}`);
            expect(previous).toBe(model.get(k));
            model.set(k, `v${i}`);
          }
          const sorted = [...model.keys()].sort(numeric);
          expect(tree.size).toBe(sorted.length);
          expect(collectForward(tree)).toEqual(sorted);
          expect(collectBackward(tree)).toEqual([...sorted].reverse());
          for (const p of probes) {
            expect(tree.get(p)).toBe(model.get(p));
            const ge = sorted.find((k) => k >= p);
            const forward = tree.seek((k) => k - p, true);
            expect(forward.valid ? forward.key : undefined).toBe(ge);
            const le = [...sorted].reverse().find((k) => k <= p);
            const backward = tree.seek((k) => k - p, false);
            expect(backward.valid ? backward.key : undefined).toBe(le);
            if (forward.valid) expect(forward.value).toBe(model.get(forward.key));
            // A probe between keys (never 0): the next / previous key.
            const between = tree.seek((k) => (k <= p ? -1 : 1), true);
            expect(between.valid ? between.key : undefined).toBe(sorted.find((k) => k > p));
            const before = tree.seek((k) => (k < p ? -1 : 1), false);
            expect(before.valid ? before.key : undefined).toBe([...sorted].reverse().find((k) => k < p));
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('matches the model when keys come in runs that go before the first key or after the last', () => {
    // Runs ascending, descending or random, from a moving start: inserts at both edges (the fast
    // descent), inside, and repeats of the edge keys themselves.
    const run = fc.record({ start: fc.integer({ min: -2000, max: 2000 }), length: fc.integer({ min: 1, max: 300 }), kind: fc.constantFrom('up', 'down', 'random', 'same') });
    fc.assert(
      fc.property(fc.array(run, { maxLength: 12 }), fc.integer(), (runs, seed) => {
        const tree = new BTreeMap<number, string>(numeric);
        const model = new Map<number, string>();
        let x = seed | 0;
        for (const r of runs) {
          for (let i = 0; i < r.length; i++) {
            x = (Math.imul(x, 1103515245) + 12345) | 0;
            const k = r.kind === 'up' ? r.start + i : r.kind === 'down' ? r.start - i : r.kind === 'same' ? r.start : r.start + ((x >>> 8) % 500);
            expect(tree.set(k, `v${k}.${i}`)).toBe(model.get(k));
            model.set(k, `v${k}.${i}`);
          }
        }
        const sorted = [...model.keys()].sort(numeric);
        expect(tree.size).toBe(sorted.length);
        expect(collectForward(tree)).toEqual(sorted);
        expect(collectBackward(tree)).toEqual([...sorted].reverse());
        for (const k of sorted) expect(tree.get(k)).toBe(model.get(k));
      }),
      { numRuns: 200 },
    );
  });

  it('upserts with a merge function in one descent', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 2000 }), (keys) => {
        const tree = new BTreeMap<number, string>(numeric);
        const model = new Map<number, string>();
        const merge = (a: string, b: string): string => `${a}+${b}`;
        for (const k of keys) {
          expect(tree.upsert(k, 'x', merge)).toBe(model.get(k));
          model.set(k, model.has(k) ? `${model.get(k)}+x` : 'x');
        }
        for (const [k, v] of model) expect(tree.get(k)).toBe(v);
        expect(tree.set(keys[0] ?? 0, 'plain')).toBe(model.get(keys[0] ?? 0));
      }),
      { numRuns: 100 },
    );
  });

  it('keeps order with sequential and reversed insertion of many keys', () => {
    const tree = new BTreeMap<number, string>(numeric);
    for (let i = 0; i < 20000; i++) tree.set(i, 'a');
    for (let i = -1; i > -20000; i--) tree.set(i, 'b');
    const keys = collectForward(tree);
    expect(keys.length).toBe(39999);
    for (let i = 1; i < keys.length; i++) expect(keys[i]! > keys[i - 1]!).toBe(true);
  });
});
