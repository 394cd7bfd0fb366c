/**
 * The coefficient lookup of the authors' code (Kreutzer, Petrovici & Senn 2022; GitHub
 * elenakreutzer/Code_Natural-gradient_learning_for_spiking_neurons_eLIFE_2022), reproduced as the option
 * `coefficients: "authors-table"` beside the default, correct lookup (coefficients.ts).
 *
 * Their table (Figure3B-CF/File04_create_lt.py, merged by File04a_merge_lt.py) has shape (122, 820, 5):
 *   entry [i, j] = g(m_i, v_j, q),  m_i = −15 + 0.25 i (i < 122),  v_j = 10 + 0.5 j (j < 802: np.arange(10., 411., .5)),
 * and entries j = 802…819 are left at zero. File05_main_simulation.py reads it at
 *   i = int(max(0, min(4 (m + 15), 120))),   j = int(max(0, min(2 (var − 1), 819)))
 * with m the Campbell mean and var = ∫ε² Σ w² r the variance of V. The variance index assumes a grid starting at
 * 1 mV², so node j holds v_j = 10 + 0.5 j = (var rounded down to the 0.5 grid) + 9: the runs used the coefficients of a
 * variance 9 mV² larger (every var < 1 mV², Figure 3's regime, at 10 mV²), and for var ≥ 402 mV² the zero rows, i.e.
 * γ_s = 0 and no update at all. Tables exist for integer q only (their qlist, looked up at int(Σr / 38.46)); we build
 * the table at round(q). This module gives that table (filled lazily on the CPU, whole for WebGPU) and its lookup.
 */
import { NATGRAD_COEFFS, natgradCoefficients, type SigmoidParams } from './coefficients.ts';

export const NATGRAD_COEFFICIENT_CHOICES = ['exact', 'authors-table'] as const;
export type NatgradCoefficientChoice = (typeof NATGRAD_COEFFICIENT_CHOICES)[number];

/** The authors' grid: 122 mean nodes from −15 mV by 0.25, 820 variance slots from 10 mV² by 0.5 (802 filled). */
export const AUTHORS_TABLE = {
  nMean: 122, mean0: -15, meanStep: 0.25, maxMeanIndex: 120,
  nVar: 820, var0: 10, varStep: 0.5, filledVar: 802, maxVarIndex: 819,
} as const;

export interface AuthorsIndex { i: number; j: number; clamped: boolean }

/**
 * The node the authors' code reads at mean m (mV) and variance v (mV²); `clamped` when an index was clamped or lands
 * in the zero rows (v ≥ 402 mV²). NaN indices go to node 0 (their int() would raise; our engines flag nonFinite).
 */
export function authorsIndex(m: number, v: number): AuthorsIndex {
  const A = AUTHORS_TABLE;
  const x = 4 * (m + 15), y = 2 * (v - 1);
  let clamped = false;
  let i = Math.floor(x), j = Math.floor(y);
  if (!(x >= 0)) { i = 0; clamped = true; } else if (x > A.maxMeanIndex) { i = A.maxMeanIndex; clamped = true; }
  // var < 1 mV² reads node 0 (10 mV²) by design of their offset, not as a clamp of the grid: not flagged
  if (!(y >= 0)) { j = 0; if (Number.isNaN(y)) clamped = true; } else if (y > A.maxVarIndex) { j = A.maxVarIndex; clamped = true; }
  if (j >= A.filledVar) clamped = true;
  return { i, j, clamped };
}

/** q as the authors' tables have it: an integer (their qlist). */
export const authorsQ = (q: number) => Math.round(q);

/** The authors' table, entries computed on first use (NaN: not yet). */
export class AuthorsTable {
  readonly values: Float64Array;
  private readonly q: number;

  constructor(q: number, private readonly p: SigmoidParams) {
    this.q = authorsQ(q);
    const A = AUTHORS_TABLE;
    this.values = new Float64Array(A.nMean * A.nVar * NATGRAD_COEFFS).fill(NaN);
    // the zero rows j = 802…819 of every mean node
    for (let i = 0; i < A.nMean; i++) this.values.fill(0, (i * A.nVar + A.filledVar) * NATGRAD_COEFFS, (i + 1) * A.nVar * NATGRAD_COEFFS);
  }

  /** Offset of node (i, j), computed if needed. */
  node(i: number, j: number): number {
    const o = (i * AUTHORS_TABLE.nVar + j) * NATGRAD_COEFFS;
    if (Number.isNaN(this.values[o]!)) {
      const A = AUTHORS_TABLE;
      this.values.set(natgradCoefficients(A.mean0 + A.meanStep * i, A.var0 + A.varStep * j, this.q, this.p), o);
    }
    return o;
  }

  /** Every node (for the WebGPU engine's upload). */
  full(): Float64Array {
    const A = AUTHORS_TABLE;
    for (let i = 0; i < A.nMean; i++) for (let j = 0; j < A.filledVar; j++) this.node(i, j);
    return this.values;
  }

  /** The coefficients at (m, sd) into out; returns true when clamped or in the zero rows. */
  lookup(m: number, sd: number, out: Float64Array | number[]): boolean {
    const { i, j, clamped } = authorsIndex(m, sd * sd);
    const o = this.node(i, j);
    for (let k = 0; k < NATGRAD_COEFFS; k++) out[k] = this.values[o + k]!;
    return clamped;
  }
}

const cache = new Map<string, AuthorsTable>();
/** One table per (q, sigmoid) and process. */
export function authorsTable(q: number, p: SigmoidParams): AuthorsTable {
  const key = JSON.stringify([authorsQ(q), p.phiMax, p.beta, p.theta]);
  let t = cache.get(key);
  if (!t) cache.set(key, (t = new AuthorsTable(q, p)));
  return t;
}
