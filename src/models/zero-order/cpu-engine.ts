/**
 * The float64 reference engine of the zero-order learner (scenario.ts; random addressing and event timing in
 * point.ts). shaders/zero-order.wgsl mirrors `runCopy` in f32 with the same Philox words.
 *
 * One copy: θ = θ₀; for each update event j (time τ_j, training sample k_j):
 *   record the checkpoints and path points passed (t < τ_j) with θ_{j−1};
 *   ξ_i = A(2u_i − 1);  D = L_k(θ + ξ) − L_k(θ − ξ) (two-point) or L_k(θ + ξ) − L_k(θ) (one-point);
 *   θ ← θ − step·D·ξ   (step α/n, or α/(nλ) on the Poisson clock);
 *   sup ← max(sup, ‖θ_{j−1} − Z(τ_j)‖, ‖θ_j − Z(τ_j)‖)   (both sides of the jump; Z(τ_j) the grid row j, or the
 *   grid interpolated at τ_j on the Poisson clock).
 * At checkpoint t: e = ‖θ − Z(t)‖, sup ← max(sup, e), ‖∇L(θ)‖ and L(θ) on the sample of t.
 */
import { u32ToUniform } from '../../rng/philox.ts';
import { philoxBlockWords, philoxUniforms } from '../../rng/philox-blocks.ts';
import { checkAborted, runtimeName, type EngineInfo, type Progress } from '../../engines/types.ts';
import { yieldToEventLoop } from '../../engines/copy-run.ts';
import { flowAt } from './flow.ts';
import { ZERO_ORDER_STREAM, gradNormAndLoss, lossDifference } from './loss.ts';
import { zeroOrderPoint, type ZeroOrderPoint } from './point.ts';
import type { ResolvedZeroOrderScenario } from './scenario.ts';
import { REC, ZO_FLAG, ZO_REC, accumulateCopy, emptyZeroOrderAcc, type ZeroOrderAcc } from './stats.ts';

export interface ZeroOrderRunOptions {
  trajectoryRange?: [number, number];
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  stepsPerDispatch?: number;
  batchSize?: number;
  /** Test hook: keep every copy's records and final θ. */
  captureCopies?: boolean;
}

/** Per-copy data of a run (captureCopies): records [(copy·C + c)·REC + k], final θ [copy·d + i], flags. */
export interface ZeroOrderCopies {
  n: number;
  rec: Float64Array | Float32Array;
  theta: Float64Array | Float32Array;
  flags: Uint32Array;
}

export interface ZeroOrderResult {
  engine: EngineInfo;
  accumulator: ZeroOrderAcc;
  copies?: ZeroOrderCopies;
  timing: { seconds: number; dispatches: number; updates: number };
}

/**
 * ξ of update j of copy `copy` into xi (the Philox words of point.ts: ξ_i from word i & 3 of block blockBase + (i >>> 2),
 * drawn together, philox-blocks.ts); returns the Poisson waiting-time uniform, word 0 of block blockBase + NB (0
 * without Poisson times).
 */
export function drawPerturbation(p: ZeroOrderPoint, key: [number, number], j: number, copy: number, xi: Float64Array): number {
  const d = p.d, A = p.A;
  philoxUniforms(j, copy, ZERO_ORDER_STREAM, p.blockBase, key[0], key[1], d, xi);
  for (let i = 0; i < d; i++) xi[i] = A * (2 * xi[i]! - 1);
  return p.poisson ? u32ToUniform(philoxBlockWords(j, copy, ZERO_ORDER_STREAM, p.blockBase + p.NB, key[0], key[1], 1)[0]!) : 0;
}

/** θ ← θ − step·D·ξ, D the loss difference of the estimator on sample k; returns D. */
export function applyUpdate(p: ZeroOrderPoint, theta: Float64Array, xi: Float64Array, k: number, scratch: Float64Array): number {
  const D = lossDifference(p.loss, p.twoPoint, theta, xi, k, scratch);
  const f = p.step * D;
  for (let i = 0; i < p.d; i++) theta[i] -= f * xi[i]!;
  return D;
}

interface Scratch { theta: Float64Array; xi: Float64Array; z: Float64Array; a: Float64Array; dz: Float64Array }

function scratchFor(p: ZeroOrderPoint): Scratch {
  const h = Math.max(1, p.loss.net.h);
  return { theta: new Float64Array(p.d), xi: new Float64Array(p.d), z: new Float64Array(p.d), a: new Float64Array(h), dz: new Float64Array(h) };
}

