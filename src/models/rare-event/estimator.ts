/**
 * Rare-event estimator of the chain's failure probability (issue 6):
 *
 *   p = P(argmax_i p_i(K) ≠ i*) = P(ξ_K > 0),   ξ(x) = max_{j≠i*} x_j − x_{i*},
 *
 * the event plain Monte Carlo counts as 1 − successProbability (up to ties ξ_K = 0, of probability 0). For small α,
 * p ≈ exp(−c/α) (diffusion-d2.ts, quasi-potential-d2.ts), out of reach of plain Monte Carlo below α ≈ 0.005 (d = 2).
 *
 * Algorithm: generalized adaptive multilevel splitting (GAMS; Cérou & Guyader 2007, Bréhier, Gazeau, Goudenège,
 * Lelièvre & Rousset, "Unbiasedness of some generalized adaptive multilevel splitting algorithms", Ann. Appl.
 * Probab. 26 (2016)), on the Markov chain (x_k, k) stopped at τ = the first k with ξ_k ≤ −B, ξ_k ≥ B or k = K,
 * with score S(X) = max_{k≤τ} ξ_k, final level z_max = 0 and test function φ(X) = 1{ξ_τ > 0}.
 *
 *   0. n particles X_1..X_n: independent paths from x(0).
 *   q. Z_q = the k-th smallest score, k = max(1, round((1 − keepFraction)·n)). If Z_q ≥ 0 stop (Q = q).
 *      Kill every particle with S(X_i) ≤ Z_q (K_q of them, K_q ≥ k with ties; K_q = n: extinction, p̂ = 0).
 *      Each killed particle is replaced by a clone of a survivor drawn uniformly (independently per killed slot):
 *      the survivor's path up to its first state with ξ > Z_q, continued by the chain with fresh randomness.
 *   p̂ = ∏_{q<Q} (1 − K_q/n) · (1/n) Σ_i φ(X_i).
 *
 * Unbiasedness: Bréhier et al. (2016, Thm. 4.1) show E p̂ = E[φ(X) 1{S(X) > z_max}] for any n ≥ 2, any k, with ties,
 * for a Markov process, a score that is the running maximum of a function of the state, and cloning at the first
 * crossing. Here φ(X) = 1 forces S(X) ≥ ξ_τ > 0 = z_max, so E p̂ = P(ξ_τ > 0). (The levels are random, the
 * estimator is nonetheless exactly unbiased because survivors keep their paths — unlike the older fixed-effort
 * AMS that restarts all n particles each stage, which is biased at O(1/n).)
 *
 * The absorbing levels ±B: p differs from P(ξ_τ > 0) only through paths that reach ξ ≤ −B (or ≥ B) and cross 0
 * again before K. From ξ = −y the return to 0 has probability ≈ exp(−∫_{y0}^{y} η*(τ(u)) du / α) (the chain's own
 * one-dimensional large-deviation rate, quasi-potential-d2.ts), η* the Lundberg root for the drift
 * τ(u) = (1 − e^{−u})/(1 + (d − 1)e^{−u}), the smallest gap p_{i*} − p_j when every competitor is at least u below
 * i* (= tanh(u/2) for d = 2). B is the smallest level with ∫_{y0}^{B} η* ≥ 40α: the relative bias is then below
 * ≈ e^{−40} ≈ 4e-18 (prefactors aside), where y0 = −ξ(x(0)) is the start's own gap, and the estimate counts the
 * failure from y0 whose exponent is ∫_0^{y0} η* / α. By the symmetry of the pair (i*, j), the same B bounds a return
 * from ξ = +B. This truncation is what keeps the work per particle O(1/α) instead of K.
 *
 * Path representation without storage: a particle is one segment (entrance state, entrance step, Philox address
 * (id, stream)) plus its score; its prefix (inherited from its ancestors) lies below its birth level. Step k of a
 * segment reads Philox(counter = (k, id, stream, block), key = seedKey) (particles-cpu.ts). The first crossing of
 * a level Z > birth level is found by replaying the segment from its entrance with its own randomness, bit for bit
 * (same engine, same code) until the first state with ξ > Z (possibly the entrance itself). Addresses: replicate r, slot i: id =
 * r·n + i; the initial paths use stream 1, a clone born at iteration q uses stream 1 + q; the uniform choice of the
 * parent for killed slot j at iteration q is word 0 of Philox((q, r, 0xffffffff, j), seedKey). A run is thus
 * reproducible from the seed, and independent of how the particles are batched on the device.
 *
 * Confidence interval: R independent replicates (disjoint ids) give i.i.d. unbiased p̂_r; the estimate is their
 * mean, with a Student-t interval on R − 1 degrees of freedom (batch means, stats/slope.ts). Relative error =
 * se/p̂. Work W = total trajectory-steps (forward segments and replays); efficiency = relative error² × W, the
 * relative variance a run with one trajectory-step of work would have (lower is better; plain Monte Carlo has
 * (1 − p)/p · K_eff).
 *
 * Replicates advance in lockstep (iteration q of every live replicate in one batch), so a device batch holds
 * R·(1 − keepFraction)·n segments.
 */
