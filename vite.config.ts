/**
 * Vite configuration: the test runner's settings (vitest reads this file) and the browser page (src/app), built with
 * `npm run build:app` into dist/app and served with `npm run serve:app` (or both: `npm run app`).
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import { defineConfig } from 'vitest/config';

/** Version and commit baked into the page (a browser cannot read package.json or ask git). */
function buildIdentity(): { version: string; gitCommit: string | null } {
  const version = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')).version as string;
  let gitCommit: string | null = null;
  try {
    gitCommit = execFileSync('git', ['rev-parse', 'HEAD'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    /* not a git checkout */
  }
  return { version, gitCommit };
}

// vitest sets VITEST: its suites run from the repository root, the page's build from src/app.
const app = process.env.VITEST
  ? {}
  : {
      root: 'src/app',
      base: './',
      publicDir: false as const,
      define: { __STDP_MC_IDENTITY__: JSON.stringify(buildIdentity()) },
      worker: { format: 'es' as const },
      build: {
        outDir: '../../dist/app',
        emptyOutDir: true,
        target: 'es2022',
        chunkSizeWarningLimit: 4000,
      },
      server: { host: '127.0.0.1', fs: { allow: ['../..'] } },
      preview: { host: '127.0.0.1', port: 4173 },
    };

export default defineConfig({
  ...app,
  test: {
    include: ['test/**/*.test.ts'],
    // GPU suites spawn Deno/Node subprocesses and the statistical suites run 10^7–10^8 trajectory-steps on 2 cores.
    testTimeout: 300_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // The files share their worker's module graph instead of importing it again each (about 45 s of the suite's 6
    // minutes here). No suite keeps state between files: spies are restored, environment variables put back, and
    // every run writes to its own temporary folder.
    isolate: false,
    // …except what a run changes in its process: the theory store and the environment (put back before each file).
    setupFiles: ['test/setup/fresh-process-state.ts'],
    // Two files at a time even on two cores: many suites spend their time waiting on a subprocess (Deno, Chromium,
    // the Slurm daemons, the CLI), and vitest's default (cores − 1) would run them one by one.
    maxWorkers: Math.max(2, (os.availableParallelism?.() ?? os.cpus().length) - 1),
  },
});
