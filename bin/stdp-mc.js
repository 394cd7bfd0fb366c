#!/usr/bin/env node
// Node entry: load the TypeScript sources through tsx (a runtime dependency), then run the CLI.
import { register } from 'tsx/esm/api';

register();
const { cli } = await import('../src/cli/main.ts');
await cli(process.argv.slice(2));
