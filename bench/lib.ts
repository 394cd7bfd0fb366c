/**
 * Shared by the benchmark driver (bench/run.ts) and its engine subprocess (bench/engine-runner.ts): the benchmark
 * scenario, and the calibrated measurement of one (d, N) point on one engine.
 */
import { resolveScenario, type ResolvedScenario } from '../src/models/chain/scenario.ts';
import type { Engine } from '../src/models/chain/engine-types.ts';

/** Distinct rates, the largest first: λ_i = 10 − 5 i / (d − 1) (the same in bench/numpy_chain.py). */
export function rates(d: number): number[] {
  return Array.from({ length: d }, (_, i) => 10 - (5 * i) / (d - 1));
}

export const ALPHA = 0.01;
export const H = 1;

/** The benchmark chain: uniform noise on [−1, 1], α = 0.01, statistics at step K only (0 and K). */
export function benchScenario(d: number, N: number, K: number, seed: number | string = 1): ResolvedScenario {
  return resolveScenario({
    model: 'chain', rates: rates(d), alpha: ALPHA, noise: { law: 'uniform', halfWidth: H }, steps: K, trajectories: N, seed,
    checkpoints: [K],
  });
}

export interface PointRequest {
  d: number;
  N: number;
  /** Fixed K (no calibration), or the wall time to aim at. */
  K?: number;
  target?: number;
}

export interface PointResult {
  d: number;
  N: number;
  K: number;
  /** Wall time of engine.run, including buffer setup and the read-back of the statistics. */
  seconds: number;
  stepsPerSecond: number;
  successCount: number;
  n: number;
  dispatches: number;
  /** Wall time of the calibration runs (first one includes shader compilation), not counted above. */
  calibrationSeconds: number;
  details?: Record<string, unknown>;
}

/**
 * A warm-up run (K = 1: compiles pipelines, starts workers), then K = 1, 4, 16, … until a run takes ≥ 20 % of the
 * target and 1.5× the run before, then the timed run with K chosen to take about `target` seconds. Throughput = N·K / wall time of that run.
 */
export async function measurePoint(engine: Engine, q: PointRequest, runOpts: Record<string, unknown> = {}): Promise<PointResult> {
  const target = q.target ?? 1;
  const c0 = performance.now();
  let K = q.K;
  // Warm-up (pipeline compilation, worker start-up, JIT), never timed.
  await engine.run(benchScenario(q.d, q.N, 1), runOpts);
  if (K === undefined) {
    // Grow k ×4 until a run takes ≥ 20 % of the target and 1.5× the previous one, then fit t = a + b·k through the last two runs (a: per-run
    // set-up and read-back) and aim the timed run at the target.
    let k = 1, prev: [number, number] | null = null;
    for (;;) {
      const r = await engine.run(benchScenario(q.d, q.N, k), runOpts);
      const t = r.timing.seconds;
      // Stop once the run is long enough and its steps (not the fixed set-up) show in the time.
      if ((t >= 0.2 * target && prev && t > 1.5 * prev[1]) || t >= 2 * target || k >= 1 << 22) {
        const b = prev && t > prev[1] ? (t - prev[1]) / (k - prev[0]) : t / k;
        const a = Math.max(0, t - b * k);
        K = Math.max(k, Math.min(1 << 24, Math.round((target - a) / Math.max(b, 1e-12))));
        break;
      }
      prev = [k, t];
      k *= 4;
    }
  }
  const calibrationSeconds = (performance.now() - c0) / 1000;
  const r = await engine.run(benchScenario(q.d, q.N, K), runOpts);
  const last = r.checkpoints.at(-1)!;
  return {
    d: q.d, N: q.N, K,
    seconds: r.timing.seconds,
    stepsPerSecond: (q.N * K) / r.timing.seconds,
    successCount: last.successCount,
    n: last.n,
    dispatches: r.timing.dispatches,
    calibrationSeconds,
    details: r.engine.details,
  };
}

/** The command line's `--name value` options of a bench script (undefined where one is absent). */
export function benchOptions(argv: readonly string[]): (name: string) => string | undefined {
  return (name) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
}

/** A results file's machine name: the CPU model reduced to a slug, and the core count. */
export function machineSlug(m: { cpuModel: string; cores: number }): string {
  const model = m.cpuModel.toLowerCase().replace(/\(r\)|\(tm\)|cpu|processor|\d+-core/g, ' ').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  return `${model || 'machine'}-${m.cores}c`;
}
