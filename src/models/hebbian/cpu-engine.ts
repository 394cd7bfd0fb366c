/**
 * Hebbian alignment of regularised learners (arXiv 2505.18069): the float64 reference engine. shaders/hebbian.wgsl
 * mirrors `advanceCopy` in f32 with the same Philox words.
 *
 * Step n of a copy (weights v; every layer l has h_b = W_l h_a; see src/models/hebbian/scenario.ts):
 *   1. noisy weights w = v + σ ε (ε ~ N(0, I), fresh every step, shared by the batch; noise "parameter" only);
 *   2. for each sample b: x ~ N(0, I_D), y = teacher(x) + σ_y ξ; noise "input": x ← x + σ ν (the student's input; the
 *      teacher saw the clean x); forward with w; e = out − y;
 *      S_l −= (1/B) ∇_{h_b}ℓ h_aᵀ (back-propagated through w: layer 2 ∇ = e, layer 1 ∇ = (W2ᵀ e) ⊙ (1 − tanh²));
 *      in a measured step also H_l += (1/B) h_b h_aᵀ;
 *   3. rule "random": S_l = R_l (fixed per copy); noise "gradient": S ← S + σ ζ (ζ ~ N(0, I) fresh every step);
 *   4. measured step: ⟨S_l, H_l⟩, cos(S_l, H_l), the loss ½‖e‖² (batch mean) and, for a linear student and teacher,
 *      the conditional expectation E[⟨S, H⟩ | v] of src/models/hebbian/theory.ts (A), all averaged over the window;
 *      summed step (the last sumWindow of a checkpoint): ΣS_l += S_l, ΣH_l += H_l, and at the checkpoint cos(ΣS_l, ΣH_l)
 *      (H is computed in every measured or summed step; it reads no random numbers, so no number of before changes);
 *   5. v ← v + η (S − γ v).
 *
 * Gaussians: Box–Muller on Philox uniforms (u32ToUniform, 24-bit, never 0 or 1). One Philox call (block j) gives
 * four Gaussians: √(−2 ln u0)·(cos 2πu1, sin 2πu1), √(−2 ln u2)·(cos 2πu3, sin 2πu3).
 *
 * Philox addressing (stream 11, used by no other model), counter (c0, c1, 11, block):
 *   step n of copy t:  c0 = n, c1 = t; blocks: sample b's input x at b·NB_IN + j (NB_IN = ⌈D/4⌉); its label noise at
 *                      B·NB_IN + b·NB_OUT + j; parameter noise at B·(NB_IN + NB_OUT) + j, layer 2 after ⌈P1/4⌉ blocks;
 *                      after those (X0 = B·(NB_IN + NB_OUT) + ⌈P1/4⌉ + ⌈P2/4⌉, added with the gradient and input noise
 *                      sources, so that the blocks above and every earlier number stay as they were): gradient noise at
 *                      X0 + j (layer 2 after ⌈P1/4⌉ blocks), input noise of sample b at X0 + b·NB_IN + j (the two sources
 *                      are never on together);
 *   initial weights:   c0 = 0xffffffff, c1 = t, blocks j (layer 1), then ⌈P1/4⌉ + j (layer 2), row-major W[r][c];
 *   random directions: c0 = 0xfffffffe, c1 = t, same layout;
 *   teacher (shared):  c0 = 0xffffffff, c1 = 0xffffffff, A1 (or W*) then A2 after ⌈|A1|/4⌋ blocks.
 * Copy t of every (σ, γ) grid point reads the same numbers (common random numbers across the grid); the copy index t
 * is the copy's number within its grid point, so results do not depend on batching or sharding.
 */
import type { ResolvedHebbianScenario } from './scenario.ts';
import { philox4x32, u32ToUniform } from '../../rng/philox.ts';
import { kappa } from './theory.ts';
import {
  HEBBIAN_FLAG, HEBBIAN_REC, REC, accumulateCopy, emptyHebbianAccumulator, type HebbianAccumulator, type HebbianCopyData,
} from './stats.ts';
import { checkAborted, runtimeName, type EngineInfo } from '../../engines/types.ts';
import { cpuProgress, type CopyRunOptions } from '../../engines/copy-run.ts';

export const HEBBIAN_STREAM = 11;
export const HEBBIAN_INIT_STEP = 0xffffffff;
export const HEBBIAN_RANDOM_STEP = 0xfffffffe;
export const HEBBIAN_TEACHER_COPY = 0xffffffff;
const TWO_PI = 2 * Math.PI;

