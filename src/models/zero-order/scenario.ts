/**
 * Many small updates per learning opportunity: Christensen & Kallsen (arXiv 2309.05102) on Schmidt-Hieber's
 * zero-order model of learning in biological networks (arXiv 2301.11777), as a LABELLED RECONSTRUCTION
 * (../shared/MODEL-NOTES.md §2; the papers' update equations were not available, the stated limit and rate are):
 *
 *   state θ ∈ ℝ^d (one weight per edge); a learning opportunity is one training sample with loss L_k;
 *   [R] one local update: ξ ~ Uniform[−A, A]^d,
 *       two-point  θ ← θ − (α/n)·[L(θ + ξ) − L(θ − ξ)]·ξ     (mean drift −(2/3)A²α∇L/n + O(A⁴)),
 *       one-point  θ ← θ − (α/n)·[L(θ + ξ) − L(θ)]·ξ          (mean drift −(1/3)A²α∇L/n + O(A⁴));
 *   [R] n updates per opportunity at the times j/n ("regular"), or at the points of a Poisson process of rate nλ
 *       with step α/(nλ) ("poisson"); Zⁿ_t = θ after the updates at times ≤ t, t ∈ [0, T] per opportunity, the
 *       opportunities one after another;
 *   limit (stated): dZ/dt = −κ∇L(Z), κ = (2/3)A²α (two-point) or (1/3)A²α (one-point, [R]);
 *   rate (stated, Theorem 1): √E sup_t ‖Zⁿ_t − Z_t‖² ≤ c √(d/n).
 *
 * Losses: quadratic ½(θ − θ*)ᵀH(θ − θ*), H diagonal (identity or log-spaced eigenvalues), θ* = 0 and θ₀ = δ/√d·1
 * (‖θ₀ − θ*‖ = δ); or the squared error ½‖f_θ(x_k) − y_k‖² of a one-hidden-layer tanh network on training sample k
 * (opportunity k uses sample k mod S), weights on its d = h·(inputs + outputs) edges.
 *
 * The grid: every (d, n) with n ≥ minRatio·αA²d, an ensemble of `trajectories` replicates each.
 */
import { z } from 'zod';
import { ScenarioError } from '../../core/errors.ts';
import { parseScenario, seedField } from '../../core/scenario-fields.ts';
import { seedToKey } from '../../core/seed.ts';
import { stabilityThreshold } from './theory.ts';

export const ZO_MAX_D = 4096;
export const ZO_MAX_HIDDEN = 256;
export const ZO_MAX_INPUTS = 64;
export const ZO_MAX_OUTPUTS = 16;
export const ZO_MAX_GRID = 1024;
export const ZO_MAX_PATHS = 16;
/** Floats of the flow grid per grid point, (n·T·K + 1)·d: it is uploaded to the GPU whole. */
export const ZO_MAX_FLOW = 1 << 24;
const MAX_U32 = 0xffffffff;

const pos = () => z.number().positive({ message: 'must be > 0' }).refine(Number.isFinite, { message: 'must be finite' });
const nonneg = () => z.number().nonnegative({ message: 'must be ≥ 0' }).refine(Number.isFinite, { message: 'must be finite' });
const intIn = (lo: number, hi: number) => z.number().int({ message: 'must be an integer' }).min(lo, { message: `must be ≥ ${lo}` }).max(hi, { message: `must be ≤ ${hi}` });
const oneOrList = <T extends z.ZodType>(t: T) => z.union([
  t, z.array(t).min(1, { message: 'needs at least one value' }).max(ZO_MAX_GRID, { message: `has more than ${ZO_MAX_GRID} values: at most ${ZO_MAX_GRID} (the grid's limit)` }),
], { error: 'must be a number or a list of numbers' });

const QuadraticSchema = z.strictObject({
  kind: z.literal('quadratic').describe('L(θ) = ½(θ − θ*)ᵀH(θ − θ*): the limit is exact, Z_t = θ* + e^{−κHt}(θ₀ − θ*)'),
  dims: oneOrList(intIn(1, ZO_MAX_D)).default([1, 4, 16, 64]).describe('d, the number of edges (weights): one value or a list (grid)'),
  hessian: z.union([
    z.literal('identity'),
    z.strictObject({ min: pos().describe('smallest eigenvalue'), max: pos().describe('largest eigenvalue') }),
  ]).default('identity').describe('H: "identity", or diagonal with eigenvalues h_i = min·(max/min)^{i/(d−1)}, i = 0…d−1'),
  distance: pos().default(1).describe('‖θ₀ − θ*‖ (θ* = 0, θ₀ = distance/√d · (1, …, 1))'),
});

