import { defineConfig } from 'vitest/config';

/**
 * Four projects: `unit` (pure, no services), `integration` and `scenarios` (real Postgres and Redis;
 * each test file gets its own database cloned from a template migrated once per run, see
 * test/helpers/global-setup.ts, and its own Redis key prefix), and `e2e`: the Studio in headless
 * Chromium against the real server process on such a database (studio/dist is rebuilt first when
 * older than its sources, see test/e2e/studio-build.setup.ts).
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'scenarios',
          include: ['test/scenarios/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/helpers/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/helpers/global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/helpers/global-setup.ts', 'test/e2e/studio-build.setup.ts'],
          testTimeout: 90_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
