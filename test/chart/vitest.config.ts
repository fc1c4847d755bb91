// Unit tests of the chart checks (pure helpers, the examples against the operator's API and the
// node's config schema); `npm run test:chart` runs them first, before any tool is built.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'chart-unit',
    root: import.meta.dirname,
    include: ['**/*.test.ts'],
    testTimeout: 30_000,
  },
});
