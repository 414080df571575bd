import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'test/**/*.test.ts',
      'engine/**/*.test.ts',
      'simulator/**/*.test.ts',
      'reports/**/*.test.ts',
      'cli/**/*.test.ts',
      'scenarios/**/*.test.ts',
    ],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
