/**
 * Scenario schema for several output neurons (arXiv 2505.10272, Section 4, Algorithms 1 and 2, Theorem A.8).
 *
 * m output neurons with weight vectors w_1..w_m over the same d inputs (rates λ), learning rates α_1 > … > α_m.
 * Output j's spike-triggering probabilities are p_j = λ⊙w_j / λᵀw_j (row j of P). The intended end state is
 * P = Π with Π_{j, target(j)} = 1, target(j) = the input with the j-th largest rate; the error is ‖P − Π‖²_F / 2,
 * which sits near the number of misplaced outputs once every output is near a vertex (plateaus 0, 1, …, m).
 *
 * Algorithm 1 (every step, every output): Δw_j = α_j w_j ⊙ (B_j + Z_j), B_j one-hot ~ Categorical(p_j); remove from
 * Δw_j its components along w_1..w_{j−1}; w_j ← max(w_j + Δw_j, 0). Algorithm 2 (Section A.5, reconstructed):
 * periods of K_1, …, K_m steps; in period j only output j learns, its update projected onto the orthogonal complement
 * of span(w_1..w_{j−1}) (earlier outputs frozen, later ones not yet started).
 */
import { z } from 'zod';
import {
  MAX_U32, NoiseSchema, parseScenario, productOverflows, refineCheckpointSteps, seedField, seededCopies,
  trajectoriesField, type NoiseLaw, type SeededCopies,
} from '../../core/scenario-fields.ts';
import { CheckpointsSchema, checkpointBytes, checkpointCount, keptPathsIssue, resolveCheckpoints } from '../../core/step-checkpoints.ts';
import { MAX_CHECKPOINTS } from '../../core/limits.ts';
import { E_BINS } from './stats.ts';

/** Largest number of inputs and outputs the WebGPU kernel handles (weights live in private arrays). */
export const MULTI_MAX_D = 8;

const positiveFinite = () => z.number().positive({ message: 'must be > 0' });

export const PROJECTIONS = ['sequential', 'orthogonal'] as const;
export type Projection = (typeof PROJECTIONS)[number];

