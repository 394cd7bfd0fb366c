/**
 * Pooled log–log slopes over the (d, n) grid with intervals: weighted least squares of y = ln(RMS) on x (ln n or
 * ln d) with one intercept per group (per d for the slope in n, per n for the slope in d) and a common slope,
 *
 *   min Σ w_i (y_i − a_g(i) − s·x_i)²,  w_i = 1/SE_i²,  ŝ = Σ w (x − x̄_g)(y − ȳ_g) / Σ w (x − x̄_g)²,
 *
 * x̄_g, ȳ_g weighted group means; SE(ŝ) = (Σ w (x − x̄_g)²)^{−½}. SE_i is the Monte Carlo standard error of ln(RMS)
 * at grid point i (stats.ts rmsOf: the delta method on the mean square; grid points use independent random
 * numbers), so ŝ ± 1.96·SE is the Monte Carlo interval of the best power-law slope over the design. Where the power
 * law does not hold exactly (small d or n), the points scatter about the line more than SE_i explains: the Birge
 * ratio √(χ²/dof), dof = points − groups − 1, says by how much (≈ 1 when the law holds); it does not widen the
 * interval (with a few degrees of freedom it is itself too noisy to scale by).
 */

export interface SlopeFit {
  value: number;
  ci95: [number, number];
  /** SE from the Monte Carlo errors, and the Birge ratio √(χ²/dof) of the fit (null without degrees of freedom). */
  se: number;
  birge: number | null;
  points: number;
  groups: number;
  /** Per-group intercepts (the fitted line of group g is a_g + s·x). */
  intercepts: Record<string, number>;
}

export interface SlopeObservation {
  x: number;
  y: number;
  se: number;
  group: string;
}

export function pooledSlope(obs: SlopeObservation[]): SlopeFit | null {
  const ok = obs.filter((o) => Number.isFinite(o.x) && Number.isFinite(o.y) && Number.isFinite(o.se) && o.se > 0);
  const groups = new Map<string, SlopeObservation[]>();
  for (const o of ok) groups.set(o.group, [...(groups.get(o.group) ?? []), o]);
  let sxx = 0, sxy = 0, used = 0, g = 0;
  const means = new Map<string, { x: number; y: number }>();
  for (const [k, list] of groups) {
    const W = list.reduce((a, o) => a + 1 / o.se ** 2, 0);
    const mx = list.reduce((a, o) => a + o.x / o.se ** 2, 0) / W, my = list.reduce((a, o) => a + o.y / o.se ** 2, 0) / W;
    means.set(k, { x: mx, y: my });
    if (list.length < 2) continue;
    used += list.length;
    g++;
    for (const o of list) { sxx += ((o.x - mx) ** 2) / o.se ** 2; sxy += ((o.x - mx) * (o.y - my)) / o.se ** 2; }
  }
  if (!(sxx > 0)) return null;
  const s = sxy / sxx, se = 1 / Math.sqrt(sxx);
  const intercepts: Record<string, number> = {};
  for (const [k, m] of means) intercepts[k] = m.y - s * m.x;
  let chi2 = 0;
  for (const [k, list] of groups) if (list.length >= 2) for (const o of list) chi2 += ((o.y - intercepts[k]! - s * o.x) / o.se) ** 2;
  const dof = used - g - 1;
  const birge = dof > 0 ? Math.sqrt(chi2 / dof) : null;
  const h = 1.959963984540054 * se;
  return { value: s, ci95: [s - h, s + h], se, birge, points: used, groups: g, intercepts };
}