/** Four Gaussians from block `j` of counter (c0, c1, 11, j). */
export function gaussBlock(c0: number, c1: number, j: number, key: [number, number], words: Uint32Array, out: Float64Array): void {
  philox4x32(c0, c1, HEBBIAN_STREAM, j, key[0], key[1], words);
  const r0 = Math.sqrt(-2 * Math.log(u32ToUniform(words[0]!))), t0 = TWO_PI * u32ToUniform(words[1]!);
  const r1 = Math.sqrt(-2 * Math.log(u32ToUniform(words[2]!))), t1 = TWO_PI * u32ToUniform(words[3]!);
  out[0] = r0 * Math.cos(t0);
  out[1] = r0 * Math.sin(t0);
  out[2] = r1 * Math.cos(t1);
  out[3] = r1 * Math.sin(t1);
}

/** dst[off + i] = scale · g_i for i < count, g_i the Gaussians of blocks block0, block0 + 1, …. */
export function fillGauss(
  c0: number, c1: number, block0: number, count: number, scale: number, key: [number, number],
  words: Uint32Array, g4: Float64Array, dst: Float64Array, off = 0,
): void {
  for (let i = 0; i < count; i += 4) {
    gaussBlock(c0, c1, block0 + (i >> 2), key, words, g4);
    const m = Math.min(4, count - i);
    for (let l = 0; l < m; l++) dst[off + i + l] = scale * g4[l]!;
  }
}

/** Constants of the run, derived once (the WebGPU engine passes the same numbers, rounded to f32). */
export interface HebbianParams {
  key: [number, number];
  D: number;
  O: number;
  /** Student: 0 linear, 1 tanh2; hidden width (tanh2). */
  student: 0 | 1;
  H: number;
  /** Layer shapes [rows, cols] and offsets into the flat weight vector; P = total weights. */
  layers: { rows: number; cols: number; off: number }[];
  P: number;
  P1: number;
  /** Teacher: 0 linear (A1 = W*, O × D), 1 tanh2 (A1: Ht × D, A2: O × Ht). */
  teacher: 0 | 1;
  Ht: number;
  A1: Float64Array;
  A2: Float64Array;
  labelNoise: number;
  B: number;
  eta: number;
  /** 0 gradient rules (sgd, noisy-sgd), 1 random. */
  rule: 0 | 1;
  /** What σ perturbs: 0 parameters, 1 the learning signal (gradient noise), 2 the student's inputs. */
  noise: 0 | 1 | 2;
  /** First Philox block of the gradient and input noise (after the parameter noise's blocks). */
  extraBlock0: number;
  initScale: number;
  randomScale: number;
  window: number;
  sumWindow: number;
  checkpoints: number[];
  /** Blocks per sample input, per sample label noise, offset of the parameter noise, layer-2 offset (blocks). */
  nbIn: number;
  nbOut: number;
  noiseBlock0: number;
  nbP1: number;
  /** Whether the conditional theory (linear student and teacher) is recorded; κ and ‖W*‖² then. */
  theory: boolean;
  kappa: number;
  teacherNorm2: number;
}

/** The teacher's weights from the seed (shared by all copies and grid points). */
export function teacherWeights(s: ResolvedHebbianScenario): { A1: Float64Array; A2: Float64Array; Ht: number } {
  const key = s.seedKey, words = new Uint32Array(4), g4 = new Float64Array(4);
  const D = s.inputDim, O = s.outputDim;
  if (s.teacher.kind === 'linear') {
    const A1 = new Float64Array(O * D);
    fillGauss(HEBBIAN_INIT_STEP, HEBBIAN_TEACHER_COPY, 0, O * D, s.teacher.scale / Math.sqrt(D), key, words, g4, A1);
    return { A1, A2: new Float64Array(0), Ht: 0 };
  }
  const Ht = s.teacher.hidden;
  const A1 = new Float64Array(Ht * D), A2 = new Float64Array(O * Ht);
  fillGauss(HEBBIAN_INIT_STEP, HEBBIAN_TEACHER_COPY, 0, Ht * D, s.teacher.scale / Math.sqrt(D), key, words, g4, A1);
  fillGauss(HEBBIAN_INIT_STEP, HEBBIAN_TEACHER_COPY, Math.ceil((Ht * D) / 4), O * Ht, s.teacher.scale / Math.sqrt(Ht), key, words, g4, A2);
  return { A1, A2, Ht };
}

