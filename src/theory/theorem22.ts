/**
 * arXiv 2505.10272, Theorem 2.2 (statement only partly available to us; /work/shared/MODEL-NOTES.md §1).
 */

/**
 * The per-step contraction of Theorem 2.2's proof, as reconstructed in MODEL-NOTES §1:
 *
 *   E[(1 − p_1(k+1)) 1_Ω(k+1)] ≤ (1 − α (Δ/(4d)) (1 + (d−1)Δ/2)) E[(1 − p_1(k)) 1_Ω(k)],
 *
 * with Δ = p_1(0) − max_{i≥2} p_i(0) (index 1 = argmax p0 here; Δ = 0 on ties) and d = p0.length.
 * `perStepFactor(α)` = 1 − α·ratePerUnitTime; `ratePerUnitTime` = (Δ/(4d))(1 + (d−1)Δ/2) is the implied
 * exponential rate in t = αk, (1 − αρ)^{t/α} → e^{−ρt}.
 *
 * Caveats, repeated in `note`: the grouping of the factor is reconstructed (the display formula was not available);
 * the theorem's learning-rate condition (α small enough in terms of ε, Δ, d, Q) and the ε of P(Θ) ≥ 1 − ε/2 are not
 * available, so no α range of validity is implied. The bound concerns the mean gap on the event Ω, not every path.
 */
export function theorem22Rate(p0: number[]): {
  perStepFactor: (alpha: number) => number; ratePerUnitTime: number; delta: number; reconstructed: true; note: string;
} {
  const d = p0.length;
  let iStar = 0;
  for (let i = 1; i < d; i++) if (p0[i]! > p0[iStar]!) iStar = i;
  let second = 0;
  for (let i = 0; i < d; i++) if (i !== iStar && p0[i]! > second) second = p0[i]!;
  const delta = p0[iStar]! - second;
  const ratePerUnitTime = (delta / (4 * d)) * (1 + ((d - 1) * delta) / 2);
  return {
    perStepFactor: (alpha: number) => 1 - alpha * ratePerUnitTime,
    ratePerUnitTime,
    delta,
    reconstructed: true,
    note:
      'Theorem 2.2 (arXiv 2505.10272) per-step contraction 1 − α(Δ/(4d))(1 + (d−1)Δ/2) of E[(1 − p_1)1_Ω]: grouping ' +
      'reconstructed from the text (display formula not available); the learning-rate condition and ε of the ' +
      'theorem are not available, so the α range where it holds is unknown.',
  };
}
