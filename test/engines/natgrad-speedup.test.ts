/**
 * The natural rule's speed-up (issue 9, the third check), measured the way Kreutzer, Senn & Petrovici (eLife 2022)
 * define it, at a size that runs here, plus the mechanism behind it.
 *
 * The paper (Figure 3F and Methods, "Supervised learning task"): N = 100 inputs, half at 10 Hz and half at 50 Hz,
 * w(0) and w* uniform on [−1, 1]/N, a teacher neuron with weights w*; learning curves averaged over 1000 learners;
 * "learning rates were optimized as η_n = 6·10⁻⁴ [natural] and η_e = 4.5·10⁻⁷ [Euclidean], providing the fastest
 * possible convergence to a residual root mean squared error in output rates of 0.8 Hz" — i.e. η tuned separately per
 * rule for the shortest time for the ensemble-mean rate error to fall to a fixed level (which fixes the noise floor
 * each rule may keep: a larger η converges faster but settles on a higher floor). Figure 9D then varies η over
 * 0.5–2 η₀ and reports the first time the mean KL falls below 5·10⁻⁵ (authors' Figure9/File01_time2converge.py).
 *
 * Test 1 does exactly that on N = 20 inputs (10 × 10 Hz, 10 × 50 Hz): per rule a geometric η grid (factor 2), the
 * ensemble-mean rate error φ_max·sqrt(mean_p (σ − σ*)²) (the authors' "error") every 10 s, η chosen per rule as the one
 * whose mean curve first reaches the threshold (computed, not set by hand), and the speed-up
 *   S = T_euclidean(η_e*) ÷ T_natural(η_n*).
 * Its 95 % interval is a paired bootstrap over learners (learner t has the same inputs, w(0), w* and teacher uniforms
 * in every ensemble — common random numbers), redoing the η choice in every resample so that the selection is part of
 * the interval. The test requires the interval to lie above 1 and the chosen η to be inside its grid (else the tuning
 * would be inconclusive); a grid whose best η sits on an edge grows by a factor 2 beyond it (at most three times) and
 * is run again, so the check does not hang on where the starting grid happened to be (at this seed no grid grows). A natural rule without the presynaptic 1/r_i scaling, or with γ_u and γ_w exchanged, loses
 * the speed-up (test 2 shows the first directly); a Euclidean rule with a wrong sign or gain never reaches the threshold.
 * Cost: the learners' stepping (advanceNatgrad, about 0.5 µs a step here) is nearly all of it; the checkpoint
 * statistics on the 50 test patterns are under 1 %. Each rule's ensembles therefore stop stepping once every first
 * time those statistics read is known: the numbers are exactly those of running all to T, at about 70 % of the cost
 * (the natural ensembles stop near 110 s of 240 s at this seed; the Euclidean ones reach the threshold near T).
 *
 * Test 2 (the mechanism): the mean squared weight error of each input group, D_g(t) = mean_{i∈g} (w_i − w*_i)², decays
 * at rate k_g = ln(D_g(0)/D_g(t₁))/t₁. Under the Euclidean rule the drift of w_i is ∝ the input's PSP variance
 * r_i ∫ε² (Campbell), so the 50 Hz group converges several times faster than the 10 Hz group (k₅₀/k₁₀ ≈ 5 in the
 * diagonal part of the Fisher matrix; the shared mean direction couples the groups); the natural rule's c_ε x^ε/r_i
 * term undoes exactly that factor (Eqn. 13), so k₅₀/k₁₀ ≈ 1. The same natural rule with 1/r_i replaced by the mean
 * 1/r̄ (the mutant a wrong implementation would be) is anisotropic again.
 */
import { describe, expect, it } from 'vitest';
import { resolveNatgradScenario, type ResolvedNatgradScenario } from '../../src/models/natgrad/scenario.ts';
import {
  NATGRAD_RULE_CODE, advanceNatgrad, checkpointStats, initialNatgradState, natgradParams, testPatterns, type NatgradParams,
  type NatgradState,
} from '../../src/models/natgrad/cpu-engine.ts';
import { NATGRAD_NF } from '../../src/models/natgrad/stats.ts';
import { philox4x32, u32ToUniform } from '../../src/rng/philox.ts';

const TABLE = { vMin: -30, vMax: 30, vStep: 0.5, sdMin: 0.2, sdMax: 16, sdStep: 0.2 };
const HALF = 10;
const scenario = (duration: number, every: number, learners: number): ResolvedNatgradScenario => resolveNatgradScenario({
  model: 'natgrad', inputs: [{ count: HALF, rate: 10 }, { count: HALF, rate: 50 }],
  teacher: { kind: 'neuron', targetWeights: { min: -1, max: 1 } }, initialWeights: { min: -1, max: 1 },
  rules: ['natural', 'euclidean'], duration, dt: 0.5, checkpoints: { every }, testPatterns: 50, testWarmup: 500,
  table: TABLE, trajectories: learners, seed: 2011,
});

