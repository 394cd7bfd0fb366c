/**
 * How many shards an experiment can use (scripts/slurm/batch-count.mjs, which the Slurm and Kubernetes submit scripts
 * call): its batches per grid point (run-ensemble.ts batchPlan), read the way `stdp-mc run` reads the file (the
 * registry's model, the same command-line values). Shard i of n runs the batches b ≡ i − 1 (mod n), so shards beyond
 * the largest batch count would hold no batch. Returns key=value lines for a shell to read: model, name, points,
 * batches (the largest count: the useful shard count), perPoint (comma-separated), target (yes when a precision
 * target decides the batches: not shardable). Throws with the reason when the file is not a valid experiment.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { modelOf } from '../models/registry.ts';
import { batchCounts } from './batch-plan.ts';
import { seedFromText } from '../core/seed-text.ts';

export async function batchCountLines(argv: string[]): Promise<string> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: false,
    options: { trajectories: { type: 'string' }, steps: { type: 'string' }, seed: { type: 'string' }, duration: { type: 'string' } },
  });
  const file = positionals[0];
  if (!file) throw new Error('usage: batch-count.mjs EXPERIMENT [--trajectories N] [--steps N] [--seed S] [--duration T]');
  const json = JSON.parse(await readFile(file, 'utf8'));
  const num = (v: unknown) => (v === undefined ? undefined : Number(v));
  const seed = values.seed;
  const overrides = {
    trajectories: num(values.trajectories),
    steps: num(values.steps),
    seed: seed === undefined ? undefined : seedFromText(String(seed)), // as `stdp-mc run --seed` reads it
    duration: num(values.duration),
  };
  const model = modelOf(json);
  const exp = model.parse(json, overrides);
  const perPoint = batchCounts(exp);
  return [
    `model=${model.model}`,
    `name=${String(exp.name).replace(/[^\w.-]+/g, '_')}`,
    `points=${exp.units.length}`,
    `batches=${Math.max(...perPoint)}`,
    `perPoint=${perPoint.join(',')}`,
    `target=${exp.target ? 'yes' : 'no'}`,
  ].join('\n');
}
