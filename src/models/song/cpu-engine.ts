/**
 * Model B (Song, Miller & Abbott 2000): the float64 reference engine. shaders/song.wgsl mirrors `advanceSong` in f32.
 *
 * Time-stepped at dt (default 0.1 ms, Brian2's default clock). Step n (0-based) follows Brian2's schedule
 * (groups → thresholds → synapses → resets):
 *   1. state update from the values at the start of the step:
 *        "euler":       v += dt/τ_m·(g_e(E_e − v) + E_l − v),  g_e *= 1 − dt/τ_e      (Brian2's method='euler')
 *        "exponential": v = v∞ + (v − v∞)·exp(−dt(1+g_e)/τ_m), v∞ = (E_l + g_e E_e)/(1 + g_e),  g_e *= exp(−dt/τ_e)
 *      A_post *= exp(−dt/τ_post) (exact, as Brian2's event-driven trace);
 *   2. thresholds: the inputs that spike in this step (below); the output spikes if v > V_t;
 *   3. synapses, pre pathway first: for each spiking input i, in draw order, g_e += w_i;
 *      A_pre,i = A_pre,i·exp(−(n − n_i)dt/τ_pre) + ΔA_pre (n_i its previous spike step); w_i = clip(w_i + A_post, 0, g_max);
 *      then, if the output spiked, A_post += ΔA_post and w_i = clip(w_i + A_pre,i(n), 0, g_max) for every i;
 *   4. reset v = V_r after an output spike.
 * A_pre,i is kept lazily (its value at the input's last spike and that step), so a step costs O(spiking inputs),
 * and an output spike O(N_in).
 *
 * Input spikes: each input spikes in a step with probability p = r·dt independently (Brian2's PoissonGroup). That law is
 * drawn as K ~ Binomial(N_in, p) (inversion of one uniform against the f32-rounded CDF of the scenario, cut where the
 * tail is below 2^-24), then K distinct inputs uniformly (index = ⌊u32·N_in / 2^32⌋, a repeat within the step is
 * redrawn from the next word). Given K the set is uniform over K-subsets, so this is the Bernoulli law exactly (up to
 * the 2^-24 tail cut), at ~1 Philox call per step instead of N_in uniforms.
 *
 * Philox addressing (stream 9, used by no other model): step n of copy t reads counter (n, t, 9, block); word 0 of
 * block 0 is the count, words 1, 2, … (block = j >> 2, word = j & 3) the input indices. Initial weights w_i(0) =
 * u·g_max with u the uniform of word i & 3 of counter (0xffffffff, t, 9, i >> 2) (a step number never reached).
 */
import type { ResolvedSongScenario } from './scenario.ts';
import { mulhi32, philox4x32, u32ToUniform } from '../../rng/philox.ts';
import {
  SONG_BINS, SONG_FLAG, accumulateSong, emptySongAccumulator, type SongAccumulator, type SongCopyData,
} from './stats.ts';
import { checkAborted, runtimeName, type EngineInfo } from '../../engines/types.ts';
import { cpuProgress, type CopyRunOptions } from '../../engines/copy-run.ts';

export const SONG_STREAM = 9;
export const SONG_INIT_STEP = 0xffffffff;

/** Constants of the step, derived once (the WebGPU engine passes the same numbers, rounded to f32). */
export interface SongParams {
  N: number;
  key: [number, number];
  method: 0 | 1; // 0 euler, 1 exponential
  /** euler: dt/τ_m; exponential: dt/τ_m as well (the factor is exp(−a(1+g_e))). */
  a: number;
  geDecay: number;
  postDecay: number;
  /** dt/τ_pre: A_pre decays by exp(−Δn·preRate) over Δn steps. */
  preRate: number;
  El: number;
  Ee: number;
  Vt: number;
  Vr: number;
  v0: number;
  gMax: number;
  dApre: number; // absolute (× g_max)
  dApost: number; // absolute (× g_max), < 0
  cdf: number[];
  kMax: number;
  stepsPerWindow: number;
}

export function songParams(s: ResolvedSongScenario): SongParams {
  const a = s.dt / s.tauM;
  return {
    N: s.inputs,
    key: s.seedKey,
    method: s.method === 'euler' ? 0 : 1,
    a,
    geDecay: s.method === 'euler' ? 1 - s.dt / s.tauE : Math.exp(-s.dt / s.tauE),
    postDecay: Math.exp(-s.dt / s.tauPost),
    preRate: s.dt / s.tauPre,
    El: s.El, Ee: s.Ee, Vt: s.Vt, Vr: s.Vr, v0: s.v0,
    gMax: s.gMax,
    dApre: s.dApre * s.gMax,
    dApost: s.dApost * s.gMax,
    cdf: s.cdf,
    kMax: s.kMax,
    stepsPerWindow: s.stepsPerWindow,
  };
}

