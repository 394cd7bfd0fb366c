/**
 * Model B: Song, Miller & Abbott (2000), competitive additive STDP on one conductance-based leaky integrate-and-fire
 * neuron driven by N_in Poisson inputs. Defaults are those of Brian2's published example (examples/synapses/STDP.py):
 *
 *   dv/dt = (g_e (E_e − v) + E_l − v) / τ_m,   dg_e/dt = −g_e / τ_e,   spike when v > V_t, then v = V_r;
 *   pre spike of input i:  g_e += w_i;  A_pre,i += ΔA_pre;  w_i = clip(w_i + A_post, 0, g_max)
 *   output spike:          A_post += ΔA_post;  w_i = clip(w_i + A_pre,i, 0, g_max) for every i
 *   A_pre,i and A_post decay with τ_pre and τ_post; ΔA_pre = dApre·g_max, ΔA_post = dApost·g_max,
 *   dApost = −dApre·(τ_pre/τ_post)·1.05 by default; w_i(0) = u_i·g_max, u_i uniform.
 *
 * Units: voltages in mV, time constants and dt in ms, rate in Hz; duration, rateWindow and checkpoints in seconds.
 * Each trajectory is an independent copy (its own inputs, weights and neuron).
 */
import { z } from 'zod';
import {
  MAX_U32, parseScenario, scenarioIssues, secondsToSteps as toSteps, seedField, seededCopies, timeCheckpoints,
  trajectoriesField, type SeededCopies,
} from '../../core/scenario-fields.ts';
import { MAX_TYPED_ARRAY_ELEMENTS, budgetIssue, countIssue, maxForBudget } from '../../core/limits.ts';

/** Largest per-step input count the Binomial table may need (keeps the per-step work bounded on the GPU). */
export const SONG_MAX_KMAX = 64;

/**
 * Copies per engine call within a batch, at most (--batch-size may ask for fewer: then one call is one WebGPU batch;
 * the run layer folds each call's per-copy data into the batch's statistics and drops it: definition.ts): an engine
 * returns ~0.9 kB of per-copy data per copy (100 windows, 10 checkpoints), so a chunk holds ~30 MB. With --workers n,
 * n calls run at once, one per worker thread.
 */
export const SONG_CHUNK = 1 << 15;
/** The Binomial table is cut where the upper tail falls below this (the resolution of a 24-bit uniform). */
export const SONG_TAIL = 2 ** -24;

/** Host bytes of one rate window: its sums per batch and merged (11 copies of a small object) and its summary row. */
export const SONG_WINDOW_BYTES = 11 * 80 + 100;

/**
 * Host bytes one copy holds while its batch runs: its spike count per rate window (4 bytes), its weight histogram
 * (10 bins) and mean weight per checkpoint (48 bytes), and its per-input state (weight, trace, last spike: 12 bytes).
 */
export function songCopyBytes(windows: number, checkpoints: number, inputs: number): number {
  return 4 * windows + 48 * checkpoints + 12 * inputs;
}

const pos = () => z.number().positive({ message: 'must be > 0' });
const finite = () => z.number().refine(Number.isFinite, { message: 'must be finite' });