import type { ChainScenario, ChainStep } from './chain-port.ts';
import { philox4x32 } from '../../rng/philox.ts';
import { batchMeanInterval } from '../../stats/slope.ts';
import { failureProbabilityD2 } from '../../theory/diffusion-d2.ts';
import { chainLargeDeviationConstantD2, lundbergRootD2 } from '../../theory/quasi-potential-d2.ts';
import { integrate } from '../../theory/quadrature.ts';
import {
  CpuParticleStepper, STATUS_CROSSED, STATUS_FAILURE, STATUS_HORIZON, particleParams, xiOf,
  type ParticleBatch, type ParticleParams, type ParticleStepper,
} from './particles-cpu.ts';
import { checkAborted } from '../../engines/types.ts';

export const SELECT_STREAM = 0xffffffff;
/** Exponent margin of the absorbing level: relative bias ≲ e^{−ABSORB_MARGIN}. */
export const ABSORB_MARGIN = 40;

export interface RareEventOptions {
  engine: 'cpu' | 'webgpu';
  /** n, particles per replicate (≥ 2). */
  particles: number;
  /** R, independent replicates (≥ 2) for the interval. */
  replicates: number;
  /** Fraction of particles kept per iteration (default 0.5). */
  keepFraction?: number;
  /** Absorbing level B (default: from the large-deviation bound, see the module comment). */
  absorb?: number;
  /** Offset of the replicate index (independent runs of the same seed: disjoint particle ids). */
  replicateOffset?: number;
  /** Safety cap on iterations per replicate (default 100000). */
  maxIterations?: number;
  /** A stepper to use instead of creating one (tests, reuse of a device). */
  stepper?: ParticleStepper;
  /** The chain's step of Eq. (1) (chain-port.ts), which the cpu stepper runs; not needed with `stepper` or on webgpu. */
  step?: ChainStep;
  signal?: AbortSignal;
  onProgress?: (p: RareEventProgress) => void;
}

export interface RareEventProgress {
  iteration: number;
  liveReplicates: number;
  work: number;
  elapsedSeconds: number;
}

export interface RareEventResult {
  estimate: number;
  ci95: [number, number];
  /** log(estimate) (natural log); −Infinity when the estimate is 0. */
  logEstimate: number;
  /** log of the interval's ends (null where the lower end is ≤ 0). */
  logCi95: [number | null, number];
  /** se / estimate. */
  relativeError: number;
  /** (hi − lo) / estimate. */
  relativeWidth: number;
  replicates: number;
  particles: number;
  keepFraction: number;
  absorb: number;
  /** Per replicate: estimate p̂_r, iterations (levels) Q_r, work. */
  perReplicate: { estimate: number; levels: number; work: number; extinct: boolean }[];
  /** Mean number of levels per replicate. */
  levels: number;
  /** Total trajectory-steps (forward and replay). */
  work: number;
  /** relativeError² × work. */
  efficiency: number;
  seconds: number;
  engine: 'cpu' | 'webgpu';
  precision: 'f64' | 'f32';
  /** d = 2 only: the diffusion prediction (diffusion-d2.ts) and the chain's large-deviation constant. */
  theoryD2?: {
    diffusionLogP: number;
    /** logEstimate / diffusionLogP. */
    logRatio: number;
    /** estimate / diffusion P. */
    ratio: number;
    /** α·(−logEstimate), to compare with the constants below. */
    alphaTimesMinusLog: number;
    chainConstant: number;
  };
}

