/**
 * Natural-gradient learning for a spiking neuron (Kreutzer, Senn & Petrovici 2022): the float64 reference engine.
 * shaders/natgrad.wgsl mirrors `natgradStep` and `checkpointStats` in f32.
 *
 * Each learner keeps dendritic weights w^d_i (somatic weight w_i = α_i w^d_i, α the attenuation; α = 1: somatic
 * parametrisation), the two PSP traces per input and, for its teacher, the somatic target weights w*. Step n:
 *   1. inputs: x_i = [u_i < r_i dt];  s_i ← e^{−dt/τ_s} s_i + x_i,  l_i ← e^{−dt/τ_m} l_i + x_i,
 *      x^ε_i = (l_i − s_i)/(τ_m − τ_s)   (the authors' discretised Eqn. 28, File05/File04 of Figure 3 and 4);
 *   2. V = Σ α_i w^d_i x^ε_i; teacher V* = Σ w*_i x^ε_i, spike y* = [u_T < φ_max dt σ(β(V* − θ))] (or the fixed
 *      rate: [u_T < r* dt]); the student's own output spike y = [u_Y < φ_max dt σ(β(V − θ))] is counted only;
 *   3. with σ = σ(β(V − θ)) and f = (y* − φ_max dt σ)(1 − σ) (the per-step [Y* − φ] φ'/φ with β absorbed into η,
 *      as in the authors' code):
 *        euclidean   Δw^d_i = η f α_i x^ε_i                                               (Eqn. 10, dendritic)
 *        natural     Δw^d_i = η γ_s f [x^ε_i/(α_i r_i ∫ε²) − γ_u/α_i + γ_w w^d_i]          (Eqn. 13 / 17)
 *                    γ_s, g1..g4 from the table at the Campbell mean and sd of V for the current somatic weights,
 *                    γ_u = −c_ε(c_ε g1 Σx^ε + g3 V), γ_w = c_ε g2 Σx^ε + g4 V               (Eqn. 107-109)
 *        approximate as natural with γ_u = 0.95 c_ε and γ_w = 0.05 V                            (Eqn. 114)
 *      (x^ε_i/r_i := 0 for an unstimulated input, r_i = 0, whose x^ε_i is always 0).
 * So the somatic change α_i Δw^d_i is independent of α_i under the natural rule (dendritic democracy) and scales
 * with α_i² under the Euclidean rule.
 *
 * Philox addressing (stream 10, used by no other model): step n of learner t reads counter (n, t, 10, j): input i is
 * word i & 3 of block j = i >> 2; block B = ⌈N/4⌉ holds the teacher's uniform (word 0) and the student's (word 1).
 * Initial weights w_i(0) = (a + (b − a)u)/N with u word i & 3 of (0xffffffff, t, 10, i >> 2); target weights w*_i
 * likewise from (0xfffffffe, t, 10, i >> 2). Test pattern p (shared by all learners) is the traces after `testWarmup`
 * steps k = 0.. of the same input process drawn from (k, p, 10, 0x40000000 + j). Every (rule, η) ensemble reuses the
 * same counters: the same inputs, initial weights and teachers (common random numbers).
 */
import type { ResolvedNatgradScenario, NatgradRule } from './scenario.ts';
import { philox4x32, u32ToUniform } from '../../rng/philox.ts';
import { philoxBlockWords } from '../../rng/philox-blocks.ts';
import { NATGRAD_FLAG, NATGRAD_NF, emptyEnsembleData, foldLearner, keptIn, type NatgradEnsembleData } from './stats.ts';
import { authorsTable, type AuthorsTable } from './authors-table.ts';
import { buildCoefficientTable, lookupCoefficients, sigma, type CoefficientGrid } from './coefficients.ts';
import { checkAborted, runtimeName, type EngineInfo } from '../../engines/types.ts';
import { cpuProgress, type CopyRunOptions } from '../../engines/copy-run.ts';

export const NATGRAD_STREAM = 10;
export const NATGRAD_INIT_STEP = 0xffffffff;
export const NATGRAD_TARGET_STEP = 0xfffffffe;
/** First Philox block of the test-pattern draws (learners use blocks 0..⌈N/4⌉). */
export const NATGRAD_STREAM_BLOCK_TEST = 0x40000000;
export const NATGRAD_RULE_CODE: Record<NatgradRule, number> = { euclidean: 0, natural: 1, approximate: 2 };