export const SongScenarioSchema = z
  .strictObject({
    model: z.literal('song').describe('Song, Miller & Abbott (2000): one LIF neuron, N_in Poisson inputs, additive STDP'),
    inputs: z.number().int().min(2).max(1 << 16).default(1000).describe('Number of Poisson inputs N_in'),
    rate: pos().default(15).describe('Input rate (Hz)'),
    tauM: pos().default(10).describe('Membrane time constant τ_m (ms)'),
    tauE: pos().default(5).describe('Excitatory conductance time constant τ_e (ms)'),
    El: finite().default(-74).describe('Leak reversal E_l (mV)'),
    Vt: finite().default(-54).describe('Threshold V_t (mV); a spike when v > V_t'),
    Vr: finite().default(-60).describe('Reset V_r (mV)'),
    Ee: finite().default(0).describe('Excitatory reversal E_e (mV)'),
    v0: finite().optional().describe('Initial membrane potential (mV); default 0 mV as Brian2\'s example, which leaves v unset (the neuron fires in the first step)'),
    tauPre: pos().default(20).describe('Presynaptic trace time constant τ_pre (ms)'),
    tauPost: pos().default(20).describe('Postsynaptic trace time constant τ_post (ms)'),
    gMax: pos().default(0.01).describe('Upper weight bound g_max (weights in units of the leak conductance)'),
    dApre: pos().default(0.01).describe('Potentiation step ΔA_pre in units of g_max'),
    dApost: z.number().negative({ message: 'must be < 0' }).optional()
      .describe('Depression step ΔA_post in units of g_max (default −dApre·τ_pre/τ_post·1.05)'),
    duration: pos().default(100).describe('Simulated time (s)'),
    dt: pos().default(0.1).describe('Time step (ms)'),
    method: z.enum(['euler', 'exponential']).default('euler').describe(
      '"euler": forward Euler for v and g_e (Brian2\'s example, method=\'euler\'); "exponential": g_e decays by ' +
        'exp(−dt/τ_e) and v follows the exact solution of its linear ODE over the step with g_e held at its value ' +
        'at the start of the step'),
    rateWindow: pos().default(1).describe('Window for the output rate over time (s); a multiple of dt dividing duration'),
    checkpoints: z
      .union([
        z.array(z.number().nonnegative()).min(1).describe('times (s)'),
        z.strictObject({ every: pos().describe('every Δ seconds') }),
      ])
      .optional()
      .describe('Times (s) at which the weight histogram is recorded; the end is always included; default every 10 s'),
    trajectories: trajectoriesField('Number of independent copies'),
    seed: seedField(),
  });

export type SongScenarioInput = z.input<typeof SongScenarioSchema>;

export interface ResolvedSongScenario extends SeededCopies {
  model: 'song';
  inputs: number;
  rate: number;
  tauM: number;
  tauE: number;
  El: number;
  Vt: number;
  Vr: number;
  Ee: number;
  v0: number;
  tauPre: number;
  tauPost: number;
  gMax: number;
  /** In units of g_max (as given). */
  dApre: number;
  dApost: number;
  duration: number;
  dt: number;
  method: 'euler' | 'exponential';
  rateWindow: number;
  /** Checkpoint times (s), sorted, unique, ending at duration. */
  checkpointTimes: number[];
  /** Derived: total steps, steps per rate window, checkpoint steps, per-step spike probability r·dt. */
  steps: number;
  stepsPerWindow: number;
  windows: number;
  checkpoints: number[];
  pSpike: number;
  /**
   * Binomial(N_in, r·dt) CDF rounded to f32: cdf[k] = P(K ≤ k), k = 0..kMax−1; K = kMax when the uniform exceeds
   * them all (the tail above kMax has probability < 2^-24).
   */
  cdf: number[];
  kMax: number;
  warnings: string[];
}

/** P(K ≤ k) of Binomial(n, p) for k = 0.., cut where the tail P(K > k) < SONG_TAIL; rounded to f32. */
export function binomialCdf(n: number, p: number): number[] {
  const out: number[] = [];
  let logPmf = n * Math.log1p(-p), acc = 0;
  for (let k = 0; k <= n; k++) {
    acc += Math.exp(logPmf);
    if (1 - acc < SONG_TAIL || k === n) break;
    out.push(Math.fround(acc));
    logPmf += Math.log((n - k) / (k + 1)) + Math.log(p) - Math.log1p(-p);
  }
  return out;
}

