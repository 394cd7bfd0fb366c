/**
 * Several output neurons (arXiv 2505.10272, Section 4): the float64 reference step and the CPU engine.
 * shaders/multi.wgsl mirrors `advanceMulti` line by line in f32.
 *
 * State: W (m × d, row-major), in linear space (the projection breaks the multiplicative form, so no log state).
 * Each row is renormalised to λᵀw_j = 1 after its update: p_j = λ⊙w_j is then read off directly. This changes
 * nothing: Δw_j = α_j w_j ⊙ Y_j and max(·, 0) are 1-homogeneous in w_j, and the projection coefficient
 * (Δw_jᵀw_l/‖w_l‖²)·w_l does not depend on the scale of w_l.
 *
 * One step k (Algorithm 1): for every output j, with the uniforms of Philox counter (k, t, stream = j, block) —
 * word 0: ζ_j ~ Categorical(p_j) by inversion (exactly as chain-math's `advance`), words 1..d: Z_j —
 *   Δw_j = α_j w_j ⊙ (e_{ζ_j} + Z_j);
 *   projection "sequential" (the authors' figure code): for l = 1..j−1 in turn, Δw_j −= (Δw_jᵀw_l/‖w_l‖²) w_l;
 *   projection "orthogonal": Δw_j −= Σ_{l<j} (Δw_jᵀq_l) q_l with q the Gram–Schmidt basis of w_1..w_{j−1};
 *   w_j ← max(w_j + Δw_j, 0), then w_j /= λᵀw_j.
 * The projections use the weights w_l(k) from before this step's update (as the figure code does); the outputs are
 * therefore processed from j = m down to 1, so that rows l < j still hold w_l(k) when row j is updated.
 * With m = 1 there is no projection and the step is the single-neuron chain on stream 0 (the same draws as `advance`).
 *
 * Algorithm 2 (Section A.5, reconstructed): in period j (steps [periodEnds[j−1], periodEnds[j])) only output j learns,
 * on stream j, with the same update and projection against the frozen w_1..w_{j−1}.
 */
import type { ResolvedMultiScenario } from './scenario.ts';
import { u32ToUniform } from '../../rng/philox.ts';
import { philoxBlockWords } from '../../rng/philox-blocks.ts';
import {
  accumulateMulti, emptyMultiAccumulator, reduceP, type MultiCheckpointAccumulator,
} from './stats.ts';
import { noiseFromUniform, noiseParams, type NoiseParams } from '../../rng/noise.ts';
import { checkAborted, runtimeName, type EngineInfo } from '../../engines/types.ts';
import { cpuProgress, type CopyRunOptions } from '../../engines/copy-run.ts';

/** Relative threshold on ‖residual‖² / ‖w_l‖² below which a Gram–Schmidt vector counts as dependent (skipped). */
export const GS_EPS_F64 = 1e-12;

export interface MultiParams {
  d: number;
  m: number;
  rates: Float64Array;
  alphas: Float64Array;
  algorithm: 1 | 2;
  /** 0: sequential, 1: orthogonal. */
  projection: 0 | 1;
  periodEnds: number[] | null;
  np: NoiseParams;
  key: [number, number];
  target: number[];
}

export function multiParams(s: ResolvedMultiScenario): MultiParams {
  return {
    d: s.d,
    m: s.m,
    rates: Float64Array.from(s.rates),
    alphas: Float64Array.from(s.alphas),
    algorithm: s.algorithm,
    projection: s.projection === 'sequential' ? 0 : 1,
    periodEnds: s.periodEnds,
    np: noiseParams({ noise: s.noise }),
    key: s.seedKey,
    target: s.target,
  };
}

/** Initial weights, each row normalised to λᵀw_j = 1 (row-major m × d). */
export function initialWeights(s: ResolvedMultiScenario): Float64Array {
  const W = new Float64Array(s.m * s.d);
  for (let j = 0; j < s.m; j++) {
    let S = 0;
    for (let i = 0; i < s.d; i++) S += s.rates[i]! * s.initialWeights[j]![i]!;
    for (let i = 0; i < s.d; i++) W[j * s.d + i] = s.initialWeights[j]![i]! / S;
  }
  return W;
}

export interface MultiScratch {
  delta: Float64Array;
  q: Float64Array;
}

export function multiScratch(mp: MultiParams): MultiScratch {
  return { delta: new Float64Array(mp.d), q: new Float64Array(mp.m * mp.d) };
}

/** Output learning at step k under algorithm 2 (the period containing k); −1 past the last period. */
export function periodOf(periodEnds: number[], k: number): number {
  for (let j = 0; j < periodEnds.length; j++) if (k < periodEnds[j]!) return j;
  return -1;
}

