/**
 * Hebbian alignment of regularised learners (Koplow, Poggio & Ziyin, arXiv 2505.18069; MODEL-NOTES §3).
 *
 * Student–teacher regression: inputs x ~ N(0, I_D), labels y = f*(x) + label noise, a linear student (one layer
 * h_b = W h_a with h_a = x) or a two-layer tanh student (layer 1: h_a = x, h_b = W1 x; layer 2: h_a = tanh(W1 x),
 * h_b = W2 h_a). Loss ℓ = ½‖out − y‖² (batch mean). Every step draws a fresh batch and, with parameter noise σ, a
 * fresh ε ~ N(0, σ² I) on every weight; the forward and backward passes use w = v + ε and the update is applied to v:
 *
 *   v ← v + η (S − γ v),   S = −(1/B) Σ_b ∇_{h_b} ℓ_b h_a,bᵀ (the learning signal, weight decay excluded),
 *
 * and the Hebbian direction of the layer is H = (1/B) Σ_b h_b h_aᵀ (noisy forward pass). Rules: "sgd" (σ = 0),
 * "noisy-sgd" (σ from the grid), "random" (S = R, a random direction drawn once per copy and layer, entries
 * N(0, randomScale²/fan_in), independent of the data: a non-learning rule; with decay v → R/γ, see hebbian-cpu.ts).
 *
 * `noise` chooses what σ is: parameter noise (above, the default), gradient noise (S ← S + σζ, ζ ~ N(0, I) fresh every
 * step, so the update and the measured signal carry it) or input noise (the student's h_a = x + σν, ν ~ N(0, I_D) fresh per
 * sample, the teacher labelling the clean x) — the paper's three noise sources that can make the alignment anti-Hebbian.
 *
 * σ and γ may be lists: every (σ, γ) pair of the grid is an ensemble of `trajectories` copies. Copy t of every grid
 * point reads the same Philox numbers (common random numbers across the grid; see src/models/hebbian/cpu-engine.ts).
 */
import { z } from 'zod';
import {
  checkpointListIssues, parseScenario, scenarioIssues, seedField, seededCopies, trajectoriesField, type SeededCopies,
} from '../../core/scenario-fields.ts';
import { checkpointsIssue } from '../../core/step-checkpoints.ts';

/** Copies are addressed by u32; 0xffffffff is reserved for the teacher's counter. */
const MAX_TRAJ = 0xfffffffe;
/** Steps are addressed by u32; 0xfffffffe and 0xffffffff are the random-direction and initial-weight counters. */
const MAX_STEPS = 0xfffffffd;
export const HEBBIAN_MAX_INPUT = 256;
export const HEBBIAN_MAX_OUTPUT = 64;
export const HEBBIAN_MAX_HIDDEN = 256;
export const HEBBIAN_MAX_GRID = 4096;

const pos = () => z.number().positive({ message: 'must be > 0' });
const nonneg = () => z.number().nonnegative({ message: 'must be ≥ 0' }).refine(Number.isFinite, { message: 'must be finite' });
const grid = (what: string) => z
  .union([nonneg(), z.array(nonneg()).min(1)])
  .describe(`${what}: one value or a list (each value a grid point)`);

const NetSchema = (role: 'teacher' | 'student') => z.strictObject({
  kind: z.enum(['linear', 'tanh2']).default('linear').describe(
    role === 'teacher'
      ? '"linear": y = W* x; "tanh2": y = A2 tanh(A1 x)'
      : '"linear": out = W x; "tanh2": out = W2 tanh(W1 x)'),
  hidden: z.number().int().min(1).max(HEBBIAN_MAX_HIDDEN).default(32).describe('Hidden width (tanh2 only)'),
  ...(role === 'teacher'
    ? {
      scale: pos().default(1).describe('Teacher weights ~ N(0, scale²/fan_in) (so ‖W* row‖² ≈ scale² for a linear teacher), drawn once from the seed'),
      labelNoise: nonneg().default(0).describe('Standard deviation of Gaussian label noise added to y'),
    }
    : {}),
});

