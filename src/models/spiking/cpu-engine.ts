/**
 * Model A of issue 5: the spiking network of Section 2.3 of arXiv 2505.10272, event-driven and exact (no time grid).
 * The float64 reference step (`advanceSpiking`) and the CPU engine; shaders/spiking.wgsl mirrors `advanceSpiking` and
 * `outputSpike` line by line in f32, on the same state layout (one row of NQ numbers per trajectory, below).
 *
 * Model. Inputs j = 1..d fire as independent Poisson processes with rates λ_j: the superposition has rate Λ = Σλ,
 * so the next input event comes after Exp(Λ) and its source is j with probability λ_j/Λ (Walker/Vose alias table,
 * O(1) per event). The membrane potential Y jumps by w_j at a spike of j and decays as e^{−t} between events; when
 * Y ≥ S the output spikes and Y ← 0, so only input spikes after the last output spike t_k count.
 *
 * STDP, trace form. Per input i, over the current inter-spike interval (t_k, t]:
 *   potentiation trace P_i = Σ_{τ ∈ T_i ∩ (t_k, t]} e^{−(t − τ)}   (read at the output spike t_{k+1}),
 *   depression accumulator D_i = Σ_{τ ∈ T_i ∩ (t_k, t]} e^{−(τ − t_k)}.
 * P_i is stored against a reference time ρ (relative to t_k) as P̃_i = Σ e^{(τ − t_k) − ρ}, so an input event costs O(1)
 * (P̃_j += e^{u − ρ}, D_j += e^{−u}, u = t − t_k) and P_i = P̃_i e^{ρ − u}; when u − ρ exceeds RHO_SPAN the traces are
 * rescaled to ρ = u (O(d), at most once per RHO_SPAN time units), so nothing overflows in f32.
 * At the output spike t_{k+1} (delayed rule, the paper's): for every i, with Δ_i = P_i − D_i,
 *   multiplicative: w_i ← max(w_i (1 + α Δ_i), 0)   (the chain w ⊙ (1 + α(B + Z)); the clip acts only if αD_i > 1),
 *   additive:       w_i ← max(w_i + α Δ_i, 0),
 * then P̃ = D = 0. The triggering spike contributes 1 − e^{−(t_{k+1} − t_k)} to its own input.
 * Online rule: at each input spike of j, after its jump into Y, w_j ← max(w_j (1 − α e^{−u}), 0) (multiplicative) or
 * max(w_j − α e^{−u}, 0) (additive); at each output spike w_i ← w_i (1 + α P_i) or w_i + α P_i for every i.
 *
 * State representation. w = e^ℓ · v with Σv = 1 after every output spike (ℓ = log Σw; for normalise "sum", ℓ is
 * held at log Σw(0), which is exactly the normalisation). Y, the threshold S_v = S e^{−ℓ} and the additive amplitudes
 * (α e^{−ℓ}) are in v units. Why: input events must read w_j linearly (a jump of Y) at O(1) cost, so log-weights would
 * cost an exp per event; a bare linear w would overflow f32 after ~88/α output spikes of the multiplicative rule
 * without normalisation; the split keeps v in [0, 1] and the scale in one log, and p = λ⊙v/λᵀv needs no ℓ at all.
 *
 * Philox addressing (stream SPIKING_STREAM = 8: the chain uses 0–2, several outputs 0..m−1 ≤ 7, particles their own
 * lineage numbers under the chain model): input event e (0-based, counted over the whole trajectory) of trajectory
 * t reads Philox4x32-10(counter = (e, t, 8, 0), key = seedKey):
 *   word 0 → u = u32ToUniform(word 0) ∈ (0, 1), Δt = −ln(u)/Λ;
 *   word 1 → alias column c = mulhi32(word 1, d) = ⌊word1 · d / 2³²⌋ (integer: the same c in f32 and f64);
 *   word 2 → accept c if word 2 < thr[c] (thr = ⌊prob_c · 2³²⌋ as a u32), else alias[c];
 *   word 3 unused.
 * The source decision is integer-only, so both engines draw identical sources; times differ by f32 rounding.
 *
 * Statistics per checkpoint (src/models/spiking/stats.ts): the trajectory keeps window sums in its state row (output
 * spikes, triggers per input, Σ p_j(k−1), Σ p_j(k−1)², ISI and increment power sums, smallest ISI) that the host
 * collects and clears at each checkpoint; the ISI and increment histograms go straight into the accumulator (CPU) or
 * device atomics (WebGPU).
 */
