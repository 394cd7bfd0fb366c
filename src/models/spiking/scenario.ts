/**
 * Scenario schema for Model A of issue 5: the spiking network of Section 2.3 of arXiv 2505.10272, simulated
 * event by event (exact, no time grid). See src/models/spiking/cpu-engine.ts for the model and the Philox addressing.
 *
 * d inputs fire as independent Poisson processes with rates λ; the membrane potential Y jumps by w_j at an input spike
 * of j and decays as e^{−t}; when Y ≥ S the output spikes and Y resets to 0. Pair-based STDP with unit time constants,
 * delayed to the output spikes (or online), multiplicative (weight-dependent: the chain w ⊙ (1 + α(B + Z))) or
 * additive (clipped at 0). The chain's clock is the output spike count k: steps = K output spikes.
 */
import { z } from 'zod';
import {
  MAX_U32, parseScenario, productOverflows, refineCheckpointSteps, seedField, seededCopies, trajectoriesField,
  type SeededCopies,
} from '../../core/scenario-fields.ts';
import { CheckpointsSchema, checkpointBytes, checkpointCount, keptPathsIssue, resolveCheckpoints } from '../../core/step-checkpoints.ts';
import { MAX_CHECKPOINTS } from '../../core/limits.ts';

/**
 * Host bytes per input of one checkpoint: the matching chain's and the network's p moments, trigger counts and
 * predicted-probability sums (about 200 bytes as JavaScript numbers and objects).
 */
const SPIKING_INPUT_BYTES = 200;

/** Largest d accepted (weights and traces live in storage buffers; the host statistics are O(d) per trajectory). */
export const SPIKING_MAX_D = 4096;
/** Default cap on input events per trajectory: this many per output spike on average (and at least 10⁶). */
export const DEFAULT_EVENTS_PER_SPIKE = 10_000;

const positiveFinite = () => z.number().positive({ message: 'must be > 0' }).finite();

export const SPIKING_RULES = ['multiplicative', 'additive'] as const;
export const SPIKING_TIMINGS = ['delayed', 'online'] as const;
export const SPIKING_NORMALISE = ['none', 'sum'] as const;

export const SpikingScenarioSchema = z
  .strictObject({
    model: z.literal('spiking').describe('The event-driven spiking network of Section 2.3 of arXiv 2505.10272'),
    rates: z.array(positiveFinite()).min(2).max(SPIKING_MAX_D)
      .describe('Poisson rates λ_1..λ_d of the inputs (unit membrane and STDP time constants)'),
    initialWeights: z.array(positiveFinite()).optional().describe('w(0) > 0, default all 1'),
    threshold: positiveFinite().describe('Firing threshold S of the output neuron (Y ≥ S: spike, reset to 0)'),
    alpha: z.number().positive({ message: 'must be > 0' }).lt(1, { message: 'must be < 1' })
      .describe('STDP amplitude α (multiplicative: Δw_i = α w_i (P_i − D_i); additive: Δw_i = α (P_i − D_i))'),
    rule: z.enum(SPIKING_RULES).default('multiplicative')
      .describe('"multiplicative" (weight-dependent amplitudes: the chain w ⊙ (1 + α(B + Z))) or "additive" (clip at 0)'),
    timing: z.enum(SPIKING_TIMINGS).default('delayed')
      .describe('"delayed": the whole pair update at each output spike (the paper); "online": depression at each input ' +
        'spike, potentiation at each output spike'),
    normalise: z.enum(SPIKING_NORMALISE).default('none')
      .describe('"sum": rescale w after each output spike so that Σw = Σw(0) (p is scale-free); "none": weights free'),
    maxEvents: z.number().int().positive().max(MAX_U32).optional()
      .describe(`Cap on input events per trajectory (default ${DEFAULT_EVENTS_PER_SPIKE}·steps, at least 10⁶); a capped ` +
        'trajectory stops and is counted, not averaged'),
    steps: z.number().int().positive().max(MAX_U32).describe('Number of output spikes K (the chain\'s clock)'),
    checkpoints: CheckpointsSchema.optional(),
    trajectories: trajectoriesField(),
    seed: seedField(),
    keepPaths: z.number().int().nonnegative().max(4096).optional()
      .describe('Keep p at every checkpoint for the first M trajectories (for plots); default 0'),
  })
  .superRefine((s, ctx) => {
    const d = s.rates.length;
    if (s.initialWeights && s.initialWeights.length !== d) {
      ctx.addIssue({
        code: 'custom', path: ['initialWeights'],
        message: `has ${s.initialWeights.length} entries but rates has ${d}; they must have the same length`,
      });
    }
    refineCheckpointSteps(s.checkpoints, s.steps, ctx, checkpointBytes(d, SPIKING_INPUT_BYTES));
    const nCheckpoints = checkpointCount(s.checkpoints, s.steps);
    const tooManyPaths = nCheckpoints <= MAX_CHECKPOINTS ? keptPathsIssue(Math.min(s.keepPaths ?? 0, s.trajectories), nCheckpoints, d) : null;
    if (tooManyPaths) ctx.addIssue({ code: 'custom', path: ['keepPaths'], message: tooManyPaths });
    const overflow = !s.initialWeights || s.initialWeights.length === d ? productOverflows(s.rates, s.initialWeights) : null;
    if (overflow) ctx.addIssue({ code: 'custom', path: [s.initialWeights ? 'initialWeights' : 'rates'], message: overflow });
    if (s.maxEvents !== undefined && s.maxEvents < s.steps) {
      ctx.addIssue({ code: 'custom', path: ['maxEvents'], message: `must be ≥ steps = ${s.steps} (every output spike needs an input event)` });
    }
  });