/** Constants of the step (the WebGPU engine passes the same numbers, rounded to f32). */
export interface NatgradParams {
  N: number;
  blocks: number;
  key: [number, number];
  pIn: Float64Array;
  rates: Float64Array;
  att: Float64Array;
  /** 1/(r_i ∫ε²), 0 for r_i = 0. */
  invRC: Float64Array;
  decayS: number;
  decayM: number;
  /** 1/(τ_m − τ_s) in 1/s. */
  kscale: number;
  phiDt: number;
  phiMax: number;
  beta: number;
  theta: number;
  teacherNeuron: boolean;
  teacherP: number;
  cEps: number;
  intEpsSq: number;
  grid: CoefficientGrid;
  table: Float64Array;
  /** The authors' lookup (coefficients "authors-table", authors-table.ts) instead of the bilinear table. */
  authors: AuthorsTable | null;
}

export function natgradParams(s: ResolvedNatgradScenario, table?: Float64Array): NatgradParams {
  const dtS = s.dt / 1000;
  const N = s.N;
  return {
    N, blocks: Math.ceil(N / 4), key: s.seedKey,
    // Probabilities rounded to f32 so that CPU and WGSL compare the same 24-bit uniforms against the same numbers.
    pIn: Float64Array.from(s.rates, (r) => Math.fround(r * dtS)),
    rates: Float64Array.from(s.rates),
    att: Float64Array.from(s.attenuation),
    invRC: Float64Array.from(s.rates, (r) => (r > 0 ? 1 / (r * s.intEpsSq) : 0)),
    decayS: Math.exp(-s.dt / s.tauS), decayM: Math.exp(-s.dt / s.tauM),
    kscale: 1000 / (s.tauM - s.tauS),
    phiDt: s.phiMax * dtS, phiMax: s.phiMax, beta: s.beta, theta: s.theta,
    teacherNeuron: s.teacher.kind === 'neuron',
    teacherP: s.teacher.kind === 'poisson' ? Math.fround(s.teacher.rate * dtS) : 0,
    cEps: 1 / s.intEpsSq, intEpsSq: s.intEpsSq,
    grid: natgradGrid(s),
    table: table ?? natgradTable(s),
    authors: null,
  };
}

/** The step constants of one ensemble: its coefficient lookup. */
export function ensembleParams(s: ResolvedNatgradScenario, sp: NatgradParams, e: number): NatgradParams {
  return s.ensembles[e]!.coefficients === 'authors-table'
    ? { ...sp, authors: authorsTable(s.q, { phiMax: s.phiMax, beta: s.beta, theta: s.theta }) } : sp;
}

export function natgradGrid(s: ResolvedNatgradScenario): CoefficientGrid {
  const t = s.table;
  return { vMin: t.vMin, vStep: t.vStep, nv: t.nv, sdMin: t.sdMin, sdStep: t.sdStep, ns: t.ns };
}

const tableCache = new Map<string, Float64Array>();
/** The γ table of the scenario (q, sigmoid and grid), cached per process. */
export function natgradTable(s: ResolvedNatgradScenario): Float64Array {
  const g = natgradGrid(s);
  const key = JSON.stringify([g, s.q, s.phiMax, s.beta, s.theta]);
  let t = tableCache.get(key);
  if (!t) {
    t = buildCoefficientTable(g, s.q, { phiMax: s.phiMax, beta: s.beta, theta: s.theta });
    tableCache.set(key, t);
  }
  return t;
}

/** Somatic initial and target weights of learner t. */
export function initialWeights(s: ResolvedNatgradScenario, t: number): { w0: Float64Array; wStar: Float64Array } {
  const N = s.N, w0 = new Float64Array(N), wStar = new Float64Array(N), words = new Uint32Array(4);
  const [k0, k1] = s.seedKey;
  const a = s.initialWeights.min, b = s.initialWeights.max;
  for (let i = 0; i < N; i++) {
    if ((i & 3) === 0) philox4x32(NATGRAD_INIT_STEP, t, NATGRAD_STREAM, i >>> 2, k0, k1, words);
    w0[i] = (a + (b - a) * u32ToUniform(words[i & 3]!)) / N;
  }
  if (s.teacher.kind === 'neuron') {
    const c = s.teacher.min, d = s.teacher.max;
    for (let i = 0; i < N; i++) {
      if ((i & 3) === 0) philox4x32(NATGRAD_TARGET_STEP, t, NATGRAD_STREAM, i >>> 2, k0, k1, words);
      wStar[i] = (c + (d - c) * u32ToUniform(words[i & 3]!)) / N;
    }
  }
  return { w0, wStar };
}

