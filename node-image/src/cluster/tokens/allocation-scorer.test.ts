import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IncrementalScorer, type ScoringSetup, scoreFull } from './allocation-scorer.ts';

// Random DC rings: up to 9 old units on up to 4 racks plus the new unit, RF 1..4, with or without
// the new unit already holding tokens. The incremental score of "base + one token" must equal the
// score of the same layout computed from scratch, for every insertion point.
const layoutArb = fc.record({
  rf: fc.integer({ min: 1, max: 4 }),
  racks: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 2, maxLength: 10 }),
  tokens: fc.uniqueArray(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), { minLength: 1, maxLength: 60 }),
  owners: fc.array(fc.nat(), { minLength: 60, maxLength: 60 }),
  final: fc.boolean(),
});

describe('IncrementalScorer', () => {
  it('agrees with the full evaluation for every candidate', () => {
    fc.assert(fc.property(layoutArb, ({ rf, racks, tokens, owners, final }) => {
      const newUnit = racks.length - 1;
      const setup: ScoringSetup = { rackOfUnit: racks, rf, newUnit };
      const positions = [...tokens].sort((a, b) => a - b).filter((v, j, a) => j === 0 || v - a[j - 1]! > 1e-9);
      const units = positions.map((_, j) => owners[j]! % racks.length);
      const scorer = new IncrementalScorer(setup);
      scorer.setBase(positions, units);
      expect(scorer.scoreBase(final)).toBeCloseTo(scoreFull(setup, positions, units, positions.length, final), 9);
      for (let i = 0; i < positions.length; i++) {
        const previous = positions[(i + positions.length - 1) % positions.length]!;
        let width = positions.length === 1 ? 1 : positions[i]! - previous;
        if (width <= 0) width += 1;
        const x = (previous + width / 2) % 1;
        const at = i === 0 && x >= positions[positions.length - 1]! ? positions.length : i; // keep ascending
        const p2 = [...positions.slice(0, at), x, ...positions.slice(at)];
        const u2 = [...units.slice(0, at), newUnit, ...units.slice(at)];
        const expected = scoreFull(setup, p2, u2, p2.length, final);
        const actual = scorer.scoreInsert(i, x, final);
        expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(expected)));
      }
    }), { numRuns: 300 });
  });
});