import type { ResolvedSpikingScenario } from './scenario.ts';
import { mulhi32, philox4x32, u32ToUniform } from '../../rng/philox.ts';
import { accumulateTrajectory } from '../../stats/checkpoint-stats.ts';
import {
  accumulateReached, emptySpikingAccumulator, incBin, isiBin, type SpikingCheckpointAccumulator,
} from './stats.ts';
import { reduceState } from '../../stats/reduce-log-state.ts';
import { checkAborted, runtimeName, type EngineInfo } from '../../engines/types.ts';
import { cpuProgress, type CopyRunOptions } from '../../engines/copy-run.ts';

export const SPIKING_STREAM = 8;
/** Largest u − ρ before the potentiation traces are rescaled (e^16 ≈ 8.9e6: far from f32 overflow). */
export const RHO_SPAN = 16;
/** log-state of an input with v_i = 0 (p_i = 0 to every precision that matters; keeps L finite). */
export const ZERO_WEIGHT_LOG = -1e4;

// State row (NQ numbers per trajectory). Scalars:
export const F_Y = 0; // membrane potential (v units)
export const F_U = 1; // time since the last output spike
export const F_RHO = 2; // reference time of the potentiation traces
export const F_ELL = 3; // ℓ = log Σw
export const F_T = 4; // time of the last output spike (Kahan-summed ISIs)
export const F_TC = 5; // Kahan compensation of F_T
export const F_EV = 6; // input events so far (u32 on the GPU)
export const F_K = 7; // output spikes so far (u32)
export const F_FLAGS = 8; // u32 flags below
export const F_WN = 9; // window: output spikes
export const F_WISI = 10; // window: Σ ISI
export const F_WISI2 = 11; // window: Σ ISI²
export const F_WINCN = 12; // window: non-triggering increments
export const F_WINC = 13; // window: Σ increment
export const F_WINC2 = 14; // window: Σ increment²
export const F_SV = 15; // threshold in v units, S e^{−ℓ}
export const F_WMIN = 16; // window: smallest ISI (+∞ / f32 max when none)
export const NS = 17;
/** Arrays (offsets in units of d): v, P̃, D, p(k), triggers, Σp, Σp². */
export const A_V = 0, A_PT = 1, A_D = 2, A_PK = 3, A_TRIG = 4, A_PS = 5, A_PS2 = 6;
export const NA = 7;
export const rowLength = (d: number) => NS + NA * d;

export const FLAG_CAPPED = 1;
export const FLAG_DEAD = 2;
export const FLAG_NONFINITE = 4;
export const FLAG_NEG_INTERVAL = 8;
export const FLAG_NEG_TRACE = 16;
/** Flags that stop a trajectory. */
export const STOP_MASK = FLAG_CAPPED | FLAG_DEAD | FLAG_NONFINITE;
export const BIG = 3.4e38;

export interface SpikingParams {
  d: number;
  rates: Float64Array;
  lambda: number;
  invLambda: number;
  /** Alias table: column c is accepted if word 2 < thr[c], else alias[c]. */
  thr: Uint32Array;
  alias: Uint32Array;
  /** v(0) = w(0)/Σw(0), ℓ(0) = log Σw(0). */
  v0: Float64Array;
  ell0: number;
  threshold: number;
  alpha: number;
  multiplicative: boolean;
  online: boolean;
  normaliseSum: boolean;
  maxEvents: number;
  key: [number, number];
  iStar: number;
}