const patternCache = new WeakMap<ResolvedNatgradScenario, Float64Array>();
/** testPatterns of a scenario, computed once per scenario object (every batch of a run shares them). */
export function cachedTestPatterns(s: ResolvedNatgradScenario, sp: NatgradParams): Float64Array {
  let p = patternCache.get(s);
  if (!p) patternCache.set(s, (p = testPatterns(s, sp)));
  return p;
}

/** The shared test patterns x^ε_p (pattern-major, P × N): the traces after testWarmup steps from zero. */
export function testPatterns(s: ResolvedNatgradScenario, sp: NatgradParams = natgradParams(s)): Float64Array {
  const N = s.N, P = s.testPatterns, out = new Float64Array(P * N);
  const ls = new Float64Array(N), ss = new Float64Array(N);
  for (let p = 0; p < P; p++) {
    ls.fill(0); ss.fill(0);
    for (let k = 0; k < s.testWarmup; k++) {
      // blocks BLOCK_TEST + (i >>> 2), word i & 3 of each: word i of the step's blocks
      const words = philoxBlockWords(k, p, NATGRAD_STREAM, NATGRAD_STREAM_BLOCK_TEST, sp.key[0], sp.key[1], sp.blocks);
      for (let i = 0; i < N; i++) {
        const x = u32ToUniform(words[i]!) < sp.pIn[i]! ? 1 : 0;
        ss[i] = sp.decayS * ss[i]! + x;
        ls[i] = sp.decayM * ls[i]! + x;
      }
    }
    for (let i = 0; i < N; i++) out[p * N + i] = sp.kscale * (ls[i]! - ss[i]!);
  }
  return out;
}

export interface NatgradState {
  /** Dendritic weights. */
  wd: Float64Array;
  wStar: Float64Array;
  s: Float64Array;
  l: Float64Array;
  xe: Float64Array;
  /** Campbell mean and sd of V for the current weights (updated after every step). */
  m: number;
  sd: number;
  studentSpikes: number;
  teacherSpikes: number;
  flags: number;
}

export function initialNatgradState(s: ResolvedNatgradScenario, sp: NatgradParams, t: number): NatgradState {
  const { w0, wStar } = initialWeights(s, t);
  const wd = Float64Array.from(w0, (w, i) => w / sp.att[i]!);
  const st: NatgradState = {
    wd, wStar, s: new Float64Array(s.N), l: new Float64Array(s.N), xe: new Float64Array(s.N),
    m: 0, sd: 0, studentSpikes: 0, teacherSpikes: 0, flags: 0,
  };
  updateMoments(st, sp);
  return st;
}

function updateMoments(st: NatgradState, sp: NatgradParams): void {
  let m = 0, v = 0;
  for (let i = 0; i < sp.N; i++) {
    const w = sp.att[i]! * st.wd[i]!;
    m += w * sp.rates[i]!;
    v += w * w * sp.rates[i]!;
  }
  st.m = m;
  st.sd = Math.sqrt(sp.intEpsSq * v);
}

export interface NatgradHooks {
  onInput?: (n: number, i: number) => void;
  onTeacher?: (n: number) => void;
  onStudent?: (n: number) => void;
}

const coeff = new Float64Array(5);

/**
 * Advance one learner over steps [n0, n1). `rule`: 0 euclidean, 1 natural, 2 approximate. A step's Philox blocks
 * (n, t, NATGRAD_STREAM, 0 … blocks) are drawn together (philox-blocks.ts): input i reads word i (word i & 3 of block
 * i >>> 2, as the kernel reads it), the spikes words 0 and 1 of block `blocks`.
 */
