// Controls: runs that must fail, proving that the nemesis, the simulated disk, the history and the
// checkers catch real anomalies end to end (a simulator whose checks never fail proves nothing).
import { describe, expect, it } from 'vitest';
import { runSeed } from './seed-tests.ts';

describe('controls', () => {
  it('periodic commit-log sync loses acknowledged writes on power loss, and the checker says so', async () => {
    const failing: number[] = [];
    for (let seed = 1; seed <= 10; seed++) {
      const { result } = await runSeed('single-node-periodic-loss', seed);
      if (!result.ok) {
        expect(result.failures.join('\n')).toMatch(/is not linearizable/);
        failing.push(seed);
      }
    }
    expect(failing.length).toBeGreaterThan(0);
  });

  it('periodic sync on three nodes loses QUORUM-acknowledged writes when two replicas lose power, and the checkers say so', async () => {
    const failing: number[] = [];
    for (let seed = 1; seed <= 12; seed++) {
      const { result } = await runSeed('cluster-quorum-periodic-loss', seed);
      if (!result.ok) {
        expect(result.failures.join('\n')).toMatch(/older than acknowledged write|is not linearizable|no row, but write|acknowledged rows are missing/);
        failing.push(seed);
      }
    }
    expect(failing.length).toBeGreaterThan(0);
  });
});