/** Start gap y0 = −ξ(x(0)) = x_{i*}(0) − max_{j≠i*} x_j(0) > 0. */
export function startGap(s: ChainScenario): number {
  return -xiOf(s.x0, 0, s.d, s.iStar);
}

/**
 * The absorbing level B (module comment): smallest B ≥ y0 + 0.25 with ∫_{y0}^{B} η*(τ_d(u)) du ≥ margin·α,
 * τ_d(u) = (1 − e^{−u})/(1 + (d − 1)e^{−u}).
 */
export function absorbingLevel(s: ChainScenario, margin = ABSORB_MARGIN): number {
  const y0 = startGap(s);
  const d = s.d;
  const eta = (u: number) => lundbergRootD2((1 - Math.exp(-u)) / (1 + (d - 1) * Math.exp(-u)), s.noise);
  const target = margin * s.alpha;
  let lo = y0, acc = 0;
  const h = 0.05;
  for (let it = 0; it < 100000; it++) {
    const piece = integrate(eta, lo, lo + h, { relTol: 1e-8 }).value;
    if (acc + piece >= target) {
      // Linear interpolation inside the last piece (η* is smooth and increasing).
      const B = lo + (h * (target - acc)) / piece;
      return Math.max(B, y0 + 0.25);
    }
    acc += piece;
    lo += h;
  }
  throw new Error('absorbingLevel: no level found');
}

interface Replicate {
  r: number;
  xe: Float64Array; // entrance states, n·d
  ke: Uint32Array;
  stream: Uint32Array;
  score: Float64Array;
  phi: Uint8Array;
  logC: number;
  levels: number;
  work: number;
  done: boolean;
  extinct: boolean;
  estimate: number;
}

function emptyBatch(n: number, d: number): ParticleBatch {
  return {
    n, x: new Float64Array(n * d), k: new Uint32Array(n), id: new Uint32Array(n), stream: new Uint32Array(n),
    stop: new Float64Array(n),
  };
}

async function makeStepper(s: ChainScenario, engine: 'cpu' | 'webgpu', step: ChainStep | undefined): Promise<ParticleStepper> {
  if (engine === 'cpu') {
    if (!step) throw new Error('rare-event: the cpu stepper needs the chain\'s step (options.step)');
    return CpuParticleStepper.forScenario(s, step);
  }
  const { WebGpuParticleStepper } = await import('./particles-webgpu.ts');
  const st = await WebGpuParticleStepper.create(s);
  if (!st) throw new Error('rare-event: no WebGPU adapter');
  return st;
}