export function hebbianParams(s: ResolvedHebbianScenario): HebbianParams {
  const D = s.inputDim, O = s.outputDim;
  let off = 0;
  const layers = s.layers.map(([rows, cols]) => {
    const l = { rows, cols, off };
    off += rows * cols;
    return l;
  });
  const P1 = layers[0]!.rows * layers[0]!.cols;
  const t = teacherWeights(s);
  const nbIn = Math.ceil(D / 4), nbOut = Math.ceil(O / 4);
  const theory = s.student.kind === 'linear' && s.teacher.kind === 'linear';
  let teacherNorm2 = 0;
  if (s.teacher.kind === 'linear') for (const a of t.A1) teacherNorm2 += a * a;
  return {
    key: s.seedKey, D, O, student: s.student.kind === 'linear' ? 0 : 1, H: s.student.hidden,
    layers, P: off, P1,
    teacher: s.teacher.kind === 'linear' ? 0 : 1, Ht: t.Ht, A1: t.A1, A2: t.A2, labelNoise: s.teacher.labelNoise,
    B: s.batchSize, eta: s.learningRate, rule: s.rule === 'random' ? 1 : 0,
    noise: s.noise === 'gradient' ? 1 : s.noise === 'input' ? 2 : 0,
    extraBlock0: s.batchSize * (nbIn + nbOut) + Math.ceil(P1 / 4) + Math.ceil((off - P1) / 4),
    initScale: s.initScale, randomScale: s.randomScale, window: s.window, sumWindow: s.sumWindow, checkpoints: s.checkpoints,
    nbIn, nbOut, noiseBlock0: s.batchSize * (nbIn + nbOut), nbP1: Math.ceil(P1 / 4),
    theory, kappa: kappa(D, s.batchSize), teacherNorm2,
  };
}

/** One copy's state and scratch space. */
export interface HebbianState {
  v: Float64Array;
  /** Random directions (rule "random"; empty otherwise). */
  R: Float64Array;
  /** Learning signal and Hebbian direction summed over the steps of the current sum window. */
  sumS: Float64Array;
  sumH: Float64Array;
  flags: number;
  // scratch
  w: Float64Array;
  S: Float64Array;
  Hm: Float64Array;
  x: Float64Array;
  y: Float64Array;
  z: Float64Array;
  a: Float64Array;
  th: Float64Array;
  out: Float64Array;
  e: Float64Array;
  d1: Float64Array;
  words: Uint32Array;
  g4: Float64Array;
}

/** Initial weights N(0, initScale²/fan_in) and random directions N(0, randomScale²/fan_in) of copy t. */
export function initialHebbianState(hp: HebbianParams, t: number): HebbianState {
  const words = new Uint32Array(4), g4 = new Float64Array(4);
  const v = new Float64Array(hp.P), R = new Float64Array(hp.rule === 1 ? hp.P : 0);
  hp.layers.forEach((l, i) => {
    const b0 = i === 0 ? 0 : hp.nbP1;
    fillGauss(HEBBIAN_INIT_STEP, t, b0, l.rows * l.cols, hp.initScale / Math.sqrt(l.cols), hp.key, words, g4, v, l.off);
    if (hp.rule === 1) fillGauss(HEBBIAN_RANDOM_STEP, t, b0, l.rows * l.cols, hp.randomScale / Math.sqrt(l.cols), hp.key, words, g4, R, l.off);
  });
  const maxW = Math.max(hp.D, hp.O, hp.H, hp.Ht);
  return {
    v, R, flags: 0, sumS: new Float64Array(hp.P), sumH: new Float64Array(hp.P),
    w: new Float64Array(hp.P), S: new Float64Array(hp.P), Hm: new Float64Array(hp.P),
    x: new Float64Array(hp.D + 4), y: new Float64Array(hp.O + 4), z: new Float64Array(maxW), a: new Float64Array(maxW),
    th: new Float64Array(maxW), out: new Float64Array(hp.O), e: new Float64Array(hp.O), d1: new Float64Array(maxW),
    words, g4,
  };
}

/** y = A x (rows × cols, row-major at off). */
function matVec(A: Float64Array, off: number, rows: number, cols: number, x: Float64Array, y: Float64Array): void {
  for (let r = 0; r < rows; r++) {
    let acc = 0;
    const o = off + r * cols;
    for (let c = 0; c < cols; c++) acc += A[o + c]! * x[c]!;
    y[r] = acc;
  }
}

