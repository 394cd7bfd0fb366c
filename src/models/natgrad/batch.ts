/**
 * The statistics of one batch of natural-gradient learners [a, b), as the run layer stores, merges and checks them.
 *
 * Bounded in the number of learners N (issue 13): per (rule, coefficients, η) ensemble, the values of the learners
 * with index below scenario.exactLearners = M (NATGRAD_NF numbers per checkpoint, and their fault flags), running sums
 * of every field at every checkpoint over all learners, and counts of the first checkpoint with KL ≤ threshold —
 * NatgradEnsembleData, what the engines return. Merging concatenates the kept values in learner order (the kept
 * learners are the prefix [0, M), and batches merge in batch order) and adds sums and counts. With N ≤ M a merged run
 * holds the same arrays as one run over all learners and its summary is the same to the last bit; above, the state is
 * at most M × ensembles × checkpoints × NATGRAD_NF numbers plus the sums, whatever N.
 * Captured spikes, inputs and final weights are engine test hooks and never part of a batch.
 */
import { numberFromJSON, numberToJSON } from '../../core/json-numbers.ts';
import type { ResolvedNatgradScenario } from './scenario.ts';
import { NATGRAD_FLAG, NATGRAD_NF, emptyEnsembleData, keptIn, type NatgradEnsembleData } from './stats.ts';

export interface NatgradBatch {
  /** One entry per scenario.ensembles, in its order; each holds the batch's learners in learner order. */
  ensembles: NatgradEnsembleData[];
}

/** An ensemble's data with no learners (a grid point of which this process holds no batch). */
export function emptyNatgradBatch(s: ResolvedNatgradScenario): NatgradBatch {
  return { ensembles: s.ensembles.map((e) => emptyEnsembleData(e, s.checkpoints.length, 0)) };
}

