/**
 * Natural-gradient learning for a spiking neuron (Kreutzer, Senn & Petrovici, arXiv 2011.11710, eLife 2022): an
 * ensemble of independent learners, each one neuron with N Poisson inputs learning to reproduce a teacher's output.
 *
 *   x^ε_i = ε * x_i,  ε(t) = (e^{−t/τ_m} − e^{−t/τ_s}) / (τ_m − τ_s)   (Eqn. 28, ∫ε = 1; times in s, x^ε in Hz)
 *   V = Σ_i w_i x^ε_i (mV),   output rate φ(V) = φ_max σ(β (V − θ))    (Eqn. 24)
 *
 * Defaults are those of the authors' Figure 3 code (Figure3/Figure3B-CF/File01_simulation_parameters.py): N = 100,
 * half the inputs at 10 Hz and half at 50 Hz, w(0) and w* uniform on [−1, 1]/N, dt = 0.5 ms, 8000 s of learning,
 * η_natural = 6·10⁻⁴, η_euclidean = 4.5·10⁻⁷, η_approximate = 5.5·10⁻⁴.
 *
 * Units: voltages in mV, τ's and dt in ms, rates in Hz, duration and checkpoints in s. The learning rates are in the
 * units of the authors' code: the per-step update uses (1 − σ(V)) for φ'/φ, i.e. β is absorbed into η.
 */
import { z } from 'zod';
import {
  MAX_U32, parseScenario, scenarioIssues, secondsToSteps as toSteps, seedField, seededCopies, timeCheckpoints,
  trajectoriesField, type SeededCopies,
} from '../../core/scenario-fields.ts';
import { budgetIssue, countIssue } from '../../core/limits.ts';
import { NATGRAD_COEFFICIENT_CHOICES, type NatgradCoefficientChoice } from './authors-table.ts';

/** Largest number of inputs (per-input state lives in private/storage memory of one GPU thread). */
export const NATGRAD_MAX_INPUTS = 4096;
export const NATGRAD_RULES = ['natural', 'euclidean', 'approximate'] as const;
export type NatgradRule = (typeof NATGRAD_RULES)[number];
/** Most (rule, coefficients, η) ensembles in one scenario (each keeps its statistics per checkpoint). */
export const NATGRAD_MAX_ENSEMBLES = 1024;
/** Default of `exactLearners`: Figure 3's 1000 learners per ensemble keep every value (exact quantiles). */
export const NATGRAD_EXACT_LEARNERS = 1000;
/** Host bytes per learner and input of the CPU engine's state (dendritic and target weight, two traces, x^ε). */
const BYTES_PER_INPUT = 5 * 8;
/** Host bytes per kept checkpoint value (float64) and per checkpoint and ensemble of running sums (7 fields × 3). */
const BYTES_PER_VALUE = 8;
/** The authors' Figure 3 learning rates (File01_simulation_parameters.py). */
export const NATGRAD_PAPER_ETA: Record<NatgradRule, number> = { natural: 6e-4, euclidean: 4.5e-7, approximate: 5.5e-4 };

const pos = () => z.number().positive({ message: 'must be > 0' });
const finite = () => z.number().refine(Number.isFinite, { message: 'must be finite' });
const etaSpec = () => z.union([pos(), z.array(pos()).min(1)]);

const RangeSchema = z.strictObject({
  min: finite().describe('lower end (× 1/N)'),
  max: finite().describe('upper end (× 1/N)'),
});

