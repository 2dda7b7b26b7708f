import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: transcodes and browsers are heavy, so files run in a small pool.
    pool: 'forks',
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'reelm',
          include: ['src/**/*.test.ts', 'web/src/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: ['test/cluster/**'],
          sequence: { groupOrder: 0 },
        },
      },
      // Four servers and ffmpeg at once: the multi-process tests run after the rest, not beside a browser test.
      {
        extends: true,
        test: { name: 'multi-process', include: ['test/cluster/**/*.test.ts'], sequence: { groupOrder: 1 } },
      },
    ],
  },
});