/** M[off + r·cols + c] += f · u[r] · x[c]. */
function addOuter(M: Float64Array, off: number, rows: number, cols: number, f: number, u: Float64Array, x: Float64Array): void {
  for (let r = 0; r < rows; r++) {
    const k = f * u[r]!, o = off + r * cols;
    if (k === 0) continue;
    for (let c = 0; c < cols; c++) M[o + c] += k * x[c]!;
  }
}

/** Per-copy window sums of one checkpoint: REC entries (see HEBBIAN_REC). */
export type WindowSums = Float64Array;

/**
 * Advance one copy over steps [n0, n1) at (σ, γ); steps n ≥ measureFrom add to `sums` (REC entries, see HEBBIAN_REC),
 * steps n ≥ sumFrom add S and H to st.sumS, st.sumH (default: no step).
 */
export function advanceCopy(
  st: HebbianState, n0: number, n1: number, t: number, sigma: number, gamma: number, hp: HebbianParams,
  measureFrom: number, sums: Float64Array, sumFrom = Infinity,
): void {
  const { D, O, B, eta, key, layers, P } = hp;
  const { v, w, S, Hm, x, y, z, a, out, e, d1, words, g4 } = st;
  const invB = 1 / B, decay = 1 - eta * gamma;
  for (let n = n0; n < n1; n++) {
    const summed = n >= sumFrom;
    // H is needed in measured and in summed steps
    const measure = n >= measureFrom || summed, record = n >= measureFrom;
    // 1. noisy weights
    if (sigma > 0 && hp.noise === 0) {
      layers.forEach((l, i) => fillGauss(n, t, hp.noiseBlock0 + (i === 0 ? 0 : hp.nbP1), l.rows * l.cols, sigma, key, words, g4, w, l.off));
      for (let p = 0; p < P; p++) w[p] += v[p]!;
    } else {
      w.set(v);
    }
    S.fill(0);
    if (measure) Hm.fill(0);
    let loss = 0;
    // 2. the batch
    for (let b = 0; b < B; b++) {
      fillGauss(n, t, b * hp.nbIn, D, 1, key, words, g4, x);
      // teacher
      if (hp.teacher === 0) matVec(hp.A1, 0, O, D, x, y);
      else {
        matVec(hp.A1, 0, hp.Ht, D, x, st.th);
        for (let k = 0; k < hp.Ht; k++) st.th[k] = Math.tanh(st.th[k]!);
        matVec(hp.A2, 0, O, hp.Ht, st.th, y);
      }
      if (hp.labelNoise > 0) {
        fillGauss(n, t, B * hp.nbIn + b * hp.nbOut, O, hp.labelNoise, key, words, g4, d1);
        for (let o = 0; o < O; o++) y[o] += d1[o]!;
      }
      // input noise: from here on x is the student's input x + σν (the teacher has labelled the clean x)
      if (hp.noise === 2 && sigma > 0) {
        fillGauss(n, t, hp.extraBlock0 + b * hp.nbIn, D, sigma, key, words, g4, d1);
        for (let c = 0; c < D; c++) x[c] += d1[c]!;
      }
      // student forward with w
      if (hp.student === 0) {
        matVec(w, 0, O, D, x, out);
      } else {
        const L1 = layers[0]!, L2 = layers[1]!;
        matVec(w, L1.off, L1.rows, D, x, z);
        for (let k = 0; k < L1.rows; k++) a[k] = Math.tanh(z[k]!);
        matVec(w, L2.off, O, L1.rows, a, out);
      }
      let l2 = 0;
      for (let o = 0; o < O; o++) {
        e[o] = out[o]! - y[o]!;
        l2 += e[o]! * e[o]!;
      }
      loss += 0.5 * l2 * invB;
      if (hp.student === 0) {
        if (hp.rule === 0) addOuter(S, 0, O, D, -invB, e, x);
        if (measure) addOuter(Hm, 0, O, D, invB, out, x);
      } else {
        const L1 = layers[0]!, L2 = layers[1]!, Hh = L1.rows;
        if (hp.rule === 0) {
          // layer 2: ∇_{h_b} ℓ = e, h_a = a; layer 1: ∇_{h_b} ℓ = (W2ᵀ e) ⊙ (1 − a²), h_a = x
          addOuter(S, L2.off, O, Hh, -invB, e, a);
          for (let k = 0; k < Hh; k++) {
            let acc = 0;
            for (let o = 0; o < O; o++) acc += w[L2.off + o * Hh + k]! * e[o]!;
            d1[k] = acc * (1 - a[k]! * a[k]!);
          }
          addOuter(S, L1.off, Hh, D, -invB, d1, x);
        }
        if (measure) {
          addOuter(Hm, L1.off, Hh, D, invB, z, x);
          addOuter(Hm, L2.off, O, Hh, invB, out, a);
        }
      }
    }
    // 3. random rule: the fixed direction
    if (hp.rule === 1) S.set(st.R);
    // gradient noise: S += σζ (w, the noisy weights of the forward pass, is free until the next step)
    if (hp.noise === 1 && sigma > 0) {
      layers.forEach((l, i) => fillGauss(n, t, hp.extraBlock0 + (i === 0 ? 0 : hp.nbP1), l.rows * l.cols, sigma, key, words, g4, w, l.off));
      for (let p = 0; p < P; p++) S[p] += w[p]!;
    }
    if (summed) for (let p = 0; p < P; p++) { st.sumS[p] += S[p]!; st.sumH[p] += Hm[p]!; }
    // 4. measurement
    if (record) {
      for (let li = 0; li < layers.length; li++) {
        const l = layers[li]!, end = l.off + l.rows * l.cols;
        let ip = 0, ss = 0, hh = 0;
        for (let p = l.off; p < end; p++) {
          ip += S[p]! * Hm[p]!;
          ss += S[p]! * S[p]!;
          hh += Hm[p]! * Hm[p]!;
        }
        const den = Math.sqrt(ss * hh);
        sums[HEBBIAN_REC.ip1 + 2 * li] += ip;
        sums[HEBBIAN_REC.cos1 + 2 * li] += den > 0 ? ip / den : 0;
      }
      sums[HEBBIAN_REC.loss] += loss;
      if (hp.theory) {
        let vv = 0, vw = 0;
        for (let p = 0; p < P; p++) {
          vv += v[p]! * v[p]!;
          vw += v[p]! * hp.A1[p]!;
        }
        if (hp.noise === 0) sums[HEBBIAN_REC.cond] += -hp.kappa * (vv - vw + O * sigma * sigma * D);
        else if (hp.noise === 1) sums[HEBBIAN_REC.cond] += -hp.kappa * (vv - vw);
        else {
          // inputs x̃ ~ N(0, s²I), s² = 1 + σ²: E[G̃²] = s⁴κ I and the effective teacher W*/s² (theory.ts (D))
          const s2 = 1 + sigma * sigma;
          sums[HEBBIAN_REC.cond] += -hp.kappa * s2 * s2 * (vv - vw / s2);
        }
      }
    }
    // 5. update
    for (let p = 0; p < P; p++) v[p] = decay * v[p]! + eta * S[p]!;
  }
  for (let p = 0; p < P; p++) if (!Number.isFinite(v[p]!)) { st.flags |= HEBBIAN_FLAG.nonFinite; break; }
}

