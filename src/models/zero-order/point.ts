/**
 * What both engines need of one (d, n) grid point, derived once per scenario and point (cached): the loss, θ₀, the
 * step, the planned number of update events, the flow Z at the grid times j/n and at the checkpoints, and the
 * tables that say when a checkpoint or a sample-path point is passed.
 *
 * Events: update j (1-based) happens at τ_j = j/n (regular clock, j ≤ N = n·T·K) or at the j-th point of a Poisson
 * process of rate ν = nλ (τ_j = τ_{j−1} + E_j, E_j = −ln(u)/ν). A checkpoint or path time t is recorded just before
 * the first event with τ_j > t (regular: ⌊nt⌋ < j), with θ_{j−1}, the value of Zⁿ at t; those never passed are
 * recorded after the last event. The Poisson plan has J = ⌈νT_tot + 10√(νT_tot) + 32⌉ events; a copy whose events
 * do not reach T_tot by then is flagged (probability < 1e-20).
 *
 * Random numbers: update j of copy r reads Philox counter (j, r, ZERO_ORDER_STREAM, (point << 16) + b): ξ from blocks
 * b = 0…⌈d/4⌉−1 (ξ_i = A(2u − 1), u = u32ToUniform of word i), the Poisson waiting time from word 0 of block ⌈d/4⌉.
 * Grid points are independent; replicates are addressed by copy index, so batches and shards change no number.
 */
import { flowGrid } from './flow.ts';
import { networkInit, networkSamples, type LossSpec } from './loss.ts';
import type { ResolvedZeroOrderScenario } from './scenario.ts';

/** Sample-path points per grid point (at most; fewer when n·T·K is smaller). */
export const PATH_POINTS = 101;

export interface ZeroOrderPoint {
  index: number;
  d: number;
  n: number;
  hidden: number;
  loss: LossSpec;
  theta0: Float64Array;
  twoPoint: boolean;
  poisson: boolean;
  /** Step of one update: α/n (regular) or α/(nλ) (Poisson); ν = events per unit time; A. */
  step: number;
  nu: number;
  A: number;
  /** Updates per opportunity n·T (regular), opportunities, T, the flow grid's last row N = n·T·K, planned events J. */
  NT: number;
  K: number;
  T: number;
  N: number;
  J: number;
  tEnd: number;
  /** Z at j/n, row j at j·d; Z at the checkpoints, row c at c·d. */
  flow: Float64Array;
  flowCk: Float64Array;
  /** Checkpoints: ⌊n t_c⌋, t_c, the training sample of the opportunity t_c ends or lies in. */
  ckK: Uint32Array;
  ckT: Float64Array;
  ckSample: Uint32Array;
  /** Sample-path points (coordinate θ₁ of copies < paths). */
  pathK: Uint32Array;
  pathT: Float64Array;
  paths: number;
  /** (point << 16): the high bits of the Philox block word; ⌈d/4⌉ blocks of ξ per update. */
  blockBase: number;
  NB: number;
}

const cache = new WeakMap<ResolvedZeroOrderScenario, Map<number, ZeroOrderPoint>>();

/** The training sample of time t: opportunity ⌈t/T⌉ − 1 (clamped to [0, K − 1]) mod samples. */
export function sampleAt(t: number, T: number, K: number, samples: number): number {
  return (Math.min(K - 1, Math.max(0, Math.ceil(t / T - 1e-12) - 1))) % samples;
}

export function zeroOrderPoint(s: ResolvedZeroOrderScenario, index: number): ZeroOrderPoint {
  let m = cache.get(s);
  if (!m) cache.set(s, (m = new Map()));
  let p = m.get(index);
  if (!p) {
    // keep the last two points only (a run walks the grid point by point)
    if (m.size >= 2) m.delete(m.keys().next().value!);
    m.set(index, (p = buildPoint(s, index)));
  }
  return p;
}

function buildPoint(s: ResolvedZeroOrderScenario, index: number): ZeroOrderPoint {
  const g = s.grid[index]!, d = g.d, n = g.n, K = s.opportunities, T = s.T;
  let loss: LossSpec, theta0: Float64Array;
  if (s.loss.kind === 'quadratic') {
    const hs = s.loss.hessian;
    const hdiag = Float64Array.from({ length: d }, (_, i) => (hs === 'identity' ? 1 : d === 1 ? hs.min : hs.min * (hs.max / hs.min) ** (i / (d - 1))));
    loss = { kind: 'quadratic', d, hdiag, net: { m0: 0, h: 0, mo: 0 }, xs: new Float64Array(0), ys: new Float64Array(0), samples: 1 };
    theta0 = new Float64Array(d).fill(s.loss.distance / Math.sqrt(d));
  } else {
    const net = { m0: s.loss.inputs, h: g.hidden, mo: s.loss.outputs };
    const { xs, ys } = networkSamples(s.seedKey, net, s.loss.samples, s.loss.targetScale);
    loss = { kind: 'network', d, hdiag: new Float64Array(0), net, xs, ys, samples: s.loss.samples };
    theta0 = networkInit(s.seedKey, net, s.loss.initScale);
  }
  const NT = Math.round(n * T), N = NT * K, tEnd = s.totalTime;
  const poisson = s.clock === 'poisson', nu = poisson ? n * s.rate : n;
  const mu = nu * tEnd;
  const J = poisson ? Math.ceil(mu + 10 * Math.sqrt(mu) + 32) : N;
  const ck = s.checkpoints;
  const { grid, extra } = flowGrid({ loss, theta0, kappa: s.kappa, n, N, T, K, extra: ck });
  const PP = Math.min(N, PATH_POINTS - 1) + 1;
  const pathK = new Uint32Array(PP), pathT = new Float64Array(PP);
  for (let q = 0; q < PP; q++) {
    pathK[q] = Math.round((q * N) / (PP - 1));
    pathT[q] = poisson ? (q * tEnd) / (PP - 1) : pathK[q]! / n;
  }
  return {
    index, d, n, hidden: g.hidden, loss, theta0, twoPoint: s.estimator === 'two-point', poisson,
    step: s.alpha / nu, nu, A: s.A, NT, K, T, N, J, tEnd,
    flow: grid, flowCk: extra,
    ckK: Uint32Array.from(ck, (t) => Math.floor(n * t + 1e-9)),
    ckT: Float64Array.from(ck),
    ckSample: Uint32Array.from(ck, (t) => sampleAt(t, T, K, loss.samples)),
    pathK, pathT, paths: s.paths,
    blockBase: index << 16, NB: Math.ceil(d / 4),
  };
}