/** Gram–Schmidt basis of rows 0..n−1 of W into q (a dependent row gets a zero vector). */
export function gramSchmidt(W: Float64Array, d: number, n: number, q: Float64Array): void {
  for (let l = 0; l < n; l++) {
    let ww = 0;
    for (let i = 0; i < d; i++) {
      q[l * d + i] = W[l * d + i]!;
      ww += W[l * d + i]! * W[l * d + i]!;
    }
    for (let r = 0; r < l; r++) {
      let c = 0;
      for (let i = 0; i < d; i++) c += q[l * d + i]! * q[r * d + i]!;
      for (let i = 0; i < d; i++) q[l * d + i] = q[l * d + i]! - c * q[r * d + i]!;
    }
    let nn = 0;
    for (let i = 0; i < d; i++) nn += q[l * d + i]! * q[l * d + i]!;
    const inv = nn > GS_EPS_F64 * ww ? 1 / Math.sqrt(nn) : 0;
    for (let i = 0; i < d; i++) q[l * d + i] = q[l * d + i]! * inv;
  }
}

/** Update output j at step k of trajectory traj (W holds w_l(k) for l < j). Returns ζ_j. */
function updateOutput(
  W: Float64Array, j: number, k: number, traj: number, mp: MultiParams, sc: MultiScratch,
): number {
  const d = mp.d, o = j * d, delta = sc.delta, rates = mp.rates;
  // Word 0 of the step's Philox blocks (k, traj, j, 0 … ⌊d/4⌋) is the categorical draw, word i + 1 input i's noise.
  const w = philoxBlockWords(k, traj, j, 0, mp.key[0], mp.key[1], (d >>> 2) + 1);
  // Categorical draw by inversion on a_i = λ_i w_ji (chain-math's `advance` on e^{x_i}: the same decision).
  let S = 0, lastPositive = d - 1;
  for (let i = 0; i < d; i++) S += rates[i]! * W[o + i]!;
  for (let i = d - 1; i >= 0; i--) if (rates[i]! * W[o + i]! > 0) { lastPositive = i; break; }
  const thresh = u32ToUniform(w[0]!) * S;
  let zeta = lastPositive, acc = 0;
  for (let i = 0; i < d; i++) {
    acc += rates[i]! * W[o + i]!;
    if (thresh < acc) { zeta = i; break; }
  }
  const alpha = mp.alphas[j]!;
  for (let i = 0; i < d; i++) {
    const z = noiseFromUniform(u32ToUniform(w[i + 1]!), mp.np);
    delta[i] = alpha * W[o + i]! * ((i === zeta ? 1 : 0) + z);
  }
  applyIncrement(W, j, delta, mp, sc.q);
  return zeta;
}

/**
 * Output j's increment Δ (in `delta`) applied as Algorithm 1/2 does: projected against the rows l < j of W (as they
 * are before this step's update), sequentially or onto the orthogonal complement of their span (the Gram–Schmidt basis
 * q of those rows), then w_j + Δ clipped at 0 and renormalised to λᵀw_j = 1 (a row clipped to 0 stays 0). The engine's
 * step and the mean-field map (mean-field.ts) share it.
 */
export function applyIncrement(W: Float64Array, j: number, delta: Float64Array, mp: Pick<MultiParams, 'd' | 'rates' | 'projection'>, q: Float64Array): void {
  const d = mp.d, o = j * d, rates = mp.rates;
  if (mp.projection === 0) {
    for (let l = 0; l < j; l++) {
      let dw = 0, ww = 0;
      for (let i = 0; i < d; i++) {
        dw += delta[i]! * W[l * d + i]!;
        ww += W[l * d + i]! * W[l * d + i]!;
      }
      if (ww > 0) {
        const c = dw / ww;
        for (let i = 0; i < d; i++) delta[i] = delta[i]! - c * W[l * d + i]!;
      }
    }
  } else {
    for (let l = 0; l < j; l++) {
      let c = 0;
      for (let i = 0; i < d; i++) c += delta[i]! * q[l * d + i]!;
      for (let i = 0; i < d; i++) delta[i] = delta[i]! - c * q[l * d + i]!;
    }
  }
  let S2 = 0;
  for (let i = 0; i < d; i++) {
    const v = W[o + i]! + delta[i]!;
    const c = v > 0 ? v : 0;
    W[o + i] = c;
    S2 += rates[i]! * c;
  }
  if (S2 > 0) for (let i = 0; i < d; i++) W[o + i] = W[o + i]! / S2;
}

/**
 * Advance one trajectory `nSteps` steps from step k0 (W in place, rows normalised to λᵀw_j = 1). `onDraw(k, j, ζ)`
 * is a test hook that sees every categorical draw.
 */
