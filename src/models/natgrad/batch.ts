/**
 * The statistics of one batch of natural-gradient learners [a, b), as the run layer stores, merges and checks them.
 *
 * The report's bands are exact quantiles across learners (10 %, 50 %, 90 %) and its time to threshold a median over
 * learners, which no fixed-size accumulator gives: so a batch keeps, for every (rule, η) ensemble, each of its
 * learners' per-checkpoint values (NATGRAD_NF numbers per checkpoint) and fault flags — NatgradEnsembleData, exactly
 * what the engines return — and merging concatenates them in learner order. A merged run therefore holds the same
 * arrays as one run over all learners, and its summary is the same to the last bit. The state grows with N: about
 * N × ensembles × checkpoints × NATGRAD_NF numbers (Figure 3's 1000 learners × 6 ensembles × 81 checkpoints: 3.4·10⁶).
 * Captured spikes, inputs and final weights are engine test hooks and never part of a batch.
 */
import { numberFromJSON, numberToJSON } from '../../core/json-numbers.ts';
import type { ResolvedNatgradScenario } from './scenario.ts';
import { NATGRAD_FLAG, NATGRAD_NF, type NatgradEnsembleData } from './stats.ts';

export interface NatgradBatch {
  /** One entry per scenario.ensembles, in its order; each holds the batch's learners in learner order. */
  ensembles: NatgradEnsembleData[];
}

/** An ensemble's data with no learners (a grid point of which this process holds no batch). */
export function emptyNatgradBatch(s: ResolvedNatgradScenario): NatgradBatch {
  return { ensembles: s.ensembles.map((e) => ({ rule: e.rule, eta: e.eta, n: 0, values: new Float64Array(0), flags: new Uint32Array(0) })) };
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
      const flags = new Uint32Array(x.n + y.n);
      flags.set(x.flags);
      flags.set(y.flags, x.n);
      return { rule: x.rule, eta: x.eta, n: x.n + y.n, values: concat(x.values, y.values), flags };
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
  for (const [e, d] of b.ensembles.entries()) {
    const spec = s.ensembles[e]!, where = `${spec.rule} η=${spec.eta}`;
    if (d.rule !== spec.rule || d.eta !== spec.eta) return `ensemble ${e} is ${d.rule} η=${d.eta}, expected ${where}`;
    if (d.n !== n) return `${where}: ${d.n} learners counted, expected ${n}`;
    if (d.flags.length !== n) return `${where}: ${d.flags.length} flags, expected ${n}`;
    if (d.values.length !== n * C * NATGRAD_NF) return `${where}: ${d.values.length} values, expected ${n * C * NATGRAD_NF} (${n} learners × ${C} checkpoints × ${NATGRAD_NF})`;
    for (let t = 0; t < n; t++) {
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

interface EnsembleJson { rule: string; eta: number; n: number; f32: boolean; values: (number | string)[]; flags: number[] }

export function natgradBatchToJSON(b: NatgradBatch): { ensembles: EnsembleJson[] } {
  return {
    ensembles: b.ensembles.map((d) => ({
      rule: d.rule, eta: d.eta, n: d.n, f32: d.values instanceof Float32Array, values: Array.from(d.values, numberToJSON), flags: Array.from(d.flags),
    })),
  };
}

export function natgradBatchFromJSON(j: unknown): NatgradBatch {
  const o = j as { ensembles: EnsembleJson[] };
  return {
    ensembles: o.ensembles.map((d) => ({
      rule: d.rule, eta: d.eta, n: d.n,
      values: d.f32 ? Float32Array.from(d.values, numberFromJSON) : Float64Array.from(d.values, numberFromJSON),
      flags: Uint32Array.from(d.flags),
    })),
  };
}
