/**
 * Scenario schema for the reduced STDP chain (Dexheimer, Gaudlitz & Schmidt-Hieber, arXiv 2505.10272, Eq. 1–2):
 *
 *   w(k+1) = w(k) ⊙ (1 + α (B(k) + Z(k))),   B(k) one-hot ~ Categorical(p(k)),   p = λ⊙w / λᵀw,
 *
 * with Z(k) i.i.d. centred noise on [-h, h], h = Q − 1. One schema (zod) validates experiment files, the CLI and
 * (later) the browser form; every refusal names the field and the rule.
 */
import { z } from 'zod';
import {
  MAX_U32, NOISE_LAWS, NoiseSchema, parseScenario, productOverflows, refineCheckpointSteps, seedField, seededCopies,
  trajectoriesField, type NoiseLaw, type SeededCopies,
} from '../../core/scenario-fields.ts';
import { ScenarioError } from '../../core/errors.ts';
import { MAX_CHECKPOINTS, budgetIssue } from '../../core/limits.ts';
import { CheckpointsSchema, checkpointCount, keptPathsIssue, resolveCheckpoints } from '../../core/step-checkpoints.ts';

/** Shared with the other models, re-exported where they were first defined. */
export { CheckpointsSchema, NOISE_LAWS, NoiseSchema, resolveCheckpoints, type NoiseLaw };

// zod 4's z.number() already refuses NaN and ±Infinity.
const positiveFinite = () => z.number().positive({ message: 'must be > 0' });

/**
 * Host bytes per input d: the CPU engines' state of one chunk of 8192 trajectories (x and g, 16 bytes each), the
 * vertex counts of every checkpoint (8 bytes, per batch and merged: 11 copies).
 */
export function chainInputBytes(checkpoints: number): number {
  return 8192 * 16 + checkpoints * 11 * 8;
}

/** The refusal of d inputs whose per-input state exceeds the memory budget, or null. */
export function chainInputsIssue(d: number, checkpoints: number): string | null {
  return budgetIssue(d, chainInputBytes(checkpoints), 'per-input state');
}

/**
 * Before the schema walks a raw scenario's lists: refuse a rates list longer than any checkpoint plan allows (the
 * loosest limit, at 2 checkpoints; the schema then applies the exact one), so a file of millions of rates is refused
 * at once instead of after validating each of them.
 */
export function precheckChainSizes(raw: unknown, prefix = 'scenario'): void {
  const rates = (raw as { rates?: unknown } | null)?.rates;
  const issue = Array.isArray(rates) ? chainInputsIssue(rates.length, 2) : null;
  if (issue) throw new ScenarioError([{ path: `${prefix}.rates`, message: issue }]);
}

