/**
 * Vite configuration. Today it carries the test runner's settings (vitest reads this file); the browser page
 * (src/app) is built from the same file once it exists.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // GPU suites spawn Deno/Node subprocesses and the statistical suites run 10^7–10^8 trajectory-steps on 2 cores.
    testTimeout: 300_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