/** Run copy `copy`: its C records into rec[recOff…], its final error θ − Z_T into fin[finOff…], θ₁ along the path. */
export function runCopy(
  p: ZeroOrderPoint, key: [number, number], copy: number, sc: Scratch,
  rec: Float64Array, recOff: number, fin: Float64Array, finOff: number, path: Float64Array | null,
): number {
  const { d, ckK, ckT, pathK, pathT } = p, C = ckK.length, PP = pathK.length;
  const th = sc.theta;
  th.set(p.theta0);
  let sup = 0, tau = 0, c = 0, q = 0, flags = 0, done = false;
  const record = (cc: number) => {
    let e2 = 0;
    for (let i = 0; i < d; i++) { const e = th[i]! - p.flowCk[cc * d + i]!; e2 += e * e; }
    const e = Math.sqrt(e2);
    sup = Math.max(sup, e);
    const [g, L] = gradNormAndLoss(p.loss, th, p.ckSample[cc]!, sc.a, sc.dz);
    const o = recOff + cc * REC;
    rec[o + ZO_REC.err] = e; rec[o + ZO_REC.sup] = sup; rec[o + ZO_REC.grad] = g; rec[o + ZO_REC.loss] = L;
  };
  for (let j = 1; j <= p.J; j++) {
    const u = drawPerturbation(p, key, j, copy, sc.xi);
    const tj = p.poisson ? tau - Math.log(u) / p.nu : 0;
    while (c < C && (p.poisson ? ckT[c]! < tj : ckK[c]! < j)) record(c++);
    while (q < PP && (p.poisson ? pathT[q]! < tj : pathK[q]! < j)) { if (path) path[q] = th[0]!; q++; }
    if (p.poisson && tj > p.tEnd) { done = true; break; }
    let z: Float64Array, zo = 0, k: number;
    if (p.poisson) {
      flowAt(p.flow, d, p.n, p.N, tj, sc.z);
      z = sc.z;
      k = (Math.min(p.K - 1, Math.max(0, Math.ceil(tj / p.T) - 1))) % p.loss.samples;
    } else {
      z = p.flow; zo = j * d;
      k = Math.floor((j - 1) / p.NT) % p.loss.samples;
    }
    const D = lossDifference(p.loss, p.twoPoint, th, sc.xi, k, sc.a);
    const f = p.step * D;
    let before = 0, after = 0;
    for (let i = 0; i < d; i++) {
      const zi = z[zo + i]!, a = th[i]! - zi;
      th[i] -= f * sc.xi[i]!;
      const b = th[i]! - zi;
      before += a * a; after += b * b;
    }
    sup = Math.max(sup, Math.sqrt(before), Math.sqrt(after));
    tau = tj;
  }
  if (p.poisson && !done) flags |= ZO_FLAG.eventCap;
  while (c < C) record(c++);
  while (q < PP) { if (path) path[q] = th[0]!; q++; }
  for (let i = 0; i < d; i++) {
    if (!Number.isFinite(th[i]!)) flags |= ZO_FLAG.nonFinite;
    fin[finOff + i] = th[i]! - p.flowCk[(C - 1) * d + i]!;
  }
  return flags;
}

export function zeroOrderAccumulatorFor(s: ResolvedZeroOrderScenario, point: number): ZeroOrderAcc {
  const g = s.grid[point]!;
  return emptyZeroOrderAcc(point, g.d, g.n, s.checkpoints);
}

export class ZeroOrderCpuEngine {
  readonly info: EngineInfo = { name: 'cpu', runtime: runtimeName(), precision: 'f64' };

  async run(s: ResolvedZeroOrderScenario, point: number, o: ZeroOrderRunOptions = {}): Promise<ZeroOrderResult> {
    const t0 = performance.now();
    const [start, end] = o.trajectoryRange ?? [0, s.trajectories];
    const p = zeroOrderPoint(s, point), C = p.ckK.length, d = p.d, R = end - start;
    const acc = zeroOrderAccumulatorFor(s, point), sc = scratchFor(p);
    const rec = new Float64Array(C * REC), fin = new Float64Array(d), path = new Float64Array(p.pathK.length);
    const copies = o.captureCopies
      ? { n: R, rec: new Float64Array(R * C * REC), theta: new Float64Array(R * d), flags: new Uint32Array(R) }
      : undefined;
    let last = performance.now();
    for (let r = start; r < end; r++) {
      const keep = r < p.paths;
      const flags = runCopy(p, s.seedKey, r, sc, rec, 0, fin, 0, keep ? path : null);
      accumulateCopy(acc, rec, 0, fin, 0, r, keep ? path : null, flags);
      if (copies) {
        copies.rec.set(rec, (r - start) * C * REC);
        copies.theta.set(sc.theta, (r - start) * d);
        copies.flags[r - start] = flags;
      }
      // Yield now and then so that a cancel (signal) and progress get through.
      if (performance.now() - last > 200) {
        checkAborted(o.signal);
        o.onProgress?.({ done: (r + 1 - start) * p.J, total: R * p.J, elapsedSeconds: (performance.now() - t0) / 1000 });
        await yieldToEventLoop();
        last = performance.now();
      }
    }
    checkAborted(o.signal);
    o.onProgress?.({ done: R * p.J, total: R * p.J, elapsedSeconds: (performance.now() - t0) / 1000 });
    return { engine: this.info, accumulator: acc, copies, timing: { seconds: (performance.now() - t0) / 1000, dispatches: 0, updates: R * p.J } };
  }
}
