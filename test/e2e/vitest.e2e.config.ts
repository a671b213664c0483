import { defineConfig } from 'vitest/config';

// Until the root config has an `e2e` project: npx vitest run --root . --config test/e2e/vitest.e2e.config.ts
export default defineConfig({
  test: {
    name: 'e2e',
    include: ['test/e2e/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // A page answers within a second on an idle machine; the shared build machines are not idle.
    expect: { poll: { timeout: 5000, interval: 50 } },
  },
});