const NetworkSchema = z.strictObject({
  kind: z.literal('network').describe('½‖f_θ(x) − y‖² of a tanh network with one hidden layer on a training sample'),
  inputs: intIn(1, ZO_MAX_INPUTS).default(4).describe('Input units'),
  hidden: oneOrList(intIn(1, ZO_MAX_HIDDEN)).default([1, 4, 16]).describe('Hidden units h: one value or a list (grid); d = h·(inputs + outputs)'),
  outputs: intIn(1, ZO_MAX_OUTPUTS).default(1).describe('Output units (linear)'),
  samples: intIn(1, 64).default(1).describe('Training samples x ~ N(0, I), y ~ N(0, targetScale²I), drawn from the seed; opportunity k uses sample k mod samples'),
  initScale: pos().default(1).describe('Initial weights ~ N(0, initScale²/fan_in), drawn from the seed (the same for every n)'),
  targetScale: nonneg().default(1).describe('Standard deviation of the targets y'),
});

export const ZeroOrderScenarioSchema = z.strictObject({
  model: z.literal('zero-order').describe('Many small zero-order updates per learning opportunity (Christensen & Kallsen, arXiv 2309.05102; reconstruction)'),
  loss: z.discriminatedUnion('kind', [QuadraticSchema, NetworkSchema]).default({ kind: 'quadratic', dims: [1, 4, 16, 64], hessian: 'identity', distance: 1 })
    .describe('The loss of a learning opportunity: "quadratic" or "network"'),
  updates: oneOrList(intIn(1, 1e8)).default([10, 100, 1000]).describe('n, the local updates per learning opportunity: one value or a list (grid)'),
  minRatio: nonneg().default(10).describe('Grid points with n < minRatio·αA²d are left out (the regime n ≥ 10αA²d of many small updates)'),
  estimator: z.enum(['two-point', 'one-point']).default('two-point').describe(
    '[reconstructed] "two-point": θ ← θ − (α/n)[L(θ+ξ) − L(θ−ξ)]ξ, κ = (2/3)A²α (the stated limit); "one-point": θ ← θ − (α/n)[L(θ+ξ) − L(θ)]ξ, κ = (1/3)A²α'),
  clock: z.enum(['regular', 'poisson']).default('regular').describe(
    '[reconstructed] "regular": update j at time j/n; "poisson": updates at a Poisson process of rate nλ with step α/(nλ)'),
  rate: pos().default(1).describe('λ of the Poisson clock (updates per unit time nλ)'),
  A: pos().default(1).describe('Half-width A of the perturbation ξ ~ Uniform[−A, A]^d'),
  alpha: pos().default(1).describe('Learning rate α (step α/n per update)'),
  T: pos().default(1).describe('Time per learning opportunity (n·T updates each on the regular clock)'),
  opportunities: intIn(1, 1000).default(1).describe('Learning opportunities one after another (total time T·opportunities)'),
  checkpoints: z.union([
    intIn(1, 1000).describe('that many evenly spaced times'),
    z.array(pos()).min(1).max(1000, { message: 'has more than 1000 times: at most 1000' }).describe('times in (0, T·opportunities]'),
  ], { error: 'must be a count (1…1000) or a list of times' }).default(10).describe('Times t at which ‖Zⁿ_t − Z_t‖ and sup_{s≤t} ‖Zⁿ_s − Z_s‖ are measured; the end is always included'),
  paths: intIn(0, ZO_MAX_PATHS).default(4).describe('Replicates per grid point whose coordinate θ₁ is kept as a sample path (copies 0…paths−1)'),
  trajectories: z.number().int().positive().max(MAX_U32 - 1).describe('Replicates per (d, n) grid point'),
  seed: seedField(),
});

export type ZeroOrderScenarioInput = z.input<typeof ZeroOrderScenarioSchema>;

