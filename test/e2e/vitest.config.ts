// Vitest config of the e2e harness: `e2e-unit` (pure unit tests of the harness, no I/O) and `e2e`
// (one scenario per spec file, run serially against the provider that run.ts set up).
import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

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
          fileParallelism: false,
          maxWorkers: 1,
          // One worker for all spec files: skipped scenarios then cost no fresh module graph each.
          isolate: false,
        },
      },
    ],
  },
});
