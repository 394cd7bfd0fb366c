/**
 * What the chain's engines that loop over batches on the host share (cpu-engine.ts, cpu-workers.ts, gpujs-engine.ts):
 * the plan of a run on the CPU, and folding a batch's states at a checkpoint into its accumulator and sample paths.
 */
import { planDispatches } from '../../engines/plan.ts';
import { accumulateTrajectory, emptyAccumulator, type BinScratch, type CheckpointAccumulator } from '../../stats/checkpoint-stats.ts';
import { histAddBins } from '../../stats/sparse-hist.ts';
import { flatFormOf, withFlatForm } from '../../core/packed-floats.ts';
import { foldInterval, noiseParams } from './chain-math.ts';
import { reduceState } from '../../stats/reduce-log-state.ts';
import type { ResolvedScenario } from './scenario.ts';

/** The noise law, fold interval, dispatch plan (default 4096 steps per dispatch) and empty accumulators of a CPU run. */
export function cpuRunPlan(s: ResolvedScenario, stepsPerDispatch = Math.max(1, Math.min(s.steps, 4096))) {
  const np = noiseParams(s);
  return {
    np, R: foldInterval(s.alpha, np.h), plan: planDispatches(s.checkpoints, s.steps, stepsPerDispatch),
    acc: s.checkpoints.map((k) => emptyAccumulator(k, s.d)),
  };
}

/**
 * Empty sample paths for the copies of [start, end) below keepPaths (none kept: undefined), with a flat copy that
 * foldCheckpoint fills beside the rows (copies × checkpoints × d, row-major: what the state log stores,
 * packed-floats.ts withFlatForm).
 */
export function emptyPaths(s: ResolvedScenario, start: number, end: number): number[][][] | undefined {
  const n = Math.max(0, Math.min(s.keepPaths, end) - start);
  if (n <= 0) return undefined;
  const C = s.checkpoints.length;
  return withFlatForm(Array.from({ length: n }, () => [] as number[][]), new Float64Array(n * C * s.d), [n, C, s.d]);
}

/**
 * Copy a batch's final states (coordinate-major, its n copies from b0) into the run's final states (coordinate-major
 * over the range's N copies from start).
 */
export function copyFinalStates(
  finalState: Float64Array | Float32Array, x: Float64Array | Float32Array, d: number, n: number, b0: number, start: number, N: number,
): void {
  for (let i = 0; i < d; i++) finalState.set(x.subarray(i * n, (i + 1) * n), i * N + (b0 - start));
}

let binScratch: BinScratch = { list: new Uint32Array(1024), n: 0 };

/**
 * Fold the states of the n copies b0.. of a batch (x coordinate-major: x[i·n + t]) at a checkpoint into its
 * accumulator; copy b0 + t with b0 + t − start below paths.length adds its p to its sample path. xs, p: scratch (d).
 * The copies' histogram bins are added together at the end (sparse-hist.ts histAddBins).
 */
export function foldCheckpoint(
  s: ResolvedScenario, x: ArrayLike<number>, n: number, b0: number, start: number, acc: CheckpointAccumulator,
  paths: number[][][] | undefined, xs: Float64Array, p: Float64Array,
): void {
  const d = s.d;
  if (binScratch.list.length < n) binScratch = { list: new Uint32Array(Math.max(n, 2 * binScratch.list.length)), n: 0 };
  const bins = binScratch;
  bins.n = 0;
  const flat = paths ? flatFormOf(paths) : null, C = s.checkpoints.length;
  for (let t = 0; t < n; t++) {
    for (let i = 0; i < d; i++) xs[i] = x[i * n + t]!;
    const r = reduceState(xs, d, s.iStar, p);
    accumulateTrajectory(acc, s.iStar, r.L, r.G, r.argmax, p, bins);
    const m = b0 + t - start;
    if (paths && m < paths.length) {
      // A plain copy: Array.from on a typed array goes through its iterator (about 1 µs a row while the code is young).
      const row: number[] = new Array(d);
      for (let i = 0; i < d; i++) row[i] = p[i]!;
      if (flat) {
        flat.flat.set(p, (m * C + paths[m]!.length) * d);
        flat.rows++;
      }
      paths[m]!.push(row);
    }
  }
  histAddBins(acc.hist, bins.list, bins.n);
}
