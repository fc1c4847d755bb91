// Seeds of the single-node crash scenario: writes, reads and LWTs under kill -9 and power loss,
// every key's history linearizable (see docs/design/simulator.md).
import { describe } from 'vitest';
import { seedTests } from './seed-tests.ts';

/** SIM_SEEDS scales every seeded test file (default 1; 5 for a soak run). */
const scale = Number(process.env['SIM_SEEDS'] ?? '1');

describe('single-node-crash', () => {
  seedTests('single-node-crash', { first: 1, count: Math.round(120 * scale) });
  // Regression: a read saw a batch/group write before its fsync, and a power loss then erased it.
  seedTests('single-node-crash', { first: 124, count: 1 });
});
