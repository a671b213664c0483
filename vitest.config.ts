import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // Network namespaces and UDP ports are machine-wide: one file at a time.
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'cluster',
          // Against the lab's real control plane (`npm run lab -- up`); one shared cluster: one file at a time.
          include: ['test/cluster/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          name: 'e2e',
          // The UI in Debian's Chromium (Playwright) against `clustertap serve`; some specs use the lab.
          include: ['test/e2e/**/*.test.ts'],
          // After the other projects: its lab tap holds UDP 4789 and the lab, as the cluster tests do.
          sequence: { groupOrder: 1 },
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 180_000,
          // A page answers within a second on an idle machine; CI machines are not idle.
          expect: { poll: { timeout: 5000, interval: 50 } },
        },
      },
    ],
  },
});