export type ResolvedLoss =
  | { kind: 'quadratic'; dims: number[]; hessian: 'identity' | { min: number; max: number }; distance: number }
  | { kind: 'network'; inputs: number; hidden: number[]; outputs: number; samples: number; initScale: number; targetScale: number };

export interface ZeroOrderGridPoint {
  d: number;
  n: number;
  /** Hidden units (network loss), else 0. */
  hidden: number;
  label: string;
}

export interface ResolvedZeroOrderScenario {
  model: 'zero-order';
  loss: ResolvedLoss;
  updates: number[];
  minRatio: number;
  estimator: 'two-point' | 'one-point';
  clock: 'regular' | 'poisson';
  rate: number;
  A: number;
  alpha: number;
  T: number;
  opportunities: number;
  /** T·opportunities. */
  totalTime: number;
  /** κ = (2/3)A²α two-point, (1/3)A²α one-point. */
  kappa: number;
  /** Checkpoint times, ascending, unique, ending at totalTime. */
  checkpoints: number[];
  paths: number;
  trajectories: number;
  seed: number | string;
  seedKey: [number, number];
  /** (d, n) grid points, d-major, n ascending; and those left out by minRatio. */
  grid: ZeroOrderGridPoint[];
  skipped: { d: number; n: number }[];
  warnings: string[];
}

const list = <T>(v: T | T[]) => (Array.isArray(v) ? v : [v]);