/** Validate and resolve; throws ScenarioError naming each offending field (`scenario.rateWindow: …`). */
export function resolveSongScenario(input: unknown, prefix = 'scenario'): ResolvedSongScenario {
  const s = parseScenario(SongScenarioSchema, input, prefix);
  const { bad, throwIfAny } = scenarioIssues(prefix);
  let steps = toSteps(s.duration, s.dt);
  if (steps === null) bad('duration', `must be a multiple of dt = ${s.dt} ms`);
  else if (steps >= MAX_U32 - 1) {
    bad('duration', `needs ${steps} steps of dt = ${s.dt} ms; at most 2^32 − 2 are addressable`);
    steps = null;
  }
  const spw = toSteps(s.rateWindow, s.dt);
  if (spw === null || spw === 0) bad('rateWindow', `must be a positive multiple of dt = ${s.dt} ms`);
  else if (steps !== null && steps % spw !== 0) bad('rateWindow', `must divide duration = ${s.duration} s`);
  const windows = steps !== null && spw ? steps / spw : 0;
  const tooManyWindows = windows ? budgetIssue(windows, SONG_WINDOW_BYTES, 'rate-window statistics') : null;
  if (tooManyWindows) bad('rateWindow', `${tooManyWindows}: rate windows of ${s.rateWindow} s over ${s.duration} s`);
  if (s.dt >= s.tauM || s.dt >= s.tauE) bad('dt', `must be below τ_m and τ_e (got ${s.dt} ms)`);
  if (!(s.Vr < s.Vt)) bad('Vr', `must be below Vt = ${s.Vt} mV`);
  const pSpike = (s.rate * s.dt) / 1000;
  if (pSpike >= 0.5) bad('rate', `rate·dt = ${pSpike} must be < 0.5`);
  let cdf: number[] = [];
  if (pSpike < 0.5) {
    cdf = binomialCdf(s.inputs, pSpike);
    if (cdf.length > SONG_MAX_KMAX) {
      bad('rate', `inputs·rate·dt = ${(s.inputs * pSpike).toFixed(2)} spikes per step needs a Binomial table of ` +
        `${cdf.length} entries; at most ${SONG_MAX_KMAX} (lower rate, inputs or dt)`);
    } else if (cdf.length > s.inputs / 2) {
      bad('inputs', 'too few inputs for this rate·dt: the per-step count may exceed half of them');
    }
  }
  const times = timeCheckpoints(s.checkpoints ?? { every: Math.min(10, s.duration) }, { duration: s.duration, dt: s.dt, steps }, bad);
  if (windows && !tooManyWindows && times.length < 1e6) {
    // Per copy held at once: an engine call runs at most SONG_CHUNK copies (the default chunk) and the run layer folds
    // its per-copy data before the next, so memory is bounded by min(N, SONG_CHUNK) copies whatever N; their rate
    // counts are one typed array of copies × windows.
    const C = times.length + 1, perCopy = songCopyBytes(windows, C, s.inputs);
    const maxCopies = Math.min(maxForBudget(perCopy), Math.floor(MAX_TYPED_ARRAY_ELEMENTS / windows));
    const atOnce = Math.min(s.trajectories, SONG_CHUNK);
    if (atOnce > maxCopies) {
      const held = atOnce < s.trajectories ? `the ${atOnce} copies an engine call holds at once` : `${atOnce} copies`;
      if (4 * windows >= 48 * C + 12 * s.inputs) {
        bad('rateWindow', `${countIssue(atOnce * windows, maxCopies * windows, 4, 'per-copy rate counts')}: ` +
          `${windows} windows of ${s.rateWindow} s for each of ${held} (widen rateWindow${atOnce < s.trajectories ? '' : ' or run fewer copies'})`);
      } else if (atOnce < s.trajectories) {
        bad('inputs', `${countIssue(atOnce, maxCopies, perCopy, 'per-copy histograms and state')}: for ${held} (fewer inputs or checkpoints)`);
      } else bad('trajectories', countIssue(s.trajectories, maxCopies, perCopy, 'per-copy histograms and state')!);
    }
  }
  throwIfAny();
  const K = steps!;
  const ck = [...new Set([...times.map((t) => toSteps(t, s.dt)!), K])].filter((k) => k > 0).sort((a, b) => a - b);
  const warnings: string[] = [];
  if (s.dt > 0.1) warnings.push(`dt = ${s.dt} ms is coarser than Brian2's default 0.1 ms`);
  // dt is in milliseconds: a value meant in seconds (0.0001 for 0.1 ms) makes a run a thousand times longer.
  if (s.dt < 0.01) warnings.push(`dt = ${s.dt} ms (dt is in milliseconds; Brian2's default is 0.1): ${steps} steps per copy`);
  return {
    model: 'song',
    inputs: s.inputs, rate: s.rate, tauM: s.tauM, tauE: s.tauE, El: s.El, Vt: s.Vt, Vr: s.Vr, Ee: s.Ee,
    v0: s.v0 ?? 0,
    tauPre: s.tauPre, tauPost: s.tauPost, gMax: s.gMax,
    dApre: s.dApre,
    dApost: s.dApost ?? (-s.dApre * s.tauPre / s.tauPost) * 1.05,
    duration: s.duration, dt: s.dt, method: s.method, rateWindow: s.rateWindow,
    checkpointTimes: ck.map((k) => (k * s.dt) / 1000),
    ...seededCopies(s),
    steps: K,
    stepsPerWindow: spw!,
    windows: K / spw!,
    checkpoints: ck,
    pSpike,
    cdf,
    kMax: cdf.length,
    warnings,
  };
}