export const HebbianScenarioSchema = z.strictObject({
  model: z.literal('hebbian').describe('Koplow, Poggio & Ziyin (arXiv 2505.18069): Hebbian alignment of regularised learners'),
  inputDim: z.number().int().min(1).max(HEBBIAN_MAX_INPUT).default(32).describe('Input dimension D (x ~ N(0, I_D))'),
  outputDim: z.number().int().min(1).max(HEBBIAN_MAX_OUTPUT).default(32)
    .describe('Output dimension (32 in the paper\'s student–teacher regression; 1 is the single-output worked example)'),
  teacher: NetSchema('teacher').default({ kind: 'linear', hidden: 32, scale: 1, labelNoise: 0 }).describe('The teacher network'),
  student: NetSchema('student').default({ kind: 'linear', hidden: 32 }).describe('The student network'),
  rule: z.enum(['sgd', 'noisy-sgd', 'random']).default('noisy-sgd').describe(
    '"sgd": plain SGD (σ must be 0); "noisy-sgd": SGD whose forward/backward pass uses w = v + ε, ε ~ N(0, σ²I) fresh ' +
      'every step; "random": the signal is a fixed random direction per copy and layer (a non-learning rule)'),
  noise: z.enum(['parameter', 'gradient', 'input']).default('parameter').describe(
    'What the σ grid is the standard deviation of (Koplow, Poggio & Ziyin\'s noise sources): "parameter": the forward/backward ' +
      'pass uses w = v + σε; "gradient": the learning signal gets σζ added, ζ ~ N(0, I) fresh every step (the update uses it); ' +
      '"input": the student sees x + σν (ν ~ N(0, I_D) fresh per sample) while the teacher labels the clean x. The last two ' +
      'draw new Philox blocks (src/models/hebbian/cpu-engine.ts), so "parameter" runs are unchanged'),
  sigma: grid('Noise standard deviation σ of the chosen `noise` source (parameter noise by default)').default(0),
  gamma: grid('Weight decay γ').default(0.1),
  learningRate: pos().default(0.01).describe('Learning rate η'),
  steps: z.number().int().min(1).max(MAX_STEPS).default(2000).describe('Training steps per copy'),
  batchSize: z.number().int().min(1).max(64).default(1).describe('Samples per step B'),
  initScale: nonneg().default(1).describe('Initial student weights ~ N(0, initScale²/fan_in)'),
  randomScale: pos().default(1).describe('"random" rule: direction entries ~ N(0, randomScale²/fan_in)'),
  window: z.number().int().min(1).default(1)
    .describe('Steps averaged per copy at each checkpoint (the updates k − window + 1 … k of checkpoint k)'),
  sumWindow: z.number().int().min(1).optional().describe(
    'Steps whose learning-signal matrices S and Hebbian-direction matrices H are summed before one cosine is taken: ' +
      'cos(Σ S, Σ H) over the updates k − sumWindow + 1 … k of checkpoint k (the window-summed alignment). With one output ' +
      'and batch 1, S = −e·xᵀ and H = out·xᵀ are parallel, so the per-step cosine is ±1 and only the summed one measures ' +
      'an alignment (the report uses it then). Default: the smallest of 100, the first checkpoint and the gaps between checkpoints'),
  checkpoints: z
    .union([
      z.array(z.number().int().min(1)).min(1).describe('steps'),
      z.strictObject({ every: z.number().int().min(1).describe('every Δ steps') }),
    ])
    .optional()
    .describe('Steps at which the alignment is measured; the last step is always included; default 20 evenly spaced'),
  trajectories: trajectoriesField('Copies per grid point', MAX_TRAJ),
  seed: seedField(),
});

export type HebbianScenarioInput = z.input<typeof HebbianScenarioSchema>;

export interface HebbianNet { kind: 'linear' | 'tanh2'; hidden: number }

export interface ResolvedHebbianScenario extends SeededCopies {
  model: 'hebbian';
  inputDim: number;
  outputDim: number;
  teacher: HebbianNet & { scale: number; labelNoise: number };
  student: HebbianNet;
  rule: 'sgd' | 'noisy-sgd' | 'random';
  /** What σ is the standard deviation of (see HebbianScenarioSchema.noise). */
  noise: 'parameter' | 'gradient' | 'input';
  sigmas: number[];
  gammas: number[];
  /** Grid points, σ-major: point g = iσ·gammas.length + iγ. */
  grid: { sigma: number; gamma: number }[];
  learningRate: number;
  steps: number;
  batchSize: number;
  initScale: number;
  randomScale: number;
  window: number;
  /** Steps summed before the window-summed cosine (see HebbianScenarioSchema.sumWindow). */
  sumWindow: number;
  /** Checkpoint steps, sorted, unique, ending at `steps`. */
  checkpoints: number[];
  /** Layers of the student (1 linear, 2 tanh2) and their shapes [rows, cols] = [fan_out, fan_in]. */
  layers: [number, number][];
  warnings: string[];
}

