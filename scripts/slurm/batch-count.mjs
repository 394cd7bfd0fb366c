#!/usr/bin/env node
// How many shards an experiment can use (src/run/batch-count.ts): its batches per grid point, read the way
// `stdp-mc run` reads the file. Runs under Node (from the CLI's bundle, like bin/stdp-mc.js) or Deno:
//   node scripts/slurm/batch-count.mjs EXPERIMENT [--trajectories N] [--steps N] [--seed S] [--duration T]
//   deno run -A scripts/slurm/batch-count.mjs EXPERIMENT …
// Prints key=value lines (for a shell to read): model, name, points, batches (the largest count: the useful shard
// count), perPoint (comma-separated), target (yes when a precision target decides the batches: not shardable).
// Exit 2 with the reason on stderr when the file cannot be read or is not a valid experiment.
const isDeno = typeof globalThis.Deno !== 'undefined';
const argv = isDeno ? globalThis.Deno.args : process.argv.slice(2);
const exit = (code) => (isDeno ? globalThis.Deno.exit(code) : process.exit(code));

try {
  const { batchCountLines } = isDeno
    ? await import('../../src/run/batch-count.ts')
    : await (await import('../../bin/cli-bundle.mjs')).loadEntry('batch-count');
  console.log(await batchCountLines(argv));
} catch (e) {
  console.error(`batch-count: ${e?.message ?? e}`);
  exit(2);
}
