/** Confidence intervals for binomial proportions. */
import { betaQuantile } from './beta.ts';

/** z_{1 − (1−level)/2} for the usual levels, without a quantile routine. */
export function zFor(level: number): number {
  if (Math.abs(level - 0.95) < 1e-12) return 1.959963984540054;
  if (Math.abs(level - 0.99) < 1e-12) return 2.5758293035489004;
  if (Math.abs(level - 0.9) < 1e-12) return 1.6448536269514722;
  throw new Error(`unsupported confidence level ${level}`);
}

/**
 * Wilson score interval for k successes in n trials (Wilson 1927). Its bounds at k = 0 and k = n are 0 and 1 exactly
 * (centre ∓ half cancel there); the formula's rounding would give 1 − 2⁻⁵³ or a few 10⁻¹⁷ instead, so they are set.
 */
export function wilson(k: number, n: number, level = 0.95): [number, number] {
  if (n === 0) return [0, 1];
  const z = zFor(level);
  const p = k / n;
  const z2n = (z * z) / n;
  const centre = (p + z2n / 2) / (1 + z2n);
  const half = (z / (1 + z2n)) * Math.sqrt((p * (1 - p)) / n + z2n / (4 * n));
  return [k === 0 ? 0 : Math.max(0, centre - half), k === n ? 1 : Math.min(1, centre + half)];
}

/**
 * Clopper–Pearson ("exact") interval: the Beta quantiles B(α/2; k, n − k + 1) and B(1 − α/2; k + 1, n − k).
 * Conservative: coverage ≥ level for every p.
 */
export function clopperPearson(k: number, n: number, level = 0.95): [number, number] {
  if (n === 0) return [0, 1];
  const a = (1 - level) / 2;
  const lo = k === 0 ? 0 : betaQuantile(a, k, n - k + 1);
  const hi = k === n ? 1 : betaQuantile(1 - a, k + 1, n - k);
  return [lo, hi];
}

/** An interval for a probability clipped to [0, 1] (a normal interval p ± z·se can reach past either end). */
export function clipProbability(iv: readonly [number, number]): [number, number] {
  return [Math.max(0, iv[0]), Math.min(1, iv[1])];
}

/** The normal 95 % interval of a probability estimate, mean ± 1.96·se, clipped to [0, 1]. */
export function normalProbabilityInterval(mean: number, se: number, z = 1.96): [number, number] {
  return clipProbability([mean - z * se, mean + z * se]);
}