export const MultiScenarioSchema = z
  .strictObject({
    model: z.literal('multi').describe('Several output neurons with Gram–Schmidt-coupled updates (Section 4)'),
    rates: z.array(positiveFinite()).min(2).max(MULTI_MAX_D).describe('Presynaptic firing rates λ_1..λ_d (2 ≤ d ≤ 8)'),
    outputs: z
      .number().int().min(1).max(MULTI_MAX_D).optional()
      .describe('Number of output neurons m (1 ≤ m ≤ d); default: the number of rows of initialWeights, else d'),
    initialWeights: z
      .union([
        z.array(positiveFinite()).describe('one vector w(0) for every output'),
        z.array(z.array(positiveFinite())).min(1).describe('an m × d matrix: row j is w_j(0)'),
      ])
      .optional()
      .describe('Initial weights, default all 1 (equal weights: p_j(0) = λ/Σλ for every output)'),
    alphas: z
      .array(positiveFinite())
      .min(1)
      .describe('Learning rates α_1..α_m, one per output; strictly decreasing for algorithm 1'),
    algorithm: z
      .union([z.literal(1), z.literal(2)], { error: 'must be 1 (every output learns every step) or 2 (sequential periods)' })
      .default(1)
      .describe('1: all outputs learn at every step (Algorithm 1); 2: sequential periods (Algorithm 2, Section A.5)'),
    periods: z
      .array(z.number().int().positive())
      .optional()
      .describe('Algorithm 2: steps per period K_1..K_m, summing to steps (default: steps split evenly)'),
    projection: z
      .enum(PROJECTIONS)
      .optional()
      .describe(
        'How Δw_j loses its components along w_1..w_{j−1}: "sequential" subtracts (Δw_jᵀw_l/‖w_l‖²)w_l for l = 1..j−1 ' +
          'in turn (the authors\' figure code; default for algorithm 1), "orthogonal" projects onto the orthogonal ' +
          'complement of their span (Gram–Schmidt basis; default for algorithm 2)',
      ),
    noise: NoiseSchema.optional(),
    steps: z.number().int().positive().max(MAX_U32).describe('Number of steps K'),
    checkpoints: CheckpointsSchema.optional(),
    trajectories: trajectoriesField(),
    seed: seedField(),
    keepPaths: z
      .number().int().nonnegative().max(4096).optional()
      .describe('Keep P at every checkpoint for the first M trajectories (for plots); default 0'),
  })
  .superRefine((s, ctx) => {
    const d = s.rates.length;
    const w = s.initialWeights;
    const isMatrix = Array.isArray(w) && w.length > 0 && Array.isArray(w[0]);
    const m = s.outputs ?? (isMatrix ? (w as number[][]).length : d);
    if (m > d) {
      ctx.addIssue({
        code: 'custom', path: [s.outputs !== undefined ? 'outputs' : 'initialWeights'],
        message: `${m} outputs but only ${d} inputs: at most one output per input (m ≤ d)`,
      });
    }
    if (s.alphas.length !== m) {
      ctx.addIssue({
        code: 'custom', path: ['alphas'],
        message: `must have ${m} entries (one per output), has ${s.alphas.length}`,
      });
    }
    if (s.algorithm === 1) {
      for (let j = 1; j < s.alphas.length; j++) {
        if (!(s.alphas[j]! < s.alphas[j - 1]!)) {
          ctx.addIssue({
            code: 'custom', path: ['alphas', j],
            message: 'must be strictly decreasing (α_1 > … > α_m) for algorithm 1',
          });
        }
      }
    }
    const h = s.noise?.halfWidth ?? 1;
    s.alphas.forEach((a, j) => {
      if (a * h >= 1) {
        ctx.addIssue({
          code: 'custom', path: ['alphas', j],
          message: `α × noise.halfWidth = ${a * h} must be < 1, otherwise 1 + α(B + Z) can reach 0`,
        });
      }
    });
    if (s.noise?.sd !== undefined && (s.noise.law ?? 'uniform') !== 'truncnormal') {
      ctx.addIssue({ code: 'custom', path: ['noise', 'sd'], message: 'is only meaningful for law "truncnormal"' });
    }
    if (w !== undefined) {
      if (isMatrix) {
        const rows = w as number[][];
        if (rows.length !== m) {
          ctx.addIssue({
            code: 'custom', path: ['initialWeights'],
            message: `has ${rows.length} rows but there are ${m} outputs; give one row per output (or one vector for all)`,
          });
        }
        rows.forEach((r, j) => {
          if (r.length !== d) {
            ctx.addIssue({
              code: 'custom', path: ['initialWeights', j],
              message: `has ${r.length} entries but rates has ${d}; they must have the same length`,
            });
          }
        });
      } else if ((w as number[]).length !== d) {
        ctx.addIssue({
          code: 'custom', path: ['initialWeights'],
          message: `has ${(w as number[]).length} entries but rates has ${d}; they must have the same length`,
        });
      }
    }
    // The intended assignment (output j → input of the j-th largest rate) must be unambiguous.
    const sorted = [...s.rates].sort((a, b) => b - a);
    for (let j = 0; j < Math.min(m, d - 1); j++) {
      if (!(sorted[j]! > sorted[j + 1]!)) {
        ctx.addIssue({
          code: 'custom', path: ['rates'],
          message: `the ${m} largest rates must be distinct (and above the rest) so that output j's intended input ` +
            `(the j-th largest rate) is defined; rate ${sorted[j]} is tied`,
        });
        break;
      }
    }
    if (s.algorithm === 2) {
      if (s.periods) {
        if (s.periods.length !== m) {
          ctx.addIssue({
            code: 'custom', path: ['periods'], message: `must have ${m} entries (one per output), has ${s.periods.length}`,
          });
        } else {
          const sum = s.periods.reduce((a, b) => a + b, 0);
          if (sum !== s.steps) {
            ctx.addIssue({ code: 'custom', path: ['periods'], message: `sum to ${sum}, but steps = ${s.steps}; they must be equal` });
          }
        }
      } else if (s.steps < m) {
        ctx.addIssue({ code: 'custom', path: ['steps'], message: `must be ≥ ${m} (one period per output)` });
      }
    } else if (s.periods) {
      ctx.addIssue({ code: 'custom', path: ['periods'], message: 'is only meaningful for algorithm 2' });
    }
    // Per checkpoint: the error histogram (4096 counts) and, per output and input, argmax counts and p's moments (32 bytes).
    refineCheckpointSteps(s.checkpoints, s.steps, ctx, checkpointBytes(m * d, 32, 4 * E_BINS));
    const nCheckpoints = checkpointCount(s.checkpoints, s.steps);
    const tooManyPaths = nCheckpoints <= MAX_CHECKPOINTS ? keptPathsIssue(Math.min(s.keepPaths ?? 0, s.trajectories), nCheckpoints, m * d) : null;
    if (tooManyPaths) ctx.addIssue({ code: 'custom', path: ['keepPaths'], message: tooManyPaths });
    const rows = isMatrix ? (w as number[][]) : [w as number[] | undefined];
    rows.forEach((row, j) => {
      const overflow = !row || row.length === d ? productOverflows(s.rates, row) : null;
      if (overflow) ctx.addIssue({ code: 'custom', path: row ? (isMatrix ? ['initialWeights', j] : ['initialWeights']) : ['rates'], message: overflow });
    });
  });

export type MultiScenarioInput = z.input<typeof MultiScenarioSchema>;
export type MultiScenarioParsed = z.output<typeof MultiScenarioSchema>;