export function advanceMulti(
  W: Float64Array, k0: number, nSteps: number, traj: number, mp: MultiParams, sc: MultiScratch,
  onDraw?: (k: number, j: number, zeta: number) => void,
): void {
  const m = mp.m, d = mp.d;
  for (let s = 0; s < nSteps; s++) {
    const k = k0 + s;
    if (mp.algorithm === 1) {
      if (mp.projection === 1 && m > 1) gramSchmidt(W, d, m - 1, sc.q);
      for (let j = m - 1; j >= 0; j--) {
        const z = updateOutput(W, j, k, traj, mp, sc);
        onDraw?.(k, j, z);
      }
    } else {
      const j = periodOf(mp.periodEnds!, k);
      if (j < 0) continue;
      if (mp.projection === 1 && j > 0) gramSchmidt(W, d, j, sc.q);
      const z = updateOutput(W, j, k, traj, mp, sc);
      onDraw?.(k, j, z);
    }
  }
}

/** P (row-major m × d) from normalised weights: p_ji = λ_i w_ji / λᵀw_j (uniform for a row clipped to 0). */
export function weightsToP(W: ArrayLike<number>, mp: MultiParams, P: Float64Array): void {
  const d = mp.d;
  for (let j = 0; j < mp.m; j++) {
    let S = 0;
    for (let i = 0; i < d; i++) S += mp.rates[i]! * W[j * d + i]!;
    for (let i = 0; i < d; i++) P[j * d + i] = S > 0 ? (mp.rates[i]! * W[j * d + i]!) / S : 1 / d;
  }
}

export interface MultiRunOptions extends CopyRunOptions {
  /** Test hook: return the final weights (row-normalised, [t][j][i] flattened, t relative to the range start). */
  captureFinalState?: boolean;
  /** Test hook: record ζ_j for the first n steps: draws[(t·n + k)·m + j] (−1: output j did not learn at step k). */
  captureDraws?: number;
}

export interface MultiEnsembleResult {
  engine: EngineInfo;
  /** One accumulator per resolved checkpoint, in order. */
  checkpoints: MultiCheckpointAccumulator[];
  /** P at every checkpoint for the first keepPaths trajectories: paths[traj][checkpoint][j][i]. */
  paths?: number[][][][];
  finalWeights?: Float64Array | Float32Array;
  draws?: Int32Array;
  timing: { seconds: number; dispatches: number };
}

function toRows(P: ArrayLike<number>, m: number, d: number): number[][] {
  return Array.from({ length: m }, (_, j) => Array.from({ length: d }, (_, i) => P[j * d + i]!));
}

/** The float64 reference engine for the several-outputs model. */
export class MultiCpuEngine {
  readonly info: EngineInfo = { name: 'cpu', runtime: runtimeName(), precision: 'f64' };

  async run(s: ResolvedMultiScenario, o: MultiRunOptions = {}): Promise<MultiEnsembleResult> {
    const t0 = performance.now();
    const [start, end] = o.trajectoryRange ?? [0, s.trajectories];
    const mp = multiParams(s);
    const { m, d } = mp;
    const sc = multiScratch(mp);
    const W0 = initialWeights(s);
    const W = new Float64Array(m * d), P = new Float64Array(m * d);
    const acc = s.checkpoints.map((k) => emptyMultiAccumulator(k, m, d));
    const nPaths = Math.max(0, Math.min(s.keepPaths, end) - start);
    const paths = nPaths > 0 ? Array.from({ length: nPaths }, () => [] as number[][][]) : undefined;
    const finalWeights = o.captureFinalState ? new Float64Array(m * d * (end - start)) : undefined;
    const nd = o.captureDraws ?? 0;
    const draws = nd > 0 ? new Int32Array((end - start) * nd * m).fill(-1) : undefined;
    const total = (end - start) * s.steps;
    const report = cpuProgress(o.onProgress, total, t0);
    let done = 0;
    for (let t = start; t < end; t++) {
      checkAborted(o.signal);
      W.set(W0);
      const rel = t - start;
      const onDraw = draws ? (k: number, j: number, z: number) => { if (k < nd) draws[(rel * nd + k) * m + j] = z; } : undefined;
      let k = 0;
      for (let c = 0; c < s.checkpoints.length; c++) {
        const target = s.checkpoints[c]!;
        advanceMulti(W, k, target - k, t, mp, sc, onDraw);
        done += target - k;
        k = target;
        weightsToP(W, mp, P);
        accumulateMulti(acc[c]!, P, reduceP(P, m, d, s.target));
        if (paths && rel < nPaths) paths[rel]!.push(toRows(P, m, d));
      }
      if (finalWeights) finalWeights.set(W, rel * m * d);
      await report(done, t === end - 1);
    }
    return {
      engine: { ...this.info },
      checkpoints: acc,
      paths,
      finalWeights,
      draws,
      timing: { seconds: (performance.now() - t0) / 1000, dispatches: 0 },
    };
  }
}
