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

  // Known issue (docs/design/simulator.md): the storage engine applies a write to the memtable
  // before its batch/group commit-log fsync completes, so a read can return a write that a power
  // loss then erases. Cassandra waits for the sync before the memtable apply. When this test
  // fails, the issue is fixed: drop the tolerance in single-node-crash and this test.
  it('known issue: a read can see a write before it is durable (strict checker, seed 124)', async () => {
    const { result } = await runSeed('single-node-crash-strict', 124);
    expect(result.ok).toBe(false);
    expect(result.failures.join('\n')).toMatch(/write\(\d+\) = \? /);
  });
});