/** A validated multi-output scenario with every default filled in. */
export interface ResolvedMultiScenario extends SeededCopies {
  model: 'multi';
  /** Inputs. */
  d: number;
  /** Outputs (m ≤ d). */
  m: number;
  rates: number[];
  /** w_j(0), m × d, as given (engines normalise each row to λᵀw_j = 1; p is scale-free). */
  initialWeights: number[][];
  alphas: number[];
  algorithm: 1 | 2;
  projection: Projection;
  /** Algorithm 2: steps per period (length m); null for algorithm 1. */
  periods: number[] | null;
  /** Algorithm 2: period j covers steps k ∈ [periodEnds[j−1], periodEnds[j]) (periodEnds[−1] = 0). */
  periodEnds: number[] | null;
  noise: { law: NoiseLaw; halfWidth: number; sd?: number };
  steps: number;
  /** Sorted, unique, always containing 0 and K. */
  checkpoints: number[];
  keepPaths: number;
  /** Intended input of each output: target[j] = index of the (j+1)-th largest rate. */
  target: number[];
  /** P(0), m × d. */
  P0: number[][];
  /** ‖P(0) − Π‖²/2. */
  error0: number;
  warnings: string[];
}

/** Validate and resolve; throws ScenarioError naming each offending field (`scenario.alphas: …`). */
export function resolveMultiScenario(input: unknown, prefix = 'scenario'): ResolvedMultiScenario {
  const s = parseScenario(MultiScenarioSchema, input, prefix);
  const d = s.rates.length;
  const w = s.initialWeights;
  const isMatrix = Array.isArray(w) && w.length > 0 && Array.isArray(w[0]);
  const m = s.outputs ?? (isMatrix ? (w as number[][]).length : d);
  const W0: number[][] = isMatrix
    ? (w as number[][]).map((row) => [...row])
    : Array.from({ length: m }, () => (w ? [...(w as number[])] : new Array(d).fill(1)));
  const order = s.rates.map((_, i) => i).sort((a, b) => s.rates[b]! - s.rates[a]! || a - b);
  const target = order.slice(0, m);
  const P0 = W0.map((row) => {
    const a = row.map((v, i) => v * s.rates[i]!);
    const S = a.reduce((x, y) => x + y, 0);
    return a.map((v) => v / S);
  });
  const noise = { law: s.noise?.law ?? 'uniform', halfWidth: s.noise?.halfWidth ?? 1, sd: s.noise?.sd } as ResolvedMultiScenario['noise'];
  if (noise.law === 'truncnormal') noise.sd ??= noise.halfWidth / 2;
  else delete noise.sd;
  let periods: number[] | null = null;
  if (s.algorithm === 2) {
    if (s.periods) periods = [...s.periods];
    else {
      const base = Math.floor(s.steps / m);
      periods = Array.from({ length: m }, (_, j) => (j === m - 1 ? s.steps - base * (m - 1) : base));
    }
  }
  let periodEnds: number[] | null = null;
  if (periods) {
    let c = 0;
    periodEnds = periods.map((p) => (c += p));
  }
  const warnings: string[] = [];
  const Q = 1 + noise.halfWidth;
  s.alphas.forEach((a, j) => {
    if (a >= 1 / Q) warnings.push(`alphas[${j}] = ${a} ≥ 1/Q = ${1 / Q}: outside the condition α < 1/Q of Lemma A.2`);
  });
  if (s.algorithm === 2) {
    warnings.push('algorithm 2 (sequential periods with projection) is a reconstruction of Section A.5: the exact ' +
      'projection step was not available to us');
  }
  return {
    model: 'multi',
    d,
    m,
    rates: [...s.rates],
    initialWeights: W0,
    alphas: [...s.alphas],
    algorithm: s.algorithm,
    projection: s.projection ?? (s.algorithm === 1 ? 'sequential' : 'orthogonal'),
    periods,
    periodEnds,
    noise,
    steps: s.steps,
    checkpoints: resolveCheckpoints(s.checkpoints, s.steps, `${prefix}.checkpoints`, checkpointBytes(m * d, 32, 4 * E_BINS)),
    ...seededCopies(s),
    keepPaths: Math.min(s.keepPaths ?? 0, s.trajectories),
    target,
    P0,
    error0: frobeniusError(P0, target),
    warnings,
  };
}

/** ‖P − Π‖²_F / 2 without cancellation near Π: per row, ((1 − p_{j,t})² + Σ_{i≠t} p_ji²)/2 with 1 − p_{j,t} = Σ_{i≠t} p_ji. */
export function frobeniusError(P: ArrayLike<number>[] | number[][], target: number[]): number {
  let E = 0;
  for (let j = 0; j < target.length; j++) {
    const row = P[j]!, t = target[j]!;
    let g = 0, sq = 0;
    for (let i = 0; i < row.length; i++) {
      if (i === t) continue;
      g += row[i]!;
      sq += row[i]! * row[i]!;
    }
    E += 0.5 * (g * g + sq);
  }
  return E;
}