function concat(a: Float64Array | Float32Array, b: Float64Array | Float32Array): Float64Array | Float32Array {
  // f32 values (WebGPU) are exact in f64, so a mixed pair widens without changing a number.
  const out = a instanceof Float32Array && b instanceof Float32Array ? new Float32Array(a.length + b.length) : new Float64Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Batch a, then batch b: per ensemble, b's learners appended after a's. */
export function mergeNatgradBatches(a: NatgradBatch, b: NatgradBatch): NatgradBatch {
  return {
    ensembles: a.ensembles.map((x, e) => {
      const y = b.ensembles[e]!;
      const flags = new Uint32Array(x.kept + y.kept);
      flags.set(x.flags);
      flags.set(y.flags, x.kept);
      return {
        rule: x.rule, eta: x.eta, coefficients: x.coefficients, n: x.n + y.n, kept: x.kept + y.kept, values: concat(x.values, y.values), flags,
        sums: x.sums.map((v, i) => v + y.sums[i]!), below: x.below.map((v, i) => v + y.below[i]!),
        flagBits: x.flagBits | y.flagBits, flagged: x.flagged + y.flagged,
      };
    }),
  };
}

/**
 * Counts that must add up and values whose pattern is fixed by construction (cpu-engine.ts `checkpointStats`, mirrored
 * by the WebGPU engine): one entry per ensemble with its rule and η; n learners, n·C·NF values, n flags of known bits;
 * spike rates NaN at t = 0 and afterwards finite in [0, 1/dt] (a spike count over the span: at most one per bin);
 * ‖w − w*‖ NaN for a Poisson teacher; the mean unstimulated weight NaN when every input is stimulated; the rate error
 * in [0, max(φ_max, r*)] or NaN, KL never −∞. KL, the rate error and the weights may legitimately be NaN or infinite for a
 * learner whose weights diverge (or whose teacher's σ underflows in f32: 0 · ln 0), so they are not required finite.
 */
export function checkNatgradBatch(b: NatgradBatch, s: ResolvedNatgradScenario, range: [number, number]): string | null {
  const n = range[1] - range[0], C = s.checkpoints.length;
  if (b.ensembles.length !== s.ensembles.length) return `${b.ensembles.length} ensembles, expected ${s.ensembles.length}`;
  // φ_max · |σ − σ*| with σ* = r*/φ_max for a Poisson teacher, which may exceed 1.
  const maxRate = (1000 / s.dt) * (1 + 1e-6), maxErr = Math.max(s.phiMax, s.teacher.kind === 'poisson' ? s.teacher.rate : 0) * (1 + 1e-5);
  const neuron = s.teacher.kind === 'neuron', unstim = s.rates.some((r) => r === 0);
  const known = NATGRAD_FLAG.nonFinite | NATGRAD_FLAG.tableClamped;
  const kept = keptIn(range, s.exactLearners);
  for (const [e, d] of b.ensembles.entries()) {
    const spec = s.ensembles[e]!, where = ensembleName(spec);
    if (d.rule !== spec.rule || d.eta !== spec.eta || d.coefficients !== spec.coefficients) return `ensemble ${e} is ${ensembleName(d)}, expected ${where}`;
    if (d.n !== n) return `${where}: ${d.n} learners counted, expected ${n}`;
    if (d.kept !== kept) return `${where}: ${d.kept} learners kept, expected ${kept} (those below exactLearners = ${s.exactLearners})`;
    if (d.flags.length !== kept) return `${where}: ${d.flags.length} flags, expected ${kept}`;
    if (d.values.length !== kept * C * NATGRAD_NF) return `${where}: ${d.values.length} values, expected ${kept * C * NATGRAD_NF} (${kept} learners × ${C} checkpoints × ${NATGRAD_NF})`;
    if (d.sums.length !== C * NATGRAD_NF * 3 || d.below.length !== C + 1) return `${where}: ${d.sums.length} sums and ${d.below.length} counts, expected ${C * NATGRAD_NF * 3} and ${C + 1}`;
    const counted = d.below.reduce((a, x) => a + x, 0);
    if (counted !== n) return `${where}: first times below the KL threshold count ${counted} learners, expected ${n}`;
    if (!(Number.isInteger(d.flagged) && d.flagged >= 0 && d.flagged <= n) || (d.flagBits & ~known) || (d.flagBits !== 0) !== (d.flagged > 0)) {
      return `${where}: fault flags ${d.flagBits} with ${d.flagged} flagged learners of ${n}`;
    }
    for (let k = 0; k < C * NATGRAD_NF; k++) {
      const c = Math.floor(k / NATGRAD_NF), f = k % NATGRAD_NF, m = d.sums[3 * k]!;
      if (!(Number.isInteger(m) && m >= 0 && m <= n)) return `${where}, t = ${s.checkpointTimes[c]} s: field ${f} counts ${m} finite values of ${n} learners`;
      if ((f === 5 || f === 6) && c === 0 && m !== 0) return `${where}: spike rates counted at t = 0`;
      if (!(Number.isFinite(d.sums[3 * k + 1]!) && d.sums[3 * k + 2]! >= 0)) return `${where}, t = ${s.checkpointTimes[c]} s: field ${f} sums are not finite`;
    }
    for (let t = 0; t < kept; t++) {
      const learner = `${where}, learner ${range[0] + t}`;
      if (d.flags[t]! & ~known) return `${learner}: unknown fault flags ${d.flags[t]}`;
      for (let c = 0; c < C; c++) {
        const o = (t * C + c) * NATGRAD_NF, at = `${learner}, t = ${s.checkpointTimes[c]} s`;
        const v = (k: number) => d.values[o + k]!;
        if (v(0) === -Infinity) return `${at}: KL is −∞`;
        if (!Number.isNaN(v(1)) && !(v(1) >= 0 && v(1) <= maxErr)) return `${at}: rate error ${v(1)} outside [0, ${maxErr}]`;
        if (!neuron && !Number.isNaN(v(2))) return `${at}: ‖w − w*‖ = ${v(2)} for a Poisson teacher (must be NaN)`;
        if (neuron && v(2) < 0) return `${at}: ‖w − w*‖ = ${v(2)} is negative`;
        if (!unstim && !Number.isNaN(v(4))) return `${at}: mean unstimulated weight ${v(4)} without unstimulated inputs`;
        for (const k of [5, 6]) {
          const x = v(k), name = k === 5 ? 'student' : 'teacher';
          if (c === 0 ? !Number.isNaN(x) : !(x >= 0 && x <= maxRate)) return `${at}: ${name} rate ${x} (${c === 0 ? 'must be NaN at t = 0' : 'must be a spike count over the span'})`;
        }
      }
    }
  }
  return null;
}

/** An ensemble as messages name it: `natural η=0.0006`, `natural η=0.0006 (authors' table)`. */
export function ensembleName(e: { rule: string; eta: number; coefficients?: string }): string {
  return `${e.rule} η=${e.eta}${e.coefficients === 'authors-table' ? ' (authors\' table)' : ''}`;
}

interface EnsembleJson {
  rule: string; eta: number; coefficients: string; n: number; kept: number; f32: boolean; values: (number | string)[]; flags: number[];
  sums: (number | string)[]; below: number[]; flagBits: number; flagged: number;
}

export function natgradBatchToJSON(b: NatgradBatch): { ensembles: EnsembleJson[] } {
  return {
    ensembles: b.ensembles.map((d) => ({
      rule: d.rule, eta: d.eta, coefficients: d.coefficients, n: d.n, kept: d.kept, f32: d.values instanceof Float32Array,
      values: Array.from(d.values, numberToJSON), flags: Array.from(d.flags),
      sums: Array.from(d.sums, numberToJSON), below: Array.from(d.below), flagBits: d.flagBits, flagged: d.flagged,
    })),
  };
}

export function natgradBatchFromJSON(j: unknown): NatgradBatch {
  const o = j as { ensembles: EnsembleJson[] };
  return {
    ensembles: o.ensembles.map((d) => ({
      rule: d.rule, eta: d.eta, coefficients: d.coefficients as NatgradEnsembleData['coefficients'], n: d.n, kept: d.kept,
      values: d.f32 ? Float32Array.from(d.values, numberFromJSON) : Float64Array.from(d.values, numberFromJSON),
      flags: Uint32Array.from(d.flags),
      sums: Float64Array.from(d.sums, numberFromJSON), below: Float64Array.from(d.below), flagBits: d.flagBits, flagged: d.flagged,
    })),
  };
}
