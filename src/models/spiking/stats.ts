/**
 * Mergeable statistics of the spiking network (Model A of issue 5, src/models/spiking/cpu-engine.ts) at one checkpoint k_c
 * (a count of output spikes). Two kinds of quantities:
 *
 * - at the checkpoint, over the trajectories that reached output spike k_c: the chain's statistics of
 *   p(k_c) = λ⊙w(k_c)/λᵀw(k_c) (the ordinary CheckpointAccumulator: L = log(1 − p_{i*}), G, argmax, p moments), the
 *   time of output spike k_c and the number of input events used;
 * - over the window of output spikes k ∈ (k_{c−1}, k_c] (every trajectory, every such spike): which input triggered
 *   spike k against the predicted p(k − 1) (Eq. 12), the inter-spike intervals t_k − t_{k−1} (log-binned histogram
 *   and power sums), and the STDP increments P_i − D_i of the inputs that did not trigger spike k (histogram on
 *   [−1, 1] with an atom for "no spike of i in the interval", and power sums over all of them, zeros included).
 *
 * The window of checkpoint 0 is empty; put checkpoint 1 in the list to see the first output spike alone (Lemma A.7).
 * Counts and power sums merge exactly (up to f64 rounding); p moments by Chan et al. as in checkpoint-stats.ts.
 */
import {
  accumulatorFromJSON, accumulatorToJSON, emptyAccumulator, mergeAccumulators, mergeMoments, pushMoment, sd,
  summarizeCheckpoint, type CheckpointAccumulator, type CheckpointSummary, type Moments,
} from '../../stats/checkpoint-stats.ts';
import { wilson } from '../../stats/intervals.ts';

/** ISI histogram: ln(ISI) ∈ [ln 1e-4, ln 1e4) in ISI_BINS equal bins; outside values fall into the end bins. */
export const ISI_BINS = 96;
export const ISI_LN_LO = Math.log(1e-4);
export const ISI_LN_HI = Math.log(1e4);
export const ISI_SCALE = ISI_BINS / (ISI_LN_HI - ISI_LN_LO);

export function isiBin(isi: number): number {
  if (!(isi > 0)) return 0;
  const b = Math.floor((Math.log(isi) - ISI_LN_LO) * ISI_SCALE);
  return b < 0 ? 0 : b >= ISI_BINS ? ISI_BINS - 1 : b;
}

/**
 * Increment histogram: INC_BINS equal bins on [−1, 1], then slots for < −1, > 1, and "input i did not spike in the
 * interval" (increment exactly 0).
 */
export const INC_BINS = 40;
export const INC_BELOW = INC_BINS;
export const INC_ABOVE = INC_BINS + 1;
export const INC_NONE = INC_BINS + 2;
export const INC_SLOTS = INC_BINS + 3;

export function incBin(delta: number, spiked: boolean): number {
  if (!spiked) return INC_NONE;
  if (delta < -1) return INC_BELOW;
  if (delta > 1) return INC_ABOVE;
  const b = Math.floor((delta + 1) * (INC_BINS / 2));
  return b >= INC_BINS ? INC_BINS - 1 : b;
}

/** Power sums (count, Σx, Σx²): exact merge, mean and variance derived. */
export interface PowerSums { n: number; s1: number; s2: number }

export interface SpikingCheckpointAccumulator {
  /** Output-spike count k_c. */
  step: number;
  d: number;
  /** p(k_c) statistics over the trajectories that reached k_c. */
  chain: CheckpointAccumulator;
  /** Trajectories that stopped before k_c (event cap, or all weights at 0). */
  stopped: number;
  /** Time t_{k_c} and input events used up to output spike k_c (reached trajectories). */
  time: Moments;
  events: Moments;
  /** Window (k_{c−1}, k_c]: output spikes seen, triggers per input, Σ p_j(k−1) and Σ p_j(k−1)². */
  spikes: number;
  triggers: number[];
  predSum: number[];
  predSq: number[];
  isi: PowerSums;
  minIsi: number;
  isiHist: number[];
  /** Increments P_i − D_i of non-triggering inputs (zeros of silent inputs included in the sums). */
  inc: PowerSums;
  incHist: number[];
}