/** Validate and resolve; throws ScenarioError naming each offending field (`scenario.gamma[2]: …`). */
export function resolveHebbianScenario(input: unknown, prefix = 'scenario'): ResolvedHebbianScenario {
  const s = parseScenario(HebbianScenarioSchema, input, prefix);
  const { issues, bad, throwIfAny } = scenarioIssues(prefix);
  const sigmas = Array.isArray(s.sigma) ? s.sigma : [s.sigma];
  const gammas = Array.isArray(s.gamma) ? s.gamma : [s.gamma];
  if (s.rule === 'sgd') {
    sigmas.forEach((x, i) => { if (x !== 0) bad(Array.isArray(s.sigma) ? `sigma[${i}]` : 'sigma', 'rule "sgd" has no parameter noise: σ must be 0 (use "noisy-sgd")'); });
  }
  const nGrid = sigmas.length * gammas.length;
  if (nGrid > HEBBIAN_MAX_GRID) bad('sigma', `the σ × γ grid has ${nGrid} points; at most ${HEBBIAN_MAX_GRID}`);
  if (nGrid * s.trajectories > MAX_TRAJ) bad('trajectories', 'grid points × trajectories must stay below 2^32 − 1');
  const D = s.inputDim, O = s.outputDim, H = s.student.hidden;
  const layers: [number, number][] = s.student.kind === 'linear' ? [[O, D]] : [[H, D], [O, H]];
  const params = layers.reduce((a, [r0, c0]) => a + r0 * c0, 0);
  if (params > 16384) bad(s.student.kind === 'linear' ? 'outputDim' : 'student.hidden', `the student has ${params} weights; at most 16384`);
  // Stability of the linear student's mean (m' = (1 − η(1+γ)) m + η m*) for every γ of the grid.
  gammas.forEach((g, i) => {
    // input noise of variance σ² scales E[x̃x̃ᵀ] to (1 + σ²) I: the mean contracts by 1 − η(1 + σ² + γ)
    const s2 = s.noise === 'input' ? 1 + Math.max(...sigmas) ** 2 : 1;
    if (s.learningRate * (s2 + g) >= 2) {
      bad(Array.isArray(s.gamma) ? `gamma[${i}]` : 'gamma', `η(${s2 === 1 ? '1' : '1 + σ²'} + γ) = ${s.learningRate * (s2 + g)} ≥ 2: the iteration diverges`);
    }
  });
  let cps: number[] = [];
  const cp = s.checkpoints ?? { every: Math.max(1, Math.floor(s.steps / 20)) };
  // Counted before anything is expanded: each checkpoint holds, per (σ, γ) grid point, a few moments (about 256 bytes)
  // in every batch's statistics and their merge (11 copies).
  const tooMany = checkpointsIssue(cp, s.steps, 11 * 256 * sigmas.length * gammas.length);
  if (tooMany) {
    bad('checkpoints', tooMany);
    throwIfAny();
  }
  if (Array.isArray(cp)) {
    const beyond = (c: number) => `step ${c} is beyond steps = ${s.steps}`;
    for (const { index, message } of checkpointListIssues(cp, s.steps, beyond)) bad(`checkpoints[${index}]`, message);
    cps = [...cp];
  } else {
    for (let k = cp.every; k < s.steps; k += cp.every) cps.push(k);
  }
  const ck = [...new Set([...cps.filter((k) => k <= s.steps), s.steps])].sort((a, b) => a - b);
  let minGap = ck[0] ?? 1;
  for (let c = 1; c < ck.length; c++) minGap = Math.min(minGap, ck[c]! - ck[c - 1]!);
  const sumWindow = s.sumWindow ?? Math.min(100, minGap);
  if (issues.length === 0) {
    for (const [field, w] of [['window', s.window], ['sumWindow', sumWindow]] as const) {
      if (w > ck[0]!) { bad(field, `must be ≤ the first checkpoint (${ck[0]})`); continue; }
      for (let c = 1; c < ck.length; c++) {
        if (ck[c]! - ck[c - 1]! < w) { bad(field, `must be ≤ the gap between checkpoints (${ck[c - 1]} → ${ck[c]})`); break; }
      }
    }
  }
  throwIfAny();
  const warnings: string[] = [];
  if (s.student.kind === 'tanh2' && gammas.some((g) => s.learningRate * g >= 1)) warnings.push('ηγ ≥ 1 for some γ: the decay overshoots');
  if (s.rule === 'random' && sigmas.some((x) => x > 0)) warnings.push('rule "random": σ only perturbs the forward pass (the Hebbian direction), not the update');
  return {
    model: 'hebbian',
    inputDim: D, outputDim: O,
    teacher: {
      kind: s.teacher.kind, hidden: s.teacher.hidden,
      scale: (s.teacher as { scale?: number }).scale ?? 1, labelNoise: (s.teacher as { labelNoise?: number }).labelNoise ?? 0,
    },
    student: { kind: s.student.kind, hidden: H },
    rule: s.rule,
    noise: s.noise,
    sigmas, gammas,
    grid: sigmas.flatMap((sigma) => gammas.map((gamma) => ({ sigma, gamma }))),
    learningRate: s.learningRate, steps: s.steps, batchSize: s.batchSize, initScale: s.initScale, randomScale: s.randomScale,
    window: s.window,
    sumWindow,
    checkpoints: ck,
    ...seededCopies(s),
    layers,
    warnings,
  };
}