/** Vose's alias method for probabilities λ_j/Λ; thresholds as u32 (integer decisions, identical in f32 and f64). */
export function aliasTable(rates: ArrayLike<number>): { thr: Uint32Array; alias: Uint32Array; prob: Float64Array } {
  const d = rates.length;
  let L = 0;
  for (let i = 0; i < d; i++) L += rates[i]!;
  const prob = new Float64Array(d), alias = new Uint32Array(d);
  const scaled = Float64Array.from({ length: d }, (_, i) => (rates[i]! * d) / L);
  const small: number[] = [], large: number[] = [];
  for (let i = 0; i < d; i++) (scaled[i]! < 1 ? small : large).push(i);
  while (small.length && large.length) {
    const s = small.pop()!, l = large.pop()!;
    prob[s] = scaled[s]!;
    alias[s] = l;
    scaled[l] = scaled[l]! + scaled[s]! - 1;
    (scaled[l]! < 1 ? small : large).push(l);
  }
  for (const i of [...small, ...large]) { prob[i] = 1; alias[i] = i; }
  const thr = Uint32Array.from(prob, (p) => (p >= 1 ? 0xffffffff : Math.floor(p * 4294967296)));
  return { thr, alias, prob };
}

export function spikingParams(s: ResolvedSpikingScenario): SpikingParams {
  const d = s.d;
  const rates = Float64Array.from(s.rates);
  const lambda = rates.reduce((a, b) => a + b, 0);
  const { thr, alias } = aliasTable(rates);
  const W = s.initialWeights.reduce((a, b) => a + b, 0);
  return {
    d, rates, lambda, invLambda: 1 / lambda, thr, alias,
    v0: Float64Array.from(s.initialWeights, (w) => w / W),
    ell0: Math.log(W),
    threshold: s.threshold,
    alpha: s.alpha,
    multiplicative: s.rule === 'multiplicative',
    online: s.timing === 'online',
    normaliseSum: s.normalise === 'sum',
    maxEvents: s.maxEvents,
    key: s.seedKey,
    iStar: s.iStar,
  };
}

/** A fresh state row at k = 0. */
export function initialRow(sp: SpikingParams, row: Float64Array = new Float64Array(rowLength(sp.d))): Float64Array {
  const d = sp.d;
  row.fill(0);
  row[F_ELL] = sp.ell0;
  row[F_SV] = sp.threshold * Math.exp(-sp.ell0);
  row[F_WMIN] = BIG;
  let lw = 0;
  for (let i = 0; i < d; i++) { row[NS + A_V * d + i] = sp.v0[i]!; lw += sp.rates[i]! * sp.v0[i]!; }
  for (let i = 0; i < d; i++) row[NS + A_PK * d + i] = (sp.rates[i]! * sp.v0[i]!) / lw;
  return row;
}

/** Where the histograms of output spikes go (the checkpoint window's accumulator on the CPU). */
export interface SpikeSink {
  isiHist: number[];
  incHist: number[];
}

/** Test hook: sees every input event (e: index, j: source, dt, y: Y after the jump, fired: output spike). */
export type EventHook = (e: number, j: number, dt: number, y: number, fired: boolean) => void;