export function emptySpikingAccumulator(step: number, d: number): SpikingCheckpointAccumulator {
  return {
    step, d,
    chain: emptyAccumulator(step, d),
    stopped: 0,
    time: { n: 0, mean: 0, m2: 0 },
    events: { n: 0, mean: 0, m2: 0 },
    spikes: 0,
    triggers: new Array(d).fill(0),
    predSum: new Array(d).fill(0),
    predSq: new Array(d).fill(0),
    isi: { n: 0, s1: 0, s2: 0 },
    minIsi: Infinity,
    isiHist: new Array(ISI_BINS).fill(0),
    inc: { n: 0, s1: 0, s2: 0 },
    incHist: new Array(INC_SLOTS).fill(0),
  };
}

const addSums = (a: PowerSums, b: PowerSums): PowerSums => ({ n: a.n + b.n, s1: a.s1 + b.s1, s2: a.s2 + b.s2 });
const addArr = (a: number[], b: number[]) => a.map((v, i) => v + b[i]!);

export function mergeSpikingAccumulators(a: SpikingCheckpointAccumulator, b: SpikingCheckpointAccumulator): SpikingCheckpointAccumulator {
  if (a.step !== b.step || a.d !== b.d) throw new Error(`cannot merge spiking statistics of step ${a.step} with step ${b.step}`);
  return {
    step: a.step, d: a.d,
    chain: mergeAccumulators(a.chain, b.chain),
    stopped: a.stopped + b.stopped,
    time: mergeMoments(a.time, b.time),
    events: mergeMoments(a.events, b.events),
    spikes: a.spikes + b.spikes,
    triggers: addArr(a.triggers, b.triggers),
    predSum: addArr(a.predSum, b.predSum),
    predSq: addArr(a.predSq, b.predSq),
    isi: addSums(a.isi, b.isi),
    minIsi: Math.min(a.minIsi, b.minIsi),
    isiHist: addArr(a.isiHist, b.isiHist),
    inc: addSums(a.inc, b.inc),
    incHist: addArr(a.incHist, b.incHist),
  };
}

/** Record that a trajectory reached the checkpoint at time t after `events` input events. */
export function accumulateReached(a: SpikingCheckpointAccumulator, time: number, events: number): void {
  pushMoment(a.time, time);
  pushMoment(a.events, events);
}

export interface TriggeringRow {
  input: number;
  triggers: number;
  /** Empirical frequency triggers/spikes with its Wilson 95 % interval. */
  frequency: number;
  wilson95: [number, number];
  /** Mean predicted p_j(k − 1) over the window's output spikes (Eq. 12). */
  predicted: number;
  /** Standard error of frequency − predicted: √(Σ p_j(1 − p_j)) / spikes (independent categorical draws given p). */
  se: number;
  /** (triggers − Σ p_j) / √(Σ p_j(1 − p_j)). */
  z: number;
}

export interface SpikingCheckpointSummary {
  step: number;
  reached: number;
  stopped: number;
  chain: CheckpointSummary;
  meanTime: number | null;
  sdTime: number | null;
  meanEvents: number | null;
  /** Window (k_{c−1}, k_c]. */
  spikes: number;
  triggering: TriggeringRow[];
  /** Largest |z| over the inputs. */
  maxAbsZ: number | null;
  isi: { count: number; mean: number | null; sd: number | null; min: number | null; quantiles: { q: number; value: number | null }[] };
  increment: {
    count: number;
    /** Non-triggering inputs without a spike in the interval (increment 0). */
    silent: number;
    /** Mean and sd over all non-triggering inputs, the silent ones' zeros included. */
    mean: number | null;
    sd: number | null;
    /** Mean and sd of the increments of inputs that spiked (the centred noise; Uniform[−1, 1] has sd 1/√3 ≈ 0.577). */
    meanSpiked: number | null;
    sdSpiked: number | null;
    /** Increments of inputs that spiked below −1 and above 1 (outside the density's range). */
    below: number;
    above: number;
    /** Density on [−1, 1] (per unit length) of the increments of inputs that spiked, bin midpoints. */
    density: { x: number; density: number }[];
  };
}

