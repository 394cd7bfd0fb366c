/**
 * How the run layer (run-ensemble.ts) cuts a grid point into batches: a fixed N into `batches` contiguous ranges of
 * copies, or, for a precision target, batches of `batchSize` up to the cap; which batches a shard runs; and the clock
 * of the wall time during which batches run.
 */
import type { ModelExperiment, Shard } from './model.ts';

/** Contiguous ranges of about n/blocks copies (the fixed-N batches). */
export function blockRanges(n: number, blocks: number): [number, number][] {
  const b = Math.max(1, Math.min(blocks, n));
  const m = Math.ceil(n / b);
  const out: [number, number][] = [];
  for (let a = 0; a < n; a += m) out.push([a, Math.min(n, a + m)]);
  return out;
}

export interface BatchPlan {
  size: number;
  count: number;
  target: ModelExperiment['target'];
}

/** The batch size M and the number of batches of a grid point (for a precision target: the most it may need). */
export function batchPlan(exp: ModelExperiment, point: number): BatchPlan {
  const n = exp.units[point]!.trajectories;
  if (exp.target) return { size: exp.target.batchSize, count: Math.ceil(n / exp.target.batchSize), target: exp.target };
  const ranges = blockRanges(n, exp.batches);
  return { size: ranges[0]![1] - ranges[0]![0], count: ranges.length, target: null };
}

/** The number of batches of each grid point (batchPlan's count; for a precision target, the most it may need). */
export function batchCounts(exp: ModelExperiment): number[] {
  return exp.units.map((_, i) => batchPlan(exp, i).count);
}

export function batchRange(plan: { size: number }, n: number, b: number): [number, number] {
  return [b * plan.size, Math.min(n, (b + 1) * plan.size)];
}

export function inShard(b: number, shard: Shard | null | undefined): boolean {
  return !shard || b % shard.count === shard.index - 1;
}

/**
 * Wall seconds during which at least one batch runs: `during(run)` counts from the call of `run` (its synchronous start
 * included: a CPU engine may compute for seconds before its first await) to the end of the promise it returns,
 * overlapping batches once (a pool's batches run side by side).
 */
export function busyClock() {
  let running = 0, since = 0, total = 0;
  return {
    async during<T>(run: () => Promise<T>): Promise<T> {
      if (running++ === 0) since = performance.now();
      try {
        return await run();
      } finally {
        if (--running === 0) total += performance.now() - since;
      }
    },
    seconds: () => (total + (running ? performance.now() - since : 0)) / 1000,
  };
}