export async function estimateFailure(s: ChainScenario, opts: RareEventOptions): Promise<RareEventResult> {
  const t0 = performance.now();
  const n = opts.particles, R = opts.replicates;
  if (!(Number.isInteger(n) && n >= 2)) throw new Error('rare-event: particles must be an integer ≥ 2');
  if (!(Number.isInteger(R) && R >= 2)) throw new Error('rare-event: replicates must be an integer ≥ 2');
  const keep = opts.keepFraction ?? 0.5;
  if (!(keep > 0 && keep < 1)) throw new Error('rare-event: keepFraction must lie in (0, 1)');
  const rOff = opts.replicateOffset ?? 0;
  if ((rOff + R) * n > 0x100000000) throw new Error('rare-event: (replicateOffset + replicates)·particles must be ≤ 2^32');
  const killK = Math.min(n - 1, Math.max(1, Math.round((1 - keep) * n)));
  const B = opts.absorb ?? absorbingLevel(s);
  if (!(B > startGap(s))) throw new Error(`rare-event: absorb = ${B} must exceed the start gap ${startGap(s)}`);
  const maxIt = opts.maxIterations ?? 100000;
  const d = s.d;
  const P: ParticleParams = particleParams(s, B);
  const ownStepper = !opts.stepper;
  const stepper = opts.stepper ?? (await makeStepper(s, opts.engine, opts.step));
  let totalWork = 0;
  const w4 = new Uint32Array(4);

  try {
    // Iteration 0: n fresh paths per replicate from x(0), stream 1.
    const reps: Replicate[] = [];
    for (let j = 0; j < R; j++) {
      const xe = new Float64Array(n * d);
      for (let i = 0; i < n; i++) xe.set(s.x0, i * d);
      reps.push({
        r: rOff + j, xe, ke: new Uint32Array(n), stream: new Uint32Array(n).fill(1), score: new Float64Array(n),
        phi: new Uint8Array(n), logC: 0, levels: 0, work: 0, done: false, extinct: false, estimate: 0,
      });
    }
    {
      const b = emptyBatch(R * n, d);
      reps.forEach((rep, j) => {
        b.x.set(rep.xe, j * n * d);
        b.k.set(rep.ke, j * n);
        b.stream.set(rep.stream, j * n);
        for (let i = 0; i < n; i++) b.id[j * n + i] = rep.r * n + i;
      });
      b.stop.fill(Infinity);
      const res = await stepper.run(P, b, opts.signal);
      totalWork += res.work;
      reps.forEach((rep, j) => {
        for (let i = 0; i < n; i++) {
          const t = j * n + i;
          rep.score[i] = res.maxXi[t]!;
          rep.phi[i] = phiOf(res.status[t]!, res.x, t, d, s.iStar);
          rep.work += res.k[t]! - b.k[t]!;
        }
      });
    }

    for (let q = 1; ; q++) {
      checkAborted(opts.signal);
      const live = reps.filter((rep) => !rep.done);
      opts.onProgress?.({ iteration: q, liveReplicates: live.length, work: totalWork, elapsedSeconds: (performance.now() - t0) / 1000 });
      if (live.length === 0) break;
      if (q > maxIt) throw new Error(`rare-event: more than ${maxIt} iterations (is the event reachable?)`);
      // Levels, kills, parents.
      const plans: { rep: Replicate; Z: number; killed: number[]; parentOf: number[]; parents: number[] }[] = [];
      for (const rep of live) {
        const sorted = Float64Array.from(rep.score).sort();
        const Z = sorted[killK - 1]!;
        if (Z >= 0) {
          rep.done = true;
          continue;
        }
        const killed: number[] = [], surv: number[] = [];
        for (let i = 0; i < n; i++) (rep.score[i]! <= Z ? killed : surv).push(i);
        if (surv.length === 0) {
          rep.done = true;
          rep.extinct = true;
          rep.logC = -Infinity;
          continue;
        }
        rep.logC += Math.log1p(-killed.length / n);
        rep.levels++;
        const parentOf = killed.map((_, j) => {
          philox4x32(q, rep.r, SELECT_STREAM, j, s.seedKey[0], s.seedKey[1], w4);
          return surv[Math.floor((w4[0]! / 4294967296) * surv.length)]!;
        });
        plans.push({ rep, Z, killed, parentOf, parents: [...new Set(parentOf)] });
      }
      if (plans.length === 0) continue;

      // Branch points: replay each parent's segment from its entrance to the first state with ξ > Z (the entrance
      // itself, with no step, when it is already above Z). Always on the stepper, so that ξ is evaluated by the
      // same code (and precision) as the scores.
      const branch = new Map<string, { x: Float64Array; k: number }>();
      const replay: { rep: Replicate; i: number; Z: number }[] = [];
      for (const pl of plans) for (const i of pl.parents) replay.push({ rep: pl.rep, i, Z: pl.Z });
      if (replay.length) {
        const b = emptyBatch(replay.length, d);
        replay.forEach((rp, t) => {
          b.x.set(rp.rep.xe.subarray(rp.i * d, (rp.i + 1) * d), t * d);
          b.k[t] = rp.rep.ke[rp.i]!;
          b.id[t] = rp.rep.r * n + rp.i;
          b.stream[t] = rp.rep.stream[rp.i]!;
          b.stop[t] = rp.Z;
        });
        const res = await stepper.run(P, b, opts.signal);
        totalWork += res.work;
        replay.forEach((rp, t) => {
          if (res.status[t] !== STATUS_CROSSED) {
            throw new Error(
              `rare-event: replay of particle ${rp.i} (replicate ${rp.rep.r}) did not cross its level ${rp.Z} ` +
                `(status ${res.status[t]}, score ${rp.rep.score[rp.i]}): the stepper is not deterministic`,
            );
          }
          rp.rep.work += res.k[t]! - b.k[t]!;
          branch.set(`${rp.rep.r}:${rp.i}`, { x: res.x.slice(t * d, (t + 1) * d), k: res.k[t]! });
        });
      }

      // Clones: new segments from the branch points, stream 1 + q, run forward to absorption or K.
      const nClones = plans.reduce((a, pl) => a + pl.killed.length, 0);
      const b = emptyBatch(nClones, d);
      let t = 0;
      for (const pl of plans) {
        pl.killed.forEach((i, j) => {
          const br = branch.get(`${pl.rep.r}:${pl.parentOf[j]!}`)!;
          pl.rep.xe.set(br.x, i * d);
          pl.rep.ke[i] = br.k;
          pl.rep.stream[i] = 1 + q;
          b.x.set(br.x, t * d);
          b.k[t] = br.k;
          b.id[t] = pl.rep.r * n + i;
          b.stream[t] = 1 + q;
          b.stop[t] = Infinity;
          t++;
        });
      }
      const res = await stepper.run(P, b, opts.signal);
      totalWork += res.work;
      t = 0;
      for (const pl of plans) {
        for (const i of pl.killed) {
          pl.rep.score[i] = res.maxXi[t]!;
          pl.rep.phi[i] = phiOf(res.status[t]!, res.x, t, d, s.iStar);
          pl.rep.work += res.k[t]! - b.k[t]!;
          t++;
        }
      }
    }

    for (const rep of reps) {
      let m = 0;
      for (let i = 0; i < n; i++) m += rep.phi[i]!;
      rep.estimate = rep.extinct ? 0 : Math.exp(rep.logC) * (m / n);
    }
    const result = finishEstimate(s, reps, {
      particles: n, keepFraction: keep, absorb: B, work: totalWork, seconds: (performance.now() - t0) / 1000,
      engine: stepper.name, precision: stepper.precision,
    });
    return result;
  } finally {
    if (ownStepper) stepper.dispose();
  }
}