/** The output spike at the current time, triggered by input j (see the file comment). */
export function outputSpike(row: Float64Array, j: number, sp: SpikingParams, sink?: SpikeSink): void {
  const d = sp.d, a = sp.alpha;
  const V = NS + A_V * d, PT = NS + A_PT * d, DD = NS + A_D * d, PK = NS + A_PK * d;
  const PS = NS + A_PS * d, PS2 = NS + A_PS2 * d;
  const u = row[F_U]!, f = Math.exp(row[F_RHO]! - u);
  const addScale = a * Math.exp(-row[F_ELL]!);
  let flags = row[F_FLAGS]!;
  let sum = 0;
  for (let i = 0; i < d; i++) {
    const pt = row[PT + i]!, di = row[DD + i]!;
    if (pt < 0 || di < 0) flags |= FLAG_NEG_TRACE;
    const Pi = pt * f, inc = Pi - di;
    const pk = row[PK + i]!;
    row[PS + i] = row[PS + i]! + pk;
    row[PS2 + i] = row[PS2 + i]! + pk * pk;
    if (i !== j) {
      if (sink) sink.incHist[incBin(inc, pt > 0)] += 1;
      row[F_WINCN] = row[F_WINCN]! + 1;
      row[F_WINC] = row[F_WINC]! + inc;
      row[F_WINC2] = row[F_WINC2]! + inc * inc;
    }
    const g = sp.online ? Pi : inc;
    let v = row[V + i]!;
    v = sp.multiplicative ? v * (1 + a * g) : v + addScale * g;
    v = v > 0 ? v : 0;
    row[V + i] = v;
    sum += v;
    row[PT + i] = 0;
    row[DD + i] = 0;
  }
  const TRIG = NS + A_TRIG * d;
  row[TRIG + j] = row[TRIG + j]! + 1;
  if (sum > 0 && sum < Infinity) {
    const inv = 1 / sum;
    let lw = 0;
    for (let i = 0; i < d; i++) {
      const v = row[V + i]! * inv;
      row[V + i] = v;
      lw += sp.rates[i]! * v;
    }
    const il = 1 / lw;
    for (let i = 0; i < d; i++) row[PK + i] = sp.rates[i]! * row[V + i]! * il;
    const ell = sp.normaliseSum ? sp.ell0 : row[F_ELL]! + Math.log(sum);
    row[F_ELL] = ell;
    row[F_SV] = sp.threshold * Math.exp(-ell);
  } else flags |= sum > 0 || sum !== sum ? FLAG_NONFINITE : FLAG_DEAD;
  // t_{k+1} = t_k + u, Kahan-summed (the GPU keeps it in f32).
  const yk = u - row[F_TC]!, t = row[F_T]! + yk;
  row[F_TC] = t - row[F_T]! - yk;
  row[F_T] = t;
  row[F_WN] = row[F_WN]! + 1;
  row[F_WISI] = row[F_WISI]! + u;
  row[F_WISI2] = row[F_WISI2]! + u * u;
  if (u < row[F_WMIN]!) row[F_WMIN] = u;
  if (sink) sink.isiHist[isiBin(u)] += 1;
  if (!(u > 0)) flags |= FLAG_NEG_INTERVAL;
  row[F_FLAGS] = flags;
  row[F_K] = row[F_K]! + 1;
  row[F_Y] = 0;
  row[F_U] = 0;
  row[F_RHO] = 0;
}

/**
 * Advance one trajectory (row in place) by at most `budget` input events, stopping at output spike kTarget, at the
 * event cap or when all weights are 0. Returns the number of events processed.
 */
export function advanceSpiking(
  row: Float64Array, kTarget: number, budget: number, traj: number, sp: SpikingParams, w: Uint32Array,
  sink?: SpikeSink, onEvent?: EventHook,
): number {
  const d = sp.d;
  const V = NS + A_V * d, PT = NS + A_PT * d, DD = NS + A_D * d;
  const k0 = sp.key[0], k1 = sp.key[1], a = sp.alpha;
  let it = 0;
  while (it < budget) {
    if (row[F_K]! >= kTarget || (row[F_FLAGS]! & STOP_MASK) !== 0) break;
    const ev = row[F_EV]!;
    if (ev >= sp.maxEvents) { row[F_FLAGS] = row[F_FLAGS]! | FLAG_CAPPED; break; }
    it++;
    philox4x32(ev, traj, SPIKING_STREAM, 0, k0, k1, w);
    const dt = -Math.log(u32ToUniform(w[0]!)) * sp.invLambda;
    const c = mulhi32(w[1]!, d);
    const j = w[2]! < sp.thr[c]! ? c : sp.alias[c]!;
    if (!(dt >= 0)) row[F_FLAGS] = row[F_FLAGS]! | FLAG_NEG_INTERVAL;
    const u = row[F_U]! + dt;
    const y = row[F_Y]! * Math.exp(-dt) + row[V + j]!;
    let rho = row[F_RHO]!;
    if (u - rho > RHO_SPAN) {
      const f = Math.exp(rho - u);
      for (let i = 0; i < d; i++) row[PT + i] = row[PT + i]! * f;
      rho = u;
    }
    row[PT + j] = row[PT + j]! + Math.exp(u - rho);
    const eu = Math.exp(-u);
    row[DD + j] = row[DD + j]! + eu;
    if (sp.online) {
      const v = sp.multiplicative ? row[V + j]! * (1 - a * eu) : row[V + j]! - a * Math.exp(-row[F_ELL]!) * eu;
      row[V + j] = v > 0 ? v : 0;
    }
    row[F_EV] = ev + 1;
    row[F_U] = u;
    row[F_RHO] = rho;
    row[F_Y] = y;
    const fired = y >= row[F_SV]!;
    onEvent?.(ev, j, dt, y, fired);
    if (fired) outputSpike(row, j, sp, sink);
  }
  return it;
}

