// Test projects: unit (beside the code, no real I/O), integration (real node processes on loopback),
// interop (real drivers), sim (seeded simulation). `npm test` runs them all, one project after
// another (groupOrder): multi-process clusters starved of CPU by a parallel simulation fail their timing.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          sequence: { groupOrder: 0 },
          include: ['node-image/**/*.test.ts', 'operator/**/*.test.ts', 'scripts/**/*.test.ts', 'bench/**/*.test.ts', 'test/e2e/**/*.test.ts', 'test/chart/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          sequence: { groupOrder: 2 },
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'interop',
          sequence: { groupOrder: 3 },
          include: ['test/interop/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'peer',
          sequence: { groupOrder: 4 },
          include: ['test/peer/**/*.test.ts'],
          testTimeout: 600_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'sim',
          sequence: { groupOrder: 1 },
          include: ['test/sim/**/*.test.ts'],
          testTimeout: 600_000,
        },
      },
    ],
  },
});
