// Seeds of the membership scenario: gossiping nodes under partitions, resets, kills and power loss;
// views stay sane at every virtual second and converge once the faults heal.
import { describe } from 'vitest';
import { seedTests } from './seed-tests.ts';

/** SIM_SEEDS scales every seeded test file (default 1; 5 for a soak run). */
const scale = Number(process.env['SIM_SEEDS'] ?? '1');

describe('membership-faults', () => {
  seedTests('membership-faults', { first: 1, count: Math.round(80 * scale) });
});