export const ChainScenarioSchema = z
  .strictObject({
    model: z.literal('chain').describe('The reduced STDP chain, one step per postsynaptic spike'),
    rates: z.array(positiveFinite()).min(2).describe('Presynaptic firing rates λ_1..λ_d (d ≥ 2)'),
    initialWeights: z.array(positiveFinite()).optional().describe('w(0), default all 1'),
    alpha: positiveFinite().describe('Learning rate α'),
    noise: NoiseSchema.optional(),
    steps: z.number().int().positive().max(MAX_U32).describe('Number of steps K (output spikes)'),
    checkpoints: CheckpointsSchema.optional(),
    trajectories: trajectoriesField(),
    seed: seedField(),
    allowTies: z.boolean().optional().describe('Accept a tie for the largest initial p_i (i* is then the lowest index)'),
    gamma: z
      .array(z.array(z.number()))
      .optional()
      .describe('Correlated inputs (Section 5): symmetric d×d matrix Γ with unit diagonal and off-diagonal entries in [0, 1); E[S | p] = Γp'),
    correlation: z
      .enum(['paper', 'figure-code'])
      .optional()
      .describe('How correlated spikes are drawn: "paper" (S = C·B, C symmetric with C_ij ~ Bernoulli(Γ_ij), B one-hot; default) or "figure-code" (B_i ~ Bernoulli(min((Cp)_i, 1)) independently, C non-symmetric, as the authors\' public figure code)'),
    schedule: z
      .array(z.strictObject({
        fromStep: z.number().int().positive().describe('First step k with these rates'),
        rates: z.array(positiveFinite()).describe('λ from this step on'),
      }))
      .min(1)
      .optional()
      .describe('Time-varying rates (Section 5, priming): λ(k) = `rates` until the first fromStep, then each entry\'s rates from its fromStep on'),
    keepPaths: z
      .number()
      .int()
      .nonnegative()
      .max(4096)
      .optional()
      .describe('Keep p at every checkpoint for the first M trajectories (for plots); default 0'),
  })
  .superRefine((s, ctx) => {
    const d = s.rates.length;
    if (s.initialWeights && s.initialWeights.length !== d) {
      ctx.addIssue({
        code: 'custom',
        path: ['initialWeights'],
        message: `has ${s.initialWeights.length} entries but rates has ${d}; they must have the same length`,
      });
    }
    const h = s.noise?.halfWidth ?? 1;
    if (s.alpha * h >= 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['alpha'],
        message: `alpha × noise.halfWidth = ${s.alpha * h} must be < 1, otherwise 1 + α(B + Z) can reach 0`,
      });
    }
    if (s.noise?.sd !== undefined && (s.noise.law ?? 'uniform') !== 'truncnormal') {
      ctx.addIssue({ code: 'custom', path: ['noise', 'sd'], message: 'is only meaningful for law "truncnormal"' });
    }
    refineCheckpointSteps(s.checkpoints, s.steps, ctx);
    // Sizes that depend on the checkpoint count, once it is within its own limit.
    const nCheckpoints = checkpointCount(s.checkpoints, s.steps);
    const tooWide = nCheckpoints <= MAX_CHECKPOINTS ? chainInputsIssue(d, nCheckpoints) : null;
    if (tooWide) ctx.addIssue({ code: 'custom', path: ['rates'], message: tooWide });
    const tooManyPaths = nCheckpoints <= MAX_CHECKPOINTS && !tooWide ? keptPathsIssue(Math.min(s.keepPaths ?? 0, s.trajectories), nCheckpoints, d) : null;
    if (tooManyPaths) ctx.addIssue({ code: 'custom', path: ['keepPaths'], message: tooManyPaths });
    if (s.gamma) {
      const G = s.gamma;
      if (G.length !== d || G.some((row) => row.length !== d)) {
        ctx.addIssue({ code: 'custom', path: ['gamma'], message: `must be a ${d}×${d} matrix (one row and column per input)` });
      } else {
        for (let i = 0; i < d; i++) {
          for (let j = 0; j < d; j++) {
            const g = G[i]![j]!;
            if (i === j && g !== 1) ctx.addIssue({ code: 'custom', path: ['gamma', i, j], message: 'the diagonal of Γ must be 1' });
            if (i !== j && !(g >= 0 && g < 1)) ctx.addIssue({ code: 'custom', path: ['gamma', i, j], message: `off-diagonal entries must lie in [0, 1), got ${g}` });
            if (i < j && g !== G[j]![i]!) ctx.addIssue({ code: 'custom', path: ['gamma', i, j], message: `Γ must be symmetric: Γ[${i}][${j}] = ${g} but Γ[${j}][${i}] = ${G[j]![i]}` });
          }
        }
      }
    }
    if (s.correlation !== undefined && !s.gamma) {
      ctx.addIssue({ code: 'custom', path: ['correlation'], message: 'needs gamma (use the identity matrix for independent inputs)' });
    }
    if (s.schedule) {
      s.schedule.forEach((e, i) => {
        if (e.rates.length !== d) ctx.addIssue({ code: 'custom', path: ['schedule', i, 'rates'], message: `has ${e.rates.length} entries but rates has ${d}` });
        if (e.fromStep >= s.steps) ctx.addIssue({ code: 'custom', path: ['schedule', i, 'fromStep'], message: `step ${e.fromStep} is not before steps = ${s.steps}` });
        if (i > 0 && e.fromStep <= s.schedule![i - 1]!.fromStep) ctx.addIssue({ code: 'custom', path: ['schedule', i, 'fromStep'], message: 'fromStep must be strictly increasing' });
      });
    }
    const overflow = !s.initialWeights || s.initialWeights.length === d ? productOverflows(s.rates, s.initialWeights) : null;
    if (overflow) ctx.addIssue({ code: 'custom', path: [s.initialWeights ? 'initialWeights' : 'rates'], message: overflow });
    if (!overflow && !s.allowTies && (!s.initialWeights || s.initialWeights.length === d)) {
      const p = initialP(s.rates, s.initialWeights);
      const sorted = [...p].sort((a, b) => b - a);
      if (Math.abs(sorted[0]! - sorted[1]!) <= 1e-12 * sorted[0]!) {
        ctx.addIssue({
          code: 'custom',
          path: [s.initialWeights ? 'initialWeights' : 'rates'],
          message:
            'the largest initial p_i = λ_i w_i / λᵀw is tied, so i* is not defined; break the tie or set allowTies: true',
        });
      }
    }
  });