/** log(λ_i v_i) − max: the chain's log-state of a row (for reduceState). */
export function rowLogState(row: ArrayLike<number>, sp: SpikingParams, x: Float64Array): void {
  const d = sp.d, V = NS + A_V * d;
  let m = -Infinity;
  for (let i = 0; i < d; i++) {
    const v = row[V + i]!;
    x[i] = v > 0 ? Math.log(sp.rates[i]!) + Math.log(v) : ZERO_WEIGHT_LOG;
    if (x[i]! > m) m = x[i]!;
  }
  for (let i = 0; i < d; i++) x[i] = x[i]! - m;
}

export interface CollectScratch { x: Float64Array; p: Float64Array }

/**
 * Host side of a checkpoint, shared by both engines: add a trajectory's window sums and (if it reached the
 * checkpoint) its p statistics, time and events to `acc`. Returns p when reached (in scratch.p), else null.
 */
export function collectRow(
  acc: SpikingCheckpointAccumulator, row: ArrayLike<number>, sp: SpikingParams, sc: CollectScratch,
): Float64Array | null {
  const d = sp.d;
  acc.spikes += row[F_WN]!;
  acc.isi.n += row[F_WN]!;
  acc.isi.s1 += row[F_WISI]!;
  acc.isi.s2 += row[F_WISI2]!;
  if (row[F_WN]! > 0 && row[F_WMIN]! < acc.minIsi) acc.minIsi = row[F_WMIN]!;
  acc.inc.n += row[F_WINCN]!;
  acc.inc.s1 += row[F_WINC]!;
  acc.inc.s2 += row[F_WINC2]!;
  for (let i = 0; i < d; i++) {
    acc.triggers[i] += row[NS + A_TRIG * d + i]!;
    acc.predSum[i] += row[NS + A_PS * d + i]!;
    acc.predSq[i] += row[NS + A_PS2 * d + i]!;
  }
  if (row[F_K]! !== acc.step) {
    acc.stopped += 1;
    return null;
  }
  rowLogState(row, sp, sc.x);
  const r = reduceState(sc.x, d, sp.iStar, sc.p);
  accumulateTrajectory(acc.chain, sp.iStar, r.L, r.G, r.argmax, sc.p);
  accumulateReached(acc, row[F_T]!, row[F_EV]!);
  return sc.p;
}

/** Clear a row's window sums (after its checkpoint was collected). */
export function clearWindow(row: Float64Array, d: number): void {
  for (const f of [F_WN, F_WISI, F_WISI2, F_WINCN, F_WINC, F_WINC2]) row[f] = 0;
  row[F_WMIN] = BIG;
  row.fill(0, NS + A_TRIG * d, NS + NA * d);
}

/** The engines' options, with input events per dispatch in place of steps. */
export interface SpikingRunOptions extends Omit<CopyRunOptions, 'stepsPerDispatch'> {
  /** WebGPU: input events per thread per dispatch, state layout (results do not depend on them). */
  eventsPerDispatch?: number;
  layout?: 'coordinate' | 'trajectory';
  /** Test hook: record the first n input events of every trajectory. */
  captureEvents?: number;
  /** Test hook: return every trajectory's final state row (NQ numbers per trajectory, trajectory-major). */
  captureFinalState?: boolean;
}

/** The first n events of each trajectory: [t·n + e]; source −1 where the trajectory had stopped. */
export interface CapturedEvents {
  n: number;
  source: Int32Array;
  fired: Uint8Array;
  dt: Float64Array;
  y: Float64Array;
}