/** The engines' options; trajectoryRange is copies [start, end) of every grid point. */
export interface HebbianRunOptions extends CopyRunOptions {
  /** Run these grid points only (default: all). */
  gridPoints?: number[];
  /** Test hook: return the final weights, [point][copy][weight] flattened. */
  captureFinalWeights?: boolean;
  /**
   * Test hook: also return every copy's checkpoint records (`copies`). Without it the records are folded into the
   * accumulator copy by copy (CPU) or per read-back (WebGPU), so memory does not grow with the number of copies.
   */
  captureCopies?: boolean;
}

export interface HebbianResult {
  engine: EngineInfo;
  accumulator: HebbianAccumulator;
  /** Per-copy records (captureCopies only). */
  copies?: HebbianCopyData;
  finalWeights?: Float64Array | Float32Array;
  timing: { seconds: number; dispatches: number; copySteps: number; copyStepsPerSecond: number };
}

export function emptyHebbianCopyData(points: number[], n: number, checkpoints: number): HebbianCopyData {
  return { points, n, checkpoints, rec: new Float64Array(points.length * n * checkpoints * REC), flags: new Uint32Array(points.length * n) };
}

export function hebbianAccumulatorFor(s: ResolvedHebbianScenario): HebbianAccumulator {
  return emptyHebbianAccumulator(s.grid, s.checkpoints, s.layers.length, s.window);
}

/**
 * Divide window sums by the window and add ‖v‖² at the checkpoint; with `st`, the window-summed cosine of every layer
 * (cos(ΣS, ΣH), 0 when either sum is 0), after which the summed matrices are cleared for the next checkpoint.
 */