/** One copy's state. `last[i]` = −1 before input i's first spike. */
export interface SongState {
  v: number;
  ge: number;
  apost: number;
  w: Float64Array;
  apre: Float64Array;
  last: Int32Array;
  lastOut: number;
  flags: number;
}

export function initialSongState(sp: SongParams, traj: number): SongState {
  const N = sp.N, w = new Float64Array(N), words = new Uint32Array(4);
  for (let i = 0; i < N; i++) {
    if ((i & 3) === 0) philox4x32(SONG_INIT_STEP, traj, SONG_STREAM, i >>> 2, sp.key[0], sp.key[1], words);
    w[i] = u32ToUniform(words[i & 3]!) * sp.gMax;
  }
  return { v: sp.v0, ge: 0, apost: 0, w, apre: new Float64Array(N), last: new Int32Array(N).fill(-1), lastOut: -1, flags: 0 };
}

/** Test hooks: every input spike (n, i) and output spike n, in processing order. */
export interface SongHooks {
  onInput?: (n: number, i: number) => void;
  onOutput?: (n: number) => void;
}

/**
 * Advance one copy over steps [n0, n1), adding its output spikes to `windowCounts` (window = ⌊n / stepsPerWindow⌋).
 */
export function advanceSong(
  st: SongState, n0: number, n1: number, traj: number, sp: SongParams, words: Uint32Array,
  windowCounts: Uint32Array, windowBase: number, hooks?: SongHooks,
): void {
  const { N, a, geDecay, postDecay, preRate, El, Ee, Vt, Vr, gMax, dApre, dApost, cdf, kMax } = sp;
  const k0 = sp.key[0], k1 = sp.key[1];
  const w = st.w, apre = st.apre, last = st.last;
  let v = st.v, ge = st.ge, apost = st.apost, flags = st.flags, lastOut = st.lastOut;
  // The imported functions as locals: read once per call, not once per use (a test runner's module transform makes
  // every use of an imported name a property read, which cost this loop a sixth of its time there).
  const philox = philox4x32, uniform = u32ToUniform, mulhi = mulhi32;
  for (let n = n0; n < n1; n++) {
    // 1. state update (from the values at the start of the step)
    if (sp.method === 0) {
      v += a * (ge * (Ee - v) + El - v);
    } else {
      const g1 = 1 + ge, vinf = (El + ge * Ee) / g1;
      v = vinf + (v - vinf) * Math.exp(-a * g1);
    }
    ge *= geDecay;
    apost *= postDecay;
    // 2. thresholds
    philox(n, traj, SONG_STREAM, 0, k0, k1, words);
    const u = uniform(words[0]!);
    let K = 0;
    while (K < kMax && u > cdf[K]!) K++;
    const spiked = v > Vt;
    // 3. synapses: pre pathway
    let j = 1;
    for (let c = 0; c < K; c++) {
      let i: number;
      for (;;) {
        if ((j & 3) === 0) philox(n, traj, SONG_STREAM, j >>> 2, k0, k1, words);
        i = mulhi(words[j & 3]!, N);
        j++;
        if (last[i] !== n) break;
      }
      const li = last[i]!;
      if (li >= n) flags |= SONG_FLAG.nonPositiveInterval;
      ge += w[i]!;
      const ap = (li < 0 ? 0 : apre[i]! * Math.exp(-(n - li) * preRate)) + dApre;
      if (ap < 0) flags |= SONG_FLAG.negativePreTrace;
      apre[i] = ap;
      last[i] = n;
      const x = w[i]! + apost;
      w[i] = x < 0 ? 0 : x > gMax ? gMax : x;
      hooks?.onInput?.(n, i);
    }
    // post pathway
    if (spiked) {
      if (lastOut >= n) flags |= SONG_FLAG.nonPositiveInterval;
      lastOut = n;
      apost += dApost;
      for (let i = 0; i < N; i++) {
        const li = last[i]!;
        if (li < 0) continue;
        const x = w[i]! + apre[i]! * Math.exp(-(n - li) * preRate);
        w[i] = x < 0 ? 0 : x > gMax ? gMax : x;
      }
      windowCounts[windowBase + Math.floor(n / sp.stepsPerWindow)]++;
      hooks?.onOutput?.(n);
      // 4. reset
      v = Vr;
    }
    if (ge < 0) flags |= SONG_FLAG.negativeConductance;
    if (apost > 0) flags |= SONG_FLAG.positivePostTrace;
  }
  if (!Number.isFinite(v) || !Number.isFinite(ge) || !Number.isFinite(apost)) flags |= SONG_FLAG.nonFinite;
  st.v = v;
  st.ge = ge;
  st.apost = apost;
  st.flags = flags;
  st.lastOut = lastOut;
}