/** Validate and resolve; throws ScenarioError naming each offending field (`scenario.updates[2]: …`). */
export function resolveZeroOrderScenario(input: unknown, prefix = 'scenario'): ResolvedZeroOrderScenario {
  const s = parseScenario(ZeroOrderScenarioSchema, input, prefix);
  const issues: { path: string; message: string }[] = [];
  const bad = (field: string, message: string) => issues.push({ path: `${prefix}.${field}`, message });
  const warnings: string[] = [];
  const updates = list(s.updates), isList = Array.isArray(s.updates);
  const total = s.T * s.opportunities;
  const loss: ResolvedLoss = s.loss.kind === 'quadratic'
    ? { kind: 'quadratic', dims: list(s.loss.dims), hessian: s.loss.hessian, distance: s.loss.distance }
    : { kind: 'network', inputs: s.loss.inputs, hidden: list(s.loss.hidden), outputs: s.loss.outputs, samples: s.loss.samples, initScale: s.loss.initScale, targetScale: s.loss.targetScale };
  if (loss.kind === 'quadratic' && loss.hessian !== 'identity' && loss.hessian.max < loss.hessian.min) bad('loss.hessian.max', `must be ≥ min = ${loss.hessian.min}`);
  const dupe = (v: number[]) => v.findIndex((x, i) => v.indexOf(x) !== i);
  if (dupe(updates) >= 0) bad(`updates[${dupe(updates)}]`, 'appears twice in the list');
  const dList = loss.kind === 'quadratic' ? loss.dims : loss.hidden;
  if (dupe(dList) >= 0) bad(loss.kind === 'quadratic' ? `loss.dims[${dupe(dList)}]` : `loss.hidden[${dupe(dList)}]`, 'appears twice in the list');
  // Every n: n·T must be an integer (Zⁿ_t = θ_⌊nt⌋ and the flow grid j/n end on each opportunity's end).
  updates.forEach((n, i) => {
    const nt = n * s.T;
    if (Math.abs(nt - Math.round(nt)) > 1e-9 * nt) bad(isList ? `updates[${i}]` : 'updates', `n·T = ${nt} must be an integer (n updates per unit time, T per opportunity)`);
  });
  const hMax = loss.kind === 'quadratic' && loss.hessian !== 'identity' ? loss.hessian.max : 1;
  const aa = s.alpha * s.A * s.A;
  const grid: ZeroOrderGridPoint[] = [], skipped: { d: number; n: number }[] = [];
  // Counted before the grid is built (each list is at most ZO_MAX_GRID long, their product need not be).
  if (dList.length * updates.length > ZO_MAX_GRID) {
    bad('updates', `${dList.length} × ${updates.length} = ${dList.length * updates.length} (d, n) grid points requested, at most ${ZO_MAX_GRID}`);
    throw new ScenarioError(issues);
  }
  for (const v of dList) {
    const d = loss.kind === 'quadratic' ? v : v * (loss.inputs + loss.outputs);
    if (d > ZO_MAX_D) { bad('loss.hidden', `h = ${v} gives d = ${d} edges; at most ${ZO_MAX_D}`); continue; }
    for (const n of [...updates].sort((a, b) => a - b)) {
      if (n < s.minRatio * aa * d) { skipped.push({ d, n }); continue; }
      const i = updates.indexOf(n), at = isList ? `updates[${i}]` : 'updates';
      // Mean-square stability of the H = I quadratic (theory.ts), scaled by the largest eigenvalue.
      const nStar = stabilityThreshold(s.estimator, d, s.alpha, s.A) * hMax;
      const perTime = s.clock === 'poisson' ? n * s.rate : n;
      if (perTime <= nStar) {
        const msg = `${s.clock === 'poisson' ? 'nλ' : 'n'} = ${perTime} ≤ ${nStar.toPrecision(4)} at d = ${d}: the mean square of the updates diverges (stability needs updates per unit time > αA²h_max(d + 0.8)/${s.estimator === 'two-point' ? 3 : 6}); raise n or minRatio`;
        if (loss.kind === 'quadratic') bad(at, msg);
        else warnings.push(`${msg} (the H = I estimate, a guide only for the network loss)`);
      }
      const rows = Math.round(n * total) + 1;
      if (rows * d > ZO_MAX_FLOW) bad(at, `the flow grid of n = ${n}, d = ${d} holds ${rows} × ${d} values; at most ${ZO_MAX_FLOW} (lower n, T or opportunities)`);
      if (s.clock === 'poisson' && n * s.rate * total + 12 * Math.sqrt(n * s.rate * total) + 64 >= MAX_U32 - 1) bad(at, 'too many Poisson events to address (n·λ·T·opportunities)');
      else if (rows >= MAX_U32 - 1) bad(at, 'too many updates to address (n·T·opportunities)');
      grid.push({ d, n, hidden: loss.kind === 'network' ? v : 0, label: `d = ${d}, n = ${n}` });
    }
  }
  if (!issues.length && grid.length === 0) bad('updates', `no (d, n) grid point has n ≥ minRatio·αA²d = ${s.minRatio}·${aa}·d`);
  if (grid.length > ZO_MAX_GRID) bad('updates', `the grid has ${grid.length} (d, n) points; at most ${ZO_MAX_GRID}`);
  let times: number[];
  const cps = s.checkpoints;
  if (typeof cps === 'number') {
    times = Array.from({ length: cps }, (_, c) => (total * (c + 1)) / cps);
  } else {
    times = cps;
    times.forEach((t, i) => {
      if (t > total * (1 + 1e-12)) bad(`checkpoints[${i}]`, `time ${t} is beyond T·opportunities = ${total}`);
      if (i > 0 && t <= times[i - 1]!) bad(`checkpoints[${i}]`, 'checkpoints must be strictly increasing');
    });
  }
  if (issues.length) throw new ScenarioError(issues);
  const checkpoints = [...new Set([...times.filter((t) => t < total), total])].sort((a, b) => a - b);
  if (skipped.length) warnings.push(`${skipped.length} (d, n) pairs left out by n ≥ minRatio·αA²d: ${skipped.map((p) => `(${p.d}, ${p.n})`).join(', ')}`);
  if (loss.kind === 'network') warnings.push('network loss: the reconstructed updates converge to a smoothed-gradient flow, O(A⁴∇³L) away from the stated limit dZ/dt = −κ∇L(Z)');
  return {
    model: 'zero-order', loss, updates, minRatio: s.minRatio, estimator: s.estimator, clock: s.clock, rate: s.rate,
    A: s.A, alpha: s.alpha, T: s.T, opportunities: s.opportunities, totalTime: total,
    kappa: ((s.estimator === 'two-point' ? 2 : 1) / 3) * s.A * s.A * s.alpha,
    checkpoints, paths: s.paths, trajectories: s.trajectories, seed: s.seed, seedKey: seedToKey(s.seed),
    grid, skipped, warnings,
  };
}