export interface SpikingEnsembleResult {
  engine: EngineInfo;
  /** One accumulator per resolved checkpoint, in order. */
  checkpoints: SpikingCheckpointAccumulator[];
  /** p at every checkpoint for the first keepPaths trajectories: paths[m][c][i] (empty where it stopped). */
  paths?: number[][][];
  events?: CapturedEvents;
  finalState?: Float64Array;
  /** Trajectories by flag bit (capped, dead, non-finite, negative interval, negative trace) at the end. */
  flagCounts: { capped: number; dead: number; nonFinite: number; negativeInterval: number; negativeTrace: number };
  timing: { seconds: number; dispatches: number; events: number };
}

export function emptyFlagCounts(): SpikingEnsembleResult['flagCounts'] {
  return { capped: 0, dead: 0, nonFinite: 0, negativeInterval: 0, negativeTrace: 0 };
}

export function countFlags(fc: SpikingEnsembleResult['flagCounts'], flags: number): void {
  if (flags & FLAG_CAPPED) fc.capped++;
  if (flags & FLAG_DEAD) fc.dead++;
  if (flags & FLAG_NONFINITE) fc.nonFinite++;
  if (flags & FLAG_NEG_INTERVAL) fc.negativeInterval++;
  if (flags & FLAG_NEG_TRACE) fc.negativeTrace++;
}

export function emptyCapture(N: number, n: number): CapturedEvents {
  return { n, source: new Int32Array(N * n).fill(-1), fired: new Uint8Array(N * n), dt: new Float64Array(N * n), y: new Float64Array(N * n) };
}

/** The float64 reference engine (one trajectory at a time, no chunking needed). */
export class SpikingCpuEngine {
  readonly info: EngineInfo = { name: 'cpu', runtime: runtimeName(), precision: 'f64' };

  async run(s: ResolvedSpikingScenario, o: SpikingRunOptions = {}): Promise<SpikingEnsembleResult> {
    const t0 = performance.now();
    const [start, end] = o.trajectoryRange ?? [0, s.trajectories];
    const sp = spikingParams(s);
    const d = sp.d, NQ = rowLength(d);
    const acc = s.checkpoints.map((k) => emptySpikingAccumulator(k, d));
    const nPaths = Math.max(0, Math.min(s.keepPaths, end) - start);
    const paths = nPaths > 0 ? Array.from({ length: nPaths }, () => [] as number[][]) : undefined;
    const nc = o.captureEvents ?? 0;
    const events = nc > 0 ? emptyCapture(end - start, nc) : undefined;
    const finalState = o.captureFinalState ? new Float64Array(NQ * (end - start)) : undefined;
    const flagCounts = emptyFlagCounts();
    const row = new Float64Array(NQ), w = new Uint32Array(4);
    const sc: CollectScratch = { x: new Float64Array(d), p: new Float64Array(d) };
    const total = (end - start) * s.steps;
    const report = cpuProgress(o.onProgress, total, t0);
    let done = 0, nEvents = 0;
    for (let t = start; t < end; t++) {
      checkAborted(o.signal);
      const rel = t - start;
      initialRow(sp, row);
      const hook: EventHook | undefined = events
        ? (e, j, dt, y, fired) => {
          if (e < nc) {
            const q = rel * nc + e;
            events.source[q] = j; events.fired[q] = fired ? 1 : 0; events.dt[q] = dt; events.y[q] = y;
          }
        }
        : undefined;
      for (let c = 0; c < s.checkpoints.length; c++) {
        const target = s.checkpoints[c]!;
        if (target > 0) nEvents += advanceSpiking(row, target, Infinity, t, sp, w, acc[c], hook);
        const p = collectRow(acc[c]!, row, sp, sc);
        clearWindow(row, d);
        if (paths && rel < nPaths) paths[rel]!.push(p ? Array.from(p) : []);
      }
      done += s.steps;
      countFlags(flagCounts, row[F_FLAGS]!);
      if (finalState) finalState.set(row, rel * NQ);
      await report(done, t === end - 1);
    }
    return {
      engine: { ...this.info },
      checkpoints: acc,
      paths,
      events,
      finalState,
      flagCounts,
      timing: { seconds: (performance.now() - t0) / 1000, dispatches: 0, events: nEvents },
    };
  }
}