export type SpikingScenarioInput = z.input<typeof SpikingScenarioSchema>;

export type SpikingRule = (typeof SPIKING_RULES)[number];
export type SpikingTiming = (typeof SPIKING_TIMINGS)[number];
export type SpikingNormalise = (typeof SPIKING_NORMALISE)[number];

/** A validated spiking scenario with every default filled in. */
export interface ResolvedSpikingScenario extends SeededCopies {
  model: 'spiking';
  d: number;
  rates: number[];
  initialWeights: number[];
  threshold: number;
  alpha: number;
  rule: SpikingRule;
  timing: SpikingTiming;
  normalise: SpikingNormalise;
  maxEvents: number;
  /** K output spikes. */
  steps: number;
  /** Output-spike counts k, sorted, unique, always containing 0 and K. */
  checkpoints: number[];
  keepPaths: number;
  /** argmax_i p_i(0) (lowest index on a tie): the input the chain should find. */
  iStar: number;
  /** p(0) = λ⊙w(0)/λᵀw(0) (Eq. 2). */
  p0: number[];
  /** log(λ⊙w0) − max: the chain's log-state at k = 0 (for reduceState). */
  x0: number[];
  /** The regime of Eq. (12): max_j w_j(0)/S (small) and λᵀw(0)/S (large). */
  regime: { maxWeightOverS: number; driveOverS: number };
  warnings: string[];
}

/** Validate and resolve; throws ScenarioError naming each offending field (`scenario.threshold: must be > 0`). */
export function resolveSpikingScenario(input: unknown, prefix = 'scenario'): ResolvedSpikingScenario {
  const s = parseScenario(SpikingScenarioSchema, input, prefix);
  const d = s.rates.length;
  const w0 = s.initialWeights ? [...s.initialWeights] : new Array(d).fill(1);
  const a = s.rates.map((l, i) => l * w0[i]!);
  const A = a.reduce((x, y) => x + y, 0);
  const p0 = a.map((v) => v / A);
  let iStar = 0;
  for (let i = 1; i < d; i++) if (p0[i]! > p0[iStar]!) iStar = i;
  const logs = a.map(Math.log);
  const m = Math.max(...logs);
  const warnings: string[] = [];
  const ties = p0.filter((v) => v === p0[iStar]).length;
  if (ties > 1) warnings.push(`${ties} inputs tie for the largest p_i(0); i* is the lowest index (${iStar})`);
  const maxWeightOverS = Math.max(...w0) / s.threshold;
  const driveOverS = A / s.threshold;
  if (maxWeightOverS > 0.2 || driveOverS < 5) {
    warnings.push(`outside the regime of Eq. (12) at k = 0 (max w/S = ${maxWeightOverS.toPrecision(3)}, ` +
      `λᵀw/S = ${driveOverS.toPrecision(3)}): triggering frequencies need not match p`);
  }
  return {
    model: 'spiking',
    d,
    rates: [...s.rates],
    initialWeights: w0,
    threshold: s.threshold,
    alpha: s.alpha,
    rule: s.rule,
    timing: s.timing,
    normalise: s.normalise,
    maxEvents: s.maxEvents ?? Math.min(MAX_U32, Math.max(1_000_000, DEFAULT_EVENTS_PER_SPIKE * s.steps)),
    steps: s.steps,
    checkpoints: resolveCheckpoints(s.checkpoints, s.steps, `${prefix}.checkpoints`, checkpointBytes(d, SPIKING_INPUT_BYTES)),
    ...seededCopies(s),
    keepPaths: Math.min(s.keepPaths ?? 0, s.trajectories),
    iStar,
    p0,
    x0: logs.map((v) => v - m),
    regime: { maxWeightOverS, driveOverS },
    warnings,
  };
}
