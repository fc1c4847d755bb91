// Seeds of the cluster scenario: three nodes, RF 3, QUORUM and SERIAL clients under partitions,
// resets, kills and power losses; acknowledged writes visible, replicas converge, LWTs linearizable.
import { describe } from 'vitest';
import { seedTests } from './seed-tests.ts';

/** SIM_SEEDS scales every seeded test file (default 1; 5 for a soak run). */
const scale = Number(process.env['SIM_SEEDS'] ?? '1');

describe('cluster-quorum', () => {
  seedTests('cluster-quorum', { first: 1, count: Math.round(60 * scale) });
});
