// A run is a pure function of its seed: two runs of one seed end with the same trace hash (every
// event, delivery, operation and outcome), and different seeds explore different runs.
import { describe, expect, it } from 'vitest';
import { SCENARIOS } from '../../node-image/src/sim/index.ts';
import { runSeed } from './seed-tests.ts';

describe('determinism', () => {
  for (const scenario of SCENARIOS) {
    it(`${scenario.name}: the same seed replays the same trace`, async () => {
      for (const seed of [3, 17]) {
        const first = await runSeed(scenario.name, seed);
        const second = await runSeed(scenario.name, seed);
        expect(second.result.traceHash, `${scenario.name} seed ${seed}`).toBe(first.result.traceHash);
        expect(second.result.stats).toEqual(first.result.stats);
        expect(second.result.summary).toEqual(first.result.summary);
        expect(second.result.failures).toEqual(first.result.failures);
      }
      const other = await runSeed(scenario.name, 18);
      const again = await runSeed(scenario.name, 17);
      expect(other.result.traceHash).not.toBe(again.result.traceHash);
    });
  }
});