export function advanceNatgrad(
  st: NatgradState, n0: number, n1: number, t: number, sp: NatgradParams, rule: number, eta: number, hooks?: NatgradHooks,
): void {
  const { N, pIn, att, invRC, decayS, decayM, kscale, phiDt, beta, theta, cEps, blocks } = sp;
  const k0 = sp.key[0], k1 = sp.key[1];
  const wd = st.wd, ws = st.wStar, ss = st.s, ls = st.l, xe = st.xe;
  const spike = 4 * blocks;
  // The imported functions as locals: read once per call, not once per use (a test runner's module transform makes
  // every use of an imported name a property read, which cost this loop more than half of its time there).
  const draw = philoxBlockWords, uniform = u32ToUniform, sig_ = sigma;
  for (let n = n0; n < n1; n++) {
    const words = draw(n, t, NATGRAD_STREAM, 0, k0, k1, blocks + 1);
    // 1. inputs and PSPs
    let V = 0, Vt = 0, Sx = 0;
    for (let i = 0; i < N; i++) {
      const x = uniform(words[i]!) < pIn[i]! ? 1 : 0;
      if (x && hooks?.onInput) hooks.onInput(n, i);
      ss[i] = decayS * ss[i]! + x;
      ls[i] = decayM * ls[i]! + x;
      const e = kscale * (ls[i]! - ss[i]!);
      xe[i] = e;
      V += att[i]! * wd[i]! * e;
      Vt += ws[i]! * e;
      Sx += e;
    }
    // 2. teacher and student spikes
    const pT = sp.teacherNeuron ? phiDt * sig_(beta * (Vt - theta)) : sp.teacherP;
    const yT = uniform(words[spike]!) < pT ? 1 : 0;
    const sig = sig_(beta * (V - theta));
    const yS = uniform(words[spike + 1]!) < phiDt * sig ? 1 : 0;
    if (yT) { st.teacherSpikes++; hooks?.onTeacher?.(n); }
    if (yS) { st.studentSpikes++; hooks?.onStudent?.(n); }
    // 3. plasticity
    const f = (yT - phiDt * sig) * (1 - sig);
    if (rule === 0) {
      const a = eta * f;
      for (let i = 0; i < N; i++) wd[i] = wd[i]! + a * att[i]! * xe[i]!;
    } else {
      const clamped = sp.authors ? sp.authors.lookup(st.m, st.sd, coeff) : lookupCoefficients(sp.table, sp.grid, st.m, st.sd, coeff);
      if (clamped) st.flags |= NATGRAD_FLAG.tableClamped;
      let gu: number, gw: number;
      if (rule === 1) {
        gu = -cEps * (cEps * coeff[1]! * Sx + coeff[3]! * V);
        gw = cEps * coeff[2]! * Sx + coeff[4]! * V;
      } else {
        gu = 0.95 * cEps;
        gw = 0.05 * V;
      }
      const a = eta * coeff[0]! * f;
      for (let i = 0; i < N; i++) {
        wd[i] = wd[i]! + a * ((xe[i]! * invRC[i]! - gu) / att[i]! + gw * wd[i]!);
      }
    }
    updateMoments(st, sp);
    if (!Number.isFinite(V) || !Number.isFinite(st.m)) st.flags |= NATGRAD_FLAG.nonFinite;
  }
}

/**
 * The per-learner checkpoint summary (NATGRAD_FIELDS order) into out[off..off+7); `span`: seconds since the
 * previous checkpoint (0 at the start). Resets the spike counters.
 */
export function checkpointStats(
  st: NatgradState, sp: NatgradParams, patterns: ArrayLike<number>, P: number, span: number,
  out: Float64Array, off: number,
): void {
  const N = sp.N;
  let kl = 0, se = 0, dist = 0, ms = 0, mu = 0, ns = 0, nu = 0;
  for (let p = 0; p < P; p++) {
    let V = 0, Vt = 0;
    for (let i = 0; i < N; i++) {
      const x = patterns[p * N + i]!;
      V += sp.att[i]! * st.wd[i]! * x;
      Vt += st.wStar[i]! * x;
    }
    const s = sigma(sp.beta * (V - sp.theta));
    const sT = sp.teacherNeuron ? sigma(sp.beta * (Vt - sp.theta)) : sp.teacherP / sp.phiDt;
    const q = sp.phiDt * s, qT = sp.phiDt * sT;
    kl += qT * Math.log(qT / q) + (1 - qT) * Math.log((1 - qT) / (1 - q));
    se += (s - sT) * (s - sT);
  }
  for (let i = 0; i < N; i++) {
    const w = sp.att[i]! * st.wd[i]!;
    if (sp.teacherNeuron) dist += (w - st.wStar[i]!) ** 2;
    if (sp.rates[i]! > 0) { ms += w; ns++; } else { mu += w; nu++; }
  }
  out[off] = kl / P;
  out[off + 1] = sp.phiMax * Math.sqrt(se / P);
  out[off + 2] = sp.teacherNeuron ? Math.sqrt(dist) : NaN;
  out[off + 3] = ns ? ms / ns : NaN;
  out[off + 4] = nu ? mu / nu : NaN;
  out[off + 5] = span > 0 ? st.studentSpikes / span : NaN;
  out[off + 6] = span > 0 ? st.teacherSpikes / span : NaN;
  st.studentSpikes = 0;
  st.teacherSpikes = 0;
}

