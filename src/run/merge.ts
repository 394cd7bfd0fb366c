/**
 * From state logs to results, for any model: rebuild a run from one state (resume, `stdp-mc report`), and combine the
 * states of shards 1/n..n/n into the state a single run would have written (`stdp-mc merge`). Every batch read back
 * is checked again by its model. Batches are merged in batch order, so the counts are identical to a single run and
 * the floating-point sums are too.
 */
import type { EngineInfo } from '../engines/types.ts';
import { overridesField } from '../core/provenance.ts';
import type { EnsembleModel, EnsembleRun, ModelExperiment } from './model.ts';
import { batchPlan, inShard, pointRecords, type BatchRecord } from './run-ensemble.ts';
import { combinedDirty, identityMismatch, StateError, type RunState } from './state.ts';

/** The experiment a state was run with (its file and command-line values, validated again). */
export function experimentOfState<X extends ModelExperiment>(model: EnsembleModel<X>, s: RunState): X {
  return model.parse(s.source.experiment, s.source.overrides as any);
}

/** The state's batches with their statistics decoded and re-checked; `where` names the file in messages. */
export function batchesOfState<X extends ModelExperiment, B>(model: EnsembleModel<X, B>, s: RunState, exp: X, where: string): BatchRecord<B>[] {
  return s.batches.map((r) => {
    const stats = model.statsFromJSON(r.stats);
    const bad = model.check(stats, exp, r.point, r.range);
    if (bad) throw new StateError(`${where}: batch ${r.batch} of grid point ${r.point} fails its integrity check (${bad}); it was not used`);
    return { ...r, stats };
  });
}

/** Every batch a state is responsible for, per grid point, present exactly once? Returns the first problem. */
export function missingBatches(s: Pick<RunState, 'batches' | 'shard'>, exp: ModelExperiment): string | null {
  for (let i = 0; i < exp.units.length; i++) {
    const plan = batchPlan(exp, i);
    if (plan.target) continue; // a precision target's batch count is decided at run time
    for (let b = 0; b < plan.count; b++) {
      if (!inShard(b, s.shard)) continue;
      const n = s.batches.filter((r) => r.point === i && r.batch === b).length;
      if (n === 0) return `batch ${b} of grid point ${i} is missing`;
      if (n > 1) return `batch ${b} of grid point ${i} appears ${n} times`;
    }
  }
  return null;
}

/** A run rebuilt from a state (its time is the engine time of its batches, wherever they ran). */
export function runFromState<X extends ModelExperiment, B>(
  model: EnsembleModel<X, B>, s: RunState, exp: X, batches: BatchRecord<B>[], command?: string,
): EnsembleRun<X, B> {
  const points = exp.units.map((_, i) => pointRecords(model, exp, i, batches.filter((r) => r.point === i)));
  const { reason, ...engine } = s.engineInfo;
  return {
    experiment: exp,
    engine: engine as EngineInfo,
    engineReason: reason ?? '',
    points,
    wallSeconds: points.reduce((a, p) => a + p.seconds, 0),
    provenance: {
      version: s.version, gitCommit: s.gitCommit, gitDirty: s.gitDirty ?? null, seed: exp.seed, seedKey: exp.seedKey,
      createdAt: s.updatedAt, runtime: engine.runtime, command, ...overridesField(s.source.overrides),
    },
    shard: s.shard,
    batchesRun: 0,
    secondsRunNow: 0,
  };
}

/**
 * Combine shard states into one complete state. Refuses, naming which: states of different models, experiments,
 * seeds, versions, commits or engines; unsharded states; shards of different counts; a missing or duplicate shard;
 * an incomplete shard; overlapping batches; shards that do not cover the run.
 */
export function mergeShardStates(inputs: { dir: string; state: RunState }[], exp: ModelExperiment): RunState {
  if (!inputs.length) throw new StateError('merge needs at least one run directory');
  const first = inputs[0]!;
  for (const x of inputs.slice(1)) {
    const bad = identityMismatch(first.state, x.state, `${x.dir} is not a shard of the same run as ${first.dir}`, [`${first.dir} has`, `${x.dir}`]);
    if (bad) throw new StateError(bad);
  }
  const unsharded = inputs.find((x) => !x.state.shard);
  if (unsharded) throw new StateError(`${unsharded.dir} is not a shard (it was run without --shard)`);
  const n = first.state.shard!.count;
  const other = inputs.find((x) => x.state.shard!.count !== n);
  if (other) throw new StateError(`${other.dir} is shard ${other.state.shard!.index}/${other.state.shard!.count}, but ${first.dir} is one of ${n}`);
  const byIndex = new Map<number, string>();
  for (const x of inputs) {
    const i = x.state.shard!.index;
    if (byIndex.has(i)) throw new StateError(`shard ${i}/${n} appears twice: ${byIndex.get(i)} and ${x.dir}`);
    byIndex.set(i, x.dir);
  }
  const missing = Array.from({ length: n }, (_, j) => j + 1).filter((i) => !byIndex.has(i));
  if (missing.length) throw new StateError(`missing shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${n}`).join(', ')}: run ${missing.length > 1 ? 'them' : 'it'} with --shard, then merge all ${n}`);
  const incomplete = inputs.find((x) => !x.state.complete);
  if (incomplete) throw new StateError(`shard ${incomplete.state.shard!.index}/${n} in ${incomplete.dir} is incomplete: finish it with --resume ${incomplete.dir}`);
  const seen = new Map<string, string>();
  const batches: BatchRecord<unknown>[] = [];
  for (const x of inputs) {
    for (const r of x.state.batches) {
      const k = `${r.point}:${r.batch}`;
      if (seen.has(k)) throw new StateError(`batch ${r.batch} of grid point ${r.point} is in both ${seen.get(k)} and ${x.dir}`);
      seen.set(k, x.dir);
      batches.push(r);
    }
  }
  batches.sort((a, b) => a.point - b.point || a.batch - b.batch);
  // The shards' trees: uncommitted changes in any of them mark the merged run (combinedDirty).
  const gitDirty = inputs.slice(1).reduce<boolean | null | undefined>((d, x) => combinedDirty(d, x.state.gitDirty), first.state.gitDirty);
  const merged: RunState = { ...first.state, gitDirty, shard: null, batches, complete: true, updatedAt: new Date().toISOString() };
  const gap = missingBatches(merged, exp);
  if (gap) throw new StateError(`the shards do not cover the run: ${gap}`);
  return merged;
}