/** Histogram bin of a weight: ⌊10 w / g_max⌋, w = g_max in the last bin. */
export function songBin(w: number, gMax: number): number {
  const b = Math.floor((w * SONG_BINS) / gMax);
  return b < 0 ? 0 : b > SONG_BINS - 1 ? SONG_BINS - 1 : b;
}

/** Histogram and mean weight of one copy; flags non-finite and out-of-bounds weights. */
export function weightStats(st: SongState, gMax: number, hist: Uint32Array, off: number): number {
  let sum = 0;
  for (let i = 0; i < st.w.length; i++) {
    const x = st.w[i]!;
    if (!Number.isFinite(x)) st.flags |= SONG_FLAG.nonFinite;
    else if (x < 0 || x > gMax) st.flags |= SONG_FLAG.weightOutOfBounds;
    hist[off + songBin(x, gMax)]++;
    sum += x;
  }
  return sum / st.w.length;
}

export interface SongRunOptions extends CopyRunOptions {
  /** WebGPU only: the weight layout (results do not depend on it). */
  layout?: 'copy-major' | 'input-major';
  /** Test hooks: the first M input spikes (pairs step, input) and output spike steps of every copy (−1: none). */
  captureInputs?: number;
  captureOutputs?: number;
  /** Test hook: return the final weights, [copy][input] flattened. */
  captureFinalWeights?: boolean;
}

export interface SongResult {
  engine: EngineInfo;
  accumulator: SongAccumulator;
  /** Raw per-copy data of the run (for tests and per-copy reports). */
  copies: SongCopyData;
  inputs?: Int32Array;
  outputs?: Int32Array;
  finalWeights?: Float64Array | Float32Array;
  timing: { seconds: number; dispatches: number; copySeconds: number };
}

export function emptyCopyData(n: number, windows: number, checkpoints: number): SongCopyData {
  return {
    n,
    windowCounts: new Uint32Array(n * windows),
    hists: new Uint32Array(n * checkpoints * SONG_BINS),
    meanW: new Float64Array(n * checkpoints),
    flags: new Uint32Array(n),
  };
}

export function songAccumulatorFor(s: ResolvedSongScenario): SongAccumulator {
  return emptySongAccumulator(s.windows, s.rateWindow, s.checkpoints, s.checkpointTimes, s.inputs);
}

/** The float64 reference engine. */
export class SongCpuEngine {
  readonly info: EngineInfo = { name: 'cpu', runtime: runtimeName(), precision: 'f64' };

  async run(s: ResolvedSongScenario, o: SongRunOptions = {}): Promise<SongResult> {
    const t0 = performance.now();
    const [start, end] = o.trajectoryRange ?? [0, s.trajectories];
    const n = end - start, C = s.checkpoints.length, Wn = s.windows;
    const sp = songParams(s);
    const data = emptyCopyData(n, Wn, C);
    const words = new Uint32Array(4);
    const mi = o.captureInputs ?? 0, mo = o.captureOutputs ?? 0;
    const inputs = mi > 0 ? new Int32Array(n * mi * 2).fill(-1) : undefined;
    const outputs = mo > 0 ? new Int32Array(n * mo).fill(-1) : undefined;
    const finalWeights = o.captureFinalWeights ? new Float64Array(n * s.inputs) : undefined;
    const total = n * s.steps;
    const report = cpuProgress(o.onProgress, total, t0);
    let done = 0;
    for (let r = 0; r < n; r++) {
      checkAborted(o.signal);
      const t = start + r;
      const st = initialSongState(sp, t);
      let ci = 0, co = 0;
      const hooks: SongHooks | undefined = inputs || outputs ? {
        onInput: inputs ? (k, i) => { if (ci < mi) { inputs[(r * mi + ci) * 2] = k; inputs[(r * mi + ci) * 2 + 1] = i; ci++; } } : undefined,
        onOutput: outputs ? (k) => { if (co < mo) outputs[r * mo + co++] = k; } : undefined,
      } : undefined;
      let k = 0;
      for (let c = 0; c < C; c++) {
        const target = s.checkpoints[c]!;
        advanceSong(st, k, target, t, sp, words, data.windowCounts, r * Wn, hooks);
        done += target - k;
        k = target;
        data.meanW[r * C + c] = weightStats(st, sp.gMax, data.hists, (r * C + c) * SONG_BINS);
      }
      data.flags[r] = st.flags;
      if (finalWeights) finalWeights.set(st.w, r * s.inputs);
      await report(done, r === n - 1);
    }
    const acc = songAccumulatorFor(s);
    accumulateSong(acc, data);
    const seconds = (performance.now() - t0) / 1000;
    return {
      engine: { ...this.info },
      accumulator: acc,
      copies: data,
      inputs,
      outputs,
      finalWeights,
      timing: { seconds, dispatches: 0, copySeconds: n > 0 ? seconds / n : 0 },
    };
  }
}
