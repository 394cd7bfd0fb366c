#!/usr/bin/env node
// How many shards an experiment can use: its batches per grid point (src/run/run-ensemble.ts batchPlan), read the way
// `stdp-mc run` reads the file (the registry's model, the same command-line values). Shard i of n runs the batches
// b ≡ i − 1 (mod n), so shards beyond the largest batch count would hold no batch: the submit scripts cap the
// shard count there. Runs under Node (through tsx, like bin/stdp-mc.js) or Deno:
//   node scripts/slurm/batch-count.mjs EXPERIMENT [--trajectories N] [--steps N] [--seed S] [--duration T]
//   deno run -A scripts/slurm/batch-count.mjs EXPERIMENT …
// Prints key=value lines (for a shell to read): model, name, points, batches (the largest count: the useful shard
// count), perPoint (comma-separated), target (yes when a precision target decides the batches: not shardable).
// Exit 2 with the reason on stderr when the file cannot be read or is not a valid experiment.
const isDeno = typeof globalThis.Deno !== 'undefined';
if (!isDeno) {
  const { register } = await import('tsx/esm/api');
  register();
}
const { readFile } = await import('node:fs/promises');
const { parseArgs } = await import('node:util');
const { modelOf } = await import('../../src/models/registry.ts');
const { batchPlan } = await import('../../src/run/run-ensemble.ts');

const argv = isDeno ? globalThis.Deno.args : process.argv.slice(2);
const exit = (code) => (isDeno ? globalThis.Deno.exit(code) : process.exit(code));

try {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: false,
    options: { trajectories: { type: 'string' }, steps: { type: 'string' }, seed: { type: 'string' }, duration: { type: 'string' } },
  });
  const file = positionals[0];
  if (!file) throw new Error('usage: batch-count.mjs EXPERIMENT [--trajectories N] [--steps N] [--seed S] [--duration T]');
  const json = JSON.parse(await readFile(file, 'utf8'));
  const int = (v) => (v === undefined ? undefined : Number(v));
  const overrides = {
    trajectories: int(values.trajectories),
    steps: int(values.steps),
    seed: values.seed === undefined ? undefined : /^\d+$/.test(values.seed) ? Number(values.seed) : values.seed,
    duration: int(values.duration),
  };
  const model = modelOf(json);
  const exp = model.parse(json, overrides);
  const perPoint = exp.units.map((_, i) => batchPlan(exp, i).count);
  console.log([
    `model=${model.model}`,
    `name=${String(exp.name).replace(/[^\w.-]+/g, '_')}`,
    `points=${exp.units.length}`,
    `batches=${Math.max(...perPoint)}`,
    `perPoint=${perPoint.join(',')}`,
    `target=${exp.target ? 'yes' : 'no'}`,
  ].join('\n'));
} catch (e) {
  console.error(`batch-count: ${e?.message ?? e}`);
  exit(2);
}