interface Curves {
  /** Per learner and checkpoint: rate error (Hz), KL, and the squared weight error of the 10 Hz and 50 Hz groups. */
  rateError: Float64Array;
  kl: Float64Array;
  d10: Float64Array;
  d50: Float64Array;
}

/**
 * `learners` learners of one (rule, η), advanced checkpoint by checkpoint with the engine's own step and recording the
 * checkpoint statistics. Learner t's path does not depend on when it is advanced, so advancing every learner to
 * checkpoint c before any goes on (what `advanceTo` does) gives the numbers a learner-by-learner run gives.
 */
interface Ensemble extends Curves {
  rule: keyof typeof NATGRAD_RULE_CODE;
  eta: number;
  states: NatgradState[];
  /** Checkpoints recorded so far (0..C). */
  done: number;
}

function startEnsemble(s: ResolvedNatgradScenario, sp: NatgradParams, rule: keyof typeof NATGRAD_RULE_CODE, eta: number): Ensemble {
  const L = s.trajectories, C = s.checkpoints.length;
  return {
    rule, eta, done: 0, states: Array.from({ length: L }, (_, t) => initialNatgradState(s, sp, t)),
    rateError: new Float64Array(L * C).fill(NaN), kl: new Float64Array(L * C).fill(NaN),
    d10: new Float64Array(L * C).fill(NaN), d50: new Float64Array(L * C).fill(NaN),
  };
}

const stat = new Float64Array(NATGRAD_NF);
/** Advance every learner of `e` to checkpoint `upTo` (index), recording checkpoints e.done..upTo. */
function advanceTo(e: Ensemble, s: ResolvedNatgradScenario, sp: NatgradParams, patterns: Float64Array, upTo: number): void {
  const C = s.checkpoints.length, N = s.N;
  for (; e.done <= upTo; e.done++) {
    const c = e.done, target = s.checkpoints[c]!, k = c > 0 ? s.checkpoints[c - 1]! : 0;
    for (let t = 0; t < e.states.length; t++) {
      const st = e.states[t]!;
      advanceNatgrad(st, k, target, t, sp, NATGRAD_RULE_CODE[e.rule], e.eta);
      checkpointStats(st, sp, patterns, s.testPatterns, ((target - k) * s.dt) / 1000, stat, 0);
      e.kl[t * C + c] = stat[0]!;
      e.rateError[t * C + c] = stat[1]!;
      let a = 0, b = 0;
      for (let i = 0; i < N; i++) {
        const d = (sp.att[i]! * st.wd[i]! - st.wStar[i]!) ** 2;
        if (sp.rates[i] === 10) a += d; else b += d;
      }
      e.d10[t * C + c] = a / HALF;
      e.d50[t * C + c] = b / HALF;
    }
  }
}

/** All checkpoints of `learners` learners of one (rule, η). */
function runEnsemble(s: ResolvedNatgradScenario, sp: NatgradParams, patterns: Float64Array, rule: keyof typeof NATGRAD_RULE_CODE, eta: number): Curves {
  const e = startEnsemble(s, sp, rule, eta);
  advanceTo(e, s, sp, patterns, s.checkpoints.length - 1);
  return e;
}

/** Mean over the learners in `idx` of a per-learner curve, checkpoint by checkpoint. */
function meanCurve(x: Float64Array, C: number, idx: ArrayLike<number>): Float64Array {
  const m = new Float64Array(C);
  for (let j = 0; j < idx.length; j++) for (let c = 0; c < C; c++) m[c] += x[idx[j]! * C + c]!;
  for (let c = 0; c < C; c++) m[c] /= idx.length;
  return m;
}

/** Mean over the learners in `idx` of a per-learner curve at checkpoint c. */
function meanAt(x: Float64Array, C: number, idx: ArrayLike<number>, c: number): number {
  let m = 0;
  for (let j = 0; j < idx.length; j++) m += x[idx[j]! * C + c]!;
  return m / idx.length;
}

/** First checkpoint time at which the curve is at or below the threshold (+∞: not up to the last one recorded; NaN after it). */
function firstTime(curve: Float64Array, times: number[], threshold: number): number {
  for (let c = 0; c < curve.length; c++) if (curve[c]! <= threshold) return times[c]!;
  return Infinity;
}