/** The engines' options; trajectoryRange is learners [start, end) of every ensemble. */
export interface NatgradRunOptions extends CopyRunOptions {
  /** Run these ensembles only (indices into scenario.ensembles; default all). */
  ensembles?: number[];
  /** Test hooks: the first M input spikes (step, input) and teacher / student spike steps per learner (−1: none). */
  captureInputs?: number;
  captureSpikes?: number;
  /** Test hook: the final somatic weights, [ensemble][learner][input]. */
  captureFinalWeights?: boolean;
}

export interface NatgradResult {
  engine: EngineInfo;
  ensembles: NatgradEnsembleData[];
  /** Captures of the first ensemble: inputs [t][j]{step, input}, teacher [t][j], student [t][j]. */
  inputs?: Int32Array;
  teacher?: Int32Array;
  student?: Int32Array;
  finalWeights?: (Float64Array | Float32Array)[];
  timing: { seconds: number; dispatches: number; learnerSteps: number; learnerStepsPerSecond: number };
}

/** The float64 reference engine. */
export class NatgradCpuEngine {
  readonly info: EngineInfo = { name: 'cpu', runtime: runtimeName(), precision: 'f64' };

  async run(s: ResolvedNatgradScenario, o: NatgradRunOptions = {}): Promise<NatgradResult> {
    const t0 = performance.now();
    const [start, end] = o.trajectoryRange ?? [0, s.trajectories];
    const n = end - start, C = s.checkpoints.length;
    const sp = natgradParams(s);
    const patterns = cachedTestPatterns(s, sp);
    const which = o.ensembles ?? s.ensembles.map((_, e) => e);
    const mi = o.captureInputs ?? 0, ms = o.captureSpikes ?? 0;
    const inputs = mi > 0 ? new Int32Array(n * mi * 2).fill(-1) : undefined;
    const teacher = ms > 0 ? new Int32Array(n * ms).fill(-1) : undefined;
    const student = ms > 0 ? new Int32Array(n * ms).fill(-1) : undefined;
    const finalWeights: Float64Array[] = [];
    const ensembles: NatgradEnsembleData[] = [];
    const total = n * s.steps * which.length;
    const report = cpuProgress(o.onProgress, total, t0);
    let done = 0;
    const kept = keptIn([start, end], s.exactLearners);
    const rec = new Float64Array(C * NATGRAD_NF);
    for (const [ei, e] of which.entries()) {
      const spec = s.ensembles[e]!;
      const rule = NATGRAD_RULE_CODE[spec.rule];
      const spe = ensembleParams(s, sp, e);
      // folded learner by learner: memory bounded by the kept learners, not by n (stats.ts)
      const data = emptyEnsembleData(spec, C, kept);
      const fw = o.captureFinalWeights ? new Float64Array(n * s.N) : undefined;
      for (let r = 0; r < n; r++) {
        checkAborted(o.signal);
        const t = start + r;
        const st = initialNatgradState(s, spe, t);
        let ci = 0, ct = 0, cs = 0;
        const hooks: NatgradHooks | undefined = ei === 0 && (inputs || teacher) ? {
          onInput: inputs ? (k, i) => { if (ci < mi) { inputs[(r * mi + ci) * 2] = k; inputs[(r * mi + ci) * 2 + 1] = i; ci++; } } : undefined,
          onTeacher: teacher ? (k) => { if (ct < ms) teacher[r * ms + ct++] = k; } : undefined,
          onStudent: student ? (k) => { if (cs < ms) student[r * ms + cs++] = k; } : undefined,
        } : undefined;
        let k = 0;
        for (let c = 0; c < C; c++) {
          const target = s.checkpoints[c]!;
          advanceNatgrad(st, k, target, t, spe, rule, spec.eta, hooks);
          done += target - k;
          checkpointStats(st, spe, patterns, s.testPatterns, ((target - k) * s.dt) / 1000, rec, c * NATGRAD_NF);
          k = target;
        }
        foldLearner(data, rec, 0, C, st.flags, r < kept, s.klThreshold);
        if (fw) for (let i = 0; i < s.N; i++) fw[r * s.N + i] = sp.att[i]! * st.wd[i]!;
        await report(done, r === n - 1);
      }
      ensembles.push(data);
      if (fw) finalWeights.push(fw);
    }
    const seconds = (performance.now() - t0) / 1000;
    return {
      engine: { ...this.info }, ensembles, inputs, teacher, student,
      finalWeights: o.captureFinalWeights ? finalWeights : undefined,
      timing: { seconds, dispatches: 0, learnerSteps: total, learnerStepsPerSecond: seconds > 0 ? total / seconds : 0 },
    };
  }
}
