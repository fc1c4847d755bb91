// Vitest config of the e2e harness: `e2e-unit` (pure unit tests of the harness, no I/O) and `e2e`
// (one scenario per spec file, two files at a time by default, against the provider that run.ts set up).
import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));
/** Spec files run at once (CASSIA_E2E_SPEC_WORKERS, 1..4; 1 = serial). */
export const maxSpecWorkers = 4;
const specWorkers = Math.min(maxSpecWorkers, Math.max(1, Number(process.env['CASSIA_E2E_SPEC_WORKERS'] ?? '2') || 2));

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'e2e-unit',
          root,
          include: ['**/*.test.ts'],
          exclude: ['**/node_modules/**', 'specs/**'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'e2e',
          root,
          include: ['specs/**/*.spec.ts'],
          testTimeout: 900_000,
          hookTimeout: 600_000,
          // Scenarios use their own namespaces and clusters, so spec files run side by side: most
          // of a scenario is waiting for nodes to bootstrap or drain one at a time, and serially
          // the operator scenarios alone would take about 40 minutes on a 2-core machine.
          fileParallelism: specWorkers > 1,
          maxWorkers: specWorkers,
          // Workers are reused across spec files: skipped scenarios then cost no fresh module graph each.
          isolate: false,
        },
      },
    ],
  },
});