export const NatgradScenarioSchema = z.strictObject({
  model: z.literal('natgrad').describe('Kreutzer, Senn & Petrovici (2022): natural-gradient learning of one spiking neuron'),
  inputs: z.union([
    z.array(z.strictObject({
      count: z.number().int().positive().describe(`inputs in this group (all groups together at most ${NATGRAD_MAX_INPUTS})`),
      rate: z.number().nonnegative().describe('Poisson rate of each input of the group (Hz); 0: unstimulated'),
      attenuation: pos().optional().describe('dendritic attenuation α of the group (somatic weight = α × dendritic weight); default 1'),
    })).min(1).describe('groups of inputs'),
    z.strictObject({
      rates: z.array(z.number().nonnegative()).min(1).describe('rate of every input (Hz)'),
      attenuation: z.array(pos()).optional().describe('α of every input (default 1)'),
    }).describe('one rate per input'),
  ]).default([{ count: 50, rate: 10 }, { count: 50, rate: 50 }])
    .describe('Poisson inputs: groups {count, rate, attenuation?} or {rates[], attenuation[]?}; default Figure 3 (50 × 10 Hz, 50 × 50 Hz)'),
  tauM: pos().default(10).describe('PSP kernel membrane time constant τ_m (ms)'),
  tauS: pos().default(3).describe('PSP kernel synaptic time constant τ_s (ms), below τ_m'),
  phiMax: pos().default(100).describe('Maximal output rate φ_max (Hz)'),
  beta: pos().default(0.3).describe('Slope β of the sigmoid (1/mV)'),
  theta: finite().default(10).describe('Threshold θ of the sigmoid (mV)'),
  teacher: z.union([
    z.strictObject({
      kind: z.literal('neuron'),
      targetWeights: RangeSchema.optional().describe('w*_i uniform on [min, max]/N per learner; default [−1, 1]'),
    }),
    z.strictObject({ kind: z.literal('poisson'), rate: pos().describe('teacher rate (Hz)') }),
  ]).default({ kind: 'neuron' }).describe('Teacher: a neuron of the same model with weights w*, or a fixed-rate Poisson train'),
  initialWeights: RangeSchema.default({ min: -1, max: 1 }).describe('Somatic w_i(0) uniform on [min, max]/N per learner'),
  rules: z.array(z.enum(NATGRAD_RULES)).min(1).default(['natural', 'euclidean'])
    .describe('Learning rules, each run as its own ensemble on the same inputs and teachers (common random numbers)'),
  eta: z.strictObject({
    natural: etaSpec().optional(), euclidean: etaSpec().optional(), approximate: etaSpec().optional(),
  }).default({}).describe('Learning rate(s) per rule (a list sweeps η); default the authors\' Figure 3 values'),
  etaScale: z.array(pos()).min(1).optional().describe(
    'Learning-rate sweep η/η₀ (Kreutzer et al. 2022, Figure 9D): every rule runs at each factor times its η₀ (`eta` of the ' +
      'rule, one value per rule, default the authors\' Figure 3 values); the authors\' grid is 0.5, 0.6, 0.7, 0.8, 0.9, 1, ' +
      '1.2, 1.4, 1.6, 1.8, 2 (Figure9/Readme.txt). The ensembles share each learner\'s random numbers (paired)'),
  coefficients: z.union([z.enum(NATGRAD_COEFFICIENT_CHOICES), z.array(z.enum(NATGRAD_COEFFICIENT_CHOICES)).min(1)]).default('exact').describe(
    'γ_s, g1..g4 of the natural and approximate rules: "exact" (default): the Gaussian-moment coefficients at the ' +
      'learner\'s own mean and variance of V, bilinear in the `table` grid; "authors-table": the lookup of the authors\' ' +
      'code reproduced (Figure3B-CF/File04_create_lt.py, File05_main_simulation.py): a table over mean −15…15.25 mV ' +
      '(step 0.25) and variance 10…410.5 mV² (step 0.5) with 18 rows of zeros after it, read at the nearest lower node ' +
      'with the variance index ⌊2(v − 1)⌋ (clamped to 0…819) and the mean index ⌊4(m + 15)⌋ (clamped to 0…120), at ' +
      'integer q. Since the grid starts at 10 mV², not 1, their runs used the coefficients at variance v + 9 mV² (v < 1: ' +
      'at 10 mV²) and all-zero coefficients (no update) for v ≥ 402 mV². A list runs both, each as its own ensembles ' +
      '(the Euclidean rule has no coefficients and runs once)'),
  duration: pos().default(8000).describe('Learning time (s)'),
  dt: pos().default(0.5).describe('Time step (ms)'),
  checkpoints: z.union([
    z.array(z.number().positive()).min(1).describe('times (s)'),
    z.strictObject({ every: pos().describe('every Δ seconds') }),
  ]).optional().describe('Times (s) at which KL, rate error and ‖w − w*‖ are recorded; 0 and the end always; default 100 equal steps'),
  klThreshold: pos().default(1e-4).describe('KL threshold (nats per time bin dt) for the time-to-threshold statistic'),
  testPatterns: z.number().int().min(1).max(4096).default(100)
    .describe('Stationary input patterns x^ε on which KL and rate error are evaluated (the authors: 50)'),
  testWarmup: z.number().int().min(1).default(500).describe('Steps simulated to make each test pattern (the authors: 500)'),
  table: z.strictObject({
    vMin: z.number().default(-30).describe('lowest mean of V (mV)'),
    vMax: z.number().default(30).describe('highest mean of V (mV)'),
    vStep: pos().default(0.5).describe('grid step of the mean (mV)'),
    sdMin: pos().default(0.2).describe('lowest standard deviation of V (mV)'),
    sdMax: pos().default(20).describe('highest standard deviation of V (mV)'),
    sdStep: pos().default(0.2).describe('grid step of the standard deviation (mV)'),
  }).default({ vMin: -30, vMax: 30, vStep: 0.5, sdMin: 0.2, sdMax: 20, sdStep: 0.2 })
    .describe('Grid of the precomputed γ table over (mean, sd) of V, bilinear between nodes'),
  exactLearners: z.number().int().min(1).default(NATGRAD_EXACT_LEARNERS).describe(
    'Learners per ensemble whose per-checkpoint values are kept (the first M by index; default 1000): with at most M ' +
      'learners every statistic is exact (quantiles, bands, the paired bootstrap); above, means and intervals come from ' +
      'running sums over all learners, the time to the KL threshold from exact counts per checkpoint, and the quantile ' +
      'bands and the bootstrap from these M learners (an iid subset), so memory does not grow with the learners'),
  trajectories: trajectoriesField('Number of independent learners per (rule, η)'),
  seed: seedField(),
});