/** Deterministic bootstrap resamples of 0..L−1 (Philox words, key fixed). */
function* resamples(L: number, B: number): Generator<Int32Array> {
  const w = new Uint32Array(4), idx = new Int32Array(L);
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < L; j++) {
      if ((j & 3) === 0) philox4x32(b, j >>> 2, 77, 0, 0x5eed, 0xb007, w);
      idx[j] = Math.min(L - 1, Math.floor(u32ToUniform(w[j & 3]!) * L));
    }
    yield idx;
  }
}

function percentile(xs: number[], q: number): number {
  const v = [...xs].sort((a, b) => a - b);
  const h = (v.length - 1) * q, lo = Math.floor(h), hi = Math.ceil(h);
  if (!Number.isFinite(v[lo]!) || !Number.isFinite(v[hi]!)) return v[hi]!;
  return v[lo]! + (h - lo) * (v[hi]! - v[lo]!);
}

describe('natural-gradient speed-up (Kreutzer et al. 2022, Fig. 3F / 9D, scaled to N = 20)', () => {
  it('η tuned per rule for the fastest fall of the mean rate error to the threshold: natural faster, with interval', () => {
    const L = 12, T = 240, every = 10, threshold = 2.5, B = 2000;
    const s = scenario(T, every, L);
    const sp = natgradParams(s), patterns = testPatterns(s, sp);
    const C = s.checkpoints.length, times = s.checkpointTimes;
    // Starting grids (factor 2); a grid grows by a factor 2 at the edge its best η sits on (upwards where no η
    // reaches the threshold: a larger η converges faster until its noise floor stops it) until that best η is inside.
    const grids: Record<'natural' | 'euclidean', number[]> = { natural: [5e-3, 1e-2, 2e-2], euclidean: [3.5e-6, 7e-6, 1.4e-5] };
    const MAX_GROWTH = 3;
    const all = Int32Array.from({ length: L }, (_, i) => i);
    // The learner sets the statistics below use: all learners, then the B bootstrap resamples.
    const sets = [all, ...Array.from(resamples(L, B), (idx) => Int32Array.from(idx))];
    const t0 = performance.now();
    // Each rule's ensembles advance in lockstep, one checkpoint at a time, and stop as soon as, for every learner set,
    // some η's mean curve has reached the threshold: every first time the statistics below read (the minimum over the
    // grid, per set) is then known, and an η that has not reached it yet would reach it later, so cannot be chosen
    // nor tie. The results are those of running every ensemble to T (the Euclidean rule, slower, usually runs to T;
    // the natural rule's ensembles stop at about half of it).
    const simulate = (rule: 'natural' | 'euclidean'): Ensemble[] => {
      const ens = grids[rule].map((eta) => startEnsemble(s, sp, rule, eta));
      let pending = sets;
      for (let c = 0; c < C && pending.length > 0; c++) {
        for (const e of ens) advanceTo(e, s, sp, patterns, c);
        pending = pending.filter((idx) => !ens.some((e) => meanAt(e.rateError, C, idx, c) <= threshold));
      }
      return ens;
    };
    const runs = { natural: [] as Ensemble[], euclidean: [] as Ensemble[] };
    const best = (rule: 'natural' | 'euclidean', idx: ArrayLike<number>) => {
      const ts = runs[rule].map((r) => firstTime(meanCurve(r.rateError, C, idx), times, threshold));
      let k = 0;
      ts.forEach((x, i) => { if (x < ts[k]!) k = i; });
      return { k, time: ts[k]!, times: ts };
    };
    for (const rule of ['natural', 'euclidean'] as const) {
      // Every ensemble of the grown grid is run again from the start (the early stop depends on the whole grid).
      for (let grown = 0; ; grown++) {
        runs[rule] = simulate(rule);
        const b = best(rule, all), g = grids[rule];
        if (grown === MAX_GROWTH || (Number.isFinite(b.time) && b.k > 0 && b.k < g.length - 1)) break;
        if (b.k === 0 && Number.isFinite(b.time)) g.unshift(g[0]! / 2); else g.push(g[g.length - 1]! * 2);
      }
    }
    const bn = best('natural', all), be = best('euclidean', all);
    const S = be.time / bn.time;
    const boot: number[] = [];
    for (const idx of sets.slice(1)) boot.push(best('euclidean', idx).time / best('natural', idx).time);
    const lo = percentile(boot, 0.025), hi = percentile(boot, 0.975);
    const ranTo = (r: 'natural' | 'euclidean') => times[runs[r][0]!.done - 1]!;
    const fmt = (r: 'natural' | 'euclidean', b: typeof bn) =>
      grids[r].map((e, i) => `η=${e}: ${Number.isFinite(b.times[i]!) ? b.times[i] : `> ${ranTo(r)}`} s`).join(', ');
    console.log(`speed-up (N = ${s.N}, ${L} learners, mean rate error ≤ ${threshold} Hz): natural ${fmt('natural', bn)}; ` +
      `Euclidean ${fmt('euclidean', be)}; S = ${S.toFixed(2)} [${lo.toFixed(2)}, ${hi.toFixed(2)}] (95 % paired bootstrap); ` +
      `simulated to ${ranTo('natural')} s (natural) and ${ranTo('euclidean')} s (Euclidean) of ${T} s; ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    for (const [r, b] of [['natural', bn], ['euclidean', be]] as const) {
      const n = runs[r][b.k]!.done;
      const m = meanCurve(runs[r][b.k]!.rateError, C, all).subarray(0, n), kl = meanCurve(runs[r][b.k]!.kl, C, all).subarray(0, n);
      console.log(`  ${r} η=${grids[r][b.k]}: mean rate error ${Array.from(m, (x) => x.toFixed(2)).join(' ')}; KL ${Array.from(kl, (x) => x.toExponential(1)).join(' ')}`);
    }
    // The tuning is conclusive: each rule's best η lies inside its grid (a faster η on either side would have won),
    // reached within MAX_GROWTH steps of growth.
    for (const [r, b] of [['natural', bn], ['euclidean', be]] as const) {
      expect(b.k, r).toBeGreaterThan(0);
      expect(b.k, r).toBeLessThan(grids[r].length - 1);
    }
    expect(Number.isFinite(bn.time)).toBe(true);
    expect(lo).toBeGreaterThan(1);
  }, 300_000);

  it('mechanism: Euclidean converges the 50 Hz group faster than the 10 Hz group, natural both alike, natural without 1/r not', () => {
    // First-order regime: t₁ = 20 s at η well below the floor-limited optimum, so that D_g decays from its start.
    const L = 24, t1 = 20;
    const s = scenario(t1, t1, L);
    const sp = natgradParams(s), patterns = testPatterns(s, sp);
    // The mutant: the natural rule's presynaptic factor c_ε/r_i replaced by c_ε/r̄ (r̄ = mean rate) for every input.
    const rbar = s.rates.reduce((a, b) => a + b, 0) / s.N;
    const spMutant: NatgradParams = { ...sp, invRC: sp.invRC.map(() => 1 / (rbar * s.intEpsSq)) };
    const C = s.checkpoints.length, last = C - 1;
    const cases = [
      { name: 'euclidean', r: runEnsemble(s, sp, patterns, 'euclidean', 5e-6) },
      { name: 'natural', r: runEnsemble(s, sp, patterns, 'natural', 5e-3) },
      { name: 'natural without 1/r_i', r: runEnsemble(s, spMutant, patterns, 'natural', 5e-3) },
    ];
    const all = Int32Array.from({ length: L }, (_, i) => i);
    const ratio = (r: Curves, idx: ArrayLike<number>) => {
      const a = meanCurve(r.d10, C, idx), b = meanCurve(r.d50, C, idx);
      const k10 = Math.log(a[0]! / a[last]!) / t1, k50 = Math.log(b[0]! / b[last]!) / t1;
      return { k10, k50, q: k50 / k10 };
    };
    const boot = (f: (idx: ArrayLike<number>) => number) => {
      const xs: number[] = [];
      for (const idx of resamples(L, 2000)) xs.push(f(idx));
      return [percentile(xs, 0.025), percentile(xs, 0.975)] as const;
    };
    const [eu, na, mu] = cases.map(({ name, r }) => {
      const q = ratio(r, all), [lo, hi] = boot((idx) => ratio(r, idx).q);
      console.log(`${name}: k10 = ${q.k10.toFixed(4)}/s, k50 = ${q.k50.toFixed(4)}/s, k50/k10 = ${q.q.toFixed(2)} [${lo.toFixed(2)}, ${hi.toFixed(2)}] (95 % bootstrap)`);
      return { ...q, lo, hi, r };
    });
    const [mlo, mhi] = boot((idx) => ratio(na!.r, idx).k10 - ratio(mu!.r, idx).k10);
    console.log(`10 Hz group rate, natural − natural without 1/r_i: ${(na!.k10 - mu!.k10).toFixed(4)}/s [${mlo.toFixed(4)}, ${mhi.toFixed(4)}]`);
    // Euclidean: clearly anisotropic (diagonal Fisher ratio 5; measured 5.2). Natural: equal rates within the
    // interval. Mutant: its 10 Hz group is slower than under the natural rule (by r̄/r = 3 to first order; interval of
    // the difference above 0).
    expect(eu!.lo).toBeGreaterThan(3);
    expect(na!.lo).toBeLessThanOrEqual(1);
    expect(na!.hi).toBeGreaterThanOrEqual(1);
    expect(na!.hi).toBeLessThan(eu!.lo);
    expect(mlo).toBeGreaterThan(0);
  }, 60_000);
});
