/**
 * Verdicts for the comparison table: empirical estimate with its interval against a theory value.
 *
 * agrees: the theory value lies in the empirical interval, widened on each side by a stated allowance (with its
 * reason) where a known bias applies; disagrees: outside it; not comparable: no verdict — the theory is a bound or a
 * limit, or the estimate has too few trajectories (< MIN_TRAJECTORIES) or a zero-width interval to judge anything.
 */
export type Verdict = 'agrees' | 'disagrees' | 'not comparable';

/** A known bias of the estimand against the theory: the half-width added on each side of the interval, and why. */
export interface Allowance {
  value: number;
  /** What the allowance is and why, e.g. "2α: the chain's mean differs from the flow by O(α)". */
  reason: string;
}

export interface Comparison {
  quantity: string;
  empirical: number | null;
  interval: [number, number] | null;
  theory: number | null;
  verdict: Verdict;
  /** Why a row is not comparable, what the theory is (a bound, reconstructed, ...), or what the numbers mean. */
  note?: string;
  /** The question the row answers, shared by the rows of a sweep (the report's summary has one row per question). */
  question?: string;
  allowance?: Allowance;
  /** Trajectories (copies) behind the estimate. */
  n?: number;
  /** What a disagreement on this row means, where it is expected or known (printed beside a "disagrees"). */
  meaning?: string;
}

/** Fewer trajectories than this give "not comparable": the interval is not to be trusted (normal approximations). */
export const MIN_TRAJECTORIES = 30;

/**
 * The level of the verdicts over a grid of many points (tens of rows rarely show a false disagreement at 99.9 %): a
 * model's question says it uses it, with Student t on n − 1 degrees of freedom over its copies (Hebbian, zero-order).
 */
export const GRID_VERDICT_LEVEL = 0.999;

export interface CompareOptions {
  n?: number;
  question?: string;
  meaning?: string;
}

const sig = (v: number, d = 3) => Number(v.toPrecision(d)).toString();

/**
 * The verdict a row gets from its numbers: "not comparable" with the reason prefixed to the note when it rests on
 * fewer than MIN_TRAJECTORIES trajectories or on a zero-width interval; otherwise whether the theory lies in the
 * interval widened by the allowance.
 */
export function judge(c: Comparison): Comparison {
  if (c.verdict === 'not comparable' || c.interval === null || c.theory === null || c.empirical === null) return c;
  const why = c.n !== undefined && c.n < MIN_TRAJECTORIES
    ? `fewer than ${MIN_TRAJECTORIES} trajectories (${c.n}): no verdict`
    : !(c.interval[1] > c.interval[0])
      ? 'zero-width interval (a single trajectory, or all alike): no verdict'
      : null;
  if (why) return { ...c, verdict: 'not comparable', note: c.note ? `${why}; ${c.note}` : why };
  const a = c.allowance?.value ?? 0;
  const inside = c.theory >= c.interval[0] - a && c.theory <= c.interval[1] + a;
  return { ...c, verdict: inside ? 'agrees' : 'disagrees' };
}

/** agrees: the theory value lies in the empirical 95% interval; disagrees otherwise (see judge). */
export function compareToInterval(
  quantity: string, empirical: number, interval: [number, number], theory: number, note?: string, o: CompareOptions = {},
): Comparison {
  return judge({ quantity, empirical, interval, theory, verdict: 'agrees', note, ...o });
}

export function notComparable(
  quantity: string, empirical: number | null, interval: [number, number] | null, theory: number | null, note: string,
  o: CompareOptions = {},
): Comparison {
  return { quantity, empirical, interval, theory, verdict: 'not comparable', note, ...o };
}

/**
 * agrees: the theory value lies within the empirical 95% interval widened by a stated allowance on each side (for a
 * known bias of the estimand against the theory, e.g. the O(α) gap between the chain's mean and the flow); the
 * allowance and its reason are kept on the row (verdictText prints them beside the verdict) and written into the note.
 */
export function compareWithAllowance(
  quantity: string, empirical: number, interval: [number, number], theory: number, allowance: number, note: string,
  o: CompareOptions & { reason?: string } = {},
): Comparison {
  const { reason, ...rest } = o;
  return judge({
    quantity, empirical, interval, theory, verdict: 'agrees', allowance: { value: allowance, reason: reason ?? 'a stated allowance for a known bias' },
    note: `${note}; allowance ±${sig(allowance)}`, ...rest,
  });
}

/**
 * The verdict with what it rests on, for every table and the terminal: "agrees (within allowance ±0.4 = 2α: …)",
 * "agrees (inside the interval; allowance ±… = …)", "disagrees (theory outside the interval by 3e-7; theory − estimate =
 * −2e-5, 0.2 % of the estimate)", or the bare verdict.
 */
export function verdictText(c: Comparison): string {
  const a = c.allowance;
  const allowance = a ? `allowance ±${sig(a.value)} = ${a.reason}` : '';
  if (c.verdict === 'agrees') {
    if (!a) return 'agrees';
    const bare = c.interval && c.theory !== null && c.theory >= c.interval[0] && c.theory <= c.interval[1];
    return bare ? `agrees (inside the interval; ${allowance})` : `agrees (within ${allowance})`;
  }
  if (c.verdict === 'disagrees' && c.interval && c.theory !== null) {
    const w = a?.value ?? 0;
    const off = c.theory < c.interval[0] - w ? c.interval[0] - w - c.theory : c.theory - c.interval[1] - w;
    const diff = c.empirical !== null ? c.theory - c.empirical : null;
    const rel = diff !== null && c.empirical ? `; theory − estimate = ${sig(diff, 2)}, ${sig((100 * Math.abs(diff)) / Math.abs(c.empirical), 2)} % of the estimate` : '';
    return `disagrees (theory outside the interval${a ? ` widened by the ${allowance}` : ''} by ${sig(off, 2)}${rel})`;
  }
  return c.verdict;
}