export type NatgradScenarioInput = z.input<typeof NatgradScenarioSchema>;

export interface NatgradEnsembleSpec {
  rule: NatgradRule;
  eta: number;
  /** Coefficient table of the natural and approximate rules ("exact" for the Euclidean rule, which has none). */
  coefficients: NatgradCoefficientChoice;
  /** η/η₀ of a learning-rate sweep (null without `etaScale`). */
  etaScale: number | null;
}

export interface ResolvedNatgradScenario extends SeededCopies {
  model: 'natgrad';
  N: number;
  rates: number[];
  attenuation: number[];
  tauM: number;
  tauS: number;
  phiMax: number;
  beta: number;
  theta: number;
  teacher: { kind: 'neuron'; min: number; max: number } | { kind: 'poisson'; rate: number };
  initialWeights: { min: number; max: number };
  ensembles: NatgradEnsembleSpec[];
  /** η₀ per rule of a learning-rate sweep (`etaScale`), else null. */
  eta0: Partial<Record<NatgradRule, number>> | null;
  /** Learners per ensemble whose values are kept (exact statistics up to this many learners). */
  exactLearners: number;
  duration: number;
  dt: number;
  klThreshold: number;
  testPatterns: number;
  testWarmup: number;
  table: { vMin: number; vMax: number; vStep: number; sdMin: number; sdMax: number; sdStep: number; nv: number; ns: number };
  steps: number;
  /** Checkpoint steps (0 first, the end last) and times (s). */
  checkpoints: number[];
  checkpointTimes: number[];
  /** ∫ε = 1 (Eqn. 28) and ∫ε² = c_ε⁻¹ (1/s), Campbell's theorem constants. */
  intEpsSq: number;
  /** q = c_ε Σ r_i (Eqn. 36; the authors' File05: q = Σr / intepsquad). */
  q: number;
  warnings: string[];
}

/** Fields recorded per learner and checkpoint (NATGRAD_FIELDS of stats.ts). */
const NATGRAD_FIELD_COUNT = 7;

/** ∫_0^∞ ε(t)² dt for ε = (e^{−t/τ_m} − e^{−t/τ_s})/(τ_m − τ_s), τ's in s (authors' File01: intepsquad = 38.46). */
export function kernelSquareIntegral(tauM: number, tauS: number): number {
  const f = 1 / (tauM - tauS);
  return f * f * (tauM / 2 - 2 / (1 / tauM + 1 / tauS) + tauS / 2);
}