/** The per-replicate numbers of a run (or of several batches of replicates, in replicate order). */
export type ReplicateResult = RareEventResult['perReplicate'][number];

/**
 * The estimate from independent replicates: the mean of p̂_r with its Student-t 95% interval (batch means over
 * replicates), relative error and efficiency; for d = 2 the diffusion prediction beside it. Batches of replicates
 * run apart (replicateOffset) give, concatenated, exactly the replicates of one run.
 */
export function finishEstimate(
  s: ChainScenario, reps: readonly ReplicateResult[],
  meta: { particles: number; keepFraction: number; absorb: number; work: number; seconds: number; engine: 'cpu' | 'webgpu'; precision: 'f64' | 'f32' },
): RareEventResult {
  const R = reps.length, d = s.d;
  const vals = reps.map((r) => r.estimate);
  const bm = batchMeanInterval(vals);
  const est = bm.mean;
  const relErr = est > 0 ? bm.se / est : Infinity;
  const result: RareEventResult = {
    estimate: est,
    ci95: [bm.lo, bm.hi],
    logEstimate: Math.log(est),
    logCi95: [bm.lo > 0 ? Math.log(bm.lo) : null, Math.log(bm.hi)],
    relativeError: relErr,
    relativeWidth: est > 0 ? (bm.hi - bm.lo) / est : Infinity,
    replicates: R,
    particles: meta.particles,
    keepFraction: meta.keepFraction,
    absorb: meta.absorb,
    perReplicate: reps.map((r) => ({ estimate: r.estimate, levels: r.levels, work: r.work, extinct: r.extinct })),
    levels: reps.reduce((a, r) => a + r.levels, 0) / R,
    work: meta.work,
    efficiency: relErr * relErr * meta.work,
    seconds: meta.seconds,
    engine: meta.engine,
    precision: meta.precision,
  };
  if (d === 2) {
    const p10 = s.p0[s.iStar]!;
    const diff = failureProbabilityD2(p10, s.alpha, s.noise);
    result.theoryD2 = {
      diffusionLogP: diff.logP,
      logRatio: result.logEstimate / diff.logP,
      ratio: est / diff.p,
      alphaTimesMinusLog: -s.alpha * result.logEstimate,
      chainConstant: chainLargeDeviationConstantD2(p10, s.noise),
    };
  }
  return result;
}

/** φ = 1{ξ_τ > 0}: absorbed at +B, or at the horizon on the failure side (crossed only happens in replays). */
function phiOf(status: number, x: Float64Array, t: number, d: number, iStar: number): number {
  if (status === STATUS_FAILURE) return 1;
  if (status === STATUS_HORIZON) return xiOf(x, t * d, d, iStar) > 0 ? 1 : 0;
  return 0;
}
