import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: transcodes and browsers are heavy, so files run in a small pool.
    pool: 'forks',
    maxWorkers: 2,
  },
});