/** Validate and resolve; throws ScenarioError naming each offending field (`scenario.tauS: …`). */
export function resolveNatgradScenario(input: unknown, prefix = 'scenario'): ResolvedNatgradScenario {
  const s = parseScenario(NatgradScenarioSchema, input, prefix);
  const { bad, throwIfAny } = scenarioIssues(prefix);
  let rates: number[] = [], att: number[] = [];
  // Sizes before anything is expanded: each input costs every learner its weights and traces (BYTES_PER_INPUT).
  const inputIssue = (n: number) => countIssue(n, NATGRAD_MAX_INPUTS, BYTES_PER_INPUT * s.trajectories, `per-input state of ${s.trajectories} learners`);
  if (Array.isArray(s.inputs)) {
    let total = 0, tooMany = false;
    s.inputs.forEach((g, i) => {
      const m = inputIssue(g.count);
      if (m) { bad(`inputs[${i}].count`, m); tooMany = true; }
      total += g.count;
    });
    if (!tooMany && total > NATGRAD_MAX_INPUTS) { bad('inputs', `${inputIssue(total)} (all groups together)`); tooMany = true; }
    if (tooMany) throwIfAny();
    for (const g of s.inputs) for (let k = 0; k < g.count; k++) { rates.push(g.rate); att.push(g.attenuation ?? 1); }
  } else {
    const m = inputIssue(s.inputs.rates.length);
    if (m) { bad('inputs.rates', m); throwIfAny(); }
    rates = [...s.inputs.rates];
    att = s.inputs.attenuation ? [...s.inputs.attenuation] : rates.map(() => 1);
    if (att.length !== rates.length) bad('inputs.attenuation', `needs one entry per input (${rates.length}), got ${att.length}`);
  }
  const N = rates.length;
  if (!(s.tauS < s.tauM)) bad('tauS', `must be below tauM = ${s.tauM} ms`);
  if (s.dt >= s.tauS) bad('dt', `must be below τ_s = ${s.tauS} ms`);
  rates.forEach((x, i) => { if (x * s.dt / 1000 >= 0.5) bad('inputs', `input ${i}: rate·dt = ${x * s.dt / 1000} must be < 0.5`); });
  if (rates.every((x) => x === 0)) bad('inputs', 'at least one input must have a positive rate');
  if (s.phiMax * s.dt / 1000 >= 1) bad('phiMax', `φ_max·dt = ${s.phiMax * s.dt / 1000} must be < 1 (one spike per bin)`);
  if (s.teacher.kind === 'poisson' && s.teacher.rate * s.dt / 1000 >= 1) bad('teacher.rate', 'rate·dt must be < 1');
  if (s.teacher.kind === 'neuron' && s.teacher.targetWeights && !(s.teacher.targetWeights.min <= s.teacher.targetWeights.max)) {
    bad('teacher.targetWeights', 'min must be ≤ max');
  }
  if (!(s.initialWeights.min <= s.initialWeights.max)) bad('initialWeights', 'min must be ≤ max');
  const tb = s.table;
  if (!(tb.vMin < tb.vMax)) bad('table.vMax', 'must be above vMin');
  if (!(tb.sdMin < tb.sdMax)) bad('table.sdMax', 'must be above sdMin');
  const nv = Math.round((tb.vMax - tb.vMin) / tb.vStep) + 1, ns = Math.round((tb.sdMax - tb.sdMin) / tb.sdStep) + 1;
  const tableNodes = countIssue(nv * ns, 1 << 20, 5 * 8, 'coefficient table');
  if (!(nv * ns <= 1 << 20)) bad('table', `${tableNodes} (${nv} × ${ns} nodes)`);
  const coeffs = [...new Set(Array.isArray(s.coefficients) ? s.coefficients : [s.coefficients])];
  const rules = [...new Set(s.rules)];
  // Ensembles: rule, then coefficient table (natural and approximate only), then η/η₀, then η (a rule's list).
  const etaOf = (rule: NatgradRule) => { const e = s.eta[rule] ?? NATGRAD_PAPER_ETA[rule]; return Array.isArray(e) ? e : [e]; };
  const nEns = rules.reduce((a, r) => a + (r === 'euclidean' ? 1 : coeffs.length) * (s.etaScale?.length ?? 1) * etaOf(r).length, 0);
  const ensIssue = countIssue(nEns, NATGRAD_MAX_ENSEMBLES, 3 * NATGRAD_FIELD_COUNT * BYTES_PER_VALUE, 'running sums per checkpoint');
  if (ensIssue) { bad(s.etaScale ? 'etaScale' : 'eta', `${ensIssue} ((rule, coefficients, η) ensembles)`); throwIfAny(); }
  const ensembles: NatgradEnsembleSpec[] = [];
  for (const rule of rules) {
    if (s.etaScale && etaOf(rule).length !== 1) bad(`eta.${rule}`, 'with etaScale, one η₀ per rule (the sweep multiplies it)');
    for (const coefficients of rule === 'euclidean' ? ['exact' as const] : coeffs) {
      for (const scale of s.etaScale ?? [null]) {
        for (const eta of etaOf(rule)) ensembles.push({ rule, eta: scale === null ? eta : eta * scale, coefficients, etaScale: scale });
      }
    }
  }
  for (const k of Object.keys(s.eta)) if (!s.rules.includes(k as NatgradRule)) bad(`eta.${k}`, `rule "${k}" is not in rules`);
  if (coeffs.includes('authors-table') && !rules.some((r) => r !== 'euclidean')) {
    bad('coefficients', '"authors-table" needs a natural or approximate rule in rules');
  }
  const steps = toSteps(s.duration, s.dt);
  if (steps === null) bad('duration', `must be a multiple of dt = ${s.dt} ms`);
  else if (steps >= MAX_U32 - 2) bad('duration', `needs ${steps} steps; at most 2^32 − 3 are addressable`);
  let times: number[] = [];
  if (s.checkpoints === undefined) {
    if (steps !== null) for (let j = 1; j < 100; j++) times.push(Math.round((steps * j) / 100) * s.dt / 1000);
  } else {
    // a checkpoint keeps, per ensemble, running sums and the kept learners' values of every field
    const kept = Math.min(s.trajectories, s.exactLearners);
    times = timeCheckpoints(s.checkpoints, { duration: s.duration, dt: s.dt, steps }, bad,
      ensembles.length * NATGRAD_FIELD_COUNT * BYTES_PER_VALUE * (3 + kept));
  }
  // Kept per-learner values: min(N, M) learners × ensembles × checkpoints × fields, in memory and in the state log.
  const C = times.length + 2;
  const keptIssue = budgetIssue(Math.min(s.trajectories, s.exactLearners), ensembles.length * C * NATGRAD_FIELD_COUNT * BYTES_PER_VALUE,
    `per-learner checkpoint values (${ensembles.length} ensembles × ${C} checkpoints)`);
  if (keptIssue) bad(s.trajectories <= s.exactLearners ? 'trajectories' : 'exactLearners', keptIssue);
  throwIfAny();
  const K = steps!;
  const ck = [...new Set([0, ...times.map((t) => toSteps(t, s.dt)!), K])].sort((a, b) => a - b);
  const intEpsSq = kernelSquareIntegral(s.tauM / 1000, s.tauS / 1000);
  const warnings: string[] = [];
  // dt is in milliseconds: a value meant in seconds (0.0005 for 0.5 ms) makes a run a thousand times longer.
  if (s.dt < 0.01) warnings.push(`dt = ${s.dt} ms (dt is in milliseconds; the authors use 0.5): ${K} steps per learner`);
  // A rule without its own η runs at the authors' η (tuned for their N = 100 inputs and rates): said where N differs.
  const defaulted = rules.filter((r) => s.eta[r] === undefined);
  if (defaulted.length && N !== 100) {
    warnings.push(`no eta for ${defaulted.join(', ')}: the authors' ${defaulted.map((r) => `η_${r} = ${NATGRAD_PAPER_ETA[r]}`).join(', ')} (tuned for N = 100 inputs) is used at N = ${N}; give eta.${defaulted[0]} to set it`);
  }
  if (s.trajectories * ensembles.length * K * N > 1e12) {
    warnings.push(`${(s.trajectories * ensembles.length * K * N).toExponential(2)} synapse-steps: hours on a software adapter or the CPU`);
  }
  return {
    model: 'natgrad', N, rates, attenuation: att,
    tauM: s.tauM, tauS: s.tauS, phiMax: s.phiMax, beta: s.beta, theta: s.theta,
    teacher: s.teacher.kind === 'neuron'
      ? { kind: 'neuron', min: s.teacher.targetWeights?.min ?? -1, max: s.teacher.targetWeights?.max ?? 1 }
      : { kind: 'poisson', rate: s.teacher.rate },
    initialWeights: { ...s.initialWeights },
    ensembles,
    eta0: s.etaScale ? Object.fromEntries(rules.map((r) => [r, etaOf(r)[0]!])) : null,
    exactLearners: s.exactLearners,
    duration: s.duration, dt: s.dt, klThreshold: s.klThreshold, testPatterns: s.testPatterns, testWarmup: s.testWarmup,
    table: { ...tb, nv, ns },
    ...seededCopies(s),
    steps: K, checkpoints: ck, checkpointTimes: ck.map((k) => (k * s.dt) / 1000),
    intEpsSq, q: rates.reduce((a, b) => a + b, 0) / intEpsSq,
    warnings,
  };
}