export type ChainScenarioInput = z.input<typeof ChainScenarioSchema>;
export type ChainScenarioParsed = z.output<typeof ChainScenarioSchema>;

/** A validated scenario with every default filled in and everything an engine needs precomputed. */
export interface ResolvedScenario extends SeededCopies {
  model: 'chain';
  d: number;
  rates: number[];
  initialWeights: number[];
  alpha: number;
  noise: { law: NoiseLaw; halfWidth: number; sd?: number };
  steps: number;
  /** Sorted, unique, always containing 0 and K. */
  checkpoints: number[];
  allowTies: boolean;
  keepPaths: number;
  /** Index of the largest initial p_i (the input the chain should find). */
  iStar: number;
  /** Initial spike-triggering probabilities p(0) = λ⊙w0 / λᵀw0 (Eq. 2). */
  p0: number[];
  /** Initial state x(0) = log(λ⊙w0) − max: the engines' log-space state. */
  x0: number[];
  /** Correlated inputs: Γ (row-major d×d) and how S is drawn; null for independent inputs (Eq. 1 as is). */
  correlation: { gamma: number[][]; variant: 'paper' | 'figure-code' } | null;
  /** Rate switches: at step fromStep the log-state gains log(rates/previous rates) (p jumps, w does not). */
  schedule: { fromStep: number; rates: number[] }[];
  /** Warnings that do not stop a run (e.g. α ≥ 1/Q, outside Lemma A.2). */
  warnings: string[];
}

export function initialP(rates: number[], w0?: number[]): number[] {
  const a = rates.map((l, i) => l * (w0 ? w0[i]! : 1));
  const s = a.reduce((x, y) => x + y, 0);
  return a.map((v) => v / s);
}

/** Validate and resolve; throws ScenarioError naming each offending field. `prefix` names the field in a file. */
export function resolveScenario(input: unknown, prefix = 'scenario'): ResolvedScenario {
  precheckChainSizes(input, prefix);
  const s = parseScenario(ChainScenarioSchema, input, prefix);
  const d = s.rates.length;
  const w0 = s.initialWeights ?? new Array(d).fill(1);
  const p0 = initialP(s.rates, w0);
  let iStar = 0;
  for (let i = 1; i < d; i++) if (p0[i]! > p0[iStar]!) iStar = i;
  const logs = s.rates.map((l, i) => Math.log(l) + Math.log(w0[i]!));
  const m = Math.max(...logs);
  const noise = { law: s.noise?.law ?? 'uniform', halfWidth: s.noise?.halfWidth ?? 1, sd: s.noise?.sd } as ResolvedScenario['noise'];
  if (noise.law === 'truncnormal') noise.sd ??= noise.halfWidth / 2;
  else delete noise.sd;
  const warnings: string[] = [];
  const Q = 1 + noise.halfWidth;
  if (s.alpha >= 1 / Q) {
    warnings.push(`alpha = ${s.alpha} ≥ 1/Q = ${1 / Q}: outside the condition α < 1/Q of the paper's Lemma A.2`);
  }
  return {
    model: 'chain',
    d,
    rates: [...s.rates],
    initialWeights: w0,
    alpha: s.alpha,
    noise,
    steps: s.steps,
    checkpoints: resolveCheckpoints(s.checkpoints, s.steps),
    ...seededCopies(s),
    allowTies: s.allowTies ?? false,
    keepPaths: Math.min(s.keepPaths ?? 0, s.trajectories),
    iStar,
    p0,
    x0: logs.map((v) => v - m),
    correlation: s.gamma ? { gamma: s.gamma.map((r) => [...r]), variant: s.correlation ?? 'paper' } : null,
    schedule: (s.schedule ?? []).map((e) => ({ fromStep: e.fromStep, rates: [...e.rates] })),
    warnings,
  };
}