export function finishRecord(
  sums: Float64Array, window: number, v: Float64Array, dst: Float64Array | Float32Array, off: number,
  st?: HebbianState, hp?: HebbianParams,
): void {
  for (let k = 0; k < REC; k++) dst[off + k] = sums[k]! / window;
  let vv = 0;
  for (let p = 0; p < v.length; p++) vv += v[p]! * v[p]!;
  dst[off + HEBBIAN_REC.vnorm2] = vv;
  if (st && hp) {
    hp.layers.forEach((l, li) => {
      let ip = 0, ss = 0, hh = 0;
      for (let p = l.off; p < l.off + l.rows * l.cols; p++) { ip += st.sumS[p]! * st.sumH[p]!; ss += st.sumS[p]! ** 2; hh += st.sumH[p]! ** 2; }
      const den = Math.sqrt(ss * hh);
      dst[off + HEBBIAN_REC.wcos1 + li] = den > 0 ? ip / den : 0;
    });
    st.sumS.fill(0);
    st.sumH.fill(0);
  }
}

/** 0…G−1 in the order k·q mod G, q coprime to G near G/φ: every prefix spreads over the whole (σ-major) grid. */
export function spreadOrder(G: number): number[] {
  let q = Math.max(1, Math.round(G / 1.618033988749895));
  const gcd = (a: number, b: number): number => (b ? gcd(b, a % b) : a);
  while (G > 1 && gcd(q, G) !== 1) q++;
  return Array.from({ length: G }, (_, k) => (k * q) % G);
}

/** The float64 reference engine. */
export class HebbianCpuEngine {
  readonly info: EngineInfo = { name: 'cpu', runtime: runtimeName(), precision: 'f64' };

  async run(s: ResolvedHebbianScenario, o: HebbianRunOptions = {}): Promise<HebbianResult> {
    const t0 = performance.now();
    const [start, end] = o.trajectoryRange ?? [0, s.trajectories];
    const points = o.gridPoints ?? s.grid.map((_, g) => g);
    const n = end - start, C = s.checkpoints.length;
    const hp = hebbianParams(s);
    const data = o.captureCopies ? emptyHebbianCopyData(points, n, C) : undefined;
    const acc = hebbianAccumulatorFor(s);
    const rec = new Float64Array(C * REC);
    const finalWeights = o.captureFinalWeights ? new Float64Array(points.length * n * hp.P) : undefined;
    const sums = new Float64Array(REC);
    const total = points.length * n * s.steps;
    const report = cpuProgress(o.onProgress, total, t0);
    let done = 0;
    // Copy by copy, each visiting every grid point in a spread order (spreadOrder), so that any stretch of the batch
    // samples the whole grid: a σ = 0 point skips the P parameter-noise draws per step and costs about a third of a
    // σ > 0 one, and the σ-major grid put all of them first (the page's calibration, which times the batch's first
    // second, saw only those: hebbian-phase estimated at 52 s, took 4.5 min). Each point still receives its copies in
    // order, so the sums are the same additions as before (and as the other engines'); rows stay gi·n + r.
    const order = spreadOrder(points.length);
    for (let r = 0; r < n; r++) {
      for (const gi of order) {
        const { sigma, gamma } = s.grid[points[gi]!]!;
        const pt = acc.points[points[gi]!]!;
        checkAborted(o.signal);
        const t = start + r, row = gi * n + r;
        const st = initialHebbianState(hp, t);
        let k = 0;
        for (let c = 0; c < C; c++) {
          const target = s.checkpoints[c]!;
          sums.fill(0);
          advanceCopy(st, k, target, t, sigma, gamma, hp, target - s.window, sums, target - s.sumWindow);
          finishRecord(sums, s.window, st.v, rec, c * REC, st, hp);
          k = target;
        }
        // each point its copies in order: the same additions as a fold of the whole table (stats.ts)
        accumulateCopy(pt, rec, 0, C, st.flags);
        if (data) {
          data.rec.set(rec, row * C * REC);
          data.flags[row] = st.flags;
        }
        if (finalWeights) finalWeights.set(st.v, row * hp.P);
        done += s.steps;
        await report(done, done === total);
      }
    }
    const seconds = (performance.now() - t0) / 1000;
    return {
      engine: { ...this.info },
      accumulator: acc,
      copies: data,
      finalWeights,
      timing: { seconds, dispatches: 0, copySteps: total, copyStepsPerSecond: seconds > 0 ? total / seconds : 0 },
    };
  }
}
