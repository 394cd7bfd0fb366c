/** Verdicts for the comparison table: empirical estimate with its interval against a theory value. */
export type Verdict = 'agrees' | 'disagrees' | 'not comparable';

export interface Comparison {
  quantity: string;
  empirical: number | null;
  interval: [number, number] | null;
  theory: number | null;
  verdict: Verdict;
  /** Why a row is not comparable, what the theory is (a bound, reconstructed, ...), or what the numbers mean. */
  note?: string;
}

/** agrees: the theory value lies in the empirical 95% interval; disagrees otherwise. */
export function compareToInterval(
  quantity: string, empirical: number, interval: [number, number], theory: number, note?: string,
): Comparison {
  const inside = theory >= interval[0] && theory <= interval[1];
  return { quantity, empirical, interval, theory, verdict: inside ? 'agrees' : 'disagrees', note };
}

export function notComparable(
  quantity: string, empirical: number | null, interval: [number, number] | null, theory: number | null, note: string,
): Comparison {
  return { quantity, empirical, interval, theory, verdict: 'not comparable', note };
}

/**
 * agrees: the theory value lies within the empirical 95% interval widened by a stated allowance on each side (for a
 * known bias of the estimand against the theory, e.g. the O(α) gap between the chain's mean and the flow); the
 * allowance is written into the note so the verdict can be read with it.
 */
export function compareWithAllowance(
  quantity: string, empirical: number, interval: [number, number], theory: number, allowance: number, note: string,
): Comparison {
  const inside = theory >= interval[0] - allowance && theory <= interval[1] + allowance;
  return { quantity, empirical, interval, theory, verdict: inside ? 'agrees' : 'disagrees', note: `${note}; allowance ±${Number(allowance.toPrecision(3))}` };
}