function sumsMean(p: PowerSums): number | null { return p.n ? p.s1 / p.n : null; }
function sumsSd(p: PowerSums): number | null {
  if (p.n < 2) return p.n === 1 ? 0 : null;
  return Math.sqrt(Math.max(0, (p.s2 - (p.s1 * p.s1) / p.n) / (p.n - 1)));
}

/** Quantile of the ISI from the log-binned histogram (interpolated in ln ISI). */
export function isiQuantile(hist: number[], q: number): number | null {
  const n = hist.reduce((x, y) => x + y, 0);
  if (!n) return null;
  const target = q * n;
  let cum = 0;
  for (let b = 0; b < hist.length; b++) {
    const c = hist[b]!;
    if (c > 0 && cum + c >= target) {
      const frac = Math.min(1, Math.max(0, (target - cum) / c));
      return Math.exp(ISI_LN_LO + (b + frac) / ISI_SCALE);
    }
    cum += c;
  }
  return Math.exp(ISI_LN_HI);
}

export function summarizeSpiking(a: SpikingCheckpointAccumulator): SpikingCheckpointSummary {
  const triggering: TriggeringRow[] = a.triggers.map((t, j) => {
    const v = a.predSum[j]! - a.predSq[j]!;
    const sdCount = Math.sqrt(Math.max(v, 0));
    return {
      input: j,
      triggers: t,
      frequency: a.spikes ? t / a.spikes : NaN,
      wilson95: wilson(t, a.spikes),
      predicted: a.spikes ? a.predSum[j]! / a.spikes : NaN,
      se: a.spikes ? sdCount / a.spikes : NaN,
      // no output spike yet (step 0): no frequency, so no z either (it read 0, an agreement)
      z: !a.spikes ? NaN : sdCount > 0 ? (t - a.predSum[j]!) / sdCount : t === a.predSum[j] ? 0 : Infinity,
    };
  });
  const spiked = a.incHist.slice(0, INC_BINS).reduce((x, y) => x + y, 0) + a.incHist[INC_BELOW]! + a.incHist[INC_ABOVE]!;
  const width = 2 / INC_BINS;
  return {
    step: a.step,
    reached: a.chain.n,
    stopped: a.stopped,
    chain: summarizeCheckpoint(a.chain),
    meanTime: a.time.n ? a.time.mean : null,
    sdTime: sd(a.time),
    meanEvents: a.events.n ? a.events.mean : null,
    spikes: a.spikes,
    triggering,
    maxAbsZ: a.spikes ? Math.max(...triggering.map((r) => Math.abs(r.z))) : null,
    isi: {
      count: a.isi.n, mean: sumsMean(a.isi), sd: sumsSd(a.isi), min: a.isi.n ? a.minIsi : null,
      quantiles: [0.1, 0.5, 0.9].map((q) => ({ q, value: isiQuantile(a.isiHist, q) })),
    },
    increment: {
      count: a.inc.n,
      silent: a.incHist[INC_NONE]!,
      mean: sumsMean(a.inc),
      sd: sumsSd(a.inc),
      // the silent inputs add zeros to the power sums: without them, the same sums over count − silent values
      meanSpiked: sumsMean({ ...a.inc, n: a.inc.n - a.incHist[INC_NONE]! }),
      sdSpiked: sumsSd({ ...a.inc, n: a.inc.n - a.incHist[INC_NONE]! }),
      below: a.incHist[INC_BELOW]!,
      above: a.incHist[INC_ABOVE]!,
      density: a.incHist.slice(0, INC_BINS).map((c, b) => ({ x: -1 + (b + 0.5) * width, density: spiked ? c / (spiked * width) : 0 })),
    },
  };
}

/** Serialisable form (for state files and test subprocesses). */
export function spikingAccumulatorToJSON(a: SpikingCheckpointAccumulator): object {
  return { ...a, chain: accumulatorToJSON(a.chain), minIsi: Number.isFinite(a.minIsi) ? a.minIsi : null };
}

export function spikingAccumulatorFromJSON(o: any): SpikingCheckpointAccumulator {
  return { ...o, chain: accumulatorFromJSON(o.chain), minIsi: o.minIsi ?? Infinity };
}
