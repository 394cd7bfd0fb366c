#!/usr/bin/env node
// Node entry: the TypeScript sources bundled once by esbuild and cached (bin/cli-bundle.mjs), or loaded through tsx
// (a runtime dependency) where the bundle cannot be built or STDP_MC_NO_BUNDLE=1; then run the CLI.
import { loadCli } from './cli-bundle.mjs';

const { cli } = await loadCli();
await cli(process.argv.slice(2));
